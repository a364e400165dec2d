{%- set cc = cookiecutter | answers -%}
"""
The transport against a hostile API (``hostile_api.py``), for every auth kind whatever ``api.py`` chose.

Credentials go only to the connection's own origin as urllib3 connects to it: a link that
parsers read differently, and a redirect to anywhere else, are refused before any byte is
sent. A body is read up to ``max_response_mb`` counted after decompression, so a bomb or an
endless body fails without the memory it asks for. An unreadable ``Retry-After`` is treated
as absent, and an endless run of 429s ends within ``retry_deadline``.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from {{ cc.module_name }}.client import APIError, RestApi, auth, paginators
from {{ cc.module_name }}.hooks import {{ cc.class_prefix }}Hook
from conftest import LOGIN, SECRET, connection_fields, use_connection
from hostile_api import Answer, HostileAPI, Request

AUTHS: dict[str, auth.NoAuth] = {
    "basic": auth.Basic(),
    "bearer": auth.Bearer(),
    "api-key-header": auth.ApiKeyHeader("X-API-Key"),
    "api-key-query": auth.ApiKeyQuery("api_key"),
    "none": auth.NoAuth(),
}
RECORDS = [{"n": 1}, {"n": 2}]
# Quick retries for tests; production keeps the defaults or sets these extras on the connection.
FAST_RETRIES: dict[str, Any] = {"backoff_factor": 0.01, "backoff_max": 0.1}


def rest_api(kind: str = "bearer") -> RestApi:
    """Records as a bare list, paged by Link headers, sent with one kind of credentials."""
    return RestApi(
        base_url="http://localhost:5000",
        endpoint="/records",
        paginator=paginators.LinkHeader(limit_param="per_page"),
        auth=AUTHS[kind],
    )


def fetch(kind: str = "bearer", **settings: Any) -> list[dict[str, Any]]:
    hook = {{ cc.class_prefix }}Hook(api=rest_api(kind), **settings)
    with hook:
        return list(hook.get_{{ cc.__records }}())


def carries_credentials(request: Request) -> bool:
    """Whether a request holds the connection's secret, raw or as a basic-auth header."""
    basic = base64.b64encode(f"{LOGIN}:{SECRET}".encode()).decode()
    seen = request.target + json.dumps(request.headers)
    return SECRET in seen or basic in seen


def answer(records: list[dict[str, Any]], headers: dict[str, str] | None = None) -> Answer:
    return Answer.json(records, headers=headers)


@pytest.mark.parametrize("kind", AUTHS)
def test_a_link_that_urllib3_reads_as_another_origin_gets_no_request(monkeypatch, kind):
    # urllib.parse sees 127.0.0.1:<home> after the "@"; urllib3 stops the host at the backslash.
    with HostileAPI(lambda request: answer(RECORDS), host="127.0.0.2") as other:

        def script(request: Request) -> Answer:
            link = f"http://127.0.0.2:{other.port}\\@127.0.0.1:{home.port}/records?page=2"
            return answer(RECORDS, {"Link": f'<{link}>; rel="next"'})

        with HostileAPI(script) as home:
            use_connection(monkeypatch, connection_fields(home.port, **FAST_RETRIES))

            with pytest.raises(APIError) as failure:
                fetch(kind)

    assert other.requests == []
    assert len(home.requests) == 1
    assert f"links its next page to http://127.0.0.2:{other.port}, not http://127.0.0.1:{home.port}" in str(
        failure.value
    )
    assert "refusing to send the connection's credentials there" in str(failure.value)


@pytest.mark.parametrize(
    "link",
    [
        "http://{login}@127.0.0.1:{port}/records?page=2",
        "http://127.0.0.1:{port}/records?page=2&x=\x01",
        "http://127.0.0.1:{port}\\@127.0.0.1:{port}/records?page=2",
    ],
    ids=["userinfo", "control-character", "backslash"],
)
def test_a_link_that_parsers_may_read_differently_is_refused_even_at_home(monkeypatch, link):
    def script(request: Request) -> Answer:
        return answer(RECORDS, {"Link": f'<{link.format(login=LOGIN, port=home.port)}>; rel="next"'})

    with HostileAPI(script) as home:
        use_connection(monkeypatch, connection_fields(home.port, **FAST_RETRIES))

        with pytest.raises(APIError, match=r"links its next page to a URL that .*; refusing to send"):
            fetch()

    assert len(home.requests) == 1


