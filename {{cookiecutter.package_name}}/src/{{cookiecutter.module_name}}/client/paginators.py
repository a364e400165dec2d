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
Paging that stops while the API's own count says records remain fails too, never a partial
file (``paging.Paginator``).
"""

import contextlib
from collections.abc import Generator
from typing import Any
from urllib.parse import urljoin

from .body import count_in, json_type, lookup
from .errors import APIError
from .limits import Fingerprints, one_more, shown, within_max_pages
from .paging import (
    Page,
    PageSource,
    Paginator,
    count_empty,
    gap,
    is_absolute_url,
    not_repeated,
    unchanged,
)

__all__ = ["Cursor", "LinkHeader", "NextUrl", "Offset", "Page", "PageNumber", "PageSource", "Paginator"]


class Offset(Paginator):
    """
    ``offset`` and ``limit`` parameters. The offset advances by the records actually
    received, so an API that caps its page size loses nothing. With a ``total_key`` (or a
    ``total_header``) an empty page before the total is an error and pages can be fetched
    ahead; without one, paging stops at the first empty page.
    """

    scheme = "offset"

    def __init__(
        self,
        *,
        offset_param: str = "offset",
        limit_param: str = "limit",
        total_key: str = "",
        total_header: str = "",
    ) -> None:
        super().__init__(limit_param=limit_param, total_header=total_header)
        self.offset_param = offset_param
        self.total_key = total_key
        self.concurrent = self.counted

    def pages(
        self, source: PageSource, params: dict[str, Any], batch_size: int
    ) -> Generator[list[Any], None, None]:
        params = {**params, self.limit_param: batch_size}
        offset, first_total, read = 0, None, 0
        previous: list[Any] = []
        while True:
            read = one_more(source, read)
            page = source.get({**params, self.offset_param: offset})
            previous = not_repeated(source, self.offset_param, previous, page.records, f"offset {offset}")
            if not self.counted:
                if not page.records:
                    self._check_end(source, page, offset, batch_size)
                    return
                yield page.records
                offset += len(page.records)
                continue
            total = self.total(source, page)
            first_total = unchanged(source, first_total, total, f"total at offset {offset}")
            if not page.records:
                if offset < total:
                    raise gap(source, f"an empty page at offset {offset} although its total is {total}")
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
                    previous = not_repeated(
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
        unchanged(source, total, self.total(source, page), f"total at offset {offset}")
        if not page.records:
            raise gap(source, f"an empty page at offset {offset} although its total is {total}")
        if len(page.records) > step:
            raise APIError(
                f"{source.name} returned {len(page.records)} records at offset {offset}, more than the "
                f"{step} of its earlier pages: its page size changed during the run, so pages would "
                "overlap. Run it again."
            )


class PageNumber(Paginator):
    """
    A page number (from ``first_page``) and a page size. Paging stops at the ``total_key``
    (or ``total_header``) count of records, or after the ``total_pages_key`` count of pages; with neither, at an
    empty page or a page shorter than the longest seen (an API that caps its page size
    below ``batch_size`` still loses nothing). With a count, pages can be fetched ahead.
    """

    scheme = "page"

    def __init__(
        self,
        *,
        page_param: str = "page",
        limit_param: str = "limit",
        total_key: str = "",
        total_pages_key: str = "",
        first_page: int = 1,
        total_header: str = "",
    ) -> None:
        super().__init__(limit_param=limit_param, total_header=total_header)
        self.page_param = page_param
        self.total_key = total_key
        self.total_pages_key = total_pages_key
        self.first_page = first_page
        self.concurrent = self.counted or bool(total_pages_key)

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
            previous = not_repeated(source, self.page_param, previous, page.records, f"page {number}")
            if self.counted:
                total = self.total(source, page)
                first_count = unchanged(source, first_count, total, f"total on page {number}")
                if not page.records:
                    if received < total:
                        raise gap(
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
                first_count = unchanged(source, first_count, total, f"page count on page {number}")
                last_page = self.first_page + total - 1
                if not page.records:
                    if number <= last_page:
                        raise gap(source, f"an empty page {number} although it announces {total} pages")
                    return
                yield page.records
                if number >= last_page:
                    return
                within_max_pages(source, read, last_page - number, len(page.records), total, pages=True)
            else:
                if not page.records:
                    self._check_end(source, page, received, batch_size)
                    return
                yield page.records
                received += len(page.records)
                if len(page.records) < longest:
                    self._check_end(source, page, received, batch_size)
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
                previous = not_repeated(source, self.page_param, previous, page.records, f"page {number}")
                yield page.records

    def _check_ahead(
        self, source: PageSource, page: Page, step: int, count: int, number: int, last_page: int
    ) -> None:
        """A page asked for ahead must have the size that the first page and the count imply."""
        got = len(page.records)
        if self.counted:
            unchanged(source, count, self.total(source, page), f"total on page {number}")
            expected = min(step, count - (number - self.first_page) * step)
            wrong, shape = got != expected, f"{expected}"
        else:
            unchanged(
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
    paging stops when it is missing or empty. A cursor that comes back is an error, and so
    is one that is a whole URL (the API pages by next-page URLs: use ``NextUrl``). An
    optional ``total_key`` or ``total_header`` is checked when paging ends.
    """

    scheme = "cursor"
    follows_pages = True

    def __init__(
        self,
        *,
        cursor_param: str = "cursor",
        next_cursor_key: str = "next_cursor",
        limit_param: str = "limit",
        total_key: str = "",
        total_header: str = "",
    ) -> None:
        super().__init__(limit_param=limit_param, total_header=total_header)
        self.cursor_param = cursor_param
        self.next_cursor_key = next_cursor_key
        self.total_key = total_key

    def pages(
        self, source: PageSource, params: dict[str, Any], batch_size: int
    ) -> Generator[list[Any], None, None]:
        params = {**params, self.limit_param: batch_size}
        cursors_seen = Fingerprints()
        empty_pages, read, received = 0, 0, 0
        while True:
            read = one_more(source, read)
            page = source.get(params)
            if page.records:
                yield page.records
                received += len(page.records)
            empty_pages = count_empty(source, empty_pages, page.records)
            value = lookup(page.body, self.next_cursor_key)
            if value is None or value == "":
                self._check_end(source, page, received, batch_size)
                return
            if type(value) not in (str, int):  # a bool is an int, but not a cursor
                raise APIError(
                    f"GET {source.redact(page.url)} sent {json_type(value)} as its next cursor under "
                    f"{self.next_cursor_key!r}; a cursor must be a string or an integer."
                )
            cursor = str(value)
            if is_absolute_url(cursor):
                raise APIError(
                    f"GET {source.redact(page.url)} sent a whole URL as its next cursor under "
                    f"{self.next_cursor_key!r} ({shown(source.redact(cursor), quote=False)}): this API "
                    f"pages by next-page URLs. Use pagination=next_url with "
                    f"next_url_key={self.next_cursor_key!r} (paginators.NextUrl)."
                )
            if not cursors_seen.add(cursor):
                raise APIError(
                    f"{source.name} sent the cursor {shown(cursor)} a second time; "
                    "stopping rather than reading the same pages forever."
                )
            params = {**params, self.cursor_param: cursor}


