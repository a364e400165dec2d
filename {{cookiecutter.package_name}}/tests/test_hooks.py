{%- set cc = cookiecutter | answers -%}
{%- set Hook = cc.class_prefix ~ "Hook" -%}
{%- set dated = cc.date_filter != "none" -%}
{%- set has_total = cc.pagination in ["offset", "page"] and cc.total_key -%}
{%- set parallel = cc.pagination in ["offset", "page"] and (cc.total_key or (cc.pagination == "page" and cc.total_pages_key)) -%}
"""The hook against the local API: {% if dated %}windows, {% endif %}pages, auth, retries, timeouts and broken bodies."""

from __future__ import annotations

{% if dated -%}
import datetime as dt
{% endif -%}
import json
import re
{%- if parallel %}
import threading
{%- endif %}
from typing import Any

import pytest

from {{ cc.module_name }}.api import API
from {{ cc.module_name }}.client import APIError
from {{ cc.module_name }}.hooks import {{ Hook }}
from {{ cc.module_name }}.testing.local_api import (
{%- if cc.pagination in ["link_header", "next_url"] %}
    LINK_PAGE_PARAM,
{%- endif %}
    Fault,
    LocalAPI,
    Records,
    nested,
)
from conftest import (
    API_CREDENTIALS,
    CONN_ENV,
    LOGIN,
    SECRET,
{%- if dated %}
    ZONE,
{%- endif %}
    connection_fields,
{%- if dated %}
    day_start,
{%- endif %}
    use_connection,
)

WINDOW_ARGUMENTS = {"start_date", "end_date", "batch_size"}
{%- if dated %}
# Day 3 holds 250 {{ cc.__records }}: three pages of 100.
BUSY_DAY = ("2026-01-03", "2026-01-04")
{%- else %}
# The local API holds 255 {{ cc.__records }}: three pages of 100.
{%- endif %}
# {{ cc.pagination | capitalize }} paging {% if cc.pagination == "offset" and not cc.total_key %}without a total needs a fourth, empty page to know it is done{% else %}knows it is done from the third page{% endif %}.
REQUESTS_FOR_THREE_PAGES = {{ 4 if (cc.pagination == "offset" and not cc.total_key and not cc.total_header) else 3 }}


def expected(api{% if dated %}, start=None, end=None{% endif %}):
    """The {{ cc.__records }} the local API holds{% if dated %} for a window{% endif %}, straight from its store."""
{%- if dated %}
    window = api.records.window(
        None if start is None else day_start(dt.date.fromisoformat(start)),
        None if end is None else day_start(dt.date.fromisoformat(end)),
    )
{%- else %}
    window = api.records.window()
{%- endif %}
    return [api.records.record(position) for position in window]


def body(records: list[Any], *pairs: tuple[str, Any]) -> bytes:
    """A page body shaped as ``api.API`` shapes it: the records under its records key, then ``pairs``."""
    if not API.records_key:
        return json.dumps(records).encode()
    return json.dumps(nested((API.records_key, records), *pairs)).encode()


{% if cc.pagination in ["offset", "page"] -%}
def page_body(records{% if cc.pagination == "page" and cc.total_pages_key and not has_total %}, pages=3{% endif %}):
    """One page, shaped as the API shapes it, that claims more pages follow."""
{%- if has_total %}
    return body(records, ("{{ cc.total_key }}", 255))
{%- elif cc.pagination == "page" and cc.total_pages_key %}
    return body(records, ("{{ cc.total_pages_key }}", pages))
{%- else %}
    return body(records)
{%- endif %}
{%- elif cc.pagination == "cursor" -%}
def empty_page_pointing_onwards(api, number):
    """A fault that answers an empty page with a cursor never seen before."""
    return Fault(body=body([], ("{{ cc.next_cursor_key }}", f"cursor-{number}")))
{%- elif cc.pagination == "next_url" -%}
def page_linking_to(url):
    """A fault that answers one empty page whose body names ``url`` as the next page."""
    return Fault(body=body([], ("{{ cc.next_url_key }}", url)))


def empty_page_pointing_onwards(api, number):
    """A fault that answers an empty page linking to a page never linked before."""
    return page_linking_to(f"{api.url}{api.endpoint}?{LINK_PAGE_PARAM}={number + 2}")
{%- else -%}
def page_linking_to(url):
    """A fault that answers one empty page whose Link header points at ``url``."""
    return Fault(body=body([]), headers={"Link": f'<{url}>; rel="next"'})


