{%- set cc = cookiecutter | answers -%}
{%- set dated = cc.date_filter != "none" -%}
"""
The sensor: true once {% if dated %}the window holds a {{ cc.__record }}{% else %}the API holds a {{ cc.__record }}{% endif %}, asking for one record per poke;
in deferrable mode it pokes once, then hands the wait to its trigger and resumes on its event.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys

import pytest
from airflow.exceptions import AirflowException
from airflow.sdk.exceptions import TaskDeferred

from {{ cc.module_name }}.api import API
from {{ cc.module_name }}.sensors import {{ cc.class_prefix }}{{ cc.__Records }}Sensor
from {{ cc.module_name }}.testing.local_api import Fault, LocalAPI, Records
from conftest import API_CREDENTIALS, connection_fields, small_{{ cc.__records }}, use_connection

LIMIT_PARAM = API.paginator.limit_param
{%- if dated %}

BUSY_DAY = ("2026-01-03", "2026-01-04")  # 250 records


def sensor(window_start=BUSY_DAY[0], window_end=BUSY_DAY[1], **kwargs):
    return {{ cc.class_prefix }}{{ cc.__Records }}Sensor(
        task_id="wait_for_{{ cc.__records }}",
        window_start=window_start,
        window_end=window_end,
        **kwargs,
    )


def test_poke_is_true_when_the_window_holds_{{ cc.__records }}(connection):
    assert sensor("2026-01-03", "2026-01-04").poke(context={}) is True


def test_poke_asks_for_a_single_record(connection):
    sensor("2026-01-03", "2026-01-04").poke(context={})

    assert [request[LIMIT_PARAM] for request in connection.requests] == ["1"]


def test_poke_is_false_when_the_window_is_empty(connection):
    assert sensor("2026-01-05", "2026-01-06").poke(context={}) is False


def test_poke_refuses_an_inverted_window(connection):
    with pytest.raises(ValueError, match="must be before window_end"):
        sensor("2026-01-06", "2026-01-05").poke(context={})
{%- else %}


def sensor(**kwargs):
    return {{ cc.class_prefix }}{{ cc.__Records }}Sensor(task_id="wait_for_{{ cc.__records }}", **kwargs)


def test_poke_is_true_when_the_api_holds_{{ cc.__records }}(connection):
    assert sensor().poke(context={}) is True


def test_poke_asks_for_a_single_record(connection):
    sensor().poke(context={})

    assert [request[LIMIT_PARAM] for request in connection.requests] == ["1"]


def test_poke_is_false_when_the_api_holds_no_{{ cc.__records }}(monkeypatch):
    with LocalAPI(Records([]), **API_CREDENTIALS) as empty_api:
        use_connection(monkeypatch, connection_fields(empty_api.port))

        assert sensor().poke(context={}) is False


def test_poke_refuses_a_window_the_api_cannot_filter_by(connection):
    with pytest.raises(ValueError, match="this API has no date filter"):
        sensor(window_start="2026-01-03").poke(context={})
    assert connection.requests == []
{%- endif %}


@pytest.fixture
def empty_api(monkeypatch):
    """The local API before any {{ cc.__record }} has arrived, as the default connection."""
    with LocalAPI(Records([]), **API_CREDENTIALS) as server:
        use_connection(monkeypatch, connection_fields(server.port))
        yield server


def defer(waiting):
    """Run the deferrable sensor's execute and return the deferral it raises."""
    with pytest.raises(TaskDeferred) as deferred:
        waiting.execute(context={})
    return deferred.value


def test_deferrable_sensor_hands_the_wait_to_the_trigger_when_no_{{ cc.__record }}_is_there(empty_api):
    deferral = defer(sensor(deferrable=True, poke_interval=30, timeout=3600))

    assert deferral.method_name == "execute_complete"
    assert deferral.timeout == dt.timedelta(hours=1)
    assert deferral.trigger.serialize() == (
        "{{ cc.module_name }}.triggers.{{ cc.class_prefix }}{{ cc.__Records }}Trigger",
        {
            "conn_id": "{{ cc.connection_id }}",
{%- if dated %}
            "window_start": BUSY_DAY[0],
            "window_end": BUSY_DAY[1],
{%- else %}
            "window_start": None,
            "window_end": None,
{%- endif %}
            "poke_interval": 30.0,
        },
    )
    assert len(empty_api.requests) == 1  # the first poke, on the worker


def test_deferrable_sensor_succeeds_without_deferring_when_{{ cc.__records }}_are_there(connection):
    sensor(deferrable=True).execute(context={})

    assert len(connection.requests) == 1


def test_deferred_sensor_resumes_and_succeeds_once_its_trigger_finds_{{ cc.__records }}(empty_api):
    waiting = sensor(deferrable=True, poke_interval=0.01)
    deferral = defer(waiting)
    empty_api.records = small_{{ cc.__records }}()

    event = asyncio.run(anext(deferral.trigger.run()))
    waiting.execute_complete(context={}, event=event.payload)

    assert event.payload["status"] == "success"


def test_deferred_sensor_fails_naming_the_reason_when_its_trigger_reports_an_error(empty_api):
    waiting = sensor(deferrable=True, poke_interval=0.01)
    deferral = defer(waiting)
    empty_api.add_faults(Fault(status=403))

    event = asyncio.run(anext(deferral.trigger.run()))

    with pytest.raises(AirflowException, match=r"Waiting for {{ cc.__records }} failed: .*HTTP 403"):
        waiting.execute_complete(context={}, event=event.payload)


def test_deferrable_with_reschedule_mode_is_refused_with_what_to_do_instead():
    with pytest.raises(
        ValueError, match=r"mode: 'reschedule' is not allowed with deferrable=True.*deferrable=False"
    ):
        sensor(mode="reschedule", deferrable=True)


def test_deferrable_defaults_to_airflows_default_deferrable_setting(monkeypatch):
    assert sensor().deferrable is False  # Airflow's own default

    monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", "True")

    assert sensor().deferrable is True


def test_an_explicit_reschedule_mode_keeps_rescheduling_when_airflow_defaults_to_deferrable(monkeypatch):
    monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", "True")

    waiting = sensor(mode="reschedule")

    assert (waiting.deferrable, waiting.reschedule) == (False, True)


def test_the_sensor_module_does_not_import_the_operators_module():
    # A fresh interpreter: this test session has imported the operators already.
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, {{ cc.module_name }}.sensors; print('{{ cc.module_name }}.operators' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ.copy(),
        timeout=120,
    )

    assert found.stdout.strip() == "False"
