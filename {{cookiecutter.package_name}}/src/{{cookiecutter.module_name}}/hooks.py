"""Hook for the {{ cookiecutter.provider_name }} ratings API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from airflow.sdk import BaseHook
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ProtocolError
from urllib3.util.retry import Retry

from {{ cookiecutter.module_name }} import __version__

DEFAULT_SCHEME = "{{ cookiecutter.__api_scheme }}"
DEFAULT_HOST = "{{ cookiecutter.__api_host }}"
{%- if cookiecutter.__api_port %}
DEFAULT_PORT: int | None = {{ cookiecutter.__api_port }}
{%- else %}
DEFAULT_PORT: int | None = None
{%- endif %}
BASE_PATH = "{{ cookiecutter.__api_path }}"
RATINGS_ENDPOINT = "{{ cookiecutter.api_endpoint }}"

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class {{ cookiecutter.class_prefix }}APIError(Exception):
    """The API answered in a way the hook cannot use: an error status or an unexpected body."""


class {{ cookiecutter.class_prefix }}Hook(BaseHook):
    """
    Talk to the {{ cookiecutter.provider_name }} ratings API through an Airflow connection.

    The connection supplies host, port, scheme (the ``schema`` field) and the
    basic-auth login and password; empty fields fall back to
    ``{{ cookiecutter.api_base_url }}``. The host may also be a full base URL such
    as ``https://api.example.com/v1``.

    Every request has connect and read timeouts, and idempotent GETs are retried
    with exponential backoff on 429, 5xx, connection errors and broken bodies,
    honouring ``Retry-After``.

    :param conn_id: Airflow connection id.
    :param connect_timeout: Seconds to wait for a connection; overrides the connection extra.
    :param read_timeout: Seconds to wait for each read; overrides the connection extra.
    :param max_retries: Retries per request; overrides the connection extra.
    :param backoff_factor: Base of the exponential backoff between retries, in seconds.
    :param backoff_max: Longest wait between two attempts, ``Retry-After`` included, in seconds.
    """

    conn_name_attr = "conn_id"
    default_conn_name = "{{ cookiecutter.connection_id }}"
    conn_type = "{{ cookiecutter.__conn_type }}"
    hook_name = {{ cookiecutter.provider_name | pystr }}

    def __init__(
        self,
        conn_id: str = default_conn_name,
        *,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        max_retries: int | None = None,
        backoff_factor: float = 0.5,
        backoff_max: float = 60.0,
    ) -> None:
        super().__init__()
        self.conn_id = conn_id
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_retries = max_retries
        self.backoff_factor = backoff_factor
        self.backoff_max = backoff_max
        self._session: requests.Session | None = None
        self._base_url: str | None = None
        self._timeout: tuple[float, float] = (10.0, 60.0)
        self._retry: Retry | None = None

    def get_conn(self) -> tuple[requests.Session, str]:
        """Return the cached session and base URL, building them on first use."""
        if self._session is None:
            conn = self.get_connection(self.conn_id)
            extras = conn.extra_dejson
            self._timeout = (
                _setting("connect_timeout", self.connect_timeout, extras, 10.0, float),
                _setting("read_timeout", self.read_timeout, extras, 60.0, float),
            )
            self._retry = _CappedRetry(
                total=_setting("max_retries", self.max_retries, extras, 5, int),
                backoff_factor=self.backoff_factor,
                backoff_max=self.backoff_max,
                status_forcelist=RETRY_STATUSES,
                allowed_methods=frozenset({"GET"}),
                respect_retry_after_header=True,
                raise_on_status=False,
            )
            session = requests.Session()
            adapter = HTTPAdapter(max_retries=self._retry)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.headers.update(
                {
                    "Accept": "application/json",
                    "User-Agent": f"{{ cookiecutter.package_name }}/{__version__}",
                },
            )
            if conn.login:
                session.auth = (conn.login, conn.password or "")
            self._base_url = _base_url(conn.host, conn.port, conn.schema)
            self._session = session
        return self._session, self._base_url

    def close(self) -> None:
        """Close the session; the next call opens a new one."""
        if self._session is not None:
            self._session.close()
        self._session = None
        self._base_url = None

    def __enter__(self) -> {{ cookiecutter.class_prefix }}Hook:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get_ratings(
        self,
        start_date: str | dt.date | None = None,
        end_date: str | dt.date | None = None,
        batch_size: int = 100,
    ) -> Iterator[dict[str, Any]]:
        """
        Yield every rating in ``[start_date, end_date)``, one page at a time.

        The offset advances by the records actually received, so an API that caps
        its page size loses nothing; an empty page before ``total`` is reached is an
        error rather than a silent stop.

        :param start_date: First day of the window (inclusive), or None for no lower bound.
        :param end_date: Day after the window (exclusive), or None for no upper bound.
        :param batch_size: Records asked for per request.
        """
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size: {batch_size!r} is not allowed; give a positive integer.")
        params: dict[str, Any] = {}
        if start_date is not None:
            params["start_date"] = as_api_date(start_date, "start_date")
        if end_date is not None:
            params["end_date"] = as_api_date(end_date, "end_date")

        offset = 0
        while True:
            page = self._get_page({**params, "offset": offset, "limit": batch_size})
            records, total = page["result"], page["total"]
            if not records:
                if offset < total:
                    raise {{ cookiecutter.class_prefix }}APIError(
                        f"{RATINGS_ENDPOINT} returned an empty page at offset {offset} "
                        f"although its total is {total}; refusing to drop the remaining records."
                    )
                return
            yield from records
            offset += len(records)
            if offset >= total:
                return

    def test_connection(self) -> tuple[bool, str]:
        """Check that the API answers with the connection's credentials (used by the UI's Test button)."""
        try:
            page = self._get_page({"offset": 0, "limit": 1})
        except Exception as error:
            return False, str(error)
        return True, f"Connected; the API holds {page['total']} ratings."

    def _get_page(self, params: dict[str, Any]) -> dict[str, Any]:
        """GET one page; urllib3 retries failed requests, this loop retries broken bodies."""
        session, base_url = self.get_conn()
        url = base_url + RATINGS_ENDPOINT
        retry = self._retry
        while True:
            try:
                response = session.get(url, params=params, timeout=self._timeout)
                body = response.json() if response.ok else None
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.JSONDecodeError) as error:
                # The headers arrived but the body broke off or is not JSON: spend the same
                # retry budget, with the same backoff, as a failed request would.
                try:
                    retry = retry.increment(method="GET", url=url, error=ProtocolError(str(error)))
                except MaxRetryError:
                    raise {{ cookiecutter.class_prefix }}APIError(
                        f"GET {_without_credentials(url)} kept returning a broken body: {error}"
                    ) from None
                self.log.warning("Broken body from %s (%s); retrying", _without_credentials(url), error)
                retry.sleep()
                continue
            except requests.exceptions.RequestException as error:
                raise {{ cookiecutter.class_prefix }}APIError(
                    f"GET {_without_credentials(url)} failed after retries: {error}"
                ) from error
            break

        if not response.ok:
            raise {{ cookiecutter.class_prefix }}APIError(
                f"GET {_without_credentials(response.url)} returned HTTP {response.status_code} "
                f"{response.reason}: {response.text[:200]}"
            )
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("result"), list)
            or not _is_count(body.get("total"))
        ):
            found = sorted(body) if isinstance(body, dict) else type(body).__name__
            raise {{ cookiecutter.class_prefix }}APIError(
                f"GET {_without_credentials(response.url)} returned a body without a 'result' list "
                f"and a non-negative integer 'total' (found {found})."
            )
        return body


class _CappedRetry(Retry):
    """urllib3 Retry whose wait for ``Retry-After`` never exceeds ``backoff_max``."""

    def get_retry_after(self, response: Any) -> float | None:
        retry_after = super().get_retry_after(response)
        return None if retry_after is None else min(retry_after, self.backoff_max)


def as_api_date(value: str | dt.date, name: str) -> str:
    """Return ``value`` as the API's YYYY-MM-DD, or raise naming the parameter."""
    if isinstance(value, dt.date):  # datetimes included
        return value.strftime("%Y-%m-%d")
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise ValueError(f"{name}: {value!r} is not allowed; give a date as YYYY-MM-DD, a date or a datetime.")


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _setting(name: str, argument: Any, extras: dict[str, Any], default: Any, kind: type) -> Any:
    """Pick the hook argument, else the connection extra, else the default; refuse nonsense."""
    value = argument if argument is not None else extras.get(name, default)
    allowed = "a number of seconds above 0" if kind is float else "a whole number from 0 up"
    try:
        converted = kind(value)
    except (TypeError, ValueError):
        converted = None
    if isinstance(value, bool) or converted is None or converted < 0 or (kind is float and converted == 0):
        raise ValueError(f"{name}: {value!r} is not allowed; give {allowed}.")
    return converted


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
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
