{%- set cc = cookiecutter -%}
{%- set dated = cc.date_filter != "none" -%}
"""Sensor that waits for {{ cc.provider_name }} ratings to arrive."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseSensorOperator

from {{ cc.module_name }}.hooks import {{ cc.class_prefix }}Hook
{%- if dated %}
from {{ cc.module_name }}.operators import WINDOW_END, WINDOW_START, checked_window
{%- endif %}

if TYPE_CHECKING:
    from airflow.sdk import Context


class {{ cc.class_prefix }}RatingsSensor(BaseSensorOperator):
    """
{%- if dated %}
    Wait until the API holds at least one rating in the window.
{%- else %}
    Wait until the API holds at least one rating.
{%- endif %}

    Each poke asks for a single record. Use ``mode="reschedule"`` to free the
    worker slot between pokes when the wait may be long.
{% if dated %}
    :param window_start: Start of the window, inclusive, as YYYY-MM-DD or an ISO 8601
        datetime; defaults to the start of the run's data interval. Templated.
    :param window_end: End of the window, exclusive; defaults to the end of the run's
        data interval. Templated.
{%- endif %}
    :param conn_id: Airflow connection id of the API.
    """
{% if dated %}
    template_fields = ("window_start", "window_end")
{% endif %}
    def __init__(
        self,
        *,
{%- if dated %}
        window_start: str | None = WINDOW_START,
        window_end: str | None = WINDOW_END,
{%- endif %}
        conn_id: str = {{ cc.class_prefix }}Hook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
{%- if dated %}
        self.window_start = window_start
        self.window_end = window_end
{%- endif %}
        self.conn_id = conn_id

    def poke(self, context: Context) -> bool:
{%- if dated %}
        start, end = checked_window(self.window_start, self.window_end)
        with {{ cc.class_prefix }}Hook(self.conn_id) as hook:
            first = next(hook.get_ratings(start_date=start, end_date=end, batch_size=1), None)
        if first is None:
            self.log.info("No ratings for [%s, %s) yet", start, end)
            return False
        self.log.info("Ratings for [%s, %s) are available", start, end)
        return True
{%- else %}
        with {{ cc.class_prefix }}Hook(self.conn_id) as hook:
            first = next(hook.get_ratings(batch_size=1), None)
        if first is None:
            self.log.info("No ratings yet")
            return False
        self.log.info("Ratings are available")
        return True
{%- endif %}
