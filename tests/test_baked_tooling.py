"""The baked project's tooling: CI and release workflows, tox factors, types, pre-commit, the PyPI hand-off."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from conftest import BIN, clean_env, hygiene_problems

NEWEST_PYTHON_MINOR = 14
AIRFLOW_MINORS = ["3.2", "3.3"]


def workflow(project: Path, name: str) -> dict:
    return yaml.safe_load((project / ".github" / "workflows" / name).read_text(encoding="utf-8"))


def runs(job: dict) -> list[str]:
    return [step["run"] for step in job.get("steps", []) if "run" in step]


def tox(project: Path, *args: str) -> subprocess.CompletedProcess:
    """Ask the baked project's tox something, keeping its working files out of the shared bake."""
    with tempfile.TemporaryDirectory() as workdir:
        return subprocess.run(
            [BIN / "tox", *args, "--workdir", workdir],
            cwd=project,
            env=clean_env(),
            capture_output=True,
            text=True,
        )


def tox_envs(project: Path) -> list[str]:
    listing = tox(project, "list", "--no-desc")
    assert listing.returncode == 0, listing.stdout + listing.stderr
    return listing.stdout.split()


def tox_setting(project: Path, env: str, key: str) -> str:
    shown = tox(project, "config", "-e", env, "-k", key)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    return shown.stdout


def matrix_pairs(job: dict) -> set[tuple[str, str]]:
    """The (python, airflow) pairs a GitHub Actions matrix with include entries expands to."""
    matrix = job["strategy"]["matrix"]
    pairs = {(python, airflow) for python in matrix["python"] for airflow in matrix["airflow"]}
    pairs |= {(entry["python"], entry["airflow"]) for entry in matrix.get("include", [])}
    return pairs


@pytest.fixture(scope="module")
def floor_312_project(cookies_session):
    result = cookies_session.bake(extra_context={"python_floor": "3.12"})
    assert result.exit_code == 0, result.exception
    return result.project_path


# --- CI workflow ---------------------------------------------------------------------------------


def test_ci_runs_lint_pre_commit_types_tests_and_build(default_project):
    ci = workflow(default_project, "ci.yml")

    assert set(ci["jobs"]) == {"lint", "type", "test", "build"}
    assert {"tox run -e lint", "pre-commit run --all-files --show-diff-on-failure"} <= set(
        runs(ci["jobs"]["lint"])
    )
    assert "tox run -e type" in runs(ci["jobs"]["type"])
    assert "tox run -e build" in runs(ci["jobs"]["build"])
    assert 'tox run -e "py${PYTHON//./}-airflow${AIRFLOW//./}"' in runs(ci["jobs"]["test"])


@pytest.mark.parametrize("floor", ["3.10", "3.12"])
def test_ci_tests_every_python_on_the_newest_airflow_and_both_ends_on_the_older(
    default_project, floor_312_project, floor
):
    project = default_project if floor == "3.10" else floor_312_project
    pythons = [f"3.{minor}" for minor in range(int(floor.split(".")[1]), NEWEST_PYTHON_MINOR + 1)]

    pairs = matrix_pairs(workflow(project, "ci.yml")["jobs"]["test"])

    assert pairs == {(python, "3.3") for python in pythons} | {(pythons[0], "3.2"), (pythons[-1], "3.2")}


@pytest.mark.parametrize("floor", ["3.10", "3.12"])
def test_every_ci_matrix_cell_is_a_tox_environment(default_project, floor_312_project, floor):
    project = default_project if floor == "3.10" else floor_312_project
    pairs = matrix_pairs(workflow(project, "ci.yml")["jobs"]["test"])

    wanted = {f"py{python.replace('.', '')}-airflow{airflow.replace('.', '')}" for python, airflow in pairs}

    assert wanted <= set(tox_envs(project))


def test_ci_caches_pip_downloads_keyed_on_setup_py(default_project):
    ci = workflow(default_project, "ci.yml")

    for name, job in ci["jobs"].items():
        (setup_python,) = [
            step for step in job["steps"] if step.get("uses", "").startswith("actions/setup-python")
        ]
        assert setup_python["with"]["cache"] == "pip", name
        assert "setup.py" in setup_python["with"]["cache-dependency-path"].split(), name


def test_ci_can_be_called_by_the_release_workflow(default_project):
    ci = workflow(default_project, "ci.yml")

    # PyYAML reads the key `on` as True.
    assert "workflow_call" in ci[True]


# --- release workflow ----------------------------------------------------------------------------


def test_release_publishes_only_after_the_whole_ci_and_the_build(default_project):
    release = workflow(default_project, "release.yml")
    jobs = release["jobs"]

    assert release[True] == {"push": {"tags": ["v*"]}}
    assert jobs["test"]["uses"] == "$/.github/workflows/ci.yml"
    assert jobs["build"]["needs"] == "test"
    assert jobs["publish"]["needs"] == "build"
    assert jobs["publish"]["environment"]["name"] == "pypi"
    assert runs(jobs["publish"])[-1] == "python -m twine upload --non-interactive --attestations dist/*"


def test_release_grants_the_oidc_token_to_the_publish_job_alone(default_project):
    release = workflow(default_project, "release.yml")

    assert release["permissions"] == {}
    assert release["jobs"]["publish"]["permissions"] == {"contents": "read", "id-token": "write"}
    granted = [name for name, job in release["jobs"].items() if "id-token" in job.get("permissions", {})]
    assert granted == ["publish"]


@pytest.mark.parametrize("name", ["ci.yml", "release.yml"])
def test_workflows_use_no_stored_secrets(default_project, name):
    text = (default_project / ".github" / "workflows" / name).read_text(encoding="utf-8")

    assert not re.search(r"secrets\.|password:|api[_-]?token", text, re.IGNORECASE)


