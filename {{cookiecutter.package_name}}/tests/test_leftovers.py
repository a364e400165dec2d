{%- set cc = cookiecutter | answers -%}
{%- set dated = cc.date_filter != "none" -%}
"""
What a killed or failed write leaves behind: locally, nothing once the next run for the target
has started; on S3 (a real moto server on loopback), never an object under the target's prefix.

Writers are killed for real: a child process writes through ``storage.py`` or the fetch
operator and gets SIGKILL mid-write.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
import s3fs
from airflow.sdk import ObjectStoragePath
from airflow.sdk.io import attach

from {{ cc.module_name }}.operators import {{ cc.class_prefix }}Fetch{{ cc.__Records }}Operator
from {{ cc.module_name }}.storage import atomic_write

FetchOperator = {{ cc.class_prefix }}Fetch{{ cc.__Records }}Operator
# Day 3 holds 250 records{% if not dated %}; without a date filter the fetch reads all 255{% endif %}.
{%- if dated %}
WINDOW: dict[str, Any] = {"window_start": "2026-01-03", "window_end": "2026-01-04"}
IN_THE_WINDOW = 250
{%- else %}
WINDOW: dict[str, Any] = {}
IN_THE_WINDOW = 255
{%- endif %}
# Bounds every wait on a child process or on the S3 server.
PATIENCE = 60.0
# The smallest part S3 takes: a body past it is uploaded in parts before the write completes.
PART = 5 * 2**20

# A child that fetches one record per request into argv[1] through the operator.
FETCH = f"""
import sys
from {{ cc.module_name }}.operators import {{ cc.class_prefix }}Fetch{{ cc.__Records }}Operator as FetchOperator
FetchOperator(task_id="fetch", output_path=sys.argv[1], batch_size=1, **{WINDOW!r}).execute(context={{ '{{}}' }})
"""

# A child that writes argv[2] bytes into argv[1] through storage.py, says so by creating argv[3],
# then waits for argv[4] to appear before completing. With argv[5], S3 is the moto server there.
WRITE = f"""
import sys, time
from pathlib import Path
from airflow.sdk import ObjectStoragePath
from {{ cc.module_name }}.storage import atomic_write
target, size, ready, go = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
if len(sys.argv) > 5:
    import s3fs
    from airflow.sdk.io import attach
    attach("s3", conn_id="moto", fs=s3fs.S3FileSystem(
        endpoint_url=sys.argv[5], key="testing", secret="testing", default_block_size={PART},
        client_kwargs={{ '{{' }}"region_name": "us-east-1"{{ '}}' }}, skip_instance_cache=True, use_listings_cache=False))
with atomic_write(ObjectStoragePath(target)) as out:
    out.write(b"c" * size)
    out.flush()
    ready.touch()
    deadline = time.monotonic() + {PATIENCE}
    while not go.exists():
        if time.monotonic() > deadline:
            sys.exit("nobody said go")
        time.sleep(0.01)
