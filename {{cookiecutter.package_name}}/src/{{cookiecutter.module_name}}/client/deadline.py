"""
A total time limit per response, and a way to cut every request in flight.

A read timeout bounds each wait for bytes, so an API that sends one byte a second never
trips it. Here every exchange (connect, TLS, the request, the status line, the headers and
the whole body) gets ``timeout`` seconds from its start. One watchdog thread per
``Deadlines`` wakes at the next deadline and shuts down the socket of an exchange still
unfinished then; the thread blocked reading it wakes up, and the error it raises is a
``ResponseTimeoutError`` naming the setting and the URL. An exchange stops being watched
when its reader calls ``finish()`` (or its connection closes), and the watchdog ends when
nothing is left to watch. ``abort()`` shuts down every socket in flight at once, ends any
wait between retries (``pause``) and refuses new requests, for a caller that has given up.
``stopping_on`` is the same for one thread's waits, for a caller that gave up on one part of
its requests (the other sub-windows of a split after one failed) and goes on with the transport.

It hooks in through requests' and urllib3's extension points: an ``HTTPAdapter`` subclass
gives each pool manager connection classes that report their sockets.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3 import PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection

from .errors import APIError

# How often a stoppable wait between retries looks whether its caller has given up, in seconds.
STOP_POLL = 0.05


class ResponseTimeoutError(APIError):
    """An answer took longer than ``response_timeout`` from connecting to its last byte."""


class AbortedError(APIError):
    """The caller gave up on its requests (``Transport.abort``)."""


@dataclass(eq=False)
class _Watch:
    """One exchange on one connection: when it must end, and how far it got."""

    connection: HTTPConnection
    deadline: float
    url: str = ""
    # The request's method once it is sent: GET for pages, POST for an OAuth 2 token.
    method: str = "GET"
    requested: bool = False
    # urllib3's response once the headers are in, weakly: it holds its pool, which must be
    # free to be collected (closing its connections) when its session is closed.
    response: weakref.ref[Any] | None = None
    sock: socket.socket | None = None
    expired: bool = False

    @property
    def done(self) -> bool:
        if self.response is None:
            return False
        response = self.response()
        return response is None or bool(response.closed)


class Deadlines:
    """
    The deadlines of the exchanges in flight on the connections of one transport.

    :param timeout: Seconds each exchange may take in all (``response_timeout``).
    :param redact: Makes a URL safe to put in an error message.
    """

    def __init__(self, timeout: float, redact: Callable[[str], str]) -> None:
        self.timeout = timeout
        self.redact = redact
        self.aborted = False
        self._abort = threading.Event()  # set by abort(): ends a wait between retries at once
        self._watches: dict[HTTPConnection, _Watch] = {}
        # Reentrant: a pool that the garbage collector finalizes in the watchdog's own thread
        # closes its connections, and each close() comes back here.
        self._changed = threading.Condition(threading.RLock())
        self._watchdog: threading.Thread | None = None
        self._local = threading.local()
        self._pool_classes: dict[type, type] = {}

    # Called by the connections, in the thread that sends the request.

    def begin(self, connection: HTTPConnection, url: str | None = None, method: str = "GET") -> _Watch:
        """
        The exchange ``connection`` is starting: connecting (no ``url``) or sending a request.

        A connect and the request it comes with (just before it, or from within it) are one
        exchange; any other connect or request starts a new one.
        """
        with self._changed:
            if self.aborted:
                target = self.redact(_absolute(connection, url or ""))
                raise AbortedError(f"{method} {target} was not sent: aborted")
            watch = self._watches.get(connection)
            if url is None:
                fresh = watch is None or not watch.requested or watch.response is not None
            else:
                fresh = watch is None or watch.requested
            if fresh:
                watch = _Watch(connection, time.monotonic() + self.timeout, _absolute(connection, ""))
                self._watches[connection] = watch
                self._start_watchdog()
            assert watch is not None  # noqa: S101 - made just above
            if url is not None:
                watch.requested = True
                watch.method = method
                watch.url = _absolute(connection, url)
            self._local.watch = watch
            return watch

    def current(self) -> _Watch | None:
        """This thread's exchange: the last one it began."""
        watch: _Watch | None = getattr(self._local, "watch", None)
        return watch

    def connected(self, watch: _Watch, sock: socket.socket | None) -> None:
        """Keep the socket (http.client lets go of it on ``Connection: close``); cut it if already late."""
        with self._changed:
            watch.sock = sock
            if watch.expired or self.aborted:
                _cut(watch)

    def responded(self, watch: _Watch, response: Any) -> None:
        """The headers are in; the exchange ends when ``response`` has been read to its end."""
        with self._changed:
            watch.response = weakref.ref(response)

    def finish(self) -> None:
        """This thread's last exchange is over (its body read, or its response closed): stop watching it."""
        watch = self.current()
        if watch is None:
            return
        with self._changed:
            if self._watches.get(watch.connection) is watch:
                del self._watches[watch.connection]
                self._changed.notify()

    def drop_finished(self) -> None:
        """Stop watching every exchange whose answer has been read or closed."""
        with self._changed:
            for connection, watch in list(self._watches.items()):
                if watch.done:
                    del self._watches[connection]
            self._changed.notify()

    def forget(self, connection: HTTPConnection, *, unless_busy: bool = False) -> None:
        """Stop watching ``connection`` (or, ``unless_busy``, only if its answer has been read)."""
        with self._changed:
            watch = self._watches.get(connection)
            if watch is not None and (watch.done or not unless_busy):
                self._watches.pop(connection, None)
                self._changed.notify()

    def check(self, watch: _Watch | None = None) -> None:
        """Raise if this thread's last exchange (or ``watch``) was cut; a reader calls it after a broken read."""
        watch = watch or self.current()
        if self.aborted:
            target = f"{watch.method} {self.redact(watch.url)}" if watch else "The request"
            raise AbortedError(f"{target} was aborted")
        if watch is not None and watch.expired:
            if not watch.requested:
                stage = "was still connecting"
            else:
                stage = f"was still sending its {'headers' if watch.response is None else 'body'}"
            raise ResponseTimeoutError(
                f"{watch.method} {self.redact(watch.url)} {stage} after response_timeout ({self.timeout:g} s); "
                "an answer must be complete within it."
            )

    def pause(self, seconds: float) -> None:
        """
        Wait ``seconds`` between two tries, unless aborted or stopped; raise first if this
        thread's exchange was cut, and raise if it was aborted or stopped meanwhile.
        """
        self.check()
        stop: threading.Event | None = getattr(self._local, "stop", None)
        if stop is None:
            if seconds > 0 and self._abort.wait(seconds):
                self.check()
            return
        until = time.monotonic() + seconds
        while not stop.is_set() and not self._abort.is_set():
            left = until - time.monotonic()
            if left <= 0:
                return
            stop.wait(min(left, STOP_POLL))
        self.check()
        raise AbortedError("A retry was not sent: its caller gave up")

    @contextlib.contextmanager
    def stopping_on(self, stop: threading.Event) -> Iterator[None]:
        """
        While in this block, this thread's waits end once ``stop`` is set: a wait between
        retries here, and the pacer's (which ``Pacer.wake`` makes look), raise AbortedError.
        Other threads' requests, and requests after the block, are not affected.
        """
        outer = getattr(self._local, "stop", None)
        self._local.stop = stop
        try:
            yield
        finally:
            self._local.stop = outer

    def stopped(self) -> bool:
        """Whether this thread's caller has set the ``stop`` of its ``stopping_on`` block."""
        stop: threading.Event | None = getattr(self._local, "stop", None)
        return stop is not None and stop.is_set()

    # Called by the transport's owner, from any thread.

    def abort(self) -> None:
        """Shut down every socket in flight now, end waits between retries, and refuse new requests."""
        with self._changed:
            self.aborted = True
            self._abort.set()
            watches = list(self._watches.values())
            self._watches.clear()
            for watch in watches:
                _cut(watch)
            self._changed.notify()

    # The watchdog.

    def _start_watchdog(self) -> None:
        if self._watchdog is None:
            self._watchdog = threading.Thread(target=self._watch, name="response-deadlines", daemon=True)
            self._watchdog.start()
        else:
            self._changed.notify()

    def _watch(self) -> None:
        """Cut each exchange still unfinished at its deadline; end when nothing is left to watch."""
        with self._changed:
            try:
                while self._watches:
                    now = time.monotonic()
                    for connection, watch in list(self._watches.items()):
                        if watch.done:
                            self._watches.pop(connection, None)
                        elif watch.deadline <= now:
                            self._watches.pop(connection, None)
                            watch.expired = True  # before the cut: the reader that wakes up sees it
                            _cut(watch)
                    deadlines = [watch.deadline for watch in list(self._watches.values())]
                    if deadlines:
                        self._changed.wait(min(deadlines) - now)
            finally:
                # However it ends, the next exchange starts a new watchdog.
                self._watchdog = None

    # Wiring into requests and urllib3.

    def watch_pools(self, manager: PoolManager) -> None:
        """Make ``manager``'s connection pools use connections that report to these deadlines."""
        manager.pool_classes_by_scheme = {
            scheme: self._watched_pool(pool) for scheme, pool in manager.pool_classes_by_scheme.items()
        }

    def _watched_pool(self, pool: type) -> type:
        base = getattr(pool, "ConnectionCls", None)
        if getattr(pool, "deadlines", None) is self or not (
            isinstance(base, type) and issubclass(base, HTTPConnection)
        ):
            return pool
        if pool not in self._pool_classes:
            connection = type(f"Watched{base.__name__}", (WatchedConnection, base), {"deadlines": self})
            attributes = {"ConnectionCls": connection, "deadlines": self}
            self._pool_classes[pool] = type(f"Watched{pool.__name__}", (pool,), attributes)
        return self._pool_classes[pool]