def empty_page_pointing_onwards(api, number):
    """A fault that answers an empty page linking to a page never linked before."""
    return page_linking_to(f"{api.url}{api.endpoint}?{LINK_PAGE_PARAM}={number + 2}")
{%- endif %}


def fetch(**kwargs):
    """All {{ cc.__records }} get_{{ cc.__records }} yields; keyword arguments go to the hook or to get_{{ cc.__records }} by name."""
    hook_args = {key: kwargs.pop(key) for key in list(kwargs) if key not in WINDOW_ARGUMENTS}
    with {{ Hook }}(backoff_factor=0.01, **hook_args) as hook:
        return list(hook.get_{{ cc.__records }}(**kwargs))
{%- if dated %}


def test_get_{{ cc.__records }}_yields_every_{{ cc.__record }}_of_the_window_in_order(connection):
    records = fetch(start_date=BUSY_DAY[0], end_date=BUSY_DAY[1], batch_size=100)

    assert records == expected(connection, *BUSY_DAY)


def test_window_start_is_inclusive_and_end_exclusive(connection):
    assert len(fetch(start_date="2026-01-02", end_date="2026-01-03")) == 3


def test_dates_datetimes_and_iso_strings_are_accepted_as_window_bounds(connection):
    by_objects = fetch(start_date=dt.date(2026, 1, 1), end_date=dt.datetime(2026, 1, 3))
    start, end = (dt.datetime(2026, 1, day, tzinfo=ZONE).isoformat() for day in (1, 3))
    by_strings = fetch(start_date=start, end_date=end)

    assert by_objects == by_strings == expected(connection, "2026-01-01", "2026-01-03")


def test_no_window_yields_every_{{ cc.__record }}(connection):
    assert fetch(batch_size=64) == expected(connection)


def test_an_empty_window_yields_nothing(connection):
    assert fetch(start_date="2026-02-01", end_date="2026-02-02") == []
{%- else %}


def test_get_{{ cc.__records }}_yields_every_{{ cc.__record }}_in_order(connection):
    assert fetch(batch_size=100) == expected(connection)


@pytest.mark.parametrize("bound", ["start_date", "end_date"])
def test_a_window_bound_is_refused_by_an_api_without_a_date_filter(connection, bound):
    message = f"{bound}: '2026-01-01' is not allowed; this API has no date filter"
    with pytest.raises(ValueError, match=message):
        fetch(**{bound: "2026-01-01"})
    assert connection.requests == []
{%- endif %}


def test_short_pages_from_a_capped_api_lose_nothing(connection):
    connection.max_page_size = 7

    assert fetch(batch_size=100) == expected(connection)


def test_paging_stops_after_the_last_page(connection):
    fetch({% if dated %}start_date=BUSY_DAY[0], end_date=BUSY_DAY[1], {% endif %}batch_size=100)

    assert len(connection.requests) == REQUESTS_FOR_THREE_PAGES
{%- if cc.pagination == "offset" and cc.total_key %}


def test_an_empty_page_before_the_total_is_an_error_not_a_silent_stop(connection):
    connection.add_faults(Fault(body=body([], ("{{ cc.total_key }}", 5))))

    with pytest.raises(APIError, match="empty page at offset 0 although its total is 5"):
        fetch()
{%- elif cc.pagination == "page" and cc.total_key %}


def test_an_empty_page_before_the_total_is_an_error_not_a_silent_stop(connection):
    connection.add_faults(Fault(body=body([], ("{{ cc.total_key }}", 5))))

    with pytest.raises(APIError, match="empty page 1 after 0 records although its total is 5"):
        fetch()
{%- elif cc.pagination == "page" and cc.total_pages_key %}


def test_an_empty_page_before_the_last_page_is_an_error_not_a_silent_stop(connection):
    connection.add_faults(Fault(body=body([], ("{{ cc.total_pages_key }}", 3))))

    with pytest.raises(APIError, match="empty page 1 although it announces 3 pages"):
        fetch()
{%- elif cc.pagination == "cursor" %}


