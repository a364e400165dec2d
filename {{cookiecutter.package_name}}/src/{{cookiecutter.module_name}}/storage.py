"""Writing records to local files or object storage: whole files or nothing, one JSON line per record."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable, Iterator
from typing import IO, Any

import msgspec
from airflow.sdk import ObjectStoragePath

_ENCODER = msgspec.json.Encoder()


def write_json_lines(pages: Iterable[list[Any]], out: IO[bytes]) -> int:
    """
    Write records as UTF-8 JSON Lines, one write per page, and return how many there were.

    msgspec encodes a whole page of lines in one call. Records arrive as the transport's
    msgspec decoder read them, so each line reads back as exactly the record the API sent.
    """
    written = 0
    for page in pages:
        out.write(_ENCODER.encode_lines(page))
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
