"""
How far one run of a paginator may go: pages counted against ``max_pages``, and the cursors
and links it has seen kept as fixed-size fingerprints, so memory stays flat however long
they are.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from .errors import APIError

if TYPE_CHECKING:
    from .paginators import PageSource


class Fingerprints:
    """
    The values a run has seen (cursors or links), each kept as a 16-byte digest of it.

    About 100 bytes a value in all, set included, however long the value: a 60 KB cursor
    costs no more than a short one. SHA-256 cut to 128 bits keeps accidental collisions
    out of reach (under 1 in 10^26 over a million pages), and it is fast where CPUs have
    SHA instructions.
    """

    def __init__(self) -> None:
        self._seen: set[bytes] = set()

    def add(self, value: str) -> bool:
        """Remember ``value``; False if it was seen before."""
        digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()[:16]
        if digest in self._seen:
            return False
        self._seen.add(digest)
        return True

    def __len__(self) -> int:
        return len(self._seen)


def one_more(source: PageSource, read: int) -> int:
    """The count of pages asked for, one more than ``read``, or an error if that is past ``max_pages``."""
    if read >= source.max_pages:
        raise APIError(
            f"{source.name} has sent {read} pages and points to another, but max_pages is "
            f"{source.max_pages}: stopping rather than paging without end. If the API really "
            "holds that much in one window, raise max_pages or batch_size."
        )
    return read + 1


def within_max_pages(
    source: PageSource, read: int, remaining: int, step: int, total: int, *, pages: bool = False
) -> None:
    """
    An error if ``read`` pages and the pages still to come (``remaining`` records, ``step``
    a page, or ``remaining`` pages if ``pages``) are more than ``max_pages``.
    """
    expected = read + (remaining if pages else -(-remaining // step))
    if expected > source.max_pages:
        announced = f"{total} pages" if pages else f"a total of {total} records in pages of {step}"
        raise APIError(
            f"{source.name} announces {announced}, {expected} pages in all: more than max_pages "
            f"({source.max_pages}) allows, so refusing to start on them. If the API really holds "
            "that much in one window, raise max_pages or batch_size."
        )


def shown(value: str, *, quote: bool = True) -> str:
    """``value`` for a message: whole if short, else its start and its length."""
    if len(value) <= 200:
        return repr(value) if quote else value
    start = repr(value[:100]) if quote else value[:100]
    return f"{start}... ({len(value)} characters)"
