"""Baking with the default answers gives a complete, valid MovieLens provider project."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys

import yaml
from conftest import TEMPLATE, assert_baked_files_parse, baked_files, ruff_findings, setup_keywords

EXPECTED_FILES = {
    ".cruft.json",
    ".github/dependabot.yml",
    ".github/release-requirements.in",
    ".github/release-requirements.txt",
    ".github/workflows/ci.yml",
    ".github/workflows/release.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
    "CHANGELOG.md",
    "LICENSE",
    "README.md",
    "demo.py",
    "pyproject.toml",
    "setup.py",
    "tox.ini",
    "src/airflow_movielens/__init__.py",
    "src/airflow_movielens/api.py",
    "src/airflow_movielens/check.py",
    *(
        f"src/airflow_movielens/client/{name}.py"
        for name in (
            "__init__",
            "api",
            "auth",
            "body",
            "client",
            "deadline",
            "errors",
            "limits",
            "origins",
            "pacing",
            "paginators",
            "paging",
            "quota",
            "redaction",
            "retry",
            "settings",
            "splitting",
            "transport",
            "windows",
        )
    ),
    "src/airflow_movielens/example_dags/__init__.py",
    "src/airflow_movielens/example_dags/movielens_ratings.py",
    "src/airflow_movielens/hooks.py",
    "src/airflow_movielens/operators.py",
    "src/airflow_movielens/py.typed",
    "src/airflow_movielens/ranking.py",
    "src/airflow_movielens/sensors.py",
    "src/airflow_movielens/storage.py",
    "src/airflow_movielens/testing/__init__.py",
    "src/airflow_movielens/testing/local_api.py",
    "src/airflow_movielens/testing/ratelimit.py",
    "src/airflow_movielens/testing/records.py",
    "src/airflow_movielens/testing/tokens.py",
    "src/airflow_movielens/triggers.py",
    "tests/conftest.py",
    "tests/endless_paging.py",
    "tests/hostile_api.py",
    "tests/real_task_run.py",
    "tests/test_check.py",
    "tests/test_example_dag.py",
    "tests/test_faults.py",
    "tests/test_hooks.py",
    "tests/test_hostile_deadline.py",
    "tests/test_hostile_paging.py",
    "tests/test_hostile_secrets.py",
    "tests/test_hostile_transport.py",
    "tests/test_leftovers.py",
    "tests/test_operators.py",
    "tests/test_paginators.py",
    "tests/test_oauth2.py",
    "tests/test_partial_pages.py",
    "tests/test_provider.py",
    "tests/test_ranking.py",
    "tests/test_request_shape.py",
    "tests/test_sensors.py",
    "tests/test_throughput.py",
    "tests/test_triggers.py",
    "tests/test_windows.py",
}


def test_bake_with_defaults_makes_the_airflow_movielens_project(default_project):
    assert default_project.name == "airflow-movielens"
    assert {str(path) for path in baked_files(default_project)} == EXPECTED_FILES


def test_bake_leaves_no_cookiecutter_syntax(default_project):
    leftovers = [
        str(path)
        for path in baked_files(default_project)
        if re.search(r"cookiecutter\.|\{%|%\}", (default_project / path).read_text(encoding="utf-8"))
    ]

    assert leftovers == []


def test_every_baked_python_toml_yaml_and_ini_file_parses(default_project):
    assert_baked_files_parse(default_project)


def test_airflow_templates_survive_baking(default_project):
    windows = (default_project / "src" / "airflow_movielens" / "client" / "windows.py").read_text()
    dag = (
        default_project / "src" / "airflow_movielens" / "example_dags" / "movielens_ratings.py"
    ).read_text()

    assert 'start_template = "{{ data_interval_start | ts }}"' in windows
    assert "{{ var.value.get('movielens_output_base', '/tmp/airflow-movielens') }}" in dag
    assert 'DAY = "{{ data_interval_start.in_timezone(dag.timezone) | ds }}"' in dag


def test_the_machinery_is_copied_from_the_template_byte_for_byte(default_project):
    """client/, storage.py and testing/ hold no Jinja: every bake gets the same files as the template has."""
    template_package = TEMPLATE / "{{cookiecutter.package_name}}" / "src" / "{{cookiecutter.module_name}}"
    plain = [
        *template_package.glob("client/*.py"),
        template_package / "storage.py",
        *template_package.glob("testing/*.py"),
    ]

    for source in plain:
        baked = default_project / "src" / "airflow_movielens" / source.relative_to(template_package)
        assert baked.read_bytes() == source.read_bytes(), source.name


def test_the_users_room_is_short_and_the_only_module_answers_change(default_project):
    """api.py describes the API in under 100 lines; no baked module is over 400."""
    package = default_project / "src" / "airflow_movielens"
    lengths = {
        str(path.relative_to(package)): len(path.read_text().splitlines()) for path in package.rglob("*.py")
    }

    assert lengths["api.py"] < 100
    assert {name: length for name, length in lengths.items() if length > 400} == {}


def test_the_default_api_py_writes_no_argument_left_at_its_default(default_project):
    """Defaults (the movielens preset) bake today's api.py: the new arguments appear only in comments."""
    api = (default_project / "src" / "airflow_movielens" / "api.py").read_text()
    code = "\n".join(line for line in api.splitlines() if not line.lstrip().startswith("#"))

    for argument in (
        "total_header=",
        "extra_params=",
        "max_page_size=",
        "window_end=",
        "timezone=",
        "prefix=",
    ):
        assert argument not in code, argument
    assert "paginators.NextUrl" in api
    assert "auth.OAuth2ClientCredentials" in api
    assert "paginator=paginators.Offset(" in code
    assert 'window=windows.Dates(start_param="start_date", end_param="end_date"),' in code
    recorded = json.loads((default_project / ".cruft.json").read_text())["context"]["cookiecutter"]
    assert {key: recorded[key] for key in ("api_preset", "max_page_size", "window_end", "api_timezone")} == {
        "api_preset": "movielens",
        "max_page_size": "1000",
        "window_end": "exclusive",
        "api_timezone": "UTC",
    }


