"""
A local stand-in for the {{ cookiecutter.provider_name }} ratings API, for tests, development and the demo.

It serves ``GET {{ cookiecutter.__api_path }}{{ cookiecutter.api_endpoint }}`` on 127.0.0.1 with the contract the hook expects:
HTTP basic auth; ``start_date`` (inclusive) and ``end_date`` (exclusive) as
YYYY-MM-DD; ``offset`` and ``limit`` (default 0 and 100); a body of
``{"result": [...], "offset", "limit", "total"}`` with ratings sorted by
timestamp, then userId and movieId. It needs only the standard library::

    python -m {{ cookiecutter.module_name }}.local_api --port 5000

Tests can make it misbehave on purpose: cap the page size, add latency, or queue
faults (error statuses, ``Retry-After``, slow or truncated bodies, dropped
connections) that the next requests will meet.
"""

from __future__ import annotations

import argparse
import base64
import calendar
import contextlib
import datetime as dt
import json
import random
import socket
import struct
import sys
import threading
import time
from array import array
from bisect import bisect_left
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ENDPOINT = "{{ cookiecutter.__api_path }}{{ cookiecutter.api_endpoint }}"
DEFAULT_LIMIT = 100


@dataclass(frozen=True)
class Fault:
    """
    One way for the next request to go wrong.

    :param status: Answer with this HTTP status instead of the page.
    :param retry_after: Seconds to send in a ``Retry-After`` header with ``status``.
    :param delay: Seconds to wait before answering.
    :param truncate: Send only the first half of the body, then close the connection.
    :param body: Answer 200 with these bytes instead of the page (not JSON, missing keys, ...).
    :param reset: Drop the connection without answering.
    """

    status: int | None = None
    retry_after: int | None = None
    delay: float = 0.0
    truncate: bool = False
    body: bytes | None = None
    reset: bool = False


class Ratings:
    """Ratings held column-wise, sorted by (timestamp, userId, movieId), for cheap window lookups."""

    def __init__(self, rows: list[tuple[int, int, int, float]]) -> None:
        rows = sorted(rows)
        self.timestamps = array("q", (row[0] for row in rows))
        self.users = array("q", (row[1] for row in rows))
        self.movies = array("q", (row[2] for row in rows))
        self.scores = array("d", (row[3] for row in rows))

    def __len__(self) -> int:
        return len(self.timestamps)

    def window(self, start: dt.date | None, end: dt.date | None) -> range:
        """Positions of the ratings with start <= day < end."""
        low = 0 if start is None else bisect_left(self.timestamps, _epoch(start))
        high = len(self) if end is None else bisect_left(self.timestamps, _epoch(end))
        return range(low, max(low, high))

    def record(self, position: int) -> dict[str, Any]:
        return {
            "userId": self.users[position],
            "movieId": self.movies[position],
            "rating": self.scores[position],
            "timestamp": self.timestamps[position],
        }


def generate_ratings(
    start: dt.date = dt.date(2026, 1, 1),
    days: int = 30,
    per_day: int = 1000,
    users: int = 200,
    movies: int = 300,
    seed: int = 8,
) -> Ratings:
    """Make a reproducible set of ratings: each movie has a hidden quality that its ratings scatter around."""
    rng = random.Random(seed)
    quality = [rng.uniform(1.5, 4.5) for _ in range(movies)]
    first = _epoch(start)
    rows = []
    for day in range(days):
        for _ in range(per_day):
            movie = rng.randrange(movies)
            score = min(5.0, max(0.5, round((quality[movie] + rng.gauss(0, 0.8)) * 2) / 2))
            timestamp = first + day * 86400 + rng.randrange(86400)
            rows.append((timestamp, rng.randrange(users) + 1, movie + 1, score))
    return Ratings(rows)


