"""``Client``: one API description, one transport, and the pages of a window in order."""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections import deque
from collections.abc import Generator, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from . import splitting
from .api import RestApi
from .body import records_in
from .errors import APIError
from .origins import origin, refusal
from .paginators import Page
from .splitting import checked_split
from .transport import Transport
from .windows import Bound, checked_window

# Records asked for per request when the caller does not say, unless the API's max_page_size is smaller.
DEFAULT_BATCH_SIZE = 100


def checked_batch_size(batch_size: int | None, api: RestApi) -> int:
    """
    ``batch_size`` if the API accepts pages that large, checked before any request; None means
    ``DEFAULT_BATCH_SIZE``, or ``api.max_page_size`` if that is smaller.
    """
    if batch_size is None:
        return min(DEFAULT_BATCH_SIZE, api.max_page_size)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size: {batch_size!r} is not allowed; give a positive integer.")
    if batch_size > api.max_page_size:
        raise ValueError(
            f"batch_size: {batch_size} is not allowed; it is more than the max_page_size {api.max_page_size} "
            f"of the API description (the largest page {api.endpoint} accepts). "
            f"Give a batch_size from 1 to {api.max_page_size}, or raise max_page_size in api.py "
            "if the API really accepts more."
        )
    return batch_size


class Client:
    """
    The pages of one API's endpoint, as its paginator walks them.

    It is the ``PageSource`` the paginators ask for pages: it sends each request through
    the transport (the API's ``extra_params`` on every request it builds, none on the URLs
    the API hands back), finds the records in the body, refuses links to other origins, and
    runs requests asked for ahead in threads, yielding them in order.

    :param api: What the API looks like.
    :param transport: How requests are sent.
    :param base_url: The API's base URL, as the connection gives it.
    """

    def __init__(self, api: RestApi, transport: Transport, base_url: str) -> None:
        self.api = api
        self.transport = transport
        self.base_url = base_url
        self.endpoint_url = base_url + api.endpoint
        self.home = origin(self.endpoint_url)
        self.name = api.endpoint
        self.body_keys = api.body_keys  # each object on their way is checked for repeated keys
        self.redact = transport.redact
        self.pacer = transport.pacer
        self.max_in_flight = transport.settings.ceiling if api.paginator.concurrent else 1
        self.max_pages = transport.settings.max_pages

    def pages(
        self,
        start: Bound | None = None,
        end: Bound | None = None,
        batch_size: int | None = None,
        split: int | str | None = None,
    ) -> Generator[list[Any], None, None]:
        """
        Yield the records of ``[start, end)`` as lists, one per non-empty page, in order.

        ``batch_size`` (see ``checked_batch_size``), ``split`` (see ``splitting``) and the
        window are checked before any request.
        """
        size = checked_batch_size(batch_size, self.api)
        params = self.window_params(start, end)
        parts = splitting.parts_for(self, checked_split(split, self.api), start, end)
        if parts is None or start is None or end is None:
            return self.api.paginator.pages(self, params, size)
        return splitting.split_pages(self, start, end, size, parts)

    def window_params(self, start: Bound | None, end: Bound | None) -> dict[str, Any]:
        """The query parameters of a window, or an error if the API cannot filter by time."""
        if self.api.window is not None:
            return self.api.window.params(start, end)
        checked_window(None, start, end, names=("start_date", "end_date"))
        return {}

    def get(self, params: dict[str, Any]) -> Page:
        """The endpoint's page for ``params``, with the API's ``extra_params`` (checked not to collide)."""
        params = {**self.api.extra_params, **params}
        return self._page(self.transport.get(self.endpoint_url, params, self.body_keys))

    def follow(self, url: str) -> Page:
        """The page at a URL the API handed out, exactly as given: no ``extra_params`` added."""
        # Checked as urllib3 will connect, before any byte goes out; the transport checks redirects.
        reason = refusal(url, self.home)
        if reason is not None:
            raise APIError(
                f"{self.name} links its next page to {self.redact(reason)}; "
                "refusing to send the connection's credentials there."
            )
        return self._page(self.transport.get(url, paths=self.body_keys))

    def _page(self, response: Any) -> Page:
        records = records_in(response.body, self.api.records_key, self.redact(response.url))
        return Page(records, response.body, response.url, response.links, response.headers)

    def get_in_order(
        self, requests: Iterable[tuple[int, dict[str, Any]]]
    ) -> Generator[tuple[int, Page], None, None]:
        """
        GET each parameter set in threads, ``max_in_flight`` at a time; yield pages in order.

        The next request goes out as soon as a page is taken, before it is handed on, so the
        API stays busy while the caller writes. Closing the generator (or a failed page)
        drops what has not started, ends the waits of what has (between retries, for a
        turn), and waits only for requests on the wire. Pages come in order, so a page's
        failure is raised once the pages before it are handed on: a paginator that stops
        early (a short offset page) never sees a failure of a page it no longer needs.
        """
        pool = ThreadPoolExecutor(self.max_in_flight, thread_name_prefix="page")
        pending: deque[tuple[int, Future[Page]]] = deque()
        remaining = iter(requests)
        stop = threading.Event()

        def get(params: dict[str, Any]) -> Page:
            with self.transport.stopping_on(stop):
                return self.get(params)

        def top_up() -> None:
            # As many asked for ahead as the pacer lets in flight now ("auto" changes it).
            for position, params in itertools.islice(remaining, max(0, self.pacer.limit - len(pending))):
                pending.append((position, pool.submit(get, params)))

        try:
            top_up()
            while pending:
                position, future = pending.popleft()
                page = future.result()
                top_up()
                yield position, page
        finally:
            self.transport.stop(stop)
            pool.shutdown(wait=True, cancel_futures=True)
            self.transport.forget_finished_threads()

    def first_record(self, start: Bound | None = None, end: Bound | None = None) -> Any:
        """The first record of ``[start, end)``, or None: one record asked for, with every paging check."""
        pages = self.pages(start, end, batch_size=1)
        with contextlib.closing(pages):
            return next((page[0] for page in pages), None)
