"""
A bake of each framework preset fetches every record exactly once from a real server of that framework.

The servers (tests/frameworks/) are Django REST framework with its three stock paginations,
fastapi-pagination's ``Page`` and json-server 0.17.4, each from the framework's own package and
configured, not programmed, on 127.0.0.1. Each test bakes a preset by its answers, installs the
bake, and runs the baked hook in a fresh interpreter (tests/frameworks/fetch_windows.py) over a
five-day window and over each of its days. The ground truth is read from the server's own data.
One server of each framework serves a whole test session (per xdist worker).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import subprocess
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import bake_python, clean_env, pip_install, pip_uninstall
from frameworks import servers

import dev

FETCH_WINDOWS = Path(servers.__file__).with_name("fetch_windows.py")
RATINGS = servers.make_ratings()
CONN_ID = "real_framework"


@dataclass(frozen=True)
class Case:
    module: str  # the bake's import name: each bake installs beside the others, at most 32 characters
    server: type[servers.Server]
    answers: dict[str, str]
    password: str = ""
    batch_size: int | None = None  # None: the bake's max_page_size, as the operator's default
    zone: str = "UTC"


DRF_WINDOW = {"date_filter": "datetime", "start_param": "timestamp__gte", "end_param": "timestamp__lt"}
CASES = {
    "drf-limit-offset": Case(
        "airflow_real_drf_limit_offset",
        servers.DjangoRestFramework,
        {"api_preset": "drf-limit-offset", "api_endpoint": "/limit-offset/ratings/", **DRF_WINDOW},
        batch_size=97,
    ),
    "drf-page-number": Case(
        "airflow_real_drf_page_number",
        servers.DjangoRestFramework,
        {"api_preset": "drf-page-number", "api_endpoint": "/page-number/ratings/", **DRF_WINDOW},
        batch_size=97,
    ),
    # The page size is the server's (100): the stock CursorPagination takes none from the request.
    "drf-cursor-with-token-auth": Case(
        "airflow_real_drf_cursor",
        servers.DjangoRestFramework,
        {
            "api_preset": "drf-cursor",
            "api_endpoint": "/cursor/ratings/",
            "auth_type": "bearer",
            "token_prefix": "Token",
            **DRF_WINDOW,
        },
        password=servers.DRF_TOKEN,
    ),
    # At the preset's max_page_size, 100: fastapi-pagination's Page refuses more with HTTP 422.
    "fastapi-pagination-in-local-days": Case(
        "airflow_real_fastapi_pagination",
        servers.FastApiPagination,
        {
            "api_preset": "fastapi-pagination",
            "api_endpoint": "/ratings",
            "date_filter": "date",
            "start_param": "start_date",
            "end_param": "end_date",
            "api_timezone": servers.LOCAL_ZONE,
        },
        zone=servers.LOCAL_ZONE,
    ),
    "json-server-link-header": Case(
        "airflow_real_json_server_link",
        servers.JsonServer,
        {"api_preset": "json-server", "api_endpoint": "/ratings"},
        batch_size=97,
    ),
    "json-server-page": Case(
        "airflow_real_json_server_page",
        servers.JsonServer,
        {
            "api_preset": "json-server",
            "api_endpoint": "/ratings",
            "pagination": "page",
            "page_param": "_page",
            "extra_params": "",
        },
        batch_size=97,
    ),
}


@pytest.fixture(scope="session")
def framework_servers(tmp_path_factory):
    """Start each framework's server on first use; all stop when the session ends."""
    if not (dev.FRAMEWORKS_PYTHON.exists() and dev.JSON_SERVER.exists()):
        pytest.fail(
            "The framework servers are not installed: `python3 dev.py test` installs them, "
            "and so does `python3 -c 'import dev; dev.ensure_frameworks()'`."
        )
    root = tmp_path_factory.mktemp("framework-servers")
    with contextlib.ExitStack() as stack:
        started: dict[type[servers.Server], servers.Server] = {}

        def server(kind: type[servers.Server]) -> servers.Server:
            if kind not in started:
                started[kind] = stack.enter_context(servers.running(kind, RATINGS, root / kind.name))
            return started[kind]

        yield server


