"""``RestApi``: what the client needs to know about one API, as ``../api.py`` fills it in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
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
    :param extra_params: Fixed query parameters, name to value, sent with every request the
        client builds itself (the first page, and every page of offset, page-number and cursor
        paging), never added to a URL the API hands back (``LinkHeader``, ``NextUrl``). A name
        the paginator, the window or the auth sets is refused.
    :param max_page_size: The largest page the API accepts. It is the fetch operator's default
        ``batch_size``; a larger ``batch_size`` is refused before any request.
    """

    base_url: str
    endpoint: str
    paginator: Paginator
    auth: NoAuth = field(default_factory=NoAuth)
    records_key: str = ""
    window: Window | None = None
    extra_params: Mapping[str, str] = field(default_factory=dict)
    max_page_size: int = 1000

    def __post_init__(self) -> None:
        size = self.max_page_size
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"max_page_size: {size!r} is not allowed; give a whole number from 1 up.")
        if not isinstance(self.extra_params, Mapping):
            raise ValueError(
                f"extra_params: {self.extra_params!r} is not allowed; give a mapping of parameter names to values."
            )
        taken = self.query_params
        for name, value in self.extra_params.items():
            if not isinstance(name, str) or not name or not isinstance(value, str):
                raise ValueError(
                    f"extra_params: {name!r}={value!r} is not allowed; give non-empty names and string values."
                )
            if name in taken:
                raise ValueError(
                    f"extra_params: {name!r} is not allowed; it is the {taken[name]} that the client "
                    "sets itself on every request. Leave it out of extra_params."
                )
        # A copy nobody can change: every request reads it.
        object.__setattr__(self, "extra_params", MappingProxyType(dict(self.extra_params)))

    @property
    def query_params(self) -> dict[str, str]:
        """The query parameters the paginator, the window and the auth set, each with what sets it."""
        taken: dict[str, str] = {}
        parts: list[tuple[str, Any]] = [("paginator", self.paginator), ("auth", self.auth)]
        if self.window is not None:
            parts.append(("window", self.window))
        for owner, part in parts:
            for attribute, value in vars(part).items():
                setting = attribute.endswith("_param") or attribute == "parameter"
                if setting and isinstance(value, str) and value:
                    taken[value] = f"{owner}'s {attribute} ({type(part).__name__})"
        return taken

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
