"""
How to walk the pages of one window: one small class per paging scheme.

A paginator asks its ``PageSource`` (the client) for pages and yields their records in
the API's order. It never trusts a page blindly: an empty page before the announced
total, a total that changes mid-run, a page or cursor or link that repeats, or endless
empty pages are errors, never a silent stop or an endless loop. No run reads more than
the source's ``max_pages`` pages: a total that announces more fails after the first page,
and an API that keeps pointing onwards fails at the limit. Cursors and links seen are kept
as fixed-size digests, so memory stays flat however long they are. Paginators whose page
positions are known after the first page (offset or page numbers with a total) ask for
the rest ``max_in_flight`` at a time and still yield them in order.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urljoin

from .body import count_in, json_type, lookup
from .errors import APIError
from .limits import Fingerprints, one_more, shown, within_max_pages

# An API may send a few empty pages before more records; this many in a row means it never ends.
MAX_EMPTY_PAGES = 100


@dataclass(frozen=True)
class Page:
    """One page as a paginator sees it: its records, its whole body, its URL and its links."""

    records: list[Any]
    body: Any
    url: str
    links: Mapping[str, Mapping[str, str]]


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
    """The base of the paging schemes: the parameter that sets the page size."""

    concurrent = False  # whether pages after the first can be asked for ahead

    def __init__(self, *, limit_param: str = "limit") -> None:
        self.limit_param = limit_param

    def pages(
        self, source: PageSource, params: dict[str, Any], batch_size: int
    ) -> Generator[list[Any], None, None]:
        """Yield the records of every non-empty page for ``params``, ``batch_size`` asked for per page."""
        raise NotImplementedError

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in vars(self).items())
        return f"{type(self).__name__}({fields})"


class Offset(Paginator):
    """
    ``offset`` and ``limit`` parameters. The offset advances by the records actually
    received, so an API that caps its page size loses nothing. With a ``total_key``
    an empty page before the total is an error and pages can be fetched ahead;
    without one, paging stops at the first empty page.
    """

    def __init__(
        self, *, offset_param: str = "offset", limit_param: str = "limit", total_key: str = ""
    ) -> None:
        super().__init__(limit_param=limit_param)
        self.offset_param = offset_param
        self.total_key = total_key
        self.concurrent = bool(total_key)

    def pages(
        self, source: PageSource, params: dict[str, Any], batch_size: int
    ) -> Generator[list[Any], None, None]:
        params = {**params, self.limit_param: batch_size}
        offset, first_total, read = 0, None, 0
        previous: list[Any] = []
        while True:
            read = one_more(source, read)
            page = source.get({**params, self.offset_param: offset})
            previous = _not_repeated(source, self.offset_param, previous, page.records, f"offset {offset}")
            if not self.total_key:
                if not page.records:
                    return
                yield page.records
                offset += len(page.records)
                continue
            total = count_in(page.body, self.total_key)
            first_total = _unchanged(source, first_total, total, f"total at offset {offset}")
            if not page.records:
                if offset < total:
                    raise _gap(source, f"an empty page at offset {offset} although its total is {total}")
                return
            yield page.records
            offset += len(page.records)
            if offset >= total:
                return
            step = len(page.records)
            within_max_pages(source, read, total - offset, step, total)
            if source.max_in_flight == 1:
                continue
            # While pages keep this size, every later offset is known: ask for them ahead.
            ahead = source.get_in_order(
                (position, {**params, self.offset_param: position}) for position in range(offset, total, step)
            )
            with contextlib.closing(ahead):
                for position, page in ahead:
                    read = one_more(source, read)
                    self._check_ahead(source, page, step, total, position)
                    previous = _not_repeated(
                        source, self.offset_param, previous, page.records, f"offset {position}"
                    )
                    yield page.records
                    offset = position + len(page.records)
                    if len(page.records) < min(step, total - position):
                        break  # a short page: the offsets asked for ahead are off, so go on from here
            if offset >= total:
                return

    def _check_ahead(self, source: PageSource, page: Page, step: int, total: int, offset: int) -> None:
        """A page asked for ahead must hold at least one record and at most ``step``."""
        _unchanged(source, total, count_in(page.body, self.total_key), f"total at offset {offset}")
        if not page.records:
            raise _gap(source, f"an empty page at offset {offset} although its total is {total}")
        if len(page.records) > step:
            raise APIError(
                f"{source.name} returned {len(page.records)} records at offset {offset}, more than the "
                f"{step} of its earlier pages: its page size changed during the run, so pages would "
                "overlap. Run it again."
            )


class PageNumber(Paginator):
    """
    A page number (from ``first_page``) and a page size. Paging stops at the ``total_key``
    count of records, or after the ``total_pages_key`` count of pages; with neither, at an
    empty page or a page shorter than the longest seen (an API that caps its page size
    below ``batch_size`` still loses nothing). With a count, pages can be fetched ahead.
    """

    def __init__(
        self,
        *,
        page_param: str = "page",
        limit_param: str = "limit",
        total_key: str = "",
        total_pages_key: str = "",
        first_page: int = 1,
    ) -> None:
        super().__init__(limit_param=limit_param)
        self.page_param = page_param
        self.total_key = total_key
        self.total_pages_key = total_pages_key
        self.first_page = first_page
        self.concurrent = bool(total_key or total_pages_key)

    def pages(
        self, source: PageSource, params: dict[str, Any], batch_size: int
    ) -> Generator[list[Any], None, None]:
        params = {**params, self.limit_param: batch_size}
        number, received, longest, read = self.first_page, 0, 0, 0
        previous: list[Any] = []
        first_count: int | None = None
        while True:
            read = one_more(source, read)
            page = source.get({**params, self.page_param: number})
            previous = _not_repeated(source, self.page_param, previous, page.records, f"page {number}")
            if self.total_key:
                total = count_in(page.body, self.total_key)
                first_count = _unchanged(source, first_count, total, f"total on page {number}")
                if not page.records:
                    if received < total:
                        raise _gap(
                            source,
                            f"an empty page {number} after {received} records although its total is {total}",
                        )
                    return
                yield page.records
                received += len(page.records)
                if received >= total:
                    return
                within_max_pages(source, read, total - received, len(page.records), total)
                last_page = self.first_page + (total - 1) // len(page.records)
            elif self.total_pages_key:
                total = count_in(page.body, self.total_pages_key)
                first_count = _unchanged(source, first_count, total, f"page count on page {number}")
                last_page = self.first_page + total - 1
                if not page.records:
                    if number <= last_page:
                        raise _gap(source, f"an empty page {number} although it announces {total} pages")
                    return
                yield page.records
                if number >= last_page:
                    return
                within_max_pages(source, read, last_page - number, len(page.records), total, pages=True)
            else:
                if not page.records:
                    return
                yield page.records
                if len(page.records) < longest:
                    return
                longest = max(longest, len(page.records))
            if self.concurrent and source.max_in_flight > 1:
                # The first page fixed the page size and the count: fetch the rest ahead, in order.
                yield from self._ahead(source, params, page.records, first_count or 0, number, last_page)
                return
            number += 1

    def _ahead(
        self,
        source: PageSource,
        params: dict[str, Any],
        first: list[Any],
        count: int,
        after: int,
        last_page: int,
    ) -> Generator[list[Any], None, None]:
        # Each page is compared with the one before, starting from the last page read in order.
        step, previous = len(first), first
        ahead = source.get_in_order(
            (number, {**params, self.page_param: number}) for number in range(after + 1, last_page + 1)
        )
        with contextlib.closing(ahead):
            for number, page in ahead:
                # The count was checked against max_pages before these were asked for.
                self._check_ahead(source, page, step, count, number, last_page)
                previous = _not_repeated(source, self.page_param, previous, page.records, f"page {number}")
                yield page.records

    def _check_ahead(
        self, source: PageSource, page: Page, step: int, count: int, number: int, last_page: int
    ) -> None:
        """A page asked for ahead must have the size that the first page and the count imply."""
        got = len(page.records)
        if self.total_key:
            _unchanged(source, count, count_in(page.body, self.total_key), f"total on page {number}")
            expected = min(step, count - (number - self.first_page) * step)
            wrong, shape = got != expected, f"{expected}"
        else:
            _unchanged(
                source, count, count_in(page.body, self.total_pages_key), f"page count on page {number}"
            )
            wrong = not 1 <= got <= step or (number < last_page and got != step)
            shape = f"1 to {step}" if number == last_page else str(step)
        if wrong:
            raise APIError(
                f"{source.name} returned {got} records on page {number} where {shape} were expected "
                f"(pages of {step}, {count} in all): its page size or its data changed during the run. "
                "Run it again, or with max_in_flight=1."
            )


class Cursor(Paginator):
    """
    Each page names the cursor of the next one under ``next_cursor_key`` (a dotted key);
    paging stops when it is missing or empty. A cursor that comes back is an error.
    """

    def __init__(
        self,
        *,
        cursor_param: str = "cursor",
        next_cursor_key: str = "next_cursor",
        limit_param: str = "limit",
    ) -> None:
        super().__init__(limit_param=limit_param)
        self.cursor_param = cursor_param
        self.next_cursor_key = next_cursor_key

    def pages(
        self, source: PageSource, params: dict[str, Any], batch_size: int
    ) -> Generator[list[Any], None, None]:
        params = {**params, self.limit_param: batch_size}
        cursors_seen = Fingerprints()
        empty_pages, read = 0, 0
        while True:
            read = one_more(source, read)
            page = source.get(params)
            if page.records:
                yield page.records
            empty_pages = _count_empty(source, empty_pages, page.records)
            value = lookup(page.body, self.next_cursor_key)
            if value is None or value == "":
                return
            if type(value) not in (str, int):  # a bool is an int, but not a cursor
                raise APIError(
                    f"GET {source.redact(page.url)} sent {json_type(value)} as its next cursor under "
                    f"{self.next_cursor_key!r}; a cursor must be a string or an integer."
                )
            cursor = str(value)
            if not cursors_seen.add(cursor):
                raise APIError(
                    f"{source.name} sent the cursor {shown(cursor)} a second time; "
                    "stopping rather than reading the same pages forever."
                )
            params = {**params, self.cursor_param: cursor}


class LinkHeader(Paginator):
    """
    Each response links to the next page in its ``Link: <...>; rel="next"`` header;
    paging stops when there is none. A link seen before is an error, and the client
    refuses a link to another scheme, host or port before any credential goes there.
    """

    def pages(
        self, source: PageSource, params: dict[str, Any], batch_size: int
    ) -> Generator[list[Any], None, None]:
        read = one_more(source, 0)
        page = source.get({**params, self.limit_param: batch_size})
        links_seen = Fingerprints()
        empty_pages = 0
        while True:
            if page.records:
                yield page.records
            empty_pages = _count_empty(source, empty_pages, page.records)
            link = page.links.get("next", {}).get("url")
            if not link:
                return
            link = urljoin(page.url, link)
            if not links_seen.add(link):
                raise APIError(
                    f"{source.name} linked to {shown(source.redact(link), quote=False)} a second time; "
                    "stopping rather than reading the same pages forever."
                )
            read = one_more(source, read)
            page = source.follow(link)


def _gap(source: PageSource, what: str) -> APIError:
    return APIError(f"{source.name} returned {what}; refusing to drop the remaining records.")


def _not_repeated(
    source: PageSource, param: str, previous: list[Any], records: list[Any], where: str
) -> list[Any]:
    """The page just read, or an error if the API sent the same non-empty page twice in a row."""
    if records and records == previous:
        raise APIError(
            f"{source.name} returned the same page again at {where}; it seems to ignore "
            f"{param!r}, so paging would never end."
        )
    return records


def _unchanged(source: PageSource, first: int | None, current: int, what: str) -> int:
    """The first count an API reported, or an error if it changed while the window was read."""
    if first is not None and current != first:
        raise APIError(
            f"{source.name} reported {first} at first but a {what} of {current}: the data changed "
            "while it was being read, so this run cannot promise a complete copy. Run it again."
        )
    return current


def _count_empty(source: PageSource, empty_pages: int, records: list[Any]) -> int:
    """Consecutive empty pages so far, or an error once there are too many to be a real feed."""
    empty_pages = 0 if records else empty_pages + 1
    if empty_pages > MAX_EMPTY_PAGES:
        raise APIError(
            f"{source.name} sent {empty_pages} empty pages in a row, each pointing to another; "
            "stopping rather than paging forever."
        )
    return empty_pages
