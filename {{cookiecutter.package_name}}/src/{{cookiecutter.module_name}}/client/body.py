"""Reading a page's JSON body: dotted keys, the records, and counts."""

from __future__ import annotations

from typing import Any

from .errors import APIError


def lookup(body: Any, key: str) -> Any:
    """Follow a dotted key such as ``meta.next`` into a JSON body; None where it is missing."""
    for part in key.split("."):
        if not isinstance(body, dict):
            return None
        body = body.get(part)
    return body


def records_in(body: Any, key: str) -> list[Any]:
    """The records of one page, under ``key`` (or the body itself if empty), or an error naming what was there."""
    if not key:
        if not isinstance(body, list):
            raise APIError(f"expected the body to be a list of records, found {type(body).__name__}.")
        return body
    records = lookup(body, key)
    if not isinstance(records, list):
        found = sorted(body) if isinstance(body, dict) else type(body).__name__
        raise APIError(f"expected a list of records under {key!r} in the body, found {found}.")
    return records


def count_in(body: Any, key: str) -> int:
    """A non-negative integer from the body, or an error naming the key."""
    value = lookup(body, key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise APIError(f"expected a non-negative integer under {key!r} in the body, found {value!r}.")
    return value
