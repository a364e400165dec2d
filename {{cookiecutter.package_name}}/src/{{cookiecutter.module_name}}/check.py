"""
Check ``api.py`` against the live API: ``python -m {{ cookiecutter.module_name }}.check --conn-id ID``.

It fetches a small window through the hook, with the real connection, client and transport,
and says whether the API behaves as ``api.py`` describes it: the page size asked for
(honoured, capped or ignored), the count the API gives (``total_key`` or ``total_header``)
against what arrived, and the window's edges (``window_end``, ``api_timezone``,
``start_param``/``end_param``), by fetching ``[start, mid)``, ``[mid, end)`` and
``[start, end)`` and comparing their records.

Exit status: 0 when everything agrees, 1 when something does not (each printed with the
``api.py`` argument and the template answer to change), 2 when the check could not run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import sys
import threading
from collections import Counter
from collections.abc import Sequence
from typing import Any

from airflow.sdk.exceptions import AirflowNotFoundException

from .client.body import count_in
from .client.client import Client
from .client.errors import APIError
from .client.paging import Page
from .client.windows import Dates, EpochSeconds, Window, as_datetime
from .hooks import {{ cookiecutter.class_prefix }}Hook as Hook

DEFAULT_BATCH_SIZE = 5


class ObservedClient(Client):
    """The hook's client, unchanged, but keeping every page it fetches, in order."""

    def __init__(self, client: Client) -> None:
        super().__init__(client.api, client.transport, client.base_url)
        self.max_in_flight = 1  # one page at a time, so the pages kept are in the API's order
        self.seen: list[Page] = []
        self._lock = threading.Lock()

    def get(self, params: dict[str, Any]) -> Page:
        return self._keep(super().get(params))

    def follow(self, url: str) -> Page:
        return self._keep(super().follow(url))

    def _keep(self, page: Page) -> Page:
        with self._lock:
            self.seen.append(page)
        return page

    def fetch(self, start: Any, end: Any, batch_size: int) -> tuple[list[Page], Counter[str]]:
        """The pages fetched for ``[start, end)`` and the multiset of their records, as canonical JSON."""
        self.seen = []
        records: Counter[str] = Counter()
        pages = self.pages(start, end, batch_size)
        with contextlib.closing(pages):
            for page in pages:
                records.update(canonical(record) for record in page)
        return list(self.seen), records


def canonical(record: Any) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class Report:
    """What the check found: lines printed as they come, and the mismatches counted."""

    def __init__(self, redact: Any) -> None:
        self.redact = redact
        self.mismatches = 0

    def say(self, text: str) -> None:
        print(self.redact(text), flush=True)

    def ok(self, text: str) -> None:
        self.say(f"  ok        {text}")

    def note(self, text: str) -> None:
        self.say(f"  note      {text}")

    def mismatch(self, text: str, change: str) -> None:
        self.mismatches += 1
        self.say(f"  MISMATCH  {text}\n            change: {change}")


def default_window(window: Window) -> tuple[dt.datetime, dt.datetime]:
    """The last two whole days in the API's zone."""
    today = dt.datetime.now(window.zone).date()
    start = dt.datetime.combine(today - dt.timedelta(days=2), dt.time(), window.zone)
    return start, dt.datetime.combine(today, dt.time(), window.zone)


