"""
What every paginator shares: the page it sees, the source it asks, the base class that reads
the window's count (``total_key`` or ``total_header``) and checks that paging did not end
early, and the checks the schemes make of each page.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .body import count_in
from .errors import APIError

# An API may send a few empty pages before more records; this many in a row means it never ends.
MAX_EMPTY_PAGES = 100
# Count headers APIs send without being asked for (json-server, many Rails and Express APIs).
WELL_KNOWN_COUNT_HEADERS = ("X-Total-Count", "X-Total")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Page:
    """
    One page as a paginator sees it: its records, its whole body, its URL, its links and its
    response headers (a case-insensitive mapping when the transport made the page).
    """

    records: list[Any]
    body: Any
    url: str
    links: Mapping[str, Mapping[str, str]]
    headers: Mapping[str, str] = field(default_factory=dict)


class PageSource(Protocol):
    """What a paginator needs of the client."""

    name: str  # the endpoint, for messages
    max_in_flight: int
    max_pages: int  # the most pages one run of a paginator may ask for

    def redact(self, text: str) -> str:
        """``text`` without the credentials a URL from the API may carry."""

    def get(self, params: dict[str, Any]) -> Page:
        """The endpoint's page for these query parameters."""

    def follow(self, url: str) -> Page:
        """The page at a URL the API handed out, if it is on the API's own origin."""

    def get_in_order(
        self, requests: Iterable[tuple[int, dict[str, Any]]]
    ) -> Generator[tuple[int, Page], None, None]:
        """Pages for many parameter sets, ``max_in_flight`` at a time, each with its position, in order."""


class Paginator:
    """
    The base of the paging schemes: the parameter that sets the page size, and where the
    API says how many records the window holds: ``total_key`` (a dotted key in the body)
    or ``total_header`` (a response header such as ``X-Total-Count``), or neither.

    Whatever the scheme, paging never ends in a silent partial result: if the API's own
    count says records remain when paging stops, that is an APIError naming the count and
    what arrived. Without a count, a well-known count header on the last page, or a
    next-page URL in a body paged by Link header or cursor, is an error naming the answer
    to change; a last page as full as asked is logged as a warning.
    """

    concurrent = False  # whether pages after the first can be asked for ahead
    total_key = ""
    scheme = ""  # the template's answer for the scheme, for messages
    follows_pages = False  # whether each page names the next (cursor, Link header)

    def __init__(self, *, limit_param: str = "limit", total_header: str = "") -> None:
        self.limit_param = limit_param
        self.total_header = total_header

    @property
    def counted(self) -> bool:
        """Whether each page says how many records the window holds."""
        return bool(self.total_key or self.total_header)

    def total(self, source: PageSource, page: Page) -> int:
        """The window's record count the page announces, under ``total_key`` or ``total_header``."""
        if self.total_key:
            return count_in(page.body, self.total_key)
        return count_in_header(source, page, self.total_header)

    def _counted_by(self) -> str:
        """The answer the count comes from, for messages."""
        if self.total_key:
            return f"total_key={self.total_key!r}"
        return f"total_header={self.total_header!r}"

    def _check_end(self, source: PageSource, page: Page, received: int, batch_size: int) -> None:
        """
        Paging has stopped after ``page``: an error if the API says records remain, else a
        warning if it may hold more and says nothing (see the class docstring).
        """
        scheme = self.scheme or type(self).__name__
        if self.counted:
            total = self.total(source, page)
            if received < total:
                raise APIError(
                    f"{source.name} stopped handing out pages after {received} records, but its count "
                    f"({self._counted_by()}) is {total}: refusing to write a partial file. Check the "
                    f"answers pagination ({scheme}) and {self._counted_by().split('=')[0]}."
                )
            return
        announced = [page.headers.get(header, "").strip() for header in WELL_KNOWN_COUNT_HEADERS]
        if any(value.isdigit() and int(value) == received for value in announced):
            return  # a count the API sends unasked says this is all
        for header in WELL_KNOWN_COUNT_HEADERS:
            value = page.headers.get(header)
            if value is not None and value.strip().isdigit() and int(value) > received:
                raise APIError(
                    f"{source.name} stopped handing out pages after {received} records, but its last "
                    f"page says {header}: {value.strip()}: refusing to write a partial file. Set "
                    f"total_header={header!r} to have that count checked, and check the answer "
                    f"pagination ({scheme}): the API may page differently."
                )
        if self.follows_pages:
            key = _next_url_key(page.body)
            if key:
                raise APIError(
                    f"{source.name} stopped handing out pages after {received} records, but its last "
                    f"page holds a next-page URL under {key!r}: this API pages by URLs in the body. "
                    f"Use pagination=next_url with next_url_key={key!r} (paginators.NextUrl)."
                )
        if page.records and len(page.records) == batch_size:
            log.warning(
                "%s: paging (%s) ended after %d records on a page as full as asked (%d): the API may "
                "hold more records it did not point to. Check the answers total_key/total_header and "
                "pagination.",
                source.name,
                scheme,
                received,
                batch_size,
            )

    def pages(
        self, source: PageSource, params: dict[str, Any], batch_size: int
    ) -> Generator[list[Any], None, None]:
        """Yield the records of every non-empty page for ``params``, ``batch_size`` asked for per page."""
        raise NotImplementedError

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in vars(self).items())
        return f"{type(self).__name__}({fields})"