class _Links(Paginator):
    """The schemes that follow next-page URLs the API hands out."""

    def __init__(self, *, limit_param: str = "limit", total_key: str = "", total_header: str = "") -> None:
        super().__init__(limit_param=limit_param, total_header=total_header)
        self.total_key = total_key

    def next_url(self, source: PageSource, page: Page) -> str | None:
        """The URL of the page after ``page`` as the API wrote it, or None at the end."""
        raise NotImplementedError

    def pages(
        self, source: PageSource, params: dict[str, Any], batch_size: int
    ) -> Generator[list[Any], None, None]:
        read = one_more(source, 0)
        page = source.get({**params, self.limit_param: batch_size})
        links_seen = Fingerprints()
        empty_pages, received = 0, 0
        while True:
            if page.records:
                yield page.records
                received += len(page.records)
            empty_pages = count_empty(source, empty_pages, page.records)
            link = self.next_url(source, page)
            if not link:
                self._check_end(source, page, received, batch_size)
                return
            link = urljoin(page.url, link)
            if not links_seen.add(link):
                raise APIError(
                    f"{source.name} linked to {shown(source.redact(link), quote=False)} a second time; "
                    "stopping rather than reading the same pages forever."
                )
            read = one_more(source, read)
            page = source.follow(link)


class LinkHeader(_Links):
    """
    Each response links to the next page in its ``Link: <...>; rel="next"`` header;
    paging stops when there is none. A link seen before is an error, and the client
    refuses a link to another scheme, host or port before any credential goes there.
    An optional ``total_key`` or ``total_header`` is checked when paging ends.
    """

    scheme = "link_header"
    follows_pages = True

    def next_url(self, source: PageSource, page: Page) -> str | None:
        return page.links.get("next", {}).get("url")


class NextUrl(_Links):
    """
    Each page's body holds the URL of the next one under ``next_url_key`` (DRF's ``next``,
    ``links.next``, OData's ``@odata.nextLink``: the literal key first, then the dotted
    path); paging stops when it is null, missing or empty. The first request carries the
    window's parameters and ``limit_param``; the URLs the API hands back are followed as
    they are (relative ones against the page's URL), with LinkHeader's rules: a URL seen
    before is an error, and one to another scheme, host or port is refused before any
    credential goes there. An optional ``total_key`` or ``total_header`` is checked when
    paging ends.
    """

    scheme = "next_url"

    def __init__(
        self,
        *,
        next_url_key: str = "next",
        limit_param: str = "limit",
        total_key: str = "",
        total_header: str = "",
    ) -> None:
        super().__init__(limit_param=limit_param, total_key=total_key, total_header=total_header)
        self.next_url_key = next_url_key

    def next_url(self, source: PageSource, page: Page) -> str | None:
        value = lookup(page.body, self.next_url_key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise APIError(
                f"GET {source.redact(page.url)} sent {json_type(value)} as its next-page URL under "
                f"{self.next_url_key!r} (next_url_key); it must be a string, null or missing."
            )
        return value