def test_a_cursor_that_repeats_is_an_error_not_an_endless_loop(connection):
    page = body([], ("{{ cc.next_cursor_key }}", "same"))
    connection.add_faults(Fault(body=page), Fault(body=page))

    with pytest.raises(APIError, match="sent the cursor 'same' a second time"):
        fetch()
    assert len(connection.requests) == 2
{%- elif cc.pagination in ["link_header", "next_url"] %}


def test_a_link_that_repeats_is_an_error_not_an_endless_loop(connection):
    loop = f"{connection.url}{connection.endpoint}?{LINK_PAGE_PARAM}=2"
    connection.add_faults(page_linking_to(loop), page_linking_to(loop))

    with pytest.raises(APIError, match="a second time"):
        fetch()
    assert len(connection.requests) == 2


def test_a_link_to_another_host_is_refused_before_credentials_go_there(connection):
    connection.add_faults(page_linking_to(f"http://other-host.invalid{connection.endpoint}?page=2"))

    with pytest.raises(
        APIError,
        match=r"other-host\.invalid:80, not http://127\.0\.0\.1:\d+; refusing to send",
    ):
        fetch()
    assert len(connection.requests) == 1


def test_a_link_to_another_scheme_is_refused(connection):
    connection.add_faults(
        page_linking_to(f"https://127.0.0.1:{connection.port}{connection.endpoint}?{LINK_PAGE_PARAM}=2")
    )

    with pytest.raises(APIError, match="refusing to send the connection's credentials"):
        fetch()


def test_links_follow_the_host_name_the_connection_uses(connection, monkeypatch):
    use_connection(monkeypatch, {**connection_fields(connection.port), "host": "localhost"})

    assert fetch(batch_size=50) == expected(connection)
{%- endif %}
{%- if cc.pagination in ["offset", "page"] %}


def test_an_api_that_sends_the_same_page_again_is_an_error_not_an_endless_loop(connection):
    first_page = page_body(expected(connection)[:100])
{%- if cc.total_header %}
    counted = {"{{ cc.total_header }}": "255"}
    connection.add_faults(Fault(body=first_page, headers=counted), Fault(body=first_page, headers=counted))
{%- else %}
    connection.add_faults(Fault(body=first_page), Fault(body=first_page))
{%- endif %}

    with pytest.raises(APIError, match="returned the same page again"):
        fetch()
    assert len(connection.requests) == 2
{%- else %}


def test_endless_empty_pages_are_an_error_not_an_endless_loop(connection):
    connection.add_faults(*[empty_page_pointing_onwards(connection, number) for number in range(150)])

    with pytest.raises(APIError, match="101 empty pages in a row"):
        fetch()
    assert len(connection.requests) == 101
{%- endif %}
{%- if cc.auth_type != "none" %}


def test_wrong_credentials_fail_with_url_and_status_but_no_secret(connection, monkeypatch):
    use_connection(monkeypatch, connection_fields(connection.port, secret=f"wrong-{SECRET}"))

    with pytest.raises(APIError) as failure:
        fetch()

    message = str(failure.value)
    assert "HTTP 401" in message
{%- if cc.auth_type == "oauth2_client_credentials" %}
    assert "(token_url)" in message  # the token endpoint refused the client
{%- else %}
    assert API.endpoint in message
{%- endif %}
    assert SECRET not in message
{%- endif %}


def test_client_errors_are_not_retried(connection):
    connection.add_faults(Fault(status=404))

    with pytest.raises(APIError, match="HTTP 404"):
        fetch()
    assert len(connection.requests) == 1


def test_a_burst_of_503_is_retried_without_losing_records(connection):
    connection.add_faults(Fault(status=503), Fault(status=503))

    assert fetch() == expected(connection)
    assert len(connection.requests) == 2 + REQUESTS_FOR_THREE_PAGES


def test_429_waits_for_retry_after_before_retrying(connection):
    connection.add_faults(Fault(status=429, retry_after=1))

    assert fetch() == expected(connection)
    first, second = connection.request_times[:2]
    assert second - first >= 1.0


def test_persistent_5xx_gives_up_after_max_retries(connection):
    connection.add_faults(*[Fault(status=502)] * 10)

    with pytest.raises(APIError, match="HTTP 502"):
        fetch(max_retries=2)
    assert len(connection.requests) == 3


def test_a_slow_response_times_out_and_is_retried(connection):
    connection.add_faults(Fault(delay=1.0))

    assert fetch(read_timeout=0.2) == expected(connection)


