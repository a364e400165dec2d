"""
A local stand-in for the API that ``api.py`` describes, for tests, development and the demo.

It serves ``API.endpoint`` on 127.0.0.1 exactly as ``api.API`` says the real one behaves:
the same auth scheme, paging scheme and parameters, body keys and window format, so it
cannot drift from what the hook expects. Records are sorted by timestamp, then user and
item. It needs only the standard library::

    python -m <package>.testing.local_api --port 5000

Tests can make it misbehave on purpose: cap the page size, add latency, limit the rate
(``ratelimit``), or queue faults (error statuses, ``Retry-After``, slow, truncated or
replaced bodies, dropped connections) that the next requests will meet.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import json
import socket
import struct
import sys
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from ..api import API
from ..client import RestApi, auth, paginators
from . import tokens
from .ratelimit import RateLimit, TokenBucket
from .records import Fault, Records, count_param, cursor_for, cursor_position, epoch, generate_records, nested

__all__ = ["Fault", "LocalAPI", "Records", "epoch", "generate_records", "nested"]

DEFAULT_LIMIT = 100
# The query parameter of the pages this stand-in links to, for LinkHeader and NextUrl paging.
LINK_PAGE_PARAM = "page"


class LocalAPI:
    """
    The API of ``api.py`` on 127.0.0.1, in a background thread.

    :param records: What to serve; defaults to ``generate_records()``.
    :param api: The description to serve; ``api.API`` unless a test checks another one.
    :param login: The login the server accepts (basic auth).
    :param password: The password, token or API key the server accepts.
    :param port: Port to listen on; 0 picks a free one.
    :param max_page_size: Largest page served whatever the page size asked for, like many real APIs.
        Asked for more than ``api.max_page_size``, it answers 400, like an API that validates.
    :param latency: Seconds added to every response.
    :param token_lifetime: ``expires_in`` of the access tokens it issues (OAuth 2), in seconds.
    :param scope: The scope a token request must ask for (OAuth 2); None accepts any.
    :param rate_limit: Answer 429 beyond this many requests a second (``ratelimit.RateLimit``).
    """

    def __init__(
        self,
        records: Records | None = None,
        *,
        api: RestApi = API,
        login: str = "airflow",
        password: str = "airflow",  # noqa: S107 - the stand-in's well-known test credentials
        port: int = 0,
        max_page_size: int | None = None,
        latency: float = 0.0,
        token_lifetime: float = 3600,
        scope: str | None = None,
        rate_limit: RateLimit | None = None,
    ) -> None:
        self.records = records if records is not None else generate_records()
        self.api = api
        self.endpoint = api.base_path + api.endpoint
        self.login = login
        self.password = password
        self.max_page_size = max_page_size
        self.latency = latency
        self.faults: deque[Fault] = deque()
        self.token_lifetime = token_lifetime
        self.scope = scope
        self.bucket = None if rate_limit is None else TokenBucket(rate_limit)
        self.throttled = 0  # requests answered 429 by the rate limit
        # OAuth 2: each access token issued, with the monotonic time it expires at.
        self.tokens: dict[str, float] = {}
        self.token_requests: list[dict[str, str]] = []
        self.requests: list[dict[str, str]] = []
        self.request_times: list[float] = []
        # How many requests were being answered at once, at most: what a client's concurrency really was.
        self.most_in_flight = 0
        self._in_flight = 0
        self._in_flight_lock = threading.Lock()
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.api = self
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add_faults(self, *faults: Fault) -> None:
        self.faults.extend(faults)  # each request takes the next one until none are left

    def start(self) -> LocalAPI:
        # A short poll interval makes stop() quick: tests start and stop a server each.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the command-line use)."""
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalAPI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def revoke_tokens(self) -> None:
        """Forget every access token issued, as an API does when they expire or are revoked."""
        self.tokens.clear()

    @property
    def token_path(self) -> str | None:
        """Where the token endpoint is, for an API with OAuth 2 client credentials; else None."""
        return tokens.endpoint_path(self.api)

    def issue_token(self, form: dict[str, str], headers: Any) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for a token request (RFC 6749 section 4.4)."""
        self.token_requests.append(dict(form))
        scheme = self.api.auth
        assert isinstance(scheme, auth.OAuth2ClientCredentials)  # noqa: S101 - token_path said so
        return tokens.issue(
            form,
            headers,
            client=(self.login, self.password),
            client_auth=scheme.client_auth,
            scope=self.scope,
            lifetime=self.token_lifetime,
            issued=self.tokens,
        )

    def answer(self, path: str, params: dict[str, str], headers: Any) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for one GET."""
        if path != self.endpoint:
            return _error(404, f"no such endpoint {path}; try {self.endpoint}")
        refusal = self._refusal(params, headers)
        if refusal is not None:
            return refusal
        paginator = self.api.paginator
        try:
            window = self._window(params)
            limit = count_param(params, paginator.limit_param, min(DEFAULT_LIMIT, self.api.max_page_size))
            if limit > self.api.max_page_size:  # as a real API's validation answers
                raise ValueError(f"{paginator.limit_param}: {limit} is more than {self.api.max_page_size}")
            position = self._position(params, limit)
        except ValueError as error:
            return _error(400, str(error))
        served = limit if self.max_page_size is None else min(limit, self.max_page_size)
        if isinstance(paginator, (paginators.PageNumber, paginators.LinkHeader, paginators.NextUrl)):
            position = position * served
        page = window[position : position + served]
        records = [self.records.record(index) for index in page]
        response_headers = {"Content-Type": "application/json"}
        parts: list[tuple[str, Any]] = []
        if paginator.total_key:
            parts.append((paginator.total_key, len(window)))
        if paginator.total_header:
            response_headers[paginator.total_header] = str(len(window))
        if isinstance(paginator, paginators.PageNumber) and paginator.total_pages_key:
            parts.append((paginator.total_pages_key, -(-len(window) // served) if served else 0))
        after = position + len(page)
        if isinstance(paginator, paginators.Cursor):
            parts.append((paginator.next_cursor_key, cursor_for(after) if after < len(window) else None))
        next_url = None
        if isinstance(paginator, (paginators.LinkHeader, paginators.NextUrl)) and after < len(window):
            number = after // served + 1 if served else 1
            following = {**params, LINK_PAGE_PARAM: str(number), paginator.limit_param: str(served)}
            # Link back to the host the client used, as a real API behind its own name would.
            host = headers.get("Host") or f"127.0.0.1:{self.port}"
            next_url = f"http://{host}{self.endpoint}?{urlencode(following)}"
        if isinstance(paginator, paginators.LinkHeader):
            response_headers["X-Total-Count"] = str(len(window))
            if next_url is not None:
                response_headers["Link"] = f'<{next_url}>; rel="next"'
        if isinstance(paginator, paginators.NextUrl):
            parts.append((paginator.next_url_key, next_url))
        if self.api.records_key:
            payload: Any = nested((self.api.records_key, records), *parts)
        else:
            payload = records
        return 200, response_headers, json.dumps(payload).encode()

    def _refusal(self, params: dict[str, str], headers: Any) -> tuple[int, dict[str, str], bytes] | None:
        """The 401 for a request without the credentials that ``api.auth`` sends, or None."""
        scheme = self.api.auth
        if isinstance(scheme, auth.Basic):
            token = base64.b64encode(f"{self.login}:{self.password}".encode()).decode()
            if headers.get("Authorization") != f"Basic {token}":
                status, response_headers, body = _error(401, "valid basic-auth credentials are required")
                response_headers["WWW-Authenticate"] = 'Basic realm="records"'
                return status, response_headers, body
        elif isinstance(scheme, auth.Bearer):
            if headers.get("Authorization") != f"{scheme.prefix} {self.password}":
                status, response_headers, body = _error(401, f"a valid {scheme.prefix} token is required")
                response_headers["WWW-Authenticate"] = f'{scheme.prefix} realm="records"'
                return status, response_headers, body
        elif isinstance(scheme, auth.OAuth2ClientCredentials):
            if not tokens.is_live(headers.get("Authorization") or "", self.tokens):
                status, response_headers, body = _error(401, "a valid access token is required")
                response_headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
                return status, response_headers, body
        elif isinstance(scheme, auth.ApiKeyHeader):
            if headers.get(scheme.header) != self.password:
                return _error(401, f"a valid API key is required in the {scheme.header} header")
        elif isinstance(scheme, auth.ApiKeyQuery) and params.get(scheme.parameter) != self.password:
            return _error(401, f"a valid API key is required in the {scheme.parameter} parameter")
        return None

    def _window(self, params: dict[str, str]) -> range:
        """Positions of the records in the window the query asks for, read as ``api.window`` writes it."""
        window = self.api.window
        if window is None:
            return self.records.window()
        start, end = params.get(window.start_param), params.get(window.end_param)
        for name, raw in ((window.start_param, start), (window.end_param, end)):
            try:
                if raw is not None:
                    window.parse(raw)
            except ValueError:
                raise ValueError(f"{name}: {raw!r} is not a bound this API reads ({window!r})") from None
        # As the real API reads them: an inclusive end holds the instant it names, dates are local days.
        return self.records.window(*window.parse_window(start, end))

    def _position(self, params: dict[str, str], limit: int) -> int:
        """Where the page starts: a record position (offset, cursor) or a page index from 0."""
        paginator = self.api.paginator
        if isinstance(paginator, paginators.Offset):
            return count_param(params, paginator.offset_param, 0)
        if isinstance(paginator, paginators.PageNumber):
            number = count_param(params, paginator.page_param, paginator.first_page)
            return max(number - paginator.first_page, 0)
        if isinstance(paginator, paginators.Cursor):
            return cursor_position(params.get(paginator.cursor_param), paginator.cursor_param)
        return max(count_param(params, LINK_PAGE_PARAM, 1) - 1, 0)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    api: LocalAPI

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (a timeout under test) is expected; anything else is reported."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes; with Nagle's algorithm on, the body would
    # wait for the client's delayed ACK of the headers (up to 40 ms a response).
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        api = self.server.api
        with api._in_flight_lock:
            api._in_flight += 1
            api.most_in_flight = max(api.most_in_flight, api._in_flight)
        try:
            self._answer(api)
        finally:
            with api._in_flight_lock:
                api._in_flight -= 1

    def do_POST(self) -> None:
        """The token endpoint, for an API with OAuth 2 client credentials; 404 elsewhere."""
        api = self.server.api
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(min(length, 1 << 16)).decode("utf-8", "replace")
        form = {key: values[-1] for key, values in parse_qs(raw).items()}
        if urlsplit(self.path).path != api.token_path:
            status, headers, body = _error(404, f"no token endpoint at {self.path}")
        else:
            status, headers, body = api.issue_token(form, self.headers)
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _answer(self, api: LocalAPI) -> None:
        parts = urlsplit(self.path)
        params = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        api.request_times.append(time.monotonic())
        api.requests.append(params)
        time.sleep(api.latency)
        allowed, limits = (True, {}) if api.bucket is None else api.bucket.take()
        fault = Fault()
        if allowed and api.faults:  # a request the rate limit refuses leaves the next fault queued
            with contextlib.suppress(IndexError):
                fault = api.faults.popleft()  # atomic, so concurrent requests each take their own
        time.sleep(fault.delay)
        if fault.reset and allowed:
            self._reset()
            return
        if not allowed:
            with api._in_flight_lock:
                api.throttled += 1
            status, headers, body = _error(429, "too many requests; the rate-limit headers say when to retry")
        elif fault.status is not None:
            status, headers, body = _error(fault.status, "fault injected by the test")
            if fault.retry_after is not None:
                headers["Retry-After"] = str(fault.retry_after)
        elif fault.body is not None:
            status, headers, body = 200, {"Content-Type": "application/json"}, fault.body
        else:
            status, headers, body = api.answer(parts.path, params, self.headers)
        headers.update({**limits, **fault.headers})
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if fault.truncate:
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.end_headers()
        if fault.stall:
            self.wfile.flush()
            time.sleep(fault.stall)
        self.wfile.write(body)

    def _reset(self) -> None:
        """Close with a TCP reset, as a crashed proxy would."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        """Keep test and demo output quiet."""


def _error(status: int, message: str) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps({"error": message}).encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    parser.add_argument("--port", type=int, default=API.default_port or 5000)
    parser.add_argument("--login", default="airflow", help="the login to accept (basic auth)")
    parser.add_argument("--password", default="airflow", help="the password, token or API key to accept")
    parser.add_argument(
        "--start", type=dt.date.fromisoformat, default=dt.date(2026, 1, 1), help="first day of data"
    )
    parser.add_argument("--days", type=int, default=30, help="days of data")
    parser.add_argument("--per-day", type=int, default=1000, help="records per day")
    parser.add_argument("--max-page-size", type=int, default=None, help="cap on records per page")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every response")
    parser.add_argument("--rate-limit", type=float, default=None, help="requests a second, 429 beyond")
    args = parser.parse_args(argv)
    records = generate_records(args.start, days=args.days, per_day=args.per_day)
    api = LocalAPI(
        records,
        login=args.login,
        password=args.password,
        port=args.port,
        max_page_size=args.max_page_size,
        latency=args.latency,
        rate_limit=RateLimit(args.rate_limit, max(1, round(args.rate_limit))) if args.rate_limit else None,
    )
    print(f"Serving {len(records)} records at {api.url}{api.endpoint} (Ctrl-C to stop)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        api.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
