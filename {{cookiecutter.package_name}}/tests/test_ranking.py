{%- set cc = cookiecutter | answers -%}
"""rank_{{ cc.__items }}_by_{{ cc.__record }} and read_{{ cc.__records }} on data small enough to check by hand."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from {{ cc.module_name }}.api import ITEM_KEY, SCORE_KEY, USER_KEY
from {{ cc.module_name }}.ranking import rank_{{ cc.__items }}_by_{{ cc.__record }} as rank
from {{ cc.module_name }}.ranking import read_{{ cc.__records }} as read
from {{ cc.module_name }}.testing.local_api import generate_records


def records_frame(rows):
    """A frame of records from (user, item, score) rows."""
    return pd.DataFrame(rows, columns=[USER_KEY, ITEM_KEY, SCORE_KEY])


def test_ranks_by_mean_score_then_distinct_users():
    records = records_frame(
        [
            # item 1: mean 4.0 from 3 users
            (1, 1, 5.0), (2, 1, 3.0), (3, 1, 4.0),
            # item 2: mean 4.5 from 3 users
            (1, 2, 4.5), (2, 2, 4.5), (3, 2, 4.5),
            # item 3: mean 4.0 from 4 users, so ahead of item 1
            (1, 3, 4.0), (2, 3, 4.0), (3, 3, 4.0), (4, 3, 4.0),
        ]
    )  # fmt: skip

    ranking = rank(records)

    assert list(ranking.index) == [2, 3, 1]
    assert list(ranking["avg_rating"]) == [4.5, 4.0, 4.0]
    assert list(ranking["num_ratings"]) == [3, 4, 3]


def test_keeps_only_{{ cc.__items }}_scored_by_more_than_min_{{ cc.__records }}_distinct_users():
    records = records_frame([(1, 1, 5.0), (1, 1, 4.0), (2, 1, 3.0), (1, 2, 2.0), (2, 2, 2.0), (3, 2, 2.0)])

    assert list(rank(records, min_{{ cc.__records }}=2).index) == [2]
    assert list(rank(records, min_{{ cc.__records }}=1).index) == [1, 2]


def test_ties_keep_{{ cc.__item }}_id_order():
    records = records_frame([(user, item, 3.0) for item in (9, 4, 7) for user in (1, 2, 3)])

    assert list(rank(records).index) == [4, 7, 9]


def test_read_{{ cc.__records }}_reads_the_ranked_columns_with_float_scores():
    record = {USER_KEY: 1, ITEM_KEY: 2, SCORE_KEY: 4, "timestamp": 1767225600}
    source = io.BytesIO(json.dumps(record).encode() + b"\n")

    frame = read(source)

    assert frame.to_dict("records") == [{USER_KEY: 1, ITEM_KEY: 2, SCORE_KEY: 4.0}]
    assert str(frame[SCORE_KEY].dtype) == "float64"


def test_read_{{ cc.__records }}_names_the_line_and_the_missing_key():
    source = io.BytesIO(json.dumps({USER_KEY: 1, ITEM_KEY: 2}).encode() + b"\n")

    with pytest.raises(ValueError, match=f"line 1 of the {{ cc.__records }} file has no '{SCORE_KEY}' key"):
        read(source)


def test_read_{{ cc.__records }}_of_an_empty_file_gives_the_ranked_columns():
    frame = read(io.BytesIO(b""))

    assert list(frame.columns) == [USER_KEY, ITEM_KEY, SCORE_KEY]
    assert frame.empty


def test_read_{{ cc.__records }}_keeps_string_ids_as_strings():
    lines = [
        {USER_KEY: "u-1", ITEM_KEY: "tt0111161", SCORE_KEY: 4.5},
        {USER_KEY: "u-2", ITEM_KEY: "tt0068646", SCORE_KEY: 5},
    ]
    source = io.BytesIO(b"".join(json.dumps(line).encode() + b"\n" for line in lines))

    frame = read(source)

    assert frame.to_dict("records") == [
        {USER_KEY: "u-1", ITEM_KEY: "tt0111161", SCORE_KEY: 4.5},
        {USER_KEY: "u-2", ITEM_KEY: "tt0068646", SCORE_KEY: 5.0},
    ]
    assert str(frame[SCORE_KEY].dtype) == "float64"


def test_read_{{ cc.__records }}_refuses_an_id_that_changes_type_naming_the_columns():
    lines = [{USER_KEY: 1, ITEM_KEY: 2, SCORE_KEY: 4.0}, {USER_KEY: 1, ITEM_KEY: "two", SCORE_KEY: 4.0}]
    source = io.BytesIO(b"".join(json.dumps(line).encode() + b"\n" for line in lines))

    message = f"line 2 of the {{ cc.__records }} file has {ITEM_KEY} 'two', but the first record's is 2"
    with pytest.raises(ValueError, match=message):
        read(source)


def test_the_ranking_equals_the_plain_pandas_version_on_generated_{{ cc.__records }}(tmp_path):
    records = generate_records(days=3, per_day=2000)
    path = tmp_path / "{{ cc.__records }}.jsonl"
    path.write_text("".join(json.dumps(records.record(position)) + "\n" for position in range(len(records))))

    with path.open("rb") as source:
        ours = rank(read(source))
    frame = pd.read_json(path, lines=True)
    plain = frame.groupby(ITEM_KEY).agg(avg_rating=(SCORE_KEY, "mean"), num_ratings=(USER_KEY, "nunique"))
    plain = plain.loc[plain["num_ratings"] > 2]
    plain = plain.sort_values(["avg_rating", "num_ratings"], ascending=False, kind="stable")

    pd.testing.assert_frame_equal(ours, plain, check_exact=True)
    assert len(ours) > 100


def test_read_{{ cc.__records }}_names_the_line_of_a_score_that_is_not_a_number():
    lines = [{USER_KEY: 1, ITEM_KEY: 2, SCORE_KEY: 4.0}, {USER_KEY: 1, ITEM_KEY: 3, SCORE_KEY: "five"}]
    source = io.BytesIO(b"".join(json.dumps(line).encode() + b"\n" for line in lines))

    message = f"line 2 of the {{ cc.__records }} file has a {SCORE_KEY} that is not a number"
    with pytest.raises(ValueError, match=message):
        read(source)