@pytest.mark.parametrize("status", [302, 307])
@pytest.mark.parametrize("elsewhere", ["127.0.0.2", "127.0.0.1"], ids=["other-host", "other-port"])
@pytest.mark.parametrize("kind", AUTHS)
def test_a_redirect_to_another_origin_gets_no_request(monkeypatch, kind, elsewhere, status):
    # The whole target, query and all: a query API key would go along.
    with (
        HostileAPI(lambda request: answer(RECORDS), host=elsewhere) as other,
        HostileAPI(lambda request: Answer.redirect(other.origin + request.target, status)) as home,
    ):
        use_connection(monkeypatch, connection_fields(home.port, **FAST_RETRIES))

        with pytest.raises(APIError) as failure:
            fetch(kind)

    assert other.requests == []
    assert len(home.requests) == 1
    assert (
        f"redirects (HTTP {status}) to http://{elsewhere}:{other.port}, not http://127.0.0.1:{home.port}; "
        "refusing to send the connection's credentials there"
    ) in str(failure.value)
    assert SECRET not in str(failure.value)


@pytest.mark.parametrize("kind", AUTHS)
def test_a_redirect_within_the_origin_is_followed_and_its_records_kept(monkeypatch, kind):
    def script(request: Request) -> Answer:
        if request.path == "/records":
            return Answer.redirect("/moved" + request.target, 307)
        return answer(RECORDS)

    with HostileAPI(script) as home:
        use_connection(monkeypatch, connection_fields(home.port, **FAST_RETRIES))

        assert fetch(kind) == RECORDS

    assert [request.path for request in home.requests] == ["/records", "/moved/records"]
    assert carries_credentials(home.requests[1]) is (kind != "none")


def test_redirects_within_the_origin_stop_at_five(monkeypatch):
    with HostileAPI(lambda request: Answer.redirect(f"/loop/{len(home.requests)}")) as home:
        use_connection(monkeypatch, connection_fields(home.port, **FAST_RETRIES))

        with pytest.raises(APIError, match="redirected more than 5 times in a row; at most 5 redirects"):
            fetch()

    assert len(home.requests) == 6


