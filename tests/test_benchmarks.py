"""The benchmark harness runs end to end on tiny data (the CI smoke test): no figure is asserted, only that it works."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import TEMPLATE, clean_env, pip_uninstall

BENCH = TEMPLATE / "benchmarks" / "bench.py"
EXPECTED_ROWS = [
    ("fetch", "bytes-only ceiling"),
    ("fetch", "plain loop"),
    ("fetch", "operator, 1 in flight"),
    ("fetch", "operator, 8 in flight"),
    ("fetch", "dlt RESTClient, 1 in flight"),
    ("memory", "operator, 1 in flight"),
    ("concurrency", "operator, 1 in flight"),
    ("concurrency", "operator, 8 in flight"),
    ("concurrency", "dlt RESTClient, 1 in flight"),
    ("concurrency", "dlt rest_api pipeline to DuckDB"),
    ("rate limit", "operator, auto in flight"),
    ("rate limit", "operator, 8 in flight"),
    ("rate limit", "dlt RESTClient, 1 in flight"),
    ("rate limit", "HttpOperator, 1 in flight"),
    ("rate limit", "dlt rest_api pipeline to DuckDB, 1 in flight"),
    ("sequential paging", "ours unsplit, 1 in flight"),
    ("sequential paging", "ours split 8, 8 in flight"),
    ("sequential paging", "dlt RESTClient, 1 in flight (cursor paginator"),
    ("sequential paging", "HttpOperator, 1 in flight"),
    ("sequential paging", "dlt rest_api pipeline to DuckDB, 1 in flight (cursor paginator"),
    ("ranking", "pandas baseline"),
    ("ranking", "ours"),
    ("ranking", "DuckDB"),
    ("developer loop", "bake"),
    ("developer loop", "the baked project's test suite"),
]
# The output checks, by how each line starts after "- agree: ".
EXPECTED_CHECKS = [
    "fetch: plain loop",
    "fetch: operator, 1 in flight wrote",
    "fetch: operator, 8 in flight wrote",
    "fetch: dlt RESTClient, 1 in flight",
    "fetch outputs agree: plain loop",
    "memory: operator, 1 in flight (first day) wrote",
    "concurrency: operator, 1 in flight",
    "concurrency: operator, 8 in flight",
    "concurrency: dlt RESTClient, 1 in flight",
    "concurrency outputs agree: operator, 1 in flight",
    "concurrency: dlt rest_api pipeline to DuckDB",
    "rate limit: operator, auto in flight",
    "rate limit: operator, 8 in flight",
    "rate limit: dlt RESTClient, 1 in flight",
    "rate limit: HttpOperator, 1 in flight",
    "rate limit outputs agree: operator, auto in flight",
    "rate limit: dlt rest_api pipeline to DuckDB",
    "sequential paging: ours unsplit",
    "sequential paging: ours split 8",
    "sequential paging: dlt RESTClient, 1 in flight (cursor paginator",
    "sequential paging: HttpOperator, 1 in flight",
    "sequential paging outputs agree: ours unsplit",
    "sequential paging: dlt rest_api pipeline to DuckDB",
    "ranking: the rankings hold movies",
    "ranking: ours is identical to the pandas baseline",
    "ranking: DuckDB agrees with the pandas baseline",
]
# Rows timing a whole command, where records and records/s do not apply.
COMMAND_ROWS = {"developer loop"}
# Rows against a rate-limited API, which also count its 429 answers and the requests it answered.
REQUEST_ROWS = {"rate limit"}
TARGETS = [
    "flat memory",
    "close to the ceiling",
    "faster than dlt",
    "concurrency",
    "memory at 8 in flight",
    "rate limit",
    "sequential paging",
    "ranking speed",
    "ranking memory",
    "developer loop: the baked default project's whole test suite",
    "developer loop: a bake",
]


def bench(*options: str | Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, BENCH, *map(str, options)],
        env=clean_env(),
        capture_output=True,
        text=True,
        **kwargs,
    )


def section(report: str, title: str) -> list[str]:
    """The non-empty lines under a ``## title`` heading of the report."""
    body = report.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in body.splitlines() if line.strip()]


@pytest.fixture(scope="module", autouse=True)
def uninstall_the_bake_afterwards():
    """The benchmark installs its bake into this environment; remove it when the module is done."""
    yield
    pip_uninstall("airflow-movielens")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """
    One `bench --quick` for the module: bake, install and every scenario once on tiny data.

    About 40 s here, most of it the bake's install and Airflow's import in each operator run.
    """
    scratch = tmp_path_factory.mktemp("bench")
    run = bench("--quick", "--work-dir", scratch / "work", "--output", scratch / "report.md", timeout=600)
    return run, scratch


@pytest.mark.slow
def test_bench_quick_exits_zero(quick_run):
    run, _ = quick_run

    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-5000:]


