"""Answers can come from a cookiecutter config file, and a replay bakes the same project again.

Cookiecutter runs as a user would type it, in a subprocess with no standard input (so any
question it asked would fail the bake), and with HOME and the replay directory inside tmp_path
(so the user's ~/.cookiecutterrc and ~/.cookiecutter_replay are neither read nor written).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import BIN, TEMPLATE, baked_files

# The drf-cursor preset would page by next URL; the file's pagination answer overrides that default.
ANSWERS = {
    "provider_name": "Open Library",
    "api_preset": "drf-cursor",
    "auth_type": "bearer",
    "pagination": "cursor",
}


@pytest.fixture
def config_file(tmp_path):
    """A cookiecutter user config with answers in default_context and its own replay directory."""
    config = tmp_path / "answers.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "default_context": ANSWERS,
                "cookiecutters_dir": str(tmp_path / "cookiecutters"),
                "replay_dir": str(tmp_path / "replay"),
            }
        )
    )
    return config


def cookiecutter(*args: str | Path, home: Path) -> subprocess.CompletedProcess:
    """Run the cookiecutter command on this template with nothing to answer questions."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}
    env["HOME"] = str(home)
    done = subprocess.run(
        [str(BIN / "cookiecutter"), *map(str, args), str(TEMPLATE)],
        stdin=subprocess.DEVNULL,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def snapshot(project: Path) -> dict[str, bytes]:
    """Every file of a baked project and its exact bytes."""
    return {str(path): (project / path).read_bytes() for path in baked_files(project)}


def test_no_input_bake_takes_its_answers_from_a_config_file(tmp_path, config_file):
    cookiecutter("--no-input", "--config-file", config_file, "--output-dir", tmp_path / "out", home=tmp_path)

    project = tmp_path / "out" / "airflow-open-library"
    api = (project / "src" / "airflow_open_library" / "api.py").read_text()
    hooks = (project / "src" / "airflow_open_library" / "hooks.py").read_text()
    assert "auth=auth.Bearer()" in api
    assert "paginator=paginators.Cursor(" in api
    assert "paginators.Offset(" not in api
    assert "paginators.NextUrl(" not in api
    # What the file leaves unanswered comes from the preset.
    assert 'records_key="results",' in api
    assert 'limit_param="page_size",' in api
    assert "class OpenLibraryHook(" in hooks
    recorded = json.loads((project / ".cruft.json").read_text())["context"]["cookiecutter"]
    assert {question: recorded[question] for question in ANSWERS} == ANSWERS


@pytest.mark.parametrize("how", ["--replay", "--replay-file"])
def test_replay_bakes_the_same_project_byte_for_byte(tmp_path, config_file, how):
    cookiecutter(
        "--no-input", "--config-file", config_file, "--output-dir", tmp_path / "first", home=tmp_path
    )
    replay_file = tmp_path / "replay" / f"{TEMPLATE.name}.json"
    replay = ["--replay"] if how == "--replay" else ["--replay-file", replay_file]

    cookiecutter(*replay, "--config-file", config_file, "--output-dir", tmp_path / "again", home=tmp_path)

    first = snapshot(tmp_path / "first" / "airflow-open-library")
    assert snapshot(tmp_path / "again" / "airflow-open-library") == first
    assert ".cruft.json" in first
    assert sorted(path.name for path in (tmp_path / "replay").iterdir()) == [replay_file.name]
