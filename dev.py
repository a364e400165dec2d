#!/usr/bin/env python3
"""
The template's commands, needing only python3 (3.10+) and pip:

    python3 dev.py demo             bake the default provider and run its example DAG end to end
    python3 dev.py test [ARGS]      run every test of the template (ARGS go to pytest)
    python3 dev.py bench [OPTIONS]  benchmark the default provider (--help for the options)
    python3 dev.py where            print the development venv (its bin/ has pytest, ruff, cookiecutter)

Each first makes a venv and installs requirements-dev.txt into it (with uv, which pip
installs; about a minute the first time, skipped when nothing changed). `test` also installs
the real framework servers that tests/test_real_frameworks.py runs: tests/frameworks/requirements.txt
into a second venv, and json-server with npm (Node.js 18 or newer); seconds, skipped when nothing
changed. All three live in a folder of this checkout's own outside it, under the user's cache
(`python3 dev.py where` prints it; DEV_HOME overrides it): cookiecutter copies the whole template
folder on every bake because the template has a pre_prompt hook, and a venv inside would be copied too.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def dev_home() -> Path:
    """Where this checkout keeps its venvs and node modules: DEV_HOME, or a folder under the user's cache."""
    if os.environ.get("DEV_HOME"):
        return Path(os.environ["DEV_HOME"]).resolve()
    cache = (
        os.environ.get("XDG_CACHE_HOME")
        or (os.environ.get("LOCALAPPDATA") if os.name == "nt" else None)
        or Path.home() / ".cache"
    )
    # One folder per checkout, so two clones (or worktrees) never share or fight over a venv.
    checkout = hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
    return Path(cache) / "cookiecutter-airflow-provider" / f"{ROOT.name}-{checkout}"


DEV_HOME = dev_home()
VENV = DEV_HOME / "venv"
REQUIREMENTS = ROOT / "requirements-dev.txt"
DEMO_DIR = ROOT / "build" / "demo"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
# uv, unlike pip, leaves compiling to bytecode to the first import, and an environment that
# sets PYTHONDONTWRITEBYTECODE (as some CI images do) would then compile every import of
# every process from source: cookiecutter and Airflow would start several times slower than
# they do for a user who installed them with pip.
UV_FLAGS = ("--compile-bytecode",)
UV_INSTALL = ("uv", "pip", "install", "--python", str(PYTHON), *UV_FLAGS)
# The framework servers live apart from the development venv: Airflow pins its own FastAPI and Starlette.
FRAMEWORKS = ROOT / "tests" / "frameworks"
FRAMEWORKS_VENV = DEV_HOME / "venv-frameworks"
FRAMEWORKS_PYTHON = FRAMEWORKS_VENV / PYTHON.relative_to(VENV)
NODE_FRAMEWORKS = DEV_HOME / "node-frameworks"
JSON_SERVER = (
    NODE_FRAMEWORKS / "node_modules" / ".bin" / ("json-server.cmd" if os.name == "nt" else "json-server")
)


def run(*command: object, **kwargs) -> None:
    """Run a command, echoing it, and stop with its exit code if it fails."""
    printable = " ".join(str(part) for part in command)
    print(f"+ {printable}", flush=True)
    completed = subprocess.run([str(part) for part in command], **kwargs)
    if completed.returncode != 0:
        raise SystemExit(completed.returncode)


def ensure_environment() -> None:
    """Create the development venv and install the requirements, unless they are already installed as listed."""
    if sys.version_info < (3, 10):  # noqa: UP036 - dev.py must explain itself to an older python3
        raise SystemExit(f"Python 3.10 or newer is needed; this is {sys.version.split()[0]}.")
    for old in (".venv", ".venv-frameworks", ".node-frameworks"):
        if (ROOT / old).is_dir():
            print(
                f"Note: {ROOT / old} is left from an older dev.py; cookiecutter copies it on every bake"
                f" now (the template has a pre_prompt hook), so remove it. The venv is {VENV}.",
                file=sys.stderr,
            )
    ensure_venv(VENV, REQUIREMENTS)


