"""
A hostile HTTP server on 127.0.0.1 for tests: it answers each request with whatever the test scripts.

An honest stand-in (``testing/local_api.py``) fails the way real APIs fail by accident. This one
fails the way a compromised, broken or simply huge API does: it redirects elsewhere, links to
other origins, drip-feeds headers and bodies, sends bodies that inflate to gigabytes, echoes
credentials back, and writes raw bytes no honest server would. Standard library only; every
connection is closed after one answer, and every answer is bounded by the server's ``deadline``.

A script is a function of the request that returns an ``Answer``::

    def script(request: Request) -> Answer:
        return Answer.json({"result": [], "total": 0})

    with HostileAPI(script) as api:
        ...  # point a connection at api.port; api.requests holds what arrived
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Request:
    """What arrived: the method, the target as sent, its path and query, and the headers."""

    method: str
    target: str
    headers: dict[str, str]

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return {name: values[-1] for name, values in parse_qs(urlsplit(self.target).query).items()}


@dataclass
class Answer:
    """
    Raw bytes to write back, piece by piece, with ``pause`` seconds before each piece after the first.

    ``pieces`` may be endless (a generator): writing stops at the server's deadline or when the
    client goes away.
    """

    pieces: Iterable[bytes]
    pause: float = 0.0

    @classmethod
    def of(
        cls,
        status: int = 200,
        headers: dict[str, str] | None = None,
        body: bytes | Iterable[bytes] = b"",
        *,
        pause: float = 0.0,
        reason: str = "Hostile",
    ) -> Answer:
        """A status line with ``reason``, headers and a body (bytes, or pieces); ``Content-Length`` for bytes."""
        head = {"Content-Type": "application/json", "Connection": "close", **(headers or {})}
        if isinstance(body, bytes):
            head.setdefault("Content-Length", str(len(body)))
            pieces: Iterable[bytes] = [body]
        else:
            pieces = body
        lines = [f"HTTP/1.1 {status} {reason}"] + [f"{name}: {value}" for name, value in head.items()]
        return cls(_chain([("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")], pieces), pause)

    @classmethod
    def json(cls, value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Answer:
        """A JSON body, as the json module writes it (NaN and Infinity included, as it allows)."""
        return cls.of(status, headers, json.dumps(value).encode())

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Answer:
        return cls.of(status, {"Location": location}, b"")

    @classmethod
    def drip(cls, data: bytes, every: float) -> Answer:
        """``data`` (a whole raw response, head and body) one byte at a time, ``every`` seconds apart."""
        return cls((data[index : index + 1] for index in range(len(data))), every)


def _chain(*parts: Iterable[bytes]) -> Iterator[bytes]:
    for part in parts:
        yield from part


Script = Callable[[Request], Answer]


@dataclass
class HostileAPI:
    """
    A server on 127.0.0.1 (or another loopback address) that answers as ``script`` says.

    :param script: What to answer to each request.
    :param host: A loopback address to listen on; 127.0.0.2 makes a second origin on the same port range.
    :param deadline: Seconds any one answer may take to write, at most; then the connection is closed.
    """

    script: Script
    host: str = "127.0.0.1"
    deadline: float = 30.0
    requests: list[Request] = field(default_factory=list)
    # The connections still being answered: a client that gave up has dropped its end.
    answering: int = 0

    def __post_init__(self) -> None:
        if not self.host.startswith("127."):
            raise ValueError(f"host: {self.host!r} is not allowed; give a loopback address (127.x.x.x).")
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                request = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
                server.requests.append(request)
                server._answer(self.connection, server.script(request))
                self.close_connection = True

            def do_POST(self) -> None:
                # Read the form first: closing with it unread could reset the answer on its way.
                self.rfile.read(min(int(self.headers.get("Content-Length") or 0), 1 << 16))
                self.do_GET()

            def log_message(self, *args: Any) -> None:
                pass  # quiet

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        self._lock = threading.Lock()
        # Polled every 10 ms, so shutting the server down at the end of a test costs no more.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.01,), name="hostile-api", daemon=True
        )

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _answer(self, connection: socket.socket, answer: Answer) -> None:
        with self._lock:
            self.answering += 1
        started = time.monotonic()
        try:
            for number, piece in enumerate(answer.pieces):
                if number and answer.pause:
                    time.sleep(answer.pause)
                if time.monotonic() - started > self.deadline:
                    return
                connection.sendall(piece)
        except OSError:
            return  # the client went away: what a client with a deadline does
        finally:
            with self._lock:
                self.answering -= 1

    def __enter__(self) -> HostileAPI:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
