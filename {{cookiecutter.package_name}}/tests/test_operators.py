{%- set cc = cookiecutter | answers -%}
{%- set dated = cc.date_filter != "none" -%}
{%- set parallel = cc.pagination in ["offset", "page"] and (cc.total_key or (cc.pagination == "page" and cc.total_pages_key)) -%}
"""The fetch and rank operators and their storage: output contents, atomic writes, windows and XCom."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pandas as pd
import pytest
from airflow.sdk import DAG, ObjectStoragePath

from {{ cc.module_name }}.api import ITEM_KEY
from {{ cc.module_name }}.client import APIError
from {{ cc.module_name }}.operators import (
    {{ cc.class_prefix }}Fetch{{ cc.__Records }}Operator,
    {{ cc.class_prefix }}Rank{{ cc.__Items }}Operator,
)
from {{ cc.module_name }}.ranking import rank_{{ cc.__items }}_by_{{ cc.__record }}
from {{ cc.module_name }}.storage import atomic_write, write_json_lines
from {{ cc.module_name }}.testing.local_api import Fault
{%- if dated %}
from conftest import day_start
{%- endif %}

FetchOperator = {{ cc.class_prefix }}Fetch{{ cc.__Records }}Operator
RankOperator = {{ cc.class_prefix }}Rank{{ cc.__Items }}Operator
{%- if dated %}

# Day 3 holds 250 records: three pages of 100.
BUSY_DAY = ("2026-01-03", "2026-01-04")
IN_THE_WINDOW = 250
{%- else %}

# Without a date filter the fetch reads everything the API holds.
IN_THE_WINDOW = 255
{%- endif %}


def fetch_operator(output_path, **kwargs):
{%- if dated %}
    kwargs.setdefault("window_start", BUSY_DAY[0])
    kwargs.setdefault("window_end", BUSY_DAY[1])
{%- endif %}
    return FetchOperator(task_id="fetch_{{ cc.__records }}", output_path=str(output_path), **kwargs)


def rank_operator(input_path, output_path, **kwargs):
    return RankOperator(
        task_id="rank_{{ cc.__items }}", input_path=str(input_path), output_path=str(output_path), **kwargs
    )


def read_lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


{% if dated -%}
def test_fetch_writes_every_record_of_the_window_as_json_lines(connection, tmp_path):
    target = tmp_path / "{{ cc.__records }}" / "2026-01-03.jsonl"

    result = fetch_operator(target, batch_size=40).execute(context={})

    assert result == {"path": str(target), "records": IN_THE_WINDOW}
    window = connection.records.window(day_start(dt.date(2026, 1, 3)), day_start(dt.date(2026, 1, 4)))
    assert read_lines(target) == [connection.records.record(position) for position in window]


def test_fetch_of_an_empty_window_writes_an_empty_file(connection, tmp_path):
    target = tmp_path / "empty.jsonl"

    result = fetch_operator(target, window_start="2026-03-01", window_end="2026-03-02").execute(context={})

    assert result["records"] == 0
    assert target.read_bytes() == b""
{%- else -%}
def test_fetch_writes_every_record_as_json_lines(connection, tmp_path):
    target = tmp_path / "{{ cc.__records }}" / "all.jsonl"

    result = fetch_operator(target, batch_size=40).execute(context={})

    assert result == {"path": str(target), "records": IN_THE_WINDOW}
    window = connection.records.window()
    assert read_lines(target) == [connection.records.record(position) for position in window]


def test_a_window_is_refused_when_the_api_has_no_date_filter(connection, tmp_path):
    operator = fetch_operator(tmp_path / "out.jsonl", window_start="2026-01-03")

    with pytest.raises(ValueError, match="window_start: '2026-01-03' is not allowed; this API has no date"):
        operator.execute(context={})
    assert connection.requests == []
    assert list(tmp_path.iterdir()) == []
{%- endif %}


def test_fetch_writes_through_object_storage_urls(connection, tmp_path):
    target = ObjectStoragePath(f"file://{tmp_path}/by-url/{{ cc.__records }}.jsonl")

    result = fetch_operator(target).execute(context={})

    assert result == {"path": str(target), "records": IN_THE_WINDOW}
    assert len((tmp_path / "by-url" / "{{ cc.__records }}.jsonl").read_text().splitlines()) == IN_THE_WINDOW


def test_failed_fetch_leaves_no_file_and_no_temporary_files(connection, tmp_path):
    connection.add_faults(Fault(), Fault(status=404))  # the first page arrives, the second fails

    with pytest.raises(APIError, match="HTTP 404"):
        fetch_operator(tmp_path / "{{ cc.__records }}.jsonl", batch_size=100).execute(context={})

    assert list(tmp_path.iterdir()) == []


def test_failed_fetch_keeps_the_previous_output_intact(connection, tmp_path):
    target = tmp_path / "{{ cc.__records }}.jsonl"
    target.write_text('{"kept": true}\n')
    connection.add_faults(Fault(), Fault(status=404))

    with pytest.raises(APIError):
        fetch_operator(target, batch_size=100).execute(context={})

    assert target.read_text() == '{"kept": true}\n'
    assert [path.name for path in tmp_path.iterdir()] == ["{{ cc.__records }}.jsonl"]


def test_rerun_replaces_the_output(connection, tmp_path):
    target = tmp_path / "{{ cc.__records }}.jsonl"
    target.write_text("stale\n")

    fetch_operator(target).execute(context={})

    assert len(read_lines(target)) == IN_THE_WINDOW
{%- if dated %}


@pytest.mark.parametrize(
    ("window_start", "window_end", "message"),
    [
        ("2026-01-04", "2026-01-03", "must be before window_end"),
        ("2026-01-04", "2026-01-04", "timetable has no data interval"),
        ("2026-1-4", "2026-01-05", "window_start: '2026-1-4' is not allowed"),
        ("2026-01-04", "next week", "window_end: 'next week' is not allowed"),
    ],
)
def test_a_bad_window_is_refused_before_anything_is_written(
    connection, tmp_path, window_start, window_end, message
):
    operator = fetch_operator(tmp_path / "out.jsonl", window_start=window_start, window_end=window_end)

    with pytest.raises(ValueError, match=message):
        operator.execute(context={})
    assert connection.requests == []
    assert list(tmp_path.iterdir()) == []
{%- endif %}


def test_bad_batch_size_is_refused_when_the_dag_is_parsed(tmp_path):
    with pytest.raises(ValueError, match="batch_size: -5 is not allowed"):
        fetch_operator(tmp_path / "out.jsonl", batch_size=-5)


@pytest.mark.parametrize("value", [0, 2.5, "8", False, 33])
def test_a_bad_max_in_flight_is_refused_when_the_dag_is_parsed(value, tmp_path):
    message = f"max_in_flight: {value!r} is not allowed; give a whole number from 1 to 32"
    with pytest.raises(ValueError, match=message):
        fetch_operator(tmp_path / "never-written.jsonl", max_in_flight=value)


def test_dag_default_args_never_change_the_window():
    with DAG(
        dag_id="default_args_check",
        schedule=None,
        default_args={"start_date": dt.datetime(2020, 1, 1), "end_date": dt.datetime(2030, 1, 1)},
    ):
        operator = FetchOperator(task_id="fetch", output_path="{{ cc.__records }}.jsonl")

{%- if dated %}
{%- raw %}
    # The full instant, whatever the format: the window converts it to the API's zone and format.
    assert operator.window_start == "{{ data_interval_start | ts }}"
    assert operator.window_end == "{{ data_interval_end | ts }}"
{%- endraw %}
{%- else %}
    assert (operator.window_start, operator.window_end) == (None, None)
{%- endif %}
    assert set(operator.template_fields) == {"output_path", "window_start", "window_end"}


def test_rank_operator_writes_the_ranking_of_the_fetched_file_as_csv(connection, tmp_path):
    records_path = tmp_path / "{{ cc.__records }}.jsonl"
    fetch_operator(records_path).execute(context={})
    ranking_path = tmp_path / "rankings" / "ranking.csv"

    result = rank_operator(records_path, ranking_path).execute(context={})

    written = pd.read_csv(ranking_path, index_col=ITEM_KEY)
    {{ cc.__records }} = pd.DataFrame(read_lines(records_path))
    expected = rank_{{ cc.__items }}_by_{{ cc.__record }}({{ cc.__records }})
    pd.testing.assert_frame_equal(written, expected, check_dtype=False)
    assert result == {"path": str(ranking_path), "{{ cc.__items }}": len(written)}


def test_rank_operator_handles_an_empty_file(tmp_path):
    records_path = tmp_path / "{{ cc.__records }}.jsonl"
    records_path.write_bytes(b"")
    ranking_path = tmp_path / "ranking.csv"

    result = rank_operator(records_path, ranking_path).execute(context={})

    assert result["{{ cc.__items }}"] == 0
    assert ranking_path.read_text().splitlines() == [f"{ITEM_KEY},avg_rating,num_ratings"]


@pytest.mark.parametrize("value", [-1, 1.5, "2", True])
def test_a_bad_minimum_is_refused_when_the_dag_is_parsed(value, tmp_path):
    with pytest.raises(ValueError, match=f"min_{{ cc.__records }}: {value!r} is not allowed"):
        rank_operator(tmp_path / "in.jsonl", tmp_path / "out.csv", min_{{ cc.__records }}=value)


def written_lines(pages: list[list[Any]]) -> tuple[int, bytes]:
    """What ``write_json_lines`` writes for ``pages``, and the count it returns."""
    out = io.BytesIO()
    count = write_json_lines(pages, out)
    return count, out.getvalue()


@pytest.mark.parametrize(
    "page",
    [
        [{"id": 1, "score": 4.5}, {"id": 2, "score": 3.0}, {"id": 3, "score": -0.0}],
        [{"id": 1}],
        [{"id": 1, "note": None}, {"id": 2, "note": "null"}],  # a real null
        [{"title": "a},{b"}, {"title": "c"}],  # record boundaries inside a string
        [{"tags": [{"a": 1}, {"b": 2}]}, {"tags": []}],  # objects next to each other inside a record
        [{"id": 1}, [1, 2], "three", 4, None],  # not all records are objects
        [{"title": "Am\u00e9lie \u2014 \U0001f3ac", "quote": 'say "hi"\n\tback\\slash', "": 0}],
        [{"small": 1e-7, "big": 1e300, "wide": 2**64 - 1, "low": -(2**63)}, {"x": 0.1}],
        [{"huge": 2**70, "very_low": -(2**64) - 1}],  # integers beyond 64 bits, exactly
        [],
    ],
)
def test_a_page_becomes_utf8_json_lines_that_read_back_as_the_records(page):
    count, written = written_lines([page])
    lines = written.decode("utf-8").splitlines()

    assert count == len(page)
    assert written.endswith(b"\n") or not page
    assert [json.loads(line) for line in lines] == page


def test_every_page_is_written_in_order_and_counted():
    pages = [[{"id": 1}, {"id": 2}], [], [{"id": 3}]]

    count, written = written_lines(pages)

    assert count == 3
    assert [json.loads(line) for line in written.splitlines()] == [{"id": 1}, {"id": 2}, {"id": 3}]


def test_text_is_written_as_utf8_not_escaped():
    _, written = written_lines([[{"title": "Am\u00e9lie"}, {"title": "\U0001f3ac"}]])

    assert written == '{"title":"Am\u00e9lie"}\n{"title":"\U0001f3ac"}\n'.encode()


def test_a_record_json_cannot_hold_is_refused_by_type():
    with pytest.raises(TypeError, match="object is unsupported"):
        written_lines([[{"ids": object()}]])


def test_a_completed_atomic_write_puts_only_the_target_in_place(tmp_path):
    target = ObjectStoragePath(f"file://{tmp_path}/out/{{ cc.__records }}.jsonl")

    with atomic_write(target) as out:
        out.write(b'{"id":1}\n')

    assert (tmp_path / "out" / "{{ cc.__records }}.jsonl").read_bytes() == b'{"id":1}\n'
    assert [path.name for path in (tmp_path / "out").iterdir()] == ["{{ cc.__records }}.jsonl"]


def test_a_failed_atomic_write_leaves_no_file(tmp_path):
    target = ObjectStoragePath(f"file://{tmp_path}/{{ cc.__records }}.jsonl")

    with pytest.raises(RuntimeError, match="the fetch failed"), atomic_write(target) as out:
        out.write(b'{"id":1}\n')
        raise RuntimeError("the fetch failed")

    assert list(tmp_path.iterdir()) == []
{%- if parallel %}


def test_fetching_with_pages_in_flight_writes_the_same_file(connection, tmp_path):
    connection.latency = 0.05  # long enough for all eight requests to overlap on a busy machine
    one_at_a_time, concurrent = tmp_path / "one.jsonl", tmp_path / "eight.jsonl"

    fetch_operator(one_at_a_time, batch_size=10).execute(context={})
    fetch_operator(concurrent, batch_size=10, max_in_flight=8).execute(context={})

    assert concurrent.read_bytes() == one_at_a_time.read_bytes()
    assert len(read_lines(concurrent)) > 100
    assert connection.most_in_flight == 8
{%- endif %}
