"""Tell the user where the baked provider is and the three commands that come next."""

import json
from pathlib import Path

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")


def next_steps(project: Path, package_name: str) -> str:
    """The message printed after a successful bake."""
    return f"""
Baked {package_name} in {project}

Next:
  cd {project.name} && python3 -m venv .venv && . .venv/bin/activate
  pip install -e ".[dev]"    # install the provider with its test tools
  pytest                     # run its tests against the local API (about a minute)
  python demo.py             # run the example DAG end to end and print the top movies

Before the first release, register a trusted publisher on PyPI for {package_name}:
your GitHub repository, workflow release.yml, environment pypi.
"""


def main() -> int:
    """Cookiecutter runs this hook inside the freshly baked project."""
    print(next_steps(Path.cwd(), ANSWERS["package_name"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