def middle(window: Window, start: dt.datetime, end: dt.datetime) -> dt.datetime | None:
    """An instant between ``start`` and ``end`` the API can filter on, or None if there is none."""
    if isinstance(window, Dates):
        days = (end.date() - start.date()).days
        return None if days < 2 else start + dt.timedelta(days=days // 2)
    mid = start + (end - start) / 2
    if isinstance(window, EpochSeconds):
        mid = mid.replace(microsecond=0)
    return mid if start < mid < end else None


def check_pages(report: Report, pages: list[Page], batch_size: int, api: Any) -> None:
    sizes = [len(page.records) for page in pages]
    shown = ", ".join(map(str, sizes[:20])) + (", ..." if len(sizes) > 20 else "")
    report.say(f"pages: {len(pages)} fetched, records per page: {shown or 'none'}")
    limit_param = getattr(api.paginator, "limit_param", "")
    # A run that ends at an empty page (paging without a count) has its last records on the page before.
    filled = [size for size in sizes if size]
    if any(size > batch_size for size in sizes):
        report.mismatch(
            f"asked for {batch_size} records a page ({limit_param}={batch_size}), a page held {max(sizes)}: "
            "the API ignores the page size parameter",
            f"the paginator's limit_param={limit_param!r} in api.py (the limit_param answer): "
            "the name of the parameter the API reads the page size from",
        )
    elif any(size < batch_size for size in filled[:-1]):
        capped = max(filled[:-1])
        report.mismatch(
            f"asked for {batch_size} records a page, the API sent at most {capped} on pages before the last: "
            f"it caps the page size at {capped}",
            f"max_page_size={capped} in api.py (the max_page_size answer), "
            "so batch_size is never larger than the API serves",
        )
    elif len(sizes) > 1 or (sizes and sizes[0] == batch_size):
        report.ok(f"the page size asked for ({batch_size}) was honoured")
    else:
        report.note(f"fewer records than one page ({batch_size}): the page size could not be judged")


def announced_total(pages: list[Page], api: Any) -> tuple[str, int] | None:
    """Where the API says how many records the window holds, and how many, from the first page."""
    if not pages:
        return None
    total_key = getattr(api.paginator, "total_key", "")
    total_header = getattr(api.paginator, "total_header", "")
    first = pages[0]
    if total_key:
        return f"total_key={total_key!r}", count_in(first.body, total_key)
    headers = getattr(first, "headers", {})
    if total_header and total_header in headers:
        return f"total_header={total_header!r}", int(headers[total_header])
    return None


def check_total(report: Report, pages: list[Page], arrived: int, api: Any) -> None:
    total = announced_total(pages, api)
    if total is None:
        report.note("api.py names no count of records (total_key or total_header): nothing to compare")
        return
    where, count = total
    if count == arrived:
        report.ok(f"the API's count ({where}) is {count}, and {arrived} records arrived")
    else:
        report.mismatch(
            f"the API's count ({where}) is {count}, but {arrived} records arrived",
            f"{where.split('=')[0]} in api.py (the {where.split('=')[0]} answer): where the API gives the "
            "window's count of records, or empty if it gives none",
        )


def check_edges(
    report: Report, window: Window, halves: tuple[Counter[str], Counter[str]], whole: Counter[str]
) -> None:
    first, second = halves
    both = first & second
    missing = whole - (first + second)
    if not whole and not first and not second:
        report.note(
            "no records in the window: its edges could not be checked; give --start/--end around data"
        )
        return
    if first and first == second:
        report.mismatch(
            "the two halves of the window, which do not overlap, returned the same records: "
            "the API ignores the window",
            f"start_param={window.start_param!r} / end_param={window.end_param!r} in api.py "
            "(the start_param and end_param answers): the names of the API's date filter parameters",
        )
        return
    agreed = True
    if both:
        agreed = False
        if window.inclusive:
            change = f"api_timezone (timezone={window.timezone!r} in api.py): the zone the API reads dates in"
        else:
            change = 'window_end="inclusive" in api.py (the window_end answer): the API includes its end'
        report.mismatch(f"{sum(both.values())} records came back in both halves of the window", change)
    if missing:
        agreed = False
        report.mismatch(
            f"{sum(missing.values())} records of the whole window came back in neither half",
            'window_end="exclusive" in api.py (the window_end answer) if the API leaves its end out, '
            f"else check api_timezone (timezone={window.timezone!r}): the zone the API reads dates in",
        )
    if agreed:
        report.ok(
            f"the window's edges behave as window_end={window.window_end!r}: "
            f"{sum(first.values())} + {sum(second.values())} records in the halves, "
            f"{sum(whole.values())} in the whole"
        )


def run(args: argparse.Namespace) -> int:
    hook = Hook(args.conn_id)
    report = Report(str)
    try:
        client = ObservedClient(hook.get_conn())
        report = Report(client.redact)
        api = client.api
        window = api.window
        report.say(f"checking {client.endpoint_url} (connection {args.conn_id!r}) against api.py")
        if window is None:
            if args.start or args.end:
                raise ValueError(
                    "--start/--end: api.py says the API cannot filter by time (window=None); leave them out."
                )
            pages, records = client.fetch(None, None, args.batch_size)
            check_pages(report, pages, args.batch_size, api)
            check_total(report, pages, sum(records.values()), api)
        else:
            start, end = default_window(window)
            if args.start:
                start = as_datetime(args.start, "--start", window.zone)
            if args.end:
                end = as_datetime(args.end, "--end", window.zone)
            window.checked(start, end)
            report.say(f"window: [{start.isoformat()}, {end.isoformat()}) in {window.timezone}")
            pages, whole = client.fetch(start, end, args.batch_size)
            check_pages(report, pages, args.batch_size, api)
            check_total(report, pages, sum(whole.values()), api)
            mid = middle(window, start, end)
            if mid is None:
                report.note(
                    "the window is too short to split in two the API can filter on: edges not checked"
                )
            else:
                report.say(
                    f"edges: [{start.isoformat()}, {mid.isoformat()}) and [{mid.isoformat()}, {end.isoformat()})"
                )
                first = client.fetch(start, mid, args.batch_size)[1]
                second = client.fetch(mid, end, args.batch_size)[1]
                check_edges(report, window, (first, second), whole)
    except (APIError, ValueError, AirflowNotFoundException) as error:
        report.say(f"error: {error}")
        return 2
    finally:
        hook.close()
    if report.mismatches:
        report.say(f"{report.mismatches} mismatch(es) between api.py and the API")
        return 1
    report.say("api.py agrees with the API")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m {{ cookiecutter.module_name }}.check",
        description="Check api.py against the live API, through an Airflow connection.",
    )
    parser.add_argument("--conn-id", default=Hook.default_conn_name, help="the Airflow connection id")
    parser.add_argument(
        "--start", default=None, help="window start (default: two whole days ago, API's zone)"
    )
    parser.add_argument("--end", default=None, help="window end, exclusive (default: today's midnight)")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="records asked for a page")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
