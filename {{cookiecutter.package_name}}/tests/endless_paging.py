"""
A paginator run of many pages, each pointing onwards with a fresh long cursor or link, in a process of its own.

``python endless_paging.py KIND SIZE PAGES BOUND`` walks ``PAGES`` pages with ``paginators.Cursor``
(KIND ``cursor``) or ``paginators.LinkHeader`` (KIND ``link``), every cursor or link ``SIZE``
characters long, and prints how much the process's peak RSS grew after the first thousand pages,
in bytes. It stops with exit code 1 as soon as the growth passes ``BOUND`` bytes, so a paginator
that keeps every cursor fails in seconds instead of filling the machine's memory. A fresh process
measures only this run: the test process's own peak is whatever earlier tests left it.

The pages come from a page source of its own, in-process: a hundred thousand HTTP requests
would take minutes. Only the paginator's own code runs between two pages.
"""

from __future__ import annotations

import resource
import sys
from collections.abc import Generator, Iterable
from typing import Any

from {{ cookiecutter.module_name }}.client import paginators

ENDPOINT = "/records"
WARM_UP = 1000


def peak_rss() -> int:
    """This process's peak resident set size in bytes (Linux counts KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


class EndlessPages:
    """One record a page, pointing onwards with a fresh cursor or link of ``size`` characters."""

    name = ENDPOINT
    max_in_flight = 1

    def __init__(self, kind: str, size: int, pages: int, bound: int) -> None:
        self.kind, self.filler, self.max_pages, self.bound = kind, "c" * size, pages, bound
        self.served, self.baseline, self.growth = 0, 0, 0

    def redact(self, text: str) -> str:
        return text

    def get(self, params: dict[str, Any]) -> paginators.Page:
        return self._page(f"http://api.test{ENDPOINT}")

    def follow(self, url: str) -> paginators.Page:
        return self._page(url)

    def get_in_order(
        self, requests: Iterable[tuple[int, dict[str, Any]]]
    ) -> Generator[tuple[int, paginators.Page], None, None]:
        raise AssertionError("these paginators ask for one page at a time")

    def _page(self, url: str) -> paginators.Page:
        self.served += 1
        if self.served == WARM_UP:
            self.baseline = peak_rss()
        elif self.served % WARM_UP == 0:
            self.growth = peak_rss() - self.baseline
            if self.growth > self.bound:
                sys.exit(f"peak RSS grew by {self.growth:,} bytes over {self.served:,} pages")
        body: dict[str, Any] = {"data": [{"id": self.served}], "meta": {"next": None}}
        links: dict[str, dict[str, str]] = {}
        if self.served < self.max_pages and self.kind == "cursor":
            body["meta"]["next"] = f"{self.served}-{self.filler}"
        elif self.served < self.max_pages:
            links["next"] = {"url": f"{ENDPOINT}?page={self.served}&pad={self.filler}"}
        return paginators.Page(body["data"], body, url, links)


def main(kind: str, size: str, pages: str, bound: str) -> None:
    source = EndlessPages(kind, int(size), int(pages), int(bound))
    paginator = (
        paginators.Cursor(next_cursor_key="meta.next") if kind == "cursor" else paginators.LinkHeader()
    )
    read = sum(len(page) for page in paginator.pages(source, {}, 1))
    print(read, peak_rss() - source.baseline)


if __name__ == "__main__":
    main(*sys.argv[1:])
