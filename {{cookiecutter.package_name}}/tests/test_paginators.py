"""
Every paginator in ``client/paginators.py`` against the local API serving it, whatever ``api.py`` chose.

A user switches paging by changing one line of ``api.py``, so each scheme ships working:
every record exactly once and in the API's order, from an API that caps its page size,
and with pages asked for ahead where the scheme allows it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from {{ cookiecutter.module_name }}.client import RestApi, auth, paginators, windows
from {{ cookiecutter.module_name }}.hooks import {{ cookiecutter.class_prefix }}Hook
from {{ cookiecutter.module_name }}.testing.local_api import LocalAPI
from conftest import (
    API_CREDENTIALS,
    ZONE_NAME,
    connection_fields,
    day_start,
    small_{{ cookiecutter.__records }},
    use_connection,
)

# One description per paging scheme, each with its records where real APIs of that kind put them.
PAGINATORS: dict[str, tuple[paginators.Paginator, str]] = {
    "offset-with-total": (paginators.Offset(total_key="total"), "result"),
    "offset-without-total": (paginators.Offset(offset_param="skip", limit_param="take"), "result"),
    "page-with-total": (paginators.PageNumber(total_key="meta.total", limit_param="page_size"), "data.items"),
    "page-with-total-pages": (paginators.PageNumber(total_pages_key="meta.pages"), "data.items"),
    "page-without-counts": (paginators.PageNumber(page_param="p", first_page=0), "items"),
    "cursor": (paginators.Cursor(cursor_param="after", next_cursor_key="meta.next"), "data"),
    "link-header": (paginators.LinkHeader(limit_param="per_page"), ""),
    "offset-with-total-header": (paginators.Offset(total_header="X-Result-Count"), "result"),
    "page-with-total-header": (paginators.PageNumber(total_header="X-Total", limit_param="size"), "items"),
    "cursor-with-total": (paginators.Cursor(total_key="meta.count"), "data"),
    "link-header-with-total-header": (paginators.LinkHeader(total_header="X-Count"), "records"),
    "next-url": (paginators.NextUrl(limit_param="page_size", total_key="count"), "results"),
    "next-url-dotted": (paginators.NextUrl(next_url_key="links.next"), "data"),
    "next-url-odata": (
        paginators.NextUrl(next_url_key="@odata.nextLink", total_header="X-Total-Count"),
        "value",
    ),
}
# The schemes that know every page's position after the first, so can ask for pages ahead.
CONCURRENT = [
    "offset-with-total",
    "page-with-total",
    "page-with-total-pages",
    "offset-with-total-header",
    "page-with-total-header",
]
SEQUENTIAL = [name for name in PAGINATORS if name not in CONCURRENT]

# small_records() spans these three days: 2, 3 and 250 records.
ALL_DAYS = ("2026-01-01", "2026-01-04")


def rest_api(name: str) -> RestApi:
    paginator, records_key = PAGINATORS[name]
    return RestApi(
        base_url="http://localhost:5000/v1",
        endpoint="/records",
        paginator=paginator,
        auth=auth.Basic(),
        records_key=records_key,
        # Whole days in the zone the test records are laid out in (conftest.day_start).
        window=windows.Dates(start_param="from", end_param="until", timezone=ZONE_NAME),
    )


@pytest.fixture(params=list(PAGINATORS))
def served(request, monkeypatch):
    """The local API serving one paginator's description, and the hook's connection to it."""
    api = rest_api(request.param)
    with LocalAPI(small_{{ cookiecutter.__records }}(), api=api, **API_CREDENTIALS) as server:
        use_connection(monkeypatch, connection_fields(server.port, backoff_factor=0.01))
        yield server


def fetch(
    server: LocalAPI,
    start: str | None = ALL_DAYS[0],
    end: str | None = ALL_DAYS[1],
    batch_size: int = 100,
    **settings: Any,
) -> list[dict[str, Any]]:
    """Every record the hook yields for ``[start, end)`` from the API that ``server`` serves."""
    with {{ cookiecutter.class_prefix }}Hook(api=server.api, **settings) as hook:
        return list(hook.get_{{ cookiecutter.__records }}(start, end, batch_size))


def stored(server: LocalAPI, start: int | None = None, end: int | None = None) -> list[dict[str, Any]]:
    """The records ``server`` holds with ``start <= timestamp < end``, in its order."""
    return [server.records.record(position) for position in server.records.window(start, end)]


@pytest.mark.parametrize("batch_size", [51, 100, 1000], ids=lambda size: f"batch-{size}")
def test_every_paginator_yields_every_record_once_in_order(served, batch_size):
    assert fetch(served, batch_size=batch_size) == stored(served)


def test_every_paginator_yields_every_record_once_with_pages_of_one(served):
    # The first two days only (5 records): one request per record, as the sensor's poke asks.
    first_day = day_start(dt.date(2026, 1, 1))

    assert fetch(served, "2026-01-01", "2026-01-03", batch_size=1) == stored(
        served, first_day, day_start(dt.date(2026, 1, 3))
    )


def test_every_paginator_yields_only_the_records_of_the_window(served):
    day_two, day_three = day_start(dt.date(2026, 1, 2)), day_start(dt.date(2026, 1, 3))

    assert fetch(served, "2026-01-02", "2026-01-03") == stored(served, day_two, day_three)


def test_every_paginator_yields_every_record_without_a_window(served):
    assert fetch(served, None, None, batch_size=64) == stored(served)


def test_every_paginator_yields_nothing_for_an_empty_window(served):
    assert fetch(served, "2026-02-01", "2026-02-02") == []


@pytest.mark.parametrize("max_page_size", [7, 99], ids=lambda size: f"capped-at-{size}")
def test_every_paginator_loses_nothing_from_an_api_that_caps_its_page_size(served, max_page_size):
    served.max_page_size = max_page_size

    assert fetch(served, batch_size=100) == stored(served)


@pytest.mark.parametrize("name", CONCURRENT)
@pytest.mark.parametrize("max_page_size", [None, 7], ids=["uncapped", "capped-at-7"])
def test_pages_asked_for_ahead_arrive_complete_and_in_order(monkeypatch, name, max_page_size):
    # Each answer takes long enough that four requests are surely out at once, even on a busy machine.
    with LocalAPI(
        small_{{ cookiecutter.__records }}(),
        api=rest_api(name),
        max_page_size=max_page_size,
        latency=0.1,
        **API_CREDENTIALS,
    ) as server:
        use_connection(monkeypatch, connection_fields(server.port))

        records = fetch(server, batch_size=25, max_in_flight=4)

    assert records == stored(server)
    assert server.most_in_flight == 4


@pytest.mark.parametrize("name", SEQUENTIAL)
def test_paginators_that_cannot_page_ahead_ask_one_page_at_a_time(monkeypatch, name):
    with LocalAPI(
        small_{{ cookiecutter.__records }}(),
        api=rest_api(name),
        latency=0.01,
        **API_CREDENTIALS,
    ) as server:
        use_connection(monkeypatch, connection_fields(server.port))

        records = fetch(server, batch_size=10, max_in_flight=4)

    assert records == stored(server)
    assert server.most_in_flight == 1
