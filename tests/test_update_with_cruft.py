"""A baked project records its template commit and answers in .cruft.json, and `cruft update` brings
template changes into it without undoing the user's own edits.

Every test here works on a copy of the template committed to a throwaway git repository, and runs
cookiecutter, cruft and git as a user would, in subprocesses, with no network (a few seconds each).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import BIN, TEMPLATE, cruft_state

README_INTRO = "An [Apache Airflow](https://airflow.apache.org/) 3 provider with:"
RANKING_DOCSTRING = '"""Rank {{ cookiecutter.__items }} by their {{ cookiecutter.__records }}: pyarrow reads the file, pandas ranks."""'


@pytest.fixture
def git_env(tmp_path):
    """An environment where git commits need no user configuration and ignore the caller's."""
    home = tmp_path / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GIT_", "AIRFLOW"))}
    env.update(
        HOME=str(home),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Template Tester",
        GIT_AUTHOR_EMAIL="tester@example.com",
        GIT_COMMITTER_NAME="Template Tester",
        GIT_COMMITTER_EMAIL="tester@example.com",
    )
    return env


def run(*command: str | Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run a command and fail the test with its output if it fails."""
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done


def commit_all(repository: Path, message: str, env: dict[str, str]) -> str:
    """Commit every change in ``repository`` and return the new commit."""
    run("git", "add", "--all", cwd=repository, env=env)
    run("git", "commit", "--quiet", "--message", message, cwd=repository, env=env)
    return run("git", "rev-parse", "HEAD", cwd=repository, env=env).stdout.strip()


def edit(path: Path, old: str, new: str) -> None:
    """Replace one exact passage of a file, failing loudly if it is not there exactly once."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not in {path} exactly once"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def template_repo(tmp_path, git_env):
    """A copy of the template as its own git repository with one commit."""
    template = tmp_path / "cookiecutter-airflow-provider"
    shutil.copytree(
        TEMPLATE,
        template,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "build", "__pycache__", ".pytest_cache", ".ruff_cache"
        ),
    )
    run("git", "init", "--quiet", "--initial-branch", "main", cwd=template, env=git_env)
    commit_all(template, "Template as under test", git_env)
    return template


def bake(tool: str, template: Path, output: Path, env: dict[str, str]) -> Path:
    """Bake the default provider with ``cookiecutter`` or ``cruft create``, as a user would type it."""
    output.mkdir()
    if tool == "cookiecutter":
        run(BIN / "cookiecutter", "--no-input", "--output-dir", output, template, cwd=output, env=env)
    else:
        run(BIN / "cruft", "create", "--no-input", "--output-dir", output, template, cwd=output, env=env)
    return output / "airflow-movielens"


def test_default_bake_records_this_template_and_its_commit(default_project):
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=TEMPLATE, capture_output=True, text=True, check=True
    ).stdout.strip()
    top_level = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=TEMPLATE, capture_output=True, text=True, check=True
    ).stdout.strip()

    state = cruft_state(default_project)

    assert (state["template"], state["commit"], state["checkout"], state["directory"]) == (
        top_level,
        head,
        None,
        None,
    )
    answers = state["context"]["cookiecutter"]
    assert answers["provider_name"] == "MovieLens"
    assert answers["pagination"] == "offset"
    assert (answers["_template"], answers["_commit"]) == (top_level, head)
    assert not {"__prompts__", "_output_dir", "_repo_dir", "_checkout"} & set(answers)


def test_plain_cookiecutter_records_what_cruft_create_records(template_repo, tmp_path, git_env):
    by_cookiecutter = bake("cookiecutter", template_repo, tmp_path / "plain", git_env)
    by_cruft = bake("cruft", template_repo, tmp_path / "cruft", git_env)

    assert (by_cookiecutter / ".cruft.json").read_bytes() == (by_cruft / ".cruft.json").read_bytes()
    run(BIN / "cruft", "check", cwd=by_cookiecutter, env=git_env)


def test_a_template_cookiecutter_clones_is_recorded_by_its_url_and_commit(template_repo, tmp_path, git_env):
    output = tmp_path / "remote"
    output.mkdir()
    head = run("git", "rev-parse", "HEAD", cwd=template_repo, env=git_env).stdout.strip()

    done = run(BIN / "cookiecutter", "--no-input", "--output-dir", output, f"git+file://{template_repo}", cwd=output, env=git_env)  # fmt: skip

    state = cruft_state(output / "airflow-movielens")
    assert (state["template"], state["commit"]) == (f"file://{template_repo}", head)
    # The bake ran from a copy of cookiecutter's clone; nothing in it is a change of the user's.
    assert "uncommitted changes" not in done.stdout