class LocalRatingsAPI:
    """
    The ratings API on 127.0.0.1, in a background thread.

    :param ratings: What to serve; defaults to ``generate_ratings()``.
    :param login: Basic-auth user name the server accepts.
    :param password: Basic-auth password the server accepts.
    :param port: Port to listen on; 0 picks a free one.
    :param max_page_size: Largest page served whatever ``limit`` asks for, like many real APIs.
    :param latency: Seconds added to every response.
    """

    def __init__(
        self,
        ratings: Ratings | None = None,
        *,
        login: str = "airflow",
        password: str = "airflow",
        port: int = 0,
        max_page_size: int | None = None,
        latency: float = 0.0,
    ) -> None:
        self.ratings = ratings if ratings is not None else generate_ratings()
        self.max_page_size = max_page_size
        self.latency = latency
        self.faults: deque[Fault] = deque()
        self.requests: list[dict[str, str]] = []
        self.request_times: list[float] = []
        self._credentials = "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()
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
        """Queue faults; each request takes the next one until none are left."""
        self.faults.extend(faults)

    def start(self) -> LocalRatingsAPI:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="local-ratings-api", daemon=True
        )
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

    def __enter__(self) -> LocalRatingsAPI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def answer(self, path: str, query: str, authorization: str | None) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for one GET."""
        if path != ENDPOINT:
            return _error(404, f"no such endpoint {path}; try {ENDPOINT}")
        if authorization != self._credentials:
            status, headers, body = _error(401, "valid basic-auth credentials are required")
            headers["WWW-Authenticate"] = 'Basic realm="ratings"'
            return status, headers, body
        try:
            params = {key: values[-1] for key, values in parse_qs(query, strict_parsing=False).items()}
            start = _date_param(params, "start_date")
            end = _date_param(params, "end_date")
            offset = _count_param(params, "offset", 0)
            limit = _count_param(params, "limit", DEFAULT_LIMIT)
        except ValueError as error:
            return _error(400, str(error))
        window = self.ratings.window(start, end)
        served = limit if self.max_page_size is None else min(limit, self.max_page_size)
        page = window[offset : offset + served]
        body = {
            "result": [self.ratings.record(position) for position in page],
            "offset": offset,
            "limit": limit,
            "total": len(window),
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    api: LocalRatingsAPI

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (a timeout under test) is expected; anything else is reported."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        api = self.server.api
        parts = urlsplit(self.path)
        api.request_times.append(time.monotonic())
        api.requests.append({key: values[-1] for key, values in parse_qs(parts.query).items()})
        fault = api.faults.popleft() if api.faults else Fault()
        time.sleep(api.latency + fault.delay)
        if fault.reset:
            self._reset()
            return
        if fault.status is not None:
            status, headers, body = _error(fault.status, "fault injected by the test")
            if fault.retry_after is not None:
                headers["Retry-After"] = str(fault.retry_after)
        elif fault.body is not None:
            status, headers, body = 200, {"Content-Type": "application/json"}, fault.body
        else:
            status, headers, body = api.answer(parts.path, parts.query, self.headers.get("Authorization"))
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
        self.wfile.write(body)

    def _reset(self) -> None:
        """Close with a TCP reset, as a crashed proxy would."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        """Keep test and demo output quiet."""


def _error(status: int, message: str) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps({"error": message}).encode()


def _epoch(day: dt.date) -> int:
    """Seconds since the epoch at midnight UTC of ``day``."""
    return calendar.timegm(day.timetuple())


def _date_param(params: dict[str, str], name: str) -> dt.date | None:
    if name not in params:
        return None
    try:
        return dt.date.fromisoformat(params[name])
    except ValueError:
        raise ValueError(f"{name}: {params[name]!r} is not a date as YYYY-MM-DD") from None


def _count_param(params: dict[str, str], name: str, default: int) -> int:
    raw = params.get(name, str(default))
    if not raw.isdigit():
        raise ValueError(f"{name}: {raw!r} is not a whole number from 0 up")
    return int(raw)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    parser.add_argument("--port", type=int, default={{ cookiecutter.__api_port or 5000 }})
    parser.add_argument("--login", default="airflow")
    parser.add_argument("--password", default="airflow")
    parser.add_argument(
        "--start", type=dt.date.fromisoformat, default=dt.date(2026, 1, 1), help="first day of data"
    )
    parser.add_argument("--days", type=int, default=30, help="days of data")
    parser.add_argument("--per-day", type=int, default=1000, help="ratings per day")
    parser.add_argument("--max-page-size", type=int, default=None, help="cap on records per page")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every response")
    args = parser.parse_args(argv)
    ratings = generate_ratings(args.start, days=args.days, per_day=args.per_day)
    api = LocalRatingsAPI(
        ratings,
        login=args.login,
        password=args.password,
        port=args.port,
        max_page_size=args.max_page_size,
        latency=args.latency,
    )
    print(f"Serving {len(ratings)} ratings at {api.url}{ENDPOINT} (Ctrl-C to stop)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        api.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