def chunked(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """``pieces`` framed for ``Transfer-Encoding: chunked``."""
    for piece in pieces:
        yield b"%x\r\n%s\r\n" % (len(piece), piece)
    yield b"0\r\n\r\n"


def endless_json() -> Iterator[bytes]:
    """A JSON list that never ends, in pieces of 64 KiB."""
    yield b"["
    while True:
        yield b'{"n": 1},' * 7281


def gzip_bomb() -> tuple[int, bytes]:
    """4 GiB of zeros as about 4 MB of gzip: the length of 64 members, and one member of 64 MiB."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    member = b"".join(compressor.compress(zeros) for _ in range(64)) + compressor.flush()
    return 64 * len(member), member


# Fetches in a fresh interpreter, so that its peak memory is the fetch's alone. Linux carries
# the parent's peak across exec into ru_maxrss, so the child's own high-water mark (VmHWM)
# is read where there is one. The address space is capped at 2 GiB: should the body cap
# fail, the child fails instead of the machine.
FETCH_IN_A_CHILD = """
import json, logging, os, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from {{ cc.module_name }}.client import APIError, RestApi, paginators
from {{ cc.module_name }}.client.client import Client
from {{ cc.module_name }}.client.settings import Settings
from {{ cc.module_name }}.client.transport import Transport

base_url = "http://127.0.0.1:" + sys.argv[1]
settings = Settings.read({}, json.loads(sys.argv[2]))
transport = Transport(
    settings, base_url=base_url, auth=None, logger=logging.getLogger("child"), redact=str, user_agent="test"
)
client = Client(RestApi(base_url, "/records", paginators.LinkHeader()), transport, base_url)
try:
    outcome = {"records": sum(len(page) for page in client.pages())}
except APIError as error:
    outcome = {"error": str(error)}
outcome["peak_rss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if os.path.exists("/proc/self/status"):
    with open("/proc/self/status") as status:
        outcome["peak_rss_kib"] = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps(outcome))
"""


def fetch_in_a_child(port: int, **extras: Any) -> dict[str, Any]:
    child = subprocess.run(  # noqa: S603 - this interpreter, this module's own script
        [sys.executable, "-c", FETCH_IN_A_CHILD, str(port), json.dumps(extras)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    return json.loads(child.stdout)


def test_a_decompression_bomb_fails_at_the_cap_within_a_gib_of_memory():
    length, member = gzip_bomb()

    def script(request: Request) -> Answer:
        headers = {"Content-Encoding": "gzip", "Content-Length": str(length)}
        return Answer.of(200, headers, (member for _ in range(64)))

    started = time.monotonic()
    with HostileAPI(script, deadline=20) as home:
        outcome = fetch_in_a_child(home.port, max_response_mb=5)

    assert outcome.get("error", "").startswith(f"GET http://127.0.0.1:{home.port}/records")
    assert "more than 5 MiB (max_response_mb is 5), counted after decompression" in outcome["error"]
    assert outcome["peak_rss_kib"] < 1 << 20  # KiB: under 1 GiB
    assert len(home.requests) == 1  # not retried: the same answer would come again
    # Starting the child interpreter included; inflating all 4 GiB would take far longer.
    assert time.monotonic() - started < 30


def test_an_endless_chunked_body_fails_at_the_cap():
    def script(request: Request) -> Answer:
        return Answer.of(200, {"Transfer-Encoding": "chunked"}, chunked(endless_json()))

    with HostileAPI(script, deadline=20) as home:
        outcome = fetch_in_a_child(home.port, max_response_mb=2)

    assert "more than 2 MiB (max_response_mb is 2)" in outcome.get("error", "")
    assert outcome["peak_rss_kib"] < 1 << 20
    assert len(home.requests) == 1


def test_a_plain_body_over_the_cap_fails_naming_the_cap_and_the_page(monkeypatch):
    large = json.dumps([{"n": number} for number in range(200_000)]).encode()  # about 2 MiB

    with HostileAPI(lambda request: Answer.of(200, {}, large)) as home:
        use_connection(monkeypatch, connection_fields(home.port, max_response_mb=1, **FAST_RETRIES))

        with pytest.raises(APIError) as failure:
            fetch("api-key-query")

    message = str(failure.value)
    assert f"GET http://127.0.0.1:{home.port}/records?per_page=100&api_key=***" in message
    assert "more than 1 MiB (max_response_mb is 1)" in message
    assert "Raise max_response_mb" in message
    assert SECRET not in message
    assert len(home.requests) == 1


def test_a_body_within_the_cap_is_read_whole(monkeypatch):
    records = [{"n": number} for number in range(50_000)]  # about 0.5 MiB

    with HostileAPI(lambda request: Answer.json(records)) as home:
        use_connection(monkeypatch, connection_fields(home.port, max_response_mb=1, **FAST_RETRIES))

        assert fetch() == records


@pytest.mark.parametrize("value", [0, -1, 1.5, "lots", True])
def test_max_response_mb_must_be_a_whole_number_from_one(monkeypatch, value):
    use_connection(monkeypatch, connection_fields(9, max_response_mb=value))

    with pytest.raises(ValueError, match=rf"max_response_mb: {value!r} is not allowed; give a whole number"):
        fetch()


def test_an_unreadable_retry_after_is_treated_as_absent(monkeypatch):
    def script(request: Request) -> Answer:
        if len(home.requests) == 1:
            return Answer.of(429, {"Retry-After": "soon"}, b"{}")
        return answer(RECORDS)

    with HostileAPI(script) as home:
        use_connection(monkeypatch, connection_fields(home.port, **FAST_RETRIES))

        assert fetch() == RECORDS

    assert len(home.requests) == 2


@pytest.mark.parametrize("retry_after", ["0", "1", "soon"])
def test_an_endless_run_of_429_ends_within_the_retry_deadline(monkeypatch, retry_after):
    def script(request: Request) -> Answer:
        return Answer.of(429, {"Retry-After": retry_after}, b'{"error": "slow down"}')

    with HostileAPI(script) as home:
        use_connection(
            monkeypatch,
            connection_fields(home.port, max_retries=10**6, retry_deadline=1, **FAST_RETRIES),
        )
        started = time.monotonic()

        with pytest.raises(APIError, match=r"returned HTTP 429 .*slow down"):
            fetch()

    assert 0.8 < time.monotonic() - started < 5
    assert len(home.requests) > 2


def test_an_error_body_is_redacted_whole_even_when_a_chunk_ends_inside_the_secret(monkeypatch):
    half = len(SECRET) // 2
    pieces = [b'{"error": "invalid token ' + SECRET[:half].encode(), SECRET[half:].encode() + b'"}']

    def script(request: Request) -> Answer:
        return Answer.of(401, {"Transfer-Encoding": "chunked"}, chunked(pieces), pause=0.05)

    with HostileAPI(script) as home:
        use_connection(monkeypatch, connection_fields(home.port, **FAST_RETRIES))

        with pytest.raises(APIError, match="returned HTTP 401") as failure:
            fetch("bearer")

    message = str(failure.value)
    assert 'invalid token ***"}' in message  # the whole excerpt, with the whole secret masked
    assert SECRET[:half] not in message


def test_only_encodings_the_standard_library_inflates_are_asked_for(monkeypatch):
    # urllib3 caps what one read inflates to; an old brotli or zstandard package may not.
    with HostileAPI(lambda request: answer(RECORDS)) as home:
        use_connection(monkeypatch, connection_fields(home.port, **FAST_RETRIES))

        assert fetch() == RECORDS

    assert [request.headers["accept-encoding"] for request in home.requests] == ["gzip, deflate"]
