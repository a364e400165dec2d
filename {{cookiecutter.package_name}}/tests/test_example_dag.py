{%- set cc = cookiecutter | answers -%}
{%- set dated = cc.date_filter != "none" -%}
"""The example DAG parses cleanly and cheaply, and runs end to end with dag.test()."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pendulum
from airflow.models import DagBag
from airflow.models.taskreschedule import TaskReschedule
from airflow.utils.session import create_session
from sqlalchemy import func, select

from {{ cc.module_name }}.api import API, ITEM_KEY
from {{ cc.module_name }}.testing.local_api import Fault, LocalAPI, Records
from conftest import (
    API_CREDENTIALS,
    EXAMPLE_DAGS,
{%- if cc.auth_type != "none" %}
    SECRET,
{%- endif %}
    ZONE_NAME,
    connection_fields,
    deliver_later,
    small_{{ cc.__records }},
    use_connection,
)

DAG_MODULE = "{{ cc.module_name }}.example_dags.{{ cc.__conn_type }}_{{ cc.__records }}"
DAG_ID = "{{ cc.__conn_type }}_{{ cc.__records }}"
OUTPUT_BASE_VARIABLE = "AIRFLOW_VAR_{{ cc.__conn_type | upper }}_OUTPUT_BASE"
IN_THE_WINDOW = {{ 250 if dated else 255 }}


def test_example_dag_imports_without_errors():
    dagbag = DagBag(dag_folder=str(EXAMPLE_DAGS))

    assert dagbag.import_errors == {}
    assert list(dagbag.dag_ids) == [DAG_ID]


def test_example_dag_waits_then_fetches_then_ranks():
    from {{ cc.module_name }}.example_dags.{{ cc.__conn_type }}_{{ cc.__records }} import dag

    assert dag.get_task("wait_for_{{ cc.__records }}").downstream_task_ids == {"fetch_{{ cc.__records }}"}
    assert dag.get_task("fetch_{{ cc.__records }}").downstream_task_ids == {"rank_{{ cc.__items }}"}
    assert dag.get_task("rank_{{ cc.__items }}").downstream_task_ids == set()


def test_importing_the_example_dag_imports_neither_pandas_nor_pyarrow():
    # A fresh interpreter: this test session may have imported both already.
    timed = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-c",
            "import {{ cc.module_name }}.example_dags.{{ cc.__conn_type }}_{{ cc.__records }}",
        ],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ.copy(),
        timeout=120,
    )
    # Lines read "import time: self [us] | cumulative | name", the name indented by depth.
    imported = {line.rpartition("|")[2].strip() for line in timed.stderr.splitlines() if "|" in line}

    assert DAG_MODULE in imported
    assert {name for name in imported if name.split(".")[0] in {"pandas", "pyarrow"}} == set()


def test_example_dag_runs_end_to_end(airflow_db, connection, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(OUTPUT_BASE_VARIABLE, str(tmp_path))
    from {{ cc.module_name }}.example_dags.{{ cc.__conn_type }}_{{ cc.__records }} import dag

    # The run at midnight on 2026-01-04 {% if dated %}covers 2026-01-03, the day with 250 records{% else %}is named for 2026-01-03 and fetches all 255 records{% endif %}.
    for task in dag.tasks:
        task.retries = 0  # a failure should fail the test now, not after the DAG's retry delays
    run = dag.test(logical_date=pendulum.datetime(2026, 1, 4, tz=ZONE_NAME))

    assert run.state == "success"
    records_file = tmp_path / "{{ cc.__records }}" / "2026-01-03.jsonl"
    assert len([json.loads(line) for line in records_file.read_text().splitlines()]) == IN_THE_WINDOW
    ranking = pd.read_csv(tmp_path / "rankings" / "2026-01-03.csv")
    assert list(ranking.columns) == [ITEM_KEY, "avg_rating", "num_ratings"]
    assert len(ranking) > 0
    assert ranking["avg_rating"].is_monotonic_decreasing
{%- if cc.auth_type != "none" %}
    assert SECRET not in capsys.readouterr().out  # the task logs
{%- endif %}


def test_a_failing_run_fails_cleanly_and_keeps_the_secret_out_of_its_logs(
    airflow_db, api, monkeypatch, tmp_path, capsys
):
    monkeypatch.setenv(OUTPUT_BASE_VARIABLE, str(tmp_path))
    use_connection(monkeypatch, connection_fields(api.port, max_retries=1, backoff_factor=0.01))
    api.add_faults(*[Fault(status=500)] * 20)
    from {{ cc.module_name }}.example_dags.{{ cc.__conn_type }}_{{ cc.__records }} import dag

    for task in dag.tasks:
        task.retries = 0
    run = dag.test(logical_date=pendulum.datetime(2026, 1, 4, tz=ZONE_NAME))

    task_log = capsys.readouterr().out
    assert run.state == "failed"
    assert "failed (HTTP 500); retry 1 of 1" in task_log
{%- if cc.auth_type != "none" %}
    assert SECRET not in task_log
{%- endif %}
    assert not (tmp_path / "{{ cc.__records }}").exists()


def run_while_records_arrive(monkeypatch, tmp_path, **sensor_settings):
    """Run the example DAG against an API whose records land after the sensor's first poke."""
    monkeypatch.setenv(OUTPUT_BASE_VARIABLE, str(tmp_path))
    from {{ cc.module_name }}.example_dags.{{ cc.__conn_type }}_{{ cc.__records }} import dag

    for task in dag.tasks:
        task.retries = 0
    for name, value in {"poke_interval": 0.05, **sensor_settings}.items():
        monkeypatch.setattr(dag.get_task("wait_for_{{ cc.__records }}"), name, value)
    with LocalAPI(Records([]), **API_CREDENTIALS) as api:
        use_connection(monkeypatch, connection_fields(api.port))
        deliver_later(api, small_{{ cc.__records }}(), after_requests=2)
        run = dag.test(logical_date=pendulum.datetime(2026, 1, 4, tz=ZONE_NAME))
    pokes = [request for request in api.requests if request[API.paginator.limit_param] == "1"]
    fetched = (tmp_path / "{{ cc.__records }}" / "2026-01-03.jsonl").read_text().splitlines()
    return run, len(pokes), len(fetched)


def test_the_deferrable_sensor_waits_in_the_triggerer_until_{{ cc.__records }}_arrive(
    airflow_db, monkeypatch, tmp_path, capsys
):
    run, pokes, fetched = run_while_records_arrive(monkeypatch, tmp_path)

    assert run.state == "success"
    assert "Deferring: the triggerer polls every 0.05 s" in capsys.readouterr().out
    assert pokes >= 2  # the worker's poke, then the trigger's
    assert fetched == IN_THE_WINDOW


def test_in_reschedule_mode_the_sensor_gives_its_slot_back_until_{{ cc.__records }}_arrive(
    airflow_db, monkeypatch, tmp_path
):
    run, pokes, fetched = run_while_records_arrive(monkeypatch, tmp_path, deferrable=False, mode="reschedule")

    with create_session() as session:
        sensor_run = run.get_task_instance("wait_for_{{ cc.__records }}", session=session)
        reschedules = session.scalar(
            select(func.count()).select_from(TaskReschedule).where(TaskReschedule.ti_id == sensor_run.id)
        )
    assert run.state == "success"
    assert reschedules is not None
    assert reschedules >= 1
    assert pokes == reschedules + 1
    assert fetched == IN_THE_WINDOW
