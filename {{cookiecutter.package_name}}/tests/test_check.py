{%- set cc = cookiecutter | answers -%}
"""``python -m {{ cookiecutter.module_name }}.check``, run as a user runs it, against the local API."""

from __future__ import annotations
{% if cc.date_filter != "none" %}
import dataclasses
{%- endif %}
import json
import os
import subprocess
import sys

from {{ cookiecutter.module_name }}.api import API
from {{ cookiecutter.module_name }}.client import RestApi
from {{ cookiecutter.module_name }}.testing.local_api import LocalAPI
from conftest import API_CREDENTIALS, CONN_ENV, SECRET, connection_fields, small_{{ cookiecutter.__records }}

# Two whole days of the records: 2 on the first, 3 on the second (all of them without a window).
DAYS = ("--start", "2026-01-01", "--end", "2026-01-03") if API.window is not None else ()


def check(server: LocalAPI, *args: str) -> subprocess.CompletedProcess[str]:
    """The check's run against ``server``, through the default connection, as a subprocess."""
    env = {**os.environ, CONN_ENV: json.dumps(connection_fields(server.port))}
    run = subprocess.run(  # noqa: S603 - this interpreter, this package's module, our arguments
        [sys.executable, "-m", "{{ cookiecutter.module_name }}.check", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert SECRET not in run.stdout + run.stderr
    return run


def served(api: RestApi = API, **settings: object) -> LocalAPI:
    return LocalAPI(small_{{ cookiecutter.__records }}(), api=api, **API_CREDENTIALS, **settings)  # type: ignore[arg-type]


def test_everything_agrees_with_the_local_api() -> None:
    with served() as server:
        run = check(server, *DAYS, "--batch-size", "2")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "records per page: 2, 2, " in run.stdout
    assert "the page size asked for (2) was honoured" in run.stdout
    assert "MISMATCH" not in run.stdout
    assert run.stdout.rstrip().endswith("api.py agrees with the API")


def test_a_capped_page_size_is_reported_with_the_max_page_size_to_give() -> None:
    with served(max_page_size=2) as server:
        run = check(server, *DAYS)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "it caps the page size at 2" in run.stdout
    assert "max_page_size=2 in api.py (the max_page_size answer)" in run.stdout
    assert "1 mismatch(es)" in run.stdout
{%- if cc.date_filter != "none" %}


{%- if cc.window_end == "exclusive" %}


def test_an_api_that_includes_its_end_is_reported_with_window_end_to_give() -> None:
    window = API.window
    assert window is not None
    inclusive = type(window)(
        start_param=window.start_param,
        end_param=window.end_param,
        window_end="inclusive",
        timezone=window.timezone,
    )
    with served(dataclasses.replace(API, window=inclusive)) as server:
        # The record at 2026-01-03T00:00 is the first half's end and the second half's start.
        run = check(server, "--start", "2026-01-02", "--end", "2026-01-04", "--batch-size", "100")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "came back in both halves of the window" in run.stdout
    assert 'window_end="inclusive" in api.py (the window_end answer)' in run.stdout
{%- endif %}


def test_an_api_that_ignores_the_window_is_reported_with_the_parameters_to_check() -> None:
    window = API.window
    assert window is not None
    # The local API reads other names, so the client's window reaches it as parameters it ignores.
    elsewhere = type(window)(
        start_param=window.start_param + "_elsewhere",
        end_param=window.end_param + "_elsewhere",
        timezone=window.timezone,
    )
    with served(dataclasses.replace(API, window=elsewhere)) as server:
        run = check(server, *DAYS, "--batch-size", "100")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "the API ignores the window" in run.stdout
    assert "(the start_param and end_param answers)" in run.stdout
{%- endif %}


def test_a_bad_start_is_reported_without_a_traceback() -> None:
    with served() as server:
        run = check(server, "--start", "2026-13-01", "--end", "2026-01-03")
    assert run.returncode == 2, run.stdout + run.stderr
    assert "error: --start" in run.stdout  # the value refused, or --start refused without a window
    assert "Traceback" not in run.stdout + run.stderr