"""


def wait_for(condition, what: str, child: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if child is not None and child.poll() is not None:
            raise AssertionError(f"the child ended (exit {child.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {PATIENCE} s")
        time.sleep(0.02)


@contextlib.contextmanager
def child(*args: str):
    """A Python child running ``args``; killed and reaped however the test ends."""
    process = subprocess.Popen([sys.executable, "-c", *args])  # noqa: S603 - this module's own scripts
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=PATIENCE)


def kill(process: subprocess.Popen[bytes]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=PATIENCE) == -signal.SIGKILL


def temporaries(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir() if path.name.endswith(".tmp"))


def test_a_killed_fetch_leaves_a_temporary_file_that_the_next_run_removes(connection, tmp_path):
    target = tmp_path / "{{ cc.__records }}.jsonl"
    connection.latency = 0.2  # one record per request: the fetch is well under way, never done

    with child(FETCH, str(target)) as fetch:
        wait_for(lambda: len(connection.requests) >= 3 and temporaries(tmp_path), "fetch under way", fetch)
        kill(fetch)
    left = temporaries(tmp_path)
    assert len(left) == 1  # what the killed run left: its temporary file, and no target
    assert not target.exists()

    connection.latency = 0.0
    fetch = FetchOperator(task_id="fetch", output_path=str(target), batch_size=100, **WINDOW)
    result = fetch.execute(context={})

    assert result["records"] == IN_THE_WINDOW
    assert sorted(path.name for path in tmp_path.iterdir()) == [target.name]
    assert len(target.read_text().splitlines()) == IN_THE_WINDOW


def test_a_live_writers_temporary_file_is_left_alone_and_it_completes(tmp_path):
    target = tmp_path / "out" / "{{ cc.__records }}.jsonl"
    ready, go = tmp_path / "ready", tmp_path / "go"

    with child(WRITE, str(target), "1000", str(ready), str(go)) as writer:
        wait_for(ready.exists, "write under way", writer)
        with atomic_write(ObjectStoragePath(str(target))) as out:
            out.write(b"mine\n")
        assert target.read_bytes() == b"mine\n"
        assert len(temporaries(target.parent)) == 1  # the live writer's, untouched

        go.touch()
        assert writer.wait(timeout=PATIENCE) == 0
    # The later rename wins; nothing is left beside it.
    assert target.read_bytes() == b"c" * 1000
    assert sorted(path.name for path in target.parent.iterdir()) == [target.name]


def test_temporary_files_of_other_targets_are_left_alone(tmp_path):
    ready, go = tmp_path / "ready", tmp_path / "go"
    other = tmp_path / "other.jsonl"
    with child(WRITE, str(other), "10", str(ready), str(go)) as writer:
        wait_for(ready.exists, "write under way", writer)
        kill(writer)
    assert len(temporaries(tmp_path)) == 1

    with atomic_write(ObjectStoragePath(str(tmp_path / "{{ cc.__records }}.jsonl"))) as out:
        out.write(b"{}\n")

    assert len(temporaries(tmp_path)) == 1  # another target's leftover: its own next run removes it


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def moto_server():
    """A real S3 API (moto_server) on a free port of 127.0.0.1; its endpoint URL."""
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - moto's server, on loopback
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: listening(port), "moto server listening", server)
        endpoint = f"http://127.0.0.1:{port}"
        attach(
            "s3",
            conn_id="moto",
            fs=s3fs.S3FileSystem(
                endpoint_url=endpoint,
                key="testing",
                secret="testing",
                default_block_size=PART,
                client_kwargs={"region_name": "us-east-1"},
                skip_instance_cache=True,
                use_listings_cache=False,
            ),
        )
        yield endpoint
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


class Bucket:
    """A fresh versioned bucket: every object ever written under the prefix stays on record."""

    def __init__(self, endpoint: str) -> None:
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        )
        self.name = f"leftovers-{uuid.uuid4().hex[:12]}"
        self.prefix = "{{ cc.__records }}/"
        self.key = self.prefix + "2026-01-03.jsonl"
        self.client.create_bucket(Bucket=self.name)
        self.client.put_bucket_versioning(Bucket=self.name, VersioningConfiguration={"Status": "Enabled"})

    @property
    def url(self) -> str:
        return f"s3://moto@{self.name}/{self.key}"

    def listed(self) -> list[str]:
        """The keys a reader lists under the prefix now."""
        answer = self.client.list_objects_v2(Bucket=self.name, Prefix=self.prefix)
        return [entry["Key"] for entry in answer.get("Contents", [])]

    def ever_written(self) -> list[tuple[str, str]]:
        """Every object version and delete marker under the prefix, oldest first: what was ever visible."""
        answer = self.client.list_object_versions(Bucket=self.name, Prefix=self.prefix)
        kinds = [("object", entry) for entry in answer.get("Versions", [])]
        kinds += [("deleted", entry) for entry in answer.get("DeleteMarkers", [])]
        kinds.sort(key=lambda pair: pair[1]["LastModified"])
        return [(kind, entry["Key"]) for kind, entry in kinds]

    def uploads(self) -> list[str]:
        """The keys of the multipart uploads under the prefix that are neither completed nor aborted."""
        answer = self.client.list_multipart_uploads(Bucket=self.name, Prefix=self.prefix)
        return [entry["Key"] for entry in answer.get("Uploads", [])]

    def read(self) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=self.key)["Body"].read()


@pytest.fixture
def bucket(moto_server):
    return Bucket(moto_server)


def test_a_slow_s3_write_shows_nothing_under_the_prefix_until_it_is_whole(bucket):
    with atomic_write(ObjectStoragePath(bucket.url)) as out:
        out.write(b"a" * (PART + 1))
        assert bucket.uploads() == [bucket.key]  # the first part is on its way, straight to the target
        assert bucket.listed() == []
        out.write(b"b" * 10)
        assert bucket.listed() == []

    assert bucket.listed() == [bucket.key]
    assert bucket.ever_written() == [("object", bucket.key)]  # no temporary object, ever
    assert bucket.uploads() == []
    assert bucket.read() == b"a" * (PART + 1) + b"b" * 10


@pytest.mark.parametrize("size", [10, PART + 1], ids=["small", "in-parts"])
def test_a_failed_s3_write_leaves_nothing_under_the_prefix(bucket, size):
    target = ObjectStoragePath(bucket.url)
    with pytest.raises(RuntimeError, match="the fetch failed"), atomic_write(target) as out:
        out.write(b"a" * size)
        raise RuntimeError("the fetch failed")

    assert bucket.listed() == []
    assert bucket.ever_written() == []  # not even for a moment
    assert bucket.uploads() == []


def test_a_killed_s3_writer_leaves_no_object_only_an_incomplete_upload(bucket, moto_server, tmp_path):
    ready, go = tmp_path / "ready", tmp_path / "go"

    with child(WRITE, bucket.url, str(PART + 1), str(ready), str(go), moto_server) as writer:
        wait_for(ready.exists, "write under way", writer)
        assert bucket.uploads() == [bucket.key]
        kill(writer)

    assert bucket.listed() == []
    assert bucket.ever_written() == []
    # What is left: the killed run's multipart upload of the target, listed as no object.
    # The README's AbortIncompleteMultipartUpload lifecycle rule removes it.
    assert bucket.uploads() == [bucket.key]

    with atomic_write(ObjectStoragePath(bucket.url)) as out:
        out.write(b"whole\n")
    assert bucket.listed() == [bucket.key]
    assert bucket.read() == b"whole\n"


def test_a_fetch_into_s3_writes_the_target_once_and_nothing_else(connection, bucket):
    fetch = FetchOperator(task_id="fetch", output_path=bucket.url, batch_size=100, **WINDOW)
    result = fetch.execute(context={})

    assert result["records"] == IN_THE_WINDOW
    assert bucket.ever_written() == [("object", bucket.key)]
    assert len(bucket.read().splitlines()) == IN_THE_WINDOW
