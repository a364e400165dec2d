{%- set cc = cookiecutter -%}
{%- set dated = cc.date_filter != "none" -%}
{%- set parallel = cc.pagination in ["offset", "page"] and (cc.total_key or (cc.pagination == "page" and cc.total_pages_key)) -%}
"""The fetch and rank operators: output contents, atomic writes, windows and XCom."""

from __future__ import annotations

import contextlib
{% if dated -%}
import datetime as dt
{% endif -%}
import gc
import json

import pandas as pd
import pytest
from airflow.sdk import {% if dated %}DAG, {% endif %}ObjectStoragePath

from {{ cookiecutter.module_name }}.hooks import (
    {{ cookiecutter.class_prefix }}APIError,
    {{ cookiecutter.class_prefix }}Hook,
)
from {{ cookiecutter.module_name }}.local_api import Fault{% if dated %}, epoch{% endif %}
from {{ cookiecutter.module_name }}.operators import (
    {{ cookiecutter.class_prefix }}FetchRatingsOperator,
    {{ cookiecutter.class_prefix }}RankMoviesOperator,
    compact_json_encoder,
    json_lines,
    objects_so_far_frozen,
)
from {{ cookiecutter.module_name }}.ranking import ITEM_KEY, rank_movies_by_rating
{%- if dated %}

# Day 3 holds 250 ratings: three pages of 100.
BUSY_DAY = ("2026-01-03", "2026-01-04")
{%- endif %}


def fetch_operator(output_path, **kwargs):
{%- if dated %}
    kwargs.setdefault("window_start", BUSY_DAY[0])
    kwargs.setdefault("window_end", BUSY_DAY[1])
{%- endif %}
    return {{ cookiecutter.class_prefix }}FetchRatingsOperator(
        task_id="fetch_ratings",
        output_path=str(output_path),
        **kwargs,
    )


def read_lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


{% if dated -%}
def test_fetch_writes_every_rating_of_the_window_as_json_lines(connection, tmp_path):
    target = tmp_path / "ratings" / "2026-01-03.jsonl"

    result = fetch_operator(target, batch_size=40).execute(context={})

    assert result == {"path": str(target), "records": 250}
    window = connection.ratings.window(epoch(dt.date(2026, 1, 3)), epoch(dt.date(2026, 1, 4)))
    assert read_lines(target) == [connection.ratings.record(position) for position in window]
{%- else -%}
def test_fetch_writes_every_rating_as_json_lines(connection, tmp_path):
    target = tmp_path / "ratings" / "all.jsonl"

    result = fetch_operator(target, batch_size=40).execute(context={})

    assert result == {"path": str(target), "records": 255}
    window = connection.ratings.window()
    assert read_lines(target) == [connection.ratings.record(position) for position in window]
{%- endif %}
{%- if dated %}


def test_fetch_of_an_empty_window_writes_an_empty_file(connection, tmp_path):
    target = tmp_path / "empty.jsonl"

    result = fetch_operator(target, window_start="2026-03-01", window_end="2026-03-02").execute(context={})

    assert result["records"] == 0
    assert target.read_bytes() == b""
{%- endif %}


def test_fetch_writes_through_object_storage_urls(connection, tmp_path):
    target = ObjectStoragePath(f"file://{tmp_path}/by-url/ratings.jsonl")

    result = fetch_operator(target).execute(context={})

    assert result == {"path": str(target), "records": {{ 250 if dated else 255 }}}
    assert len((tmp_path / "by-url" / "ratings.jsonl").read_text().splitlines()) == {{ 250 if dated else 255 }}


def test_failed_fetch_leaves_no_file_and_no_temporary_files(connection, tmp_path):
    connection.add_faults(Fault(), Fault(status=404))  # the first page arrives, the second fails

    with pytest.raises({{ cookiecutter.class_prefix }}APIError, match="HTTP 404"):
        fetch_operator(tmp_path / "ratings.jsonl", batch_size=100).execute(context={})

    assert list(tmp_path.iterdir()) == []


def test_failed_fetch_keeps_the_previous_output_intact(connection, tmp_path):
    target = tmp_path / "ratings.jsonl"
    target.write_text('{"kept": true}\n')
    connection.add_faults(Fault(), Fault(status=404))

    with pytest.raises({{ cookiecutter.class_prefix }}APIError):
        fetch_operator(target, batch_size=100).execute(context={})

    assert target.read_text() == '{"kept": true}\n'
    assert [path.name for path in tmp_path.iterdir()] == ["ratings.jsonl"]


def test_rerun_replaces_the_output(connection, tmp_path):
    target = tmp_path / "ratings.jsonl"
    target.write_text("stale\n")

    fetch_operator(target).execute(context={})

    assert len(read_lines(target)) == {{ 250 if dated else 255 }}
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


