"""Sessions and single GETs: timeouts, retries in one budget, same-origin redirects, capped JSON bodies."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import msgspec
import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import HTTPError, MaxRetryError, ProtocolError
from urllib3.util.retry import Retry

from .auth import RequestAuth
from .body import decode
from .deadline import DeadlineAdapter, Deadlines
from .errors import APIError
from .origins import origin, refusal
from .pacing import Pacer
from .retry import DeadlineRetry, Logger
from .settings import Settings

# Read bodies in pieces of up to this many bytes (requests' default is 10 KiB).
READ_SIZE = 1 << 20
# Same-origin redirects followed for one GET, at most.
MAX_REDIRECTS = 5
# Bytes of an error answer's body read to quote from it; the rest is never read.
ERROR_EXCERPT = 4096


@dataclass(frozen=True)
class Response:
    """A successful answer: its JSON body (strict JSON, integers exact), its URL, links and headers."""

    body: Any
    url: str
    links: Mapping[str, Mapping[str, str]]
    headers: Mapping[str, str]


class Transport:
    """
    GETs JSON from the API at ``base_url``, with one ``requests.Session`` per thread.

    Every request has connect and read timeouts, and each answer a total deadline
    (``deadline``). Idempotent GETs are retried with
    exponential backoff on 429, 5xx, connection errors and broken bodies, honouring
    ``Retry-After``, within one retry budget and one deadline per request. TLS
    certificates are verified unless ``settings.verify`` says otherwise. Proxies and
    ``REQUESTS_CA_BUNDLE`` are read from the environment once per session; the
    connection stays the only source of credentials (no ``~/.netrc``).

    Credentials go only to the origin of ``base_url`` as urllib3 connects to it: requests
    follows no redirect, ``get`` follows up to ``MAX_REDIRECTS`` to that origin and refuses
    any other before sending a byte. A body is read in pieces after decompression and
    refused past ``settings.max_response_mb``.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        base_url: str,
        auth: RequestAuth | None,
        logger: Logger,
        redact: Callable[[str], str],
        user_agent: str,
    ) -> None:
        self.settings = settings
        self.base_url = base_url
        self.auth = auth
        self.logger = logger
        self.redact = redact
        self.user_agent = user_agent
        self.home = origin(base_url)
        self.timeout = (settings.connect_timeout, settings.read_timeout)
        self.deadlines = Deadlines(settings.response_timeout, redact)
        self.pacer = Pacer(settings, logger, redact(base_url), self.deadlines.stopped)
        self.retry = DeadlineRetry.for_get(
            retries=settings.max_retries,
            backoff_factor=settings.backoff_factor,
            backoff_max=settings.backoff_max,
            deadline=settings.retry_deadline,
            logger=logger,
            redact=redact,
            deadlines=self.deadlines,
            pacer=self.pacer,
        )
        self._lock = threading.Lock()
        self._local = threading.local()
        self._sessions: dict[threading.Thread, requests.Session] = {}
        self._token_requests: requests.Session | None = None

    def session(self) -> requests.Session:
        """This thread's session, made on first use."""
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._new_session()
            with self._lock:
                self._sessions[threading.current_thread()] = session
            self._local.session = session
        return session

    def _new_session(self) -> requests.Session:
        session = _NoRedirects()
        # requests would re-read proxy and CA-bundle variables (and ~/.netrc) on every request.
        session.trust_env = False
        session.proxies = requests.utils.get_environ_proxies(self.base_url)
        verify = self.settings.verify
        if verify is True:
            verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        session.verify = verify
        adapter = DeadlineAdapter(self.deadlines, max_retries=self.retry)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        # Only what the standard library inflates: urllib3 caps what one read inflates to (from
        # 2.6), and an installed old brotli or zstandard package would be advertised otherwise.
        session.headers.update(
            {"Accept": "application/json", "Accept-Encoding": "gzip, deflate", "User-Agent": self.user_agent}
        )
        session.auth = self.auth
        return session

    def get(self, url: str, params: Mapping[str, Any] | None = None, paths: tuple[str, ...] = ()) -> Response:
        """GET ``url`` and parse its JSON body (``paths``: see ``decode``), retrying within one budget."""
        # One place in flight for the request and its retries; each try waits for its turn.
        with self.pacer.slot():
            return self._get(url, params, paths)

    def _get(self, url: str, params: Mapping[str, Any] | None, paths: tuple[str, ...]) -> Response:
        session = self.session()
        adapter = session.get_adapter(url)
        assert isinstance(adapter, HTTPAdapter)  # noqa: S101 - mounted by _new_session
        retry: Retry = self.retry
        self._check_origin(url, f"GET {self.redact(url)} would go to")
        redirects, renewed = 0, False
        while True:
            # urllib3 retries failed requests and error statuses; handing it the budget left
            # after earlier broken bodies keeps one count and one deadline for the whole page.
            adapter.max_retries = retry
            self.pacer.turn()
            sent = time.monotonic()
            try:
                response = session.get(url, params=params, timeout=self.timeout, stream=True)
            except requests.exceptions.RequestException as error:
                raise APIError(
                    f"GET {self.redact(url)} failed after retries: {self.redact(str(error))}"
                ) from None
            tries = len(retry.history)
            retry = response.raw.retries or retry
            # The time to the headers says how busy the API is, unless retries' waits are in it.
            latency = time.monotonic() - sent if len(retry.history) == tries else None
            self.pacer.observe(response.status_code, response.headers, latency)
            if response.status_code == 401 and not renewed and self._renewable(response):
                renewed = True  # an expired or revoked token: once with a fresh one
                continue
            if response.is_redirect:
                url, params, redirects = self._redirect(response, redirects), None, redirects + 1
                continue
            if not response.ok:
                raise APIError(
                    f"GET {self.redact(response.url)} returned HTTP {response.status_code} "
                    f"{response.reason}: {self.redact(self._excerpt(response))[:200]}"
                )
            try:
                body = decode(self._read(response), self.redact(response.url), paths)
            except (requests.exceptions.RequestException, msgspec.DecodeError) as error:
                response.close()
                self.deadlines.check()  # cut at response_timeout: fails now, not retried
                # The headers arrived but the body broke off, stalled or is not JSON.
                retry = self._retry_broken_body(retry, url, error)
                continue
            finally:
                # Read or given up on: unwatched now, or its watchdog and socket would stay.
                self.deadlines.finish()
            return Response(body, response.url, response.links, response.headers)

    def _renewable(self, response: requests.Response) -> bool:
        """After a 401: drop the token it carried if the auth can fetch another; True to send again."""
        renew = getattr(self.auth, "renew", None)
        if renew is None:
            return False
        response.close()  # its body is never read
        self.deadlines.finish()
        self.logger.info("HTTP 401 from %s; fetching a new access token", self.redact(response.url))
        return bool(renew(response.request.headers.get("Authorization")))

    def post_form(self, url: str, form: Mapping[str, str], headers: Mapping[str, str]) -> Any:
        """
        POST a form to ``url`` (an OAuth 2 token endpoint) and return its JSON body.

        Under the same timeouts, deadline and size cap as every GET, without the API's auth,
        never retried (a POST is not idempotent) and following no redirect.
        """
        session = self._token_session()
        what = f"POST {self.redact(url)} (token_url)"
        try:
            response = session.post(
                url, data=dict(form), headers=dict(headers), timeout=self.timeout, stream=True
            )
        except requests.exceptions.RequestException as error:
            raise APIError(f"{what} failed: {self.redact(str(error))}") from None
        if response.is_redirect:
            response.close()
            self.deadlines.finish()
            raise APIError(
                f"{what} redirected (HTTP {response.status_code}); give the token endpoint's own URL."
            )
        if not response.ok:
            raise APIError(
                f"{what} returned HTTP {response.status_code} {response.reason}: "
                f"{_oauth_error(self.redact(self._excerpt(response)))}"
            )
        try:
            return decode(self._read(response), self.redact(response.url), ())
        except (requests.exceptions.RequestException, msgspec.DecodeError) as error:
            raise APIError(f"{what} sent a broken body: {self.redact(str(error))}") from None
        finally:
            response.close()
            self.deadlines.finish()

    def _token_session(self) -> requests.Session:
        """A session without the API's auth, for the token endpoint (used under the auth's lock)."""
        with self._lock:
            session = self._token_requests
            if session is None:
                session = self._new_session()
                session.auth = None
                session.headers["Accept"] = "application/json"
                for scheme in ("http://", "https://"):
                    session.mount(scheme, DeadlineAdapter(self.deadlines, max_retries=0))
                self._token_requests = session
            return session

    def _redirect(self, response: requests.Response, redirects: int) -> str:
        """Where a redirect points, if it stays at home and within ``MAX_REDIRECTS``; else APIError."""
        response.close()  # its body is never read
        self.deadlines.finish()
        source = self.redact(response.url)
        if redirects >= MAX_REDIRECTS:
            raise APIError(
                f"GET {source} redirected more than {MAX_REDIRECTS} times in a row; "
                f"at most {MAX_REDIRECTS} redirects are followed."
            )
        # As requests reads it: http.client decodes headers as latin-1, servers send UTF-8.
        location = response.headers["location"].encode("latin-1", "replace").decode("utf-8", "replace")
        target = urljoin(response.url, location)
        self._check_origin(target, f"GET {source} redirects (HTTP {response.status_code}) to")
        return target

    def _check_origin(self, url: str, what: str) -> None:
        """Nothing if ``url`` goes to the connection's origin; else APIError, before any byte is sent."""
        reason = refusal(url, self.home)
        if reason is not None:
            raise APIError(
                f"{what} {self.redact(reason)}; refusing to send the connection's credentials there."
            )

    def _read(self, response: requests.Response) -> bytearray:
        """The body, decompressed piece by piece; APIError past ``max_response_mb`` (not retried)."""
        cap = self.settings.max_response_mb
        body = bytearray()
        for piece in response.iter_content(chunk_size=READ_SIZE):
            body += piece
            if len(body) > cap << 20:
                response.close()
                raise APIError(
                    f"GET {self.redact(response.url)} sent a body of more than {cap} MiB "
                    f"(max_response_mb is {cap}), counted after decompression; refusing to read "
                    "further. Raise max_response_mb if the API's pages are really this large."
                )
        return body

    def _retry_broken_body(self, retry: Retry, url: str, error: Exception) -> Retry:
        """Count a broken body against the request's budget, wait, and return the budget left."""
        try:
            retry = retry.increment(method="GET", url=url, error=ProtocolError(str(error)))
        except MaxRetryError:
            raise APIError(
                f"GET {self.redact(url)} kept returning a broken body: {self.redact(str(error))}"
            ) from None
        self.logger.warning("Broken body from %s (%s); retrying", self.redact(url), self.redact(str(error)))
        # The backoff only: the next try waits for its turn at the top of the loop, once.
        self.deadlines.pause(retry.get_backoff_time())
        return retry

    def _excerpt(self, response: requests.Response) -> str:
        """The start of an error answer's body, to quote: at most ``ERROR_EXCERPT`` bytes, decompressed."""
        try:
            # Whole up to the limit, across chunks: a secret split between two is redacted too.
            start = response.raw.read(ERROR_EXCERPT, decode_content=True)
        except (HTTPError, OSError):
            self.deadlines.check()  # cut at response_timeout: say so
            start = b""
        finally:
            response.close()
            self.deadlines.finish()
        return start.decode("utf-8", "replace") if isinstance(start, bytes) else str(start)

    def forget_finished_threads(self) -> None:
        """Close the sessions of threads that have ended (a pool's, after it shut down)."""
        with self._lock:
            for thread in [thread for thread in self._sessions if not thread.is_alive()]:
                self._sessions.pop(thread).close()

    def stopping_on(self, stop: threading.Event) -> contextlib.AbstractContextManager[None]:
        """While in this block, this thread's waits (between retries, for its turn) end once ``stop`` is set."""
        return self.deadlines.stopping_on(stop)

    def stop(self, stop: threading.Event) -> None:
        """Set ``stop``: the threads in its ``stopping_on`` blocks give up at their next wait, with AbortedError."""
        stop.set()
        self.pacer.wake()

    def abort(self) -> None:
        """Cut every request in flight (their threads raise at once) and refuse new ones."""
        self.deadlines.abort()
        self.pacer.abort()

    def close(self) -> None:
        """Close every session; the next GET opens a new one."""
        with self._lock:
            for session in self._sessions.values():
                session.close()
            self._sessions.clear()
            if self._token_requests is not None:
                self._token_requests.close()
                self._token_requests = None
            self._local = threading.local()
        self.deadlines.drop_finished()


def _oauth_error(excerpt: str) -> str:
    """An OAuth 2 error answer as ``error: description``, else the excerpt (RFC 6749 section 5.2)."""
    try:
        body = msgspec.json.decode(excerpt)
    except msgspec.DecodeError:
        return excerpt[:200]
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        description = body.get("error_description")
        return body["error"] + (f": {description}" if isinstance(description, str) else "")
    return excerpt[:200]


class _NoRedirects(requests.Session):
    """
    A session that follows no redirect: ``Transport.get`` follows those to the same origin.

    requests strips only ``Authorization`` from a redirect to another host, so an API-key
    header or query would go along; and with redirects off it still reads a redirect's
    whole body to find the next hop. Without a target it does neither.
    """

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        return None
