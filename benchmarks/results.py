"""The benchmark's rows and checks, and the markdown report made of them: table, targets, checks."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# The targets of the performance issue.
MEMORY_GROWTH_MIB = 30
CEILING_RATIO = 1.8
DLT_CLIENT_SPEEDUP = 1.3
LATENCY_SPEEDUP_OVER_DLT = 6
RANKING_SPEEDUP = 2
SUITE_SECONDS = 60
BAKE_SECONDS = 1

# How a reference row is named in the other rows' ratio column.
REFERENCE_NAMES = {"bytes": "bytes-only", "seq": "operator, 1 in flight", "pandas": "pandas"}


@dataclass(eq=False)
class Scenario:
    """
    One row of the table: what runs in each measured process, and what the runs reported.

    :param key: Short id, used to name a row's reference and in the targets.
    :param script: Name of the scenario in scenarios.py.
    :param reference: Key of the row this one's time is compared with in the table.
    """

    key: str
    group: str
    label: str
    records: int
    script: str
    params: dict[str, Any]
    env: dict[str, str]
    reference: str | None = None
    results: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def measured(self) -> bool:
        return self.error is None and bool(self.results)

    @property
    def seconds(self) -> float:
        return statistics.median(result["seconds"] for result in self.results)

    @property
    def peak_mib(self) -> float:
        return statistics.median(result["peak_rss_kib"] for result in self.results) / 1024

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds


@dataclass
class Check:
    """Whether scenarios that should write the same output did."""

    description: str
    ok: bool
    detail: str = ""


def table(rows: list[Scenario]) -> list[str]:
    """The results as a markdown table, one row per scenario."""
    by_key = {row.key: row for row in rows}
    referenced = {row.reference for row in rows}
    lines = [
        "| group | scenario | records | median s | records/s | peak RSS MiB | time vs reference |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        if not row.measured:
            lines.append(f"| {row.group} | {row.label} | {row.records:,} | error | | | |")
            continue
        reference = by_key.get(row.reference)
        if reference is None:
            versus = "reference" if row.key in referenced else ""
        elif reference.measured:
            versus = f"{row.seconds / reference.seconds:.2f}x {REFERENCE_NAMES[reference.key]}"
        else:
            versus = "reference failed"
        records = f"{row.records:,}" if row.records else ""
        speed = f"{row.records_per_second:,.0f}" if row.records else ""
        lines.append(
            f"| {row.group} | {row.label} | {records} | {seconds_text(row.seconds)} | "
            f"{speed} | {row.peak_mib:,.0f} | {versus} |"
        )
    return lines


def targets(rows: list[Scenario], sizes: Any) -> list[str]:
    """Each target of the performance issue, with this run's figure and PASS or FAIL."""
    found = {row.key: row for row in rows if row.measured}

    def verdict(
        statement: str,
        keys: tuple[str, str],
        judge: Callable[[Scenario, Scenario], bool],
        figure: Callable[[Scenario, Scenario], str],
    ) -> str:
        if not all(key in found for key in keys):
            return f"- NOT MEASURED: {statement} (a scenario failed)"
        row, reference = (found[key] for key in keys)
        return f"- {'PASS' if judge(row, reference) else 'FAIL'}: {statement}: {figure(row, reference)}"

    latency_ms = sizes.latency * 1000
    lines = [
        verdict(
            f"flat memory: the operator's peak RSS grows by at most {MEMORY_GROWTH_MIB} MiB "
            f"from {sizes.memory_records:,} to {sizes.records:,} records",
            ("op1", "small"),
            lambda large, small: large.peak_mib - small.peak_mib <= MEMORY_GROWTH_MIB,
            growth_figure,
        ),
        verdict(
            f"close to the ceiling: the operator at 1 in flight takes at most {CEILING_RATIO}x "
            "the bytes-only time",
            ("op1", "bytes"),
            lambda row, ceiling: row.seconds <= CEILING_RATIO * ceiling.seconds,
            time_figure,
        ),
        verdict(
            f"faster than dlt: at zero latency the operator at 1 in flight is at least {DLT_CLIENT_SPEEDUP}x "
            "as fast as dlt's RESTClient writing JSON Lines",
            ("op1", "dlt"),
            lambda row, dlt: dlt.seconds >= DLT_CLIENT_SPEEDUP * row.seconds,
            speed_figure,
        ),
        verdict(
            f"concurrency: with {latency_ms:.0f} ms latency and pages of {sizes.latency_page_size}, "
            f"the operator at 8 in flight fetches at least {LATENCY_SPEEDUP_OVER_DLT}x the records/s "
            "of dlt's RESTClient",
            ("par", "dlt-seq"),
            lambda row, dlt: row.records_per_second >= LATENCY_SPEEDUP_OVER_DLT * dlt.records_per_second,
            speed_figure,
        ),
        verdict(
            f"ranking speed: ours is at least {RANKING_SPEEDUP}x as fast as the pandas baseline "
            f"on {sizes.ranking_records:,} ratings",
            ("ours", "pandas"),
            lambda row, baseline: baseline.seconds >= RANKING_SPEEDUP * row.seconds,
            speed_figure,
        ),
        verdict(
            "ranking memory: ours peaks lower than the pandas baseline",
            ("ours", "pandas"),
            lambda row, baseline: row.peak_mib < baseline.peak_mib,
            memory_figure,
        ),
    ]
    for key, limit, statement in (
        ("suite", SUITE_SECONDS, "developer loop: the baked default project's whole test suite"),
        ("bake", BAKE_SECONDS, "developer loop: a bake with the default answers"),
    ):
        if key in found:
            seconds = found[key].seconds
            outcome = "PASS" if seconds < limit else "FAIL"
            lines.append(f"- {outcome}: {statement} in under {limit} s: {seconds_text(seconds)} s")
        else:
            lines.append(f"- NOT MEASURED: {statement} in under {limit} s (a scenario failed)")
    if "par" in found and "dlt-pipeline" in found:
        par, pipeline = found["par"], found["dlt-pipeline"]
        lines.append(
            f"- INFO (no target): the operator at 8 in flight against dlt's rest_api pipeline, "
            f"{latency_ms:.0f} ms latency: {par.records_per_second / pipeline.records_per_second:.2f}x "
            f"its records/s ({par.records_per_second:,.0f} vs {pipeline.records_per_second:,.0f})"
        )
    if "ours" in found and "duckdb" in found:
        ours, duck = found["ours"], found["duckdb"]
        lines.append(
            f"- INFO (no target): ours against DuckDB: {ours.seconds / duck.seconds:.2f}x its time, "
            f"{ours.peak_mib / duck.peak_mib:.2f}x its peak RSS"
        )
    return lines


