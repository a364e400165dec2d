"""Sensor that waits for {{ cookiecutter.provider_name }} {{ cookiecutter.__records }} to arrive."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from airflow.configuration import conf
from airflow.exceptions import AirflowException
from airflow.sdk import BaseSensorOperator

from {{ cookiecutter.module_name }}.api import API
from {{ cookiecutter.module_name }}.client.windows import checked_window, run_window
from {{ cookiecutter.module_name }}.hooks import {{ cookiecutter.class_prefix }}Hook
from {{ cookiecutter.module_name }}.triggers import {{ cookiecutter.class_prefix }}{{ cookiecutter.__Records }}Trigger

if TYPE_CHECKING:
    from airflow.sdk import Context

WINDOW_START, WINDOW_END = run_window(API.window)


class {{ cookiecutter.class_prefix }}{{ cookiecutter.__Records }}Sensor(BaseSensorOperator):
    """
    Wait until the API holds at least one {{ cookiecutter.__record }} in the window.

    Each poke asks for a single record. Three ways to wait between pokes:
    ``mode="poke"`` (the default) holds a worker slot throughout; ``mode="reschedule"``
    frees it between pokes; ``deferrable=True`` pokes once, then hands the wait to
    ``{{ cookiecutter.class_prefix }}{{ cookiecutter.__Records }}Trigger``, which needs a running triggerer.

    :param window_start: Start of the window, inclusive, as YYYY-MM-DD or an ISO 8601
        datetime; defaults to the start of the run's data interval, or no bound if the API
        has no date filter. Templated.
    :param window_end: End of the window, exclusive; defaults to the end of the run's
        data interval. Templated.
    :param conn_id: Airflow connection id of the API.
    :param deferrable: Wait in the triggerer instead of on a worker. Defaults to Airflow's
        ``[operators] default_deferrable``, except that an explicit ``mode="reschedule"``
        keeps rescheduling; ``deferrable=True`` with ``mode="reschedule"`` is refused.
    """

    template_fields = ("window_start", "window_end")

    def __init__(
        self,
        *,
        window_start: str | None = WINDOW_START,
        window_end: str | None = WINDOW_END,
        conn_id: str = {{ cookiecutter.class_prefix }}Hook.default_conn_name,
        deferrable: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if deferrable is None:
            # A deployment-wide default must not override, or break, a sensor told to reschedule.
            deferrable = self.mode != "reschedule" and conf.getboolean(
                "operators", "default_deferrable", fallback=False
            )
        elif deferrable and self.mode == "reschedule":
            raise ValueError(
                "mode: 'reschedule' is not allowed with deferrable=True: a deferred sensor already "
                "waits in the triggerer without a worker slot, so there is nothing to reschedule. "
                "Pass deferrable=False to use reschedule mode, or leave mode out to defer."
            )
        self.window_start = window_start
        self.window_end = window_end
        self.conn_id = conn_id
        self.deferrable = deferrable

    def poke(self, context: Context) -> bool:
        start, end = checked_window(API.window, self.window_start, self.window_end)
        with {{ cookiecutter.class_prefix }}Hook(self.conn_id) as hook:
            first = hook.first_{{ cookiecutter.__record }}(start, end)
        if first is None:
            self.log.info("No {{ cookiecutter.__records }} for [%s, %s) yet", start, end)
            return False
        self.log.info("{{ cookiecutter.__Records }} for [%s, %s) are available", start, end)
        return True

    def execute(self, context: Context) -> None:
        if not self.deferrable:
            super().execute(context)
            return
        if self.poke(context):
            return
        self.log.info(
            "Deferring: the triggerer polls every %s s for up to %s s", self.poke_interval, self.timeout
        )
        self.defer(
            trigger={{ cookiecutter.class_prefix }}{{ cookiecutter.__Records }}Trigger(
                conn_id=self.conn_id,
                window_start=self.window_start,
                window_end=self.window_end,
                poke_interval=self.poke_interval,
            ),
            method_name="execute_complete",
            timeout=dt.timedelta(seconds=self.timeout),
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> None:
        """Resume after the trigger fired: succeed on its success event, fail naming the reason otherwise."""
        if event.get("status") == "success":
            self.log.info("%s", event["message"])
            return
        raise AirflowException(f"Waiting for {{ cookiecutter.__records }} failed: {event.get('message', event)}")