def test_the_template_keeps_jinja_tags_out_of_the_machinery_and_few_overall():
    """Every {% tag of the baked src/ lives in api.py or the example DAG's names, under 60 lines in all."""
    package = TEMPLATE / "{{cookiecutter.package_name}}" / "src"
    tags = {
        str(path.relative_to(package)): sum("{%" in line for line in path.read_text().splitlines())
        for path in package.rglob("*.py")
    }

    assert {name for name, count in tags.items() if count} <= {
        "{{cookiecutter.module_name}}/api.py",
        "{{cookiecutter.module_name}}/example_dags/{{cookiecutter.__conn_type}}_{{cookiecutter.__records}}.py",
    }
    assert sum(tags.values()) < 60


def test_github_expressions_survive_baking(default_project):
    ci = yaml.safe_load((default_project / ".github" / "workflows" / "ci.yml").read_text())

    setup_python = ci["jobs"]["test"]["steps"][1]
    assert setup_python["with"]["python-version"] == "${{ matrix.python }}"
    assert ci["jobs"]["test"]["strategy"]["matrix"]["python"] == [
        "3.10",
        "3.11",
        "3.12",
        "3.13",
        "3.14",
    ]


def test_setup_py_declares_the_distribution(default_project):
    keywords = setup_keywords(default_project)

    assert ast.literal_eval(keywords["name"]) == "airflow-movielens"
    assert ast.literal_eval(keywords["package_dir"]) == {"": "src"}
    assert ast.unparse(keywords["packages"]) == "find_packages('src')"
    assert "apache-airflow>=3.2" in ast.literal_eval(keywords["install_requires"])
    assert ast.literal_eval(keywords["entry_points"]) == {
        "apache_airflow_provider": ["provider_info = airflow_movielens:get_provider_info"]
    }
    for required in (
        "version",
        "description",
        "long_description",
        "author",
        "url",
        "license",
        "python_requires",
        "extras_require",
    ):
        assert required in keywords


def test_baked_project_passes_ruff_lint_and_format(default_project):
    assert ruff_findings(default_project) == ""


def test_build_and_twine_check_pass(default_project, tmp_path):
    source = shutil.copytree(default_project, tmp_path / "source")  # building writes into the tree
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, source],
        check=True,
        capture_output=True,
    )
    dists = sorted(path.name for path in dist.iterdir())

    twine = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *(dist / name for name in dists)],
        capture_output=True,
        text=True,
    )

    assert dists == ["airflow_movielens-0.1.0-py3-none-any.whl", "airflow_movielens-0.1.0.tar.gz"]
    assert twine.returncode == 0, twine.stdout + twine.stderr


def test_post_generation_message_names_the_project_and_the_next_commands(cookies, capfd):
    result = cookies.bake()

    printed = capfd.readouterr().out
    assert f"Baked airflow-movielens in {result.project_path}" in printed
    for command in ('pip install -e ".[dev]"', "pytest", "python demo.py", "trusted publisher"):
        assert command in printed
