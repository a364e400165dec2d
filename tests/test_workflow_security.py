"""The workflows' supply chain: zizmor finds nothing, actions are pinned by commit, tools by hash."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import BIN, TEMPLATE
from test_option_matrix import COMBINATIONS

# The workflows change with the oldest Python (the CI matrix) as well as with the option matrix.
BAKES = {
    "default": {},
    **{f"python-floor-{floor}": {"python_floor": floor} for floor in ("3.11", "3.12", "3.13")},
    **COMBINATIONS,
}
TEMPLATE_WORKFLOWS = TEMPLATE / ".github" / "workflows"
# `uses: owner/repo@<full commit SHA> # vX.Y.Z`, or this repository at this commit (`$/`).
PINNED_USES = re.compile(r"^(?P<action>[\w.-]+/[\w./-]+)@(?P<sha>[0-9a-f]{40}) # (?P<tag>v\d+\.\d+\.\d+)$")
LOCKED_REQUIREMENT = re.compile(
    r"^(?P<name>[a-z0-9-]+)==\S+ \\\n(    --hash=sha256:[0-9a-f]{64}( \\)?\n)+", re.M
)


@pytest.fixture(scope="module")
def baked(cookies_session):
    """Bake each answer set once for the whole module."""
    projects = {}

    def bake(name):
        if name not in projects:
            result = cookies_session.bake(extra_context=BAKES[name])
            assert result.exit_code == 0, result.exception
            projects[name] = result.project_path
        return projects[name]

    return bake


def zizmor_findings(path: Path) -> list[str]:
    """What `zizmor --offline` reports for a project or a folder of workflows, one line a finding."""
    run = subprocess.run(
        [BIN / "zizmor", "--offline", "--no-exit-codes", "--format", "json", path],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    return [
        f"{finding['ident']} ({finding['determinations']['severity']}) "
        f"{Path(primary['symbolic']['key']['Local']['verbatim_path']).name}:"
        f"{primary['concrete']['location']['start_point']['row'] + 1}: {primary['concrete']['feature']}"
        for finding in json.loads(run.stdout)
        for primary in finding["locations"][:1]
    ]


def workflow_paths(project: Path) -> list[Path]:
    return sorted((project / ".github" / "workflows").glob("*.yml"))


def uses_lines(path: Path) -> list[str]:
    """Each `uses:` value of a workflow with its comment, as written."""
    return re.findall(r"^\s*(?:- )?uses: (.+)$", path.read_text(encoding="utf-8"), re.M)


# --- zizmor --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BAKES)
def test_zizmor_finds_nothing_in_a_baked_project(baked, name):
    # The whole project: its workflows, dependabot.yml and .pre-commit-config.yaml.
    assert zizmor_findings(baked(name)) == []


def test_zizmor_finds_nothing_in_the_templates_own_workflows():
    assert zizmor_findings(TEMPLATE_WORKFLOWS) == []


# --- pins ----------------------------------------------------------------------------------------


def test_every_action_is_pinned_to_a_commit_with_its_tag_in_a_comment(baked):
    paths = [*workflow_paths(baked("default")), *sorted(TEMPLATE_WORKFLOWS.glob("*.yml"))]

    unpinned = [
        f"{path.name}: {uses}"
        for path in paths
        for uses in uses_lines(path)
        if not (PINNED_USES.match(uses) or uses.startswith("$/"))
    ]

    assert unpinned == []


def test_each_action_is_pinned_to_one_commit_across_the_template(baked):
    # Dependabot bumps the template's own workflow; this keeps the baked ones in step with it.
    paths = [*workflow_paths(baked("default")), *sorted(TEMPLATE_WORKFLOWS.glob("*.yml"))]
    pins: dict[str, set[str]] = {}
    for path in paths:
        for match in filter(None, map(PINNED_USES.match, uses_lines(path))):
            pins.setdefault(match["action"], set()).add(f"{match['sha']} # {match['tag']}")

    assert {action: pin for action, pin in pins.items() if len(pin) > 1} == {}


# --- permissions and caches ----------------------------------------------------------------------


def test_every_job_declares_its_permissions_and_only_publish_gets_the_oidc_token(baked):
    workflows = {path.name: yaml.safe_load(path.read_text()) for path in workflow_paths(baked("default"))}
    workflows["template ci.yml"] = yaml.safe_load((TEMPLATE_WORKFLOWS / "ci.yml").read_text())

    assert [name for name, workflow in workflows.items() if workflow["permissions"] != {}] == []
    assert [
        f"{name}: {job_name}"
        for name, workflow in workflows.items()
        for job_name, job in workflow["jobs"].items()
        if "permissions" not in job
    ] == []
    assert [
        f"{name}: {job_name}"
        for name, workflow in workflows.items()
        for job_name, job in workflow["jobs"].items()
        if "id-token" in job["permissions"]
    ] == ["release.yml: publish"]


def test_release_restores_no_cache(baked):
    release = yaml.safe_load((baked("default") / ".github" / "workflows" / "release.yml").read_text())
    steps = [step for job in release["jobs"].values() for step in job.get("steps", [])]

    assert [step["uses"] for step in steps if step.get("uses", "").startswith("actions/cache")] == []
    assert [step["uses"] for step in steps if "cache" in step.get("with", {})] == []


def test_publish_signs_every_file_then_uploads_each_with_its_attestation(baked):
    release = yaml.safe_load((baked("default") / ".github" / "workflows" / "release.yml").read_text())

    runs = [step["run"] for step in release["jobs"]["publish"]["steps"] if "run" in step]

    assert runs[-2:] == [
        "python -m pypi_attestations sign dist/*",
        "python -m twine upload --non-interactive --attestations dist/*",
    ]


# --- Dependabot and the locked release tools -----------------------------------------------------


def test_dependabot_keeps_the_actions_and_the_python_dependencies_current(baked):
    dependabot = yaml.safe_load((baked("default") / ".github" / "dependabot.yml").read_text())

    updates = {update["package-ecosystem"]: update for update in dependabot["updates"]}

    assert set(updates) == {"github-actions", "pip"}
    assert {update["directory"] for update in updates.values()} == {"/"}


def test_release_tools_are_locked_to_one_version_and_its_hashes_each(baked):
    github = baked("default") / ".github"
    wanted = {
        re.split(r"[<>=~!\s]", line)[0]
        for line in (github / "release-requirements.in").read_text().splitlines()
        if line and not line.startswith("#")
    }
    lock = (github / "release-requirements.txt").read_text()

    locked = [match["name"] for match in LOCKED_REQUIREMENT.finditer(lock)]
    requirement_lines = [line for line in lock.splitlines() if re.match(r"[a-z0-9]", line)]

    assert wanted <= set(locked)
    assert len(locked) == len(requirement_lines)


# About 10 s on a cold cache: fetches every locked distribution from the package index.
@pytest.mark.slow
def test_release_tools_install_for_the_release_python_from_their_lock_alone(baked, tmp_path):
    lock = baked("default") / ".github" / "release-requirements.txt"
    # The Python and platform that release.yml sets up, whatever runs the tests; uv, like pip
    # there, refuses a file whose hash differs and a dependency that has none.
    target = ["--python-version", "3.12", "--python-platform", "x86_64-manylinux_2_39", "--target", tmp_path]

    install = subprocess.run(
        [sys.executable, "-m", "uv", "pip", "install", "--quiet", "--require-hashes", *target, "-r", lock],
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert install.returncode == 0, install.stdout + install.stderr
    assert {"twine", "pypi_attestations", "build"} <= {path.name for path in tmp_path.iterdir()}