def time_figure(row: Scenario, reference: Scenario) -> str:
    return (
        f"{row.seconds / reference.seconds:.2f}x the time "
        f"({seconds_text(row.seconds)} s vs {seconds_text(reference.seconds)} s)"
    )


def speed_figure(row: Scenario, reference: Scenario) -> str:
    return (
        f"{row.records_per_second / reference.records_per_second:.2f}x as fast "
        f"({row.records_per_second:,.0f} vs {reference.records_per_second:,.0f} records/s)"
    )


def memory_figure(row: Scenario, reference: Scenario) -> str:
    grown = round(row.peak_mib) - round(reference.peak_mib)
    return f"{row.peak_mib:,.0f} MiB vs {reference.peak_mib:,.0f} MiB ({grown:+,d} MiB)"


def growth_figure(large: Scenario, small: Scenario) -> str:
    starts = [result.get("rss_at_start_kib") for result in large.results]
    if None in starts:
        return memory_figure(large, small)
    start_mib = statistics.median(starts) / 1024
    return f"{memory_figure(large, small)}; {start_mib:,.0f} MiB resident when the fetch started"


def seconds_text(seconds: float) -> str:
    return f"{seconds:.1f}" if seconds >= 100 else f"{seconds:.2f}" if seconds >= 1 else f"{seconds:.3f}"


def render(
    about: list[str],
    command: str,
    method: str,
    rows: list[Scenario],
    checks: list[Check],
    sizes: Any,
) -> str:
    """The whole report as markdown: machine, command, table, targets, output checks and errors."""
    lines = [
        "## Machine",
        "",
        *about,
        "",
        "## Command",
        "",
        f"`{command}`",
        "",
        method,
        "",
        "## Results",
        "",
        *table(rows),
        "",
        "## Targets",
        "",
        *targets(rows, sizes),
        "",
        "## Output checks",
        "",
    ]
    for check in checks:
        outcome = "agree" if check.ok else f"DISAGREE ({check.detail})"
        lines.append(f"- {outcome}: {check.description}")
    for row in rows:
        if row.error is not None:
            lines.append(f"- ERROR: {row.group}: {row.label}:")
            lines.extend("    " + line for line in row.error.splitlines())
    return "\n".join(lines) + "\n"
