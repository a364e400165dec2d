"""
Writing records to local files or object storage: whole files or nothing, one JSON line per record.

Local files are written under a hidden temporary name beside the target and renamed into place.
The writer holds an exclusive ``flock`` on its temporary file until it is renamed, and the
kernel drops that lock when the writer dies, however it dies. So before writing, each run
removes the temporary files of the same target that no process holds locked: those a killed
run left behind, never those a live writer (on this host, or another over a shared filesystem
whose locks work) is still filling.

Object stores are written with the store's own transaction, fsspec's ``autocommit=False``: for
S3 a multipart upload completed only on success and aborted on failure (a small body is one
PUT, sent only on success). Nothing is visible under the target's name until it is whole. A
writer killed mid-upload leaves an incomplete multipart upload, which lists as no object; a
bucket lifecycle rule (``AbortIncompleteMultipartUpload``) removes it.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import uuid
from collections.abc import Iterable, Iterator
from typing import IO, Any

import msgspec
from airflow.sdk import ObjectStoragePath

_ENCODER = msgspec.json.Encoder()
log = logging.getLogger(__name__)

# The protocols Airflow maps to fsspec's LocalFileSystem (a plain path has none).
_LOCAL_PROTOCOLS = frozenset({"", "file", "local"})


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
    """
    Yield a binary stream whose bytes become ``target`` only if the block completes.

    On any failure, or a kill, no partial file or object is visible under the target's name.
    """
    if target.protocol in _LOCAL_PROTOCOLS:
        with _local_atomic_write(target.path) as out:
            yield out
    else:
        with _store_atomic_write(target) as out:
            yield out


def _temporary_names(name: str) -> re.Pattern[str]:
    """The names of the temporary files that writes of a target called ``name`` use."""
    return re.compile(rf"\.{re.escape(name)}\.[0-9a-f]{{32}}\.tmp")


@contextlib.contextmanager
def _local_atomic_write(path: str) -> Iterator[IO[bytes]]:
    directory, name = os.path.split(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    _remove_abandoned(directory, name)
    temporary, descriptor = _claim_temporary(directory, name)
    try:
        with os.fdopen(descriptor, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
            # Renamed while still locked, so no other run can take it for abandoned meanwhile.
            os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _claim_temporary(directory: str, name: str) -> tuple[str, int]:
    """Create and lock a fresh temporary file beside the target; return its path and descriptor."""
    while True:
        temporary = os.path.join(directory, f".{name}.{uuid.uuid4().hex}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            # Blocks only while another run's clean-up holds it for an instant.
            _lock(descriptor, wait=True)
            if _same_file(temporary, descriptor):
                return temporary, descriptor
        except BaseException:
            os.close(descriptor)
            raise
        # A clean-up took it between creation and lock and removed it: take another name.
        os.close(descriptor)


def _remove_abandoned(directory: str, name: str) -> None:
    """
    Remove the temporary files of target ``name`` in ``directory`` that no live writer holds.

    A file is abandoned when its exclusive lock can be taken: its writer is gone, since the
    kernel releases a lock when its holder exits or is killed.
    """
    pattern = _temporary_names(name)
    with os.scandir(directory) as entries:
        candidates = [entry.path for entry in entries if pattern.fullmatch(entry.name)]
    for candidate in candidates:
        try:
            descriptor = os.open(candidate, os.O_RDONLY)
        except FileNotFoundError:
            continue
        if not _lock(descriptor, wait=False):
            os.close(descriptor)
            continue  # a live writer is filling it, or this filesystem cannot tell
        try:
            # Still the file that was locked, not renamed into place since it was listed.
            if _same_file(candidate, descriptor):
                os.unlink(candidate)
                log.info("Removed %s, left by a run that was killed while writing", candidate)
        finally:
            os.close(descriptor)


def _lock(descriptor: int, *, wait: bool) -> bool:
    """
    Take the exclusive lock on an open file; False if another process holds it.

    On a filesystem that keeps no locks at all, also False: its temporary files are written
    unlocked and never taken for abandoned.
    """
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # BlockingIOError: held by a live writer; others: no locks here
        return False
    return True


def _same_file(path: str, descriptor: int) -> bool:
    try:
        return os.path.samestat(os.stat(path), os.fstat(descriptor))
    except FileNotFoundError:
        return False


@contextlib.contextmanager
def _store_atomic_write(target: ObjectStoragePath) -> Iterator[IO[bytes]]:
    out = target.fs.open(target.path, "wb", autocommit=False)
    committed = False
    try:
        yield out
        out.close()
        out.commit()
        committed = True
    finally:
        if not committed:
            try:
                out.close()
            finally:
                out.discard()
