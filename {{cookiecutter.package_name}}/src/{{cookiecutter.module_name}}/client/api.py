"""``RestApi``: what the client needs to know about one API, as ``../api.py`` fills it in."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .auth import NoAuth
from .paginators import Paginator
from .windows import Window


@dataclass(frozen=True)
class RestApi:
    """
    One endpoint of a JSON API that lists records page by page.

    :param base_url: Scheme, host, optional port and path prefix, used for whatever the
        Airflow connection leaves empty.
    :param endpoint: Path of the endpoint that lists the records, after ``base_url``.
    :param paginator: How to walk the pages (``paginators``).
    :param auth: How requests carry the connection's credentials (``auth``).
    :param records_key: Where a page's records are in its body, as a dotted key such as
        ``data.items``; empty when the body is the list itself.
    :param window: How the API filters by time (``windows``); None if it cannot.
    """

    base_url: str
    endpoint: str
    paginator: Paginator
    auth: NoAuth = field(default_factory=NoAuth)
    records_key: str = ""
    window: Window | None = None

    @property
    def body_keys(self) -> tuple[str, ...]:
        """
        The dotted keys a page's body is read by: ``records_key``, and the paginator's
        ``total_key``, ``total_pages_key``, ``next_cursor_key`` or ``next_url_key`` where it has them.
        """
        names = ("total_key", "total_pages_key", "next_cursor_key", "next_url_key")
        keys = (self.records_key, *(getattr(self.paginator, name, "") for name in names))
        return tuple(key for key in keys if key)

    @property
    def default_scheme(self) -> str:
        return urlsplit(self.base_url).scheme

    @property
    def default_host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    @property
    def default_port(self) -> int | None:
        return urlsplit(self.base_url).port

    @property
    def base_path(self) -> str:
        return urlsplit(self.base_url).path.rstrip("/")
