"""
Daily {{ cookiecutter.provider_name }} {{ cookiecutter.__records }}: wait for a day's {{ cookiecutter.__records }}, fetch them, rank the {{ cookiecutter.__items }}.

Files go under the Airflow Variable ``{{ cookiecutter.__conn_type }}_output_base`` (default
``/tmp/{{ cookiecutter.package_name }}``): any local path or ``ObjectStoragePath`` URL, such as
``s3://bucket/prefix`` once the Amazon provider is installed.
"""

from __future__ import annotations

import datetime as dt

import pendulum
from airflow.sdk import DAG, CronDataIntervalTimetable

from {{ cookiecutter.module_name }}.api import API
from {{ cookiecutter.module_name }}.client.windows import run_timezone
from {{ cookiecutter.module_name }}.operators import (
    {{ cookiecutter.class_prefix }}Fetch{{ cookiecutter.__Records }}Operator,
    {{ cookiecutter.class_prefix }}Rank{{ cookiecutter.__Items }}Operator,
)
from {{ cookiecutter.module_name }}.sensors import {{ cookiecutter.class_prefix }}{{ cookiecutter.__Records }}Sensor

# The zone the API reads dates in (api.API.window.timezone): each run is one whole day there.
TIMEZONE = run_timezone(API.window)

{% raw -%}
OUTPUT_BASE = "{{ var.value.get('{% endraw %}{{ cookiecutter.__conn_type }}{% raw %}_output_base', '/tmp/{% endraw %}{{ cookiecutter.package_name }}{% raw %}') }}"
RECORDS_PATH = OUTPUT_BASE + "/{% endraw %}{{ cookiecutter.__records }}{% raw %}/{{ data_interval_start.in_timezone(dag.timezone) | ds }}.jsonl"
RANKING_PATH = OUTPUT_BASE + "/rankings/{{ data_interval_start.in_timezone(dag.timezone) | ds }}.csv"
{%- endraw %}

with DAG(
    dag_id="{{ cookiecutter.__conn_type }}_{{ cookiecutter.__records }}",
    description={{ ("Fetch a day of " ~ cookiecutter.provider_name ~ " " ~ cookiecutter.__records ~ " and rank the " ~ cookiecutter.__items) | pystr }},
    # A data-interval timetable: each run covers the day before it, which is the window
    # the fetch operator and the sensor read from the template context (and which names
    # the output files, by its local date). It runs in the API's zone, so consecutive runs
    # are consecutive whole days there: nothing lost or fetched twice.
    schedule=CronDataIntervalTimetable("@daily", timezone=TIMEZONE),
    start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": dt.timedelta(minutes=5)},
    tags=["{{ cookiecutter.__conn_type }}", "example"],
) as dag:
    # Waits in the triggerer, holding no worker slot, for up to six hours. Without a
    # triggerer, use deferrable=False, mode="reschedule" instead (see the README).
    wait_for_{{ cookiecutter.__records }} = {{ cookiecutter.class_prefix }}{{ cookiecutter.__Records }}Sensor(
        task_id="wait_for_{{ cookiecutter.__records }}",
        deferrable=True,
        poke_interval=dt.timedelta(minutes=10),
        timeout=dt.timedelta(hours=6),
    )
    fetch_{{ cookiecutter.__records }} = {{ cookiecutter.class_prefix }}Fetch{{ cookiecutter.__Records }}Operator(
        task_id="fetch_{{ cookiecutter.__records }}",
        output_path=RECORDS_PATH,
        # The largest page the API accepts (api.API.max_page_size): the fewest requests.
        batch_size=API.max_page_size,
    )
    rank_{{ cookiecutter.__items }} = {{ cookiecutter.class_prefix }}Rank{{ cookiecutter.__Items }}Operator(
        task_id="rank_{{ cookiecutter.__items }}",
        input_path=RECORDS_PATH,
        output_path=RANKING_PATH,
    )

    wait_for_{{ cookiecutter.__records }} >> fetch_{{ cookiecutter.__records }} >> rank_{{ cookiecutter.__items }}
