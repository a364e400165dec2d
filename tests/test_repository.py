"""The template repository keeps its own house in order: CI runs the README's test command, lint is clean."""

from __future__ import annotations

import subprocess

import yaml
from conftest import BIN, TEMPLATE


def test_template_ci_runs_the_readme_test_command_and_lint():
    workflow = yaml.safe_load((TEMPLATE / ".github" / "workflows" / "ci.yml").read_text())

    test_steps = [step.get("run") for step in workflow["jobs"]["test"]["steps"]]
    lint_steps = [step.get("run") for step in workflow["jobs"]["lint"]["steps"]]
    assert "python3 dev.py test" in test_steps
    assert "python3 dev.py test" in (TEMPLATE / "README.md").read_text()
    assert "python3 dev.py test" in (TEMPLATE / ".ci" / "run").read_text()
    assert {"ruff check .", "ruff format --check ."} <= set(lint_steps)


def test_template_code_passes_ruff():
    check = subprocess.run(
        [BIN / "ruff", "check", "--no-cache", "."], cwd=TEMPLATE, capture_output=True, text=True
    )
    formatting = subprocess.run(
        [BIN / "ruff", "format", "--check", "--no-cache", "."], cwd=TEMPLATE, capture_output=True, text=True
    )

    assert check.returncode == 0, check.stdout
    assert formatting.returncode == 0, formatting.stdout
