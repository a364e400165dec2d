"""
Throughput against the local API: window splitting for paging that walks one page at a time,
``max_in_flight="auto"`` under rate limits, and ``max_requests_per_second``.

Every run is checked record for record against what the server holds, in its order.
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
import threading
import time
from typing import Any

import pytest
import requests

from {{ cookiecutter.module_name }}.client import APIError, RestApi, auth, paginators, windows
from {{ cookiecutter.module_name }}.client.deadline import AbortedError
from {{ cookiecutter.module_name }}.client.pacing import Pacer
from {{ cookiecutter.module_name }}.client.quota import quota_in
from {{ cookiecutter.module_name }}.client.settings import Settings
from {{ cookiecutter.module_name }}.client.windows import UTC
from {{ cookiecutter.module_name }}.hooks import {{ cookiecutter.class_prefix }}Hook
from {{ cookiecutter.module_name }}.testing.local_api import Fault, LocalAPI, Records
from {{ cookiecutter.module_name }}.testing.ratelimit import RateLimit
from conftest import API_CREDENTIALS, connection_fields, use_connection

T0 = dt.datetime(2026, 1, 5, tzinfo=UTC)
START = int(T0.timestamp())
# One record every second of [START - 5, START + 1005), two at every tenth second: sub-window
# edges (whole seconds after the start) always fall on records.
SECONDS = 1000
# The schemes that walk one page at a time, with their records where real APIs of that kind put them.
SEQUENTIAL: dict[str, tuple[paginators.Paginator, str]] = {
    "cursor": (paginators.Cursor(cursor_param="after", next_cursor_key="meta.next"), "data"),
    "link-header": (paginators.LinkHeader(limit_param="per_page"), ""),
    "next-url": (paginators.NextUrl(limit_param="page_size", total_key="count"), "results"),
    "offset-without-total": (paginators.Offset(offset_param="skip", limit_param="take"), "result"),
    "page-without-counts": (paginators.PageNumber(page_param="p", first_page=0), "items"),
}
WINDOWS = {
    "iso-exclusive": windows.Window("from", "until"),
    "iso-inclusive": windows.Window("from", "until", window_end="inclusive"),
    "epoch-inclusive": windows.EpochSeconds("from", "until", window_end="inclusive"),
    "epoch-exclusive": windows.EpochSeconds("from", "until"),
}


def every_second() -> Records:
    rows = [(START + n, 1 + n % 7, 1 + n % 13, 0.5 + n % 10 / 2) for n in range(-5, SECONDS + 5)]
    rows += [(START + n, 99, 1 + n % 13, 5.0) for n in range(0, SECONDS, 10)]
    return Records(rows)


def rest_api(paginator: paginators.Paginator, records_key: str, window: Any) -> RestApi:
    return RestApi(
        base_url="http://localhost:5000/v1",
        endpoint="/records",
        paginator=paginator,
        auth=auth.Basic(),
        records_key=records_key,
        window=window,
    )


def serve(monkeypatch, api: RestApi, records: Records | None = None, **server: Any) -> LocalAPI:
    local = LocalAPI(every_second() if records is None else records, api=api, **API_CREDENTIALS, **server)
    local.start()
    use_connection(monkeypatch, connection_fields(local.port, backoff_factor=0.01))
    return local


def stored(server: LocalAPI, start: int, end: int) -> list[dict[str, Any]]:
    return [server.records.record(position) for position in server.records.window(start, end)]


def fetch(server: LocalAPI, start: Any, end: Any, batch_size: int = 25, split: Any = None, **settings: Any):
    with {{ cookiecutter.class_prefix }}Hook(api=server.api, **settings) as hook:
        return list(hook.get_{{ cookiecutter.__records }}(start, end, batch_size, split=split))


# --- window splitting ------------------------------------------------------------------------


# Every scheme with every window format, each cut a different way.
CASES = [
    (scheme, window, [3, 7, "auto"][n % 3])
    for n, (scheme, window) in enumerate((scheme, window) for scheme in SEQUENTIAL for window in WINDOWS)
]


@pytest.mark.parametrize(("scheme", "window", "split"), CASES)
def test_a_split_window_yields_exactly_the_records_of_the_whole_window(monkeypatch, scheme, window, split):
    server = serve(monkeypatch, rest_api(*SEQUENTIAL[scheme], WINDOWS[window]))
    try:
        start, end = T0, T0 + dt.timedelta(seconds=SECONDS)
        whole = fetch(server, start, end, max_in_flight=1)
        server.most_in_flight = 0
        parts = fetch(server, start, end, split=split, max_in_flight=4)
    finally:
        server.stop()

    assert whole == stored(server, START, START + SECONDS)
    assert parts == whole  # nothing lost or doubled at an edge, and in the same order
    assert server.most_in_flight > 1


@pytest.mark.parametrize("window_end", ["exclusive", "inclusive"])
def test_a_split_run_of_whole_days_cuts_at_midnight(monkeypatch, window_end):
    day = 86400
    # Records at midnight, just before it and mid-day, over six days.
    rows = [(START + d * day + offset, d, 1, 3.0) for d in range(6) for offset in (0, 1, day // 2, day - 1)]
    api = rest_api(*SEQUENTIAL["cursor"], windows.Dates("from", "until", window_end=window_end))
    server = serve(monkeypatch, api, Records(rows))
    try:
        parts = fetch(server, "2026-01-05", "2026-01-11", batch_size=2, split=6, max_in_flight=3)
    finally:
        server.stop()

    assert parts == stored(server, START, START + 6 * day)
    # Six sub-windows, each asked for by whole days: no window bound other than a date.
    bounds = {request["from"] for request in server.requests}
    assert bounds == {f"2026-01-{day:02d}" for day in range(5, 11)}


def test_sub_windows_are_paged_side_by_side_up_to_max_in_flight(monkeypatch):
    server = serve(monkeypatch, rest_api(*SEQUENTIAL["cursor"], WINDOWS["iso-exclusive"]), latency=0.02)
    try:
        records = fetch(
            server, T0, T0 + dt.timedelta(seconds=SECONDS), batch_size=50, split=8, max_in_flight=4
        )
    finally:
        server.stop()

    assert records == stored(server, START, START + SECONDS)
    assert server.most_in_flight == 4


def test_split_auto_asks_once_for_a_window_that_fits_one_page(monkeypatch):
    server = serve(monkeypatch, rest_api(*SEQUENTIAL["cursor"], WINDOWS["iso-exclusive"]))
    try:
        records = fetch(
            server, T0, T0 + dt.timedelta(seconds=20), batch_size=100, split="auto", max_in_flight=4
        )
    finally:
        server.stop()

    assert records == stored(server, START, START + 20)
    assert len(server.requests) == 1


def test_a_window_across_the_change_to_summer_time_is_cut_by_real_time(monkeypatch):
    # New York, 8 March 2026: 01:00 to 03:30 on the wall is 90 minutes, not 150 (2:00 is skipped).
    window = windows.Window("from", "until", timezone="America/New_York")
    api = rest_api(*SEQUENTIAL["cursor"], window)
    begin, finish = dt.datetime(2026, 3, 8, 6, tzinfo=UTC), dt.datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    first, last = int(begin.timestamp()), int(finish.timestamp())
    rows = [(moment, 1 + moment % 7, 1, 4.0) for moment in range(first - 600, last + 600, 10)]
    server = serve(monkeypatch, api, Records(rows))
    try:
        local_start, local_end = dt.datetime(2026, 3, 8, 1), dt.datetime(2026, 3, 8, 3, 30)  # naive: New York
        whole = fetch(server, local_start, local_end, batch_size=50, max_in_flight=1)
        server.requests.clear()
        parts = fetch(server, local_start, local_end, batch_size=50, split=4, max_in_flight=4)
    finally:
        server.stop()

    assert whole == stored(server, first, last)
    assert parts == whole
    asked = sorted(
        {(window.parse(request["from"]), window.parse(request["until"])) for request in server.requests}
    )
    # Four sub-windows of 22.5 minutes, edge to edge, none past the window's end.
    assert asked == [(first + n * 1350, first + (n + 1) * 1350) for n in range(4)]


def test_split_auto_splits_when_the_api_sends_fewer_records_a_page_than_asked(monkeypatch, capsys):
    server = serve(monkeypatch, rest_api(*SEQUENTIAL["cursor"], WINDOWS["iso-exclusive"]), max_page_size=20)
    try:
        records = fetch(
            server, T0, T0 + dt.timedelta(seconds=SECONDS), batch_size=100, split="auto", max_in_flight=4
        )
    finally:
        server.stop()

    assert records == stored(server, START, START + SECONDS)
    assert server.most_in_flight > 1
    assert "the API sent 20 records of the 100 asked for a page, and another page; splitting" in (
        capsys.readouterr().out
    )


def test_sub_windows_start_only_a_few_ahead_of_the_one_being_read(monkeypatch):
    server = serve(monkeypatch, rest_api(*SEQUENTIAL["cursor"], WINDOWS["iso-exclusive"]))
    try:
        with {{ cookiecutter.class_prefix }}Hook(api=server.api, max_in_flight=2) as hook:
            records = hook.get_{{ cookiecutter.__records }}(T0, T0 + dt.timedelta(seconds=SECONDS), 25, split=32)
            next(records)  # the reader stays in the first sub-window
            time.sleep(0.5)  # time enough for all 32 sub-windows, were they not held back
            started = {request["from"] for request in server.requests}
            records.close()
    finally:
        server.stop()

    # Two per request in flight: sub-windows 0 to 3.
    assert len(started) == 4


def test_a_failing_sub_window_does_not_wait_out_another_ones_retry_after(monkeypatch):
    server = serve(monkeypatch, rest_api(*SEQUENTIAL["cursor"], WINDOWS["iso-exclusive"]))
    # The two sub-windows' first requests: one told to come back in 30 s, one refused for good.
    server.add_faults(Fault(status=429, retry_after=30), Fault(status=404))
    began = time.monotonic()
    try:
        with pytest.raises(APIError, match="HTTP 404"):
            fetch(server, T0, T0 + dt.timedelta(seconds=SECONDS), split=2, max_in_flight=2, max_retries=3)
    finally:
        server.stop()
    assert time.monotonic() - began < 10
    assert len(server.requests) == 2  # the 429's retry was never sent
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("split")]


def test_a_stop_ends_a_retry_after_wait_at_once_and_sends_no_retry(monkeypatch):
    # What a split or the pages asked ahead do when one request fails or the caller stops reading.
    server = serve(monkeypatch, counted_api())
    server.add_faults(Fault(status=429, retry_after=30))
    stop, raised = threading.Event(), []
    with {{ cookiecutter.class_prefix }}Hook(api=server.api, max_retries=3) as hook:
        client = hook.get_conn()

        def fetch_one_page() -> None:
            with client.transport.stopping_on(stop):
                try:
                    client.get({})
                except APIError as error:
                    raised.append(error)

        worker = threading.Thread(target=fetch_one_page)
        try:
            worker.start()
            deadline = time.monotonic() + 10
            while not server.requests and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.2)  # into the 30 s wait
            began = time.monotonic()
            client.transport.stop(stop)
            worker.join(timeout=10)
            stopped_in = time.monotonic() - began
            assert len(server.requests) == 1  # the retry was never sent
            # The transport goes on serving the threads outside the stopped block.
            assert len(client.get({}).records) > 0
        finally:
            worker.join(timeout=30)
            server.stop()

    assert [type(error) for error in raised] == [AbortedError]
    assert stopped_in < 2


def test_a_stop_ends_a_wait_for_the_pacers_turn():
    stopped = threading.Event()
    pacer = Pacer(Settings(max_in_flight="auto"), logging.getLogger("test-pacer"), "api", stopped.is_set)
    pacer.observe(429, {"Retry-After": "30"})  # every request held 30 s
    raised = []

    def wait_for_turn() -> None:
        try:
            pacer.turn()
        except AbortedError as error:
            raised.append(error)

    waiter = threading.Thread(target=wait_for_turn)
    waiter.start()
    time.sleep(0.2)
    began = time.monotonic()
    stopped.set()
    pacer.wake()
    waiter.join(timeout=10)

    assert time.monotonic() - began < 2
    assert len(raised) == 1


def test_a_failing_sub_window_fails_the_whole_run(monkeypatch):
    server = serve(monkeypatch, rest_api(*SEQUENTIAL["cursor"], WINDOWS["iso-exclusive"]))
    server.add_faults(*[Fault()] * 5, Fault(status=500))
    try:
        with pytest.raises(APIError, match="HTTP 500"):
            fetch(server, T0, T0 + dt.timedelta(seconds=SECONDS), split=8, max_in_flight=4, max_retries=0)
    finally:
        server.stop()
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("split")]


@pytest.mark.parametrize(
    ("split", "allowed"),
    [
        (0, "whole number from 1 to 256"),
        (257, "whole number from 1 to 256"),
        ("8", "whole number"),
        (2.0, "whole"),
        (1.0, "whole"),  # equal to 1, but not a number of sub-windows
        (True, "whole"),
    ],
)
def test_a_bad_split_is_refused_by_name(monkeypatch, split, allowed):
    server = serve(monkeypatch, rest_api(*SEQUENTIAL["cursor"], WINDOWS["iso-exclusive"]))
    try:
        with pytest.raises(ValueError, match=f"split: {split!r} is not allowed; give a {allowed}"):
            fetch(server, T0, T0 + dt.timedelta(seconds=10), split=split, max_in_flight=4)
    finally:
        server.stop()
    assert server.requests == []


def test_a_split_needs_a_date_filter_and_both_ends(monkeypatch):
    server = serve(monkeypatch, rest_api(*SEQUENTIAL["cursor"], None))
    try:
        with pytest.raises(ValueError, match="split: 4 is not allowed; this API has no date filter"):
            fetch(server, None, None, split=4, max_in_flight=4)
        server.api = rest_api(*SEQUENTIAL["cursor"], WINDOWS["iso-exclusive"])
        with pytest.raises(ValueError, match="split: 4 needs a window with both ends"):
            fetch(server, T0, None, split=4, max_in_flight=4)
    finally:
        server.stop()
    assert server.requests == []


# --- the stand-in's rate limit ----------------------------------------------------------------


@pytest.mark.parametrize("style", ["draft", "github"])
def test_the_stand_in_answers_429_beyond_its_burst_with_the_headers_of_its_style(monkeypatch, style):
    server = serve(monkeypatch, rest_api(*SEQUENTIAL["cursor"], None), rate_limit=RateLimit(1.0, 3, style))
    try:
        with requests.Session() as session:
            session.auth = (API_CREDENTIALS["login"], API_CREDENTIALS["password"])
            answers = [session.get(f"{server.url}/v1/records") for _ in range(4)]
    finally:
        server.stop()

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert server.throttled == 1
    refused = answers[-1].headers
    if style == "draft":
        assert [answer.headers["RateLimit-Remaining"] for answer in answers] == ["2", "1", "0", "0"]
        assert refused["RateLimit-Policy"] == "3;w=3"
        assert refused["Retry-After"] == "1"
        assert not any(name.lower().startswith("x-ratelimit") for name in refused)
    else:
        assert [answer.headers["X-RateLimit-Remaining"] for answer in answers] == ["2", "1", "0", "0"]
        assert int(refused["X-RateLimit-Reset"]) >= time.time()
        assert "Retry-After" not in refused and "RateLimit-Policy" not in refused


def test_rate_limit_headers_are_read_in_every_form_real_apis_send(monkeypatch):
    now = 1_800_000_000.0
    old_draft = quota_in(
        {"RateLimit-Remaining": "7", "RateLimit-Reset": "30", "RateLimit-Policy": "100;w=60"}, now
    )
    assert (old_draft.remaining, old_draft.reset, old_draft.rate) == (7, 30.0, 100 / 60)
    new_draft = quota_in({"RateLimit": '"default";r=0;t=12', "RateLimit-Policy": '"default";q=50;w=10'}, now)
    assert (new_draft.remaining, new_draft.reset, new_draft.rate, new_draft.wait()) == (0, 12.0, 5.0, 12.0)
    several = quota_in({"RateLimit-Policy": "10;w=1, 1000;w=3600"}, now)
    assert several.rate == 1000 / 3600
    github = quota_in({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(now) + 42)}, now)
    assert (github.remaining, github.reset, github.wait()) == (0, 42.0, 42.0)
    dated = quota_in(
        {"Retry-After": "Wed, 21 Jan 2027 08:00:10 GMT"}, dt.datetime(2027, 1, 21, 8, tzinfo=UTC).timestamp()
    )
    assert dated.retry_after == 10.0
    garbage = quota_in(
        {
            "RateLimit-Remaining": "lots",
            "RateLimit-Reset": "-3",
            "Retry-After": "soon",
            "RateLimit-Policy": "0;w=60",
        },
        now,
    )
    assert garbage == quota_in({}, now)
    # Several limits in one header all apply: the one with the fewest requests left counts.
    tightest = quota_in({"RateLimit": '"second";r=9;t=1, "hour";r=0;t=1800'}, now)
    assert (tightest.remaining, tightest.reset) == (0, 1800.0)
    dictionary = quota_in({"RateLimit": "limit=100, remaining=0, reset=30"}, now)
    assert (dictionary.remaining, dictionary.reset, dictionary.wait()) == (0, 30.0, 30.0)
    milliseconds = quota_in(
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(now) * 1000 + 42_000)}, now
    )
    assert milliseconds.reset == 42.0
    # An HTTP date is in GMT even when it names no zone: not in the machine's local time.
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        moment = dt.datetime(2027, 1, 21, 8, tzinfo=UTC).timestamp()
        zoneless = quota_in({"Retry-After": "Thu, 21 Jan 2027 08:00:10 -0000"}, moment)
    finally:
        monkeypatch.undo()  # TZ as it was
        time.tzset()
    assert zoneless.retry_after == 10.0


def test_the_stand_ins_rate_limit_leaves_a_queued_fault_for_the_next_answered_request(monkeypatch):
    server = serve(monkeypatch, rest_api(*SEQUENTIAL["cursor"], None), rate_limit=RateLimit(2.0, 1))
    try:
        with requests.Session() as session:
            session.auth = (API_CREDENTIALS["login"], API_CREDENTIALS["password"])
            answers = [session.get(f"{server.url}/v1/records")]
            server.add_faults(Fault(status=418))
            answers.append(session.get(f"{server.url}/v1/records"))  # beyond the burst: 429
            time.sleep(0.6)
            answers.append(session.get(f"{server.url}/v1/records"))
    finally:
        server.stop()

    assert [answer.status_code for answer in answers] == [200, 429, 418]


def test_a_rate_limit_without_retry_after_is_waited_out_until_its_reset(monkeypatch):
    # GitHub's style: a 429 says only X-RateLimit-Reset. One retry after the backoff alone (10 ms)
    # would meet another 429; waiting until the reset, it is answered.
    limit = RateLimit(2.0, 1, "github")
    server = serve(monkeypatch, rest_api(*SEQUENTIAL["cursor"], None), rate_limit=limit)
    try:
        records = fetch(server, None, None, batch_size=400, max_retries=1)
    finally:
        server.stop()

    assert len(records) == len(server.records)
    assert server.throttled >= 1


# --- max_in_flight="auto" ---------------------------------------------------------------------


def counted_api() -> RestApi:
    return rest_api(paginators.Offset(total_key="total"), "result", WINDOWS["iso-exclusive"])


def test_auto_raises_concurrency_while_answers_come_back_clean_and_logs_why(monkeypatch, capsys):
    # 50 ms a request: a busy machine's few ms of jitter cannot pass for a slower API.
    server = serve(monkeypatch, counted_api(), latency=0.05)
    try:
        records = fetch(server, T0, T0 + dt.timedelta(seconds=SECONDS), batch_size=10, max_in_flight="auto")
    finally:
        server.stop()

    assert records == stored(server, START, START + SECONDS)
    assert server.most_in_flight >= 4
    # Airflow's task logging writes to standard output.
    logged = capsys.readouterr().out
    assert "concurrency 1 -> 2 (answers clean and quick" in logged
    assert "concurrency 2 -> 4 (answers clean and quick" in logged


# GitHub's headers give the reset in whole seconds, so a quota that refills within one is paced
# conservatively there: a shorter window keeps the test quick.
@pytest.mark.parametrize(("style", "seconds"), [("draft", 600), ("github", 300)])
def test_auto_keeps_to_a_rate_limit_with_few_429s_and_loses_nothing(monkeypatch, style, seconds):
    server = serve(monkeypatch, counted_api(), latency=0.02, rate_limit=RateLimit(50.0, 10, style))
    try:
        began = time.monotonic()
        records = fetch(server, T0, T0 + dt.timedelta(seconds=seconds), batch_size=10, max_in_flight="auto")
        spent = time.monotonic() - began
    finally:
        server.stop()

    assert records == stored(server, START, START + seconds)
    requests_made = len(server.requests)
    assert server.throttled <= max(2, requests_made // 50), (
        f"{server.throttled} of {requests_made} answered 429"
    )
    # The limit allows 10 at once and 50 a second after: the run cannot be quicker than that.
    assert spent >= (requests_made - server.throttled - 10) / 50


def test_auto_backs_off_at_once_on_429_and_holds_every_request_for_retry_after():
    log = logging.getLogger("test-pacer")
    pacer = Pacer(Settings(max_in_flight="auto"), log, "api")
    for _ in range(15):  # clean, fast answers: 1 -> 2 -> 4 -> 8 -> 16
        pacer.observe(200, {}, 0.01)
    assert pacer.limit == 16

    pacer.observe(429, {"Retry-After": "1"})
    pacer.observe(429, {"Retry-After": "1"})  # the same burst: halved once, not twice
    assert pacer.limit == 8
    began = time.monotonic()
    pacer.turn()
    assert time.monotonic() - began >= 0.95


def test_auto_holds_no_longer_than_backoff_max_whatever_the_api_asks():
    log = logging.getLogger("test-pacer")
    pacer = Pacer(Settings(max_in_flight="auto", backoff_max=0.3), log, "api")
    pacer.observe(429, {"Retry-After": "3600"})
    began = time.monotonic()
    pacer.turn()
    assert 0.25 <= time.monotonic() - began < 2
    # A reset far in the future (here a millisecond time read as seconds would be) is capped too.
    pacer.observe(200, {"RateLimit-Remaining": "0", "RateLimit-Reset": "1e15"}, 0.01)
    pacer.observe(200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(10**17)}, 0.01)
    began = time.monotonic()
    pacer.turn()
    pacer.turn()
    assert time.monotonic() - began < 2


def test_auto_stops_raising_when_more_at_once_only_makes_each_answer_slower():
    # A server with a fixed throughput: each request takes 10 ms for every request in flight.
    pacer = Pacer(Settings(max_in_flight="auto"), logging.getLogger("test-pacer"), "api")
    for _ in range(3000):
        pacer.observe(200, {}, 0.01 * pacer.limit)
    assert pacer.limit <= 8


def test_auto_ramps_up_again_after_one_unusually_fast_answer():
    pacer = Pacer(Settings(max_in_flight="auto"), logging.getLogger("test-pacer"), "api")
    pacer.observe(200, {}, 0.0001)  # a lucky first answer, 100 times faster than the rest
    for _ in range(200):
        pacer.observe(200, {}, 0.01)
    assert pacer.limit >= 8


def test_max_requests_per_second_spaces_every_try_retries_included(monkeypatch):
    server = serve(monkeypatch, counted_api())
    server.add_faults(Fault(), Fault(status=500), Fault(status=503), Fault(status=500))
    try:
        records = fetch(
            server,
            T0,
            T0 + dt.timedelta(seconds=400),
            batch_size=10,
            max_in_flight=8,
            max_requests_per_second=40,
        )
    finally:
        server.stop()

    assert records == stored(server, START, START + 400)
    times = sorted(server.request_times)
    tries = -(-len(records) // 10) + 3  # every page, and 3 retries
    assert len(times) == tries
    # The client starts tries at least 25 ms apart; a thread may reach the server up to JITTER
    # later than its turn, so any second at the server holds at most (1 s + JITTER) / 25 ms + 1.
    jitter = 0.025
    busiest = max(bisect.bisect_left(times, moment + 1.0) - index for index, moment in enumerate(times))
    assert busiest <= int((1.0 + jitter) * 40) + 1
    assert times[-1] - times[0] >= (tries - 1) / 40 - jitter


def test_max_in_flight_auto_and_the_rate_can_come_from_the_connection_extras(monkeypatch):
    server = serve(monkeypatch, counted_api())
    use_connection(
        monkeypatch, connection_fields(server.port, max_in_flight="auto", max_requests_per_second="100")
    )
    try:
        with {{ cookiecutter.class_prefix }}Hook(api=server.api) as hook:
            settings = hook.get_conn().transport.settings
            records = list(hook.get_{{ cookiecutter.__records }}(T0, T0 + dt.timedelta(seconds=100), 10))
    finally:
        server.stop()

    assert (settings.max_in_flight, settings.max_requests_per_second) == ("auto", 100.0)
    assert records == stored(server, START, START + 100)


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("max_in_flight", "fast", 'give a whole number from 1 to 32, or "auto"'),
        ("max_in_flight", 0, 'give a whole number from 1 to 32, or "auto"'),
        ("max_requests_per_second", 0, "give a number above 0, or leave it empty for no limit"),
        ("max_requests_per_second", "often", "give a number above 0, or leave it empty for no limit"),
    ],
)
def test_a_bad_pacing_extra_is_refused_by_name(monkeypatch, name, value, allowed):
    server = serve(monkeypatch, counted_api())
    use_connection(monkeypatch, connection_fields(server.port, **{name: value}))
    try:
        with pytest.raises(ValueError, match=f"{name}: {value!r} is not allowed; {allowed}"):
            fetch(server, T0, T0 + dt.timedelta(seconds=10))
    finally:
        server.stop()
    assert server.requests == []
