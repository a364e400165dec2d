{%- set cc = cookiecutter -%}
{%- set dated = cc.date_filter != "none" -%}
"""The sensor: true once {% if dated %}the window holds a rating{% else %}the API holds a rating{% endif %}, asking for one record per poke."""

from __future__ import annotations

{% if dated -%}
import pytest

{% endif -%}
{% if not dated -%}
from {{ cc.module_name }}.local_api import LocalRatingsAPI, Ratings
{% endif -%}
from {{ cc.module_name }}.sensors import {{ cc.class_prefix }}RatingsSensor
{%- if not dated %}
from conftest import API_CREDENTIALS, connection_fields, use_connection
{%- endif %}
{%- if dated %}


def sensor(window_start, window_end):
    return {{ cc.class_prefix }}RatingsSensor(
        task_id="wait_for_ratings",
        window_start=window_start,
        window_end=window_end,
    )


def test_poke_is_true_when_the_window_holds_ratings(connection):
    assert sensor("2026-01-03", "2026-01-04").poke(context={}) is True


def test_poke_asks_for_a_single_record(connection):
    sensor("2026-01-03", "2026-01-04").poke(context={})

    assert [request["{{ cc.limit_param }}"] for request in connection.requests] == ["1"]


def test_poke_is_false_when_the_window_is_empty(connection):
    assert sensor("2026-01-05", "2026-01-06").poke(context={}) is False


def test_poke_refuses_an_inverted_window(connection):
    with pytest.raises(ValueError, match="must be before window_end"):
        sensor("2026-01-06", "2026-01-05").poke(context={})
{%- else %}


def sensor():
    return {{ cc.class_prefix }}RatingsSensor(task_id="wait_for_ratings")


def test_poke_is_true_when_the_api_holds_ratings(connection):
    assert sensor().poke(context={}) is True


def test_poke_asks_for_a_single_record(connection):
    sensor().poke(context={})

    assert [request["{{ cc.limit_param }}"] for request in connection.requests] == ["1"]


def test_poke_is_false_when_the_api_holds_no_ratings(monkeypatch):
    with LocalRatingsAPI(Ratings([]), **API_CREDENTIALS) as empty_api:
        use_connection(monkeypatch, connection_fields(empty_api.port))

        assert sensor().poke(context={}) is False
{%- endif %}
