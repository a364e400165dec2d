{%- set cc = cookiecutter -%}
"""
The {{ cc.provider_name }} {{ cc.__records }} API, as this provider talks to it.

This is the file to edit when your API differs from what the template was told: the
hook, operators, sensor, trigger, ranking and the local stand-in API all read it, and
nothing else describes the API. Each setting is one line; the classes behind them are
in ``client/`` (``auth``, ``paginators``, ``windows``), with their parameters in their
docstrings.
"""

from __future__ import annotations

from {{ cc.module_name }}.client import RestApi, auth, paginators{% if cc.date_filter != "none" %}, windows{% endif %}

API = RestApi(
    # Used for whatever the Airflow connection leaves empty (host, port, scheme).
    base_url={{ cc.api_base_url | pystr }},
    endpoint={{ cc.api_endpoint | pystr }},
    # The connection's credentials on every request. Also: auth.Basic(), auth.Bearer(prefix="Bearer"),
    # auth.ApiKeyHeader("X-API-Key"), auth.ApiKeyQuery("api_key"), auth.NoAuth().
{%- if cc.auth_type == "basic" %}
    auth=auth.Basic(),
{%- elif cc.auth_type == "bearer" %}
    auth=auth.Bearer(),
{%- elif cc.auth_type == "api_key" and cc.api_key_in == "header" %}
    auth=auth.ApiKeyHeader({{ cc.api_key_name | pystr }}),
{%- elif cc.auth_type == "api_key" %}
    auth=auth.ApiKeyQuery({{ cc.api_key_name | pystr }}),
{%- else %}
    auth=auth.NoAuth(),
{%- endif %}
    # How the API pages, and where a page says how much there is. Also: paginators.Offset,
    # paginators.PageNumber, paginators.Cursor, paginators.LinkHeader.
{%- if cc.pagination == "offset" %}
    paginator=paginators.Offset(
        offset_param={{ cc.offset_param | pystr }},
        limit_param={{ cc.limit_param | pystr }},
        total_key={{ cc.total_key | pystr }},
    ),
{%- elif cc.pagination == "page" %}
    paginator=paginators.PageNumber(
        page_param={{ cc.page_param | pystr }},
        limit_param={{ cc.limit_param | pystr }},
        total_key={{ cc.total_key | pystr }},
        total_pages_key={{ cc.total_pages_key | pystr }},
    ),
{%- elif cc.pagination == "cursor" %}
    paginator=paginators.Cursor(
        cursor_param={{ cc.cursor_param | pystr }},
        next_cursor_key={{ cc.next_cursor_key | pystr }},
        limit_param={{ cc.limit_param | pystr }},
    ),
{%- else %}
    paginator=paginators.LinkHeader(limit_param={{ cc.limit_param | pystr }}),
{%- endif %}
    # Where a page's records are: a dotted key such as "data.items", or "" for a bare list.
    records_key={{ cc.records_key | pystr }},
    # How the window [start, end) is written: windows.Dates (YYYY-MM-DD), windows.Window
    # (ISO 8601 datetimes), windows.EpochSeconds; None if the API cannot filter by time.
{%- if cc.date_filter == "date" %}
    window=windows.Dates(start_param={{ cc.start_param | pystr }}, end_param={{ cc.end_param | pystr }}),
{%- elif cc.date_filter == "datetime" %}
    window=windows.Window(start_param={{ cc.start_param | pystr }}, end_param={{ cc.end_param | pystr }}),
{%- elif cc.date_filter == "epoch_seconds" %}
    window=windows.EpochSeconds(start_param={{ cc.start_param | pystr }}, end_param={{ cc.end_param | pystr }}),
{%- else %}
    window=None,
{%- endif %}
)

# The fields of a record that the ranking reads: who rated what, and the score.
ITEM_KEY = {{ cc.item_key | pystr }}
USER_KEY = {{ cc.user_key | pystr }}
SCORE_KEY = {{ cc.score_key | pystr }}
