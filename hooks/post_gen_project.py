"""Record how the provider was baked; tell the user where it is, what comes next and what to register on PyPI."""

import json
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

# Pairs rather than a mapping: tojson sorts keys, and .cruft.json keeps the questions' order.
# Under their own names, also the ones hooks/pre_prompt.py settled instead of asking.
ANSWERS = dict(json.loads(r"""{{ (cookiecutter | answers).items() | list | tojson }}"""))
LAUNCH_DIRECTORY = Path(json.loads(r"""{{ {"path": launch_directory} | tojson }}""")["path"])
# Prompt texts and what cookiecutter adds for this one run; cruft records none of them.
NOT_RECORDED = {"__prompts__", "_template", "_output_dir", "_repo_dir", "_checkout", "_replay_file"}
# A template given as a URL, scp-like address or abbreviation (gh:, gl:, bb:) rather than a
# path; a Windows drive letter followed by a separator is still a path.
REMOTE_TEMPLATE = re.compile(r"^(?![A-Za-z]:[\\/])[^\\/]*:")

GITHUB_HOSTS = {"github.com", "www.github.com"}


def git(directory: Path, *args: str):
    """Output of a read-only git command in ``directory``, or None if git or the repository is missing."""
    try:
        run = subprocess.run(
            # No optional locks: `git status` would otherwise write .git/index.lock in the template
            # while another bake's cookiecutter copies the template folder (its pre_prompt hook).
            ["git", "--no-optional-locks", "-C", str(directory), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return run.stdout.strip() if run.returncode == 0 else None


def template_checkout(answers: dict):
    """The template folder to record, and whether it is the temporary copy cookiecutter baked from.

    With a pre_prompt hook, cookiecutter bakes from a copy of the template that it deletes
    afterwards. A template given as a path is recorded as that path (or, baked with --directory,
    as the one folder in it that holds a template of this name); a remote one (a URL or gh:) was
    cloned by cookiecutter, and the copy's .git is a copy of that clone's, origin and all. None
    when neither is found: the copy must not be recorded, it is gone once the bake ends.
    """
    copy = Path(answers["_repo_dir"])
    given = answers["_template"]
    if not REMOTE_TEMPLATE.match(given):
        path = Path(given).expanduser()
        path = (path if path.is_absolute() else LAUNCH_DIRECTORY / path).resolve()
        if (path / "cookiecutter.json").is_file():
            return path, False
        listed = git(path, "ls-files", "--", f"*{copy.name}/cookiecutter.json") if path.is_dir() else None
        found = [path / line.rsplit("/", 1)[0] for line in (listed or "").splitlines()]
        found = [folder for folder in found if folder.name == copy.name]
        return (found[0], False) if len(found) == 1 else (None, False)
    if git(copy, "remote", "get-url", "origin"):
        return copy, True
    return None, False


def cruft_state(answers: dict, template_directory: Path):
    """The .cruft.json that `cruft create` would have written, or None if the template is not in git."""
    if git(template_directory, "ls-files", "--error-unmatch", "cookiecutter.json") is None:
        return None
    commit = git(template_directory, "rev-parse", "HEAD")
    top_level = git(template_directory, "rev-parse", "--show-toplevel")
    prefix = git(template_directory, "rev-parse", "--show-prefix")
    given = answers["_template"]
    # Cookiecutter cloned a remote template; its origin is the URL cruft can clone again.
    origin = git(template_directory, "remote", "get-url", "origin") if REMOTE_TEMPLATE.match(given) else None
    template = origin or top_level
    context = {key: value for key, value in answers.items() if key not in NOT_RECORDED}
    context.update(_template=template, _commit=commit)
    return {
        "template": template,
        "commit": commit,
        "checkout": answers.get("_checkout"),
        "context": {"cookiecutter": context},
        "directory": prefix.rstrip("/") or None,
    }


def record_answers(project: Path, answers: dict) -> str:
    """Write .cruft.json for a plain cookiecutter bake; return a note for the user."""
    if "_commit" in answers:
        # Baked by cruft, which writes .cruft.json itself once this hook returns.
        return "Answers and template commit are in .cruft.json; `cruft update` applies template changes."
    template_directory, copied = template_checkout(answers)
    if template_directory is None:
        return (
            f"Cookiecutter baked from a temporary copy of {answers['_template']} and the template itself\n"
            "could not be found from it, so nothing records this bake; `cruft link <template URL>`\n"
            "links the project to its template later, for `cruft update`."
        )
    state = cruft_state(answers, template_directory)
    if state is None:
        return (
            f"The template in {template_directory} is not a git checkout, so nothing records this bake;\n"
            "bake from a git clone (or with `cruft create`) to be able to `cruft update` later."
        )
    text = json.dumps(state, ensure_ascii=False, indent=2, separators=(",", ": ")) + "\n"
    (project / ".cruft.json").write_text(text, encoding="utf-8")
    note = "Answers and template commit are in .cruft.json; `cruft update` applies template changes."
    # In the copy, the pre_prompt hook may have rewritten cookiecutter.json; that is no change of the user's.
    ignored = [":(exclude)cookiecutter.json"] if copied else []
    if git(template_directory, "status", "--porcelain", "--", ".", *ignored):
        note += (
            f"\nThe template has uncommitted changes: .cruft.json records commit {state['commit'][:12]},"
            "\nso `cruft update` will treat what those changes baked as your own edits."
        )
    return note


def github_repository(url):
    """The (owner, repository) of a github.com URL, or None when the URL names no GitHub repository."""
    parts = urlsplit(url)
    segments = [segment for segment in parts.path.split("/") if segment]
    if (parts.hostname or "").lower() not in GITHUB_HOSTS or len(segments) < 2:
        return None
    owner, repository = segments[0], segments[1]
    return owner, repository.removesuffix(".git")


def trusted_publisher(package_name, repository_url):
    """The values of PyPI's trusted-publisher form, exactly as release.yml needs them."""
    found = github_repository(repository_url)
    if found:
        owner, repository = found
    else:
        owner = "<the GitHub user or organisation that will host the repository>"
        repository = "<the GitHub repository's name>"
    lines = [
        f"  PyPI Project Name: {package_name}",
        f"  Owner:             {owner}",
        f"  Repository name:   {repository}",
        "  Workflow name:     release.yml",
        "  Environment name:  pypi",
    ]
    if not found:
        lines.append(
            f"  (repository_url {repository_url} is not a github.com repository, so fill in Owner and\n"
            "  Repository name for the GitHub repository whose Actions will run release.yml.)"
        )
    return "\n".join(lines)


def next_steps(project, package_name, repository_url, note):
    """The message printed after a successful bake."""
    return f"""
Baked {package_name} in {project}

Next:
  cd {project.name} && python3 -m venv .venv && . .venv/bin/activate
  pip install -e ".[dev]"    # install the provider with its test tools
  pytest                     # run its tests against the local API (about 3 minutes)
  python demo.py             # run the example DAG end to end and print the top movies
  pre-commit install         # once in a git repository: lint and tidy every commit

Before the first release, add a pending trusted publisher on PyPI, GitHub tab of
https://pypi.org/manage/account/publishing/, with these values (no API token is needed):
{trusted_publisher(package_name, repository_url)}

{note}
"""


def name_replayed_answers(answers: dict) -> None:
    """Write the replay of a bake whose questions the pre_prompt hook settled under their own names.

    Cookiecutter wrote the replay before generating, with the settled answers under their private
    names; replayed as they are, cookiecutter would ask those questions again.
    """
    replay = Path(answers.get("_replay_file") or "")
    if not replay.name or not replay.is_file():
        return
    try:
        recorded = json.loads(replay.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    recorded["cookiecutter"] = answers
    replay.write_text(json.dumps(recorded, indent=2), encoding="utf-8")


def main():
    """Cookiecutter runs this hook inside the freshly baked project."""
    project = Path.cwd()
    name_replayed_answers(ANSWERS)
    note = record_answers(project, ANSWERS)
    print(next_steps(project, ANSWERS["package_name"], ANSWERS["repository_url"], note))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