def test_a_response_slower_than_the_read_timeout_fails_when_retries_are_spent(connection):
    connection.add_faults(Fault(delay=1.0))

    with pytest.raises(APIError, match="timed out"):
        fetch(read_timeout=0.2, max_retries=0)


@pytest.mark.parametrize(
    "fault",
    [Fault(truncate=True), Fault(body=b"<html>gateway hiccup</html>"), Fault(reset=True), Fault(stall=1.0)],
    ids=["truncated-body", "body-not-json", "connection-reset", "body-stalls-after-headers"],
)
def test_broken_responses_are_retried_without_losing_records(connection, fault):
    connection.add_faults(fault)

    assert fetch(read_timeout=0.3) == expected(connection)


def test_broken_bodies_and_error_statuses_share_one_retry_budget(connection):
    connection.add_faults(*[Fault(status=503), Fault(truncate=True)] * 5)

    with pytest.raises(APIError):
        fetch(max_retries=3)
    assert len(connection.requests) == 4  # one attempt and three retries, whatever failed


def test_a_body_that_stays_broken_fails_once_retries_are_spent(connection):
    connection.add_faults(*[Fault(truncate=True)] * 3)

    with pytest.raises(APIError, match="broken body"):
        fetch(max_retries=2)
    assert len(connection.requests) == 3


# NaN and Infinity are whole bodies that no retry mends: they fail at once (test_hostile_paging.py).
@pytest.mark.parametrize(
    "not_json",
    [b'{"result": [', b'{"result": [}'],
    ids=["cut-short", "malformed"],
)
def test_a_body_that_is_not_strict_json_is_a_clear_error_once_retries_are_spent(connection, not_json):
    connection.add_faults(*[Fault(body=not_json)] * 3)

    # The message names the endpoint, what was wrong and where in the body.
    message = (
        rf"{re.escape(API.endpoint)} kept returning a broken body: "
        r"(JSON is malformed: .+ \(byte \d+\)|Input data was truncated)"
    )
    with pytest.raises(APIError, match=message):
        fetch(max_retries=2)
    assert len(connection.requests) == 3


def test_integers_beyond_64_bits_are_read_exactly(connection):
    huge = b'{"id": 18446744073709551616, "low": -9223372036854775809, "score": 0.1}'
    connection.add_faults(Fault(body=huge))

    with {{ Hook }}() as hook:
        response = hook.get_conn().transport.get(hook.get_conn().endpoint_url)

    assert response.body == {"id": 2**64, "low": -(2**63) - 1, "score": 0.1}


def test_a_body_without_the_expected_records_is_a_clear_error(connection):
    connection.add_faults(Fault(body=json.dumps({"data": []}).encode()))
    if API.records_key:
        message = f"expected a list of records under {API.records_key!r} in the body, found ['data']"
    else:
        message = "expected the body to be a list of records, found dict"

    with pytest.raises(APIError, match=re.escape(message)):
        fetch()


def test_get_conn_reuses_one_session_until_closed(connection):
    hook = {{ Hook }}()
    session = hook.get_conn().transport.session()

    assert hook.get_conn().transport.session() is session
    assert hook.get_conn().base_url == f"http://127.0.0.1:{connection.port}{API.base_path}"
    hook.close()
    assert hook.get_conn().transport.session() is not session


def test_host_may_be_a_full_base_url(connection, monkeypatch):
    fields = connection_fields(connection.port)
    fields.update(host=f"http://127.0.0.1:{connection.port}{API.base_path}/", port=None, schema=None)
    use_connection(monkeypatch, fields)

    base_url = {{ Hook }}().get_conn().base_url

    assert base_url == f"http://127.0.0.1:{connection.port}{API.base_path}"


def test_empty_connection_fields_fall_back_to_the_defaults(monkeypatch):
    use_connection(monkeypatch, {"conn_type": "{{ cc.__conn_type }}"})

    assert {{ Hook }}().get_conn().base_url == "{{ cc.__api_scheme }}://{{ cc.__api_host }}{% if cc.__api_port %}:{{ cc.__api_port }}{% endif %}{{ cc.__api_path }}"


def test_timeouts_and_retries_come_from_connection_extras(connection, monkeypatch):
    monkeypatch.setenv(
        CONN_ENV,
        f"{{ cc.__conn_type }}://{LOGIN}:{SECRET}@127.0.0.1:{connection.port}/http?read_timeout=0.2&max_retries=0",
    )
    connection.add_faults(Fault(delay=1.0))

    with pytest.raises(APIError, match="timed out"):
        fetch()


