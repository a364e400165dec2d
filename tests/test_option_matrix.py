"""Every auth x pagination combination, every preset and targeted shapes bake a project whose own suite passes.

Each entry costs a run of the baked suite (about 150 s of one core), so presets and new answers
ride on grid and targeted entries where they keep that entry's auth x pagination pair.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import sys

import pytest
from conftest import (
    assert_baked_files_parse,
    baked_files,
    clean_env,
    hygiene_problems,
    install_copy_of,
    pip_uninstall,
    ruff_findings,
    run_baked_suite,
)

from local_extensions import preset_answer

AUTH_TYPES = ["basic", "bearer", "api_key", "none"]
PAGINATIONS = ["offset", "page", "cursor", "link_header"]

# Answers for shapes the auth x pagination grid does not reach on its own.
TARGETED = {
    # GitHub / json-server style: a bare list, Link headers, epoch-second date parameters.
    # The github preset: bearer, Link headers, a bare list, per_page up to 100.
    "github-like": {
        "api_preset": "github",
        "date_filter": "epoch_seconds",
        "start_param": "since",
        "end_param": "until",
    },
    "cursor-nested-keys-api-key-in-query": {
        "auth_type": "api_key",
        "api_key_in": "query",
        "api_key_name": "api_key",
        "pagination": "cursor",
        "records_key": "data.items",
        "next_cursor_key": "meta.next",
        "date_filter": "datetime",
        # Datetimes written with a non-UTC offset.
        "api_timezone": "America/New_York",
    },
    # The json-server preset: _page=1 as an extra parameter, _limit, X-Total-Count, Link headers,
    # inclusive epoch-second bounds timestamp_gte/timestamp_lte; with an API key in the query.
    "link-api-key-in-query": {
        "api_preset": "json-server",
        "auth_type": "api_key",
        "api_key_in": "query",
        "api_key_name": "api_key",
    },
    # drf-cursor: a next URL in the body; the token from an OAuth 2 client-credentials endpoint.
    "drf-cursor-oauth2": {
        "api_preset": "drf-cursor",
        "auth_type": "oauth2_client_credentials",
        "client_auth": "basic",
    },
    "page-total-pages": {
        "api_preset": "custom",
        "pagination": "page",
        "total_key": "",
        "total_pages_key": "meta.pages",
        "limit_param": "page_size",
    },
    "page-without-totals": {"pagination": "page", "total_key": ""},
    "offset-without-total": {"total_key": ""},
    "no-date-filter": {"date_filter": "none", "auth_type": "none"},
    "sibling-keys-under-one-parent": {"records_key": "data.items", "total_key": "data.total"},
    "renamed-records-and-items": {
        # The longest nouns allowed (16 characters), so long names stay within the line length.
        "records_name": "inventory_events",
        "item_name": "warehouse_binary",
        "item_key": "binId",
        "user_key": "customerId",
        "score_key": "quantity",
        "pagination": "page",
    },
    "custom-record-keys": {
        "item_key": "bookId",
        "user_key": "readerId",
        "score_key": "stars",
        "pagination": "link_header",
        "records_key": "books",
        "date_filter": "none",
    },
}

# Grid entries that also carry a preset or new answers; each keeps its auth x pagination pair.
GRID_EXTRAS = {
    "basic-offset": {"api_preset": "drf-limit-offset"},
    # DRF's TokenAuthentication: Authorization: Token <key>; whole days in Berlin.
    "bearer-page": {
        "api_preset": "drf-page-number",
        "token_prefix": "Token",
        "api_timezone": "Europe/Berlin",
    },
    "none-page": {"api_preset": "fastapi-pagination"},
    "none-offset": {"total_key": "", "total_header": "X-Total-Count"},
    "api_key-cursor": {"extra_params": "format=json&v=2"},
    "none-link_header": {"date_filter": "datetime", "window_end": "inclusive"},
}

COMBINATIONS = {
    **{
        f"{auth}-{pagination}": {
            "auth_type": auth,
            "pagination": pagination,
            **GRID_EXTRAS.get(f"{auth}-{pagination}", {}),
        }
        for auth, pagination in itertools.product(AUTH_TYPES, PAGINATIONS)
    },
    **TARGETED,
}


def answer(name, question):
    """What entry ``name`` answers to ``question``: given by name, else its preset's default."""
    answers = COMBINATIONS[name]
    return answers.get(question) or preset_answer(answers.get("api_preset", "movielens"), question)


# What the user's room, api.py, says for each choice; the other choices must not be there.
MARKERS = {
    "auth_type": {
        "basic": "auth=auth.Basic()",
        "bearer": "auth=auth.Bearer(",
        "api_key": "auth=auth.ApiKey",
        "oauth2_client_credentials": "auth=auth.OAuth2ClientCredentials(",
        "none": "auth=auth.NoAuth()",
    },
    "pagination": {
        "offset": "paginator=paginators.Offset(",
        "page": "paginator=paginators.PageNumber(",
        "cursor": "paginator=paginators.Cursor(",
        "next_url": "paginator=paginators.NextUrl(",
        "link_header": "paginator=paginators.LinkHeader(",
    },
}

