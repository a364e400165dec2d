"""Sample records for the local stand-in API, and the faults it can be told to serve."""

from __future__ import annotations

import base64
import calendar
import datetime as dt
import random
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

from ..api import ITEM_KEY, SCORE_KEY, USER_KEY


@dataclass(frozen=True)
class Fault:
    """
    One way for the next request to go wrong.

    :param status: Answer with this HTTP status instead of the page.
    :param retry_after: Seconds to send in a ``Retry-After`` header with ``status``.
    :param delay: Seconds to wait before answering.
    :param stall: Seconds to wait between the headers and the body.
    :param truncate: Send only the first half of the body, then close the connection.
    :param body: Answer 200 with these bytes instead of the page (not JSON, missing keys, ...).
    :param headers: Extra or replaced response headers.
    :param reset: Drop the connection without answering.
    """

    status: int | None = None
    retry_after: int | None = None
    delay: float = 0.0
    stall: float = 0.0
    truncate: bool = False
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    reset: bool = False


class Records:
    """Records held column-wise, sorted by (timestamp, user, item), for cheap window lookups."""

    def __init__(self, rows: list[tuple[int, int, int, float]]) -> None:
        """:param rows: ``(timestamp, user, item, score)`` tuples, in any order."""
        rows = sorted(rows)
        self.timestamps = array("q", (row[0] for row in rows))
        self.users = array("q", (row[1] for row in rows))
        self.items = array("q", (row[2] for row in rows))
        self.scores = array("d", (row[3] for row in rows))

    def __len__(self) -> int:
        return len(self.timestamps)

    def window(self, start: int | None = None, end: int | None = None) -> range:
        """Positions of the ratings with start <= timestamp < end (seconds since 1970)."""
        low = 0 if start is None else bisect_left(self.timestamps, start)
        high = len(self) if end is None else bisect_left(self.timestamps, end)
        return range(low, max(low, high))

    def record(self, position: int) -> dict[str, Any]:
        """The record at ``position``, with the keys that ``api.py`` names."""
        return {
            USER_KEY: self.users[position],
            ITEM_KEY: self.items[position],
            SCORE_KEY: self.scores[position],
            "timestamp": self.timestamps[position],
        }


def epoch(day: dt.date) -> int:
    """Seconds since 1970 at midnight UTC of ``day``."""
    return calendar.timegm(day.timetuple())


def nested(*pairs: tuple[str, Any]) -> dict[str, Any]:
    """A body holding each value under its dotted key: ``("data.items", [...]), ("data.total", 2)``."""
    body: dict[str, Any] = {}
    for key, value in pairs:
        *parents, last = key.split(".")
        node = body
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return body


def generate_records(
    start: dt.date = dt.date(2026, 1, 1),
    days: int = 30,
    per_day: int = 1000,
    users: int = 200,
    items: int = 300,
    seed: int = 8,
) -> Records:
    """Make a reproducible set of records: each item has a hidden quality that its ratings scatter around."""
    rng = random.Random(seed)  # noqa: S311 - reproducible sample data, nothing secret
    quality = [rng.uniform(1.5, 4.5) for _ in range(items)]
    first = epoch(start)
    rows = []
    for day in range(days):
        for _ in range(per_day):
            item = rng.randrange(items)
            score = min(5.0, max(0.5, round((quality[item] + rng.gauss(0, 0.8)) * 2) / 2))
            timestamp = first + day * 86400 + rng.randrange(86400)
            rows.append((timestamp, rng.randrange(users) + 1, item + 1, score))
    return Records(rows)


def count_param(params: dict[str, str], name: str, default: int) -> int:
    """A whole-number query parameter, ``default`` if absent, or a ValueError naming it."""
    raw = params.get(name, str(default))
    if not raw.isdigit():
        raise ValueError(f"{name}: {raw!r} is not a whole number from 0 up")
    return int(raw)


def cursor_for(position: int) -> str:
    """An opaque cursor, as real APIs hand out."""
    return base64.urlsafe_b64encode(f"position:{position}".encode()).decode()


def cursor_position(cursor: str | None, name: str) -> int:
    """The record position a cursor from ``cursor_for`` stands for (0 for none), or a ValueError naming ``name``."""
    if cursor is None:
        return 0
    try:
        label, _, position = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if label == "position" and position.isdigit():
            return int(position)
    except ValueError:
        pass
    raise ValueError(f"{name}: {cursor!r} is not a cursor this API handed out")
