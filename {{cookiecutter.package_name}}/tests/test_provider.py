{%- set cc = cookiecutter | answers -%}
"""Airflow discovers the installed provider, its hook and its connection form."""

from __future__ import annotations

import importlib
import json
from importlib.metadata import distribution, entry_points
from pathlib import Path

import airflow
import jsonschema

from {{ cookiecutter.module_name }} import __version__, get_provider_info
from {{ cookiecutter.module_name }}.api import API
from {{ cookiecutter.module_name }}.hooks import {{ cookiecutter.class_prefix }}Hook

MODULE = "{{ cookiecutter.module_name }}"


def test_provider_info_matches_airflows_schema():
    schema = json.loads((Path(airflow.__file__).parent / "provider_info.schema.json").read_text())

    jsonschema.validate(get_provider_info(), schema)


def test_package_name_is_the_installed_distribution_and_version():
    installed = distribution("{{ cookiecutter.package_name }}")

    assert get_provider_info()["package-name"] == installed.metadata["Name"]
    assert installed.version == __version__


def test_entry_point_points_at_get_provider_info():
    ours = [ep for ep in entry_points(group="apache_airflow_provider") if ep.value.startswith(MODULE + ":")]

    (entry_point,) = ours

    assert entry_point.load() is get_provider_info


def test_every_module_the_provider_lists_imports_under_a_declared_integration():
    info = get_provider_info()
    integrations = {integration["integration-name"] for integration in info["integrations"]}

    for section in ("hooks", "operators", "sensors", "triggers"):
        for entry in info[section]:
            assert entry["integration-name"] in integrations, section
            for module in entry["python-modules"]:
                importlib.import_module(module)


def test_airflow_lists_the_trigger_module():
    from airflow.providers_manager import ProvidersManager

    triggers = {info.trigger_class_name: info for info in ProvidersManager().trigger}

    assert triggers[MODULE + ".triggers"].package_name == "{{ cookiecutter.package_name }}"


def test_connection_type_names_the_hook_class():
    (connection_type,) = get_provider_info()["connection-types"]

    module, _, name = connection_type["hook-class-name"].rpartition(".")
    assert getattr(importlib.import_module(module), name) is {{ cookiecutter.class_prefix }}Hook
    assert connection_type["connection-type"] == {{ cookiecutter.class_prefix }}Hook.conn_type


def test_airflow_registers_the_provider_and_its_connection_form():
    from airflow.providers_manager import ProvidersManager

    manager = ProvidersManager()

    assert manager.providers["{{ cookiecutter.package_name }}"].version == __version__
    assert "extra__{{ cookiecutter.__conn_type }}__read_timeout" in manager.connection_form_widgets
    assert manager.field_behaviours["{{ cookiecutter.__conn_type }}"]["relabeling"]["schema"] == "Scheme"


def test_task_runtime_resolves_the_connection_type_to_the_hook():
    from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

    hook_info = ProvidersManagerTaskRuntime().hooks["{{ cookiecutter.__conn_type }}"]

    assert hook_info is not None
    assert hook_info.hook_class_name == "{{ cookiecutter.module_name }}.hooks.{{ cookiecutter.class_prefix }}Hook"


def field_behaviour():
    """The connection form's built-in fields: which are hidden, relabeled and prefilled."""
    (connection_type,) = get_provider_info()["connection-types"]
    return connection_type["ui-field-behaviour"]


def test_connection_form_hides_and_relabels_the_fields_that_api_auth_names():
    behaviour = field_behaviour()

    assert behaviour["hidden-fields"] == API.auth.form["hidden-fields"]
    assert behaviour["relabeling"] == API.auth.form["relabeling"]


def test_connection_form_keeps_the_extra_field_visible():
    from airflow.providers_manager import ProvidersManager

    registered = ProvidersManager().field_behaviours["{{ cookiecutter.__conn_type }}"]

    assert "extra" not in field_behaviour()["hidden-fields"]
    assert "extra" not in registered["hidden_fields"]  # as Airflow stores it


def test_connection_form_prefills_the_base_url_of_api_py():
    placeholders = field_behaviour()["placeholders"]

    assert (placeholders["schema"], placeholders["host"]) == (API.default_scheme, API.default_host)


def test_connection_form_asks_only_for_what_{{ cc.auth_type }}_auth_needs():
    behaviour = field_behaviour()

{%- if cc.auth_type == "basic" %}
    assert {"login", "password"}.isdisjoint(behaviour["hidden-fields"])
    assert behaviour["relabeling"]["login"] == "Username"
{%- elif cc.auth_type == "bearer" %}
    assert "login" in behaviour["hidden-fields"]
    assert behaviour["relabeling"]["password"] == "Token"
{%- elif cc.auth_type == "api_key" %}
    assert "login" in behaviour["hidden-fields"]
    assert behaviour["relabeling"]["password"] == "API key"
{%- elif cc.auth_type == "oauth2_client_credentials" %}
    assert {"login", "password"}.isdisjoint(behaviour["hidden-fields"])
    assert behaviour["relabeling"]["login"] == "Client ID"
    assert behaviour["relabeling"]["password"] == "Client secret"
{%- else %}
    assert {"login", "password"} <= set(behaviour["hidden-fields"])
{%- endif %}
