"""Property: any free-text answer either bakes parseable files that carry it exactly, or is refused clearly."""

from __future__ import annotations

import ast
import runpy
import shutil
import unicodedata
from pathlib import Path

import pytest
from conftest import TEMPLATE, assert_baked_files_parse, provider_info, setup_keywords
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Cookiecutter renders answers given on the command line as Jinja, so "{{ 7*7 }}" would arrive
# as "49"; that is cookiecutter's contract, not ours, and the README says so. Everything else goes.
free_text = st.text(min_size=1, max_size=60).filter(
    lambda text: not any(tag in text for tag in ("{{", "{%", "{#"))
)

PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    # No example database: it would be written into the template folder (the working directory)
    # while other workers' bakes copy that folder, and a replayed failure shows in the report anyway.
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def bake(tmp_path_factory, answers):
    """Bake into a fresh folder; return the project path, or the refusal and the folder it left."""
    output = tmp_path_factory.mktemp("bake")
    try:
        project = cookiecutter(
            str(TEMPLATE),
            no_input=True,
            extra_context=answers,
            output_dir=str(output),
            # The replay file goes beside the bake, never into the user's ~/.cookiecutter_replay.
            default_config={"replay_dir": str(tmp_path_factory.mktemp("replay"))},
        )
        return Path(project), None
    except FailedHookException as refusal:
        return None, (refusal, output)


@PROPERTY_SETTINGS
@given(text=free_text)
def test_any_description_and_author_bake_exactly_or_are_refused_by_name(tmp_path_factory, capfd, text):
    project, refused = bake(tmp_path_factory, {"description": text, "author_name": text})

    if refused:
        _, output = refused
        # Jinja turns a lone carriage return into a newline before the hook sees the answer,
        # so the value quoted back may differ in line endings; the question named may not.
        message = capfd.readouterr().err
        assert "description: " in message
        assert "is not allowed" in message
        assert (
            any(unicodedata.category(char).startswith("C") or char in "\u2028\u2029" for char in text)
            or not text.strip()
        )
        assert list(output.iterdir()) == []
        return
    assert_baked_files_parse(project)
    assert provider_info(project)["description"] == text
    keywords = setup_keywords(project)
    assert ast.literal_eval(keywords["description"]) == text
    assert ast.literal_eval(keywords["author"]) == text


@PROPERTY_SETTINGS
@given(name=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 .,&'+()/-]{0,40}", fullmatch=True))
def test_provider_names_of_the_allowed_characters_always_bake(tmp_path_factory, name):
    fixed_names = {"package_name": "airflow-any", "module_name": "airflow_any", "class_prefix": "Any"}

    project, refused = bake(tmp_path_factory, {"provider_name": name, **fixed_names})

    assert refused is None
    assert_baked_files_parse(project)
    assert runpy.run_path(str(project / "src" / "airflow_any" / "__init__.py"))["INTEGRATION_NAME"] == name


@PROPERTY_SETTINGS
@given(name=free_text)
def test_any_provider_name_bakes_valid_python_or_is_refused_by_name(tmp_path_factory, capfd, name):
    fixed_names = {"package_name": "airflow-any", "module_name": "airflow_any", "class_prefix": "Any"}
    project, refused = bake(tmp_path_factory, {"provider_name": name, **fixed_names})

    if refused:
        _, output = refused
        assert "provider_name: " in capfd.readouterr().err
        assert list(output.iterdir()) == []
        return
    assert_baked_files_parse(project)
    hook_name = runpy.run_path(str(project / "src" / "airflow_any" / "__init__.py"))["INTEGRATION_NAME"]
    assert hook_name == name


@pytest.mark.parametrize("script", ["raise SystemExit('post-generation step failed on purpose')"])
def test_a_bake_that_fails_after_writing_removes_what_it_wrote(tmp_path, capfd, script):
    template = tmp_path / "template"
    shutil.copytree(TEMPLATE, template, ignore=shutil.ignore_patterns(".venv", ".git", "build", "tests"))
    (template / "hooks" / "post_gen_project.py").write_text(script + "\n")
    output = tmp_path / "out"
    output.mkdir()

    with pytest.raises(FailedHookException):
        cookiecutter(
            str(template),
            no_input=True,
            output_dir=str(output),
            default_config={"replay_dir": str(tmp_path / "replay")},
        )

    assert list(output.iterdir()) == []
    assert "post-generation step failed on purpose" in capfd.readouterr().err
