"""
What the benchmark's measured processes run: one scenario per fresh process.

    python scenarios.py NAME '{"param": ...}' RESULT.json

A scenario times only its own work (interpreter start-up and imports excluded) and writes
``{"seconds", "records", "peak_rss_kib", "rss_at_start_kib", ...}`` to RESULT.json. Peak RSS is
the process's high-water mark (``ru_maxrss``, KiB on Linux), imports included, so each scenario
imports only what it uses, inside its function; ``rss_at_start_kib`` is the resident memory when
the clock started, to tell the imports' share from the work's, and ``monotonic_span`` the timed
span in ``time.monotonic()`` seconds, the clock the local API stamps each request with.

The checks at the end (record digests, the dlt pipeline's table, ranking comparison) and the ratings-file generator also
run here, each in a process of its own, so nothing they hold counts against a measured scenario.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

# The record keys of the default bake, and the ranking's columns.
USER, ITEM, SCORE, TIMESTAMP = "userId", "movieId", "rating", "timestamp"
# The cursor API's parameters and keys (apis.py), as the dlt and HttpOperator rows write them.
CURSOR_PARAM, NEXT_CURSOR_KEY = "cursor", "next_cursor"
# Resident memory when the timed work began, imports done; set by start_clock().
rss_at_start_kib: int | None = None
# time.monotonic() when the timed work began, the clock the local API stamps requests with.
monotonic_at_start: float | None = None


def start_clock() -> float:
    """Note the resident memory the timed work starts from, and start timing it."""
    global rss_at_start_kib, monotonic_at_start
    with contextlib.suppress(OSError, StopIteration):  # Linux only
        status = Path("/proc/self/status").read_text().splitlines()
        rss_at_start_kib = int(next(line for line in status if line.startswith("VmRSS:")).split()[1])
    monotonic_at_start = time.monotonic()
    return time.perf_counter()


def warm_up(session: Any, url: str, window: dict[str, str], page_size: int) -> None:
    """Untimed: one page through the session, so connecting and first-use setup are not counted."""
    session.get(url, params={**window, "offset": 0, "limit": page_size}, timeout=60).raise_for_status()


def fetch_bytes_only(
    url: str, login: str, password: str, window: dict[str, str], page_size: int, total: int
) -> dict[str, Any]:
    """The ceiling: download every page's bytes with one Session, parse nothing, keep nothing."""
    import requests

    received = 0
    with requests.Session() as session:
        session.auth = (login, password)
        warm_up(session, url, window, page_size)
        started = start_clock()
        for offset in range(0, total, page_size):
            response = session.get(url, params={**window, "offset": offset, "limit": page_size}, timeout=60)
            response.raise_for_status()
            received += len(response.content)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "records": total, "bytes": received}


def fetch_plain_loop(
    url: str, login: str, password: str, window: dict[str, str], page_size: int, output: str
) -> dict[str, Any]:
    """The book's loop: one Session, offset += page size, every record in a list, json.dump at the end."""
    import requests

    ratings: list[dict[str, Any]] = []
    with requests.Session() as session:
        session.auth = (login, password)
        warm_up(session, url, window, page_size)
        started = start_clock()
        offset, total = 0, None
        while total is None or offset < total:
            response = session.get(url, params={**window, "offset": offset, "limit": page_size}, timeout=60)
            response.raise_for_status()
            body = response.json()
            ratings.extend(body["result"])
            offset += page_size
            total = body["total"]
        with open(output, "w", encoding="utf-8") as out:
            json.dump(ratings, out)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "records": len(ratings)}