@pytest.mark.slow
def test_bench_quick_reports_machine_command_and_every_row_with_figures(quick_run):
    run, scratch = quick_run
    report = (scratch / "report.md").read_text()

    rows = [[cell.strip() for cell in line.split("|")[1:-1]] for line in section(report, "Results")[2:]]
    assert len(rows) == len(EXPECTED_ROWS)
    for cells, (group, label) in zip(rows, EXPECTED_ROWS, strict=True):
        assert cells[0] == group and cells[1].startswith(label), cells
        records, seconds, rate, peak = (cell.replace(",", "") for cell in cells[2:6])
        figures = (seconds, peak) if group in COMMAND_ROWS else (records, seconds, rate, peak)
        assert all(re.fullmatch(r"\d+(\.\d+)?", figure) for figure in figures), cells
        if group in COMMAND_ROWS:
            assert (records, rate) == ("", ""), cells
        throttled, answered = cells[7:9]
        if group in REQUEST_ROWS:
            assert re.fullmatch(r"\d+ / \d+", throttled.replace(",", "")), cells
            assert re.fullmatch(r"\d+\.\d \(\d+% of the limit\)", answered.replace(",", "")), cells
        else:
            assert (throttled, answered) == ("", ""), cells
    assert any(line.startswith("- CPU: ") for line in section(report, "Machine"))
    assert section(report, "Command")[0] == "`python3 dev.py bench --quick --work-dir {} --output {}`".format(
        scratch / "work", scratch / "report.md"
    )
    assert report in run.stdout


@pytest.mark.slow
def test_bench_quick_finds_every_output_in_agreement(quick_run):
    _, scratch = quick_run

    checks = section((scratch / "report.md").read_text(), "Output checks")

    assert len(checks) == len(EXPECTED_CHECKS), checks
    for line, start in zip(checks, EXPECTED_CHECKS, strict=True):
        assert line.startswith(f"- agree: {start}"), (line, start)


@pytest.mark.slow
def test_bench_quick_gives_each_target_a_verdict(quick_run):
    _, scratch = quick_run

    verdicts = section((scratch / "report.md").read_text(), "Targets")

    for target in TARGETS:
        assert any(re.match(rf"- (PASS|FAIL): {target}", line) for line in verdicts), (target, verdicts)


@pytest.mark.slow
def test_bench_quick_removes_its_data_and_keeps_the_bake(quick_run):
    _, scratch = quick_run

    assert sorted(path.name for path in (scratch / "work").iterdir()) == [
        ".made-by-bench",
        "airflow-movielens",
    ]


@pytest.mark.slow
def test_bench_only_runs_the_groups_asked_for_and_judges_only_their_targets(tmp_path):
    report_path = tmp_path / "report.md"

    bench("--quick", "--only", "sequential-paging", "--work-dir", tmp_path / "work", "--output", report_path)

    report = report_path.read_text()
    groups = {line.split("|")[1].strip() for line in section(report, "Results")[2:]}
    assert groups == {"sequential paging"}
    verdicts = section(report, "Targets")
    assert verdicts and all("sequential paging" in line for line in verdicts), verdicts
    assert all(line.startswith("- agree: sequential paging") for line in section(report, "Output checks"))


@pytest.mark.slow
def test_bench_interrupted_stops_its_local_api_and_removes_its_data(tmp_path):
    """Ctrl-C while a scenario runs: the server process ends and the data folder goes."""
    process = subprocess.Popen(
        [sys.executable, BENCH, "--quick", "--work-dir", tmp_path / "work"],
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    served = None
    try:
        for line in process.stdout:  # the bake and install come first, a few seconds
            if served := re.search(r"local API with .* \(pid (\d+)\)", line):
                break
        assert served, process.stderr.read()
        server = int(served.group(1))
        process.send_signal(signal.SIGINT)
        returncode = process.wait(timeout=60)
    finally:
        process.kill()
        process.wait()

    assert returncode == 130
    assert not server_alive(server)
    assert not (tmp_path / "work" / "data").exists()


def server_alive(pid: int) -> bool:
    """Whether the process runs (a zombie waiting to be reaped counts as ended)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return False
        if state == "Z":
            return False
        time.sleep(0.1)
    return True


@pytest.mark.parametrize(
    ("options", "named", "allowed"),
    [
        (["--records", "0"], "--records", "a whole number from 1 up"),
        (["--repeat", "many"], "--repeat", "a whole number from 1 up"),
        (["--latency", "-1"], "--latency", "seconds from 0 up to 60"),
        (["--rate-limit", "fast"], "--rate-limit", "requests a second from 0 (no limit)"),
        (["--split", "1"], "--split", "a whole number from 2 to 256, or auto"),
        (["--only", "everything"], "--only", "choose from 'fetch', 'concurrency'"),
        (
            ["--records", "1000", "--memory-records", "1000"],
            "--memory-records",
            "smaller than --records (1000)",
        ),
    ],
    ids=[
        "records-zero",
        "repeat-not-a-number",
        "negative-latency",
        "rate-limit-not-a-number",
        "split-of-one",
        "unknown-group",
        "memory-window-not-smaller",
    ],
)
def test_bench_refuses_bad_options_naming_option_value_and_rule(options, named, allowed, tmp_path):
    run = bench(*options, "--work-dir", tmp_path / "work")

    assert run.returncode == 2
    assert named in run.stderr and options[-1] in run.stderr and allowed in run.stderr, run.stderr
    assert not (tmp_path / "work").exists()


def test_bench_refuses_a_work_dir_it_did_not_make(tmp_path):
    keep = tmp_path / "notes.txt"
    keep.write_text("mine")

    run = bench("--quick", "--work-dir", tmp_path)

    assert run.returncode == 1
    assert f"--work-dir {tmp_path} is not empty and was not made by the benchmark" in run.stderr
    assert keep.read_text() == "mine"


def test_dev_py_offers_the_bench_command():
    usage = subprocess.run([sys.executable, TEMPLATE / "dev.py"], capture_output=True, text=True)

    assert "python3 dev.py bench [OPTIONS]" in usage.stderr
