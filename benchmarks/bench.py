"""
Benchmark the default baked provider: fetch speed and memory against simple clients and dlt, ranking against pandas and DuckDB.

    python3 dev.py bench [--quick] [--only GROUP] [--records N] [--repeat R] [--output FILE] ...

Bakes the default answers into build/bench, installs that project (not editable) into the
interpreter running this script, serves generated ratings with the project's local API in a
process of its own, and runs every scenario R times, round-robin, each run in a fresh process
that times its own work and reports its peak RSS. Prints the machine, the command, a table of
medians, whether the scenarios' outputs agree, and whether each performance target is met.

A missed target is a finding, not an error: the exit code is non-zero only when a scenario
fails or outputs disagree.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

from results import Check, Scenario, render

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE.parent
SCENARIOS = HERE / "scenarios.py"
SERVER = HERE / "serve.py"
PACKAGE = "airflow-movielens"
# Written into --work-dir, so a later run may empty that folder and no other.
MARKER = ".made-by-bench"
LOGIN, PASSWORD = "airflow", "bench-secret"
# The dlt rows: its REST client as a user writes it, and its declarative source in a pipeline.
DLT_CLIENT_LABEL = "dlt RESTClient, 1 in flight (paginate, json.dumps lines)"
DLT_PIPELINE_LABEL = "dlt rest_api pipeline to DuckDB, 1 in flight"
DLT_PIPELINE_CURSOR_LABEL = "dlt rest_api pipeline to DuckDB, 1 in flight (cursor paginator)"
DLT_CURSOR_LABEL = "dlt RESTClient, 1 in flight (cursor paginator, json.dumps lines)"
# Airflow's own HttpOperator, with the connection the environment names AIRFLOW_CONN_BENCH_HTTP.
HTTP_OPERATOR_LABEL = "HttpOperator, 1 in flight (pagination_function, every response held, json.dumps lines)"
HTTP_CONN_ID = "bench_http"
# The groups of rows, in the report's order; --only picks some.
GROUPS = ("fetch", "concurrency", "rate-limit", "sequential-paging", "ranking", "developer-loop")
SCENARIO_TIMEOUT = 3600  # seconds; the pandas baseline on 10 million ratings takes minutes

DEFAULTS = {
    "records": 1_000_000,
    "page_size": 1000,
    "memory_records": 20_000,
    "latency_records": 20_000,
    "latency": 0.050,
    "latency_page_size": 100,
    "rate_limit": 20.0,
    "rate_limit_burst": 20,
    "rate_limit_headers": "draft",
    "rate_limit_records": 20_000,
    "sequential_records": 20_000,
    "split": 8,
    "ranking_records": 10_000_000,
    "repeat": 5,
    "min_ratings": 2,
}
# Tiny sizes for CI: every scenario and check runs once, in well under a minute.
QUICK = {
    "records": 2_000,
    "page_size": 100,
    "memory_records": 500,
    "latency_records": 500,
    "rate_limit_records": 500,
    "sequential_records": 500,
    "ranking_records": 20_000,
    "repeat": 1,
}


class BenchError(Exception):
    """A scenario or a step of the benchmark failed; the message says which and why."""


# --- options ---------------------------------------------------------------------------------


def whole_number(minimum: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw.replace("_", ""))
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"{raw!r} is not allowed; give a whole number from {minimum} up")
        return value

    return parse


def seconds_from_zero(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value < 60:
        raise argparse.ArgumentTypeError(f"{raw!r} is not allowed; give seconds from 0 up to 60, e.g. 0.010")
    return value


def requests_per_second(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 10_000:
        raise argparse.ArgumentTypeError(
            f"{raw!r} is not allowed; give requests a second from 0 (no limit) up to 10000, e.g. 20"
        )
    return value


def split_count(raw: str) -> int | str:
    if raw == "auto":
        return raw
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 2 <= value <= 256:
        raise argparse.ArgumentTypeError(
            f"{raw!r} is not allowed; give a whole number from 2 to 256, or auto"
        )
    return value


def parse_options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python3 dev.py bench", description=__doc__.split("\n\n")[0].strip()
    )
    add = parser.add_argument
    add("--records", type=whole_number(1), help="ratings in the fetch window (default 1,000,000)")
    add("--page-size", type=whole_number(1), help="records per request in the fetch rows (default 1000)")
    add(
        "--memory-records",
        type=whole_number(1),
        help="ratings in the small window the memory row compares with --records (default 20,000)",
    )
    add(
        "--latency-records",
        type=whole_number(1),
        help="ratings fetched in the concurrency rows (default 20,000)",
    )
    add(
        "--latency", type=seconds_from_zero, help="server latency per request in the concurrency rows (0.050)"
    )
    add(
        "--latency-page-size",
        type=whole_number(1),
        help="records per request in the concurrency, rate limit and sequential paging rows (100)",
    )
    add(
        "--rate-limit",
        type=requests_per_second,
        help="requests a second the rate limit rows' API answers, 429 beyond; 0 for no limit (default 20)",
    )
    add(
        "--rate-limit-burst",
        type=whole_number(1),
        help="requests the rate limit rows' API answers back to back after a quiet spell (default 20)",
    )
    add(
        "--rate-limit-headers",
        choices=("draft", "github"),
        help="how that API describes its limit: draft (RateLimit-* and Retry-After) or github (X-RateLimit-*)",
    )
    add("--rate-limit-records", type=whole_number(1), help="ratings fetched in the rate limit rows (20,000)")
    add(
        "--sequential-records",
        type=whole_number(1),
        help="ratings fetched in the sequential paging rows, from a cursor API (20,000)",
    )
    add(
        "--split",
        type=split_count,
        help="sub-windows of the split row in sequential paging: 2 to 256 or auto (8)",
    )
    add("--ranking-records", type=whole_number(1), help="ratings in the ranking file (default 10,000,000)")
    add("--repeat", type=whole_number(1), help="runs per scenario; the table shows medians (default 5)")
    add("--quick", action="store_true", help="tiny sizes and one run each: a smoke test, not a measurement")
    add(
        "--only",
        action="append",
        choices=GROUPS,
        metavar="GROUP",
        help=f"run only this group of rows (repeat for more): {', '.join(GROUPS)}; default all",
    )
    add("--output", type=Path, help="also write the report (markdown) to this file")
    add(
        "--work-dir",
        type=Path,
        default=TEMPLATE / "build" / "bench",
        help="where to bake and keep temporary data, emptied first (default build/bench)",
    )
    options = parser.parse_args(argv)
    for name, default in DEFAULTS.items():
        if getattr(options, name, None) is None:
            setattr(options, name, QUICK.get(name, default) if options.quick else default)
    if options.memory_records >= options.records:
        parser.error(
            f"argument --memory-records: {options.memory_records} is not allowed; "
            f"it must be smaller than --records ({options.records})"
        )
    return options


# --- environment -----------------------------------------------------------------------------


def run_quietly(*command: object, cwd: Path | None = None) -> None:
    """Run a set-up command; on failure stop with its output."""
    run = subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True)
    if run.returncode != 0:
        raise BenchError(f"{' '.join(map(str, command))} failed:\n{run.stdout}{run.stderr}")


def fresh_work_dir(work_dir: Path) -> None:
    """Empty the work folder, refusing one the benchmark did not make."""
    if work_dir.exists() and any(work_dir.iterdir()) and not (work_dir / MARKER).exists():
        raise BenchError(
            f"--work-dir {work_dir} is not empty and was not made by the benchmark; "
            "give a new or empty folder, or leave the default build/bench"
        )
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir(parents=True)
    (work_dir / MARKER).write_text("Made by benchmarks/bench.py, which empties this folder on every run.\n")


def bake_and_install(work_dir: Path) -> Path:
    """Bake the default answers into the work folder and install the project, with what it requires, as a user would."""
    bin_dir = Path(sys.executable).parent
    run_quietly(bin_dir / "cookiecutter", "--no-input", "--output-dir", work_dir, TEMPLATE)
    project = work_dir / PACKAGE
    run_quietly(
        sys.executable,
        "-m",
        "uv",
        "pip",
        "install",
        "--python",
        sys.executable,
        "--quiet",
        "--no-build-isolation",
        # Only the bake: reinstalling its dependencies too would pull files from under other
        # processes using this environment (the template's tests run in parallel workers).
        "--reinstall-package",
        PACKAGE,
        "--compile-bytecode",  # as pip does: imports read bytecode, as a user's would
        project,
    )
    # Measure the code just baked, not a stale cached build or an editable install elsewhere.
    installed = subprocess.run(
        [sys.executable, "-c", "import airflow_movielens; print(airflow_movielens.__file__)"],
        cwd=work_dir,
        capture_output=True,
        text=True,
    ).stdout.strip()
    baked = project / "src" / "airflow_movielens"
    if not installed or Path(installed).parent.resolve() == baked.resolve():
        raise BenchError(f"{PACKAGE} is not installed as a copy (found {installed or 'nothing'})")
    for source in baked.rglob("*.py"):
        copy = Path(installed).parent / source.relative_to(baked)
        if not copy.is_file() or copy.read_bytes() != source.read_bytes():
            raise BenchError(f"the installed {source.relative_to(baked)} differs from the bake in {project}")
    return project


def machine() -> list[str]:
    """What the figures were measured on."""
    cpu = "unknown CPU"
    memory = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
                break
    versions = ", ".join(
        f"{name} {version(name)}"
        for name in (
            "apache-airflow",
            "apache-airflow-providers-http",
            "pandas",
            "requests",
            "duckdb",
            "dlt",
            PACKAGE,
        )
    )
    commit = subprocess.run(
        ["git", "-C", str(TEMPLATE), "describe", "--always", "--dirty"], capture_output=True, text=True
    ).stdout.strip()
    return [
        f"- CPU: {cpu}, {os.cpu_count()} logical cores",
        f"- RAM: {memory}",
        f"- OS: {platform.platform()}",
        f"- Python: {platform.python_version()} ({platform.python_implementation()})",
        f"- Packages: {versions}",
        f"- Template commit: {commit or 'unknown'}",
        f"- Load average (1 min) before the first scenario: {os.getloadavg()[0]:.2f}",
    ]


def version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def scenario_env(data: Path, port: int | None = None) -> dict[str, str]:
    """The caller's environment without its Airflow settings, a throwaway Airflow home and the API's connection."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}
    env["AIRFLOW_HOME"] = str(data / "airflow-home")
    env["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    env["RUNTIME__DLTHUB_TELEMETRY"] = "false"  # dlt's rows: no anonymous usage reports
    if port is not None:
        connection = {
            "conn_type": "movielens",
            "host": "127.0.0.1",
            "port": port,
            "schema": "http",
            "login": LOGIN,
            "password": PASSWORD,
        }
        env["AIRFLOW_CONN_MOVIELENS_DEFAULT"] = json.dumps(connection)
        # The same API as a plain HTTP connection, for Airflow's HttpOperator.
        env[f"AIRFLOW_CONN_{HTTP_CONN_ID.upper()}"] = json.dumps({**connection, "conn_type": "http"})
    return env


# --- running ---------------------------------------------------------------------------------


def run_script(script: str, params: dict[str, Any], env: dict[str, str], data: Path) -> dict[str, Any]:
    """Run one scenario (or check) of scenarios.py in a fresh process and return what it reports."""
    result_path = data / "result.json"
    result_path.unlink(missing_ok=True)
    try:
        run = subprocess.run(
            [sys.executable, str(SCENARIOS), script, json.dumps(params), str(result_path)],
            cwd=data,
            env=env,
            capture_output=True,
            text=True,
            timeout=SCENARIO_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"{script} did not finish within {SCENARIO_TIMEOUT} s") from None
    if run.returncode != 0:
        tail = "\n".join(run.stderr.strip().splitlines()[-6:])
        raise BenchError(f"{script} failed with exit code {run.returncode}:\n{tail}")
    return json.loads(result_path.read_text())


def run_rounds(scenarios: list[Scenario], repeat: int, data: Path) -> None:
    """
    Run each scenario ``repeat`` times, round-robin, so a change in machine load hits all alike.

    For a scenario with a ``server``, the local API's counts before and after each run give
    the requests it sent and how many the rate limit answered 429, and its timed span the
    requests received while the clock ran.
    """
    for round_number in range(1, repeat + 1):
        for scenario in scenarios:
            if scenario.error is not None:
                continue
            before = scenario.server.stats() if scenario.server is not None else None
            try:
                result = run_script(scenario.script, scenario.params, scenario.env, data)
            except BenchError as error:
                scenario.error = str(error)
                if before is not None:
                    after = scenario.server.stats()
                    sent = after["requests"] - before["requests"]
                    if sent:
                        scenario.error += (
                            f"\n(the local API answered {after['throttled'] - before['throttled']:,} of the "
                            f"{sent:,} requests of this run with 429)"
                        )
                print(
                    f"  {scenario.group}: {scenario.label}: FAILED\n{textwrap.indent(scenario.error, '    ')}",
                    flush=True,
                )
                continue
            requests = ""
            if before is not None:
                after = scenario.server.stats(result.get("monotonic_span"))
                result["requests"] = after["requests"] - before["requests"]
                result["throttled"] = after["throttled"] - before["throttled"]
                result["timed_requests"] = after["between"]
                requests = f", {result['requests']:,} requests, {result['throttled']:,} answered 429"
            scenario.results.append(result)
            print(
                f"  {scenario.group} {round_number}/{repeat}: {scenario.label}: "
                f"{result['seconds']:.3f} s, {result['peak_rss_kib'] / 1024:.0f} MiB{requests}",
                flush=True,
            )


class LocalApiProcess:
    """A running serve.py: where it listens, the days its data covers, and its request counts."""

    def __init__(self, process: subprocess.Popen, announcement: dict[str, Any]) -> None:
        self.process = process
        self.port: int = announcement["port"]
        self.first_day = dt.date.fromisoformat(announcement["first_day"])
        self.days: int = announcement["days"]

    def stats(self, span: list[float] | None = None) -> dict[str, Any]:
        """
        The requests received so far and how many were answered 429; with a span of
        ``time.monotonic()`` seconds, also how many arrived within it (``between``).
        """
        command = "stats" if span is None else f"stats {span[0]!r} {span[1]!r}"
        try:
            self.process.stdin.write(command + "\n")
            self.process.stdin.flush()
        except OSError:
            pass  # it has exited; the empty answer below says so
        answer = self.process.stdout.readline()
        if not answer:
            raise BenchError(f"the local API (pid {self.process.pid}) stopped while the benchmark ran")
        stats = json.loads(answer)
        if "error" in stats:
            raise BenchError(f"the local API did not understand {command!r}: {stats['error']}")
        return stats


@contextlib.contextmanager
def local_api(
    records: int,
    per_day: int,
    latency: float,
    data: Path,
    api: str = "offset",
    rate_limit: dict[str, Any] | None = None,
) -> Iterator[LocalApiProcess]:
    """The baked local API with generated ratings, in its own process, stopped however we leave."""
    settings = {
        "records": records,
        "per_day": per_day,
        "latency": latency,
        "login": LOGIN,
        "password": PASSWORD,
        "api": api,
        "rate_limit": rate_limit,
    }
    server = subprocess.Popen(
        [sys.executable, str(SERVER), json.dumps(settings)],
        cwd=data,
        env=scenario_env(data),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        announcement = server.stdout.readline()
        if not announcement:
            raise BenchError(f"the local API did not start (exit code {server.wait()}); see its error above")
        served = LocalApiProcess(server, json.loads(announcement))
        limit = (
            f", at most {rate_limit['rate']:g} requests/s (burst {rate_limit['burst']}, "
            f"{rate_limit['headers']} headers)"
            if rate_limit
            else ""
        )
        print(
            f"  local API with {records:,} ratings, {api} paging, latency {latency * 1000:.0f} ms{limit}, "
            f"at http://127.0.0.1:{served.port} (pid {server.pid})",
            flush=True,
        )
        yield served
    finally:
        with contextlib.suppress(OSError):
            server.stdin.close()  # the server's signal to stop
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        last = (server.stdout.read().strip().splitlines() or [""])[-1]
        server.stdout.close()
        if rate_limit and last.startswith("{") and '"final"' in last:
            final = json.loads(last)
            print(
                f"  local API stopped: {final['requests']:,} requests, {final['throttled']:,} answered 429",
                flush=True,
            )


def window(api: LocalApiProcess, days: int, datetimes: bool = False) -> dict[str, str]:
    """The API's window parameters for the first ``days`` days of its data: dates, or ISO 8601 datetimes in UTC."""
    bounds = (api.first_day, api.first_day + dt.timedelta(days=days))
    if datetimes:
        return {"start_date": f"{bounds[0]}T00:00:00+00:00", "end_date": f"{bounds[1]}T00:00:00+00:00"}
    return {"start_date": bounds[0].isoformat(), "end_date": bounds[1].isoformat()}


def same_records(
    description: str, expected: int, outputs: dict[Scenario, tuple[Path, str]], data: Path
) -> list[Check]:
    """Each output holds ``expected`` records, and all hold the same records in the same order."""
    digests = {}
    for scenario, (path, layout) in outputs.items():
        if scenario.measured:
            digests[scenario] = run_script(
                "records-digest", {"path": str(path), "layout": layout}, dict(os.environ), data
            )
    checks = []
    for scenario, digest in digests.items():
        checks.append(
            Check(
                f"{scenario.group}: {scenario.label} wrote {expected:,} records",
                digest["records"] == expected,
                f"it wrote {digest['records']:,}",
            )
        )
    if len(digests) > 1:
        hashes = {digest["sha256"] for digest in digests.values()}
        names = " = ".join(scenario.label for scenario in digests)
        checks.append(Check(f"{description}: {names}", len(hashes) == 1, f"{len(hashes)} different outputs"))
    return checks


def fetch_rows(options: argparse.Namespace, data: Path) -> tuple[list[Scenario], list[Check]]:
    """Bytes-only ceiling, plain loop and operator over one large window, and the operator's memory on a small one."""
    print(f"Fetch: {options.records:,} ratings in pages of {options.page_size}", flush=True)
    with local_api(options.records, options.memory_records, 0.0, data) as api:
        env = scenario_env(data, api.port)
        url = f"http://127.0.0.1:{api.port}/ratings"
        client = {"url": url, "login": LOGIN, "password": PASSWORD, "page_size": options.page_size}
        full, small = window(api, api.days), window(api, 1)
        outputs = {
            "loop": data / "loop.json",
            **{key: data / f"{key}.jsonl" for key in ("op1", "op8", "dlt", "small")},
        }

        def operator(key: str, label: str, records: int, span: dict[str, str], in_flight: int) -> Scenario:
            params = {
                "window": span,
                "page_size": options.page_size,
                "max_in_flight": in_flight,
                "output": str(outputs[key]),
            }
            return Scenario(key, "fetch", label, records, "fetch-operator", params, env, reference="bytes")

        bytes_only = Scenario(
            "bytes",
            "fetch",
            "bytes-only ceiling (Session, bytes discarded)",
            options.records,
            "fetch-bytes-only",
            {**client, "window": full, "total": options.records},
            env,
        )
        loop = Scenario(
            "loop",
            "fetch",
            "plain loop (Session, list, json.dump)",
            options.records,
            "fetch-plain-loop",
            {**client, "window": full, "output": str(outputs["loop"])},
            env,
            reference="bytes",
        )
        one = operator("op1", "operator, 1 in flight", options.records, full, 1)
        eight = operator("op8", "operator, 8 in flight", options.records, full, 8)
        dlt_client = Scenario(
            "dlt",
            "fetch",
            DLT_CLIENT_LABEL,
            options.records,
            "fetch-dlt-client",
            {**client, "window": full, "output": str(outputs["dlt"])},
            env,
            reference="bytes",
        )
        small_window = operator(
            "small", "operator, 1 in flight (first day)", options.memory_records, small, 1
        )
        small_window.group, small_window.reference = "memory", None
        scenarios = [bytes_only, loop, one, eight, dlt_client, small_window]
        run_rounds(scenarios, options.repeat, data)
    checks = same_records(
        "fetch outputs agree",
        options.records,
        {
            loop: (outputs["loop"], "json"),
            one: (outputs["op1"], "jsonl"),
            eight: (outputs["op8"], "jsonl"),
            dlt_client: (outputs["dlt"], "jsonl"),
        },
        data,
    )
    checks += same_records(
        "memory", options.memory_records, {small_window: (outputs["small"], "jsonl")}, data
    )
    return scenarios, checks


def concurrency_rows(options: argparse.Namespace, data: Path) -> tuple[list[Scenario], list[Check]]:
    """The operator at 1 and 8 requests in flight, dlt's RESTClient and its rest_api pipeline, against a slow API."""
    latency_ms = options.latency * 1000
    page_size = options.latency_page_size
    scenario = f"{latency_ms:.0f} ms latency, pages of {page_size}"
    print(f"Concurrency: {options.latency_records:,} ratings, {scenario}", flush=True)
    # One page a day, so each scenario's untimed warm-up (the first day) is a single request.
    with local_api(options.latency_records, page_size, options.latency, data) as api:
        env = scenario_env(data, api.port)
        span = window(api, api.days)
        url = f"http://127.0.0.1:{api.port}/ratings"
        client = {"url": url, "login": LOGIN, "password": PASSWORD, "page_size": page_size, "window": span}
        outputs = {key: data / f"{key}.jsonl" for key in ("seq", "par", "dlt-seq")}
        outputs["dlt-pipeline"] = data / "dlt-pipeline.duckdb"
        rows = []
        for key, in_flight in (("seq", 1), ("par", 8)):
            params = {
                "window": span,
                "page_size": page_size,
                "max_in_flight": in_flight,
                "output": str(outputs[key]),
            }
            rows.append(
                Scenario(
                    key,
                    "concurrency",
                    f"operator, {in_flight} in flight, {scenario}",
                    options.latency_records,
                    "fetch-operator",
                    params,
                    env,
                    reference="seq" if in_flight > 1 else None,
                )
            )
        for key, label, script in (
            ("dlt-seq", DLT_CLIENT_LABEL, "fetch-dlt-client"),
            ("dlt-pipeline", DLT_PIPELINE_LABEL, "fetch-dlt-pipeline"),
        ):
            params = {**client, "output": str(outputs[key])}
            rows.append(
                Scenario(
                    key,
                    "concurrency",
                    f"{label}, {scenario}",
                    options.latency_records,
                    script,
                    params,
                    env,
                    reference="seq",
                )
            )
        run_rounds(rows, options.repeat, data)
    return rows, outputs_agree("concurrency", options.latency_records, rows, outputs, data)


def outputs_agree(
    group: str, records: int, rows: list[Scenario], outputs: dict[str, Path], data: Path
) -> list[Check]:
    """
    Every JSON Lines output holds ``records`` records, all the same in the same order, and the
    dlt pipeline's table (the last row) the same records as the first row's file, in any order.
    """
    first, pipeline = rows[0], rows[-1]
    checks = same_records(
        f"{group} outputs agree",
        records,
        {row: (outputs[row.key], "jsonl") for row in rows if row is not pipeline},
        data,
    )
    if first.measured and pipeline.measured:
        loaded = run_script(
            "compare-with-pipeline",
            {"jsonl": str(outputs[first.key]), "database": str(outputs[pipeline.key])},
            dict(os.environ),
            data,
        )
        checks.append(
            Check(
                f"{group}: {pipeline.label} loaded {records:,} records, "
                f"the same as {first.label} (in any order)",
                loaded["records"] == records and loaded["differing"] == 0,
                f"it loaded {loaded['records']:,}, {loaded['differing']:,} of them or ours unmatched",
            )
        )
    return checks


def rate_limit_rows(options: argparse.Namespace, data: Path) -> tuple[list[Scenario], list[Check]]:
    """The operator with max_in_flight "auto" and 8, dlt's RESTClient and pipeline and the HttpOperator, against a rate-limited API."""
    page_size, records = options.latency_page_size, options.rate_limit_records
    limit = options.rate_limit or None  # 0: no limit
    rate_limit = (
        {"rate": limit, "burst": options.rate_limit_burst, "headers": options.rate_limit_headers}
        if limit
        else None
    )
    limited = f"limit {limit:g} requests/s (burst {options.rate_limit_burst})" if limit else "no limit"
    scenario = f"{limited}, {options.latency * 1000:.0f} ms latency, pages of {page_size}"
    print(f"Rate limit: {records:,} ratings, {scenario}", flush=True)
    # One page a day, so each scenario's untimed warm-up (the first day) is a single request.
    with local_api(records, page_size, options.latency, data, rate_limit=rate_limit) as api:
        env = scenario_env(data, api.port)
        span = window(api, api.days)
        url = f"http://127.0.0.1:{api.port}/ratings"
        outputs = {key: data / f"{key}.jsonl" for key in ("rl-auto", "rl-8", "rl-dlt", "rl-http")}
        outputs["rl-pipeline"] = data / "rl-pipeline.duckdb"
        client = {"url": url, "login": LOGIN, "password": PASSWORD, "page_size": page_size, "window": span}

        def operator(key: str, in_flight: int | str) -> dict[str, Any]:
            return {
                "window": span,
                "page_size": page_size,
                "max_in_flight": in_flight,
                "output": str(outputs[key]),
            }

        rows = [
            Scenario(
                "rl-auto",
                "rate limit",
                f"operator, auto in flight, {scenario}",
                records,
                "fetch-operator",
                operator("rl-auto", "auto"),
                env,
            ),
            Scenario(
                "rl-8",
                "rate limit",
                f"operator, 8 in flight, {scenario}",
                records,
                "fetch-operator",
                operator("rl-8", 8),
                env,
                reference="rl-auto",
            ),
            Scenario(
                "rl-dlt",
                "rate limit",
                f"{DLT_CLIENT_LABEL}, {scenario}",
                records,
                "fetch-dlt-client",
                {**client, "output": str(outputs["rl-dlt"])},
                env,
                reference="rl-auto",
            ),
            Scenario(
                "rl-http",
                "rate limit",
                f"{HTTP_OPERATOR_LABEL}, {scenario}",
                records,
                "fetch-http-operator",
                {
                    "conn_id": HTTP_CONN_ID,
                    "endpoint": "/ratings",
                    "window": span,
                    "page_size": page_size,
                    "paging": "offset",
                    "output": str(outputs["rl-http"]),
                    "retry": True,
                },
                env,
                reference="rl-auto",
            ),
            Scenario(
                "rl-pipeline",
                "rate limit",
                f"{DLT_PIPELINE_LABEL}, {scenario}",
                records,
                "fetch-dlt-pipeline",
                {**client, "output": str(outputs["rl-pipeline"])},
                env,
                reference="rl-auto",
            ),
        ]
        for row in rows:
            row.server, row.rate_limit = api, limit
        run_rounds(rows, options.repeat, data)
    return rows, outputs_agree("rate limit", records, rows, outputs, data)


def sequential_rows(options: argparse.Namespace, data: Path) -> tuple[list[Scenario], list[Check]]:
    """Cursor paging, one window: the hook unsplit and split, dlt's cursor paginator and pipeline, and the HttpOperator."""
    page_size, records, split = options.latency_page_size, options.sequential_records, options.split
    scenario = f"cursor API, {options.latency * 1000:.0f} ms latency, pages of {page_size}"
    print(f"Sequential paging: {records:,} ratings in one window, {scenario}", flush=True)
    with local_api(records, page_size, options.latency, data, api="cursor") as api:
        env = scenario_env(data, api.port)
        span = window(api, api.days, datetimes=True)
        url = f"http://127.0.0.1:{api.port}/ratings"
        outputs = {key: data / f"{key}.jsonl" for key in ("cur-1", "cur-split", "cur-dlt", "cur-http")}
        outputs["cur-pipeline"] = data / "cur-pipeline.duckdb"
        cursor_client = {
            "url": url,
            "login": LOGIN,
            "password": PASSWORD,
            "page_size": page_size,
            "window": span,
            "paging": "cursor",
        }

        def hook(key: str, in_flight: int, parts: int | str | None) -> dict[str, Any]:
            return {
                "api": "cursor",
                "window": span,
                "page_size": page_size,
                "max_in_flight": in_flight,
                "split": parts,
                "output": str(outputs[key]),
            }

        rows = [
            Scenario(
                "cur-1",
                "sequential paging",
                f"ours unsplit, 1 in flight (hook, JSON Lines), {scenario}",
                records,
                "fetch-hook-pages",
                hook("cur-1", 1, None),
                env,
            ),
            Scenario(
                "cur-split",
                "sequential paging",
                f"ours split {split}, 8 in flight (hook, JSON Lines), {scenario}",
                records,
                "fetch-hook-pages",
                hook("cur-split", 8, split),
                env,
                reference="cur-1",
            ),
            Scenario(
                "cur-dlt",
                "sequential paging",
                f"{DLT_CURSOR_LABEL}, {scenario}",
                records,
                "fetch-dlt-client",
                {**cursor_client, "output": str(outputs["cur-dlt"])},
                env,
                reference="cur-1",
            ),
            Scenario(
                "cur-http",
                "sequential paging",
                f"{HTTP_OPERATOR_LABEL}, {scenario}",
                records,
                "fetch-http-operator",
                {
                    "conn_id": HTTP_CONN_ID,
                    "endpoint": "/ratings",
                    "window": span,
                    "page_size": page_size,
                    "paging": "cursor",
                    "output": str(outputs["cur-http"]),
                    "retry": False,
                },
                env,
                reference="cur-1",
            ),
            Scenario(
                "cur-pipeline",
                "sequential paging",
                f"{DLT_PIPELINE_CURSOR_LABEL}, {scenario}",
                records,
                "fetch-dlt-pipeline",
                {**cursor_client, "output": str(outputs["cur-pipeline"])},
                env,
                reference="cur-1",
            ),
        ]
        run_rounds(rows, options.repeat, data)
    return rows, outputs_agree("sequential paging", records, rows, outputs, data)


def ranking_rows(options: argparse.Namespace, data: Path) -> tuple[list[Scenario], list[Check]]:
    """pandas baseline, the baked ranking and DuckDB on one generated ratings file."""
    print(f"Ranking: {options.ranking_records:,} ratings", flush=True)
    ratings = data / "ratings.jsonl"
    made = run_script(
        "make-ratings-file",
        {"path": str(ratings), "records": options.ranking_records},
        dict(os.environ),
        data,
    )
    print(f"  ratings file: {made['bytes'] / 1024**2:,.0f} MiB of JSON Lines", flush=True)
    env = scenario_env(data)
    outputs = {key: data / f"ranking-{key}.csv" for key in ("pandas", "ours", "duckdb")}
    rows = [
        Scenario(key, "ranking", label, options.ranking_records, script, {}, env, reference=reference)
        for key, label, script, reference in (
            ("pandas", "pandas baseline (read_json, groupby)", "rank-pandas", None),
            ("ours", "ours (read_ratings, rank_movies_by_rating)", "rank-ours", "pandas"),
            ("duckdb", "DuckDB (read_json, GROUP BY)", "rank-duckdb", "pandas"),
        )
    ]
    for row in rows:
        row.params = {
            "path": str(ratings),
            "min_ratings": options.min_ratings,
            "output": str(outputs[row.key]),
        }
    try:
        run_rounds(rows, options.repeat, data)
    finally:
        ratings.unlink(missing_ok=True)
    if not all(row.measured for row in rows):
        return rows, []
    comparison = run_script(
        "compare-rankings",
        {
            "pandas_csv": str(outputs["pandas"]),
            "ours_csv": str(outputs["ours"]),
            "duckdb_csv": str(outputs["duckdb"]),
        },
        dict(os.environ),
        data,
    )
    movies = comparison["movies"]
    checks = [
        Check(f"ranking: the rankings hold movies ({movies:,})", movies > 0, "the baseline ranked no movie"),
        Check(
            "ranking: ours is identical to the pandas baseline (same CSV bytes)",
            comparison["ours_identical"],
            "the CSVs differ",
        ),
        Check(
            "ranking: DuckDB agrees with the pandas baseline (same movies and order; means within 1e-12)",
            comparison["duckdb_close"],
            "; ".join(comparison["duckdb_problems"]),
        ),
    ]
    return rows, checks


def developer_rows(
    options: argparse.Namespace, data: Path, project: Path
) -> tuple[list[Scenario], list[Check]]:
    """What a developer waits for: a bake with the default answers, and the baked project's suite."""
    print("Developer loop: bake, and the baked project's own test suite", flush=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}
    rows = [
        Scenario(
            "bake",
            "developer loop",
            "bake (cookiecutter --no-input)",
            0,
            "dev-bake",
            {"template": str(TEMPLATE), "output_dir": str(data / "bake")},
            env,
        ),
        Scenario(
            "suite",
            "developer loop",
            "the baked project's test suite (pytest)",
            0,
            "dev-suite",
            {"project": str(project)},
            env,
        ),
    ]
    run_rounds(rows, options.repeat, data)
    return rows, []


# --- main ------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    options = parse_options(argv)
    # A cancelled CI job sends SIGTERM: clean up as for Ctrl-C.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    work_dir = options.work_dir.resolve()
    data = work_dir / "data"
    rows: list[Scenario] = []
    checks: list[Check] = []
    try:
        fresh_work_dir(work_dir)
        print(f"Baking the default provider into {work_dir} and installing it into {sys.prefix}", flush=True)
        project = bake_and_install(work_dir)
        about = machine()
        data.mkdir()
        measures = {
            "fetch": fetch_rows,
            "concurrency": concurrency_rows,
            "rate-limit": rate_limit_rows,
            "sequential-paging": sequential_rows,
            "ranking": ranking_rows,
            "developer-loop": lambda options, data: developer_rows(options, data, project),
        }
        for group in GROUPS:
            if options.only is None or group in options.only:
                new_rows, new_checks = measures[group](options, data)
                rows += new_rows
                checks += new_checks
    except BenchError as error:
        print(f"Benchmark stopped: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted; the local API is stopped and temporary files are removed.", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(data, ignore_errors=True)
    about.append(f"- Load average (1 min) after the last scenario: {os.getloadavg()[0]:.2f}")
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    method = (
        f"{options.repeat} run(s) per scenario, round-robin, each in a fresh process; figures are medians, "
        "and ratios are taken between the medians of this run. Peak RSS is the whole process "
        f"(interpreter and imports included); Linux counts this harness's own peak ({floor:.0f} MiB) "
        "as a floor for it."
    )
    command = shlex.join(["python3", "dev.py", "bench", *argv])
    text = render(about, command, method, rows, checks, options)
    print("\n" + text, flush=True)
    if options.output is not None:
        options.output.write_text(text, encoding="utf-8")
    failed = [row for row in rows if row.error is not None] + [check for check in checks if not check.ok]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
