"""Operators that move {{ cookiecutter.provider_name }} {{ cookiecutter.__records }} into storage and rank them."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator, ObjectStoragePath

from {{ cookiecutter.module_name }}.api import API
from {{ cookiecutter.module_name }}.client.client import checked_batch_size
from {{ cookiecutter.module_name }}.client.settings import checked_in_flight
from {{ cookiecutter.module_name }}.client.splitting import checked_split
from {{ cookiecutter.module_name }}.client.windows import checked_window, run_window
from {{ cookiecutter.module_name }}.hooks import {{ cookiecutter.class_prefix }}Hook
from {{ cookiecutter.module_name }}.storage import atomic_write, write_json_lines

if TYPE_CHECKING:
    from airflow.sdk import Context

# Airflow renders these per run: the run's data interval, as the API's window is written.
# The arguments are deliberately not called start_date/end_date: BaseOperator owns those
# names, and a DAG's default_args would silently fill them with the DAG's own dates.
WINDOW_START, WINDOW_END = run_window(API.window)


class {{ cookiecutter.class_prefix }}Fetch{{ cookiecutter.__Records }}Operator(BaseOperator):
    """
    Fetch the {{ cookiecutter.__records }} of one window and write them as JSON Lines (one record per line).

    Records stream from the API to storage page by page, so memory stays flat however
    large the window. Readers never see a partial file: a local file is written under a
    temporary name beside the target and renamed into place only when complete (the next
    run removes what a killed one left), and an object store's upload is committed only on
    success. A failed run leaves nothing behind.

    :param output_path: Where to write, a local path or any ``ObjectStoragePath`` URL
        (``file://``, or ``s3://`` and friends once their provider is installed). Templated.
    :param window_start: Start of the window, inclusive, as YYYY-MM-DD or an ISO 8601
        datetime; defaults to the start of the run's data interval, or no bound if the API
        has no date filter. Templated.
    :param window_end: End of the window, exclusive; defaults to the end of the run's data
        interval. Templated.
    :param conn_id: Airflow connection id of the API.
    :param batch_size: Records asked for per request; defaults to ``api.API.max_page_size``, the
        largest page the API accepts, and a larger one is refused when the DAG is parsed.
    :param max_in_flight: Requests sent at once, 1 to 32, or ``"auto"`` to adapt to the API's
        rate limits; defaults to the connection's ``max_in_flight`` extra, else 1. Above 1, pages
        are fetched concurrently where the paginator allows it (or ``split`` cuts the window),
        and still written in the API's order.
    :param split: Cut the window into this many sub-windows (or ``"auto"``: decided from the
        first page) paged side by side: for paging that walks one page at a time (cursor,
        Link header, next URL, no total) on an API that returns records oldest first. None
        (the default) pages the window whole.
    :return: ``{"path": ..., "records": ...}``: where the file is and how many records it holds.
    """

    template_fields = ("output_path", "window_start", "window_end")

    def __init__(
        self,
        *,
        output_path: str,
        window_start: str | None = WINDOW_START,
        window_end: str | None = WINDOW_END,
        conn_id: str = {{ cookiecutter.class_prefix }}Hook.default_conn_name,
        batch_size: int = API.max_page_size,
        max_in_flight: int | str | None = None,
        split: int | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        checked_batch_size(batch_size, API)
        checked_in_flight(max_in_flight, exact=True)
        checked_split(split, API)
        self.output_path = output_path
        self.window_start = window_start
        self.window_end = window_end
        self.conn_id = conn_id
        self.batch_size = batch_size
        self.max_in_flight = max_in_flight
        self.split = split

    def execute(self, context: Context) -> dict[str, Any]:
        start, end = checked_window(API.window, self.window_start, self.window_end)
        target = ObjectStoragePath(self.output_path)
        self.log.info("Fetching {{ cookiecutter.__records }} for [%s, %s) into %s", start, end, target)
        hook = {{ cookiecutter.class_prefix }}Hook(self.conn_id, max_in_flight=self.max_in_flight)
        with hook, atomic_write(target) as out:
            pages = hook.get_{{ cookiecutter.__record }}_pages(start, end, self.batch_size, self.split)
            # Closed before the hook even if writing fails, so no request outlives the task.
            with contextlib.closing(pages):
                records = write_json_lines(pages, out)
        self.log.info("Wrote %d {{ cookiecutter.__records }} to %s", records, target)
        return {"path": str(target), "records": records}


class {{ cookiecutter.class_prefix }}Rank{{ cookiecutter.__Items }}Operator(BaseOperator):
    """
    Rank {{ cookiecutter.__items }} by mean score from a fetched file and write the ranking as CSV.

    :param input_path: JSON Lines file written by ``{{ cookiecutter.class_prefix }}Fetch{{ cookiecutter.__Records }}Operator``. Templated.
    :param output_path: Where to write the CSV. Templated.
    :param min_{{ cookiecutter.__records }}: Keep {{ cookiecutter.__items }} with more than this many distinct users.
    :return: ``{"path": ..., "{{ cookiecutter.__items }}": ...}``: where the CSV is and how many {{ cookiecutter.__items }} it ranks.
    """

    template_fields = ("input_path", "output_path")

    def __init__(
        self,
        *,
        input_path: str,
        output_path: str,
        min_{{ cookiecutter.__records }}: int = 2,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        minimum = min_{{ cookiecutter.__records }}
        if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0:
            raise ValueError(
                f"min_{{ cookiecutter.__records }}: {minimum!r} is not allowed; give a whole number from 0 up.",
            )
        self.input_path = input_path
        self.output_path = output_path
        self.min_{{ cookiecutter.__records }} = min_{{ cookiecutter.__records }}

    def execute(self, context: Context) -> dict[str, Any]:
        # Imported here, not at the top: DAG files import this module, and pandas and
        # pyarrow would add a second or more to every parse of every DAG that uses it.
        from {{ cookiecutter.module_name }}.ranking import (
            rank_{{ cookiecutter.__items }}_by_{{ cookiecutter.__record }},
            read_{{ cookiecutter.__records }},
        )

        source = ObjectStoragePath(self.input_path)
        target = ObjectStoragePath(self.output_path)
        with source.open("rb") as records_file:
            ranking = rank_{{ cookiecutter.__items }}_by_{{ cookiecutter.__record }}(
                read_{{ cookiecutter.__records }}(records_file),
                min_{{ cookiecutter.__records }}=self.min_{{ cookiecutter.__records }},
            )
        with atomic_write(target) as out:
            out.write(ranking.to_csv().encode())
        self.log.info("Ranked %d {{ cookiecutter.__items }} from %s into %s", len(ranking), source, target)
        return {"path": str(target), "{{ cookiecutter.__items }}": len(ranking)}
