"""
The API descriptions the benchmark serves and pages, shared by serve.py and scenarios.py.

``offset`` is the bake's own ``airflow_movielens.api.API`` (offset paging with a total,
YYYY-MM-DD window). ``cursor`` is the same endpoint, auth and record keys paged by a cursor
that each page names under ``next_cursor``, with no total, and a window of ISO 8601
datetimes: paging that cannot ask ahead, so one window is one request at a time unless it
is split. The local API serves whichever description it is given, so both sides read the
same one.
"""

from __future__ import annotations

import dataclasses
from typing import Any

# The cursor API's parameter and body key, as the dlt and HttpOperator rows spell them too.
CURSOR_PARAM = "cursor"
NEXT_CURSOR_KEY = "next_cursor"
NAMES = ("offset", "cursor")


def api_named(name: str) -> Any:
    """The ``RestApi`` called ``name`` (one of NAMES)."""
    from airflow_movielens.api import API
    from airflow_movielens.client import paginators, windows

    if name == "offset":
        return API
    if name == "cursor":
        return dataclasses.replace(
            API,
            paginator=paginators.Cursor(
                cursor_param=CURSOR_PARAM,
                next_cursor_key=NEXT_CURSOR_KEY,
                limit_param=API.paginator.limit_param,
            ),
            window=windows.Window(start_param=API.window.start_param, end_param=API.window.end_param),
        )
    raise ValueError(f"api: {name!r} is not allowed; give one of {', '.join(map(repr, NAMES))}")
