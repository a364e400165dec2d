"""
How a time window ``[start, end)`` is written in a query: one small class per format.

Every class reads the bounds it is given (YYYY-MM-DD, an ISO 8601 datetime, a date or a
datetime; naive means UTC), refuses what its API cannot express, and writes each bound in
the API's format under its parameter. ``parse`` is the inverse, for the local stand-in API.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

# Spelled out rather than dt.timezone.utc or dt.UTC, so this module reads the same on every Python.
UTC = dt.timezone(dt.timedelta(0))

Bound = str | dt.date


class Window:
    """A window written as ISO 8601 datetimes with an offset (UTC): ``2026-01-01T00:00:00+00:00``."""

    # What Airflow renders for each run's bounds by default: its data interval.
    start_template = "{{ data_interval_start | ts }}"
    end_template = "{{ data_interval_end | ts }}"

    def __init__(self, start_param: str = "start_date", end_param: str = "end_date") -> None:
        self.start_param = start_param
        self.end_param = end_param

    def params(
        self, start: Bound | None, end: Bound | None, names: tuple[str, str] = ("start_date", "end_date")
    ) -> dict[str, Any]:
        """The query parameters for a window; a bound left out is left unbounded."""
        params: dict[str, Any] = {}
        if start is not None:
            params[self.start_param] = self.bound(start, names[0])
        if end is not None:
            params[self.end_param] = self.bound(end, names[1])
        return params

    def bound(self, value: Bound, name: str) -> Any:
        """One bound in the API's format, or a ValueError that names ``name`` and the value."""
        moment = as_utc_datetime(value, name)
        try:
            return self.format(moment)
        except ValueError as error:
            raise ValueError(f"{name}: {value!r} is not allowed; {error}") from None

    def format(self, moment: dt.datetime) -> Any:
        """One bound, an aware UTC datetime, in the API's format; ValueError says why it cannot be."""
        return moment.isoformat()

    def parse(self, text: str) -> int:
        """A bound as the API receives it, in seconds since 1970; raise ValueError if unreadable."""
        moment = dt.datetime.fromisoformat(text)
        if moment.tzinfo is None:
            raise ValueError(f"{text!r} has no UTC offset")
        return int(moment.timestamp())

    def checked(self, start: Bound | None, end: Bound | None) -> tuple[Bound | None, Bound | None]:
        """Check a window before any request: each bound expressible, start before end."""
        self.params(start, end, names=("window_start", "window_end"))
        if (
            start is not None
            and end is not None
            and as_utc_datetime(start, "window_start") >= as_utc_datetime(end, "window_end")
        ):
            raise ValueError(
                f"window_start {start!r} must be before window_end {end!r} (the end is exclusive). "
                "An empty window usually means the DAG's timetable has no data interval: "
                "schedule it with CronDataIntervalTimetable or pass the window explicitly."
            )
        return start, end

    def __repr__(self) -> str:
        return f"{type(self).__name__}(start_param={self.start_param!r}, end_param={self.end_param!r})"


class Dates(Window):
    """A window of whole days, written as YYYY-MM-DD."""

    start_template = "{{ data_interval_start | ds }}"
    end_template = "{{ data_interval_end | ds }}"

    def format(self, moment: dt.datetime) -> Any:
        if moment.time() != dt.time():
            raise ValueError("the API filters by whole days, so give a date or a datetime at midnight UTC.")
        return moment.date().isoformat()

    def parse(self, text: str) -> int:
        return calendar.timegm(dt.date.fromisoformat(text).timetuple())


class EpochSeconds(Window):
    """A window written in whole seconds since 1970."""

    def format(self, moment: dt.datetime) -> Any:
        return int(moment.timestamp())

    def parse(self, text: str) -> int:
        return int(text)


def as_utc_datetime(value: Bound, name: str) -> dt.datetime:
    """Read YYYY-MM-DD, an ISO 8601 datetime, a date or a datetime as an aware UTC datetime."""
    moment: object = value
    if isinstance(value, str):
        try:
            text = value[:-1] + "+00:00" if value.endswith("Z") else value  # Python 3.10 lacks "Z"
            moment = dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
        except ValueError:
            moment = None
    if isinstance(moment, dt.datetime):
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if isinstance(moment, dt.date):
        return dt.datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    raise ValueError(
        f"{name}: {value!r} is not allowed; give YYYY-MM-DD, an ISO 8601 datetime, a date or a datetime."
    )


def checked_window(
    window: Window | None,
    start: Bound | None,
    end: Bound | None,
    names: tuple[str, str] = ("window_start", "window_end"),
) -> tuple[Bound | None, Bound | None]:
    """Check a rendered window before any request, for an API with or without a date filter."""
    if window is not None:
        return window.checked(start, end)
    for value, name in zip((start, end), names, strict=False):
        if value is not None:
            raise ValueError(
                f"{name}: {value!r} is not allowed; this API has no date filter (window=None in api.py)."
            )
    return start, end


def run_window(window: Window | None) -> tuple[str | None, str | None]:
    """The templates of a run's window in Airflow: its data interval, or no bounds without a date filter."""
    if window is None:
        return None, None
    return window.start_template, window.end_template
