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
IN_FLIGHT_MEMORY_MIB = 30
RATE_LIMIT_SHARE = 0.90  # of the limit's requests a second, sustained by max_in_flight="auto"
THROTTLED_SHARE = 0.01  # of its requests answered 429, at most
SPLIT_SPEEDUP = 5
RANKING_SPEEDUP = 2
SUITE_SECONDS = 60
BAKE_SECONDS = 1

# How a reference row is named in the other rows' ratio column.
REFERENCE_NAMES = {
    "bytes": "bytes-only",
    "seq": "operator, 1 in flight",
    "rl-auto": "operator, auto in flight",
    "cur-1": "ours unsplit",
    "pandas": "pandas",
}


@dataclass(eq=False)
class Scenario:
    """
    One row of the table: what runs in each measured process, and what the runs reported.

    :param key: Short id, used to name a row's reference and in the targets.
    :param script: Name of the scenario in scenarios.py.
    :param reference: Key of the row this one's time is compared with in the table.
    :param server: The local API the row runs against, when the table shows its requests
        (bench.LocalApiProcess); each run's result then holds ``requests``, ``throttled`` (answered
        429) and ``timed_requests`` (received while the clock ran).
    :param rate_limit: That API's limit in requests a second, None for none.
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
    server: Any = None
    rate_limit: float | None = None

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

    @property
    def counts_requests(self) -> bool:
        return self.measured and all("throttled" in result for result in self.results)

    @property
    def requests(self) -> float:
        """Requests a run sent, its untimed one-page warm-up included (median)."""
        return statistics.median(result["requests"] for result in self.results)

    @property
    def throttled(self) -> float:
        """Requests of a run the API answered 429 (median)."""
        return statistics.median(result["throttled"] for result in self.results)

    @property
    def answered_per_second(self) -> float:
        """
        Requests answered (not 429) a second while the clock ran (median of the runs).

        Every 429 of a run is counted as timed: the warm-up's single request meets a full bucket.
        """
        return statistics.median(
            max(result["timed_requests"] - result["throttled"], 0) / result["seconds"]
            for result in self.results
        )


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
        "| group | scenario | records | median s | records/s | peak RSS MiB | time vs reference "
        "| 429 answers / requests | answered requests/s |",
        "|---|---|---:|---:|---:|---:|---|---:|---:|",
    ]
    for row in rows:
        if not row.measured:
            lines.append(f"| {row.group} | {row.label} | {row.records:,} | error | | | | | |")
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
        throttled = answered = ""
        if row.counts_requests:
            throttled = f"{row.throttled:,.0f} / {row.requests:,.0f}"
            share = (
                f"{row.answered_per_second / row.rate_limit:.0%} of the limit"
                if row.rate_limit
                else "no limit"
            )
            answered = f"{row.answered_per_second:,.1f} ({share})"
        lines.append(
            f"| {row.group} | {row.label} | {records} | {seconds_text(row.seconds)} | "
            f"{speed} | {row.peak_mib:,.0f} | {versus} | {throttled} | {answered} |"
        )
    return lines


def targets(rows: list[Scenario], sizes: Any) -> list[str]:
    """
    Each target of the performance issues, with this run's figure and PASS or FAIL.

    A target whose rows were not run (``--only``) is left out; one whose row failed is NOT
    MEASURED, except where not failing is part of the target.
    """
    present = {row.key for row in rows}
    found = {row.key: row for row in rows if row.measured}
    lines: list[str] = []

    def verdict(
        statement: str,
        keys: tuple[str, ...],
        judge: Callable[..., bool],
        figure: Callable[..., str],
    ) -> None:
        if not all(key in present for key in keys):
            return
        if not all(key in found for key in keys):
            lines.append(f"- NOT MEASURED: {statement} (a scenario failed)")
            return
        measured = [found[key] for key in keys]
        lines.append(f"- {'PASS' if judge(*measured) else 'FAIL'}: {statement}: {figure(*measured)}")

    def info(keys: tuple[str, ...], text: Callable[..., str]) -> None:
        if all(key in found for key in keys):
            lines.append(f"- INFO (no target): {text(*(found[key] for key in keys))}")

    latency_ms = sizes.latency * 1000
    slow = f"{latency_ms:.0f} ms latency and pages of {sizes.latency_page_size}"
    verdict(
        f"flat memory: the operator's peak RSS grows by at most {MEMORY_GROWTH_MIB} MiB "
        f"from {sizes.memory_records:,} to {sizes.records:,} records",
        ("op1", "small"),
        lambda large, small: large.peak_mib - small.peak_mib <= MEMORY_GROWTH_MIB,
        growth_figure,
    )
    verdict(
        f"close to the ceiling: the operator at 1 in flight takes at most {CEILING_RATIO}x the bytes-only time",
        ("op1", "bytes"),
        lambda row, ceiling: row.seconds <= CEILING_RATIO * ceiling.seconds,
        time_figure,
    )
    verdict(
        f"faster than dlt: at zero latency the operator at 1 in flight is at least {DLT_CLIENT_SPEEDUP}x "
        "as fast as dlt's RESTClient writing JSON Lines",
        ("op1", "dlt"),
        lambda row, dlt: dlt.seconds >= DLT_CLIENT_SPEEDUP * row.seconds,
        speed_figure,
    )
    verdict(
        f"concurrency: with {slow}, the operator at 8 in flight fetches at least {LATENCY_SPEEDUP_OVER_DLT}x "
        "the records/s of dlt's RESTClient",
        ("par", "dlt-seq"),
        lambda row, dlt: row.records_per_second >= LATENCY_SPEEDUP_OVER_DLT * dlt.records_per_second,
        speed_figure,
    )
    verdict(
        f"memory at 8 in flight: with {slow}, the operator's peak RSS at 8 in flight is within "
        f"{IN_FLIGHT_MEMORY_MIB} MiB of its peak at 1 in flight",
        ("par", "seq"),
        lambda eight, one: eight.peak_mib - one.peak_mib <= IN_FLIGHT_MEMORY_MIB,
        memory_figure,
    )
    info(
        ("par", "dlt-pipeline"),
        lambda par, pipeline: (
            f"the operator at 8 in flight against dlt's rest_api pipeline, {latency_ms:.0f} ms latency: "
            f"{par.records_per_second / pipeline.records_per_second:.2f}x its records/s "
            f"({par.records_per_second:,.0f} vs {pipeline.records_per_second:,.0f})"
        ),
    )
    rate_limit_targets(rows, sizes, lines)
    verdict(
        f"sequential paging: on a cursor API with {slow}, ours split into {sizes.split} sub-windows at 8 in "
        f"flight is at least {SPLIT_SPEEDUP}x as fast as unsplit",
        ("cur-split", "cur-1"),
        lambda split, whole: whole.seconds >= SPLIT_SPEEDUP * split.seconds,
        speed_figure,
    )
    for key, name in (
        ("cur-dlt", "dlt's RESTClient with its cursor paginator"),
        ("cur-http", "the HttpOperator"),
        ("cur-pipeline", "dlt's rest_api pipeline with its cursor paginator"),
    ):
        info(
            ("cur-split", key),
            lambda split, peer, name=name: (
                f"sequential paging: ours split against {name}: {speed_figure(split, peer)}; "
                f"peak RSS {memory_figure(split, peer)}"
            ),
        )
    verdict(
        f"ranking speed: ours is at least {RANKING_SPEEDUP}x as fast as the pandas baseline "
        f"on {sizes.ranking_records:,} ratings",
        ("ours", "pandas"),
        lambda row, baseline: baseline.seconds >= RANKING_SPEEDUP * row.seconds,
        speed_figure,
    )
    verdict(
        "ranking memory: ours peaks lower than the pandas baseline",
        ("ours", "pandas"),
        lambda row, baseline: row.peak_mib < baseline.peak_mib,
        memory_figure,
    )
    info(
        ("ours", "duckdb"),
        lambda ours, duck: (
            f"ours against DuckDB: {ours.seconds / duck.seconds:.2f}x its time, "
            f"{ours.peak_mib / duck.peak_mib:.2f}x its peak RSS"
        ),
    )
    for key, limit, statement in (
        ("suite", SUITE_SECONDS, "developer loop: the baked default project's whole test suite"),
        ("bake", BAKE_SECONDS, "developer loop: a bake with the default answers"),
    ):
        verdict(
            f"{statement} in under {limit} s",
            (key,),
            lambda row, limit=limit: row.seconds < limit,
            lambda row: f"{seconds_text(row.seconds)} s",
        )
    return lines


def rate_limit_targets(rows: list[Scenario], sizes: Any, lines: list[str]) -> None:
    """The rate limit group's target (max_in_flight "auto") and what 8 in flight did beside it."""
    by_key = {row.key: row for row in rows}
    auto, eight = by_key.get("rl-auto"), by_key.get("rl-8")
    if auto is None:
        return
    limit = (
        f"at {sizes.rate_limit:g} requests/s (burst {sizes.rate_limit_burst}, {sizes.rate_limit_headers} headers)"
        if sizes.rate_limit
        else "at the API's rate limit"
    )
    statement = (
        f'rate limit: {limit}, the operator with max_in_flight="auto" sustains at least '
        f"{RATE_LIMIT_SHARE:.0%} of the limit with at most {THROTTLED_SHARE:.0%} of its requests answered 429 "
        "and no failure"
    )
    if not auto.rate_limit:
        lines.append(f"- NOT MEASURED: {statement} (--rate-limit 0: the API had no limit)")
    elif auto.error is not None:
        lines.append(f"- FAIL: {statement}: it failed (see the error below)")
    elif auto.counts_requests:
        share = auto.answered_per_second / auto.rate_limit
        throttled = auto.throttled / auto.requests if auto.requests else 0.0
        outcome = "PASS" if share >= RATE_LIMIT_SHARE and throttled <= THROTTLED_SHARE else "FAIL"
        lines.append(f"- {outcome}: {statement}: {requests_figure(auto)}")
    if eight is not None and eight.counts_requests and auto.counts_requests:
        lines.append(
            f"- INFO (no target): the operator at 8 in flight against the same API: {requests_figure(eight)}; "
            f"{seconds_text(eight.seconds)} s against {seconds_text(auto.seconds)} s with auto"
        )
    elif eight is not None and eight.error is not None:
        lines.append(
            "- INFO (no target): the operator at 8 in flight against the same API failed (see below)"
        )
    for key, name in (
        ("rl-dlt", "dlt's RESTClient"),
        ("rl-http", "the HttpOperator"),
        ("rl-pipeline", "dlt's rest_api pipeline"),
    ):
        peer = by_key.get(key)
        if peer is not None and peer.counts_requests and auto.counts_requests:
            lines.append(
                f"- INFO (no target): {name} against the same API: {requests_figure(peer)}; "
                f"{seconds_text(peer.seconds)} s and {peer.peak_mib:,.0f} MiB peak RSS against "
                f"{seconds_text(auto.seconds)} s and {auto.peak_mib:,.0f} MiB with auto"
            )
        elif peer is not None and peer.error is not None:
            lines.append(f"- INFO (no target): {name} against the same API failed (see below)")


def requests_figure(row: Scenario) -> str:
    """Answered requests a second, as a share of the limit, and the share answered 429."""
    share = f", {row.answered_per_second / row.rate_limit:.0%} of the limit" if row.rate_limit else ""
    throttled = row.throttled / row.requests if row.requests else 0.0
    return (
        f"{row.answered_per_second:,.1f} requests/s answered{share}; {row.throttled:,.0f} of "
        f"{row.requests:,.0f} requests answered 429 ({throttled:.1%})"
    )


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