# What api.py says for a new answer given a non-default value (defaults are left unwritten).
OPTION_MARKERS = {
    "token_prefix": 'auth=auth.Bearer(prefix="{}")',
    "client_auth": 'client_auth="{}"',
    "total_header": 'total_header="{}"',
    "api_timezone": 'timezone="{}"',
    "window_end": 'window_end="{}"',
}


@pytest.fixture(scope="module")
def baked(cookies_session):
    """Bake each combination once for the whole module; uninstall whichever was installed last."""
    projects = {}

    def bake(name):
        if name not in projects:
            result = cookies_session.bake(extra_context=COMBINATIONS[name])
            assert result.exit_code == 0, result.exception
            projects[name] = result.project_path
        return projects[name]

    yield bake
    pip_uninstall("airflow-movielens")


@pytest.mark.parametrize("name", COMBINATIONS)
def test_combination_bakes_only_what_was_chosen(baked, name):
    api = next(baked(name).rglob("api.py")).read_text()

    for question, markers in MARKERS.items():
        for choice, marker in markers.items():
            assert (marker in api) == (choice == answer(name, question)), f"{question}={choice}: {marker}"
    for question, marker in OPTION_MARKERS.items():
        value = COMBINATIONS[name].get(question) or (
            preset_answer(COMBINATIONS[name].get("api_preset"), question) if question == "window_end" else ""
        )
        written = value not in {"", "UTC", "exclusive", "Bearer", "body"}
        assert (marker.format(value) in api) == written, f"{question}={value!r}"
    extra_params = answer(name, "extra_params")
    assert ("extra_params={" in api) == bool(extra_params)
    for pair in filter(None, extra_params.split("&")):
        assert '"{}": "{}",'.format(*pair.split("=", 1)) in api
    max_page_size = int(answer(name, "max_page_size"))
    assert (f"max_page_size={max_page_size}," in api) == (max_page_size != 1000)


def test_names_come_from_the_records_and_items_answers(baked):
    project = baked("renamed-records-and-items")
    package = project / "src" / "airflow_movielens"
    sources = "\n".join(path.read_text() for path in package.rglob("*.py"))

    for name in (
        "class MovielensFetchInventoryEventsOperator(",
        "class MovielensRankWarehouseBinariesOperator(",
        "class MovielensInventoryEventsSensor(",
        "class MovielensInventoryEventsTrigger(",
        "def get_inventory_events(",
        "def get_inventory_event_pages(",
        "def first_inventory_event(",
        "def rank_warehouse_binaries_by_inventory_event(",
        'dag_id="movielens_inventory_events"',
    ):
        assert name in sources, name
    assert (package / "example_dags" / "movielens_inventory_events.py").is_file()
    assert "Ratings" not in sources
    assert "Movies" not in sources


@pytest.mark.parametrize("name", COMBINATIONS)
def test_combination_leaves_no_template_syntax_and_parses(baked, name):
    project = baked(name)
    for path in baked_files(project):
        assert not re.search(r"cookiecutter\.|\{%|%\}", (project / path).read_text(encoding="utf-8")), path
    assert_baked_files_parse(project)


@pytest.mark.parametrize("name", COMBINATIONS)
def test_combination_is_clean_for_the_pre_commit_hygiene_hooks(baked, name):
    assert hygiene_problems(baked(name)) == []


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory):
    """One mypy cache for every combination: Airflow's types are read once, then only the project."""
    return tmp_path_factory.mktemp("mypy-cache")


# About 25 s for the first combination (a cold cache), then a few seconds each.
@pytest.mark.slow
@pytest.mark.parametrize("name", COMBINATIONS)
def test_combination_passes_mypy(baked, mypy_cache, name):
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", mypy_cache],
        cwd=baked(name),
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert mypy.returncode == 0, mypy.stdout + mypy.stderr


@pytest.mark.slow
@pytest.mark.parametrize("name", COMBINATIONS)
def test_combination_passes_its_own_suite_and_lint(baked, name):
    project = baked(name)
    install_copy_of(project)

    # tests/test_throughput.py tests the client/ machinery (copied unrendered, the same in every
    # bake) through the hook, against API descriptions of its own and with seconds of rate-limit
    # waits: the default and the unusual bake run it (test_baked_project_runs.py); every
    # combination would only repeat it.
    suite = run_baked_suite(project, "--ignore=tests/test_throughput.py")

    assert suite.returncode == 0, suite.stdout[-5000:] + suite.stderr[-2000:]
    assert ruff_findings(project) == ""
