{%- set cc = cookiecutter -%}
{%- set Hook = cc.class_prefix ~ "Hook" -%}
"""
Time limits against a hostile API (issue 12, finding 4): an answer that arrives one byte at a
time never trips a read timeout, so each answer has a total deadline, ``response_timeout``,
and a cancelled trigger poll leaves no thread blocked on the API behind.

The hostile server drips the honest answer of the local API for this bake's paging and auth,
so whatever ``api.py`` says, only the timing is hostile.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

import pytest
from requests.structures import CaseInsensitiveDict

from {{ cc.module_name }}.api import API
from {{ cc.module_name }}.client import APIError
from {{ cc.module_name }}.hooks import {{ Hook }}
from {{ cc.module_name }}.testing.local_api import LocalAPI
from {{ cc.module_name }}.triggers import {{ cc.class_prefix }}{{ cc.__Records }}Trigger
from conftest import API_CREDENTIALS, SECRET, connection_fields, small_{{ cc.__records }}, use_connection
from hostile_api import Answer, HostileAPI, Request

RESPONSE_TIMEOUT = 1.0
# Far below the read timeout: each byte comes in time, only the total deadline can stop the answer.
DRIP = 0.2
SETTINGS = {"response_timeout": RESPONSE_TIMEOUT, "read_timeout": 5, "backoff_factor": 0.01}
# How far past its deadline a cut answer may fail: waking up, closing, raising.
SLACK = 1.0
ENDPOINT = API.base_path + API.endpoint


@pytest.fixture(scope="module")
def honest():
    """The local API, for the honest answer to each request the hostile one receives."""
    with LocalAPI(small_{{ cc.__records }}(), **API_CREDENTIALS) as server:
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
        connect(monkeypatch, hostile)
        hook = {{ Hook }}(max_retries=0)

        record = hook.first_{{ cc.__record }}()

        assert hook.get_conn().transport.settings.response_timeout == RESPONSE_TIMEOUT
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
            events = asyncio.ensure_future(anext({{ cc.class_prefix }}{{ cc.__Records }}Trigger(poke_interval=0.01).run()))
            await asyncio.wait_for(request_arrived(poll), 5)
            events.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await events
        for poll in range(4, 7):  # a timeout cancels the poll
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(anext({{ cc.class_prefix }}{{ cc.__Records }}Trigger(poke_interval=0.01).run()), 1.0)
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
