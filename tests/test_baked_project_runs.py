"""A baked provider installs, passes its own test suite and shows up in Airflow."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import BIN, clean_env


def run_baked_suite(project):
    """Run a baked project's own tests with this interpreter, as `pytest` in its folder would."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.slow
def test_default_project_passes_its_own_test_suite(installed_default_project):
    suite = run_baked_suite(installed_default_project)

    assert suite.returncode == 0, suite.stdout[-5000:] + suite.stderr[-2000:]
    assert " passed" in suite.stdout.splitlines()[-1]
    assert "failed" not in suite.stdout.splitlines()[-1]


@pytest.mark.slow
def test_airflow_providers_list_shows_the_installed_provider(installed_default_project, tmp_path):
    listing = subprocess.run(
        [BIN / "airflow", "providers", "list", "--output", "plain"],
        env=clean_env(AIRFLOW_HOME=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert listing.returncode == 0, listing.stderr
    assert "airflow-movielens" in listing.stdout


@pytest.mark.slow
def test_airflow_providers_hooks_shows_the_connection_type(installed_default_project, tmp_path):
    hooks = subprocess.run(
        [BIN / "airflow", "providers", "hooks", "--output", "plain"],
        env=clean_env(AIRFLOW_HOME=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert hooks.returncode == 0, hooks.stderr
    line = next(line for line in hooks.stdout.splitlines() if line.split()[:1] == ["movielens"])
    assert "airflow_movielens.hooks.MovielensHook" in line
