"""
Windows in the API's time zone and with an inclusive end, against the local API that reads them so.

Whatever zone the API reads dates in and however its end parameter is read, consecutive
daily runs of the example DAG's timetable must tile the data: every record exactly once,
the records at local midnight included, across a daylight-saving change too.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any
from zoneinfo import ZoneInfo

import pendulum
import pytest
from airflow.sdk import BaseOperator
from airflow.sdk import CronDataIntervalTimetable as SdkCronDataIntervalTimetable
from airflow.timetables.base import DataInterval, TimeRestriction
from airflow.timetables.interval import CronDataIntervalTimetable

from {{ cookiecutter.module_name }}.client import RestApi, auth, paginators, windows
from {{ cookiecutter.module_name }}.hooks import {{ cookiecutter.class_prefix }}Hook
from {{ cookiecutter.module_name }}.testing.local_api import LocalAPI, Records
from conftest import API_CREDENTIALS, connection_fields, use_connection

FORMATS = {"datetime": windows.Window, "date": windows.Dates, "epoch_seconds": windows.EpochSeconds}
ZONES = ["UTC", "America/New_York", "Asia/Kolkata"]
# America/New_York springs forward on 2026-03-08: that local day has 23 hours.
FIRST_DAY, DAYS = dt.date(2026, 3, 5), 7


def local_midnight(day: dt.date, zone: str) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone)).timestamp())


def records_around_midnights(zone: str) -> Records:
    """Records at, just before and just after each local midnight, and through each day; one user each."""
    rows: list[tuple[int, int, int, float]] = []
    for offset in range(-1, DAYS + 2):
        midnight = local_midnight(FIRST_DAY + dt.timedelta(days=offset), zone)
        for second in (-1, 0, 1, 3599, 3600, 7200, 43200, 80000):
            rows.append((midnight + second, len(rows) + 1, 1 + len(rows) % 7, 3.0))
    return Records(rows)


def rest_api(window: windows.Window) -> RestApi:
    return RestApi(
        base_url="http://localhost:5000/v1",
        endpoint="/records",
        paginator=paginators.Offset(total_key="total"),
        auth=auth.Basic(),
        records_key="result",
        window=window,
    )


def daily_intervals(
    zone: str, days: int = DAYS, timetable: CronDataIntervalTimetable | None = None
) -> list[DataInterval]:
    """Consecutive data intervals of the example DAG's kind of timetable in ``zone``, from FIRST_DAY."""
    timetable = timetable or CronDataIntervalTimetable("@daily", timezone=zone)
    start = pendulum.datetime(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day, tz=zone)
    restriction = TimeRestriction(earliest=start, latest=None, catchup=True)
    intervals: list[DataInterval] = []
    last = None
    for _ in range(days):
        info = timetable.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
        assert info is not None
        last = info.data_interval
        assert last is not None
        intervals.append(last)
    return intervals


def rendered(window: windows.Window, interval: DataInterval) -> tuple[str, str]:
    """The window's default templates as Airflow renders them for a run, whose interval is in UTC."""
    operator = BaseOperator(task_id="render")
    context: Any = {
        "data_interval_start": pendulum.instance(interval.start).in_timezone("UTC"),
        "data_interval_end": pendulum.instance(interval.end).in_timezone("UTC"),
    }
    return (
        operator.render_template(window.start_template, context),
        operator.render_template(window.end_template, context),
    )


@pytest.mark.parametrize("window_end", windows.WINDOW_ENDS)
@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("kind", list(FORMATS))
def test_consecutive_daily_runs_in_the_api_zone_fetch_every_record_exactly_once(
    monkeypatch, kind, zone, window_end
):
    window = FORMATS[kind](start_param="from", end_param="until", window_end=window_end, timezone=zone)
    records = records_around_midnights(zone)
    intervals = daily_intervals(zone)
    fetched: list[dict[str, Any]] = []
    with LocalAPI(records, api=rest_api(window), **API_CREDENTIALS) as server:
        use_connection(monkeypatch, connection_fields(server.port, backoff_factor=0.01))
        with {{ cookiecutter.class_prefix }}Hook(api=server.api) as hook:
            for interval in intervals:
                start, end = window.checked(*rendered(window, interval))
                day = list(hook.get_{{ cookiecutter.__records }}(start, end, batch_size=5))
                day_start, day_end = int(interval.start.timestamp()), int(interval.end.timestamp())
                # Each run holds exactly its own local day: midnight in, the next midnight out.
                assert [record["timestamp"] for record in day] == [
                    records.timestamps[position] for position in records.window(day_start, day_end)
                ]
                fetched += day

    first, last = local_midnight(FIRST_DAY, zone), local_midnight(FIRST_DAY + dt.timedelta(days=DAYS), zone)
    assert fetched == [records.record(position) for position in records.window(first, last)]
    assert len({record["timestamp"] for record in fetched}) == len(fetched) == DAYS * 8


def test_the_daily_intervals_are_local_days_across_a_daylight_saving_change():
    lengths = [interval.end - interval.start for interval in daily_intervals("America/New_York")]
    starts = [
        interval.start.in_timezone("America/New_York") for interval in daily_intervals("America/New_York")
    ]

    assert dt.timedelta(hours=23) in lengths  # 2026-03-08, the spring-forward day
    assert all(start.time() == dt.time() for start in starts)
    kolkata = daily_intervals("Asia/Kolkata")[0]
    assert (kolkata.start.in_timezone("UTC").isoformat(), kolkata.end.in_timezone("UTC").isoformat()) == (
        "2026-03-04T18:30:00+00:00",
        "2026-03-05T18:30:00+00:00",
    )


