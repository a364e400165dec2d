"""
Paging and bodies from a hostile API (issue 12, findings 5 and 7): bounded runs, flat memory, valid lines.

Every paginator reads at most ``max_pages`` pages per window and fails early when a total
announces more; it keeps what it has seen of cursors and links as fixed-size digests, so
100,000 pages of 60 KB cursors cost no more memory than 100,000 short ones. A body that JSON
Lines cannot carry as it is (NaN, Infinity, numbers beyond a float, records that are not
objects, a key given twice at the top level or in an object on the way to the records, a count or
the cursor, absurd nesting) fails at once with an ``APIError`` that names the page and the problem. Cursors go out only as strings or integers.

The HTTP cases talk to ``hostile_api.HostileAPI`` on loopback. The memory case drives the
paginators through a page source of its own (``endless_paging.py``, in fresh processes):
100,000 HTTP requests would take minutes.
"""

from __future__ import annotations

import gc
import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.module_name }}.client import RestApi, auth, paginators
from {{ cookiecutter.module_name }}.client.errors import APIError
from {{ cookiecutter.module_name }}.hooks import {{ cookiecutter.class_prefix }}Hook
from {{ cookiecutter.module_name }}.storage import write_json_lines
from conftest import connection_fields, use_connection
from hostile_api import Answer, HostileAPI, Request

ENDPOINT = "/records"
# More requests than any case here needs: a client that never stops gets a 400 and fails differently.
CUTOFF = 30

# One description per paging scheme, with its records where APIs of that kind put them, and the
# raw JSON text of one page, its records' text in place of ROWS.
SCHEMES: dict[str, tuple[paginators.Paginator, str, str]] = {
    "offset": (paginators.Offset(total_key="total"), "result", '{"result": ROWS, "total": 1}'),
    "page": (
        paginators.PageNumber(total_key="meta.total"),
        "data.items",
        '{"data": {"items": ROWS}, "meta": {"total": 1}}',
    ),
    "cursor": (
        paginators.Cursor(next_cursor_key="meta.next"),
        "data",
        '{"data": ROWS, "meta": {"next": null}}',
    ),
    "link-header": (paginators.LinkHeader(), "", "ROWS"),
}


def rest_api(paginator: paginators.Paginator, records_key: str) -> RestApi:
    return RestApi(
        base_url="http://localhost:5000",
        endpoint=ENDPOINT,
        paginator=paginator,
        auth=auth.NoAuth(),
        records_key=records_key,
    )


def fetch(monkeypatch, server: HostileAPI, api: RestApi, batch_size: int = 1, **extra: Any) -> list[Any]:
    """Every record the hook yields from ``server`` for ``api``, with ``extra`` connection settings."""
    use_connection(monkeypatch, connection_fields(server.port, backoff_factor=0.01, **extra))
    with {{ cookiecutter.class_prefix }}Hook(api=api) as hook:
        return list(hook.get_{{ cookiecutter.__records }}(None, None, batch_size))


def cut_off(script: Callable[[Request], Answer]) -> Callable[[Request], Answer]:
    """``script`` for the first ``CUTOFF`` requests, then a 400: no case can run without end."""
    served = 0

    def answer(request: Request) -> Answer:
        nonlocal served
        served += 1
        return script(request) if served <= CUTOFF else Answer.json({"error": "enough"}, 400)

    return answer


def raw(text: str, headers: dict[str, str] | None = None) -> Answer:
    return Answer.of(200, headers, text.encode())


# -- Output: every written line is valid JSON, or the page fails naming itself and the problem ---------

DEEP = "[" * 100_000 + "]" * 100_000
OVERFLOW = "would be infinity, which JSON cannot represent"
BAD_RECORDS = {
    "nan": ('[{"id": 1, "rating": NaN}]', "sent NaN, which is not JSON"),
    "infinity": ('[{"id": 1, "rating": Infinity}]', "sent Infinity, which is not JSON"),
    "minus-infinity": ('[{"id": 1, "rating": -Infinity}]', "sent -Infinity, which is not JSON"),
    "overflow": ('[{"id": 1, "rating": 1e400}]', OVERFLOW),
    "negative-overflow": ('[{"id": 1, "rating": -1e400}]', OVERFLOW),
    "long-overflow": ('[{"id": 1, "rating": 1' + "0" * 400 + ".5}]", OVERFLOW),
    "integer-record": ('[{"id": 1}, 1]', "sent an integer as record 1"),
    "string-record": ('["x"]', "sent a string as record 0"),
    "null-record": ("[null]", "sent null as record 0"),
    "list-record": ('[[{"id": 1}]]', "sent an array as record 0"),
    "deep-nesting": ('[{"id": 1, "deep": ' + DEEP + "}]", "nested deeper than the interpreter can follow"),
}


