"""The baked provider's machinery (client/, storage.py) is plain Python that lints and type-checks
in this repository as it is, with the settings the baked project uses."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import BIN, TEMPLATE

PACKAGE = TEMPLATE / "{{cookiecutter.package_name}}" / "src" / "{{cookiecutter.module_name}}"
MACHINERY = ["client", "storage.py"]


@pytest.fixture(scope="module")
def baked_config(default_project):
    """The default bake's pyproject.toml: its ruff and mypy settings."""
    return default_project / "pyproject.toml"


def test_machinery_passes_the_baked_projects_ruff_rules_and_format(baked_config):
    # N999 would only object to the placeholder folder name {{cookiecutter.module_name}}.
    lint = subprocess.run(
        [
            BIN / "ruff",
            "check",
            "--no-cache",
            "--config",
            baked_config,
            "--extend-ignore",
            "N999",
            *MACHINERY,
        ],
        cwd=PACKAGE,
        capture_output=True,
        text=True,
    )
    formatting = subprocess.run(
        [BIN / "ruff", "format", "--check", "--no-cache", "--config", baked_config, *MACHINERY],
        cwd=PACKAGE,
        capture_output=True,
        text=True,
    )

    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert formatting.returncode == 0, formatting.stdout + formatting.stderr


@pytest.mark.slow
def test_machinery_type_checks_with_the_baked_projects_mypy_settings(baked_config, tmp_path):
    mypy = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            baked_config,
            "--cache-dir",
            tmp_path,
            "--disallow-untyped-defs",
            "-p",
            "client",
        ],
        cwd=tmp_path,
        env={**os.environ, "MYPYPATH": str(PACKAGE)},
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert mypy.returncode == 0, mypy.stdout + mypy.stderr