@pytest.mark.parametrize(
    ("kind", "zone", "window_end", "expected"),
    [
        (
            "datetime",
            "UTC",
            "exclusive",
            {"from": "2026-03-05T00:00:00+00:00", "until": "2026-03-06T00:00:00+00:00"},
        ),
        (
            "datetime",
            "UTC",
            "inclusive",
            {"from": "2026-03-05T00:00:00+00:00", "until": "2026-03-05T23:59:59.999999+00:00"},
        ),
        (
            "datetime",
            "Asia/Kolkata",
            "inclusive",
            {"from": "2026-03-05T00:00:00+05:30", "until": "2026-03-05T23:59:59.999999+05:30"},
        ),
        ("date", "UTC", "exclusive", {"from": "2026-03-05", "until": "2026-03-06"}),
        ("date", "UTC", "inclusive", {"from": "2026-03-05", "until": "2026-03-05"}),
        ("date", "America/New_York", "inclusive", {"from": "2026-03-05", "until": "2026-03-05"}),
        ("epoch_seconds", "UTC", "exclusive", {"from": 1772668800, "until": 1772755200}),
        ("epoch_seconds", "UTC", "inclusive", {"from": 1772668800, "until": 1772755199}),
        ("epoch_seconds", "Asia/Kolkata", "inclusive", {"from": 1772649000, "until": 1772735399}),
    ],
)
def test_each_format_writes_the_local_day_and_an_inclusive_end_as_its_last_instant(
    kind, zone, window_end, expected
):
    window = FORMATS[kind](start_param="from", end_param="until", window_end=window_end, timezone=zone)

    # A YYYY-MM-DD bound is local midnight in the API's zone.
    assert window.params("2026-03-05", "2026-03-06") == expected
    # So is the UTC instant of that midnight, as Airflow renders a run's data interval.
    start = dt.datetime(2026, 3, 5, tzinfo=ZoneInfo(zone)).astimezone(windows.UTC)
    end = dt.datetime(2026, 3, 6, tzinfo=ZoneInfo(zone)).astimezone(windows.UTC)
    assert window.params(start.isoformat(), end.isoformat()) == expected
    # And the stand-in reads the bounds back as the same window [start, end).
    written = {name: str(value) for name, value in expected.items()}
    assert window.parse_window(written["from"], written["until"]) == (
        int(start.timestamp()),
        int(end.timestamp()),
    )


def test_dates_in_a_zone_refuse_a_bound_that_is_not_local_midnight():
    window = windows.Dates(timezone="Asia/Kolkata")

    with pytest.raises(
        ValueError, match=r"window_start: '2026-03-05T00:00:00\+00:00' is not allowed.*midnight Asia/Kolkata"
    ):
        window.checked("2026-03-05T00:00:00+00:00", "2026-03-06")
    assert window.checked("2026-03-04T18:30:00+00:00", "2026-03-06") == (
        "2026-03-04T18:30:00+00:00",
        "2026-03-06",
    )


@pytest.mark.parametrize("kind", list(FORMATS))
def test_an_inclusive_window_still_refuses_an_empty_or_backward_window(kind):
    window = FORMATS[kind](window_end="inclusive", timezone="America/New_York")

    with pytest.raises(ValueError, match="must be before window_end"):
        window.checked("2026-03-06", "2026-03-06")
    with pytest.raises(ValueError, match="must be before window_end"):
        window.checked("2026-03-07", "2026-03-06")


@pytest.mark.parametrize("kind", list(FORMATS))
def test_an_unknown_window_end_is_refused_naming_it_and_the_choices(kind):
    with pytest.raises(
        ValueError, match=r"window_end .*'closed' is not allowed; give one of 'exclusive', 'inclusive'"
    ):
        FORMATS[kind](window_end="closed")


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "../etc/passwd", "utc+2"])
def test_an_unknown_timezone_is_refused_naming_it(zone):
    message = f"timezone (the api_timezone answer): {zone!r} is not allowed; give an IANA time zone name"
    with pytest.raises(ValueError, match=re.escape(message)):
        windows.Window(timezone=zone)


def test_the_window_says_how_it_is_read():
    window = windows.EpochSeconds("gte", "lte", window_end="inclusive", timezone="Asia/Kolkata")

    assert repr(window) == (
        "EpochSeconds(start_param='gte', end_param='lte', window_end='inclusive', timezone='Asia/Kolkata')"
    )


def test_the_example_dag_runs_daily_in_the_api_zone_and_its_runs_tile_the_days():
    from {{ cookiecutter.module_name }}.api import API
    from {{ cookiecutter.module_name }}.example_dags import {{ cookiecutter.__conn_type }}_{{ cookiecutter.__records }} as example

    zone = windows.run_timezone(API.window)
    timetable = example.dag.timetable
    assert isinstance(timetable, SdkCronDataIntervalTimetable)
    assert timetable.expression == "0 0 * * *"
    assert getattr(timetable.timezone, "name", timetable.timezone) == zone
    fetch = example.fetch_{{ cookiecutter.__records }}
    assert fetch.batch_size == API.max_page_size

    # The same timetable, as the scheduler reads it: consecutive local days, end to start.
    scheduled = CronDataIntervalTimetable(timetable.expression, timezone=timetable.timezone)
    intervals = daily_intervals(zone, days=DAYS, timetable=scheduled)
    assert all(later.start == earlier.end for earlier, later in itertools.pairwise(intervals))
    assert all(interval.start.in_timezone(zone).time() == dt.time() for interval in intervals)