@pytest.mark.parametrize("scheme", list(SCHEMES))
@pytest.mark.parametrize("bad", list(BAD_RECORDS))
def test_a_page_that_json_lines_cannot_carry_fails_at_once_naming_page_and_problem(monkeypatch, scheme, bad):
    paginator, records_key, page = SCHEMES[scheme]
    rows, problem = BAD_RECORDS[bad]
    if bad == "deep-nesting":
        # msgspec follows the nesting down to the interpreter's recursion limit. Finalizers of the
        # garbage earlier tests left to the cycle collector would run down there and fail as
        # "unraisable" if a collection happened mid-decode: collect it beforehand.
        gc.collect()
    with (
        HostileAPI(cut_off(lambda request: raw(page.replace("ROWS", rows)))) as server,
        pytest.raises(APIError) as failure,
    ):
        fetch(monkeypatch, server, rest_api(paginator, records_key))

    message = str(failure.value)
    assert f"GET {server.origin}{ENDPOINT}" in message
    assert problem in message
    assert len(server.requests) == 1  # a whole body that is wrong is not asked for again
    assert len(message) < 500  # no 100,000 brackets or 400 digits quoted back


# msgspec, like most JSON readers, would keep the last value of a repeated key and drop the others.
TWICE = {
    "offset": ("result", '{"result": [{"id": 1}], "result": [{"id": 2}], "total": 1}'),
    "offset-total": ("total", '{"result": [{"id": 1}], "total": 2, "total": 1}'),
    "page": ("data", '{"data": {"items": [{"id": 1}]}, "meta": {"total": 1}, "data": {"items": []}}'),
    "cursor": ("data", '{"data": [{"id": 1}], "meta": {"next": null}, "data": [{"id": 1}]}'),
}


@pytest.mark.parametrize("case", list(TWICE))
def test_a_top_level_key_given_twice_fails_rather_than_dropping_a_value(monkeypatch, case):
    paginator, records_key, _ = SCHEMES[case.split("-")[0]]
    top, twice = TWICE[case]
    with HostileAPI(cut_off(lambda request: raw(twice))) as server, pytest.raises(APIError) as failure:
        fetch(monkeypatch, server, rest_api(paginator, records_key))

    assert f"GET {server.origin}{ENDPOINT}" in str(failure.value)
    assert f"the top-level key {top!r} more than once" in str(failure.value)
    assert len(server.requests) == 1


# A key repeated further down, in an object on the way to a key the client reads: the full dotted
# key that is named, and the paginator and records key that read through that object.
NESTED_TWICE: dict[str, tuple[paginators.Paginator, str, str, str]] = {
    "records-two-levels": (
        paginators.Offset(total_key="total"),
        "data.items",
        '{"data": {"items": [{"id": 1}], "items": [{"id": 2}]}, "total": 1}',
        "data.items",
    ),
    "records-three-levels": (
        paginators.Cursor(next_cursor_key="next"),
        "body.data.items",
        '{"body": {"data": {"items": [{"id": 1}], "n": 1, "items": [{"id": 2}]}}, "next": null}',
        "body.data.items",
    ),
    "records-parent": (
        paginators.LinkHeader(),
        "body.data.items",
        '{"body": {"data": {"items": [{"id": 1}]}, "data": {"items": [{"id": 2}]}}}',
        "body.data",
    ),
    "offset-total": (
        paginators.Offset(total_key="meta.total"),
        "result",
        '{"result": [{"id": 1}], "meta": {"total": 2, "total": 1}}',
        "meta.total",
    ),
    "page-total": (
        paginators.PageNumber(total_key="meta.total"),
        "result",
        '{"result": [{"id": 1}], "meta": {"total": 2, "total": 1}}',
        "meta.total",
    ),
    "page-count": (
        paginators.PageNumber(total_pages_key="meta.pages"),
        "result",
        '{"result": [{"id": 1}], "meta": {"pages": 2, "pages": 1}}',
        "meta.pages",
    ),
    "cursor": (
        paginators.Cursor(next_cursor_key="meta.next"),
        "result",
        '{"result": [{"id": 1}], "meta": {"next": "2", "next": null}}',
        "meta.next",
    ),
}


@pytest.mark.parametrize("case", list(NESTED_TWICE))
def test_a_key_given_twice_on_the_way_to_records_count_or_cursor_fails_naming_the_dotted_key(
    monkeypatch, case
):
    paginator, records_key, twice, dotted = NESTED_TWICE[case]
    with HostileAPI(cut_off(lambda request: raw(twice))) as server, pytest.raises(APIError) as failure:
        fetch(monkeypatch, server, rest_api(paginator, records_key))

    assert f"GET {server.origin}{ENDPOINT}" in str(failure.value)
    assert f"sent a body with the key {dotted!r} more than once" in str(failure.value)
    assert len(server.requests) == 1


