"""Sensor that waits for {{ cookiecutter.provider_name }} ratings to arrive."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseSensorOperator

from {{ cookiecutter.module_name }}.hooks import {{ cookiecutter.class_prefix }}Hook
from {{ cookiecutter.module_name }}.operators import WINDOW_END, WINDOW_START, checked_window

if TYPE_CHECKING:
    from airflow.sdk import Context


class {{ cookiecutter.class_prefix }}RatingsSensor(BaseSensorOperator):
    """
    Wait until the API holds at least one rating in the window.

    Each poke asks for a single record. Use ``mode="reschedule"`` to free the
    worker slot between pokes when the wait may be long.

    :param window_start: First day, inclusive, as YYYY-MM-DD; defaults to the start of
        the run's data interval. Templated.
    :param window_end: Day after the last one, exclusive; defaults to the end of the
        run's data interval. Templated.
    :param conn_id: Airflow connection id of the API.
    """

    template_fields = ("window_start", "window_end")

    def __init__(
        self,
        *,
        window_start: str | None = WINDOW_START,
        window_end: str | None = WINDOW_END,
        conn_id: str = {{ cookiecutter.class_prefix }}Hook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.window_start = window_start
        self.window_end = window_end
        self.conn_id = conn_id

    def poke(self, context: Context) -> bool:
        start, end = checked_window(self.window_start, self.window_end)
        with {{ cookiecutter.class_prefix }}Hook(self.conn_id) as hook:
            first = next(hook.get_ratings(start_date=start, end_date=end, batch_size=1), None)
        if first is None:
            self.log.info("No ratings for [%s, %s) yet", start, end)
            return False
        self.log.info("Ratings for [%s, %s) are available", start, end)
        return True