@pytest.fixture
def bake_of(cookies_session):
    """Bake a case's answers under its own names and install the bake into the bake interpreter."""
    installed = []

    def bake(case: Case) -> str:
        package = case.module.replace("_", "-")
        result = cookies_session.bake(
            extra_context={"package_name": package, "module_name": case.module, **case.answers}
        )
        assert result.exit_code == 0, result.exception
        pip_install("--no-deps", "--no-build-isolation", "-e", result.project_path)
        installed.append(package)
        return case.module

    yield bake
    for package in installed:
        pip_uninstall(package)


def fetch(module: str, server: servers.Server, windows, *, password: str = "", batch_size=None) -> dict:
    """What the baked hook of ``module`` fetches from ``server`` in each window, run in the bake interpreter."""
    request = {
        "module": module,
        "hook": "MovielensHook",
        "method": "get_rating_pages",
        "conn_id": CONN_ID,
        "batch_size": batch_size,
        "windows": [[start.isoformat(), end.isoformat()] for start, end in windows],
    }
    connection = {"conn_type": "movielens", "host": server.url, "password": password}
    home = server.workdir / f"airflow-home-{module}"
    done = subprocess.run(
        [bake_python(), FETCH_WINDOWS],
        input=json.dumps(request),
        env=clean_env(AIRFLOW_HOME=str(home), **{f"AIRFLOW_CONN_{CONN_ID.upper()}": json.dumps(connection)}),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def local_days(zone: str) -> list[tuple[dt.datetime, dt.datetime]]:
    """Each day of the tests' window as [midnight, next midnight) in ``zone``."""
    tz = ZoneInfo(zone)
    midnights = [
        dt.datetime.combine(servers.FIRST_DAY + dt.timedelta(days=n), dt.time(), tz)
        for n in range(servers.DAYS + 1)
    ]
    return list(itertools.pairwise(midnights))


def exactly_once_problems(fetched: list[int], truth: list[int]) -> str:
    """What is wrong with ``fetched`` against the ground truth: missing, extra or repeated ids; empty if nothing."""
    counts = Counter(fetched)
    missing = sorted(set(truth) - set(counts))
    extra = sorted(set(counts) - set(truth))
    repeated = sorted(number for number, times in counts.items() if times > 1)
    problems = [f"{len(missing)} missing (first {missing[:5]})"] if missing else []
    problems += [f"{len(extra)} not in the window (first {extra[:5]})"] if extra else []
    problems += [f"{len(repeated)} more than once (first {repeated[:5]})"] if repeated else []
    return "; ".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("case_id", CASES)
def test_preset_fetches_every_record_of_the_window_and_of_each_day_exactly_once(
    case_id, framework_servers, bake_of
):
    case = CASES[case_id]
    server = framework_servers(case.server)
    module = bake_of(case)
    days = local_days(case.zone)
    whole = (days[0][0], days[-1][1])

    answer = fetch(module, server, [whole, *days], password=case.password, batch_size=case.batch_size)

    assert "error" not in answer, answer["error"]
    (window, *daily) = answer["windows"]
    truth = server.ids_between(int(whole[0].timestamp()), int(whole[1].timestamp()))
    assert len(truth) > 2000 and window["pages"] > 20  # many pages, or the test proves little
    assert exactly_once_problems(window["ids"], truth) == ""
    for (start, end), day in zip(days, daily, strict=True):
        day_truth = server.ids_between(int(start.timestamp()), int(end.timestamp()))
        assert exactly_once_problems(day["ids"], day_truth) == "", f"day {start.date()}"
    assert exactly_once_problems([number for day in daily for number in day["ids"]], truth) == ""
    assert answer["warnings"] == []


# The two silent-loss rows: answers that used to fetch one page and report success.
WRONG_ANSWERS = {
    # DRF's CursorPagination puts the next page's URL in the body and sends no Link header.
    "drf-cursor-answered-as-link-header": Case(
        "airflow_real_drf_cursor_as_link",
        servers.DjangoRestFramework,
        {**CASES["drf-cursor-with-token-auth"].answers, "pagination": "link_header"},
        password=servers.DRF_TOKEN,
    ),
    # json-server sends Link only when _page is in the request; X-Total-Count is left unread.
    "json-server-link-header-without-page-or-total-header": Case(
        "airflow_real_json_server_no_page",
        servers.JsonServer,
        {"api_preset": "json-server", "api_endpoint": "/ratings", "extra_params": "", "total_header": ""},
        batch_size=97,
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("case_id", WRONG_ANSWERS)
def test_wrong_answers_that_used_to_lose_records_silently_raise_a_clear_error(
    case_id, framework_servers, bake_of
):
    case = WRONG_ANSWERS[case_id]
    server = framework_servers(case.server)
    module = bake_of(case)
    days = local_days(case.zone)

    answer = fetch(
        module, server, [(days[0][0], days[-1][1])], password=case.password, batch_size=case.batch_size
    )

    assert "error" in answer, f"{sum(len(w['ids']) for w in answer['windows'])} records and no error"
    assert "pagination" in answer["error"]["message"], answer["error"]


def get(url: str, **headers: str) -> tuple[int, dict[str, str], object]:
    """Status, headers and JSON body of a GET straight to the server."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with servers.DIRECT.open(request, timeout=30) as response:
            return response.status, dict(response.headers), json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.load(error)


@pytest.mark.slow
def test_the_servers_page_as_the_presets_assume(framework_servers):
    drf = framework_servers(servers.DjangoRestFramework).url
    fastapi = framework_servers(servers.FastApiPagination).url
    json_server = framework_servers(servers.JsonServer).url
    token = {"Authorization": f"Token {servers.DRF_TOKEN}"}

    _, _, offset = get(f"{drf}/limit-offset/ratings/?limit=7&offset=7")
    _, _, page = get(f"{drf}/page-number/ratings/?page_size=7&page=2")
    refused, _, _ = get(f"{drf}/cursor/ratings/?page_size=7")
    _, _, cursor = get(f"{drf}/cursor/ratings/?page_size=7", **token)
    _, _, fastapi_page = get(f"{fastapi}/ratings?size=100&page=2")
    too_large, _, _ = get(f"{fastapi}/ratings?size=101")
    _, limited, _ = get(f"{json_server}/ratings?_limit=7")
    _, paged, _ = get(f"{json_server}/ratings?_limit=7&_page=1")

    assert (sorted(offset), len(offset["results"])) == (["count", "next", "previous", "results"], 7)
    assert (page["count"], len(page["results"])) == (len(RATINGS), 7)
    assert refused == 401
    assert sorted(cursor) == ["next", "previous", "results"]  # no count
    assert len(cursor["results"]) == 100  # the server's page size, whatever page_size says
    assert cursor["next"].startswith(f"{drf}/cursor/ratings/?cursor=")
    assert sorted(fastapi_page) == ["items", "page", "pages", "size", "total"]
    assert too_large == 422
    assert limited["X-Total-Count"] == str(len(RATINGS)) and "Link" not in limited
    assert 'rel="next"' in paged["Link"] and paged["X-Total-Count"] == str(len(RATINGS))


# The baked check command against a real server: the right answers agree, a wrong one is named.
CHECKS = {
    "drf-limit-offset-as-answered": (
        Case(
            "airflow_real_drf_check",
            servers.DjangoRestFramework,
            {"api_preset": "drf-limit-offset", "api_endpoint": "/limit-offset/ratings/", **DRF_WINDOW},
        ),
        0,
    ),
    # timestamp__lte is no filter of the server's: it ignores the end, so the halves overlap.
    "drf-limit-offset-with-a-wrong-end-parameter": (
        Case(
            "airflow_real_drf_check_wrong",
            servers.DjangoRestFramework,
            {
                "api_preset": "drf-limit-offset",
                "api_endpoint": "/limit-offset/ratings/",
                **DRF_WINDOW,
                "end_param": "timestamp__lte",
            },
        ),
        1,
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("check_id", CHECKS)
def test_the_check_command_tells_right_answers_from_wrong_ones_on_a_real_server(
    check_id, framework_servers, bake_of
):
    case, exit_code = CHECKS[check_id]
    server = framework_servers(case.server)
    module = bake_of(case)
    connection = {"conn_type": "movielens", "host": server.url}
    done = subprocess.run(
        [
            bake_python(),
            "-m",
            f"{module}.check",
            "--conn-id",
            CONN_ID,
            "--start",
            "2026-03-07",
            "--end",
            "2026-03-09",
        ],
        env=clean_env(
            AIRFLOW_HOME=str(server.workdir / f"airflow-home-{module}"),
            **{f"AIRFLOW_CONN_{CONN_ID.upper()}": json.dumps(connection)},
        ),
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == exit_code, done.stdout[-3000:] + done.stderr[-3000:]
    if exit_code:
        assert "end_param" in done.stdout or "window_end" in done.stdout, done.stdout[-3000:]