def test_a_key_repeated_inside_a_record_keeps_its_last_value_and_is_written(monkeypatch):
    # Records, and objects the client does not read through, are read as JSON readers read them.
    body = (
        '{"data": {"items": [{"id": 1, "score": 2, "score": 4.5, "tags": {"a": 1, "a": 2}}],'
        ' "extra": {"x": 1, "x": 2}, "total": 1}, "other": {"y": 1, "y": 2}}'
    )
    api = rest_api(paginators.Offset(total_key="data.total"), "data.items")
    with HostileAPI(cut_off(lambda request: raw(body))) as server:
        records = fetch(monkeypatch, server, api, 10)
    out = io.BytesIO()

    assert records == [{"id": 1, "score": 4.5, "tags": {"a": 2}}]
    assert write_json_lines([records], out) == 1
    assert out.getvalue() == b'{"id":1,"score":4.5,"tags":{"a":2}}\n'


def test_valid_json_in_odd_but_lawful_shapes_is_read_as_it_is(monkeypatch):
    # Whitespace everywhere, an escaped key, keys repeated inside records and in an object off the
    # keys the client reads (those decide which records there are), big integers and a tiny float.
    body = (
        ' \n{ "res\\u0075lt" :\t[ {"id": 1, "id": 2, "n": 18446744073709551616, "x": 1e-400} ,'
        ' {"id": 3, "meta": {"a": 1, "a": 2}} ] , "total" : 2 , "result_count": {"total": 2} }\n'
    )
    with HostileAPI(cut_off(lambda request: raw(body))) as server:
        records = fetch(monkeypatch, server, rest_api(paginators.Offset(total_key="total"), "result"), 10)

    assert records == [{"id": 2, "n": 2**64, "x": 0.0}, {"id": 3, "meta": {"a": 2}}]


# -- Cursors: only strings and integers go out -------------------------------------------------------


def cursor_page(request: Request, first_next: Any) -> Answer:
    """Page 1 names ``first_next`` as its next cursor; the page after it names none."""
    if "cursor" in request.query:
        return Answer.json({"data": [{"id": 2}], "meta": {"next": None}})
    return Answer.json({"data": [{"id": 1}], "meta": {"next": first_next}})


@pytest.mark.parametrize(
    ("cursor", "kind"),
    [(False, "a boolean"), (True, "a boolean"), ([], "an array"), ({}, "an object"), (1.5, "a number")],
    ids=["false", "true", "list", "dict", "float"],
)
def test_a_cursor_that_is_not_a_string_or_integer_is_refused_naming_key_type_and_page(
    monkeypatch, cursor, kind
):
    with (
        HostileAPI(cut_off(lambda request: cursor_page(request, cursor))) as server,
        pytest.raises(APIError) as failure,
    ):
        fetch(monkeypatch, server, rest_api(paginators.Cursor(next_cursor_key="meta.next"), "data"))

    message = str(failure.value)
    assert f"GET {server.origin}{ENDPOINT}" in message
    assert f"sent {kind}" in message
    assert "under 'meta.next'" in message
    assert "a cursor must be a string or an integer" in message
    assert len(server.requests) == 1  # nothing like cursor=False or cursor=%5B%5D was sent


@pytest.mark.parametrize(("cursor", "sent"), [(0, "0"), (7, "7"), ("abc", "abc")], ids=["zero", "int", "str"])
def test_string_and_integer_cursors_are_sent_as_they_are(monkeypatch, cursor, sent):
    with HostileAPI(cut_off(lambda request: cursor_page(request, cursor))) as server:
        records = fetch(monkeypatch, server, rest_api(paginators.Cursor(next_cursor_key="meta.next"), "data"))

    assert records == [{"id": 1}, {"id": 2}]
    assert server.requests[1].query["cursor"] == sent


# -- Paging without bounds: max_pages ----------------------------------------------------------------


def numbered(request: Request, **counts: int) -> Answer:
    """A page of one record, numbered by its offset or page number, with ``counts`` at the top."""
    number = int(request.query.get("offset") or request.query.get("page") or 0)
    return Answer.json({"result": [{"id": number}], **counts})


