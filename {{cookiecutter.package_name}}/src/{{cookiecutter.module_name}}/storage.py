"""Writing records to local files or object storage: whole files or nothing, one JSON line per record."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable, Iterator
from typing import IO, Any

import orjson
from airflow.sdk import ObjectStoragePath


def write_json_lines(pages: Iterable[list[Any]], out: IO[bytes]) -> int:
    """
    Write records as UTF-8 JSON Lines, one write per page, and return how many there were.

    Records arrive as orjson parsed them, so orjson writes each back exactly: a page is
    held in memory once as records and once as bytes, never more.
    """
    written = 0
    for page in pages:
        out.write(b"".join(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE) for record in page))
        written += len(page)
    return written


@contextlib.contextmanager
def atomic_write(target: ObjectStoragePath) -> Iterator[IO[bytes]]:
    """Write to a hidden temporary file beside ``target`` and rename it into place on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        with temporary.open("wb") as out:
            yield out
        temporary.rename(target)
    finally:
        if temporary.exists():
            temporary.unlink()
