"""
fastapi-pagination's stock ``Page`` (``page`` and ``size``, at most 100) over a list of ratings.

The ratings are the JSON list in the file named by RATINGS_JSON. The window is ``start_date`` and
``end_date`` (YYYY-MM-DD, end exclusive), read as midnights in the server's local zone, RATINGS_TIMEZONE.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi_pagination import Page, add_pagination, paginate
from pydantic import BaseModel

ZONE = ZoneInfo(os.environ["RATINGS_TIMEZONE"])
RATINGS = json.loads(Path(os.environ["RATINGS_JSON"]).read_text())


class Rating(BaseModel):
    id: int
    userId: int
    movieId: int
    rating: float
    timestamp: int


app = FastAPI()


def local_midnight(day: dt.date) -> float:
    return dt.datetime.combine(day, dt.time(), ZONE).timestamp()


@app.get("/ratings")
def ratings(start_date: dt.date | None = None, end_date: dt.date | None = None) -> Page[Rating]:
    low = local_midnight(start_date) if start_date else float("-inf")
    high = local_midnight(end_date) if end_date else float("inf")
    return paginate([rating for rating in RATINGS if low <= rating["timestamp"] < high])


add_pagination(app)