@pytest.mark.parametrize(
    ("paginator", "counts", "announced"),
    [
        (
            paginators.Offset(total_key="total"),
            {"total": 10**9},
            "a total of 1000000000 records in pages of 1",
        ),
        (
            paginators.PageNumber(total_key="total"),
            {"total": 10**9},
            "a total of 1000000000 records in pages of 1",
        ),
        (paginators.PageNumber(total_pages_key="pages"), {"pages": 10**9}, "1000000000 pages"),
    ],
    ids=["offset-total", "page-total", "page-count"],
)
@pytest.mark.parametrize("max_in_flight", [1, 4])
def test_a_total_announcing_more_pages_than_max_pages_fails_before_the_second_request(
    monkeypatch, paginator, counts, announced, max_in_flight
):
    with (
        HostileAPI(cut_off(lambda request: numbered(request, **counts))) as server,
        pytest.raises(APIError) as failure,
    ):
        fetch(monkeypatch, server, rest_api(paginator, "result"), max_in_flight=max_in_flight)

    message = str(failure.value)
    assert f"announces {announced}, 1000000000 pages in all" in message
    assert "more than max_pages (1000000) allows" in message
    assert len(server.requests) == 1


def test_a_total_within_max_pages_is_read_to_the_end(monkeypatch):
    with HostileAPI(cut_off(lambda request: numbered(request, total=5))) as server:
        records = fetch(
            monkeypatch, server, rest_api(paginators.Offset(total_key="total"), "result"), max_pages=5
        )

    assert records == [{"id": offset} for offset in range(5)]


def endless_cursor(request: Request) -> Answer:
    position = int(request.query.get("cursor", "0"))
    return Answer.json({"result": [{"id": position}], "next": str(position + 1)})


def endless_links(server_origin: Callable[[], str]) -> Callable[[Request], Answer]:
    def answer(request: Request) -> Answer:
        position = int(request.query.get("page", "0"))
        link = f'<{server_origin()}{ENDPOINT}?page={position + 1}>; rel="next"'
        return Answer.of(200, {"Link": link}, b'[{"id": %d}]' % position)

    return answer


@pytest.mark.parametrize("scheme", ["offset-without-total", "page-without-counts", "cursor", "link-header"])
def test_paging_without_end_stops_at_max_pages_for_every_paginator(monkeypatch, scheme):
    holder: list[HostileAPI] = []
    scripts: dict[str, tuple[paginators.Paginator, str, Callable[[Request], Answer]]] = {
        "offset-without-total": (paginators.Offset(), "result", numbered),
        "page-without-counts": (paginators.PageNumber(), "result", numbered),
        "cursor": (paginators.Cursor(next_cursor_key="next"), "result", endless_cursor),
        "link-header": (paginators.LinkHeader(), "", endless_links(lambda: holder[0].origin)),
    }
    paginator, records_key, script = scripts[scheme]
    with HostileAPI(cut_off(script)) as server:
        holder.append(server)
        with pytest.raises(APIError, match="has sent 5 pages and points to another, but max_pages is 5"):
            fetch(monkeypatch, server, rest_api(paginator, records_key), max_pages=5)

    assert len(server.requests) == 5


@pytest.mark.parametrize("value", [0, -1, 2.5, "many", True])
def test_a_bad_max_pages_is_refused_by_name(monkeypatch, value):
    with (
        HostileAPI(cut_off(lambda request: numbered(request, total=1))) as server,
        pytest.raises(
            ValueError, match=f"max_pages: {value!r} is not allowed; give a whole number from 1 up"
        ),
    ):
        fetch(monkeypatch, server, rest_api(paginators.Offset(total_key="total"), "result"), max_pages=value)

    assert server.requests == []


# -- Memory: what is kept of cursors and links does not grow with them ---------------------------------

PAGES = 100_000
CURSOR_SIZE = 60_000
LINK_SIZE = 2_000  # a long URL (most servers refuse a request line past 8 KB)
# 100,000 fingerprints take about 10 MB (16-byte digests in a set); keeping each 60 KB cursor would
# take 6 GB, each link 200 MB. The run stops at the bound, so a paginator that keeps them fails fast.
BOUND = 16 * 2**20


def test_memory_stays_flat_over_100000_pages_of_long_cursors_and_links():
    # Both runs at once, each in a fresh process (endless_paging.py) whose peak RSS is its own.
    script = str(Path(__file__).with_name("endless_paging.py"))
    runs = {
        kind: subprocess.Popen(  # noqa: S603 - this directory's script, with fixed arguments
            [sys.executable, script, kind, str(size), str(PAGES), str(BOUND)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for kind, size in [("cursor", CURSOR_SIZE), ("link", LINK_SIZE)]
    }
    try:
        results = {kind: run.communicate(timeout=120) for kind, run in runs.items()}
    finally:
        for run in runs.values():
            run.kill()  # only if a run outlived its time; a finished one is left alone

    for kind, (out, err) in results.items():
        assert runs[kind].returncode == 0, f"{kind}: {err}"
        read, growth = map(int, out.split())
        assert read == PAGES
        assert growth < BOUND, f"{kind}: peak RSS grew by {growth:,} bytes over {PAGES:,} pages"