def count_in_header(source: PageSource, page: Page, header: str) -> int:
    """A non-negative integer from the response header ``header``, or an error naming it."""
    value = page.headers.get(header)
    if value is None or not value.strip().isdigit():
        found = "no such header" if value is None else repr(value)
        raise APIError(
            f"GET {source.redact(page.url)}: expected a non-negative integer in the response header "
            f"{header!r} (total_header), found {found}."
        )
    return int(value.strip())


def is_absolute_url(value: str) -> bool:
    return value[:8].lower().startswith(("http://", "https://"))


def _next_url_key(body: Any) -> str:
    """A key holding an absolute http(s) URL whose name contains "next" (top level or one down), or ''."""
    if not isinstance(body, dict):
        return ""
    for key, value in body.items():
        if "next" in key.lower() and isinstance(value, str) and is_absolute_url(value):
            return key
    for key, value in body.items():
        if isinstance(value, dict):
            for inner, url in value.items():
                if "next" in inner.lower() and isinstance(url, str) and is_absolute_url(url):
                    return f"{key}.{inner}"
    return ""


def gap(source: PageSource, what: str) -> APIError:
    return APIError(f"{source.name} returned {what}; refusing to drop the remaining records.")


def not_repeated(
    source: PageSource, param: str, previous: list[Any], records: list[Any], where: str
) -> list[Any]:
    """The page just read, or an error if the API sent the same non-empty page twice in a row."""
    if records and records == previous:
        raise APIError(
            f"{source.name} returned the same page again at {where}; it seems to ignore "
            f"{param!r}, so paging would never end."
        )
    return records


def unchanged(source: PageSource, first: int | None, current: int, what: str) -> int:
    """The first count an API reported, or an error if it changed while the window was read."""
    if first is not None and current != first:
        raise APIError(
            f"{source.name} reported {first} at first but a {what} of {current}: the data changed "
            "while it was being read, so this run cannot promise a complete copy. Run it again."
        )
    return current


def count_empty(source: PageSource, empty_pages: int, records: list[Any]) -> int:
    """Consecutive empty pages so far, or an error once there are too many to be a real feed."""
    empty_pages = 0 if records else empty_pages + 1
    if empty_pages > MAX_EMPTY_PAGES:
        raise APIError(
            f"{source.name} sent {empty_pages} empty pages in a row, each pointing to another; "
            "stopping rather than paging forever."
        )
    return empty_pages