@pytest.mark.parametrize(
    ("extra", "value"),
    [
        ("read_timeout", "soon"),
        ("connect_timeout", 0),
        ("max_retries", -1),
        ("read_timeout", "nan"),
        ("backoff_max", "inf"),
        ("response_timeout", 0),
        ("response_timeout", "never"),
    ],
)
def test_a_bad_extra_is_refused_by_name(monkeypatch, extra, value):
    use_connection(
        monkeypatch,
        {"conn_type": "{{ cc.__conn_type }}", "host": "127.0.0.1", "extra": {extra: value}},
    )

    with pytest.raises(ValueError, match=f"{extra}: {value!r} is not allowed"):
        {{ Hook }}().get_conn()


def test_an_unknown_setting_is_refused_by_name():
    with pytest.raises(TypeError, match="got unknown settings: read_timout"):
        {{ Hook }}(read_timout=5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"batch_size": 0}, "batch_size: 0 is not allowed"),
{%- if dated %}
        ({"start_date": "2026-13-01"}, "start_date: '2026-13-01' is not allowed"),
        ({"end_date": "yesterday"}, "end_date: 'yesterday' is not allowed"),
{%- endif %}
    ],
)
def test_bad_arguments_are_refused_by_name_before_any_request(connection, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fetch(**kwargs)
    assert connection.requests == []


def test_test_connection_reports_success(connection):
    ok, message = {{ Hook }}().test_connection()

    assert ok
    assert message == "Connected; the API answered with {{ cc.__records }}."


def test_test_connection_reports_an_api_that_holds_nothing_yet(monkeypatch):
    with LocalAPI(Records([]), **API_CREDENTIALS) as empty:
        use_connection(monkeypatch, connection_fields(empty.port))

        ok, message = {{ Hook }}().test_connection()

    assert ok
    assert message == "Connected; the API holds no {{ cc.__records }} yet."


def test_test_connection_reports_failure(connection):
    connection.add_faults(Fault(status=404))

    ok, message = {{ Hook }}().test_connection()

    assert not ok
    assert "HTTP 404" in message


def test_extras_left_empty_in_the_connection_form_mean_the_defaults(connection, monkeypatch):
    fields = connection_fields(connection.port)
    fields["extra"] = dict.fromkeys(
        ["connect_timeout", "read_timeout", "max_retries", "backoff_factor", "max_in_flight", "verify"]
    )
    use_connection(monkeypatch, fields)

    assert fetch(batch_size=100) == expected(connection)


def test_tls_certificates_are_verified_by_default(connection, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)

    assert {{ Hook }}().get_conn().transport.session().verify is True


def test_a_ca_bundle_from_the_environment_is_still_used(connection, monkeypatch, tmp_path):
    bundle = tmp_path / "company-ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))

    assert {{ Hook }}().get_conn().transport.session().verify == str(bundle)


def test_proxies_from_the_environment_are_still_used(connection, monkeypatch):
    # The proxy is a second local API: a proxied GET names the full URL, which it answers as its own.
    with LocalAPI(connection.records, **API_CREDENTIALS) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)

        records = fetch(batch_size=100)

    assert records == expected(connection)
    assert proxy.requests
    assert connection.requests == []


def test_verify_extra_can_name_a_ca_bundle_or_turn_verification_off(connection, monkeypatch, tmp_path):
    bundle = tmp_path / "company-ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    use_connection(monkeypatch, connection_fields(connection.port, verify=str(bundle)))
    assert {{ Hook }}().get_conn().transport.session().verify == str(bundle)

    use_connection(monkeypatch, connection_fields(connection.port, verify="false"))
    assert {{ Hook }}().get_conn().transport.session().verify is False


@pytest.mark.parametrize("value", ["maybe", "/no/such/ca-bundle.pem", 2])
def test_a_bad_verify_extra_is_refused_by_name(connection, monkeypatch, value):
    use_connection(monkeypatch, connection_fields(connection.port, verify=value))

    with pytest.raises(ValueError, match=f"verify: {value!r} is not allowed"):
        {{ Hook }}().get_conn()


