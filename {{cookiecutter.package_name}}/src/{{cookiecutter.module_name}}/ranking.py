"""Rank movies by their ratings with pandas."""

from __future__ import annotations

import json
from typing import IO

import pandas as pd

# The record keys the ranking reads.
ITEM_KEY = "{{ cookiecutter.item_key }}"
USER_KEY = "{{ cookiecutter.user_key }}"
SCORE_KEY = "{{ cookiecutter.score_key }}"


def read_ratings(source: IO[bytes]) -> pd.DataFrame:
    """
    Read the columns the ranking needs from a JSON Lines ratings file, even an empty one.

    :param source: The file written by the fetch operator, opened in binary mode.
    :return: A frame with ``{{ cookiecutter.user_key }}``, ``{{ cookiecutter.item_key }}`` and ``{{ cookiecutter.score_key }}`` (as floats).
    """
    rows = []
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        record = json.loads(line)
        try:
            rows.append((record[USER_KEY], record[ITEM_KEY], record[SCORE_KEY]))
        except KeyError as missing:
            raise ValueError(
                f"line {number} of the ratings file has no {missing} key: {line[:200]!r}"
            ) from None
    ratings = pd.DataFrame.from_records(rows, columns=[USER_KEY, ITEM_KEY, SCORE_KEY])
    ratings[SCORE_KEY] = ratings[SCORE_KEY].astype("float64")
    return ratings


def rank_movies_by_rating(ratings: pd.DataFrame, min_ratings: int = 2) -> pd.DataFrame:
    """
    Rank movies by mean rating, breaking ties by how many distinct users rated them.

    :param ratings: One row per rating with ``{{ cookiecutter.item_key }}``, ``{{ cookiecutter.user_key }}`` and ``{{ cookiecutter.score_key }}`` columns.
    :param min_ratings: Keep only movies rated by more than this many distinct users.
    :return: A frame indexed by ``{{ cookiecutter.item_key }}`` with ``avg_rating`` and ``num_ratings``, best first.
    """
    ranking = ratings.groupby(ITEM_KEY).agg(
        avg_rating=(SCORE_KEY, "mean"),
        num_ratings=(USER_KEY, "nunique"),
    )
    ranking = ranking.loc[ranking["num_ratings"] > min_ratings]
    # A stable sort keeps ties in {{ cookiecutter.item_key }} order, so the ranking is deterministic.
    return ranking.sort_values(["avg_rating", "num_ratings"], ascending=False, kind="stable")