{%- if dated %}


def test_dag_default_args_never_change_the_window():
    with DAG(
        dag_id="default_args_check",
        schedule=None,
        default_args={"start_date": dt.datetime(2020, 1, 1), "end_date": dt.datetime(2030, 1, 1)},
    ):
        operator = {{ cookiecutter.class_prefix }}FetchRatingsOperator(task_id="fetch", output_path="ratings.jsonl")

{%- if cc.date_filter == "date" %}
{%- raw %}
    assert operator.window_start == "{{ data_interval_start | ds }}"
    assert operator.window_end == "{{ data_interval_end | ds }}"
{%- endraw %}
{%- else %}
{%- raw %}
    assert operator.window_start == "{{ data_interval_start | ts }}"
    assert operator.window_end == "{{ data_interval_end | ts }}"
{%- endraw %}
{%- endif %}
    assert set(operator.template_fields) == {"output_path", "window_start", "window_end"}
{%- endif %}


def test_rank_operator_writes_the_ranking_of_the_fetched_file_as_csv(connection, tmp_path):
    ratings_path = tmp_path / "ratings.jsonl"
    fetch_operator(ratings_path).execute(context={})
    ranking_path = tmp_path / "rankings" / "ranking.csv"

    result = {{ cookiecutter.class_prefix }}RankMoviesOperator(
        task_id="rank_movies", input_path=str(ratings_path), output_path=str(ranking_path)
    ).execute(context={})

    written = pd.read_csv(ranking_path, index_col=ITEM_KEY)
    ratings = pd.DataFrame(read_lines(ratings_path))
    pd.testing.assert_frame_equal(written, rank_movies_by_rating(ratings), check_dtype=False)
    assert result == {"path": str(ranking_path), "movies": len(written)}


def test_rank_operator_handles_an_empty_ratings_file(tmp_path):
    ratings_path = tmp_path / "ratings.jsonl"
    ratings_path.write_bytes(b"")
    ranking_path = tmp_path / "ranking.csv"

    result = {{ cookiecutter.class_prefix }}RankMoviesOperator(
        task_id="rank_movies", input_path=str(ratings_path), output_path=str(ranking_path)
    ).execute(context={})

    assert result["movies"] == 0
    assert ranking_path.read_text().splitlines() == [f"{ITEM_KEY},avg_rating,num_ratings"]


