"""The sensor: true once the window holds a rating, asking for one record per poke."""

from __future__ import annotations

import pytest

from {{ cookiecutter.module_name }}.sensors import {{ cookiecutter.class_prefix }}RatingsSensor


def sensor(window_start, window_end):
    return {{ cookiecutter.class_prefix }}RatingsSensor(
        task_id="wait_for_ratings",
        window_start=window_start,
        window_end=window_end,
    )


def test_poke_is_true_when_the_window_holds_ratings(connection):
    assert sensor("2026-01-03", "2026-01-04").poke(context={}) is True


def test_poke_asks_for_a_single_record(connection):
    sensor("2026-01-03", "2026-01-04").poke(context={})

    assert [request["limit"] for request in connection.requests] == ["1"]


def test_poke_is_false_when_the_window_is_empty(connection):
    assert sensor("2026-01-05", "2026-01-06").poke(context={}) is False


def test_poke_refuses_an_inverted_window(connection):
    with pytest.raises(ValueError, match="must be before window_end"):
        sensor("2026-01-06", "2026-01-05").poke(context={})