@pytest.mark.parametrize(("tag", "passes"), [("v0.1.0", True), ("v0.1.1", False), ("0.1.0", False)])
def test_release_refuses_a_tag_that_differs_from_the_package_version(default_project, tag, passes):
    (check,) = [
        step["run"]
        for step in workflow(default_project, "release.yml")["jobs"]["build"]["steps"]
        if step.get("name") == "Check that the tag matches the package version"
    ]

    result = subprocess.run(
        ["bash", "-e", "-c", check],
        cwd=default_project,
        env={**os.environ, "GITHUB_REF_NAME": tag},
        capture_output=True,
        text=True,
    )

    assert (result.returncode == 0) is passes, result.stdout + result.stderr


# --- tox -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("floor", ["3.10", "3.12"])
def test_tox_lists_lint_type_every_python_with_every_airflow_minor_and_build(
    default_project, floor_312_project, floor
):
    project = default_project if floor == "3.10" else floor_312_project
    minors = range(int(floor.split(".")[1]), NEWEST_PYTHON_MINOR + 1)

    matrix = [
        f"py3{minor}-airflow{airflow.replace('.', '')}" for minor in minors for airflow in AIRFLOW_MINORS
    ]
    expected = ["lint", "type", *matrix, "build"]

    assert tox_envs(project) == expected


@pytest.mark.parametrize("airflow", AIRFLOW_MINORS)
def test_tox_airflow_factor_pins_that_minor(default_project, airflow):
    deps = tox_setting(default_project, f"py311-airflow{airflow.replace('.', '')}", "deps")

    assert f"apache-airflow~={airflow}.0" in deps


def test_tox_py_without_a_factor_takes_the_newest_airflow(default_project):
    deps = tox_setting(default_project, "py", "deps")

    assert "apache-airflow" not in deps


# --- lint, types, hygiene ------------------------------------------------------------------------


def test_baked_project_passes_ruffs_airflow_rules(default_project):
    air = subprocess.run(
        [BIN / "ruff", "check", "--no-cache", "--select", "AIR", "."],
        cwd=default_project,
        capture_output=True,
        text=True,
    )

    assert air.returncode == 0, air.stdout
    assert '"AIR"' in (default_project / "pyproject.toml").read_text()


def test_baked_files_are_clean_for_the_hygiene_hooks(default_project):
    assert hygiene_problems(default_project) == []


@pytest.mark.slow  # about 25 s: mypy reads Airflow's and pandas' types on a cold cache
def test_baked_project_passes_mypy(default_project, tmp_path):
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", tmp_path / "mypy"],
        cwd=default_project,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert mypy.returncode == 0, mypy.stdout + mypy.stderr
    assert "Success: no issues found" in mypy.stdout


@pytest.mark.slow  # about 10 s: pre-commit installs ruff and pre-commit-hooks from the package index
def test_pre_commit_passes_on_a_fresh_bake_and_changes_nothing(default_project, tmp_path):
    project = shutil.copytree(default_project, tmp_path / "project")
    git = ["git", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "--quiet"], cwd=project, check=True)
    subprocess.run([*git, "add", "--all"], cwd=project, check=True)
    env = clean_env(PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"))

    hooks = subprocess.run(
        [BIN / "pre-commit", "run", "--all-files"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    changed = subprocess.run(["git", "diff", "--stat"], cwd=project, capture_output=True, text=True)

    assert hooks.returncode == 0, hooks.stdout + hooks.stderr
    assert changed.stdout == ""
    assert "ruff check" in hooks.stdout
    assert "trim trailing whitespace" in hooks.stdout


# --- the PyPI hand-off ---------------------------------------------------------------------------

PUBLISHERS = {
    "default": (None, "example", "airflow-movielens"),
    "github-with-git-suffix": (
        "https://www.github.com/Ada-L/airflow-movielens.git",
        "Ada-L",
        "airflow-movielens",
    ),
    "github-deep-link": ("https://github.com/acme/ratings-provider/tree/main", "acme", "ratings-provider"),
}


@pytest.mark.parametrize(("url", "owner", "repository"), PUBLISHERS.values(), ids=PUBLISHERS)
def test_post_generation_prints_the_trusted_publisher_values(cookies, capfd, url, owner, repository):
    result = cookies.bake(extra_context={"repository_url": url} if url else {})

    printed = capfd.readouterr().out
    assert result.exit_code == 0, result.exception
    for line in (
        "PyPI Project Name: airflow-movielens",
        f"Owner:             {owner}",
        f"Repository name:   {repository}",
        "Workflow name:     release.yml",
        "Environment name:  pypi",
    ):
        assert f"  {line}\n" in printed


@pytest.mark.parametrize(("url", "owner", "repository"), PUBLISHERS.values(), ids=PUBLISHERS)
def test_baked_readme_lists_the_same_trusted_publisher_values(cookies, url, owner, repository):
    result = cookies.bake(extra_context={"repository_url": url} if url else {})

    readme = (result.project_path / "README.md").read_text(encoding="utf-8")
    assert f"| Owner | `{owner}` |" in readme
    assert f"| Repository name | `{repository}` |" in readme
    assert "| Workflow name | `release.yml` |" in readme


def test_post_generation_says_what_to_fill_in_for_a_repository_outside_github(cookies, capfd):
    result = cookies.bake(extra_context={"repository_url": "https://gitlab.com/ada/airflow-movielens"})

    printed = capfd.readouterr().out
    assert result.exit_code == 0, result.exception
    assert "Owner:             <the GitHub user or organisation that will host the repository>" in printed
    assert "repository_url https://gitlab.com/ada/airflow-movielens is not a github.com repository" in printed
    assert "| Owner | the GitHub user or organisation" in (result.project_path / "README.md").read_text()
