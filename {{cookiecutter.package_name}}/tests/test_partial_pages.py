"""
Paging that ends early never passes for a complete copy (issue 15), and next-page URLs in the body.

When paging stops while the API's own count (a body total, a count header, a well-known count
header it sends unasked) says records remain, or while the last page holds a next-page URL
the chosen scheme does not follow, the run fails naming the count, what arrived and the answer
to change. Without any count, a last page as full as asked is logged as a warning. ``NextUrl``
follows URLs in the body under the same rules as Link headers: never to another origin, never
the same URL twice.

The stand-in serves ``NextUrl`` and ``total_header`` end to end; ``hostile_api.HostileAPI``
scripts the answers of APIs paged one way and described another.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from {{ cookiecutter.module_name }}.client import RestApi, auth, paginators
from {{ cookiecutter.module_name }}.client.errors import APIError
from {{ cookiecutter.module_name }}.hooks import {{ cookiecutter.class_prefix }}Hook
from {{ cookiecutter.module_name }}.testing.local_api import LocalAPI
from conftest import API_CREDENTIALS, connection_fields, small_{{ cookiecutter.__records }}, use_connection
from hostile_api import Answer, HostileAPI, Request

ENDPOINT = "/records"
RECORDS = [{"id": number} for number in range(3)]


def rest_api(paginator: paginators.Paginator, records_key: str = "results", **fields: Any) -> RestApi:
    return RestApi(
        base_url="http://localhost:5000",
        endpoint=ENDPOINT,
        paginator=paginator,
        auth=fields.pop("auth", auth.NoAuth()),
        records_key=records_key,
        **fields,
    )


def fetch(monkeypatch, port: int, api: RestApi, batch_size: int = 3) -> list[Any]:
    use_connection(monkeypatch, connection_fields(port, backoff_factor=0.01))
    with {{ cookiecutter.class_prefix }}Hook(api=api) as hook:
        return list(hook.get_{{ cookiecutter.__records }}(None, None, batch_size))


def at_most(count: int, script: Any) -> Any:
    """``script`` for ``count`` requests, then a 400, so a client that goes on fails differently."""
    served = 0

    def answer(request: Request) -> Answer:
        nonlocal served
        served += 1
        return script(request) if served <= count else Answer.json({"error": "enough"}, 400)

    return answer


# -- NextUrl against the stand-in ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("next_url_key", "records_key"),
    [("next", "results"), ("links.next", "data"), ("@odata.nextLink", "value")],
)
def test_next_url_paging_reads_every_record_once_in_order(monkeypatch, next_url_key, records_key):
    api = rest_api(
        paginators.NextUrl(next_url_key=next_url_key, limit_param="page_size", total_key="count"),
        records_key,
        auth=auth.Basic(),
    )
    with LocalAPI(small_{{ cookiecutter.__records }}(), api=api, **API_CREDENTIALS) as server:
        records = fetch(monkeypatch, server.port, api, batch_size=40)
        expected = [server.records.record(position) for position in server.records.window()]

    assert records == expected
    assert len(server.requests) == -(-len(expected) // 40)
    assert server.requests[0]["page_size"] == "40"


@pytest.mark.parametrize(
    "paginator",
    [
        paginators.Offset(total_header="X-Total-Count"),
        paginators.PageNumber(total_header="X-Total-Count"),
        paginators.LinkHeader(total_header="X-Total-Count"),
        paginators.NextUrl(total_header="X-Total-Count"),
    ],
    ids=["offset", "page", "link-header", "next-url"],
)
def test_total_header_is_read_for_every_scheme(monkeypatch, paginator):
    api = rest_api(paginator, auth=auth.Basic())
    with LocalAPI(small_{{ cookiecutter.__records }}(), api=api, **API_CREDENTIALS) as server:
        records = fetch(monkeypatch, server.port, api, batch_size=50)

        assert records == [server.records.record(position) for position in server.records.window()]


def test_a_total_header_that_is_missing_fails_naming_it(monkeypatch):
    api = rest_api(paginators.Offset(total_header="X-Count"))
    with (
        HostileAPI(at_most(1, lambda request: Answer.json({"results": RECORDS}))) as server,
        pytest.raises(APIError) as failure,
    ):
        fetch(monkeypatch, server.port, api)

    assert "response header 'X-Count' (total_header), found no such header" in str(failure.value)


# -- NextUrl against scripted answers ------------------------------------------------------------


def test_a_next_url_to_another_origin_is_refused_before_any_request_goes_there(monkeypatch):
    with HostileAPI(lambda request: Answer.json({"results": RECORDS}), host="127.0.0.2") as other:
        elsewhere = f"http://127.0.0.2:{other.port}{ENDPOINT}?page=2"
        page = {"results": RECORDS, "next": elsewhere}
        with (
            HostileAPI(at_most(1, lambda request: Answer.json(page))) as home,
            pytest.raises(APIError) as failure,
        ):
            fetch(monkeypatch, home.port, rest_api(paginators.NextUrl()))

    assert "links its next page to" in str(failure.value)
    assert other.requests == []


def test_a_next_url_seen_before_is_an_error(monkeypatch):
    def script(request: Request) -> Answer:
        return Answer.json({"results": RECORDS, "next": f"{ENDPOINT}?page=2"})

    with HostileAPI(at_most(5, script)) as server, pytest.raises(APIError) as failure:
        fetch(monkeypatch, server.port, rest_api(paginators.NextUrl()))

    assert "a second time" in str(failure.value)


def test_a_next_url_that_is_not_a_string_fails_naming_the_key(monkeypatch):
    page = {"results": RECORDS, "links": {"next": 2}}
    with (
        HostileAPI(at_most(1, lambda request: Answer.json(page))) as server,
        pytest.raises(APIError) as failure,
    ):
        fetch(monkeypatch, server.port, rest_api(paginators.NextUrl(next_url_key="links.next")))

    assert "an integer as its next-page URL under 'links.next' (next_url_key)" in str(failure.value)


def test_a_literal_dotted_key_is_read_before_the_dotted_path(monkeypatch):
    pages = {
        "1": {"value": RECORDS, "@odata.nextLink": f"{ENDPOINT}?page=2"},
        "2": {"value": [{"id": 3}], "@odata.nextLink": None},
    }

    def script(request: Request) -> Answer:
        return Answer.json(pages[request.query.get("page", "1")])

    api = rest_api(paginators.NextUrl(next_url_key="@odata.nextLink"), "value")
    with HostileAPI(at_most(2, script)) as server:
        assert fetch(monkeypatch, server.port, api) == [*RECORDS, {"id": 3}]


# -- Partial files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "paginator",
    [
        paginators.Cursor(total_key="count"),
        paginators.LinkHeader(total_key="count"),
        paginators.NextUrl(total_key="count"),
    ],
    ids=["cursor", "link-header", "next-url"],
)
def test_paging_that_ends_before_the_body_total_fails(monkeypatch, paginator):
    page = {"results": RECORDS, "count": 10}
    with (
        HostileAPI(at_most(1, lambda request: Answer.json(page))) as server,
        pytest.raises(APIError) as failure,
    ):
        fetch(monkeypatch, server.port, rest_api(paginator))

    assert "after 3 records, but its count (total_key='count') is 10" in str(failure.value)


def test_paging_that_ends_before_a_well_known_count_header_fails_suggesting_total_header(monkeypatch):
    # json-server answered without _page: no Link header, but X-Total-Count says 10.
    answer = Answer.of(200, {"X-Total-Count": "10"}, b'[{"id": 0}, {"id": 1}]')
    with HostileAPI(at_most(1, lambda request: answer)) as server, pytest.raises(APIError) as failure:
        fetch(monkeypatch, server.port, rest_api(paginators.LinkHeader(), ""))

    assert "after 2 records, but its last page says X-Total-Count: 10" in str(failure.value)
    assert "total_header='X-Total-Count'" in str(failure.value)


@pytest.mark.parametrize(
    ("paginator", "body", "key"),
    [
        (
            paginators.LinkHeader(),
            {"next": "http://localhost/records?cursor=cD0y", "results": RECORDS},
            "next",
        ),
        (
            paginators.Cursor(next_cursor_key="cursor"),
            {"links": {"next": "https://api.example/records?cursor=cD0y"}, "results": RECORDS},
            "links.next",
        ),
    ],
    ids=["link-header", "cursor"],
)
def test_paging_that_ends_beside_a_next_url_in_the_body_fails_suggesting_next_url(
    monkeypatch, paginator, body, key
):
    # DRF's CursorPagination described as link_header: 100 of 2,682 records looked like success.
    with (
        HostileAPI(at_most(1, lambda request: Answer.json(body))) as server,
        pytest.raises(APIError) as failure,
    ):
        fetch(monkeypatch, server.port, rest_api(paginator))

    assert "holds a next-page URL under" in str(failure.value)
    assert f"pagination=next_url with next_url_key={key!r}" in str(failure.value)


def test_a_cursor_that_is_a_whole_url_fails_suggesting_next_url(monkeypatch):
    # DRF's cursor described as cursor: the whole next URL went out as the cursor, then HTTP 404.
    page = {"results": RECORDS, "next": "http://localhost/records?cursor=cD0y"}
    with (
        HostileAPI(at_most(1, lambda request: Answer.json(page))) as server,
        pytest.raises(APIError) as failure,
    ):
        fetch(monkeypatch, server.port, rest_api(paginators.Cursor(next_cursor_key="next")))

    assert "sent a whole URL as its next cursor under 'next'" in str(failure.value)
    assert "pagination=next_url with next_url_key='next'" in str(failure.value)
    assert len(server.requests) == 1


def test_a_full_last_page_without_any_count_is_logged_as_a_warning(monkeypatch, caplog):
    with (
        HostileAPI(at_most(1, lambda request: Answer.json(RECORDS))) as server,
        caplog.at_level(logging.WARNING),
    ):
        records = fetch(monkeypatch, server.port, rest_api(paginators.LinkHeader(), ""), batch_size=3)

    assert records == RECORDS
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert any(
        "as full as asked (3)" in message and "total_key/total_header" in message for message in warnings
    )


def test_a_short_last_page_without_any_count_is_complete_and_quiet(monkeypatch, caplog):
    with (
        HostileAPI(at_most(1, lambda request: Answer.json(RECORDS))) as server,
        caplog.at_level(logging.WARNING),
    ):
        records = fetch(monkeypatch, server.port, rest_api(paginators.LinkHeader(), ""), batch_size=5)

    assert records == RECORDS
    assert not [record for record in caplog.records if "as full as asked" in record.getMessage()]


def test_a_full_last_page_that_a_well_known_count_header_confirms_is_quiet(monkeypatch, caplog):
    answer = Answer.of(200, {"X-Total-Count": "3"}, b'[{"id": 0}, {"id": 1}, {"id": 2}]')
    with HostileAPI(at_most(1, lambda request: answer)) as server, caplog.at_level(logging.WARNING):
        records = fetch(monkeypatch, server.port, rest_api(paginators.LinkHeader(), ""), batch_size=3)

    assert records == RECORDS
    assert not [record for record in caplog.records if "as full as asked" in record.getMessage()]
