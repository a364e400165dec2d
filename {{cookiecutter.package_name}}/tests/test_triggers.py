{%- set cc = cookiecutter | answers -%}
{%- set dated = cc.date_filter != "none" -%}
"""
The trigger, run directly on an event loop as the triggerer runs it: it polls the local API
with the hook's rules, never blocks the loop, fires once, and serializes cleanly.
"""

from __future__ import annotations

import asyncio
{% if dated -%}
import datetime as dt
{% endif -%}
import importlib
import json

import pytest
from airflow.sdk.serde import deserialize, serialize

from {{ cc.module_name }}.api import API
from {{ cc.module_name }}.testing.local_api import Fault, LocalAPI, Records
from {{ cc.module_name }}.triggers import {{ cc.class_prefix }}{{ cc.__Records }}Trigger
from conftest import (
    API_CREDENTIALS,
{%- if cc.auth_type != "none" %}
    SECRET,
{%- endif %}
    connection_fields,
{%- if dated %}
    day_start,
{%- endif %}
    small_{{ cc.__records }},
    use_connection,
)

Trigger = {{ cc.class_prefix }}{{ cc.__Records }}Trigger
LIMIT_PARAM = API.paginator.limit_param
{%- if dated %}

BUSY_DAY = ("2026-01-03", "2026-01-04")  # 250 records
{%- endif %}


{% if dated -%}
def trigger(window=BUSY_DAY, poke_interval=0.01, **kwargs):
    """A trigger for ``window`` that polls every 10 ms."""
    return Trigger(window_start=window[0], window_end=window[1], poke_interval=poke_interval, **kwargs)
{%- else -%}
def trigger(poke_interval=0.01, **kwargs):
    """A trigger that polls every 10 ms."""
    return Trigger(poke_interval=poke_interval, **kwargs)
{%- endif %}


def first_event(trigger_under_test, timeout=10.0):
    """Run the trigger on a fresh event loop until it fires, as the triggerer would."""

    async def wait_for_it():
        return await asyncio.wait_for(anext(trigger_under_test.run()), timeout)

    return asyncio.run(wait_for_it())


def test_fires_success_with_the_first_{{ cc.__record }}_when_{% if dated %}the_window_holds_{{ cc.__records }}{% else %}the_api_holds_{{ cc.__records }}{% endif %}(connection):
    event = first_event(trigger())
{% if dated %}
    the_day = connection.records.window(day_start(dt.date(2026, 1, 3)), day_start(dt.date(2026, 1, 4)))
    first_of_the_day = the_day[0]
    assert event.payload == {
        "status": "success",
        "message": "{{ cc.__Records }} for [2026-01-03, 2026-01-04) are available",
        "{{ cc.__record }}": connection.records.record(first_of_the_day),
    }
{%- else %}
    assert event.payload == {
        "status": "success",
        "message": "{{ cc.__Records }} are available",
        "{{ cc.__record }}": connection.records.record(0),
    }
{%- endif %}


def test_each_poll_asks_for_a_single_record(connection):
    first_event(trigger())

    assert [request[LIMIT_PARAM] for request in connection.requests] == ["1"]


def test_keeps_polling_until_{{ cc.__records }}_arrive(monkeypatch):
    async def wait_then_deliver(api):
        events = asyncio.ensure_future(anext(trigger().run()))
        while len(api.requests) < 3:  # two polls answered: nothing there yet
            await asyncio.sleep(0.005)
        still_waiting = not events.done()
        api.records = small_{{ cc.__records }}()
        return still_waiting, await events

    with LocalAPI(Records([]), **API_CREDENTIALS) as api:
        use_connection(monkeypatch, connection_fields(api.port))

        still_waiting, event = asyncio.run(asyncio.wait_for(wait_then_deliver(api), 10))

    assert still_waiting
    assert event.payload["status"] == "success"