def fetch_operator(
    window: dict[str, str], page_size: int, max_in_flight: int | str, output: str
) -> dict[str, Any]:
    """The baked fetch operator, executed directly; its connection comes from the environment."""
    from airflow_movielens.operators import MovielensFetchRatingsOperator

    operator = MovielensFetchRatingsOperator(
        task_id="fetch_ratings",
        output_path=output,
        window_start=window["start_date"],
        window_end=window["end_date"],
        batch_size=page_size,
        max_in_flight=max_in_flight,
    )
    # Untimed: one day's fetch, so the lazy imports and first-use setup a long-running worker
    # has already paid (Airflow's lineage hooks on the first write, the first connection lookup)
    # are not counted against the operator.
    first_day = dt.date.fromisoformat(window["start_date"]) + dt.timedelta(days=1)
    MovielensFetchRatingsOperator(
        task_id="warm_up",
        output_path=output + ".warm-up",
        window_start=window["start_date"],
        window_end=first_day.isoformat(),
        batch_size=page_size,
        max_in_flight=max_in_flight,
    ).execute(context={})
    Path(output + ".warm-up").unlink()
    started = start_clock()
    result = operator.execute(context={})
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "records": result["records"]}


def fetch_dlt_client(
    url: str,
    login: str,
    password: str,
    window: dict[str, str],
    page_size: int,
    output: str,
    paging: str = "offset",
) -> dict[str, Any]:
    """
    dlt's RESTClient paging the same API, each record written as a JSON line.

    ``paginate`` with the records under ``result`` and one ``json.dumps(record)`` line per
    record: what a user of the client would write. ``paging`` ``offset``: an OffsetPaginator
    reading ``total``; ``cursor``: a JSONResponseCursorPaginator following ``next_cursor``.
    """
    from dlt.sources.helpers.rest_client import RESTClient
    from dlt.sources.helpers.rest_client.auth import HttpBasicAuth
    from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator, OffsetPaginator

    base_url, path = url.rsplit("/", 1)
    client = RESTClient(base_url, auth=HttpBasicAuth(login, password))
    if paging == "cursor":
        params = {**window, "limit": page_size}
        paginator: Any = JSONResponseCursorPaginator(cursor_path=NEXT_CURSOR_KEY, cursor_param=CURSOR_PARAM)
        first_page = params
    else:
        params = window
        paginator = OffsetPaginator(limit=page_size, total_path="total")
        first_page = {**window, "offset": 0, "limit": page_size}
    # Untimed: one page, so connecting and first-use setup are not counted.
    client.get(path, params=first_page).raise_for_status()
    records = 0
    started = start_clock()
    with open(output, "w", encoding="utf-8") as out:
        pages = client.paginate(path, params=params, paginator=paginator, data_selector="result")
        for page in pages:
            for record in page:
                out.write(json.dumps(record) + "\n")
            records += len(page)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "records": records}


def fetch_hook_pages(
    api: str, window: dict[str, str], page_size: int, max_in_flight: int | str, split: Any, output: str
) -> dict[str, Any]:
    """
    The baked hook on another API description (apis.py), its pages written as the fetch operator writes them.

    The operator reads only the bake's own ``api.API``, so for the cursor API this is its
    ``execute`` with the hook built on ``api=``: ``get_rating_pages`` (with ``split``
    unless None) into ``write_json_lines`` inside ``atomic_write``, the hook and the pages
    closed however it ends. The connection comes from the environment, as the operator's does.
    """
    from airflow.sdk import ObjectStoragePath
    from airflow_movielens.hooks import MovielensHook
    from airflow_movielens.storage import atomic_write, write_json_lines
    from apis import api_named

    description = api_named(api)
    # Left out when None, so the unsplit row runs on a bake from before split= too.
    splitting = {} if split is None else {"split": split}

    def fetch(start: str, end: str, path: str) -> int:
        hook = MovielensHook(api=description, max_in_flight=max_in_flight)
        with hook, atomic_write(ObjectStoragePath(path)) as out:
            pages = hook.get_rating_pages(start, end, page_size, **splitting)
            with contextlib.closing(pages):
                return write_json_lines(pages, out)

    # Untimed: the window's first day, as the operator rows' warm-up.
    fetch(window["start_date"], day_after(window["start_date"]), output + ".warm-up")
    Path(output + ".warm-up").unlink()
    started = start_clock()
    records = fetch(window["start_date"], window["end_date"], output)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "records": records}


