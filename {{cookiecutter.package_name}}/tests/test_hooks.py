"""The hook against the local API: windows, pages, auth, retries, timeouts and broken bodies."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from {{ cookiecutter.module_name }}.hooks import {{ cookiecutter.class_prefix }}APIError, {{ cookiecutter.class_prefix }}Hook
from {{ cookiecutter.module_name }}.local_api import Fault
from conftest import PASSWORD


def expected(api, start=None, end=None):
    """The ratings the local API holds for a window, straight from its store."""
    window = api.ratings.window(
        None if start is None else dt.date.fromisoformat(start),
        None if end is None else dt.date.fromisoformat(end),
    )
    return [api.ratings.record(position) for position in window]


WINDOW_ARGUMENTS = {"start_date", "end_date", "batch_size"}


def fetch(**kwargs):
    """All ratings get_ratings yields; keyword arguments go to the hook or to get_ratings by name."""
    hook_args = {key: kwargs.pop(key) for key in list(kwargs) if key not in WINDOW_ARGUMENTS}
    with {{ cookiecutter.class_prefix }}Hook(backoff_factor=0.01, **hook_args) as hook:
        return list(hook.get_ratings(**kwargs))


def test_get_ratings_yields_every_rating_of_the_window_in_order(connection):
    ratings = fetch(start_date="2026-01-03", end_date="2026-01-04", batch_size=100)

    assert ratings == expected(connection, "2026-01-03", "2026-01-04")


def test_window_start_is_inclusive_and_end_exclusive(connection):
    assert len(fetch(start_date="2026-01-02", end_date="2026-01-03")) == 3


def test_dates_and_datetimes_are_accepted_as_window_bounds(connection):
    ratings = fetch(start_date=dt.date(2026, 1, 1), end_date=dt.datetime(2026, 1, 3, 12, 30))

    assert ratings == expected(connection, "2026-01-01", "2026-01-03")


def test_no_window_yields_every_rating(connection):
    assert fetch(batch_size=64) == expected(connection)


def test_short_pages_from_a_capped_api_lose_nothing(connection):
    connection.max_page_size = 7

    ratings = fetch(start_date="2026-01-03", end_date="2026-01-04", batch_size=100)

    assert ratings == expected(connection, "2026-01-03", "2026-01-04")


def test_paging_stops_after_the_last_page(connection):
    fetch(start_date="2026-01-03", end_date="2026-01-04", batch_size=100)

    assert [request["offset"] for request in connection.requests] == ["0", "100", "200"]


def test_an_empty_window_costs_one_request_and_yields_nothing(connection):
    assert fetch(start_date="2026-02-01", end_date="2026-02-02") == []
    assert len(connection.requests) == 1


def test_an_empty_page_before_the_total_is_an_error_not_a_silent_stop(connection):
    empty = json.dumps({"result": [], "offset": 0, "limit": 100, "total": 5}).encode()
    connection.add_faults(Fault(body=empty))

    with pytest.raises(
        {{ cookiecutter.class_prefix }}APIError,
        match="empty page at offset 0 although its total is 5",
    ):
        fetch()


def test_wrong_password_fails_with_url_and_status_but_no_credentials(connection, monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_{{ cookiecutter.connection_id | upper }}",
        f"{{ cookiecutter.__conn_type }}://airflow:wrong-{PASSWORD}@127.0.0.1:{connection.port}/http",
    )

    with pytest.raises({{ cookiecutter.class_prefix }}APIError) as failure:
        fetch()

    message = str(failure.value)
    assert "HTTP 401" in message
    assert "{{ cookiecutter.api_endpoint }}" in message
    assert PASSWORD not in message


def test_client_errors_are_not_retried(connection):
    connection.add_faults(Fault(status=404))

    with pytest.raises({{ cookiecutter.class_prefix }}APIError, match="HTTP 404"):
        fetch()
    assert len(connection.requests) == 1


def test_a_burst_of_503_is_retried_without_losing_records(connection):
    connection.add_faults(Fault(status=503), Fault(status=503))

    assert fetch() == expected(connection)
    assert len(connection.requests) == 2 + 3  # two refused, then three pages


def test_429_waits_for_retry_after_before_retrying(connection):
    connection.add_faults(Fault(status=429, retry_after=1))

    ratings = fetch(start_date="2026-01-01", end_date="2026-01-02")

    assert ratings == expected(connection, "2026-01-01", "2026-01-02")
    first, second = connection.request_times[:2]
    assert second - first >= 1.0


def test_persistent_5xx_gives_up_after_max_retries(connection):
    connection.add_faults(*[Fault(status=502)] * 10)

    with pytest.raises({{ cookiecutter.class_prefix }}APIError, match="HTTP 502"):
        fetch(max_retries=2)
    assert len(connection.requests) == 3


def test_a_slow_response_times_out_and_is_retried(connection):
    connection.add_faults(Fault(delay=1.0))

    assert fetch(read_timeout=0.2) == expected(connection)


def test_a_response_slower_than_the_read_timeout_fails_when_retries_are_spent(connection):
    connection.add_faults(Fault(delay=1.0))

    with pytest.raises({{ cookiecutter.class_prefix }}APIError, match="timed out"):
        fetch(read_timeout=0.2, max_retries=0)


@pytest.mark.parametrize(
    "fault",
    [Fault(truncate=True), Fault(body=b"<html>gateway hiccup</html>"), Fault(reset=True)],
    ids=["truncated-body", "body-not-json", "connection-reset"],
)
def test_broken_responses_are_retried_without_losing_records(connection, fault):
    connection.add_faults(fault)

    assert fetch() == expected(connection)


def test_a_body_that_stays_broken_fails_once_retries_are_spent(connection):
    connection.add_faults(*[Fault(truncate=True)] * 3)

    with pytest.raises({{ cookiecutter.class_prefix }}APIError, match="broken body"):
        fetch(max_retries=2)
    assert len(connection.requests) == 3


def test_a_body_without_the_expected_keys_is_a_clear_error(connection):
    connection.add_faults(Fault(body=b'{"data": []}'))

    with pytest.raises(
        {{ cookiecutter.class_prefix }}APIError,
        match=r"without a 'result' list .* \(found \['data'\]\)",
    ):
        fetch()


def test_get_conn_reuses_one_session_until_closed(connection):
    hook = {{ cookiecutter.class_prefix }}Hook()
    session, base_url = hook.get_conn()

    assert hook.get_conn()[0] is session
    assert base_url == f"http://127.0.0.1:{connection.port}{{ cookiecutter.__api_path }}"
    hook.close()
    assert hook.get_conn()[0] is not session


def test_host_may_be_a_full_base_url(connection, monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_{{ cookiecutter.connection_id | upper }}",
        json.dumps(
            {
                "conn_type": "{{ cookiecutter.__conn_type }}",
                "host": f"http://127.0.0.1:{connection.port}{{ cookiecutter.__api_path }}/",
            },
        ),
    )

    assert {{ cookiecutter.class_prefix }}Hook().get_conn()[1] == f"http://127.0.0.1:{connection.port}{{ cookiecutter.__api_path }}"


def test_empty_connection_fields_fall_back_to_the_answers_given_at_bake_time(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_{{ cookiecutter.connection_id | upper }}", json.dumps({"conn_type": "{{ cookiecutter.__conn_type }}"}))

    assert {{ cookiecutter.class_prefix }}Hook().get_conn()[1] == "{{ cookiecutter.api_base_url.rstrip('/') }}"


def test_timeouts_and_retries_come_from_connection_extras(connection, monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_{{ cookiecutter.connection_id | upper }}",
        f"{{ cookiecutter.__conn_type }}://airflow:{PASSWORD}@127.0.0.1:{connection.port}/http?read_timeout=0.2&max_retries=0",
    )
    connection.add_faults(Fault(delay=1.0))

    with pytest.raises({{ cookiecutter.class_prefix }}APIError, match="timed out"):
        fetch()


@pytest.mark.parametrize(
    ("extra", "value"), [("read_timeout", "soon"), ("connect_timeout", 0), ("max_retries", -1)]
)
def test_a_bad_extra_is_refused_by_name(connection, monkeypatch, extra, value):
    monkeypatch.setenv(
        "AIRFLOW_CONN_{{ cookiecutter.connection_id | upper }}",
        json.dumps({"conn_type": "{{ cookiecutter.__conn_type }}", "host": "127.0.0.1", "extra": {extra: value}}),
    )

    with pytest.raises(ValueError, match=f"{extra}: {value!r} is not allowed"):
        {{ cookiecutter.class_prefix }}Hook().get_conn()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"batch_size": 0}, "batch_size: 0 is not allowed"),
        ({"start_date": "2026-13-01"}, "start_date: '2026-13-01' is not allowed"),
        ({"end_date": "yesterday"}, "end_date: 'yesterday' is not allowed"),
    ],
)
def test_bad_arguments_are_refused_by_name_before_any_request(connection, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fetch(**kwargs)
    assert connection.requests == []


def test_test_connection_reports_success_and_failure(connection, monkeypatch):
    assert {{ cookiecutter.class_prefix }}Hook().test_connection() == (True, "Connected; the API holds 255 ratings.")

    monkeypatch.setenv(
        "AIRFLOW_CONN_{{ cookiecutter.connection_id | upper }}",
        f"{{ cookiecutter.__conn_type }}://airflow:nope@127.0.0.1:{connection.port}/http",
    )
    ok, message = {{ cookiecutter.class_prefix }}Hook().test_connection()
    assert not ok
    assert "HTTP 401" in message
