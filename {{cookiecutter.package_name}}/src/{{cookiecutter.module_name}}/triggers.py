"""Trigger that waits for {{ cookiecutter.provider_name }} {{ cookiecutter.__records }} in the triggerer, for the deferrable sensor."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent
from asgiref.sync import sync_to_async

from {{ cookiecutter.module_name }}.api import API
from {{ cookiecutter.module_name }}.client.windows import checked_window
from {{ cookiecutter.module_name }}.hooks import {{ cookiecutter.class_prefix }}Hook


class {{ cookiecutter.class_prefix }}{{ cookiecutter.__Records }}Trigger(BaseTrigger):
    """
    Poll the API until the window holds a {{ cookiecutter.__record }}, then fire one event.

    It runs in the triggerer while a deferred ``{{ cookiecutter.class_prefix }}{{ cookiecutter.__Records }}Sensor`` holds no worker
    slot. Each poll is the sensor's poke, ``{{ cookiecutter.class_prefix }}Hook.first_{{ cookiecutter.__record }}``: the same
    connection, auth, timeouts, retries, paging checks and window rules.

    The event's payload is ``{"status": "success", "message": ..., "{{ cookiecutter.__record }}": {...}}``
    with the first record found, or ``{"status": "error", "message": ...}`` once a poll
    fails in a way that waiting will not fix: credentials refused, another 4xx, a body
    of the wrong shape, retries spent, no such connection. The message names the cause
    and never holds a secret.

    :param conn_id: Airflow connection id of the API.
    :param window_start: Start of the window, inclusive, as rendered for the sensor; None for no lower bound.
    :param window_end: End of the window, exclusive; None for no upper bound.
    :param poke_interval: Seconds between polls.
    """

    def __init__(
        self,
        *,
        conn_id: str = {{ cookiecutter.class_prefix }}Hook.default_conn_name,
        window_start: str | None = None,
        window_end: str | None = None,
        poke_interval: float = 60.0,
    ) -> None:
        super().__init__()
        if (
            isinstance(poke_interval, bool)
            or not isinstance(poke_interval, (int, float))
            or poke_interval < 0
        ):
            raise ValueError(
                f"poke_interval: {poke_interval!r} is not allowed; give a number of seconds from 0 up."
            )
        checked_window(API.window, window_start, window_end)  # before any request
        self.conn_id = conn_id
        self.window_start = window_start
        self.window_end = window_end
        self.poke_interval = float(poke_interval)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """The class path and JSON-able arguments the triggerer rebuilds this trigger from."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "conn_id": self.conn_id,
                "window_start": self.window_start,
                "window_end": self.window_end,
                "poke_interval": self.poke_interval,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        while True:
            try:
                record = await self._poll()
            except Exception as error:
                # The hook has already retried what a retry can fix.
                yield TriggerEvent({"status": "error", "message": f"{type(error).__name__}: {error}"})
                return
            if record is not None:
                unbounded = self.window_start is None and self.window_end is None
                window = "" if unbounded else f" for [{self.window_start}, {self.window_end})"
                message = f"{{ cookiecutter.__Records }}{window} are available"
                yield TriggerEvent(
                    {"status": "success", "message": message, "{{ cookiecutter.__record }}": record},
                )
                return
            self.log.info(
                "No {{ cookiecutter.__records }} for [%s, %s) yet; next poll in %s s",
                self.window_start,
                self.window_end,
                self.poke_interval,
            )
            await asyncio.sleep(self.poke_interval)

    async def _poll(self) -> dict[str, Any] | None:
        """
        One poll: the synchronous hook in a thread of its own, cut short if the poll is cancelled.

        The hook stays the one place that knows the API, and the triggerer's event loop never
        waits on the network or on a retry's backoff. asgiref's sync_to_async is what
        Airflow's own async hooks use to read connections: from its threads the connection
        request reaches the triggerer's supervisor on every Airflow 3 release. Each poll gets
        a fresh one-thread executor rather than asgiref's single shared thread (which a slow
        API would hold up for every other trigger) or the loop's pool (whose threads outlive
        the polls). When the trigger is cancelled, or a caller's timeout cancels the poll,
        ``abort()`` shuts the sockets of its requests: the thread raises at once and ends
        rather than staying blocked on an API that never finishes answering.
        """
        hook = {{ cookiecutter.class_prefix }}Hook(self.conn_id)
        executor = ThreadPoolExecutor(
            max_workers=1,
            thread_name_prefix="{{ cookiecutter.module_name }}-poll",
        )
        poll = sync_to_async(self._first_record, thread_sensitive=False, executor=executor)
        try:
            return await poll(hook)
        except asyncio.CancelledError:
            hook.abort()
            raise
        finally:
            executor.shutdown(wait=False)  # its thread ends with the poll

    def _first_record(self, hook: {{ cookiecutter.class_prefix }}Hook) -> dict[str, Any] | None:
        with hook:
            return hook.first_{{ cookiecutter.__record }}(self.window_start, self.window_end)
