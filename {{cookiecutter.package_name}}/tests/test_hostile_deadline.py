{%- set cc = cookiecutter | answers -%}
{%- set Hook = cc.class_prefix ~ "Hook" -%}
"""
Time limits against a hostile API (issue 12, finding 4): an answer that arrives one byte at a
time never trips a read timeout, so each answer has a total deadline, ``response_timeout``,
a cancelled trigger poll leaves no thread blocked on the API behind, and a finished request
leaves neither a watchdog thread nor an open connection.

The hostile server drips the honest answer of the local API for this bake's paging and auth,
so whatever ``api.py`` says, only the timing is hostile.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time

import pytest
from requests.structures import CaseInsensitiveDict
from urllib3.connection import HTTPConnection

from {{ cc.module_name }}.api import API
from {{ cc.module_name }}.client import APIError
from {{ cc.module_name }}.client.deadline import Deadlines
from {{ cc.module_name }}.hooks import {{ Hook }}
from {{ cc.module_name }}.testing.local_api import LocalAPI
from {{ cc.module_name }}.testing.records import Records
from {{ cc.module_name }}.triggers import {{ cc.class_prefix }}{{ cc.__Records }}Trigger
from conftest import API_CREDENTIALS, SECRET, connection_fields, small_{{ cc.__records }}, use_connection
from hostile_api import HOSTILE_TOKEN, Answer, HostileAPI, Request

RESPONSE_TIMEOUT = 1.0
# Far below the read timeout: each byte comes in time, only the total deadline can stop the answer.
DRIP = 0.2
SETTINGS = {"response_timeout": RESPONSE_TIMEOUT, "read_timeout": 5, "backoff_factor": 0.01}
# How far past its deadline a cut answer may fail: waking up, closing, raising, on a loaded
# machine. Without the deadline, each dripped answer below would take 10 s or more.
SLACK = 3.0
ENDPOINT = API.base_path + API.endpoint


@pytest.fixture(scope="module")
def honest():
    """The local API, for the honest answer to each request the hostile one receives."""
    with LocalAPI(small_{{ cc.__records }}(), **API_CREDENTIALS) as server:
        server.tokens[HOSTILE_TOKEN] = float("inf")  # under OAuth 2, accept what the hostile one issues
        yield server


def honest_answer(honest: LocalAPI, request: Request) -> tuple[bytes, bytes]:
    """The honest answer to ``request``, as raw bytes: the status line and headers, and the body."""
    status, headers, body = honest.answer(request.path, request.query, CaseInsensitiveDict(request.headers))
    headers = {name: value for name, value in headers.items() if name.lower() != "content-length"}
    raw = b"".join(Answer.of(status, headers, body).pieces)
    head, _, body = raw.partition(b"\r\n\r\n")
    return head + b"\r\n\r\n", body


def in_bytes(data: bytes) -> list[bytes]:
    return [data[index : index + 1] for index in range(len(data))]


def connect(monkeypatch, hostile: HostileAPI, **settings) -> None:
    use_connection(monkeypatch, connection_fields(hostile.port, **{**SETTINGS, **settings}))


def first_record_failing(max_retries: int = 2) -> tuple[str, float]:
    """The message of the APIError the first poll ends with, and the seconds it took."""
    started = time.monotonic()
    with pytest.raises(APIError) as raised:
        {{ Hook }}(max_retries=max_retries).first_{{ cc.__record }}()
    return str(raised.value), time.monotonic() - started


def test_a_drip_fed_body_fails_within_the_response_timeout_and_is_not_retried(honest, monkeypatch):
    def drip_the_body(request: Request) -> Answer:
        head, body = honest_answer(honest, request)
        return Answer([head, *in_bytes(b" " * 50 + body)], pause=DRIP)  # 10 s or more

    with HostileAPI(drip_the_body, deadline=6) as hostile:
        connect(monkeypatch, hostile)

        message, took = first_record_failing(max_retries=2)

    assert took < RESPONSE_TIMEOUT + SLACK
    assert "response_timeout (1 s)" in message
    assert "still sending its body" in message
    assert f"GET http://127.0.0.1:{hostile.port}{ENDPOINT}" in message
    assert SECRET not in message
    assert len(hostile.requests) == 1  # cut answers are not retried: the budget of 2 is left unused


def test_a_drip_fed_status_line_and_headers_fail_within_the_response_timeout(honest, monkeypatch):
    def drip_everything(request: Request) -> Answer:
        head, body = honest_answer(honest, request)
        return Answer.drip(head + body, DRIP)  # the head alone takes 10 s or more

    with HostileAPI(drip_everything, deadline=6) as hostile:
        connect(monkeypatch, hostile)

        message, took = first_record_failing(max_retries=2)

    assert took < RESPONSE_TIMEOUT + SLACK
    assert "response_timeout (1 s)" in message
    assert "still sending its headers" in message
    assert f"GET http://127.0.0.1:{hostile.port}{ENDPOINT}" in message
    assert SECRET not in message
    assert len(hostile.requests) == 1


def test_a_slow_answer_within_the_response_timeout_still_succeeds(honest, monkeypatch):
    def slow_but_in_time(request: Request) -> Answer:
        head, body = honest_answer(honest, request)
        half = len(body) // 2
        return Answer([head[:5], head[5:], body[:half], body[half:]], pause=0.15)  # 0.45 s

    with HostileAPI(slow_but_in_time, deadline=6) as hostile:
        connect(monkeypatch, hostile, response_timeout=3)
        hook = {{ Hook }}(max_retries=0)

        record = hook.first_{{ cc.__record }}()

        assert hook.get_conn().transport.settings.response_timeout == 3
    # The same answer straight from the local API.
    with LocalAPI(small_{{ cc.__records }}(), **API_CREDENTIALS) as direct:
        use_connection(monkeypatch, connection_fields(direct.port))
        assert record == {{ Hook }}().first_{{ cc.__record }}()
    assert record is not None
    assert len(hostile.requests) == 1


def test_cancelled_trigger_polls_leave_no_thread_behind(honest, monkeypatch):
    def never_finish(request: Request) -> Answer:
        head, body = honest_answer(honest, request)
        return Answer.drip(head + body, DRIP)

    async def cancel_polls(hostile: HostileAPI, before: set[threading.Thread]) -> list[str]:
        async def request_arrived(count: int) -> None:
            while len(hostile.requests) < count:
                await asyncio.sleep(0.01)

        for poll in range(1, 4):  # the triggerer cancels the trigger mid-poll
            trigger = {{ cc.class_prefix }}{{ cc.__Records }}Trigger(poke_interval=0.01)
            events = asyncio.ensure_future(anext(trigger.run()))
            await asyncio.wait_for(request_arrived(poll), 5)
            events.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await events
        for poll in range(4, 7):  # a timeout cancels the poll
            trigger = {{ cc.class_prefix }}{{ cc.__Records }}Trigger(poke_interval=0.01)
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(anext(trigger.run()), 3.0)
            assert len(hostile.requests) == poll
        # Still on the loop: asyncio.run() would wait for its executor's threads when it ends.
        ends = time.monotonic() + 2
        while True:
            left = [thread.name for thread in threading.enumerate() if thread not in before]
            if not left or time.monotonic() > ends:
                return left
            await asyncio.sleep(0.02)

    # Only cancelling can end these polls: the answer would take 60 s at most, 10 s here.
    with HostileAPI(never_finish, deadline=10) as hostile:
        connect(monkeypatch, hostile, response_timeout=60, max_retries=0)
        before = set(threading.enumerate())

        left = asyncio.run(cancel_polls(hostile, before))

        answering = hostile.answering

    assert left == []
    assert answering == 0  # and the API saw each connection dropped


def new_threads(before: set[threading.Thread], within: float = 3.0) -> list[str]:
    """The threads started since ``before`` that are still alive after up to ``within`` seconds."""
    ends = time.monotonic() + within
    while True:
        left = [thread.name for thread in threading.enumerate() if thread not in before]
        if not left or time.monotonic() > ends:
            return left
        time.sleep(0.02)


def test_finished_pokes_and_trigger_polls_leave_no_thread_or_connection_behind(monkeypatch):
    # No {{ cc.__records }} yet: every poke and poll finishes with None, and the trigger polls again.
    with LocalAPI(Records([]), **API_CREDENTIALS) as empty:
        # The default response_timeout (300 s): what is left behind would stay that long.
        use_connection(monkeypatch, connection_fields(empty.port))
        # The local API answers each connection in a thread of its own while it is open, so
        # counting threads counts the connections still open too.
        before = set(threading.enumerate())

        for _ in range(5):  # five sensor pokes, each hook closed
            with {{ Hook }}() as hook:
                assert hook.first_{{ cc.__record }}() is None
        after_pokes = new_threads(before)
        pokes = len(empty.requests)

        async def poll_five_times() -> None:
            trigger = {{ cc.class_prefix }}{{ cc.__Records }}Trigger(poke_interval=0.05)
            polls = asyncio.ensure_future(anext(trigger.run()))
            ends = time.monotonic() + 10
            while len(empty.requests) < 2 * pokes and time.monotonic() < ends:
                await asyncio.sleep(0.01)
            polls.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await polls

        asyncio.run(poll_five_times())
        after_polls = new_threads(before)
        polled = len(empty.requests) - pokes

    assert after_pokes == []
    assert polled >= pokes  # five polls or more
    assert after_polls == []


def test_a_drip_fed_error_body_fails_within_the_response_timeout_and_is_not_retried(monkeypatch):
    # urllib3 reads a 503's body to reuse the connection, then waits and asks again.
    body = b'{"error": "busy"}' + b" " * 50  # 13 s or more
    head = f"HTTP/1.1 503 Busy\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()

    with HostileAPI(lambda request: Answer([head, *in_bytes(body)], pause=DRIP), deadline=6) as hostile:
        connect(monkeypatch, hostile)

        message, took = first_record_failing(max_retries=3)

    assert took < RESPONSE_TIMEOUT + SLACK
    assert "response_timeout (1 s)" in message
    assert f"GET http://127.0.0.1:{hostile.port}{ENDPOINT}" in message
    assert len(hostile.requests) == 1


def test_abort_ends_a_wait_between_retries_at_once(monkeypatch):
    busy = Answer.of(429, {"Retry-After": "30"}, b'{"error": "slow down"}')

    with HostileAPI(lambda request: busy) as hostile:
        connect(monkeypatch, hostile, backoff_max=60, retry_deadline=120)
        hook = {{ Hook }}(max_retries=3)
        raised: list[BaseException] = []

        def poke() -> None:
            try:
                hook.first_{{ cc.__record }}()
            except BaseException as error:  # handed to the test's thread
                raised.append(error)

        thread = threading.Thread(target=poke)
        thread.start()
        ends = time.monotonic() + 5
        while not hostile.requests and time.monotonic() < ends:
            time.sleep(0.01)
        time.sleep(0.3)  # the 429 is in: the hook waits 30 s before asking again
        aborted = time.monotonic()
        hook.abort()
        thread.join(SLACK)
        took = time.monotonic() - aborted

    assert not thread.is_alive()
    assert took < SLACK
    assert len(raised) == 1 and isinstance(raised[0], APIError)
    assert f"GET http://127.0.0.1:{hostile.port}{ENDPOINT}" in str(raised[0])
    assert "aborted" in str(raised[0])
    assert len(hostile.requests) == 1


def test_a_request_refused_after_abort_names_the_whole_url(honest, monkeypatch):
    use_connection(monkeypatch, connection_fields(honest.port))
    hook = {{ Hook }}()
    hook.first_{{ cc.__record }}()  # its connection is kept for the next request
    hook.abort()

    with pytest.raises(APIError, match="was not sent: aborted") as raised:
        hook.first_{{ cc.__record }}()

    assert f"GET http://127.0.0.1:{honest.port}{ENDPOINT}" in str(raised.value)
    assert SECRET not in str(raised.value)


def test_an_exchange_the_watchdog_cannot_cut_does_not_stop_it_cutting_the_next():
    deadlines = Deadlines(0.2, str)
    # What TLS within TLS (through an HTTPS proxy) hands out: a wrapper, not a socket.
    odd = HTTPConnection("127.0.0.1", 9)
    odd.sock = object()
    plain = HTTPConnection("127.0.0.1", 9)
    ours, theirs = socket.socketpair()
    with ours, theirs:
        plain.sock = ours
        first = deadlines.begin(odd)
        ends = time.monotonic() + RESPONSE_TIMEOUT + SLACK
        while not first.expired and time.monotonic() < ends:
            time.sleep(0.01)

        second = deadlines.begin(plain)
        ours.settimeout(RESPONSE_TIMEOUT + SLACK)
        cut = ours.recv(1)  # blocks until the watchdog shuts the socket down

    assert first.expired
    assert second.expired
    assert cut == b""
