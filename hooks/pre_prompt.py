"""Ask first the answers that decide which questions matter, so a terminal bake asks only those.

Cookiecutter has no conditional questions. It runs this hook on a temporary copy of the template
before it asks anything. When a person runs the cookiecutter command in a terminal, the hook asks
for the API's preset, auth type and date filter (and, for the custom preset, its paging), then
rewrites the copy's cookiecutter.json: every question those answers make irrelevant, and the few
whose default is derived or conventional, becomes a private ``__settled_<name>`` entry that
cookiecutter fills in without asking. The templates read answers through the ``answers`` filter of
local_extensions.py, which gives settled answers their own names back.

Anything else leaves cookiecutter.json as it is, so every question keeps its name: --no-input,
--replay, the Python API (scripts, tests, cruft), terminals this hook cannot read its command from
(Windows) and a relative config file it cannot find from the copy. An answer given by name on the
command line or in the user's config file is never settled: cookiecutter asks it with that value
as the default, as it always does. The post-generation hook writes the replay of a settled bake
under the questions' own names, so a --replay of it, anywhere, asks nothing.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

# Cookiecutter runs this hook with the template copy as the working directory.
sys.path.insert(0, str(Path.cwd()))
from local_extensions import SETTLED, preset_answer

# Derived from earlier answers or conventional for a first release; each is one edit away later.
NEVER_ASKED = ["description", "version", "connection_id", "python_floor"]
AUTH_QUESTIONS = {
    "basic": [],
    "none": [],
    "bearer": ["token_prefix"],
    "api_key": ["api_key_name", "api_key_in"],
    "oauth2_client_credentials": ["token_url", "client_auth"],
}
PAGING_QUESTIONS = {
    "offset": ["records_key", "total_key", "total_header", "offset_param", "limit_param"],
    "page": ["records_key", "total_key", "total_pages_key", "total_header", "page_param", "limit_param"],
    "cursor": ["records_key", "total_header", "cursor_param", "next_cursor_key", "limit_param"],
    "next_url": ["records_key", "total_header", "next_url_key", "limit_param"],
    "link_header": ["records_key", "total_header", "limit_param"],
}
PAGE_LIMITS = ["max_page_size", "extra_params"]
PAGING = sorted(
    {"pagination", *PAGE_LIMITS, *(question for group in PAGING_QUESTIONS.values() for question in group)}
)
WINDOW_QUESTIONS = ["start_param", "end_param", "window_end", "api_timezone"]
PRESET_DEFAULT = re.compile(r"\{\{ cookiecutter\.api_preset \| preset\('(\w+)'\) \}\}")
REFERENCE = re.compile(r"cookiecutter\.(\w+)")


def parent_arguments():
    """The command line of the process that runs this hook (cookiecutter's own), or [] if unreadable."""
    parent = os.getppid()
    try:
        raw = Path(f"/proc/{parent}/cmdline").read_bytes()
        return [part.decode(errors="replace") for part in raw.split(b"\0") if part]
    except OSError:
        pass
    if os.name == "nt":
        return []
    try:
        run = subprocess.run(
            ["ps", "-o", "args=", "-p", str(parent)], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return run.stdout.split()


def command_options(arguments):
    """The cookiecutter command's parsed options, or None when no cookiecutter command started us.

    Only the command itself counts: ``cookiecutter ...``, ``python .../cookiecutter ...`` (how a
    console script runs) or ``python -m cookiecutter ...``, not a script that merely has an
    argument named cookiecutter-something.
    """
    if arguments and Path(arguments[0]).stem == "cookiecutter":
        rest = arguments[1:]
    elif len(arguments) > 1 and Path(arguments[0]).name.startswith("python"):
        if Path(arguments[1]).stem == "cookiecutter":
            rest = arguments[2:]
        elif arguments[1:3] == ["-m", "cookiecutter"]:
            rest = arguments[3:]
        else:
            return None
    else:
        return None
    from cookiecutter.cli import main as cookiecutter_command

    try:
        context = cookiecutter_command.make_context("cookiecutter", rest, resilient_parsing=True)
    except Exception:  # an unreadable command line is treated as not interactive
        return None
    return context.params


def launch_path(path):
    """``path`` as cookiecutter sees it, or None if it is relative to a directory we cannot know.

    The hook runs in the template's temporary copy, so a relative path given to cookiecutter
    (a config file) is taken against $PWD, the directory the shell started cookiecutter in.
    """
    path = Path(path).expanduser()
    if path.is_absolute():
        return path
    start = os.environ.get("PWD")
    found = Path(start) / path if start else None
    return found if found is not None and found.is_file() else None


def user_config(options):
    """The user's cookiecutter config, as cookiecutter reads it for this command, or None."""
    from cookiecutter.config import get_user_config

    config_file = options.get("config_file") or None
    environment_file = os.environ.get("COOKIECUTTER_CONFIG")
    if config_file is None and environment_file and not options.get("default_config"):
        config_file = environment_file
    if config_file is not None:
        config_file = launch_path(config_file)
        if config_file is None:
            return None
    try:
        return get_user_config(
            config_file=config_file and str(config_file), default_config=bool(options.get("default_config"))
        )
    except Exception:  # cookiecutter reports a broken config file itself, right after
        return None


def given_by_name(options, config):
    """Answers named on the command line (key=value) or in the user's config file."""
    given = dict(config.get("default_context") or {})
    named = options.get("extra_context") or {}
    if not isinstance(named, dict):  # click without cookiecutter's callback: the key=value texts
        named = dict(pair.split("=", 1) for pair in named if "=" in pair)
    given.update(named)
    return given


def terminal_options():
    """The command's options when a person runs the cookiecutter command in a terminal."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return None
    return command_options(parent_arguments())


def choices(raw, preset):
    """A choice question's options with the default first and listed once."""
    first = PRESET_DEFAULT.sub(lambda match: preset_answer(preset, match[1]), raw[0])
    return [first, *(option for option in raw[1:] if option != first)]


def ask(key, options, prompts, number, default=None):
    """Ask one choice question the way cookiecutter asks its own, numbered apart from them."""
    from cookiecutter.prompt import read_user_choice

    if default in options:
        options = [default, *(option for option in options if option != default)]
    return read_user_choice(key, options, prompts, f"  [dim][{number}][/] ")


def settle(template, answers, settled, preset):
    """cookiecutter.json with ``answers`` fixed and ``settled`` questions private, in the same order."""

    def rewrite(value):
        if isinstance(value, str):
            value = PRESET_DEFAULT.sub(lambda match: preset_answer(preset, match[1]), value)
            return REFERENCE.sub(
                lambda match: f"cookiecutter.{SETTLED}{match[1]}" if match[1] in names else match[0], value
            )
        if isinstance(value, list):
            return [rewrite(item) for item in value]
        return value

    names = set(answers) | set(settled)
    result = {}
    for key, raw in template.items():
        if key in answers:
            result[SETTLED + key] = answers[key]
        elif key in settled:
            result[SETTLED + key] = rewrite(raw[0] if isinstance(raw, list) else raw)
        elif isinstance(raw, list) and not key.startswith("_"):
            result[key] = rewrite(choices(raw, preset))
        elif key.startswith("_") and isinstance(raw, (dict, list)):
            result[key] = raw
        else:
            result[key] = rewrite(raw)
    return result


def main():
    options = terminal_options()
    if options is None or options.get("no_input") or options.get("replay") or options.get("replay_file"):
        return 0
    config = user_config(options)
    if config is None:
        return 0  # a config file we cannot find from here: ask every question rather than miss its answers
    template_file = Path("cookiecutter.json")
    template = json.loads(template_file.read_text(encoding="utf-8"))
    prompts = template.get("__prompts__", {})
    given = given_by_name(options, config)

    preset = ask("api_preset", template["api_preset"], prompts, 1, given.get("api_preset"))
    answers = {"api_preset": preset}
    first = ["auth_type", "date_filter"] + (["pagination"] if preset == "custom" else [])
    for number, key in enumerate(first, start=2):
        answers[key] = ask(key, choices(template[key], preset), prompts, number, given.get(key))

    pagination = answers.get("pagination", given.get("pagination", preset_answer(preset, "pagination")))
    asked = set(AUTH_QUESTIONS.get(answers["auth_type"], []))
    if preset == "custom":
        asked.update(PAGING_QUESTIONS.get(pagination, PAGING), PAGE_LIMITS)
    if answers["date_filter"] != "none":
        asked.update(WINDOW_QUESTIONS)
    optional = {*NEVER_ASKED, *(key for group in AUTH_QUESTIONS.values() for key in group), *PAGING}
    optional.update(WINDOW_QUESTIONS)
    settled = [key for key in template if key in optional and key not in asked and key not in given]
    rewritten = settle(template, answers, settled, preset)
    # Where cookiecutter writes this bake's replay (named after the template folder, which the copy
    # keeps): the post-generation hook gives the settled answers their names there, so a replay works.
    rewritten["_replay_file"] = str(Path(config["replay_dir"]) / f"{Path.cwd().name}.json")
    template_file.write_text(json.dumps(rewritten, indent=2), encoding="utf-8")
    print()
    if preset != "custom":
        shown = ["pagination", *PAGING_QUESTIONS.get(pagination, []), *PAGE_LIMITS]
        pairs = ", ".join(
            f"{key}={preset_answer(preset, key)}"
            for key in shown
            if key in settled and preset_answer(preset, key)
        )
        print(f"The {preset} preset answers: {pairs}")
    named = ", ".join(key for key in settled if key in NEVER_ASKED)
    print(f"Not asked, their defaults kept: {named}, and the questions of what you did not choose.")
    print("Name any question to answer it: cookiecutter <template> version=1.0.0 python_floor=3.11\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
