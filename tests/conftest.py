"""Helpers for baking the template in tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TEMPLATE = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def baked_files(project: Path) -> list[Path]:
    """Every file of a baked project, as relative paths."""
    return sorted(path.relative_to(project) for path in project.rglob("*") if path.is_file())


def clean_env(**overrides: str) -> dict[str, str]:
    """The environment without any Airflow settings of the caller's, so a baked suite starts clean."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}
    env.update(overrides)
    return env


def pip_install(*args: str | Path) -> None:
    """Install into the interpreter running the tests, without touching the network for build tools."""
    subprocess.run(
        [sys.executable, "-m", "uv", "pip", "install", "--python", sys.executable, "--quiet", *map(str, args)],
        check=True,
    )


def pip_uninstall(name: str) -> None:
    subprocess.run([sys.executable, "-m", "uv", "pip", "uninstall", "--python", sys.executable, name], check=True)


@pytest.fixture(scope="session")
def default_project(cookies_session):
    """The provider baked with every default answer."""
    result = cookies_session.bake()
    assert result.exit_code == 0, result.exception
    return result.project_path


@pytest.fixture(scope="session")
def installed_default_project(default_project):
    """The default bake, installed (not editable, as a user would) into this interpreter."""
    pip_install("--no-deps", "--no-build-isolation", "--reinstall", default_project)
    yield default_project
    pip_uninstall("airflow-movielens")