class WatchedConnection(HTTPConnection):
    """A urllib3 connection that tells its ``deadlines`` where each exchange is."""

    deadlines: Deadlines

    def connect(self) -> None:
        watch = self.deadlines.begin(self)
        try:
            super().connect()
        except Exception:
            self.deadlines.check(watch)
            raise
        self.deadlines.connected(watch, self.sock)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> None:
        watch = self.deadlines.begin(self, url, method)
        try:
            super().request(method, url, *args, **kwargs)
        except Exception:
            self.deadlines.check(watch)  # cut: say so, rather than let urllib3 retry it
            raise

    def getresponse(self) -> Any:
        watch = self.deadlines.current()
        try:
            response = super().getresponse()
        except Exception:
            self.deadlines.check(watch)
            raise
        # Cut mid-headers, http.client takes the end of the stream for the end of the headers.
        self.deadlines.check(watch)
        if watch is not None:
            self.deadlines.responded(watch, response)
        return response

    def close(self) -> None:
        super().close()
        # http.client also closes the connection while it hands an answer's body over.
        self.deadlines.forget(self, unless_busy=True)


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter, with the connections of its pools (and its proxies' pools) watched."""

    def __init__(self, deadlines: Deadlines, **kwargs: Any) -> None:
        self.deadlines = deadlines  # before HTTPAdapter.__init__ builds the pool manager
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.deadlines.watch_pools(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        self.deadlines.watch_pools(manager)
        return manager


def _cut(watch: _Watch) -> None:
    """Shut the exchange's socket down both ways: a read blocked on it returns at once."""
    sock = watch.connection.sock or watch.sock
    if sock is None:
        # Still connecting, or in a TLS handshake (its socket is not published until it is
        # done): bounded by connect_timeout per read, and cut once connected.
        return
    # TLS within TLS (an HTTPS proxy) wraps the socket: shut down the one underneath.
    sock = getattr(sock, "socket", sock)
    with contextlib.suppress(OSError, TypeError):  # already closed, or not a socket after all
        # The plain socket's shutdown, also under TLS: it only wakes the reader.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _absolute(connection: HTTPConnection, target: str) -> str:
    if "://" in target:
        return target  # through a proxy
    scheme = "https" if isinstance(connection, HTTPSConnection) else "http"
    return f"{scheme}://{connection.host}:{connection.port}{target}"
