{%- set cc = cookiecutter | answers -%}
"""
Run the example DAG once, end to end, against the local API; nothing leaves 127.0.0.1.

    python demo.py [--day 2026-01-14] [--output .demo/output]

It keeps a throwaway Airflow home (SQLite) under .demo/, starts the local API on a
free port, points connection {{ cc.connection_id }} at it, runs the DAG with dag.test() and
prints where the {{ cookiecutter.__records }} and the ranking were written and the top {{ cookiecutter.__items }}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE = "{{ cookiecutter.module_name }}"


def configure_airflow(home: Path) -> None:
    """Point Airflow at a private home; must run before Airflow is imported."""
    home.mkdir(parents=True, exist_ok=True)
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{PACKAGE} is not installed; run: pip install -e '.[dev]'")
    package = Path(spec.submodule_search_locations[0])
    os.environ["AIRFLOW_HOME"] = str(home)
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(package / "example_dags")
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument(
        "--day", type=dt.date.fromisoformat, default=dt.date(2026, 1, 14), help="day to fetch"
    )
    parser.add_argument("--output", type=Path, default=HERE / ".demo" / "output", help="where files go")
    args = parser.parse_args(argv)
    output = args.output.resolve()

    configure_airflow(HERE / ".demo" / "airflow-home")
    print("Preparing the Airflow metadata database (SQLite)...", flush=True)
    migrate = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], capture_output=True, text=True
    )
    if migrate.returncode != 0:
        print(migrate.stdout + migrate.stderr, file=sys.stderr)
        return migrate.returncode

    import pandas as pd
    import pendulum

    from {{ cookiecutter.module_name }}.testing.local_api import LocalAPI

    with LocalAPI() as api:
        os.environ["AIRFLOW_CONN_{{ cc.connection_id | upper }}"] = json.dumps(
            {
                "conn_type": "{{ cookiecutter.__conn_type }}",
                "host": "127.0.0.1",
                "port": api.port,
                "schema": "http",
                "login": "airflow",
                "password": "airflow",
            }
        )
        os.environ["AIRFLOW_VAR_{{ cookiecutter.__conn_type | upper }}_OUTPUT_BASE"] = str(output)
        print(f"Local API serving {len(api.records)} {{ cookiecutter.__records }} at {api.url}", flush=True)

        from {{ cookiecutter.module_name }}.example_dags.{{ cookiecutter.__conn_type }}_{{ cookiecutter.__records }} import dag

        # A run covers the day before its logical date.
        next_day = args.day + dt.timedelta(days=1)
        logical_date = pendulum.datetime(next_day.year, next_day.month, next_day.day, tz="UTC")
        for task in dag.tasks:
            task.retries = 0  # fail fast instead of waiting out the DAG's retry delays
        run = dag.test(logical_date=logical_date)

    if run.state != "success":
        print(f"The DAG run ended in state {run.state!r}; see the task logs above.", file=sys.stderr)
        return 1
    records_path = output / "{{ cookiecutter.__records }}" / f"{args.day.isoformat()}.jsonl"
    ranking_path = output / "rankings" / f"{args.day.isoformat()}.csv"
    with records_path.open() as records_file:
        records = sum(1 for _ in records_file)
    ranking = pd.read_csv(ranking_path)
    print(f"\nDAG run {run.run_id}: {run.state}")
    print(f"{{ cookiecutter.__Records }}: {records_path} ({records} {{ cookiecutter.__records }})")
    print(f"Ranking: {ranking_path} ({len(ranking)} {{ cookiecutter.__items }})")
    print("\nTop {{ cookiecutter.__items }}:")
    print(ranking.head(5).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
