"""
How a time window ``[start, end)`` is written in a query: one small class per format.

Every class reads the bounds it is given (YYYY-MM-DD, an ISO 8601 datetime, a date or a
datetime), refuses what its API cannot express, and writes each bound in the API's format
under its parameter. A date, and a datetime without an offset, are read in the API's
``timezone`` (UTC unless ``api.py`` says otherwise): ``2026-01-02`` is local midnight there.

The window is always ``[start, end)`` on the Airflow side. An API whose end parameter is
inclusive (``window_end="inclusive"``, such as json-server's ``_lte``) is sent the last
instant inside the window instead: one second before the end for ``EpochSeconds``, the day
before for ``Dates``, and one microsecond before for ``Window``, written with six fraction
digits (``2026-01-01T23:59:59.999999+00:00``). ``parse_window`` is the inverse, for the
local stand-in API.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Spelled out rather than dt.timezone.utc or dt.UTC, so this module reads the same on every Python.
UTC = dt.timezone(dt.timedelta(0))

Bound = str | dt.date

WINDOW_ENDS = ("exclusive", "inclusive")
ONE_MICROSECOND = dt.timedelta(microseconds=1)


def zone_named(timezone: str) -> dt.tzinfo:
    """The IANA zone ``timezone`` (``UTC``, ``America/New_York``), or a ValueError naming it."""
    if timezone == "UTC":
        return UTC
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        pass
    raise ValueError(
        f"timezone (the api_timezone answer): {timezone!r} is not allowed; "
        "give an IANA time zone name such as 'UTC', 'Europe/Berlin' or 'America/New_York'."
    )


class Window:
    """
    A window written as ISO 8601 datetimes with the zone's offset: ``2026-01-01T00:00:00+00:00``.

    :param start_param: The query parameter of the start (always inclusive).
    :param end_param: The query parameter of the end.
    :param window_end: ``"exclusive"`` if the API returns records before ``end_param``,
        ``"inclusive"`` if it returns those at or before it; then the last instant inside
        the window is sent (see the module's docstring).
    :param timezone: The IANA zone the API reads dates and times in; windows are whole days
        there, and the example DAG's timetable runs in it.
    """

    # What Airflow renders for each run's bounds by default: its data interval, as a full
    # instant with its offset, so the window converts it to the API's zone itself.
    start_template = "{{ data_interval_start | ts }}"
    end_template = "{{ data_interval_end | ts }}"

    def __init__(
        self,
        start_param: str = "start_date",
        end_param: str = "end_date",
        *,
        window_end: str = "exclusive",
        timezone: str = "UTC",
    ) -> None:
        if window_end not in WINDOW_ENDS:
            raise ValueError(
                f"window_end (whether the API's {end_param!r} parameter includes the instant it names): "
                f"{window_end!r} is not allowed; give one of {', '.join(map(repr, WINDOW_ENDS))}."
            )
        self.start_param = start_param
        self.end_param = end_param
        self.window_end = window_end
        self.timezone = timezone
        self.zone = zone_named(timezone)

    @property
    def inclusive(self) -> bool:
        return self.window_end == "inclusive"

    def params(
        self, start: Bound | None, end: Bound | None, names: tuple[str, str] = ("start_date", "end_date")
    ) -> dict[str, Any]:
        """The query parameters for a window; a bound left out is left unbounded."""
        params: dict[str, Any] = {}
        if start is not None:
            params[self.start_param] = self.bound(start, names[0])
        if end is not None:
            params[self.end_param] = self.bound(end, names[1], end=True)
        return params

    def bound(self, value: Bound, name: str, end: bool = False) -> Any:
        """One bound in the API's format, or a ValueError that names ``name`` and the value."""
        moment = self.instant(value, name)
        try:
            self.check(moment)
            return self.format_end(moment) if end and self.inclusive else self.format(moment)
        except ValueError as error:
            raise ValueError(f"{name}: {value!r} is not allowed; {error}") from None

    def instant(self, value: Bound, name: str) -> dt.datetime:
        """A bound as an aware datetime in the API's zone; dates and naive times are local there."""
        return as_datetime(value, name, self.zone).astimezone(self.zone)

    def check(self, moment: dt.datetime) -> None:
        """Raise ValueError, saying why, if the API cannot express ``moment`` (local to its zone)."""

    def format(self, moment: dt.datetime) -> Any:
        """One bound, an aware datetime in the API's zone, in the API's format."""
        return moment.isoformat()

    def format_end(self, moment: dt.datetime) -> Any:
        """The exclusive end ``moment`` as an inclusive API reads it: the last instant before it."""
        return (moment - ONE_MICROSECOND).astimezone(self.zone).isoformat(timespec="microseconds")

    def parse(self, text: str) -> float:
        """A bound as the API receives it, in seconds since 1970; raise ValueError if unreadable."""
        moment = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
        if moment.tzinfo is None:
            raise ValueError(f"{text!r} has no UTC offset")
        return moment.timestamp()

    def parse_window(self, start: str | None, end: str | None) -> tuple[int | None, int | None]:
        """
        The inverse of ``params``, for the stand-in API: ``[start, end)`` in whole seconds since
        1970 that holds exactly the whole-second timestamps the API returns for these bounds.
        """
        low = None if start is None else math.ceil(self.parse(start))
        if end is None:
            return low, None
        last = self.parse(end)
        # Inclusive: every whole second at or before the last instant; exclusive: before it.
        return low, math.floor(last) + 1 if self.inclusive else math.ceil(last)

    def checked(self, start: Bound | None, end: Bound | None) -> tuple[Bound | None, Bound | None]:
        """Check a window before any request: each bound expressible, start before end."""
        self.params(start, end, names=("window_start", "window_end"))
        if (
            start is not None
            and end is not None
            and self.instant(start, "window_start") >= self.instant(end, "window_end")
        ):
            raise ValueError(
                f"window_start {start!r} must be before window_end {end!r} (the end is exclusive). "
                "An empty window usually means the DAG's timetable has no data interval: "
                "schedule it with CronDataIntervalTimetable or pass the window explicitly."
            )
        return start, end

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(start_param={self.start_param!r}, end_param={self.end_param!r}, "
            f"window_end={self.window_end!r}, timezone={self.timezone!r})"
        )


class Dates(Window):
    """A window of whole days in the API's zone, written as that zone's YYYY-MM-DD."""

    def check(self, moment: dt.datetime) -> None:
        if moment.time() != dt.time():
            raise ValueError(
                f"the API filters by whole days, so give a date or a datetime at midnight {self.timezone}."
            )

    def format(self, moment: dt.datetime) -> Any:
        return moment.date().isoformat()

    def format_end(self, moment: dt.datetime) -> Any:
        return (moment.date() - dt.timedelta(days=1)).isoformat()

    def parse(self, text: str) -> float:
        return self.midnight(dt.date.fromisoformat(text)).timestamp()

    def parse_window(self, start: str | None, end: str | None) -> tuple[int | None, int | None]:
        low = None if start is None else int(self.parse(start))
        if end is None:
            return low, None
        day = dt.date.fromisoformat(end)
        # Inclusive: the whole of the last day, up to the next local midnight.
        return low, int(self.midnight(day + dt.timedelta(days=1) if self.inclusive else day).timestamp())

    def midnight(self, day: dt.date) -> dt.datetime:
        return dt.datetime(day.year, day.month, day.day, tzinfo=self.zone)


class EpochSeconds(Window):
    """A window written in whole seconds since 1970 (the zone only says how dates are read)."""

    def format(self, moment: dt.datetime) -> Any:
        # The first whole second at or after the bound: the same records, as the API counts them.
        return math.ceil(moment.timestamp())

    def format_end(self, moment: dt.datetime) -> Any:
        return math.ceil(moment.timestamp()) - 1

    def parse(self, text: str) -> float:
        return int(text)


def as_datetime(value: Bound, name: str, zone: dt.tzinfo = UTC) -> dt.datetime:
    """
    Read YYYY-MM-DD, an ISO 8601 datetime, a date or a datetime as an aware datetime; a date
    is midnight in ``zone`` and a datetime without an offset is wall time there.
    """
    moment: object = value
    if isinstance(value, str):
        try:
            text = value[:-1] + "+00:00" if value.endswith("Z") else value  # Python 3.10 lacks "Z"
            moment = dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
        except ValueError:
            moment = None
    if isinstance(moment, dt.datetime):
        return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment
    if isinstance(moment, dt.date):
        return dt.datetime(moment.year, moment.month, moment.day, tzinfo=zone)
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


def run_timezone(window: Window | None) -> str:
    """The zone a DAG's daily timetable runs in, so each run is one whole day of the API's: UTC without a window."""
    return "UTC" if window is None else window.timezone