def fetch_http_operator(
    conn_id: str, endpoint: str, window: dict[str, str], page_size: int, paging: str, output: str, retry: bool
) -> dict[str, Any]:
    """
    Airflow's HttpOperator (apache-airflow-providers-http) paging the API with a ``pagination_function``.

    Executed directly, ``execute(context={})``, with its connection from the environment
    (``AIRFLOW_CONN_<conn_id>``). The pagination function reads each response on its own,
    as the provider advises (a deferrable run rebuilds the operator between pages): offset
    paging asks for the next offset until it reaches the response's ``total``; cursor paging
    follows ``next_cursor`` until it is empty. The operator keeps every response until
    paging ends and hands the list to ``response_filter``, which writes their records as
    ``json.dumps`` lines and returns only the path and the count, which an XCom can hold.
    ``retry`` adds the provider's ``retry_args`` (tenacity) for an API that may answer 429.
    """
    from urllib.parse import parse_qs, urlsplit

    from airflow.providers.http.operators.http import HttpOperator

    def next_page(response: Any) -> dict[str, Any] | None:
        body = response.json()
        if paging == "cursor":
            cursor = body.get(NEXT_CURSOR_KEY)
            return {"data": {CURSOR_PARAM: cursor}} if cursor else None
        sent = parse_qs(urlsplit(response.request.url).query)
        following = int(sent["offset"][0]) + page_size
        return {"data": {"offset": following}} if following < body["total"] else None

    def write_lines(responses: list[Any], path: str) -> dict[str, Any]:
        records = 0
        with open(path, "w", encoding="utf-8") as out:
            for response in responses:
                page = response.json()["result"]
                for record in page:
                    out.write(json.dumps(record) + "\n")
                records += len(page)
        return {"path": path, "records": records}

    retry_args = None
    if retry:
        import tenacity

        retry_args = {
            "wait": tenacity.wait_exponential(multiplier=0.5, max=60),
            "stop": tenacity.stop_after_attempt(6),
            "retry": tenacity.retry_if_exception_type(Exception),
        }

    def operator(task_id: str, start: str, end: str, path: str) -> Any:
        first_page = {"start_date": start, "end_date": end, "limit": page_size}
        if paging != "cursor":
            first_page["offset"] = 0
        return HttpOperator(
            task_id=task_id,
            http_conn_id=conn_id,
            method="GET",
            endpoint=endpoint,
            data=first_page,
            pagination_function=next_page,
            response_filter=lambda responses: write_lines(responses, path),
            retry_args=retry_args,
        )

    # Untimed: the window's first day, so imports and first-use setup are not counted.
    warm_up = output + ".warm-up"
    operator("warm_up", window["start_date"], day_after(window["start_date"]), warm_up).execute(context={})
    Path(warm_up).unlink()
    task = operator("fetch_ratings", window["start_date"], window["end_date"], output)
    started = start_clock()
    result = task.execute(context={})
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "records": result["records"]}


def day_after(bound: str) -> str:
    """The bound one day later, written as it was given (YYYY-MM-DD or an ISO 8601 datetime)."""
    if len(bound) == 10:
        return (dt.date.fromisoformat(bound) + dt.timedelta(days=1)).isoformat()
    return (dt.datetime.fromisoformat(bound) + dt.timedelta(days=1)).isoformat()


