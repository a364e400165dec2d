{%- set cc = cookiecutter | answers -%}
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
    # auth.ApiKeyHeader("X-API-Key"), auth.ApiKeyQuery("api_key"), auth.NoAuth(),
    # auth.OAuth2ClientCredentials("/oauth/token", client_auth="body") (the token URL).
{%- if cc.auth_type == "basic" %}
    auth=auth.Basic(),
{%- elif cc.auth_type == "bearer" and cc.token_prefix != "Bearer" %}
    auth=auth.Bearer(prefix={{ cc.token_prefix | pystr }}),
{%- elif cc.auth_type == "bearer" %}
    auth=auth.Bearer(),
{%- elif cc.auth_type == "api_key" and cc.api_key_in == "header" %}
    auth=auth.ApiKeyHeader({{ cc.api_key_name | pystr }}),
{%- elif cc.auth_type == "api_key" %}
    auth=auth.ApiKeyQuery({{ cc.api_key_name | pystr }}),
{%- elif cc.auth_type == "oauth2_client_credentials" %}
    auth=auth.OAuth2ClientCredentials(
        {{ cc.token_url | pystr }},
{%- if cc.client_auth != "body" %}
        client_auth={{ cc.client_auth | pystr }},
{%- endif %}
    ),
{%- else %}
    auth=auth.NoAuth(),
{%- endif %}
    # How the API pages, and where a page says how much there is. Also: paginators.Offset,
    # paginators.PageNumber, paginators.Cursor, paginators.NextUrl, paginators.LinkHeader;
    # each takes total_header="X-Total-Count" when a response header holds the total.
{%- set total_header = cc.get("total_header", "") %}
{%- if cc.pagination == "offset" %}
    paginator=paginators.Offset(
        offset_param={{ cc.offset_param | pystr }},
        limit_param={{ cc.limit_param | pystr }},
        total_key={{ cc.total_key | pystr }},
{%- if total_header %}
        total_header={{ total_header | pystr }},
{%- endif %}
    ),
{%- elif cc.pagination == "page" %}
    paginator=paginators.PageNumber(
        page_param={{ cc.page_param | pystr }},
        limit_param={{ cc.limit_param | pystr }},
        total_key={{ cc.total_key | pystr }},
        total_pages_key={{ cc.total_pages_key | pystr }},
{%- if total_header %}
        total_header={{ total_header | pystr }},
{%- endif %}
    ),
{%- elif cc.pagination == "cursor" %}
    paginator=paginators.Cursor(
        cursor_param={{ cc.cursor_param | pystr }},
        next_cursor_key={{ cc.next_cursor_key | pystr }},
        limit_param={{ cc.limit_param | pystr }},
{%- if total_header %}
        total_header={{ total_header | pystr }},
{%- endif %}
    ),
{%- elif cc.pagination == "next_url" %}
    paginator=paginators.NextUrl(
        next_url_key={{ cc.next_url_key | pystr }},
        limit_param={{ cc.limit_param | pystr }},
{%- if total_header %}
        total_header={{ total_header | pystr }},
{%- endif %}
    ),
{%- elif total_header %}
    paginator=paginators.LinkHeader(
        limit_param={{ cc.limit_param | pystr }},
        total_header={{ total_header | pystr }},
    ),
{%- else %}
    paginator=paginators.LinkHeader(limit_param={{ cc.limit_param | pystr }}),
{%- endif %}
    # Where a page's records are: a dotted key such as "data.items", or "" for a bare list.
    records_key={{ cc.records_key | pystr }},
{%- set extra_params = cc.get("extra_params", "") | query_pairs %}
{%- if extra_params %}
    # Fixed query parameters on every request this client builds (not on URLs the API hands back).
    extra_params={
{%- for name, value in extra_params %}
        {{ name | pystr }}: {{ value | pystr }},
{%- endfor %}
    },
{%- endif %}
{%- if cc.get("max_page_size", "1000") | int != 1000 %}
    # The largest page the API serves; a larger batch_size is refused before any request.
    max_page_size={{ cc.max_page_size | int }},
{%- endif %}
    # How the window [start, end) is written: windows.Dates (YYYY-MM-DD), windows.Window
    # (ISO 8601 datetimes), windows.EpochSeconds; None if the API cannot filter by time.
    # Each also takes window_end="inclusive" (the API's end bound includes the end) and
    # timezone="Europe/Berlin" (whole days in that zone).
{%- set window_class = {"date": "Dates", "datetime": "Window", "epoch_seconds": "EpochSeconds"}.get(cc.date_filter) %}
{%- if window_class %}
{%- set window_end = cc.get("window_end", "exclusive") %}
{%- set timezone = cc.get("api_timezone", "UTC") %}
{%- if window_end == "exclusive" and timezone == "UTC" %}
    window=windows.{{ window_class }}(start_param={{ cc.start_param | pystr }}, end_param={{ cc.end_param | pystr }}),
{%- else %}
    window=windows.{{ window_class }}(
        start_param={{ cc.start_param | pystr }},
        end_param={{ cc.end_param | pystr }},
{%- if window_end != "exclusive" %}
        window_end={{ window_end | pystr }},
{%- endif %}
{%- if timezone != "UTC" %}
        timezone={{ timezone | pystr }},
{%- endif %}
    ),
{%- endif %}
{%- else %}
    window=None,
{%- endif %}
)

# The fields of a record that the ranking reads: who rated what, and the score.
ITEM_KEY = {{ cc.item_key | pystr }}
USER_KEY = {{ cc.user_key | pystr }}
SCORE_KEY = {{ cc.score_key | pystr }}
