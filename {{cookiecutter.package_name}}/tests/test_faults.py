{%- set cc = cookiecutter | answers -%}
{%- set P = cc.class_prefix -%}
{%- set dated = cc.date_filter != "none" -%}
{%- set has_total = cc.pagination in ["offset", "page"] and cc.total_key -%}
"""
The fetch operator against an API that fails in every way: transient faults cost
time but never records; persistent ones end in a clear error within the retry
deadline, leaving no partial or temporary file and the previous output intact.
"""

from __future__ import annotations

{% if dated -%}
import datetime as dt
{% endif -%}
import json
{% if cc.auth_type != "none" -%}
import logging
{% endif -%}
import time
from typing import Any

import pytest

from {{ cc.module_name }}.client import APIError
from {{ cc.module_name }}.operators import {{ P }}Fetch{{ cc.__Records }}Operator
from {{ cc.module_name }}.testing.local_api import Fault{% if has_total %}, nested{% endif %}
from conftest import (
{%- if cc.auth_type != "none" %}
    SECRET,
{%- endif %}
    connection_fields,
{%- if dated %}
    day_start,
{%- endif %}
    use_connection,
)

# Quick retries for tests; production keeps the defaults or sets these extras on the connection.
FAST_RETRIES: dict[str, Any] = {"backoff_factor": 0.01, "backoff_max": 0.2, "read_timeout": 0.3}

TRANSIENT_FAULTS = {
    "burst-of-503": [Fault(status=503)] * 3,
    "429-with-retry-after": [Fault(status=429, retry_after=1)],
    "connection-reset": [Fault(reset=True)],
    "truncated-json": [Fault(truncate=True)],
    "slower-than-read-timeout": [Fault(delay=1.0)],
    "all-of-them-in-a-row": [
        Fault(status=502),
        Fault(truncate=True),
        Fault(reset=True),
        Fault(delay=1.0),
        Fault(status=429, retry_after=1),
    ],
}

PERSISTENT_FAULTS = {
    "5xx-forever": Fault(status=500),
    "401": Fault(status=401),
    "403": Fault(status=403),
    "404": Fault(status=404),
}


def fetch_operator(target):
    return {{ P }}Fetch{{ cc.__Records }}Operator(
        task_id="fetch_{{ cc.__records }}",
        output_path=str(target),
{%- if dated %}
        window_start="2026-01-03",
        window_end="2026-01-04",
{%- endif %}
        batch_size=100,
    )


def expected_lines(api):
{%- if dated %}
    window = api.records.window(day_start(dt.date(2026, 1, 3)), day_start(dt.date(2026, 1, 4)))
{%- else %}
    window = api.records.window()
{%- endif %}
    return [api.records.record(position) for position in window]


@pytest.mark.parametrize("faults", TRANSIENT_FAULTS.values(), ids=TRANSIENT_FAULTS)
def test_transient_faults_cost_time_but_never_records(api, monkeypatch, tmp_path, faults):
    use_connection(monkeypatch, connection_fields(api.port, **FAST_RETRIES))
    api.add_faults(Fault(), *faults)  # the first page arrives, then the faults hit the second
    target = tmp_path / "{{ cc.__records }}.jsonl"

    result = fetch_operator(target).execute(context={})

    written = [json.loads(line) for line in target.read_text().splitlines()]
    assert written == expected_lines(api)
    assert result["records"] == len(written)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["{{ cc.__records }}.jsonl"]


@pytest.mark.parametrize("fault", PERSISTENT_FAULTS.values(), ids=PERSISTENT_FAULTS)
def test_persistent_faults_fail_clearly_within_the_deadline_keeping_the_previous_output(
    api, monkeypatch, tmp_path, fault
):
    use_connection(
        monkeypatch, connection_fields(api.port, max_retries=50, retry_deadline=1.0, **FAST_RETRIES)
    )
    api.add_faults(Fault(), *[fault] * 100)
    target = tmp_path / "{{ cc.__records }}.jsonl"
    target.write_text('{"from": "the previous run"}\n')
    started = time.monotonic()

    with pytest.raises(APIError, match=f"returned HTTP {fault.status}"):
        fetch_operator(target).execute(context={})

    assert time.monotonic() - started < 10  # retry_deadline 1 s, plus one capped wait and a request
    assert target.read_text() == '{"from": "the previous run"}\n'
    assert sorted(path.name for path in tmp_path.iterdir()) == ["{{ cc.__records }}.jsonl"]
    if fault.status < 500:
{%- if cc.auth_type == "oauth2_client_credentials" %}
        # Client errors are not retried; a 401 is sent once more with a new token.
        assert len(api.requests) == (3 if fault.status == 401 else 2)
{%- else %}
        assert len(api.requests) == 2  # client errors are not retried
{%- endif %}
{%- if has_total %}


def test_a_total_that_changes_during_the_run_is_an_error_not_a_silent_gap(api, monkeypatch, tmp_path):
    use_connection(monkeypatch, connection_fields(api.port, **FAST_RETRIES))
    moved = nested(("{{ cc.records_key }}", [api.records.record(0)]), ("{{ cc.total_key }}", 999))
    api.add_faults(Fault(), Fault(body=json.dumps(moved).encode()))

    with pytest.raises(APIError, match=r"reported {{ 250 if dated else 255 }} at first but a total .* of 999"):
        fetch_operator(tmp_path / "{{ cc.__records }}.jsonl").execute(context={})
    assert list(tmp_path.iterdir()) == []
{%- endif %}


def test_retries_are_logged_with_attempt_wait_and_reason(api, monkeypatch, tmp_path, capsys):
    use_connection(monkeypatch, connection_fields(api.port, **FAST_RETRIES))
    api.add_faults(Fault(), Fault(status=503), Fault(truncate=True))

    fetch_operator(tmp_path / "{{ cc.__records }}.jsonl").execute(context={})

    task_log = capsys.readouterr().out  # Airflow's task logger writes here outside a worker
    assert "failed (HTTP 503); retry 1 of 5 in" in task_log
    assert "Broken body" in task_log
{%- if cc.auth_type != "none" %}


def test_the_secret_stays_out_of_logs_errors_and_xcom_on_success_and_failure(
    api, monkeypatch, tmp_path, caplog, capsys
):
    use_connection(monkeypatch, connection_fields(api.port, max_retries=1, **FAST_RETRIES))
    caplog.set_level(logging.INFO)
    result = fetch_operator(tmp_path / "ok.jsonl").execute(context={})
    api.add_faults(Fault(status=503), Fault(status=503), Fault(truncate=True), Fault(status=500))
    with pytest.raises(APIError) as failure:
        fetch_operator(tmp_path / "failed.jsonl").execute(context={})

    captured = capsys.readouterr()
    for text in (json.dumps(result), str(failure.value), caplog.text, captured.out, captured.err):
        assert SECRET not in text
{%- endif %}