def test_a_template_in_a_folder_of_a_repository_is_recorded_with_its_directory(tmp_path, git_env):
    # cookiecutter bakes from a copy of the folder alone (the pre_prompt hook); the record names the repository.
    repository = tmp_path / "templates"
    shutil.copytree(
        TEMPLATE,
        repository / "airflow" / "provider",
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "build", "__pycache__", ".pytest_cache", ".ruff_cache"
        ),
    )
    run("git", "init", "--quiet", "--initial-branch", "main", cwd=repository, env=git_env)
    commit_all(repository, "Templates", git_env)
    states = []
    for tool in ("cookiecutter", "cruft"):
        output = tmp_path / tool
        output.mkdir()
        command = [BIN / "cookiecutter"] if tool == "cookiecutter" else [BIN / "cruft", "create"]
        run(*command, "--no-input", "--directory", "airflow/provider", "--output-dir", output, repository, cwd=output, env=git_env)  # fmt: skip
        states.append(cruft_state(output / "airflow-movielens"))

    assert states[0] == states[1]
    assert (states[0]["template"], states[0]["directory"]) == (str(repository), "airflow/provider")


@pytest.mark.parametrize("tool", ["cookiecutter", "cruft"])
def test_cruft_update_brings_template_changes_and_keeps_user_edits(template_repo, tmp_path, git_env, tool):
    project = bake(tool, template_repo, tmp_path / "projects", git_env)
    ranking = project / "src" / "airflow_movielens" / "ranking.py"
    run("git", "init", "--quiet", "--initial-branch", "main", cwd=project, env=git_env)
    commit_all(project, "Baked from the template", git_env)
    # The user adds a section to the README and a function to the ranking module.
    edit(
        project / "README.md",
        "## License\n",
        "## Our deployment\n\nRuns nightly on the team's cluster.\n\n## License\n",
    )
    ranking.write_text(
        ranking.read_text()
        + '\n\ndef top_items(ranking, count=10):\n    """Our shortcut."""\n    return ranking.head(count)\n'
    )
    commit_all(project, "Our own notes and helper", git_env)
    # The template improves both files elsewhere.
    baked = template_repo / "{{cookiecutter.package_name}}"
    edit(
        baked / "README.md",
        README_INTRO,
        README_INTRO.replace("with:", "(kept current with `cruft update`) with:"),
    )
    edit(
        baked / "src" / "{{cookiecutter.module_name}}" / "ranking.py",
        RANKING_DOCSTRING,
        '"""Rank movies by their mean rating: pyarrow reads, pandas ranks."""',
    )
    new_commit = commit_all(template_repo, "Template: clearer README and ranking docstring", git_env)

    run(BIN / "cruft", "update", "--skip-apply-ask", cwd=project, env=git_env)

    readme = (project / "README.md").read_text()
    assert "3 provider (kept current with `cruft update`) with:" in readme
    assert "## Our deployment\n\nRuns nightly on the team's cluster.\n" in readme
    assert ranking.read_text().startswith(
        '"""Rank movies by their mean rating: pyarrow reads, pandas ranks."""'
    )
    assert "def top_items(ranking, count=10):" in ranking.read_text()
    assert cruft_state(project)["commit"] == new_commit
    assert list(project.rglob("*.rej")) == []
    changed = run("git", "status", "--porcelain", cwd=project, env=git_env).stdout.splitlines()
    assert sorted(line[3:] for line in changed) == [
        ".cruft.json",
        "README.md",
        "src/airflow_movielens/ranking.py",
    ]
    run(BIN / "cruft", "check", cwd=project, env=git_env)


def test_bake_from_a_template_outside_git_records_nothing_and_says_why(tmp_path, git_env):
    template = shutil.copytree(
        TEMPLATE,
        tmp_path / "unpacked-template",
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "build", "__pycache__", ".pytest_cache", ".ruff_cache"
        ),
    )
    output = tmp_path / "out"
    output.mkdir()

    baked = run(BIN / "cookiecutter", "--no-input", "--output-dir", output, template, cwd=output, env=git_env)

    assert not (output / "airflow-movielens" / ".cruft.json").exists()
    assert f"The template in {template} is not a git checkout" in baked.stdout
