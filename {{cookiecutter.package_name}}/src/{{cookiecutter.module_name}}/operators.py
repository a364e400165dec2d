{%- set cc = cookiecutter -%}
{%- set dated = cc.date_filter != "none" -%}
{%- set parallel = cc.pagination in ["offset", "page"] and (cc.total_key or (cc.pagination == "page" and cc.total_pages_key)) -%}
"""Operators that move {{ cookiecutter.provider_name }} ratings into storage and rank them."""

from __future__ import annotations

import contextlib
import gc
import json
import math
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import IO, TYPE_CHECKING, Any

import orjson
from airflow.sdk import BaseOperator, ObjectStoragePath

from {{ cookiecutter.module_name }}.hooks import (
{%- if parallel %}
    MAX_IN_FLIGHT,
{%- endif %}
    {{ cookiecutter.class_prefix }}Hook,
{%- if dated %}
    as_api_time,
    as_utc_datetime,
{%- endif %}
)
from {{ cookiecutter.module_name }}.ranking import rank_movies_by_rating, read_ratings

if TYPE_CHECKING:
    from airflow.sdk import Context

# Dates, dataclasses and subclasses of str, int, dict or list, which orjson would write
# differently from the json module, it refuses instead, so json_lines leaves them to the json
# module. (orjson also writes UUIDs and enums, which JSON parsing never returns.)
_ORJSON_STRICT = (
    orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS
)
{%- if dated %}

# Airflow renders these per run. The window arguments are deliberately not called
# start_date/end_date: BaseOperator owns those names, and a DAG's default_args
# would silently fill them with the DAG's own dates.
{%- if cc.date_filter == "date" %}
{% raw -%}
WINDOW_START = "{{ data_interval_start | ds }}"
WINDOW_END = "{{ data_interval_end | ds }}"
{%- endraw %}
{%- else %}
{% raw -%}
WINDOW_START = "{{ data_interval_start | ts }}"
WINDOW_END = "{{ data_interval_end | ts }}"
{%- endraw %}
{%- endif %}
{%- endif %}


