"""
Window splitting: one window cut into sub-windows, each paged on its own, side by side.

Paging schemes where each page names the next (cursor, Link header, next URL) or that
have no total cannot ask for pages ahead, so one window is one request at a time however
high ``max_in_flight`` is. When the API filters by time, ``split`` cuts the window
``[start, end)`` into sub-windows of equal length that share their edges (each end is the
next one's start, and the window's format writes both the same way), so every record falls
in exactly one. Up to ``max_in_flight`` sub-windows are paged at once, each with every check
of its paginator, and their pages are yielded in the order of the sub-windows. Lengths are
counted in real time (UTC), not on the wall clock: a window across a change to or from summer
time is cut into sub-windows of equal real length.

The output is the unsplit run's, record for record, when the API returns a window's records
in time order (oldest first), as most date-filtered APIs do: records are never lost or doubled
at an edge, and only that order is assumed. A sub-window's pages wait in a temporary file
(under ``TMPDIR``) until its turn, so memory stays flat however far ahead the others are; a
sub-window starts only within ``LOOKAHEAD`` sub-windows per worker of the one being read,
so the files hold at most that many sub-windows' records. When one sub-window fails, or the caller stops
reading, the others give up at their next wait and only requests on the wire are waited for.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import tempfile
import threading
from collections import deque
from collections.abc import Generator
from concurrent.futures import ThreadPoolExecutor
from typing import IO, TYPE_CHECKING, Any

import msgspec

from .settings import AUTO
from .windows import UTC, Bound, Dates

if TYPE_CHECKING:
    from .api import RestApi
    from .client import Client

# The most sub-windows one window is cut into.
MAX_SPLIT = 256
# split="auto" cuts into this many sub-windows per request allowed in flight, so that one
# slow sub-window (a busy hour) does not leave the others idle.
PARTS_PER_REQUEST = 2
# split="auto" with max_in_flight="auto": sub-windows paged at once, at most.
AUTO_WORKERS = 16
# A sub-window starts only once the one being read is fewer than this many sub-windows per
# worker before it: the temporary files hold that many sub-windows at most.
LOOKAHEAD = 2

_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder()


def checked_split(split: Any, api: RestApi) -> int | str | None:
    """``split`` as a number of sub-windows (2 up), ``"auto"``, or None for no split; else ValueError."""
    if split is None:
        return None
    allowed = f'give a whole number from 1 to {MAX_SPLIT} (sub-windows), "{AUTO}" or None'
    # The type first: True and 1.0 equal 1, but neither is a number of sub-windows.
    if split != AUTO and (
        isinstance(split, bool) or not isinstance(split, int) or not 1 <= split <= MAX_SPLIT
    ):
        raise ValueError(f"split: {split!r} is not allowed; {allowed}.")
    if split == 1:
        return None
    if api.window is None:
        raise ValueError(
            f"split: {split!r} is not allowed; this API has no date filter (window=None in api.py), "
            "so a window cannot be cut. Leave split at None."
        )
    return split


def parts_for(
    client: Client, split: int | str | None, start: Bound | None, end: Bound | None
) -> int | str | None:
    """How many sub-windows to cut, ``"auto"`` (from the first page), or None to page the window whole."""
    if split is None:
        return None
    log, name = client.transport.logger, client.name
    if start is None or end is None:
        raise ValueError(
            f"split: {split!r} needs a window with both ends; got start {start!r} and end {end!r}."
        )
    if client.api.paginator.concurrent:
        log.info(
            "%s: split=%r has no effect: %r asks for pages ahead already", name, split, client.api.paginator
        )
        return None
    if client.transport.settings.ceiling == 1:
        log.info(
            "%s: split=%r has no effect at max_in_flight=1: sub-windows would be paged one by one",
            name,
            split,
        )
        return None
    return split


def workers(client: Client) -> int:
    """Sub-windows paged at once: ``max_in_flight``, or AUTO_WORKERS when it adapts."""
    settings = client.transport.settings
    return AUTO_WORKERS if settings.adaptive else settings.ceiling


def split_pages(
    client: Client, start: Bound, end: Bound, size: int, parts: int | str
) -> Generator[list[Any], None, None]:
    """Yield the pages of ``[start, end)`` in order, cut into ``parts`` sub-windows paged side by side."""
    paginator = client.api.paginator
    if parts == AUTO:
        # A request or two say whether the window is more than a page: a short first page
        # usually is all of it, unless the API sends fewer records a page than asked for.
        whole = paginator.pages(client, client.window_params(start, end), size)
        with contextlib.closing(whole):
            first = next(whole, None)
            if first is None:
                return
            if len(first) < size:
                second = next(whole, None)
                if second is None:
                    yield first
                    return
                client.transport.logger.info(
                    "%s: the API sent %d records of the %d asked for a page, and another page; "
                    "splitting the window",
                    client.name,
                    len(first),
                    size,
                )
        parts = PARTS_PER_REQUEST * workers(client)
    assert isinstance(parts, int)  # noqa: S101 - "auto" became a number above
    bounds = cut(client, start, end, parts)
    if len(bounds) < 2:
        yield from paginator.pages(client, client.window_params(start, end), size)
        return
    client.transport.logger.info(
        "%s: [%s, %s) cut into %d sub-windows, %d paged at once",
        client.name,
        start,
        end,
        len(bounds),
        min(len(bounds), workers(client)),
    )
    yield from _Split(client, bounds, size).pages()


def cut(client: Client, start: Bound, end: Bound, parts: int) -> list[tuple[Bound, Bound]]:
    """
    ``[start, end)`` as up to ``parts`` sub-windows of (nearly) equal length, in order.

    Inner edges fall on whole days in the API's zone for ``windows.Dates``, else on whole
    seconds after ``start``, measured in UTC (a day across a change of summer time has 23
    or 25 hours); the outer edges are ``start`` and ``end`` as given.
    """
    window = client.api.window
    assert window is not None  # noqa: S101 - checked_split refused a split without one
    low, high = window.instant(start, "window_start"), window.instant(end, "window_end")
    edges: list[Bound]
    if isinstance(window, Dates):
        first, last = low.date(), high.date()
        days = (last - first).days
        parts = min(parts, days)
        dates = sorted({first + dt.timedelta(days=round(i * days / parts)) for i in range(1, parts)})
        inside = all(first < day < last for day in dates)
        edges = list(dates)
    else:
        # Subtracting two times of one zone would give their wall clocks' difference.
        low, high = low.astimezone(UTC), high.astimezone(UTC)
        seconds = int((high - low).total_seconds())
        parts = min(parts, seconds)
        moments = sorted({low + dt.timedelta(seconds=round(i * seconds / parts)) for i in range(1, parts)})
        inside = all(low < moment < high for moment in moments)
        edges = list(moments)
    if not inside:  # each edge strictly inside the window, or sub-windows would overlap
        raise AssertionError(f"sub-window edges {edges} are not all inside [{start}, {end})")
    points = [start, *edges, end]
    return list(itertools.pairwise(points))


class _Spool:
    """One sub-window's pages, as its worker fetches them: a temporary file read in order."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile(buffering=0)  # noqa: SIM115 - closed by _Split
        self.lengths: deque[int] = deque()
        self.read_at = 0
        self.done = False


