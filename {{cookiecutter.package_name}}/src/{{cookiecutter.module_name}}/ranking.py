"""Rank movies by their ratings with pandas."""

from __future__ import annotations

from typing import IO

import pandas as pd

RATING_COLUMNS = {"userId": "int64", "movieId": "int64", "rating": "float64", "timestamp": "int64"}


def read_ratings(source: IO[bytes]) -> pd.DataFrame:
    """Read a JSON Lines ratings file into a frame with the API's column types, even when empty."""
    if not source.read(1):
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in RATING_COLUMNS.items()})
    source.seek(0)
    return pd.read_json(source, lines=True, dtype=RATING_COLUMNS)


def rank_movies_by_rating(ratings: pd.DataFrame, min_ratings: int = 2) -> pd.DataFrame:
    """
    Rank movies by mean rating, breaking ties by how many distinct users rated them.

    :param ratings: One row per rating with ``movieId``, ``userId`` and ``rating`` columns.
    :param min_ratings: Keep only movies rated by more than this many distinct users.
    :return: A frame indexed by ``movieId`` with ``avg_rating`` and ``num_ratings``, best first.
    """
    ranking = ratings.groupby("movieId").agg(
        avg_rating=("rating", "mean"),
        num_ratings=("userId", "nunique"),
    )
    ranking = ranking.loc[ranking["num_ratings"] > min_ratings]
    # A stable sort keeps ties in movieId order, so the ranking is deterministic.
    return ranking.sort_values(["avg_rating", "num_ratings"], ascending=False, kind="stable")