def fetch_dlt_pipeline(
    url: str,
    login: str,
    password: str,
    window: dict[str, str],
    page_size: int,
    output: str,
    paging: str = "offset",
) -> dict[str, Any]:
    """
    dlt's declarative rest_api source in a dlt.pipeline, loaded into a DuckDB file at ``output``.

    The timed run is the whole ``pipeline.run``: extract, normalize and load, as a user waits
    for it. The table replaces what an earlier run loaded. ``paging`` ``offset``: the offset
    paginator reading ``total``; ``cursor``: the cursor paginator following ``next_cursor``,
    with the page size as a fixed ``limit`` parameter (as ``fetch_dlt_client`` asks).
    """
    import dlt
    from dlt.sources.rest_api import rest_api_source

    base_url, path = url.rsplit("/", 1)
    home = Path(output).with_suffix(".dlt")

    paginator: dict[str, Any]
    if paging == "cursor":
        paginator = {"type": "cursor", "cursor_path": NEXT_CURSOR_KEY, "cursor_param": CURSOR_PARAM}
        fixed: dict[str, Any] = {"limit": page_size}
    else:
        paginator, fixed = {"type": "offset", "limit": page_size, "total_path": "total"}, {}

    def run(name: str, params: dict[str, str], database: str) -> Any:
        source = rest_api_source(
            {
                "client": {
                    "base_url": base_url + "/",
                    "auth": {"type": "http_basic", "username": login, "password": password},
                    "paginator": paginator,
                },
                "resources": [
                    {
                        "name": "ratings",
                        "endpoint": {"path": path, "params": {**params, **fixed}, "data_selector": "result"},
                        "write_disposition": "replace",
                    }
                ],
            }
        )
        pipeline = dlt.pipeline(
            pipeline_name=name,
            destination=dlt.destinations.duckdb(database),
            dataset_name="bench",
            pipelines_dir=str(home),
        )
        return pipeline.run(source)

    shutil.rmtree(home, ignore_errors=True)
    Path(output).unlink(missing_ok=True)
    # Untimed: a whole run on a page's worth of the window's start, into a file of its own, so
    # imports and first-use setup (DuckDB, dlt's schema) are not counted.
    # A window of datetimes (the cursor API's: one day holds every record) warms up on its first minute.
    start = window["start_date"]
    warm_up_end = (
        day_after(start)
        if len(start) == 10
        else (dt.datetime.fromisoformat(start) + dt.timedelta(minutes=1)).isoformat()
    )
    warm_up_database = output + ".warm-up"
    run("warm_up", {**window, "end_date": warm_up_end}, warm_up_database)
    Path(warm_up_database).unlink()
    started = start_clock()
    run("bench_ratings", window, output)
    seconds = time.perf_counter() - started
    import duckdb

    with duckdb.connect(output, read_only=True) as connection:
        (records,) = connection.execute("SELECT count(*) FROM bench.ratings").fetchone()
    shutil.rmtree(home, ignore_errors=True)
    return {"seconds": seconds, "records": records}


def compare_with_pipeline(jsonl: str, database: str) -> dict[str, Any]:
    """
    Whether a dlt pipeline's table holds the same records as a JSON Lines output, in any order.

    dlt renames the keys to snake_case and keeps no order, so the two are compared as
    multisets of (user, item, score, timestamp) rows, both ways.
    """
    import duckdb

    with duckdb.connect(database, read_only=True) as connection:
        (records,) = connection.execute("SELECT count(*) FROM bench.ratings").fetchone()
        (differing,) = connection.execute(
            f"""
            WITH ours AS (
                SELECT {USER}, {ITEM}, {SCORE}, {TIMESTAMP}
                FROM read_json(
                    $path,
                    format = 'newline_delimited',
                    columns = {{{USER}: 'BIGINT', {ITEM}: 'BIGINT', {SCORE}: 'DOUBLE', {TIMESTAMP}: 'BIGINT'}}
                )
            ),
            theirs AS (SELECT user_id, movie_id, rating, timestamp FROM bench.ratings)
            SELECT (SELECT count(*) FROM (SELECT * FROM ours EXCEPT ALL SELECT * FROM theirs))
                 + (SELECT count(*) FROM (SELECT * FROM theirs EXCEPT ALL SELECT * FROM ours))
            """,
            {"path": jsonl},
        ).fetchone()
    return {"records": records, "differing": differing}


def rank_pandas(path: str, min_ratings: int, output: str) -> dict[str, Any]:
    """The straightforward pandas version the baked ranking is measured against."""
    import pandas as pd

    started = start_clock()
    ratings = pd.read_json(path, lines=True)
    ranking = ratings.groupby(ITEM).agg(avg_rating=(SCORE, "mean"), num_ratings=(USER, "nunique"))
    ranking = ranking.loc[ranking["num_ratings"] > min_ratings]
    ranking = ranking.sort_values(["avg_rating", "num_ratings"], ascending=False, kind="stable")
    seconds = time.perf_counter() - started
    ranking.to_csv(output)
    return {"seconds": seconds, "records": len(ratings), "movies": len(ranking)}


