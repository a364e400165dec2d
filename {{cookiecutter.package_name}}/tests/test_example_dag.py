{%- set dated = cookiecutter.date_filter != "none" -%}
"""The example DAG parses cleanly and runs end to end with dag.test()."""

from __future__ import annotations

import json

import pandas as pd
import pendulum
from airflow.models import DagBag

from {{ cookiecutter.module_name }}.local_api import Fault
from {{ cookiecutter.module_name }}.ranking import ITEM_KEY
from conftest import (
    EXAMPLE_DAGS,
{%- if cookiecutter.auth_type != "none" %}
    SECRET,
{%- endif %}
    connection_fields,
    use_connection,
)

DAG_ID = "{{ cookiecutter.__conn_type }}_ratings"


def test_example_dag_imports_without_errors():
    dagbag = DagBag(dag_folder=str(EXAMPLE_DAGS))

    assert dagbag.import_errors == {}
    assert list(dagbag.dag_ids) == [DAG_ID]


def test_example_dag_waits_then_fetches_then_ranks():
    from {{ cookiecutter.module_name }}.example_dags.{{ cookiecutter.__conn_type }}_ratings import dag

    assert dag.get_task("wait_for_ratings").downstream_task_ids == {"fetch_ratings"}
    assert dag.get_task("fetch_ratings").downstream_task_ids == {"rank_movies"}
    assert dag.get_task("rank_movies").downstream_task_ids == set()


def test_example_dag_runs_end_to_end(airflow_db, connection, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AIRFLOW_VAR_{{ cookiecutter.__conn_type | upper }}_OUTPUT_BASE", str(tmp_path))
    from {{ cookiecutter.module_name }}.example_dags.{{ cookiecutter.__conn_type }}_ratings import dag

    # The run at midnight on 2026-01-04 {% if dated %}covers 2026-01-03, the day with 250 ratings{% else %}is named for 2026-01-03 and fetches all 255 ratings{% endif %}.
    for task in dag.tasks:
        task.retries = 0  # a failure should fail the test now, not after the DAG's retry delays
    run = dag.test(logical_date=pendulum.datetime(2026, 1, 4, tz="UTC"))

    assert run.state == "success"
    ratings_file = tmp_path / "ratings" / "2026-01-03.jsonl"
    assert len([json.loads(line) for line in ratings_file.read_text().splitlines()]) == {{ 250 if dated else 255 }}
    ranking = pd.read_csv(tmp_path / "rankings" / "2026-01-03.csv")
    assert list(ranking.columns) == [ITEM_KEY, "avg_rating", "num_ratings"]
    assert len(ranking) > 0
    assert ranking["avg_rating"].is_monotonic_decreasing
{%- if cookiecutter.auth_type != "none" %}
    assert SECRET not in capsys.readouterr().out  # the task logs
{%- endif %}


def test_a_failing_run_fails_cleanly_and_keeps_the_secret_out_of_its_logs(
    airflow_db, api, monkeypatch, tmp_path, capsys
):
    monkeypatch.setenv("AIRFLOW_VAR_{{ cookiecutter.__conn_type | upper }}_OUTPUT_BASE", str(tmp_path))
    use_connection(monkeypatch, connection_fields(api.port, max_retries=1, backoff_factor=0.01))
    api.add_faults(*[Fault(status=500)] * 20)
    from {{ cookiecutter.module_name }}.example_dags.{{ cookiecutter.__conn_type }}_ratings import dag

    for task in dag.tasks:
        task.retries = 0
    run = dag.test(logical_date=pendulum.datetime(2026, 1, 4, tz="UTC"))

    task_log = capsys.readouterr().out
    assert run.state == "failed"
    assert "failed (HTTP 500); retry 1 of 1" in task_log
{%- if cookiecutter.auth_type != "none" %}
    assert SECRET not in task_log
{%- endif %}
    assert not (tmp_path / "ratings").exists()
