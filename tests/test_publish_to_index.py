"""The publishing path for real: build the baked provider, upload it with twine to a package index
on loopback (pypiserver), install it from that index into a clean environment, and let Airflow find it.

Marked slow: it makes a virtual environment and installs Airflow into it. With uv's cache warm from
the template's development venv that takes about 20 s, and the whole test about 40 s on 2 cores.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import BIN

UPLOADED = ["airflow_movielens-0.1.0-py3-none-any.whl", "airflow_movielens-0.1.0.tar.gz"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clean_env() -> dict[str, str]:
    """This environment without Airflow settings or twine credentials of the caller's."""
    return {key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW", "TWINE"))}


def run(*command: str | Path, **kwargs) -> subprocess.CompletedProcess:
    """Run a command and fail the test with its output if it fails."""
    done = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, timeout=600, **kwargs
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture
def package_index(tmp_path):
    """A pypiserver on 127.0.0.1 that takes uploads without credentials; yields its URL and log."""
    packages = tmp_path / "index"
    packages.mkdir()
    log = tmp_path / "pypiserver.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        str(BIN / "pypi-server"), "run", "--host", "127.0.0.1", "--port", str(port),
        "--authenticate", ".", "--passwords", ".",  # uploads and downloads need no credentials
        "--disable-fallback",  # a package it lacks is a 404, not a redirect to PyPI
        "--verbose", "--log-file", str(log), "--log-stream", "none", str(packages),
    ]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, f"pypiserver exited early:\n{log.read_text()}"
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                assert time.monotonic() < deadline, "pypiserver did not answer within 30 s"
                time.sleep(0.2)
        yield url, packages, log
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.mark.slow
def test_provider_published_to_an_index_installs_cleanly_and_airflow_finds_it(
    default_project, package_index, tmp_path
):
    url, packages, log = package_index
    dist = tmp_path / "dist"
    source = shutil.copytree(default_project, tmp_path / "source")  # building writes into the tree
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, source)

    run(
        sys.executable, "-m", "twine", "upload", "--non-interactive", "--repository-url", url,
        "--username", "anonymous", "--password", "unused", *sorted(dist.iterdir()),
        env=clean_env(),
    )  # fmt: skip

    assert sorted(path.name for path in packages.iterdir()) == UPLOADED
    venv = tmp_path / "clean-venv"
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "uv", "venv", "--quiet", "--python", sys.executable, venv)
    # Airflow pinned to the version the template is tested with, so uv's cache serves it.
    constraints = tmp_path / "constraints.txt"
    constraints.write_text(f"apache-airflow=={importlib.metadata.version('apache-airflow')}\n")
    # Extra indexes come before the default one, and uv takes a package from the first index
    # that has it: the provider from loopback only, Airflow and the rest from the usual index.
    run(
        sys.executable, "-m", "uv", "pip", "install", "--python", python, "--quiet",
        "--extra-index-url", f"{url}/simple/", "--refresh-package", "airflow-movielens",
        "--constraint", constraints, "airflow-movielens",
        env=clean_env(),
    )  # fmt: skip

    assert '"GET /packages/airflow_movielens-0.1.0-py3-none-any.whl HTTP/1.1" 200' in log.read_text()
    version, module_file = run(
        python,
        "-c",
        "import importlib.metadata, airflow_movielens\n"
        "print(importlib.metadata.version('airflow-movielens'))\n"
        "print(airflow_movielens.__file__)",
    ).stdout.splitlines()
    assert version == "0.1.0"
    assert Path(module_file).is_relative_to(venv)
    airflow_env = {**clean_env(), "AIRFLOW_HOME": str(tmp_path / "airflow-home")}
    providers = run(venv / "bin" / "airflow", "providers", "list", "--output", "plain", env=airflow_env)
    hooks = run(venv / "bin" / "airflow", "providers", "hooks", "--output", "plain", env=airflow_env)
    listed = next(
        line.split() for line in providers.stdout.splitlines() if line.startswith("airflow-movielens ")
    )
    assert listed[-1] == "0.1.0"
    hook = next(line.split() for line in hooks.stdout.splitlines() if line.startswith("movielens "))
    assert hook[:2] == ["movielens", "airflow_movielens.hooks.MovielensHook"]