def rank_ours(path: str, min_ratings: int, output: str) -> dict[str, Any]:
    """The baked provider's ranking: rank_movies_by_rating(read_ratings(file))."""
    from airflow_movielens.ranking import rank_movies_by_rating, read_ratings

    started = start_clock()
    with open(path, "rb") as source:
        ratings = read_ratings(source)
    ranking = rank_movies_by_rating(ratings, min_ratings=min_ratings)
    seconds = time.perf_counter() - started
    ranking.to_csv(output)
    return {"seconds": seconds, "records": len(ratings), "movies": len(ranking)}


def rank_duckdb(path: str, min_ratings: int, output: str) -> dict[str, Any]:
    """The reference: DuckDB reads the same file and runs the same ranking as SQL, into a pandas frame."""
    import duckdb
    import pandas  # noqa: F401 - DuckDB hands its result to pandas; import it before the clock, as the other rows do

    query = f"""
        SELECT {ITEM}, avg({SCORE}) AS avg_rating, count(DISTINCT {USER}) AS num_ratings
        FROM read_json(
            $path,
            format = 'newline_delimited',
            columns = {{{USER}: 'BIGINT', {ITEM}: 'BIGINT', {SCORE}: 'DOUBLE'}}
        )
        GROUP BY {ITEM}
        HAVING count(DISTINCT {USER}) > $min_ratings
        ORDER BY avg_rating DESC, num_ratings DESC, {ITEM}
    """
    started = start_clock()
    with duckdb.connect() as connection:
        ranking = connection.execute(query, {"path": path, "min_ratings": min_ratings}).df()
    ranking = ranking.set_index(ITEM)
    seconds = time.perf_counter() - started
    ranking.to_csv(output)
    return {"seconds": seconds, "movies": len(ranking)}


def records_digest(path: str, layout: str) -> dict[str, Any]:
    """
    Count and hash the records of a fetch output, whatever its layout, in file order.

    :param layout: ``jsonl`` (one record per line, the operator) or ``json`` (one array, the plain loop).
    """
    digest = hashlib.sha256()
    count = 0
    with open(path, "rb") as source:
        records: Iterable[Any] = (
            (json.loads(line) for line in source) if layout == "jsonl" else json.load(source)
        )
        for record in records:
            digest.update(json.dumps(record, separators=(",", ":")).encode() + b"\n")
            count += 1
    return {"records": count, "sha256": digest.hexdigest()}


def compare_rankings(pandas_csv: str, ours_csv: str, duckdb_csv: str) -> dict[str, Any]:
    """Ours must equal the pandas baseline exactly; DuckDB must agree within float rounding."""
    import numpy as np
    import pandas as pd

    baseline, duck = pd.read_csv(pandas_csv), pd.read_csv(duckdb_csv)
    ours_identical = Path(ours_csv).read_bytes() == Path(pandas_csv).read_bytes()
    problems = []
    if list(duck.columns) != list(baseline.columns):
        problems.append(f"columns {list(duck.columns)} instead of {list(baseline.columns)}")
    elif len(duck) != len(baseline):
        problems.append(f"{len(duck)} movies instead of {len(baseline)}")
    else:
        moved = np.flatnonzero(duck[ITEM].to_numpy() != baseline[ITEM].to_numpy())
        if len(moved):
            problems.append(f"{len(moved)} positions hold another movie, the first at row {moved[0]}")
        if not (duck["num_ratings"].to_numpy() == baseline["num_ratings"].to_numpy()).all():
            problems.append("num_ratings differ")
        if not np.allclose(duck["avg_rating"], baseline["avg_rating"], rtol=1e-12, atol=0.0):
            problems.append("avg_rating differs by more than 1e-12 relative")
    return {
        "movies": len(baseline),
        "ours_identical": ours_identical,
        "duckdb_close": not problems,
        "duckdb_problems": problems,
    }


