"""
Serve generated ratings with the baked provider's local API, in a process of its own.

    python serve.py '{"records": 1000000, "per_day": 20000, "latency": 0.0, "login": ..., "password": ...}'

The benchmark starts one of these per data set, so the server's CPU time and memory never
count against the client being measured. Record ``n`` falls on day ``n // per_day`` from
FIRST_DAY, which lets a window of whole days select an exact number of records. The process
prints one JSON line (port, first day, days) once it listens, then serves until its standard
input closes: the benchmark closes it when done, and the operating system does if the
benchmark dies.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import json
import random
import sys

from airflow_movielens.testing.local_api import LocalAPI, Records

FIRST_DAY = dt.date(2026, 1, 1)
# The sizes of MovieLens 25M, so identifiers have realistic widths on the wire.
USERS, MOVIES = 162_541, 59_047


def ratings_by_day(records: int, per_day: int, seed: int = 4) -> Records:
    """``records`` random ratings, ``per_day`` of them on each day from FIRST_DAY on."""
    rng = random.Random(seed)  # reproducible sample data
    first = calendar.timegm(FIRST_DAY.timetuple())
    rows = [
        (
            first + (number // per_day) * 86400 + rng.randrange(86400),
            rng.randrange(1, USERS + 1),
            rng.randrange(1, MOVIES + 1),
            rng.randrange(1, 11) / 2,
        )
        for number in range(records)
    ]
    return Records(rows)


def main(argv: list[str]) -> int:
    settings = json.loads(argv[0])
    records, per_day = settings["records"], settings["per_day"]
    api = LocalAPI(
        ratings_by_day(records, per_day),
        login=settings["login"],
        password=settings["password"],
        latency=settings["latency"],
    )
    with contextlib.suppress(KeyboardInterrupt), api:
        days = -(-records // per_day)
        print(json.dumps({"port": api.port, "first_day": FIRST_DAY.isoformat(), "days": days}), flush=True)
        sys.stdin.read()  # returns when the benchmark closes the pipe or exits
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
