"""Sessions and single GETs: timeouts, retries within one budget and deadline, JSON bodies."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ProtocolError
from urllib3.util.retry import Retry

from .auth import RequestAuth
from .body import decode
from .errors import APIError
from .retry import DeadlineRetry, Logger
from .settings import Settings

# Read bodies in pieces of up to this many bytes (requests' default is 10 KiB).
READ_SIZE = 1 << 20


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

    Every request has connect and read timeouts. Idempotent GETs are retried with
    exponential backoff on 429, 5xx, connection errors and broken bodies, honouring
    ``Retry-After``, within one retry budget and one deadline per request. TLS
    certificates are verified unless ``settings.verify`` says otherwise. Proxies and
    ``REQUESTS_CA_BUNDLE`` are read from the environment once per session; the
    connection stays the only source of credentials (no ``~/.netrc``).
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
        self.timeout = (settings.connect_timeout, settings.read_timeout)
        self.retry = DeadlineRetry.for_get(
            retries=settings.max_retries,
            backoff_factor=settings.backoff_factor,
            backoff_max=settings.backoff_max,
            deadline=settings.retry_deadline,
            logger=logger,
            redact=redact,
        )
        self._lock = threading.Lock()
        self._local = threading.local()
        self._sessions: dict[threading.Thread, requests.Session] = {}

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
        session = requests.Session()
        # requests would re-read proxy and CA-bundle variables (and ~/.netrc) on every request.
        session.trust_env = False
        session.proxies = requests.utils.get_environ_proxies(self.base_url)
        verify = self.settings.verify
        if verify is True:
            verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        session.verify = verify
        adapter = HTTPAdapter(max_retries=self.retry)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers.update({"Accept": "application/json", "User-Agent": self.user_agent})
        session.auth = self.auth
        return session

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> Response:
        """GET ``url`` and parse its JSON body, retrying within one budget; APIError when it cannot."""
        session = self.session()
        adapter = session.get_adapter(url)
        assert isinstance(adapter, HTTPAdapter)  # noqa: S101 - mounted by _new_session
        retry: Retry = self.retry
        while True:
            # urllib3 retries failed requests and error statuses; handing it the budget left
            # after earlier broken bodies keeps one count and one deadline for the whole page.
            adapter.max_retries = retry
            try:
                response = session.get(url, params=params, timeout=self.timeout, stream=True)
            except requests.exceptions.RequestException as error:
                raise APIError(
                    f"GET {self.redact(url)} failed after retries: {self.redact(str(error))}"
                ) from None
            retry = response.raw.retries or retry
            if not response.ok:
                raise APIError(
                    f"GET {self.redact(response.url)} returned HTTP {response.status_code} "
                    f"{response.reason}: {self.redact(response.text[:200])}"
                )
            try:
                body = decode(
                    b"".join(response.iter_content(chunk_size=READ_SIZE)), self.redact(response.url)
                )
            except (requests.exceptions.RequestException, msgspec.DecodeError) as error:
                # The headers arrived but the body broke off, stalled or is not JSON.
                retry = self._retry_broken_body(retry, url, error)
                continue
            return Response(body, response.url, response.links, response.headers)

    def _retry_broken_body(self, retry: Retry, url: str, error: Exception) -> Retry:
        """Count a broken body against the request's budget, wait, and return the budget left."""
        try:
            retry = retry.increment(method="GET", url=url, error=ProtocolError(str(error)))
        except MaxRetryError:
            raise APIError(
                f"GET {self.redact(url)} kept returning a broken body: {self.redact(str(error))}"
            ) from None
        self.logger.warning("Broken body from %s (%s); retrying", self.redact(url), self.redact(str(error)))
        retry.sleep()
        return retry

    def forget_finished_threads(self) -> None:
        """Close the sessions of threads that have ended (a pool's, after it shut down)."""
        with self._lock:
            for thread in [thread for thread in self._sessions if not thread.is_alive()]:
                self._sessions.pop(thread).close()

    def close(self) -> None:
        """Close every session; the next GET opens a new one."""
        with self._lock:
            for session in self._sessions.values():
                session.close()
            self._sessions.clear()
            self._local = threading.local()
