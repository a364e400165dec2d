"""Presets: one answer sets the paging defaults of a framework; answers given by name still win.

The interactive test drives the cookiecutter command in a pseudo-terminal as a person would,
pressing Enter at every prompt, and counts the prompts it had to answer.
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import time
from pathlib import Path

import pytest
from conftest import BIN, TEMPLATE, baked_files

from local_extensions import PRESETS, preset_answer

PAGINATORS = {
    "offset": "paginators.Offset(",
    "page": "paginators.PageNumber(",
    "cursor": "paginators.Cursor(",
    "next_url": "paginators.NextUrl(",
    "link_header": "paginators.LinkHeader(",
}
PARAMS = {
    "offset": ["offset_param", "limit_param", "total_key"],
    "page": ["page_param", "limit_param", "total_key", "total_pages_key"],
    "next_url": ["next_url_key", "limit_param"],
    "link_header": ["limit_param"],
}


def api_of(project: Path) -> str:
    return next(project.rglob("api.py")).read_text()


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_a_preset_bakes_its_frameworks_paging(cookies, name):
    result = cookies.bake(extra_context={"api_preset": name})
    assert result.exit_code == 0, result.exception
    api = api_of(result.project_path)

    def answer(question):
        return preset_answer(name, question)

    pagination = answer("pagination")
    assert f"paginator={PAGINATORS[pagination]}" in api
    for question in PARAMS[pagination]:
        assert f"{question}={json.dumps(answer(question))}," in api or (
            f"{question}={json.dumps(answer(question))})" in api
        ), question
    assert f"records_key={json.dumps(answer('records_key'))}," in api
    if answer("total_header"):
        assert f'total_header="{answer("total_header")}",' in api
    else:
        assert "        total_header=" not in api
    assert (f"max_page_size={answer('max_page_size')}," in api) == (answer("max_page_size") != "1000")
    assert ("auth=auth.Bearer()" in api) == (answer("auth_type") == "bearer")
    recorded = json.loads((result.project_path / ".cruft.json").read_text())["context"]["cookiecutter"]
    assert recorded["api_preset"] == name
    assert recorded["pagination"] == pagination


def test_the_default_preset_is_movielens_and_bakes_what_custom_bakes(cookies_session):
    default = cookies_session.bake(extra_context={})
    custom = cookies_session.bake(extra_context={"api_preset": "custom"})

    assert api_of(default.project_path) == api_of(custom.project_path)
    assert (
        json.loads((default.project_path / ".cruft.json").read_text())["context"]["cookiecutter"][
            "api_preset"
        ]
        == "movielens"
    )


def test_an_answer_given_by_name_overrides_the_presets_default(cookies):
    result = cookies.bake(
        extra_context={
            "api_preset": "json-server",
            "limit_param": "per_page",
            "window_end": "exclusive",
            "extra_params": "",
            "max_page_size": "50",
        }
    )
    api = api_of(result.project_path)

    assert 'paginator=paginators.LinkHeader(\n        limit_param="per_page",' in api
    assert "        window_end=" not in api
    assert "    extra_params=" not in api
    assert "max_page_size=50," in api
    # What was not given still comes from the preset.
    assert 'start_param="timestamp_gte",' in api
    assert 'total_header="X-Total-Count",' in api


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")
COUNTER = re.compile(r"\[(\d+)/(\d+)\]")


def bake_interactively(tmp_path: Path, choose: dict[str, str]) -> tuple[list[str], Path]:
    """Run cookiecutter in a pseudo-terminal, answer ``choose`` (question text -> typed answer)
    and press Enter everywhere else; return the prompts' questions and the output directory."""
    out = tmp_path / "interactive"
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}
    env.update(HOME=str(tmp_path), COLUMNS="300", LINES="50", TERM="xterm")
    leader, follower = os.openpty()
    process = subprocess.Popen(
        [str(BIN / "cookiecutter"), "--output-dir", str(out), str(TEMPLATE)],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        close_fds=True,
    )
    os.close(follower)
    questions, seen, pending = [], "", ""
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(leader, 65536).decode(errors="replace")
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
                pending += ANSI.sub("", chunk)
                continue
            # Quiet for 0.2 s with a prompt waiting for input: answer it.
            if COUNTER.search(pending) and pending.rstrip().endswith(":"):
                question = COUNTER.split(pending, maxsplit=1)[-1].strip().splitlines()[0]
                questions.append(question)
                typed = next((value for text, value in choose.items() if question.startswith(text)), "")
                os.write(leader, (typed + "\r").encode())
                pending = ""
            elif process.poll() is not None:
                break
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(leader)
    assert process.returncode == 0, ANSI.sub("", seen)[-3000:]
    return questions, out


def snapshot(project: Path) -> dict[str, bytes]:
    return {
        str(path): (project / path).read_bytes()
        for path in baked_files(project)
        if path.name != ".cruft.json"
    }


@pytest.mark.parametrize("name", ["drf-page-number", "github"])
def test_pressing_enter_through_the_prompts_bakes_the_presets_project(cookies, tmp_path, name):
    number = str(list(json.loads((TEMPLATE / "cookiecutter.json").read_text())["api_preset"]).index(name) + 1)

    questions, out = bake_interactively(tmp_path, {"Which API framework": number})

    print(f"{name}: {len(questions)} prompts")
    non_interactive = cookies.bake(extra_context={"api_preset": name})
    assert snapshot(out / "airflow-movielens") == snapshot(non_interactive.project_path)
    # Every question cookiecutter.json holds is asked: cookiecutter 2.7 has no conditional prompts.
    visible = [
        key for key in json.loads((TEMPLATE / "cookiecutter.json").read_text()) if not key.startswith("_")
    ]
    assert len(questions) == len(visible)