class {{ cookiecutter.class_prefix }}FetchRatingsOperator(BaseOperator):
    """
{%- if dated %}
    Fetch the ratings of one window and write them as JSON Lines (one rating per line).
{%- else %}
    Fetch every rating the API holds and write them as JSON Lines (one rating per line).
{%- endif %}

    Records stream from the API to storage page by page, so memory stays flat
    however large the window, and each page is written while the next one
    downloads. The file is written under a temporary name beside the target and
    renamed into place only when complete: readers never see a partial file, and
    a failed run leaves nothing behind.

    :param output_path: Where to write, a local path or any ``ObjectStoragePath``
        URL (``file://``, or ``s3://`` and friends once their provider is installed). Templated.
{%- if dated %}
    :param window_start: Start of the window, inclusive, as YYYY-MM-DD or an ISO 8601
        datetime; defaults to the start of the run's data interval. Templated.
    :param window_end: End of the window, exclusive; defaults to the end of the run's
        data interval. Templated.
{%- endif %}
    :param conn_id: Airflow connection id of the API.
    :param batch_size: Ratings asked for per request.
{%- if parallel %}
    :param max_in_flight: Requests sent at once; defaults to the connection's
        ``max_in_flight`` extra, else 1. Above 1, pages are fetched concurrently
        and still written in the API's order.
{%- endif %}
    :return: ``{"path": ..., "records": ...}``: where the file is and how many ratings it holds.
    """

    template_fields = ("output_path",{% if dated %} "window_start", "window_end"{% endif %})

    def __init__(
        self,
        *,
        output_path: str,
{%- if dated %}
        window_start: str | None = WINDOW_START,
        window_end: str | None = WINDOW_END,
{%- endif %}
        conn_id: str = {{ cookiecutter.class_prefix }}Hook.default_conn_name,
        batch_size: int = 1000,
{%- if parallel %}
        max_in_flight: int | None = None,
{%- endif %}
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size: {batch_size!r} is not allowed; give a positive integer.")
{%- if parallel %}
        if max_in_flight is not None and (
            isinstance(max_in_flight, bool)
            or not isinstance(max_in_flight, int)
            or not 1 <= max_in_flight <= MAX_IN_FLIGHT
        ):
            raise ValueError(
                f"max_in_flight: {max_in_flight!r} is not allowed; give a whole number from 1 to {MAX_IN_FLIGHT}."
            )
{%- endif %}
        self.output_path = output_path
{%- if dated %}
        self.window_start = window_start
        self.window_end = window_end
{%- endif %}
        self.conn_id = conn_id
        self.batch_size = batch_size
{%- if parallel %}
        self.max_in_flight = max_in_flight
{%- endif %}

    def execute(self, context: Context) -> dict[str, Any]:
{%- if dated %}
        start, end = checked_window(self.window_start, self.window_end)
        target = ObjectStoragePath(self.output_path)
        self.log.info("Fetching ratings for [%s, %s) into %s", start, end, target)
{%- else %}
        target = ObjectStoragePath(self.output_path)
        self.log.info("Fetching all ratings into %s", target)
{%- endif %}
{%- if parallel %}
        hook = {{ cookiecutter.class_prefix }}Hook(self.conn_id, max_in_flight=self.max_in_flight)
{%- else %}
        hook = {{ cookiecutter.class_prefix }}Hook(self.conn_id)
{%- endif %}
        with objects_so_far_frozen(), hook, atomic_write(target) as out:
{%- if dated %}
            pages = hook.get_rating_pages(start_date=start, end_date=end, batch_size=self.batch_size)
{%- else %}
            pages = hook.get_rating_pages(batch_size=self.batch_size)
{%- endif %}
            # Closed before the hook even if writing fails, so no request outlives the task.
            with contextlib.closing(pages):
                records = write_json_lines(pages, out)
        self.log.info("Wrote %d ratings to %s", records, target)
        return {"path": str(target), "records": records}


class {{ cookiecutter.class_prefix }}RankMoviesOperator(BaseOperator):
    """
    Rank movies by mean rating from a fetched ratings file and write the ranking as CSV.

    :param input_path: JSON Lines file written by ``{{ cookiecutter.class_prefix }}FetchRatingsOperator``. Templated.
    :param output_path: Where to write the CSV. Templated.
    :param min_ratings: Keep movies rated by more than this many distinct users.
    :return: ``{"path": ..., "movies": ...}``: where the CSV is and how many movies it ranks.
    """

    template_fields = ("input_path", "output_path")

    def __init__(self, *, input_path: str, output_path: str, min_ratings: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(min_ratings, bool) or not isinstance(min_ratings, int) or min_ratings < 0:
            raise ValueError(f"min_ratings: {min_ratings!r} is not allowed; give a whole number from 0 up.")
        self.input_path = input_path
        self.output_path = output_path
        self.min_ratings = min_ratings

    def execute(self, context: Context) -> dict[str, Any]:
        source = ObjectStoragePath(self.input_path)
        target = ObjectStoragePath(self.output_path)
        with source.open("rb") as ratings_file:
            ranking = rank_movies_by_rating(read_ratings(ratings_file), min_ratings=self.min_ratings)
        with atomic_write(target) as out:
            out.write(ranking.to_csv().encode())
        self.log.info("Ranked %d movies from %s into %s", len(ranking), source, target)
        return {"path": str(target), "movies": len(ranking)}


{% if dated -%}
def checked_window(window_start: str | None, window_end: str | None) -> tuple[str | None, str | None]:
    """Check a rendered window before any request: both bounds readable, start before end."""
    for value, name in ((window_start, "window_start"), (window_end, "window_end")):
        if value is not None:
            as_api_time(value, name)  # refuses what the API cannot express
    start = None if window_start is None else as_utc_datetime(window_start, "window_start")
    end = None if window_end is None else as_utc_datetime(window_end, "window_end")
    if start is not None and end is not None and start >= end:
        raise ValueError(
            f"window_start {window_start!r} must be before window_end {window_end!r} (the end is exclusive). "
            "An empty window usually means the DAG's timetable has no data interval: "
            "schedule it with CronDataIntervalTimetable or pass the window explicitly."
        )
    return window_start, window_end


{% endif -%}


def write_json_lines(pages: Iterable[list[dict[str, Any]]], out: IO[bytes]) -> int:
    """
    Write records as UTF-8 JSON Lines, one page per write, and return how many there were.

    A second thread encodes and writes each page while the next one downloads, so
    fetching costs little more than downloading; this function holds two pages at most.
    """
    encode = compact_json_encoder()

    def write(page: list[dict[str, Any]]) -> int:
        out.write(json_lines(page, encode))
        return len(page)

    written = 0
    with ThreadPoolExecutor(1, thread_name_prefix="ratings-writer") as writer:
        pending: Future[int] | None = None
        for page in pages:
            if pending is not None:
                written += pending.result()
            pending = writer.submit(write, page)
        if pending is not None:
            written += pending.result()
    return written


def json_lines(records: list[Any], encode: Callable[[Any], str]) -> bytes:
    """
    ``records``, as JSON parsing returns them, as UTF-8 JSON Lines: one value per line.

    orjson encodes a page several times faster than the json module, and in one call:
    between two objects the compact form has ``},{``, and when that appears nowhere else
    (no nested objects in lists, no such text in strings) it is exactly the record
    boundaries. Where orjson would write something else (NaN and infinities become null)
    or cannot write it (integers that do not fit in 64 bits, lone surrogates), ``encode``
    does; the check for NaN runs only on pages that have a null.
    """

    def by_the_json_module(value: Any) -> bytes:
        return encode(value).encode("utf-8", "backslashreplace")  # a lone surrogate as its escape

    try:
        page = orjson.dumps(records, option=_ORJSON_STRICT)
        exact = b"null" not in page or not _holds_nan_or_infinity(records)
    except orjson.JSONEncodeError:
        exact = False
    if not exact:
        page = by_the_json_module(records)

    def line(record: Any) -> bytes:
        if exact:
            return orjson.dumps(record, option=_ORJSON_STRICT | orjson.OPT_APPEND_NEWLINE)
        return by_the_json_module(record) + b"\n"

    if records and all(type(record) is dict for record in records):
        inner = page[1:-1]
        if inner.count(b"},{") == len(records) - 1:
            return inner.replace(b"},{", b"}\n{") + b"\n"
    return b"".join(map(line, records))


def _holds_nan_or_infinity(value: Any) -> bool:
    """Whether a NaN or an infinity is anywhere in ``value``: orjson would write it as null."""
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) is float:
            if not math.isfinite(item):
                return True
        elif type(item) is dict:
            stack.extend(item.values())
        elif type(item) is list:
            stack.extend(item)
    return False


def compact_json_encoder() -> Callable[[Any], str]:
    """
    A function encoding one value as compact JSON, like ``json.dumps(ensure_ascii=False)``.

    ``json.dumps`` sets up a new C encoder for every call, which costs as much as
    encoding a small record; this one sets it up once, where CPython provides it.
    """
    if c_make_encoder is None:  # another Python implementation: the plain way
        return json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

    def refuse(value: Any) -> Any:
        raise TypeError(f"{type(value).__name__} is not JSON serializable")

    # Arguments: markers, default, string encoder, indent, key and item separators,
    # sort_keys, skipkeys, allow_nan; as json.dumps(separators=(",", ":"), ensure_ascii=False).
    encoder = c_make_encoder(None, refuse, encode_basestring, None, ":", ",", False, False, True)
    return lambda value: "".join(encoder(value, 0))


@contextlib.contextmanager
def objects_so_far_frozen() -> Iterator[None]:
    """
    Keep the garbage collector off every object that exists now, until the block ends.

    A task process holds a couple of hundred thousand objects of Airflow's own. While pages
    stream through it, a full collection walks all of them, with every thread stopped,
    several times per million records: about a tenth of a fetch's time. Frozen
    (``gc.freeze()``) they are skipped; objects made inside the block are collected as
    usual, and everything is unfrozen at the end. A process that has frozen objects
    itself, as Airflow's LocalExecutor does before it forks, is left as it is.
    """
    if not gc.isenabled() or gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def atomic_write(target: ObjectStoragePath) -> Iterator[IO[bytes]]:
    """Write to a hidden temporary file beside ``target`` and rename it into place on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        with temporary.open("wb") as out:
            yield out
        temporary.rename(target)
    finally:
        if temporary.exists():
            temporary.unlink()