def make_ratings_file(path: str, records: int, seed: int = 25) -> dict[str, Any]:
    """
    Write ``records`` ratings as JSON Lines in the fetch operator's format, about a million a second.

    Cardinalities follow MovieLens 25M: about 160,000 users and 60,000 movies, popularity with
    a long tail (a few movies rated by many, many by a handful), and scores in steps of 0.5
    scattered around each movie's quality.
    """
    import numpy as np
    import pandas as pd

    users, movies, chunk = 162_541, 59_047, 1_000_000
    rng = np.random.default_rng(seed)
    quality = rng.uniform(1.5, 4.5, movies)
    popularity = 1.0 / np.arange(1, movies + 1) ** 1.2  # Zipf-like
    popularity /= popularity.sum()
    first_timestamp = 1_767_225_600  # 2026-01-01T00:00:00Z
    with open(path, "w", encoding="utf-8") as out:
        for start in range(0, records, chunk):
            size = min(chunk, records - start)
            movie = rng.choice(movies, size, p=popularity)
            user = (users * rng.random(size) ** 2).astype(np.int64)  # some users far busier than others
            score = np.clip(np.round((quality[movie] + rng.normal(0.0, 0.9, size)) * 2) / 2, 0.5, 5.0)
            frame = pd.DataFrame(
                {
                    USER: user + 1,
                    ITEM: movie + 1,
                    SCORE: score,
                    TIMESTAMP: first_timestamp + np.arange(start, start + size) // 10,
                }
            )
            out.write(frame.to_json(orient="records", lines=True))
    return {"records": records, "bytes": Path(path).stat().st_size}


def dev_bake(template: str, output_dir: str) -> dict[str, Any]:
    """A user's bake: ``cookiecutter --no-input`` with the default answers, from start to exit."""
    command = [
        str(Path(sys.executable).parent / "cookiecutter"),
        "--no-input",
        "--output-dir",
        output_dir,
        template,
    ]
    started = start_clock()
    subprocess.run(command, check=True, capture_output=True)
    seconds = time.perf_counter() - started
    shutil.rmtree(output_dir)
    return {"seconds": seconds, "records": 0, "child_peak_rss_kib": children_peak_rss_kib()}


def dev_suite(project: str) -> dict[str, Any]:
    """The baked project's whole test suite, run with pytest in the project as its README says."""
    started = start_clock()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        raise RuntimeError(f"the baked suite failed:\n{run.stdout[-2000:]}")
    return {"seconds": seconds, "records": 0, "child_peak_rss_kib": children_peak_rss_kib()}


def children_peak_rss_kib() -> int:
    """The largest peak RSS of the processes this one waited for (the bake or the test run)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


SCENARIOS: dict[str, Callable[..., dict[str, Any]]] = {
    "fetch-bytes-only": fetch_bytes_only,
    "fetch-plain-loop": fetch_plain_loop,
    "fetch-operator": fetch_operator,
    "fetch-dlt-client": fetch_dlt_client,
    "fetch-dlt-pipeline": fetch_dlt_pipeline,
    "fetch-hook-pages": fetch_hook_pages,
    "fetch-http-operator": fetch_http_operator,
    "rank-pandas": rank_pandas,
    "rank-ours": rank_ours,
    "rank-duckdb": rank_duckdb,
    "records-digest": records_digest,
    "compare-rankings": compare_rankings,
    "compare-with-pipeline": compare_with_pipeline,
    "make-ratings-file": make_ratings_file,
    "dev-bake": dev_bake,
    "dev-suite": dev_suite,
}


def main(argv: list[str]) -> int:
    name, params, result_path = argv
    result = SCENARIOS[name](**json.loads(params))
    # The timed span on the local API's clock; nothing a scenario does after its timed work
    # sends a request, so the end is taken here.
    if monotonic_at_start is not None:
        result["monotonic_span"] = [monotonic_at_start, time.monotonic()]
    # For a command run as a child (a bake, a test run), its peak is the one that matters.
    result["peak_rss_kib"] = (
        result.pop("child_peak_rss_kib", None) or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    )
    result["rss_at_start_kib"] = rss_at_start_kib
    Path(result_path).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
