"""The cookiecutter command in a terminal, driven as a person would drive it.

Each test runs the real command in a pseudo-terminal, answers some prompts, presses Enter at the
rest and records which questions were asked. hooks/pre_prompt.py asks the preset, auth type and
date filter first and settles the questions they make irrelevant; the bake must still equal the
--no-input bake of the same answers, and .cruft.json must record every answer by its name.
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
from conftest import BIN, TEMPLATE, baked_files, cruft_state

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")
# cookiecutter numbers its prompts [3/20]; the pre_prompt hook numbers its own [1], [2], [3].
COUNTER = re.compile(r"\[(\d+)(?:/(\d+))?\]")
OPTION = re.compile(r"^\s+(\d+) - (.*)$", re.MULTILINE)
CONTEXT = json.loads((TEMPLATE / "cookiecutter.json").read_text())
PROMPTS = CONTEXT["__prompts__"]
QUESTIONS = [key for key in CONTEXT if not key.startswith("_")]
NAMING = [
    "provider_name", "records_name", "item_name", "package_name", "module_name", "class_prefix",
    "author_name", "author_email", "repository_url", "license",
]  # fmt: skip
API = ["api_preset", "auth_type", "date_filter", "api_base_url", "api_endpoint"]
WINDOW = ["start_param", "end_param", "window_end", "api_timezone"]
RECORDS = ["item_key", "user_key", "score_key"]
CUSTOM_CURSOR_OAUTH2 = [
    *API[:3], "pagination", *NAMING, *API[3:], "token_url", "client_auth",
    "records_key", "total_header", "limit_param", "cursor_param", "next_cursor_key",
    "max_page_size", "extra_params", *WINDOW, *RECORDS,
]  # fmt: skip


def prompt_text(key: str) -> str:
    text = PROMPTS[key]
    return text if isinstance(text, str) else text["__prompt__"]


def question_key(question: str) -> str:
    """The question a prompt asks, found by its prompt text (the longest that fits)."""
    keys = [key for key in QUESTIONS if question.startswith(prompt_text(key))]
    assert keys, f"no question has the prompt {question!r}"
    return max(keys, key=lambda key: len(prompt_text(key)))


def typed_answer(key: str, value: str, block: str) -> str:
    """What to type for ``value``: the text itself, or the number of the option showing it."""
    options = dict((label, number) for number, label in OPTION.findall(block))
    if not options:
        return value
    labels = PROMPTS[key] if isinstance(PROMPTS[key], dict) else {}
    label = labels.get(value, value)
    assert label in options, f"{key}: {value!r} is not among the options {list(options)}"
    return options[label]


def bake_interactively(
    tmp_path: Path,
    choose: dict[str, str],
    *named: str,
    options: tuple[str, ...] = (),
    template: str = str(TEMPLATE),
    cwd: Path | None = None,
    output: str = "interactive",
    command: list[str] | None = None,
    shell_directory: Path | None = None,
) -> tuple[list[str], Path, str]:
    """Run cookiecutter (or ``command``) in a pseudo-terminal, answer ``choose`` (question -> value)
    and press Enter everywhere else; return the questions asked, in order, the output folder and
    the transcript. $PWD is ``shell_directory``, else ``cwd``, as a shell that ran cd would set it."""
    out = tmp_path / output
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}
    env.update(HOME=str(tmp_path), COLUMNS="300", LINES="50", TERM="xterm")
    env["PWD"] = str(shell_directory or cwd or Path.cwd())
    leader, follower = os.openpty()
    process = subprocess.Popen(
        command or [str(BIN / "cookiecutter"), "--output-dir", str(out), *options, template, *named],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        cwd=cwd,
        close_fds=True,
    )
    os.close(follower)
    asked, seen, pending = [], "", ""
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
                block = COUNTER.split(pending, maxsplit=1)[-1]
                key = question_key(block.strip().splitlines()[0])
                asked.append(key)
                typed = typed_answer(key, choose[key], block) if key in choose else ""
                os.write(leader, (typed + "\r").encode())
                pending = ""
            elif process.poll() is not None:
                break
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(leader)
    transcript = ANSI.sub("", seen)
    assert process.returncode == 0, transcript[-3000:]
    return asked, out, transcript


def files(project: Path) -> dict[str, bytes]:
    return {str(path): (project / path).read_bytes() for path in baked_files(project)}


def assert_same_bake(interactive: Path, non_interactive: Path) -> None:
    """The two bakes are the same project, and .cruft.json records the same answers by name."""
    assert files(interactive) == files(non_interactive)


@pytest.mark.parametrize(
    ("choose", "expected"),
    [
        pytest.param(
            {"api_preset": "github"},
            [*API[:3], *NAMING, *API[3:], "token_prefix", *WINDOW, *RECORDS],
            id="github-bearer-dates",
        ),
        pytest.param(
            {"api_preset": "drf-page-number", "date_filter": "none"},
            [*API[:3], *NAMING, *API[3:], *RECORDS],
            id="drf-basic-no-dates",
        ),
        pytest.param(
            {"api_preset": "fastapi-pagination", "auth_type": "api_key", "date_filter": "none"},
            [*API[:3], *NAMING, *API[3:], "api_key_name", "api_key_in", *RECORDS],
            id="fastapi-api-key-no-dates",
        ),
        pytest.param(
            {
                "api_preset": "custom",
                "auth_type": "oauth2_client_credentials",
                "date_filter": "epoch_seconds",
                "pagination": "cursor",
                "cursor_param": "after",
                "client_auth": "basic",
            },
            CUSTOM_CURSOR_OAUTH2,
            id="custom-cursor-oauth2-epoch",
        ),
    ],
)
def test_a_terminal_bake_asks_only_what_the_first_answers_leave_open(cookies, tmp_path, choose, expected):
    asked, out, transcript = bake_interactively(tmp_path, choose)

    assert asked == expected
    if choose["api_preset"] != "custom" and choose.get("date_filter") == "none":
        assert len(asked) <= 20
    non_interactive = cookies.bake(extra_context=choose)
    assert non_interactive.exit_code == 0, non_interactive.exception
    assert_same_bake(out / "airflow-movielens", non_interactive.project_path)
    context = cruft_state(out / "airflow-movielens")["context"]["cookiecutter"]
    # Settled answers are recorded under their names, so cruft update bakes the same project.
    assert [key for key in context if not key.startswith("_")] == QUESTIONS
    assert not [key for key in context if key.startswith("__settled_")]
    assert "Not asked, their defaults kept: description, version, connection_id, python_floor" in transcript
    if choose["api_preset"] == "github":
        assert "The github preset answers: pagination=link_header, limit_param=per_page," in transcript


def test_a_template_given_as_a_relative_path_is_recorded_as_the_template_not_its_copy(tmp_path):
    asked, out, _ = bake_interactively(tmp_path, {"date_filter": "none"}, template=".", cwd=TEMPLATE)

    state = cruft_state(out / "airflow-movielens")
    assert state["template"] == str(TEMPLATE)
    assert asked[:3] == API[:3]


def test_no_input_in_a_terminal_asks_nothing_and_bakes_the_defaults(cookies, tmp_path):
    asked, out, transcript = bake_interactively(tmp_path, {}, "version=2.0.0", options=("--no-input",))

    assert asked == []
    assert "Not asked" not in transcript
    non_interactive = cookies.bake(extra_context={"version": "2.0.0"})
    assert_same_bake(out / "airflow-movielens", non_interactive.project_path)


def test_answers_given_by_name_in_a_terminal_are_the_defaults_and_are_not_settled(cookies, tmp_path):
    asked, out, _ = bake_interactively(tmp_path, {}, "api_preset=json-server", "version=2.0.0")

    # version is normally settled; named, it is asked with the given value as its default.
    assert "version" in asked
    assert asked[0] == "api_preset"
    non_interactive = cookies.bake(extra_context={"api_preset": "json-server", "version": "2.0.0"})
    assert_same_bake(out / "airflow-movielens", non_interactive.project_path)
    context = cruft_state(out / "airflow-movielens")["context"]["cookiecutter"]
    assert (context["api_preset"], context["version"], context["pagination"]) == (
        "json-server",
        "2.0.0",
        "link_header",
    )


def test_a_replay_of_a_terminal_bake_asks_nothing_and_bakes_the_same_project(tmp_path):
    choose = {"api_preset": "fastapi-pagination", "auth_type": "bearer", "provider_name": "Ratings Hub"}
    asked, out, _ = bake_interactively(tmp_path, choose)
    assert "token_prefix" in asked
    replay = json.loads((tmp_path / ".cookiecutter_replay" / f"{TEMPLATE.name}.json").read_text())
    assert replay["cookiecutter"]["version"] == "0.1.0"
    assert not [key for key in replay["cookiecutter"] if key.startswith("__settled_")]

    replayed, again, _ = bake_interactively(tmp_path, {}, options=("--replay",), output="again")
    assert replayed == []
    assert files(again / "airflow-ratings-hub") == files(out / "airflow-ratings-hub")

    # Without a terminal (a script, CI) the replay needs no hook at all.
    piped = tmp_path / "piped"
    done = subprocess.run(
        [str(BIN / "cookiecutter"), "--replay", "--output-dir", str(piped), str(TEMPLATE)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(tmp_path)},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert files(piped / "airflow-ratings-hub") == files(out / "airflow-ratings-hub")


@pytest.mark.parametrize("found", [True, False], ids=["shell-in-its-folder", "pwd-elsewhere"])
def test_a_relative_config_file_gives_its_answers_as_defaults(cookies, tmp_path, found):
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "bakes.yaml").write_text(
        'default_context:\n  version: "2.0.0"\n  author_name: "Grace Hopper"\n'
    )

    asked, out, _ = bake_interactively(
        tmp_path,
        {},
        options=("--config-file", "bakes.yaml"),
        cwd=folder,
        shell_directory=None if found else tmp_path,
    )

    assert "version" in asked
    # Found, the file's answers are asked; not found from the hook, every question is.
    assert len(asked) == (23 if found else len(QUESTIONS))
    context = cruft_state(out / "airflow-movielens")["context"]["cookiecutter"]
    assert (context["version"], context["author_name"]) == ("2.0.0", "Grace Hopper")
    non_interactive = cookies.bake(extra_context={"version": "2.0.0", "author_name": "Grace Hopper"})
    assert_same_bake(out / "airflow-movielens", non_interactive.project_path)


def test_a_script_with_an_argument_named_after_cookiecutter_is_not_asked_anything(tmp_path):
    script = tmp_path / "bake.py"
    script.write_text(
        "import sys\n"
        "from cookiecutter.main import cookiecutter\n"
        f"cookiecutter({str(TEMPLATE)!r}, no_input=True, output_dir={str(tmp_path / 'interactive')!r})\n"
    )

    asked, out, transcript = bake_interactively(
        tmp_path, {}, command=[str(BIN / "python"), str(script), "cookiecutter.yaml"]
    )

    assert asked == []
    assert "Not asked" not in transcript
    assert (out / "airflow-movielens" / "setup.py").is_file()