@pytest.mark.parametrize(
    "value",
    [
        {"id": 1, "score": 4.5, "tags": ["a", {"b": None}], "ok": True, "big": 2**70},
        {"title": "Amélie \u2014 \U0001f3ac", "quote": 'say "hi"\n\tback\\slash', "": 0},
        {"float": 1e-7, "neg": -0.0, "nan": float("nan"), "inf": float("inf")},
        [],
        {},
        "plain",
        3,
        None,
    ],
)
def test_records_are_encoded_exactly_as_json_dumps_encodes_them(value):
    assert compact_json_encoder()(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def as_json_dumps_writes(record):
    """One record as json.dumps writes it: the reference every line must read back to."""
    return json.dumps(record, separators=(",", ":"))


@pytest.mark.parametrize(
    "page",
    [
        [{"id": 1, "score": 4.5}, {"id": 2, "score": 3.0}, {"id": 3, "score": -0.0}],
        [{"id": 1}],
        [{"id": 1, "note": None}, {"id": 2, "note": "null"}],  # a real null
        [{"title": "a},{b"}, {"title": "c"}],  # the boundary text inside a string
        [{"tags": [{"a": 1}, {"b": 2}]}, {"tags": []}],  # objects next to each other inside a record
        [{"id": 1}, [1, 2], "three", 4, None],  # not all records are objects
        [{"title": "Am\u00e9lie \u2014 \U0001f3ac", "quote": 'say "hi"\n\tback\\slash', "": 0}],
        [{"small": 1e-7, "big": 1e300, "wide": 2**64 - 1, "low": -(2**63)}, {"x": 0.1}],
        [{"score": float("nan")}, {"low": float("-inf"), "high": float("inf")}],  # what json writes, not null
        [{"id": 2**70}, {"id": -(2**64)}],  # beyond orjson's integers
        [{"text": "\ud800 alone"}, {"text": "ok"}],  # a lone surrogate, as json.loads may return it
        [],
    ],
)
def test_a_page_becomes_utf8_json_lines_that_read_back_as_the_records(page):
    written = json_lines(page, compact_json_encoder())
    lines = written.decode("utf-8").splitlines()

    assert written.endswith(b"\n") or not page
    assert len(lines) == len(page)
    assert [as_json_dumps_writes(json.loads(line)) for line in lines] == list(map(as_json_dumps_writes, page))


def test_text_is_written_as_utf8_not_escaped():
    written = json_lines([{"title": "Am\u00e9lie"}, {"title": "\U0001f3ac"}], compact_json_encoder())

    assert written == '{"title":"Am\u00e9lie"}\n{"title":"\U0001f3ac"}\n'.encode()


def refusing_encoder(value):
    pytest.fail(f"the json module was asked to encode {value!r}")


def test_a_page_orjson_writes_exactly_never_reaches_the_json_module():
    page = [
        {"id": 1, "title": "Am\u00e9lie", "score": 4.5, "tags": ["a", None], "note": None},
        {"id": 2, "score": 3.0, "nested": {"x": [1.5, None, {"y": -0.0}]}},
    ]
    by_the_json_module = "".join(compact_json_encoder()(record) + "\n" for record in page).encode()

    assert json_lines(page, refusing_encoder) == by_the_json_module


@pytest.mark.parametrize(
    "page",
    [
        [{"id": 1, "score": float("nan")}],
        [{"id": 1, "note": None}, {"deep": [{"x": float("-inf")}]}],  # a NaN is where nulls are
        [{"id": 2**64}],
        [{"text": "\ud800"}],
    ],
)
def test_a_page_orjson_would_write_differently_goes_to_the_json_module(page):
    asked = []

    def encode(value):
        asked.append(value)
        return compact_json_encoder()(value)

    json_lines(page, encode)

    assert asked


def test_the_fetch_keeps_the_collector_off_the_objects_it_found(connection, tmp_path, monkeypatch):
    freeze_counts = []
    get_rating_pages = {{ cookiecutter.class_prefix }}Hook.get_rating_pages

    def noting_the_freeze(self, *args, **kwargs):
        with contextlib.closing(get_rating_pages(self, *args, **kwargs)) as pages:
            for page in pages:
                freeze_counts.append(gc.get_freeze_count())
                yield page

    monkeypatch.setattr({{ cookiecutter.class_prefix }}Hook, "get_rating_pages", noting_the_freeze)
    fetch_operator(tmp_path / "ratings.jsonl", batch_size=100).execute(context={})

    assert len(freeze_counts) == 3
    assert min(freeze_counts) > 0
    assert gc.get_freeze_count() == 0


def test_frozen_objects_are_unfrozen_when_the_block_fails():
    with pytest.raises(RuntimeError), objects_so_far_frozen():
        assert gc.get_freeze_count() > 0
        raise RuntimeError("the fetch failed")

    assert gc.get_freeze_count() == 0


def test_objects_the_process_froze_itself_stay_frozen():
    gc.freeze()
    try:
        made_since: list[list[int]] = [[] for _ in range(1000)]  # objects the process did not freeze
        before = gc.get_freeze_count()
        with objects_so_far_frozen():
            inside = gc.get_freeze_count()
        after = gc.get_freeze_count()
    finally:
        gc.unfreeze()

    # Frozen objects that are freed (other threads run) lower the count; freezing the
    # 1000 lists would raise it, and unfreezing would drop it to 0.
    assert len(made_since) == 1000
    assert 0 < inside <= before
    assert 0 < after <= before


def test_nothing_is_frozen_while_the_collector_is_off():
    gc.disable()
    try:
        with objects_so_far_frozen():
            assert gc.get_freeze_count() == 0
    finally:
        gc.enable()


def test_a_record_json_cannot_hold_is_refused_by_type():
    with pytest.raises(TypeError, match="set is not JSON serializable"):
        compact_json_encoder()({"ids": {1, 2}})
{%- if parallel %}


def test_fetching_with_pages_in_flight_writes_the_same_file(connection, tmp_path):
    connection.latency = 0.01
    one_at_a_time, concurrent = tmp_path / "one.jsonl", tmp_path / "eight.jsonl"

    fetch_operator(one_at_a_time, batch_size=10).execute(context={})
    fetch_operator(concurrent, batch_size=10, max_in_flight=8).execute(context={})

    assert concurrent.read_bytes() == one_at_a_time.read_bytes()
    assert len(read_lines(concurrent)) > 100
    assert connection.most_in_flight == 8


@pytest.mark.parametrize("value", [0, 2.5, "8", False, 33])
def test_a_bad_max_in_flight_is_refused_when_the_dag_is_parsed(value, tmp_path):
    message = f"max_in_flight: {value!r} is not allowed; give a whole number from 1 to 32"
    with pytest.raises(ValueError, match=message):
        fetch_operator(tmp_path / "never-written.jsonl", max_in_flight=value)
{%- endif %}
