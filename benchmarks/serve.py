"""
Serve generated ratings with the baked provider's local API, in a process of its own.

    python serve.py '{"records": 1000000, "per_day": 20000, "latency": 0.0, "login": ..., "password": ...,
                      "api": "offset", "rate_limit": null}'

The benchmark starts one of these per data set, so the server's CPU time and memory never
count against the client being measured. Record ``n`` falls on day ``n // per_day`` from
FIRST_DAY, which lets a window of whole days select an exact number of records.

``api`` names the description served (apis.py): ``offset``, the bake's own (the default),
or ``cursor``, cursor paging with an ISO 8601 datetime window. ``rate_limit``, if given as
``{"rate": 20.0, "burst": 20, "headers": "draft"}``, makes the API answer 429 beyond that
token bucket (``airflow_movielens.testing.ratelimit.RateLimit``).

The process prints one JSON line (port, first day, days) once it listens, then reads
commands from its standard input, one a line, and answers each with one JSON line:

    stats                 {"requests": N, "throttled": N}: requests received so far, and how
                          many of them the rate limit answered 429
    stats START END       the same, and "between": requests received from START to END,
                          in seconds of time.monotonic() (the same clock in every process)

When its standard input closes (the benchmark closes it when done, and the operating system
does if the benchmark dies) it prints a last ``{"requests": N, "throttled": N, "final": true}``
line and stops.
"""

from __future__ import annotations

import bisect
import calendar
import contextlib
import datetime as dt
import json
import random
import sys
from typing import Any

from airflow_movielens.testing.local_api import LocalAPI, Records
from apis import api_named

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


def rate_limit(settings: dict[str, Any] | None) -> Any:
    """The stand-in's RateLimit for ``settings``, or None; a clear error if this bake has none."""
    if settings is None:
        return None
    try:
        from airflow_movielens.testing.ratelimit import RateLimit
    except ImportError:
        raise SystemExit(
            "serve.py: this bake's local API has no rate limit (airflow_movielens.testing.ratelimit "
            "is missing); the rate limit rows need LocalAPI(rate_limit=RateLimit(...))."
        ) from None
    return RateLimit(rate=float(settings["rate"]), burst=int(settings["burst"]), headers=settings["headers"])


def stats(api: LocalAPI, command: str) -> dict[str, Any]:
    """The answer to one ``stats [START END]`` command."""
    # A LocalAPI without a rate limit never answers 429 on its own; older bakes do not count.
    answer: dict[str, Any] = {"requests": len(api.requests), "throttled": getattr(api, "throttled", 0)}
    words = command.split()
    if words[:1] != ["stats"] or len(words) not in (1, 3):
        return {"error": f"unknown command {command.strip()!r}; send 'stats' or 'stats START END'"}
    if len(words) == 3:
        start, end = float(words[1]), float(words[2])
        times = sorted(api.request_times)  # appended by concurrent handlers, so nearly sorted
        answer["between"] = bisect.bisect_right(times, end) - bisect.bisect_left(times, start)
    return answer


def main(argv: list[str]) -> int:
    settings = json.loads(argv[0])
    records, per_day = settings["records"], settings["per_day"]
    limit = rate_limit(settings.get("rate_limit"))
    # Passed only when set: bakes from before the rate limit take no such argument.
    limited = {} if limit is None else {"rate_limit": limit}
    api = LocalAPI(
        ratings_by_day(records, per_day),
        api=api_named(settings.get("api", "offset")),
        login=settings["login"],
        password=settings["password"],
        latency=settings["latency"],
        **limited,
    )
    with contextlib.suppress(KeyboardInterrupt), api:
        days = -(-records // per_day)
        print(json.dumps({"port": api.port, "first_day": FIRST_DAY.isoformat(), "days": days}), flush=True)
        for command in sys.stdin:  # ends when the benchmark closes the pipe or exits
            print(json.dumps(stats(api, command)), flush=True)
        print(json.dumps({**stats(api, "stats"), "final": True}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