def ensure_venv(folder: Path, requirements: Path) -> None:
    """Create the venv ``folder`` and install ``requirements`` into it, unless already installed as listed."""
    python = folder / PYTHON.relative_to(VENV)
    stamp = folder / ".requirements.sha256"
    # The install flags are part of the stamp, so a change to them reinstalls too.
    wanted = hashlib.sha256(requirements.read_bytes() + " ".join(UV_FLAGS).encode()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return
    if not python.exists():
        print(f"Creating {folder}", flush=True)
        try:
            # Symlinks keep interpreters that find their library relative to themselves working.
            venv.create(folder, with_pip=True, symlinks=os.name != "nt")
        except Exception as error:  # ensurepip missing, as on some Debian-based systems
            shutil.rmtree(folder, ignore_errors=True)
            raise SystemExit(
                f"Could not create {folder}: {error}. On Debian or Ubuntu, install python3-venv first."
            ) from None
    run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "uv")
    run(python, "-m", "uv", "pip", "install", "--python", python, *UV_FLAGS, "-r", requirements)
    stamp.write_text(wanted)


def ensure_frameworks() -> None:
    """
    Install the real framework servers of tests/test_real_frameworks.py, unless already installed.

    Django REST framework and fastapi-pagination go into their own venv; json-server, pinned
    with every dependency by tests/frameworks/json-server/package-lock.json, into node-frameworks.
    """
    ensure_venv(FRAMEWORKS_VENV, FRAMEWORKS / "requirements.txt")
    package = FRAMEWORKS / "json-server"
    manifests = [package / "package.json", package / "package-lock.json"]
    stamp = NODE_FRAMEWORKS / ".package-lock.sha256"
    wanted = hashlib.sha256(b"".join(path.read_bytes() for path in manifests)).hexdigest()
    if JSON_SERVER.exists() and stamp.exists() and stamp.read_text() == wanted:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            "The json-server tests need Node.js 18 or newer with npm on PATH (Debian: apt-get install npm)."
        )
    NODE_FRAMEWORKS.mkdir(parents=True, exist_ok=True)
    for path in manifests:
        shutil.copyfile(path, NODE_FRAMEWORKS / path.name)
    run(npm, "ci", "--prefix", NODE_FRAMEWORKS, "--no-audit", "--no-fund", "--loglevel", "error")
    stamp.write_text(wanted)


def demo() -> int:
    """Bake the provider with the default answers into build/demo and run its demo.py."""
    ensure_environment()
    shutil.rmtree(DEMO_DIR, ignore_errors=True)
    DEMO_DIR.mkdir(parents=True)
    run(BIN / "cookiecutter", "--no-input", "--output-dir", DEMO_DIR, ROOT)
    (project,) = DEMO_DIR.iterdir()
    run(PYTHON, "-m", *UV_INSTALL, "--quiet", "-e", project)
    run(PYTHON, project / "demo.py", cwd=project)
    print(f"\nThe baked project is in {project}; its README says how to adapt and publish it.")
    return 0


def test(pytest_args: list[str]) -> int:
    """Run the template's test suite, which bakes projects and runs their own suites."""
    ensure_environment()
    ensure_frameworks()
    return subprocess.run([str(PYTHON), "-m", "pytest", *pytest_args], cwd=ROOT).returncode


def bench(options: list[str]) -> int:
    """Run benchmarks/bench.py, which bakes the default provider into build/bench and measures it."""
    ensure_environment()
    process = subprocess.Popen([str(PYTHON), str(ROOT / "benchmarks" / "bench.py"), *options], cwd=ROOT)
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            continue  # the benchmark got the same Ctrl-C and is stopping its servers and removing its files


def main(argv: list[str]) -> int:
    commands = {
        "demo": lambda: demo(),
        "test": lambda: test(argv[1:]),
        "bench": lambda: bench(argv[1:]),
        "where": lambda: print(VENV) or 0,
    }
    if not argv or argv[0] not in commands:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    return commands[argv[0]]()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
