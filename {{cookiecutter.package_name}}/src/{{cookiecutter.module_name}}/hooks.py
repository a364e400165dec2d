{%- set cc = cookiecutter -%}
{%- set P = cc.class_prefix -%}
{%- set dated = cc.date_filter != "none" -%}
{#- Pages can be asked for out of order when their positions are known up front: offset or page
    numbers, with a total or a page count from the first page. -#}
{%- set parallel = cc.pagination in ["offset", "page"] and (cc.total_key or (cc.pagination == "page" and cc.total_pages_key)) -%}
{%- set UTC = "dt.timezone.utc" if cc.python_floor == "3.10" else "dt.UTC" -%}
"""Hook for the {{ cc.provider_name }} ratings API."""

from __future__ import annotations

import contextlib
{% if dated -%}
import datetime as dt
{% endif -%}
{% if parallel -%}
import functools
import itertools
{% endif -%}
import json
import math
import os
import re
import threading
import time
{% if parallel -%}
from collections import deque
from collections.abc import Callable, Generator
from concurrent.futures import Future, ThreadPoolExecutor
{% else -%}
from collections.abc import Generator
{% endif -%}
from typing import Any, Protocol, cast
from urllib.parse import {% if cc.auth_type == "api_key" and cc.api_key_in == "query" %}parse_qsl, quote, quote_plus, urlencode, {% endif %}{% if cc.pagination == "link_header" %}urljoin, {% endif %}urlsplit, urlunsplit

import orjson
import requests
from airflow.sdk import BaseHook
{%- if cc.auth_type != "none" %}
from airflow.sdk.log import mask_secret
{%- endif %}
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ProtocolError
from urllib3.util.retry import Retry

from {{ cc.module_name }} import __version__

DEFAULT_SCHEME = "{{ cc.__api_scheme }}"
DEFAULT_HOST = "{{ cc.__api_host }}"
{%- if cc.__api_port %}
DEFAULT_PORT: int | None = {{ cc.__api_port }}
{%- else %}
DEFAULT_PORT: int | None = None
{%- endif %}
BASE_PATH = "{{ cc.__api_path }}"
RATINGS_ENDPOINT = "{{ cc.api_endpoint }}"

# The shape of the API: where the records are and what the parameters are called.
{%- if cc.records_key %}
RECORDS_KEY = "{{ cc.records_key }}"
{%- else %}
# The body is the list of records itself.
{%- endif %}
{%- if cc.pagination in ["offset", "page"] and cc.total_key %}
TOTAL_KEY = "{{ cc.total_key }}"
{%- endif %}
{%- if cc.pagination == "page" and cc.total_pages_key %}
TOTAL_PAGES_KEY = "{{ cc.total_pages_key }}"
{%- endif %}
{%- if cc.pagination == "cursor" %}
NEXT_CURSOR_KEY = "{{ cc.next_cursor_key }}"
CURSOR_PARAM = "{{ cc.cursor_param }}"
{%- endif %}
{%- if cc.pagination == "offset" %}
OFFSET_PARAM = "{{ cc.offset_param }}"
{%- endif %}
{%- if cc.pagination == "page" %}
PAGE_PARAM = "{{ cc.page_param }}"
FIRST_PAGE = 1
{%- endif %}
LIMIT_PARAM = "{{ cc.limit_param }}"
{%- if dated %}
START_PARAM = "{{ cc.start_param }}"
END_PARAM = "{{ cc.end_param }}"
{%- endif %}
{%- if cc.auth_type == "api_key" and cc.api_key_in == "header" %}
API_KEY_HEADER = "{{ cc.api_key_name }}"
{%- elif cc.auth_type == "api_key" %}
API_KEY_PARAM = "{{ cc.api_key_name }}"
{%- endif %}

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# A number orjson would read as a float instead of an integer: below -2**63 (a minus and 19
# digits) or above 2**64 - 1 (20 digits); see _parse. Every digit becomes a 9, then substring
# searches find such runs (a regular expression is slower).
_ALL_DIGITS_TO_NINE = bytes.maketrans(b"012345678", b"999999999")
_LONG_NEGATIVE = b"-" + b"9" * 19
_LONG_POSITIVE = b"9" * 20
# Read bodies in pieces of up to this many bytes.
READ_SIZE = 1 << 20
{%- if parallel %}
# More requests at once than this is a mistake, not a speed-up: each one is a thread and a connection.
MAX_IN_FLIGHT = 32
{%- endif %}
{%- if cc.pagination in ["cursor", "link_header"] %}
# An API may send a few empty pages before more records; this many in a row means it never ends.
MAX_EMPTY_PAGES = 100
{%- endif %}
# What to blank out of URLs and messages before they reach a log or an exception.
_USERINFO_IN_TEXT = re.compile(r"://[^/@\s]*@")
{%- if cc.auth_type == "api_key" and cc.api_key_in == "query" %}
# The parameter's name as written and as a URL encodes it, whichever the text holds.
_API_KEY_IN_TEXT = re.compile(
    rf"([?&])(?:{re.escape(API_KEY_PARAM)}|{re.escape(quote_plus(API_KEY_PARAM))})=[^&\s'\")]*"
)
{%- endif %}


class {{ P }}APIError(Exception):
    """The API answered in a way the hook cannot use: an error status or an unexpected body."""


class {{ P }}Hook(BaseHook):
    """
    Talk to the {{ cc.provider_name }} ratings API through an Airflow connection.

    The connection supplies host, port and scheme (the ``schema`` field);
{%- if cc.auth_type == "basic" %}
    login and password are sent with HTTP basic auth.
{%- elif cc.auth_type == "bearer" %}
    its password field holds the token, sent as ``Authorization: Bearer <token>``.
{%- elif cc.auth_type == "api_key" and cc.api_key_in == "header" %}
    its password field holds the API key, sent in the ``{{ cc.api_key_name }}`` header.
{%- elif cc.auth_type == "api_key" %}
    its password field holds the API key, sent as the ``{{ cc.api_key_name }}`` query parameter.
{%- else %}
    the API needs no credentials.
{%- endif %}
    Empty fields fall back to ``{{ cc.api_base_url }}``. The host may also be a
    full base URL such as ``https://api.example.com/v1``.

    Every request has connect and read timeouts, and idempotent GETs are retried
    with exponential backoff on 429, 5xx, connection errors and broken bodies,
    honouring ``Retry-After``, each retry logged with its attempt, wait and reason.
    TLS certificates are verified unless the connection's ``verify`` extra says
    otherwise. Proxies (``HTTPS_PROXY``, ``NO_PROXY``, ...) and ``REQUESTS_CA_BUNDLE``
    are read from the environment once per session. The settings below default to the connection extras of the same
    name, then to the values in brackets.

    :param conn_id: Airflow connection id.
    :param connect_timeout: Seconds to wait for a connection (10).
    :param read_timeout: Seconds to wait for each read (60).
    :param max_retries: Retries per request (5).
    :param backoff_factor: Base of the exponential backoff between retries, in seconds (0.5).
    :param backoff_max: Longest wait between two attempts, ``Retry-After`` included, in seconds (60).
    :param retry_deadline: Seconds one request may spend failing and retrying before it gives up (300).
{%- if parallel %}
    :param max_in_flight: Requests sent at once (1). Above 1, pages after the first are
        fetched concurrently and still yielded in the API's order; raise it only as far
        as the API's rate limits allow.
{%- endif %}
    """

    conn_name_attr = "conn_id"
    default_conn_name = "{{ cc.connection_id }}"
    conn_type = "{{ cc.__conn_type }}"
    hook_name = {{ cc.provider_name | pystr }}

    def __init__(
        self,
        conn_id: str = default_conn_name,
        *,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        max_retries: int | None = None,
        backoff_factor: float | None = None,
        backoff_max: float | None = None,
        retry_deadline: float | None = None,
{%- if parallel %}
        max_in_flight: int | None = None,
{%- endif %}
    ) -> None:
        super().__init__()
        self.conn_id = conn_id
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_retries = max_retries
        self.backoff_factor = backoff_factor
        self.backoff_max = backoff_max
        self.retry_deadline = retry_deadline
{%- if parallel %}
        self.max_in_flight = max_in_flight
        self._max_in_flight = 1
{%- endif %}
        # Each thread gets its own session (requests does not promise that one is thread-safe);
        # the settings they are built from are read from the connection once.
        self._lock = threading.Lock()
        self._local = threading.local()
        self._sessions: dict[threading.Thread, requests.Session] = {}
        self._base_url: str | None = None
        self._timeout: tuple[float, float] = (10.0, 60.0)
        self._retry: _Retry | None = None
        self._verify: bool | str = True
{%- if cc.auth_type == "basic" %}
        self._auth: tuple[str, str] | None = None
{%- elif cc.auth_type in ["bearer", "api_key"] and not (cc.auth_type == "api_key" and cc.api_key_in == "query") %}
        self._auth_headers: dict[str, str] = {}
{%- elif cc.auth_type == "api_key" %}
        self._api_key: str | None = None
{%- endif %}

    def get_conn(self) -> tuple[requests.Session, str]:
        """Return this thread's session and the base URL, building them on first use."""
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            with self._lock:
                if self._base_url is None:
                    self._configure()
                session = self._new_session()
                self._sessions[threading.current_thread()] = session
            self._local.session = session
        assert self._base_url is not None  # noqa: S101 - set by _configure
        return session, self._base_url

    def _configure(self) -> None:
        """Read the connection once: base URL, credentials, timeouts, retries and TLS settings."""
        conn = self.get_connection(self.conn_id)
{%- if cc.auth_type != "none" %}
        if conn.password:
            # Keep it out of task logs, whatever logs it{% if cc.auth_type == "api_key" and cc.api_key_in == "query" %}, as typed or as encoded in a URL{% endif %}.
            mask_secret(conn.password)
{%- if cc.auth_type == "api_key" and cc.api_key_in == "query" %}
            mask_secret(quote(conn.password, safe=""))
            mask_secret(quote_plus(conn.password))
{%- endif %}
{%- endif %}
        extras = conn.extra_dejson
        self._timeout = (
            _setting("connect_timeout", self.connect_timeout, extras, 10.0),
            _setting("read_timeout", self.read_timeout, extras, 60.0),
        )
        self._retry = _Retry(
            total=_setting("max_retries", self.max_retries, extras, 5, kind=int, allow_zero=True),
            backoff_factor=_setting("backoff_factor", self.backoff_factor, extras, 0.5, allow_zero=True),
            backoff_max=_setting("backoff_max", self.backoff_max, extras, 60.0, allow_zero=True),
            deadline=_setting("retry_deadline", self.retry_deadline, extras, 300.0),
            logger=self.log,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
{%- if parallel %}
        self._max_in_flight = _setting(
            "max_in_flight", self.max_in_flight, extras, 1, kind=int, highest=MAX_IN_FLIGHT
        )
{%- endif %}
        self._verify = _verify(True if extras.get("verify") is None else extras["verify"])
        if self._verify is False:
            self.log.warning("TLS certificate verification is off for connection %s", self.conn_id)
{%- if cc.auth_type == "basic" %}
        self._auth = (conn.login, conn.password or "") if conn.login else None
{%- elif cc.auth_type == "bearer" %}
        self._auth_headers = {"Authorization": f"Bearer {conn.password}"} if conn.password else {}
{%- elif cc.auth_type == "api_key" and cc.api_key_in == "header" %}
        self._auth_headers = {API_KEY_HEADER: conn.password} if conn.password else {}
{%- elif cc.auth_type == "api_key" %}
        self._api_key = conn.password or None
{%- endif %}
        self._base_url = _base_url(conn.host, conn.port, conn.schema)

    def _new_session(self) -> requests.Session:
        """A session with the connection's retries, TLS setting{% if cc.auth_type != "none" and not (cc.auth_type == "api_key" and cc.api_key_in == "query") %} and credentials{% endif %}."""
        session = requests.Session()
        # requests would re-read proxy and CA-bundle variables (and ~/.netrc) on every request,
        # which costs more than parsing a page. Read them once here instead; the connection
        # stays the only source of credentials.
        session.trust_env = False
        session.proxies = requests.utils.get_environ_proxies(self._base_url or "")
        session.verify = self._verify
        if session.verify is True:
            session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        adapter = HTTPAdapter(max_retries=self._retry)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers.update(
            {
                "Accept": "application/json",
                "User-Agent": f"{{ cc.package_name }}/{__version__}",
            },
        )
{%- if cc.auth_type == "basic" %}
        session.auth = self._auth
{%- elif cc.auth_type in ["bearer", "api_key"] and not (cc.auth_type == "api_key" and cc.api_key_in == "query") %}
        session.headers.update(self._auth_headers)
{%- endif %}
        return session

    def close(self) -> None:
        """Close every session this hook opened; the next call reads the connection again."""
        with self._lock:
            for session in self._sessions.values():
                session.close()
            self._sessions.clear()
            self._local = threading.local()
            self._base_url = None

    def __enter__(self) -> {{ P }}Hook:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get_ratings(
        self,
{%- if dated %}
        start_date: str | dt.date | None = None,
        end_date: str | dt.date | None = None,
{%- endif %}
        batch_size: int = 100,
    ) -> Generator[dict[str, Any], None, None]:
        """
{%- if dated %}
        Yield every rating in ``[start_date, end_date)`` in the API's order.
{%- else %}
        Yield every rating the API holds, in its order.
{%- endif %}

        Takes the same arguments as ``get_rating_pages``, which says how pages are read.
        """
{%- if dated %}
        pages = self.get_rating_pages(start_date=start_date, end_date=end_date, batch_size=batch_size)
{%- else %}
        pages = self.get_rating_pages(batch_size=batch_size)
{%- endif %}
        # Closed however this generator ends, so no request outlives the caller's interest.
        with contextlib.closing(pages):
            for page in pages:
                yield from page

    def get_rating_pages(
        self,
{%- if dated %}
        start_date: str | dt.date | None = None,
        end_date: str | dt.date | None = None,
{%- endif %}
        batch_size: int = 100,
    ) -> Generator[list[dict[str, Any]], None, None]:
        """
{%- if dated %}
        Yield the ratings in ``[start_date, end_date)`` as lists, one per non-empty page, in order.
{%- else %}
        Yield every rating the API holds as lists, one per non-empty page, in order.
{%- endif %}
        To stop early, ``close()`` the generator{% if parallel %}: requests already in flight finish, no new ones start{% endif %}.
{% if cc.pagination == "offset" %}
        The offset advances by the records actually received, so an API that caps
        its page size loses nothing.
{%- if cc.total_key %} An empty page before the total is reached is an
        error rather than a silent stop.
{%- else %} The API gives no total, so paging stops at the first
        empty page.
{%- endif %}
{%- elif cc.pagination == "page" %}
        Pages are numbered from ``FIRST_PAGE``.
{%- if cc.total_key %} Paging stops once the records received reach the
        total; an empty page before that is an error rather than a silent stop.
{%- elif cc.total_pages_key %} Paging stops after the last page the API
        announces.
{%- else %} The API gives no total, so paging stops at an empty page
        or at a page shorter than the longest one seen, which is how an API that
        caps its page size below ``batch_size`` still loses nothing.
{%- endif %}
{%- elif cc.pagination == "cursor" %}
        Each page names the cursor of the next one; paging stops when it is empty.
        A cursor that comes back a second time, or more than ``MAX_EMPTY_PAGES``
        empty pages in a row, is an error, never an endless loop.
{%- else %}
        Each response links to the next page in its ``Link: <...>; rel="next"``
        header; paging stops when there is none. A link seen before, more than
        ``MAX_EMPTY_PAGES`` empty pages in a row, or a link to another scheme, host
        or port is an error, never an endless loop or a leak of credentials.
{%- endif %}
{%- if parallel %}

        With ``max_in_flight`` above 1 (a hook argument or connection extra), the pages
        after the first are fetched concurrently and still yielded in order.
{%- if cc.pagination == "offset" %} A short page
        drops the pages asked for ahead and paging goes on from its last record; a page
        longer than the first is an error, as its records would overlap the next page's.
{%- else %} Each must
        have the size the first page and the total imply, or the run fails rather than
        risk a gap.
{%- endif %}
{%- endif %}
{% if dated %}
        :param start_date: Start of the window (inclusive): YYYY-MM-DD, an ISO 8601
            datetime, a date or a datetime; None for no lower bound.
        :param end_date: End of the window (exclusive), in the same forms; None for no upper bound.
{%- endif %}
        :param batch_size: Records asked for per request.
        """
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size: {batch_size!r} is not allowed; give a positive integer.")
        params: dict[str, Any] = {LIMIT_PARAM: batch_size}
{%- if dated %}
        if start_date is not None:
            params[START_PARAM] = as_api_time(start_date, "start_date")
        if end_date is not None:
            params[END_PARAM] = as_api_time(end_date, "end_date")
{%- endif %}
{%- if cc.pagination == "offset" %}

        offset = 0
        previous: list[dict[str, Any]] = []
{%- if cc.total_key %}
        first_total: int | None = None
{%- endif %}
        while True:
            page = self._get_json(self._endpoint_url(), {**params, OFFSET_PARAM: offset})
            records = _records(page)
            previous = _not_repeated(previous, records, f"offset {offset}")
{%- if cc.total_key %}
            total = _count(page, TOTAL_KEY)
            first_total = _unchanged(first_total, total, f"total at offset {offset}")
            if not records:
                if offset < total:
                    raise {{ P }}APIError(
                        f"{RATINGS_ENDPOINT} returned an empty page at offset {offset} "
                        f"although its total is {total}; refusing to drop the remaining records."
                    )
                return
            yield records
            offset += len(records)
            if offset >= total:
                return
            if self._max_in_flight == 1:
                continue
            # While pages keep this size, every later offset is known: request them
            # max_in_flight at a time, and yield them in order.
            step = len(records)
            pages = self._fetch_in_order(
                functools.partial(self._download, params), range(offset, total, step)
            )
            with contextlib.closing(pages):
                for position, body in pages:
                    records = self._checked_page(params, step, total, position, body)
                    previous = _not_repeated(previous, records, f"offset {position}")
                    yield records
                    offset = position + len(records)
                    if len(records) < min(step, total - position):
                        break  # a short page: the offsets asked for ahead are off, so go on from here
            if offset >= total:
                return
{%- else %}
            if not records:
                return
            yield records
            offset += len(records)
{%- endif %}
{%- elif cc.pagination == "page" %}

        page_number = FIRST_PAGE
{%- if cc.total_key or cc.total_pages_key %}
        first_total: int | None = None
{%- endif %}
{%- if cc.total_key %}
        received = 0
{%- elif not cc.total_pages_key %}
        longest = 0
{%- endif %}
        previous: list[dict[str, Any]] = []
        while True:
            page = self._get_json(self._endpoint_url(), {**params, PAGE_PARAM: page_number})
            records = _records(page)
            previous = _not_repeated(previous, records, f"page {page_number}")
{%- if cc.total_key %}
            total = _count(page, TOTAL_KEY)
            first_total = _unchanged(first_total, total, f"total on page {page_number}")
            if not records:
                if received < total:
                    raise {{ P }}APIError(
                        f"{RATINGS_ENDPOINT} returned an empty page {page_number} after {received} "
                        f"records although its total is {total}; refusing to drop the remaining records."
                    )
                return
            yield records
            received += len(records)
            if received >= total:
                return
            if self._max_in_flight > 1:
                # The first page fixed the page size and the total, so the number of pages
                # is known: fetch the rest concurrently, yield them in order.
                step = len(records)
                last_page = FIRST_PAGE + (total - 1) // step
                pages = self._fetch_in_order(
                    functools.partial(self._download, params), range(page_number + 1, last_page + 1)
                )
                with contextlib.closing(pages):
                    for number, body in pages:
                        records = self._checked_page(params, step, total, number, body)
                        previous = _not_repeated(previous, records, f"page {number}")
                        yield records
                return
{%- elif cc.total_pages_key %}
            total_pages = _count(page, TOTAL_PAGES_KEY)
            first_total = _unchanged(first_total, total_pages, f"page count on page {page_number}")
            if not records:
                if page_number <= total_pages:
                    raise {{ P }}APIError(
                        f"{RATINGS_ENDPOINT} returned an empty page {page_number} although it "
                        f"announces {total_pages} pages; refusing to drop the remaining records."
                    )
                return
            yield records
            if page_number >= total_pages:
                return
            if self._max_in_flight > 1:
                # The first page fixed the page size and the page count: fetch the other
                # pages concurrently, yield them in order. Only the last one may be short.
                step = len(records)
                pages = self._fetch_in_order(
                    functools.partial(self._download, params), range(page_number + 1, total_pages + 1)
                )
                with contextlib.closing(pages):
                    for number, body in pages:
                        records = self._checked_page(params, step, total_pages, number, body)
                        previous = _not_repeated(previous, records, f"page {number}")
                        yield records
                return
{%- else %}
            if not records:
                return
            yield records
            if len(records) < longest:
                return
            longest = max(longest, len(records))
{%- endif %}
            page_number += 1
{%- elif cc.pagination == "cursor" %}

        cursors_seen: set[str] = set()
        empty_pages = 0
        while True:
            page = self._get_json(self._endpoint_url(), params)
            records = _records(page)
            if records:
                yield records
            empty_pages = _count_empty(empty_pages, records)
            cursor = _lookup(page, NEXT_CURSOR_KEY)
            if cursor in (None, ""):
                return
            cursor = str(cursor)
            if cursor in cursors_seen:
                raise {{ P }}APIError(
                    f"{RATINGS_ENDPOINT} sent the cursor {cursor!r} a second time; "
                    "stopping rather than reading the same pages forever."
                )
            cursors_seen.add(cursor)
            params = {**params, CURSOR_PARAM: cursor}
{%- else %}

        url: str | None = self._endpoint_url()
        query: dict[str, Any] | None = params
        links_seen: set[str] = set()
        empty_pages = 0
        while url is not None:
            page, response = self._get_json_and_response(url, query)
            records = _records(page)
            if records:
                yield records
            empty_pages = _count_empty(empty_pages, records)
            url, query = self._next_link(response, links_seen), None
{%- endif %}

    def first_rating(
        self,
{%- if dated %}
        start_date: str | dt.date | None = None,
        end_date: str | dt.date | None = None,
{%- endif %}
    ) -> dict[str, Any] | None:
        """
{%- if dated %}
        The first rating in ``[start_date, end_date)``, or None if there is none yet.
{%- else %}
        The first rating the API holds, or None if there is none yet.
{%- endif %}

        Asks for a single record, with the same auth, retries and paging checks
        as ``get_ratings``: what the sensor and its trigger do on every poke.
        """
{%- if dated %}
        ratings = self.get_ratings(start_date=start_date, end_date=end_date, batch_size=1)
{%- else %}
        ratings = self.get_ratings(batch_size=1)
{%- endif %}
        with contextlib.closing(ratings):
            return next(ratings, None)
{%- if parallel %}

    def _fetch_in_order(
        self, fetch: Callable[[int], bytes], positions: range
    ) -> Generator[tuple[int, bytes], None, None]:
        """
        Run ``fetch`` for each position in threads, ``max_in_flight`` at a time; yield results in order.

        The next request goes out as soon as a result is taken, before it is handed on, so
        the API is busy while the caller parses and writes, even with one request in flight.
        """
        pool = ThreadPoolExecutor(self._max_in_flight, thread_name_prefix="{{ cc.__conn_type }}-page")
        pending: deque[tuple[int, Future[bytes]]] = deque()
        remaining = iter(positions)
        try:
            for position in itertools.islice(remaining, self._max_in_flight):
                pending.append((position, pool.submit(fetch, position)))
            while pending:
                done, future = pending.popleft()
                body = future.result()
                for position in itertools.islice(remaining, 1):
                    pending.append((position, pool.submit(fetch, position)))
                yield done, body
        finally:
            # On an error, or when the caller stops early: drop what has not started, wait for
            # what has, and close the sessions of the threads that are gone.
            pool.shutdown(wait=True, cancel_futures=True)
            with self._lock:
                for thread in [thread for thread in self._sessions if not thread.is_alive()]:
                    self._sessions.pop(thread).close()
{%- if cc.pagination == "offset" %}

    def _download(self, params: dict[str, Any], offset: int) -> bytes:
        """The body at ``offset``, read whole within its retry budget; parsing is the caller's."""
        return self._get_json(self._endpoint_url(), {**params, OFFSET_PARAM: offset}, decode=bytes)

    def _checked_page(
        self, params: dict[str, Any], step: int, total: int, offset: int, body: bytes
    ) -> list[dict[str, Any]]:
        """The records at ``offset``: at least one and at most ``step``."""
        try:
            page = _parse(body)
        except ValueError:  # complete but not JSON: ask again, with the retries for broken bodies
            page = self._get_json(self._endpoint_url(), {**params, OFFSET_PARAM: offset})
        records = _records(page)
        _unchanged(total, _count(page, TOTAL_KEY), f"total at offset {offset}")
        if not records:
            raise {{ P }}APIError(
                f"{RATINGS_ENDPOINT} returned an empty page at offset {offset} "
                f"although its total is {total}; refusing to drop the remaining records."
            )
        if len(records) > step:
            raise {{ P }}APIError(
                f"{RATINGS_ENDPOINT} returned {len(records)} records at offset {offset}, more than the "
                f"{step} of its earlier pages: its page size changed during the run, so pages would "
                "overlap. Run it again."
            )
        return records
{%- else %}

    def _download(self, params: dict[str, Any], number: int) -> bytes:
        """The body of page ``number``, read whole within its retry budget; parsing is the caller's."""
        return self._get_json(self._endpoint_url(), {**params, PAGE_PARAM: number}, decode=bytes)
{%- if cc.total_key %}

    def _checked_page(
        self, params: dict[str, Any], step: int, total: int, number: int, body: bytes
    ) -> list[dict[str, Any]]:
        """The records of page ``number``: ``step`` of them, fewer only at the end of the total."""
        try:
            page = _parse(body)
        except ValueError:  # complete but not JSON: ask again, with the retries for broken bodies
            page = self._get_json(self._endpoint_url(), {**params, PAGE_PARAM: number})
        records = _records(page)
        _unchanged(total, _count(page, TOTAL_KEY), f"total on page {number}")
        expected = min(step, total - (number - FIRST_PAGE) * step)
        if len(records) != expected:
            raise {{ P }}APIError(
                f"{RATINGS_ENDPOINT} returned {len(records)} records on page {number} where {expected} "
                f"were expected (pages of {step}, {total} in all): its page size or its data changed "
                "during the run. Run it again, or with max_in_flight=1."
            )
        return records
{%- else %}

    def _checked_page(
        self, params: dict[str, Any], step: int, total_pages: int, number: int, body: bytes
    ) -> list[dict[str, Any]]:
        """The records of page ``number``: ``step`` of them, or 1 to ``step`` on the last page."""
        try:
            page = _parse(body)
        except ValueError:  # complete but not JSON: ask again, with the retries for broken bodies
            page = self._get_json(self._endpoint_url(), {**params, PAGE_PARAM: number})
        records = _records(page)
        _unchanged(total_pages, _count(page, TOTAL_PAGES_KEY), f"page count on page {number}")
        expected = f"1 to {step}" if number == total_pages else str(step)
        if not 1 <= len(records) <= step or (number < total_pages and len(records) != step):
            raise {{ P }}APIError(
                f"{RATINGS_ENDPOINT} returned {len(records)} records on page {number} where {expected} "
                f"were expected (pages of {step}, {total_pages} in all): its page size or its data "
                "changed during the run. Run it again, or with max_in_flight=1."
            )
        return records
{%- endif %}
{%- endif %}
{%- endif %}

    def test_connection(self) -> tuple[bool, str]:
        """Check that the API answers with the connection's credentials (used by the UI's Test button)."""
        try:
            page = self._get_json(self._endpoint_url(), {LIMIT_PARAM: 1})
            _records(page)
        except Exception as error:
            return False, str(error)
{%- if cc.pagination in ["offset", "page"] and cc.total_key %}
        return True, f"Connected; the API holds {_count(page, TOTAL_KEY)} ratings."
{%- else %}
        return True, "Connected; the API answered with ratings."
{%- endif %}

    def _endpoint_url(self) -> str:
        _, base_url = self.get_conn()
        return base_url + RATINGS_ENDPOINT
{%- if cc.pagination == "link_header" %}

    def _next_link(self, response: requests.Response, links_seen: set[str]) -> str | None:
        """The absolute URL of the next page, or None on the last page."""
        link = response.links.get("next", {}).get("url")
        if not link:
            return None
        link = urljoin(response.url, link)
        link_origin, home_origin = _origin(link), _origin(self._endpoint_url())
        if link_origin != home_origin:
            raise {{ P }}APIError(
                f"{RATINGS_ENDPOINT} links its next page to {link_origin}, not {home_origin}; "
                "refusing to send the connection's credentials there."
            )
        if link in links_seen:
            raise {{ P }}APIError(
                f"{RATINGS_ENDPOINT} linked to {_without_credentials(link)} a second time; "
                "stopping rather than reading the same pages forever."
            )
        links_seen.add(link)
        return link

    def _get_json(self, url: str, params: dict[str, Any] | None) -> Any:
        return self._get_json_and_response(url, params)[0]

    def _get_json_and_response(
        self, url: str, params: dict[str, Any] | None
    ) -> tuple[Any, requests.Response]:
        """GET one page within one retry budget and deadline, broken bodies included."""
{%- elif parallel %}

    def _get_json(
        self, url: str, params: dict[str, Any] | None, decode: Callable[[bytes], Any] | None = None
    ) -> Any:
        """GET one page within one retry budget and deadline, broken bodies included; ``decode=bytes`` skips parsing."""
{%- else %}

    def _get_json(self, url: str, params: dict[str, Any] | None) -> Any:
        """GET one page within one retry budget and deadline, broken bodies included."""
{%- endif %}
        session, _ = self.get_conn()
{%- if cc.auth_type == "api_key" and cc.api_key_in == "query" %}
        url, params = self._with_api_key(url, params)
{%- endif %}
        # get_conn mounted one HTTPAdapter for both schemes and built the retry policy.
        adapter = cast(HTTPAdapter, session.get_adapter(url))
        retry = cast(Retry, self._retry)
        while True:
            # urllib3 retries failed requests and error statuses; handing it the budget left
            # after earlier broken bodies keeps one count and one deadline for the whole page.
            adapter.max_retries = retry
            try:
                response = session.get(url, params=params, timeout=self._timeout, stream=True)
            except requests.exceptions.RequestException as error:
                raise {{ P }}APIError(
                    f"GET {_without_credentials(url)} failed after retries: {_without_credentials(str(error))}"
                ) from None
            retry = response.raw.retries or retry
            try:
                body = {% if parallel %}(decode or _parse){% else %}_parse{% endif %}(_read(response)) if response.ok else None
            except (requests.exceptions.RequestException, ValueError) as error:
                # The headers arrived but the body broke off, stalled or is not JSON.
                try:
                    retry = retry.increment(method="GET", url=url, error=ProtocolError(str(error)))
                except MaxRetryError:
                    raise {{ P }}APIError(
                        f"GET {_without_credentials(url)} kept returning a broken body: "
                        f"{_without_credentials(str(error))}"
                    ) from None
                self.log.warning(
                    "Broken body from %s (%s); retrying",
                    _without_credentials(url),
                    _without_credentials(str(error)),
                )
                retry.sleep()
                continue
            break

        if not response.ok:
            raise {{ P }}APIError(
                f"GET {_without_credentials(response.url)} returned HTTP {response.status_code} "
                f"{response.reason}: {response.text[:200]}"
            )
{%- if cc.pagination == "link_header" %}
        return body, response
{%- else %}
        return body
{%- endif %}
{%- if cc.auth_type == "api_key" and cc.api_key_in == "query" %}

    def _with_api_key(self, url: str, params: dict[str, Any] | None) -> tuple[str, dict[str, Any] | None]:
        """Add the API key to a request{% if cc.pagination == "link_header" %}, replacing any copy the API echoed into a link{% endif %}."""
        if self._api_key is None:
            return url, params
        parts = urlsplit(url)
        kept = [(name, value) for name, value in parse_qsl(parts.query) if name != API_KEY_PARAM]
        without_key = urlunsplit(parts._replace(query=urlencode(kept)))
        return without_key, {**(params or {}), API_KEY_PARAM: self._api_key}
{%- endif %}


class _Logger(Protocol):
    """What the retry policy needs of a logger; the hook's ``self.log`` and a ``logging.Logger`` both fit."""

    def warning(self, msg: Any, /, *args: Any) -> Any: ...


class _Retry(Retry):
    """
    urllib3's Retry with three additions: ``Retry-After`` waits are capped at
    ``backoff_max``, one request stops retrying once ``deadline`` seconds have gone
    by since its first failure, and every retry is logged with its reason and wait.
    """

    def __init__(
        self,
        *args: Any,
        deadline: float | None = None,
        logger: _Logger | None = None,
        first_failure: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = deadline
        self.logger = logger
        self.first_failure = first_failure

    def new(self, **kwargs: Any) -> _Retry:
        kwargs.setdefault("deadline", self.deadline)
        kwargs.setdefault("logger", self.logger)
        kwargs.setdefault("first_failure", self.first_failure)
        return super().new(**kwargs)

    def get_retry_after(self, response: Any) -> float | None:
        retry_after = super().get_retry_after(response)
        return None if retry_after is None else min(retry_after, self.backoff_max)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> _Retry:
        first_failure = self.first_failure if self.first_failure is not None else time.monotonic()
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        retry.first_failure = first_failure
        reason = f"HTTP {response.status}" if response is not None and response.status else repr(error)
        wait = (retry.get_retry_after(response) if response is not None else None) or retry.get_backoff_time()
        spent = time.monotonic() - first_failure
        where = _without_credentials(url or "")
        if self.deadline is not None and spent + wait > self.deadline:
            raise MaxRetryError(
                _pool,
                where,
                RetryDeadlineError(
                    f"gave up after {spent:.1f} s of retries ({reason}); retry_deadline is {self.deadline} s"
                ),
            )
        if self.logger is not None:
            attempt = len(retry.history)
            self.logger.warning(
                "GET %s failed (%s); retry %d of %d in %.1f s",
                where,
                _without_credentials(reason),
                attempt,
                attempt + (retry.total or 0),
                wait,
            )
        return retry


class RetryDeadlineError(Exception):
    """A request kept failing for longer than its retry deadline."""
{%- if dated %}


def as_api_time(value: str | dt.date, name: str) -> {% if cc.date_filter == "epoch_seconds" %}int{% else %}str{% endif %}:
    """Return a window bound in the API's format{% if cc.date_filter == "date" %} (YYYY-MM-DD){% elif cc.date_filter == "datetime" %} (ISO 8601 with offset, UTC){% else %} (seconds since 1970, UTC){% endif %}, or raise naming the parameter."""
    moment = as_utc_datetime(value, name)
{%- if cc.date_filter == "date" %}
    if moment.time() != dt.time():
        raise ValueError(
            f"{name}: {value!r} is not allowed; the API filters by whole days, so give a date "
            "or a datetime at midnight UTC."
        )
    return moment.date().isoformat()
{%- elif cc.date_filter == "datetime" %}
    return moment.isoformat()
{%- else %}
    return int(moment.timestamp())
{%- endif %}


def as_utc_datetime(value: str | dt.date, name: str) -> dt.datetime:
    """Read YYYY-MM-DD, an ISO 8601 datetime, a date or a datetime as an aware UTC datetime."""
    moment: object = value
    if isinstance(value, str):
        try:
            text = value[:-1] + "+00:00" if value.endswith("Z") else value  # Python 3.10 lacks "Z"
            moment = dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
        except ValueError:
            moment = None
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            return moment.replace(tzinfo={{ UTC }})
        return moment.astimezone({{ UTC }})
    if isinstance(moment, dt.date):
        return dt.datetime(moment.year, moment.month, moment.day, tzinfo={{ UTC }})
    raise ValueError(
        f"{name}: {value!r} is not allowed; give YYYY-MM-DD, an ISO 8601 datetime, a date or a datetime."
    )
{%- endif %}


{% if cc.pagination == "link_header" -%}
def _origin(url: str) -> str:
    """Scheme, host and port of a URL, with the scheme's default port filled in."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


{% endif -%}
{% if cc.pagination in ["offset", "page"] -%}
def _not_repeated(
    previous: list[dict[str, Any]], records: list[dict[str, Any]], where: str
) -> list[dict[str, Any]]:
    """The page just read, or an error if the API sent the same non-empty page twice in a row."""
    if records and records == previous:
        raise {{ P }}APIError(
            f"{RATINGS_ENDPOINT} returned the same page again at {where}; it seems to ignore "
            f"{% if cc.pagination == "offset" %}{OFFSET_PARAM!r}{% else %}{PAGE_PARAM!r}{% endif %}, so paging would never end."
        )
    return records
{%- else -%}
def _count_empty(empty_pages: int, records: list[dict[str, Any]]) -> int:
    """Consecutive empty pages so far, or an error once there are too many to be a real feed."""
    empty_pages = 0 if records else empty_pages + 1
    if empty_pages > MAX_EMPTY_PAGES:
        raise {{ P }}APIError(
            f"{RATINGS_ENDPOINT} sent {empty_pages} empty pages in a row, each pointing to another; "
            "stopping rather than paging forever."
        )
    return empty_pages
{%- endif %}


def _parse(body: bytes) -> Any:
    """
    A JSON body as Python objects, exactly as the json module reads it, but fast.

    orjson reads a page several times faster, which is what lets one request at a time
    keep up with the API. Where it would differ (integers outside -2**63 to 2**64 - 1,
    which it turns into floats) or refuses what Python has always read (NaN, lone
    surrogates), the json module reads the body instead.
    """
    digits = body.translate(_ALL_DIGITS_TO_NINE)
    if _LONG_NEGATIVE not in digits and _LONG_POSITIVE not in digits:
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    return json.loads(body)


def _read(response: requests.Response) -> bytes:
    """The whole body of a streamed response, read in as few calls as the socket allows."""
    # response.content would read it in 10 KiB pieces: each piece is another wait for the
    # GIL, which the thread writing the previous page may hold.
    return b"".join(response.iter_content(chunk_size=READ_SIZE))


def _lookup(body: Any, key: str) -> Any:
    """Follow a dotted key such as ``meta.next`` into a JSON body; None where it is missing."""
    for part in key.split("."):
        if not isinstance(body, dict):
            return None
        body = body.get(part)
    return body


def _records(body: Any) -> list[dict[str, Any]]:
    """The records of one page, or an error naming what the body held instead."""
{%- if cc.records_key %}
    records = _lookup(body, RECORDS_KEY)
    if not isinstance(records, list):
        found = sorted(body) if isinstance(body, dict) else type(body).__name__
        raise {{ P }}APIError(
            f"expected a list of records under {RECORDS_KEY!r} in the body, found {found}."
        )
{%- else %}
    records = body
    if not isinstance(records, list):
        raise {{ P }}APIError(f"expected the body to be a list of records, found {type(body).__name__}.")
{%- endif %}
    return records
{%- if (cc.pagination in ["offset", "page"] and cc.total_key) or (cc.pagination == "page" and cc.total_pages_key) %}


def _count(body: Any, key: str) -> int:
    """A non-negative integer from the body, or an error naming the key."""
    value = _lookup(body, key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise {{ P }}APIError(
            f"expected a non-negative integer under {key!r} in the body, found {value!r}."
        )
    return value
{%- endif %}


{% if (cc.pagination in ["offset", "page"] and cc.total_key) or (cc.pagination == "page" and cc.total_pages_key) -%}
def _unchanged(first: int | None, current: int, what: str) -> int:
    """The first count an API reported, or an error if it changed while the window was read."""
    if first is not None and current != first:
        raise {{ P }}APIError(
            f"{RATINGS_ENDPOINT} reported {first} at first but a {what} of {current}: the data changed "
            "while it was being read, so this run cannot promise a complete copy. Run it again."
        )
    return current


{% endif -%}
def _setting(
    name: str,
    argument: Any,
    extras: dict[str, Any],
    default: float,
    *,
    kind: type = float,
    allow_zero: bool = False,
    highest: int | None = None,
) -> Any:
    """Pick the hook argument, else the connection extra, else the default; refuse nonsense."""
    # An extra left empty in the connection form is stored as null: that means the default.
    value = argument if argument is not None else extras.get(name)
    if value is None:
        value = default
    lowest = "0" if allow_zero else ("1" if kind is int else "above 0")
    if kind is int:
        allowed = f"a whole number from {lowest} " + (f"to {highest}" if highest else "up")
    else:
        allowed = f"a number of seconds from {lowest} up" if allow_zero else "a number of seconds above 0"
    try:
        converted = kind(value)
        fractional = kind is int and float(value) != converted
    except (TypeError, ValueError, OverflowError):
        converted, fractional = None, False
    out_of_range = converted is not None and (
        not math.isfinite(converted)
        or converted < 0
        or (converted == 0 and not allow_zero)
        or (highest is not None and converted > highest)
    )
    if isinstance(value, bool) or converted is None or fractional or out_of_range:
        raise ValueError(f"{name}: {value!r} is not allowed; give {allowed}.")
    return converted


def _verify(value: Any) -> bool | str:
    """The ``verify`` extra: true (the default), false, or the path of a CA bundle."""
    if value in (True, "true", "True", "1", 1):
        return True
    if value in (False, "false", "False", "0", 0):
        return False
    if isinstance(value, str) and os.path.isfile(value):
        return value
    raise ValueError(
        f"verify: {value!r} is not allowed; give true, false or the path of an existing CA bundle file."
    )


def _base_url(host: str | None, port: int | None, scheme: str | None) -> str:
    """Build the base URL from connection fields, falling back to the defaults at the top of this module."""
    if host and "://" in host:
        parts = urlsplit(host)
        return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path.rstrip("/"), "", ""))
    host = host or DEFAULT_HOST
    port = port or (DEFAULT_PORT if host == DEFAULT_HOST else None)
    netloc = f"{host}:{port}" if port else host
    return f"{scheme or DEFAULT_SCHEME}://{netloc}{BASE_PATH}"


def _without_credentials(url: str) -> str:
    """A URL or message fit for logs: no user:password@{% if cc.auth_type == "api_key" and cc.api_key_in == "query" %} and no API key{% endif %}."""
{%- if cc.auth_type == "api_key" and cc.api_key_in == "query" %}
    return _API_KEY_IN_TEXT.sub(rf"\g<1>{API_KEY_PARAM}=***", _USERINFO_IN_TEXT.sub("://", url))
{%- else %}
    return _USERINFO_IN_TEXT.sub("://", url)
{%- endif %}
