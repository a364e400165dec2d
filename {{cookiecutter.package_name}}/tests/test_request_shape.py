"""
What goes into each request besides paging and the window: ``extra_params`` and the page size.

``extra_params`` ride on every request the client builds and never on a URL the API hands
back; a ``batch_size`` above the API's ``max_page_size`` is refused before any request,
since the real API would answer it with an error (as the local one does).
"""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.request
from typing import Any

import pytest

from {{ cookiecutter.module_name }}.api import API
from {{ cookiecutter.module_name }}.client import RestApi, auth, paginators, windows
from {{ cookiecutter.module_name }}.hooks import {{ cookiecutter.class_prefix }}Hook
from {{ cookiecutter.module_name }}.testing.local_api import LINK_PAGE_PARAM, Fault, LocalAPI
from conftest import (
    API_CREDENTIALS,
    LOGIN,
    SECRET,
    connection_fields,
    small_{{ cookiecutter.__records }},
    use_connection,
)

EXTRA = {"api_version": "2", "format": "json"}


def bare_api(**fields: Any) -> RestApi:
    return RestApi(base_url="http://localhost", endpoint="/records", paginator=paginators.Offset(), **fields)


def rest_api(paginator: paginators.Paginator, **fields: Any) -> RestApi:
    settings: dict[str, Any] = {"auth": auth.Basic(), "records_key": "result", **fields}
    return RestApi(base_url="http://localhost:5000/v1", endpoint="/records", paginator=paginator, **settings)


def fetch(monkeypatch, server: LocalAPI, batch_size: int | None = None, **settings: Any) -> list[Any]:
    use_connection(monkeypatch, connection_fields(server.port, backoff_factor=0.01))
    with {{ cookiecutter.class_prefix }}Hook(api=server.api, **settings) as hook:
        return list(hook.get_{{ cookiecutter.__records }}(batch_size=batch_size))


def stored(server: LocalAPI) -> list[Any]:
    return [server.records.record(position) for position in server.records.window()]


@pytest.mark.parametrize("max_in_flight", [1, 4])
def test_extra_params_go_with_every_request_the_client_builds(monkeypatch, max_in_flight):
    api = rest_api(paginators.Offset(total_key="total"), extra_params=EXTRA)
    with LocalAPI(small_{{ cookiecutter.__records }}(), api=api, **API_CREDENTIALS) as server:
        assert fetch(monkeypatch, server, batch_size=50, max_in_flight=max_in_flight) == stored(server)

    assert len(server.requests) == 6
    assert all(request.items() >= EXTRA.items() for request in server.requests)


def test_extra_params_are_never_added_to_a_link_the_api_hands_back(monkeypatch):
    api = rest_api(paginators.LinkHeader(), records_key="", extra_params=EXTRA)
    with LocalAPI(small_{{ cookiecutter.__records }}(), api=api, **API_CREDENTIALS) as server:
        # The first page links on without the extra parameters; the client must follow it as given.
        link = f"{server.url}{server.endpoint}?{LINK_PAGE_PARAM}=2&limit=100"
        server.add_faults(Fault(headers={"Link": f'<{link}>; rel="next"'}))
        assert fetch(monkeypatch, server, batch_size=100) == stored(server)

    first, *followed = server.requests
    assert first == {**EXTRA, "limit": "100"}
    assert followed == [{LINK_PAGE_PARAM: "2", "limit": "100"}, {LINK_PAGE_PARAM: "3", "limit": "100"}]


@pytest.mark.parametrize(
    ("fields", "name", "owner"),
    [
        ({"paginator": paginators.Offset()}, "limit", "paginator's limit_param (Offset)"),
        ({"paginator": paginators.Offset(offset_param="skip")}, "skip", "paginator's offset_param (Offset)"),
        ({"paginator": paginators.PageNumber(page_param="p")}, "p", "paginator's page_param (PageNumber)"),
        ({"paginator": paginators.Cursor()}, "cursor", "paginator's cursor_param (Cursor)"),
        ({"window": windows.Dates(start_param="from")}, "from", "window's start_param (Dates)"),
        ({"window": windows.Window(end_param="until")}, "until", "window's end_param (Window)"),
        ({"auth": auth.ApiKeyQuery("key")}, "key", "auth's parameter (ApiKeyQuery)"),
    ],
)
def test_an_extra_param_the_client_sets_itself_is_refused_naming_both(fields, name, owner):
    settings = {"paginator": paginators.Offset(), **fields}
    message = f"extra_params: {name!r} is not allowed; it is the {owner} that the client sets itself"
    with pytest.raises(ValueError, match=re.escape(message)):
        RestApi(base_url="http://localhost", endpoint="/records", extra_params={name: "1"}, **settings)


@pytest.mark.parametrize("extra", [{"page": 1}, {"": "x"}, "page=1"])
def test_extra_params_that_are_not_names_to_strings_are_refused(extra):
    with pytest.raises(ValueError, match=r"extra_params: .* is not allowed; give"):
        bare_api(extra_params=extra)


def test_extra_params_cannot_be_changed_behind_the_api_description():
    given = {"api_version": "2"}
    api = bare_api(extra_params=given)
    given["api_version"] = "3"

    assert dict(api.extra_params) == {"api_version": "2"}
    with pytest.raises(TypeError):
        api.extra_params["format"] = "json"  # type: ignore[index]


@pytest.mark.parametrize("size", [0, -1, 2.5, "100", True])
def test_a_bad_max_page_size_is_refused(size):
    with pytest.raises(ValueError, match=re.escape(f"max_page_size: {size!r} is not allowed")):
        bare_api(max_page_size=size)


def test_a_batch_size_above_max_page_size_is_refused_before_any_request(monkeypatch):
    api = rest_api(paginators.Offset(total_key="total"), max_page_size=100)
    with LocalAPI(small_{{ cookiecutter.__records }}(), api=api, **API_CREDENTIALS) as server:
        with pytest.raises(ValueError, match=r"batch_size: 101 is not allowed; .* max_page_size 100 "):
            fetch(monkeypatch, server, batch_size=101)
        assert server.requests == []
        # What the hook spares the user: the API itself refuses the page.
        status, body = get(f"{server.url}{server.endpoint}?limit=101")
        assert (status, body) == (400, {"error": "limit: 101 is more than 100"})
        assert fetch(monkeypatch, server, batch_size=100) == stored(server)


def get(url: str) -> tuple[int, Any]:
    token = base64.b64encode(f"{LOGIN}:{SECRET}".encode()).decode()
    request = urllib.request.Request(url, headers={"Authorization": f"Basic {token}"})  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_without_a_batch_size_the_hook_asks_for_no_more_than_max_page_size(monkeypatch):
    api = rest_api(paginators.Offset(total_key="total"), max_page_size=7)
    with LocalAPI(small_{{ cookiecutter.__records }}(), api=api, **API_CREDENTIALS) as server:
        assert fetch(monkeypatch, server) == stored(server)

    assert {request["limit"] for request in server.requests} == {"7"}


def test_the_fetch_operator_asks_for_the_largest_page_by_default_and_refuses_more():
    from {{ cookiecutter.module_name }}.operators import (
        {{ cookiecutter.class_prefix }}Fetch{{ cookiecutter.__Records }}Operator as FetchOperator,
    )

    assert FetchOperator(task_id="fetch", output_path="out.jsonl").batch_size == API.max_page_size
    too_many = API.max_page_size + 1
    with pytest.raises(ValueError, match=f"batch_size: {too_many} is not allowed; .* {API.max_page_size} "):
        FetchOperator(task_id="fetch", output_path="out.jsonl", batch_size=too_many)
