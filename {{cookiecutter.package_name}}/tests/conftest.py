{%- set cc = cookiecutter | answers -%}
"""Shared fixtures: a throwaway Airflow home, the local API, and a connection pointing at it."""

from __future__ import annotations

import atexit
import datetime as dt
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

# Airflow reads its configuration once, at import: point it at a temporary home
# with SQLite before any test module imports it.
AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="airflow-home-"))
atexit.register(shutil.rmtree, AIRFLOW_HOME, ignore_errors=True)
PACKAGE_SPEC = importlib.util.find_spec("{{ cookiecutter.module_name }}")
if PACKAGE_SPEC is None or not PACKAGE_SPEC.submodule_search_locations:
    raise RuntimeError("{{ cookiecutter.module_name }} is not installed; run: pip install -e '.[dev]'")
PACKAGE_DIR = Path(PACKAGE_SPEC.submodule_search_locations[0])
EXAMPLE_DAGS = PACKAGE_DIR / "example_dags"
os.environ["AIRFLOW_HOME"] = str(AIRFLOW_HOME)
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(EXAMPLE_DAGS)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"

import pytest  # noqa: E402

from {{ cookiecutter.module_name }}.api import API  # noqa: E402
from {{ cookiecutter.module_name }}.client.windows import run_timezone, zone_named  # noqa: E402
from {{ cookiecutter.module_name }}.testing.local_api import LocalAPI, Records  # noqa: E402

CONN_ENV = "AIRFLOW_CONN_{{ cc.connection_id | upper }}"
LOGIN, SECRET = "airflow", "s3cret-pa55word"
API_CREDENTIALS: dict[str, Any] = {"login": LOGIN, "password": SECRET}


# The zone in which the API reads dates: the tests' days are whole days there, as the API's are.
ZONE_NAME = run_timezone(API.window)
ZONE = zone_named(ZONE_NAME)


def day_start(day: dt.date) -> int:
    """Seconds since 1970 at the start of ``day`` in the API's zone (midnight UTC for a UTC API)."""
    return int(dt.datetime.combine(day, dt.time(), ZONE).timestamp())


def small_{{ cookiecutter.__records }}() -> Records:
    """Records on three days: 2 on 2026-01-01, 3 on 2026-01-02, 250 on 2026-01-03, none after."""
    day = 86400
    first = day_start(dt.date(2026, 1, 1))
    rows = [(first + 10, 1, 1, 4.0), (first + 20, 2, 1, 3.5)]
    rows += [(first + day + second, 3, 2, 2.0) for second in (1, 2, 3)]
    rows += [(first + 2 * day + n, 1 + n % 17, 1 + n % 11, 0.5 + (n % 10) / 2) for n in range(250)]
    return Records(rows)


def connection_fields(port: int, secret: str = SECRET, **extra: Any) -> dict[str, Any]:
    """The connection to the local API on ``port``, in Airflow's JSON form, with ``extra`` settings."""
    return {
        "conn_type": "{{ cookiecutter.__conn_type }}",
        "host": "127.0.0.1",
        "port": port,
        "schema": "http",
        "login": LOGIN,
        "password": secret,
        "extra": extra,
    }


def use_connection(monkeypatch: pytest.MonkeyPatch, fields: dict[str, Any]) -> None:
    """Make the hook's default connection the one described by ``fields``."""
    monkeypatch.setenv(CONN_ENV, json.dumps(fields))


def deliver_later(api: LocalAPI, records: Records, after_requests: int) -> None:
    """Serve ``records`` from the moment request number ``after_requests`` comes in.

    Clients wait for each answer before asking again, so the requests before it met the
    old ratings: data landing while a sensor waits. Gives up after a minute.
    """

    def swap() -> None:
        deadline = time.monotonic() + 60
        while len(api.requests) < after_requests:
            if time.monotonic() > deadline:
                return
            time.sleep(0.005)
        api.records = records

    threading.Thread(target=swap, name="deliver-later", daemon=True).start()


@pytest.fixture
def api():
    """The local API with ``small_{{ cookiecutter.__records }}()``, on a free port of 127.0.0.1."""
    with LocalAPI(small_{{ cookiecutter.__records }}(), **API_CREDENTIALS) as server:
        yield server


@pytest.fixture
def connection(api, monkeypatch):
    """Point the default connection at the local API; the API is what the fixture returns."""
    use_connection(monkeypatch, connection_fields(api.port))
    return api


@pytest.fixture(scope="session")
def airflow_db():
    """Migrate the temporary Airflow metadata database (SQLite) once per session."""
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        capture_output=True,
        env=os.environ.copy(),
        timeout=300,
    )
    return AIRFLOW_HOME