def test_retry_settings_come_from_the_connection_extras(connection, monkeypatch):
    extras: dict[str, Any] = {"max_retries": 7, "backoff_factor": 0, "backoff_max": 2.5, "retry_deadline": 30}
    use_connection(monkeypatch, connection_fields(connection.port, **extras))

    retry = {{ Hook }}().get_conn().transport.retry

    assert (retry.total, retry.backoff_factor, retry.backoff_max, retry.deadline) == (7, 0, 2.5, 30)


@pytest.mark.parametrize("value", [0, -1, 2.5, "many", True, 33])
def test_a_bad_max_in_flight_is_refused_by_name(connection, value):
    message = f"max_in_flight: {value!r} is not allowed; give a whole number from 1 to 32"
    with pytest.raises(ValueError, match=message):
        fetch(max_in_flight=value)
    assert connection.requests == []
{%- if parallel %}


@pytest.mark.parametrize("max_in_flight", [2, 8])
def test_pages_fetched_concurrently_arrive_complete_and_in_order(connection, max_in_flight):
    connection.latency = 0.03
    sequential = fetch(batch_size=10)
    assert connection.most_in_flight == 1

    concurrent = fetch(batch_size=10, max_in_flight=max_in_flight)

    assert concurrent == sequential == expected(connection)
    assert connection.most_in_flight == max_in_flight


def test_max_in_flight_can_come_from_the_connection_extras(connection, monkeypatch):
    use_connection(monkeypatch, connection_fields(connection.port, max_in_flight=4))
    connection.latency = 0.03

    assert fetch(batch_size=10) == expected(connection)
    assert connection.most_in_flight == 4


def test_concurrent_pages_from_a_capped_api_lose_nothing(connection):
    connection.max_page_size = 7

    assert fetch(batch_size=100, max_in_flight=4) == expected(connection)


def test_a_failing_concurrent_page_is_retried_without_losing_records(connection):
    connection.add_faults(Fault(), Fault(status=503), Fault(reset=True), Fault(status=429, retry_after=0))

    assert fetch(batch_size=10, max_in_flight=4) == expected(connection)


{% if cc.pagination == "offset" -%}
def test_a_short_page_among_pages_asked_for_ahead_loses_nothing(connection):
    # The second request (offset 10) gets only 5 records; paging goes on from offset 15.
    connection.add_faults(Fault(), Fault(body=page_body(expected(connection)[10:15])))

    assert fetch(batch_size=10, max_in_flight=1) == expected(connection)
    offsets = [request["{{ cc.offset_param }}"] for request in connection.requests]
    assert offsets[:2] == ["0", "10"]
    assert "15" in offsets  # one page asked for ahead (offset 20) may have gone out and been dropped


def test_a_page_longer_than_the_first_stops_the_run_rather_than_write_duplicates(connection):
    connection.add_faults(Fault(), Fault(body=page_body(expected(connection)[10:21])))

    message = r"returned 11 records at offset \d+, more than the 10 of its earlier pages"
    with pytest.raises(APIError, match=message):
        fetch(batch_size=10, max_in_flight=2)


{% else -%}
def test_a_concurrent_page_of_the_wrong_size_stops_the_run_rather_than_leave_a_gap(connection):
    short_page = page_body(expected(connection)[10:15]{% if cc.pagination == "page" and cc.total_pages_key and not has_total %}, pages=26{% endif %})
    connection.add_faults(Fault(), Fault(body=short_page))

    message = r"returned 5 records .* where 10 were expected.*max_in_flight=1"
    with pytest.raises(APIError, match=message):
        fetch(batch_size=10, max_in_flight=2)


{% endif -%}
def test_stopping_early_leaves_no_request_threads_behind(connection):
    connection.latency = 0.01
    with {{ Hook }}(max_in_flight=8) as hook:
        pages = hook.get_{{ cc.__record }}_pages(batch_size=10)
        next(pages)
        next(pages)
        pages.close()

    assert [thread.name for thread in threading.enumerate() if thread.name.startswith("page_")] == []
    assert len(connection.requests) < 26


def test_a_hook_reused_for_many_windows_keeps_one_session(connection):
    with {{ Hook }}(max_in_flight=4) as hook:
        for _ in range(3):
            assert list(hook.get_{{ cc.__records }}(batch_size=10)) == expected(connection)

        # The calling thread's session; the page threads' were closed.
        assert len(hook.get_conn().transport._sessions) == 1
{%- endif %}