def test_a_slow_api_does_not_block_the_event_loop(connection):
    connection.latency = 0.5
    ticks = 0

    async def poll_while_ticking():
        nonlocal ticks
        events = asyncio.ensure_future(anext(trigger().run()))
        while not events.done():
            await asyncio.sleep(0.01)
            ticks += 1
        return events.result()

    event = asyncio.run(asyncio.wait_for(poll_while_ticking(), 10))

    assert event.payload["status"] == "success"
    assert ticks >= 10  # a blocked loop would tick once or twice in the half second the API takes
{%- if cc.auth_type != "none" %}


def test_wrong_credentials_end_the_wait_with_an_error_naming_the_status_but_not_the_secret(
    connection, monkeypatch
):
    use_connection(monkeypatch, connection_fields(connection.port, secret=f"wrong-{SECRET}"))

    event = first_event(trigger())

    assert event.payload["status"] == "error"
    assert "HTTP 401" in event.payload["message"]
    assert SECRET not in json.dumps(event.payload)
{%- if cc.auth_type == "oauth2_client_credentials" %}
    assert (len(connection.token_requests), len(connection.requests)) == (1, 0)
{%- else %}
    assert len(connection.requests) == 1
{%- endif %}
{%- endif %}


@pytest.mark.parametrize(
    ("fault", "cause"),
    [
        (Fault(status=404), "HTTP 404"),
        (Fault(status=403), "HTTP 403"),
        (Fault(body=b'{"unexpected": true}'), "list of records"),
    ],
    ids=["404", "403", "body-of-the-wrong-shape"],
)
def test_an_answer_that_waiting_will_not_fix_ends_the_wait_with_an_error(connection, fault, cause):
    connection.add_faults(fault)

    event = first_event(trigger())

    assert event.payload["status"] == "error"
    assert cause in event.payload["message"]
    assert len(connection.requests) == 1


def test_spent_retries_end_the_wait_with_an_error(connection, monkeypatch):
    use_connection(monkeypatch, connection_fields(connection.port, max_retries=1, backoff_factor=0.01))
    connection.add_faults(*[Fault(status=503)] * 5)

    event = first_event(trigger())

    assert event.payload["status"] == "error"
    assert "HTTP 503" in event.payload["message"]
    assert len(connection.requests) == 2


def test_a_missing_connection_ends_the_wait_with_an_error_naming_it():
    event = first_event(trigger(conn_id="no_such_connection"))

    assert event.payload["status"] == "error"
    assert "no_such_connection" in event.payload["message"]


def test_serializes_to_its_class_path_and_json_arguments_and_rebuilds_equal():
    original = trigger(conn_id="{{ cc.__records }}_api", poke_interval=30)
    classpath, kwargs = original.serialize()

    # What the worker hands the triggerer: Airflow's serde, through JSON.
    sent = deserialize(json.loads(json.dumps(serialize(kwargs))))
    assert isinstance(sent, dict)
    module, _, name = classpath.rpartition(".")
    rebuilt = getattr(importlib.import_module(module), name)(**sent)

    assert type(rebuilt) is Trigger
    assert rebuilt.serialize() == original.serialize()
    assert kwargs == {
        "conn_id": "{{ cc.__records }}_api",
{%- if dated %}
        "window_start": "2026-01-03",
        "window_end": "2026-01-04",
{%- else %}
        "window_start": None,
        "window_end": None,
{%- endif %}
        "poke_interval": 30.0,
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"poke_interval": -1}, "poke_interval: -1 is not allowed"),
        ({"poke_interval": "soon"}, "poke_interval: 'soon' is not allowed"),
        ({"poke_interval": True}, "poke_interval: True is not allowed"),
{%- if dated %}
        ({"window": ("yesterday", "2026-01-04")}, "window_start: 'yesterday' is not allowed"),
        ({"window": ("2026-01-03", "2026-13-01")}, "window_end: '2026-13-01' is not allowed"),
{%- else %}
        ({"window_start": "2026-01-03"}, "window_start: '2026-01-03' is not allowed; this API has no date"),
{%- endif %}
    ],
)
def test_bad_arguments_are_refused_by_name(kwargs, message):
    with pytest.raises(ValueError, match=message):
        trigger(**kwargs)
