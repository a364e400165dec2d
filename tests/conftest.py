"""Helpers for baking the template in tests."""

from __future__ import annotations

import ast
import atexit
import configparser
import functools
import json
import os
import shutil
import site
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

TEMPLATE = Path(__file__).resolve().parents[1]
# Cookiecutter copies the whole template folder on every bake (the pre_prompt hook), and a copy
# fails if a file in it vanishes meanwhile: a .pyc being written by another worker is one.
sys.dont_write_bytecode = True
# pytest-cookies renders the answers before cookiecutter puts the template on sys.path,
# so the template's local Jinja extensions must be importable from the start.
sys.path.insert(0, str(TEMPLATE))
BIN = Path(sys.executable).parent


def baked_files(project: Path) -> list[Path]:
    """Every file of a baked project, as relative paths."""
    return sorted(path.relative_to(project) for path in project.rglob("*") if path.is_file())


def cruft_state(project: Path) -> dict:
    """The .cruft.json a bake wrote: template, commit and every answer by its name."""
    return json.loads((project / ".cruft.json").read_text(encoding="utf-8"))


def assert_baked_files_parse(project: Path) -> None:
    """Every Python, TOML, YAML and INI file of a baked project parses."""
    for path in baked_files(project):
        source = (project / path).read_text(encoding="utf-8")
        if path.suffix == ".py":
            compile(source, str(path), "exec")
        elif path.suffix == ".toml":
            tomllib.loads(source)
        elif path.suffix == ".yml":
            yaml.safe_load(source)
        elif path.suffix == ".ini":
            configparser.ConfigParser().read_string(source)


def hygiene_problems(project: Path) -> list[str]:
    """What the baked pre-commit hooks for whitespace and file endings would change, file by file."""
    problems = []
    for path in baked_files(project):
        text = (project / path).read_text(encoding="utf-8")
        if "\r" in text:
            problems.append(f"{path}: carriage return")
        if text and (not text.endswith("\n") or text.endswith("\n\n")):
            problems.append(f"{path}: does not end in exactly one newline")
        problems.extend(
            f"{path}:{number}: trailing whitespace"
            for number, line in enumerate(text.split("\n"), start=1)
            if line.endswith((" ", "\t"))
        )
    return problems


def setup_keywords(project: Path) -> dict[str, ast.expr]:
    """The keyword arguments of the ``setup(...)`` call in a baked setup.py, unevaluated."""
    tree = ast.parse((project / "setup.py").read_text(encoding="utf-8"))
    call = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setup"
    )
    return {keyword.arg: keyword.value for keyword in call.keywords}


def provider_info(project: Path, module: str = "airflow_movielens") -> dict:
    """get_provider_info() of a baked project, imported from its src/ in a fresh interpreter."""
    code = f"import json, {module}; print(json.dumps({module}.get_provider_info()))"
    run = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(project / "src")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def clean_env(**overrides: str) -> dict[str, str]:
    """The environment without any Airflow settings of the caller's, so a baked suite starts clean."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}
    env.update(overrides)
    return env


@functools.cache
def bake_python() -> Path:
    """
    The interpreter into which this test process installs bakes: a venv of its own over the development venv.

    Its site-packages holds only the bakes installed into it, and a .pth file adds the development venv's
    site-packages after them, so Airflow and the test tools are shared. Each pytest-xdist worker
    has its own, so two workers installing bakes with the same distribution name at the same
    time cannot replace each other's.
    """
    root = Path(tempfile.mkdtemp(prefix="bake-env-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "uv", "venv", "--quiet", "--python", sys.executable, root / "venv"], check=True
    )
    python = root / "venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    own = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # addsitedir, not a bare path line, so the .pth files in the development venv's site-packages work too.
    shared = "".join(f"import site; site.addsitedir({path!r})\n" for path in site.getsitepackages())
    (Path(own) / "template-venv.pth").write_text(shared)
    return python


def pip_install(*args: str | Path) -> None:
    """Install into this test process's bake interpreter, without touching the network for build tools."""
    subprocess.run(
        [sys.executable, "-m", "uv", "pip", "install", "--python", bake_python(), "--quiet", *map(str, args)],
        check=True,
    )


def pip_uninstall(name: str) -> None:
    """Remove a baked project from the bake interpreter; nothing to do if a later test already did."""
    subprocess.run(
        [sys.executable, "-m", "uv", "pip", "uninstall", "--quiet", "--python", bake_python(), name],
        check=False,
    )


def run_baked_suite(project: Path, *options: str) -> subprocess.CompletedProcess:
    """Run a baked project's own tests with the bake interpreter, as `pytest` in its folder would."""
    return subprocess.run(
        [bake_python(), "-m", "pytest", "-q", "-p", "no:cacheprovider", *options],
        cwd=project,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )


def ruff_findings(project: Path) -> str:
    """What ruff's lint and format checks report for a baked project; empty when it is clean."""
    findings = []
    for command in (["check"], ["format", "--check"]):
        run = subprocess.run(
            [BIN / "ruff", *command, "--no-cache", "."], cwd=project, capture_output=True, text=True
        )
        if run.returncode != 0:
            findings.append(run.stdout + run.stderr)
    return "\n".join(findings)


def airflow_cli(*args: str, home: Path) -> subprocess.CompletedProcess:
    """Run the airflow command of the bake interpreter with a throwaway AIRFLOW_HOME."""
    return subprocess.run(
        [bake_python(), "-m", "airflow", *args],
        env=clean_env(AIRFLOW_HOME=str(home)),
        capture_output=True,
        text=True,
        timeout=300,
    )


def install_copy_of(project: Path) -> None:
    """Install a baked project as a user would (not editable), building from a copy so the bake stays clean."""
    with tempfile.TemporaryDirectory() as scratch:
        source = shutil.copytree(project, Path(scratch) / project.name)
        pip_install("--no-deps", "--no-build-isolation", "--reinstall", source)


@pytest.fixture(scope="session")
def default_project(cookies_session):
    """The provider baked with every default answer."""
    result = cookies_session.bake()
    assert result.exit_code == 0, result.exception
    return result.project_path


@pytest.fixture(scope="session")
def installed_default_project(default_project):
    """The default bake, installed (not editable, as a user would) into the bake interpreter."""
    install_copy_of(default_project)
    yield default_project
    pip_uninstall("airflow-movielens")