class _Split:
    """Pages sub-windows in worker threads into spools, and yields the spools' pages in order."""

    def __init__(self, client: Client, bounds: list[tuple[Bound, Bound]], size: int) -> None:
        self.client = client
        self.bounds = bounds
        self.size = size
        self.spools = [_Spool() for _ in bounds]
        self.changed = threading.Condition()
        self.failure: BaseException | None = None
        self.stopped = False
        self.stop = threading.Event()  # ends the workers' waits between retries and for a turn
        self.reading = 0  # the sub-window whose pages are being yielded
        self.ahead = LOOKAHEAD * workers(client)

    def pages(self) -> Generator[list[Any], None, None]:
        pool = ThreadPoolExecutor(min(len(self.bounds), workers(self.client)), thread_name_prefix="split")
        try:
            for index in range(len(self.bounds)):
                pool.submit(self._work, index)
            for index, spool in enumerate(self.spools):
                with self.changed:
                    self.reading = index
                    self.changed.notify_all()
                while True:
                    page = self._next(spool)
                    if page is None:
                        break
                    yield page
                spool.file.close()  # its disk space back as soon as it is written out
        finally:
            with self.changed:
                self.stopped = True
                self.changed.notify_all()
            self.client.transport.stop(self.stop)
            pool.shutdown(wait=True, cancel_futures=True)
            for spool in self.spools:
                spool.file.close()
            self.client.transport.forget_finished_threads()

    def _next(self, spool: _Spool) -> list[Any] | None:
        """The spool's next page, waiting for its worker; None at its end; a worker's error at once."""
        with self.changed:
            while not spool.lengths and not spool.done and self.failure is None:
                self.changed.wait()
            if self.failure is not None:
                raise self.failure
            if not spool.lengths:
                return None
            length = spool.lengths.popleft()
        # pread leaves the file's position, where the worker appends, alone.
        data = os.pread(spool.file.fileno(), length, spool.read_at)
        spool.read_at += length
        page: list[Any] = _DECODER.decode(data)
        return page

    def _work(self, index: int) -> None:
        """Page sub-window ``index`` into its spool (the file's end is only ever written here)."""
        spool = self.spools[index]
        start, end = self.bounds[index]
        try:
            with self.changed:  # not too far ahead of the reader: the spools would only grow
                while index >= self.reading + self.ahead and not self.stopped and self.failure is None:
                    self.changed.wait()
                if self.stopped or self.failure is not None:
                    return
            window = self.client.window_params(start, end)
            pages = self.client.api.paginator.pages(self.client, window, self.size)
            with self.client.transport.stopping_on(self.stop), contextlib.closing(pages):
                for page in pages:
                    data = _ENCODER.encode(page)
                    with self.changed:
                        if self.stopped or self.failure is not None:
                            return
                        view = memoryview(data)
                        while view:  # a raw file may take less than all at once
                            view = view[spool.file.write(view) or 0 :]
                        spool.lengths.append(len(data))
                        self.changed.notify_all()
        except BaseException as error:  # handed to the reader, which raises it in the caller's thread
            with self.changed:
                if self.failure is None:
                    self.failure = error
                self.changed.notify_all()
            # The others give up at their next wait, even while the caller is busy with a page.
            self.client.transport.stop(self.stop)
        finally:
            with self.changed:
                spool.done = True
                self.changed.notify_all()
