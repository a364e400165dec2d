"""
The real framework servers, on 127.0.0.1 with the tests' ratings loaded: started, awaited, stopped.

Each is the framework's own package run as its users run it (``django-admin runserver``,
``uvicorn``, ``json-server``) from the interpreter and the folder that ``dev.py`` installs them
into. What each serves is configured in its folder beside this file; nothing here pages. Each
server also says where its data is, so a test reads the ground truth from the server's own data.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import dev

HERE = Path(__file__).resolve().parent
UTC = dt.timezone.utc
# The fastapi-pagination server reads its dates as days in this zone. The window spans the start
# of daylight saving time there (2026-03-08), so one of its local days has 23 hours.
LOCAL_ZONE = "America/New_York"
FIRST_DAY = dt.date(2026, 3, 6)
DAYS = 5
DRF_TOKEN = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
STARTUP_SECONDS = 60
# Straight to 127.0.0.1, whatever proxy the environment names.
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def window_days() -> list[dt.date]:
    """The days of the tests' window, in order."""
    return [FIRST_DAY + dt.timedelta(days=n) for n in range(DAYS)]


def midnight(day: dt.date, zone: dt.tzinfo) -> int:
    """Epoch seconds of the start of ``day`` in ``zone``."""
    return int(dt.datetime.combine(day, dt.time(), zone).timestamp())


def make_ratings(count: int = 3000, seed: int = 15) -> list[dict]:
    """
    The tests' ratings in time order, ids from 1: ``count`` at random instants from a day before
    the window to a day after it, and one at every midnight (UTC and local) and one a second
    before each, where a window edge one off loses or doubles records.
    """
    rng = random.Random(seed)
    around = [FIRST_DAY + dt.timedelta(days=n) for n in range(-1, DAYS + 2)]
    edges = {
        midnight(day, zone) + shift
        for day in around
        for zone in (UTC, ZoneInfo(LOCAL_ZONE))
        for shift in (-1, 0)
    }
    low, high = midnight(around[0], UTC), midnight(around[-1], UTC)
    instants = sorted([rng.randrange(low, high) for _ in range(count)] + sorted(edges))
    return [
        {
            "id": number,
            "userId": rng.randint(1, 300),
            "movieId": rng.randint(1, 500),
            "rating": rng.randint(1, 10) / 2,
            "timestamp": instant,
        }
        for number, instant in enumerate(instants, start=1)
    ]


# Loaded here, not in the forked child, where loading a library could wait on a lock forever.
LIBC = ctypes.CDLL(ctypes.util.find_library("c")) if sys.platform == "linux" else None


def stop_with_parent() -> None:
    """In the child, before it runs: be sent SIGTERM when the test process dies, however it dies (Linux)."""
    LIBC.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A server process on 127.0.0.1 in a folder of its own: its base URL, its log, the data it serves."""

    name = "server"

    def __init__(self, ratings: list[dict], workdir: Path) -> None:
        self.ratings = ratings
        self.workdir = workdir
        self.log = workdir / f"{self.name}.log"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Load the data, start the server and wait until it answers."""
        raise NotImplementedError

    def launch(self, command: list[object], probe: str, **env: str) -> None:
        """Start ``command``, then return once ``probe`` gets any HTTP answer; fail with the log if it never does."""
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [str(part) for part in command],
                cwd=self.workdir,
                env={**os.environ, **env},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=stop_with_parent if LIBC else None,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                DIRECT.open(self.url + probe, timeout=5).close()
                return
            except urllib.error.HTTPError:
                return  # an error page is an answer too
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{self.name} did not answer {probe} in {STARTUP_SECONDS} s:\n{self.log_tail()}"
                )
            time.sleep(0.1)

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def run_setup(command: list[object], *, workdir: Path, **env: str) -> None:
    """Run one setup step of a server (a migration, a data load); fail with its output."""
    done = subprocess.run(
        [str(part) for part in command],
        cwd=workdir,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{done.stdout}\n{done.stderr}")


def iso(instant: int) -> str:
    return dt.datetime.fromtimestamp(instant, UTC).isoformat().replace("+00:00", "Z")


class DjangoRestFramework(Server):
    """The DRF site in drf/: one endpoint per stock pagination class, the ratings in SQLite."""

    name = "django-rest-framework"

    def start(self) -> None:
        self.database = self.workdir / "ratings.sqlite3"
        env = {
            "DJANGO_SETTINGS_MODULE": "ratings.settings",
            "PYTHONPATH": str(HERE / "drf"),
            "RATINGS_DB": str(self.database),
        }
        django = [dev.FRAMEWORKS_PYTHON, "-m", "django"]
        run_setup([*django, "migrate", "--run-syncdb", "--verbosity", "0"], workdir=self.workdir, **env)
        fixture = self.workdir / "ratings-fixture.json"
        fixture.write_text(json.dumps(self.fixture()))
        run_setup([*django, "loaddata", fixture, "--verbosity", "0"], workdir=self.workdir, **env)
        command = [*django, "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{self.port}"]
        self.launch(command, "/limit-offset/ratings/?limit=1", **env)

    def fixture(self) -> list[dict]:
        """In Django's fixture format: the ratings, and a user with the token the cursor endpoint wants."""
        joined = "2026-01-01T00:00:00Z"
        user = {"username": "airflow", "password": "!", "is_active": True, "date_joined": joined}
        ratings = [
            {
                "model": "ratings.rating",
                "pk": rating["id"],
                "fields": {
                    "userId": rating["userId"],
                    "movieId": rating["movieId"],
                    "rating": rating["rating"],
                    "timestamp": iso(rating["timestamp"]),
                },
            }
            for rating in self.ratings
        ]
        return [
            {"model": "auth.user", "pk": 1, "fields": user},
            {"model": "authtoken.token", "pk": DRF_TOKEN, "fields": {"user": 1, "created": joined}},
            *ratings,
        ]

    def ids_between(self, start: int, end: int) -> list[int]:
        """The ids of the ratings in [start, end), as the server's own database has them."""
        low, high = (
            dt.datetime.fromtimestamp(instant, UTC).strftime("%Y-%m-%d %H:%M:%S") for instant in (start, end)
        )
        with sqlite3.connect(self.database) as database:
            rows = database.execute(
                "SELECT id FROM ratings_rating WHERE timestamp >= ? AND timestamp < ? ORDER BY id",
                (low, high),
            )
            return [row[0] for row in rows]


class JsonServer(Server):
    """json-server 0.17.4 from npm, serving db.json: the ratings with epoch-second timestamps."""

    name = "json-server"

    def start(self) -> None:
        self.database = self.workdir / "db.json"
        self.database.write_text(json.dumps({"ratings": self.ratings}))
        command = [dev.JSON_SERVER, self.database, "--host", "127.0.0.1", "--port", self.port, "--read-only"]
        self.launch(command, "/ratings?_limit=1")

    def ids_between(self, start: int, end: int) -> list[int]:
        """The ids of the ratings in [start, end), as the served db.json has them."""
        served = json.loads(self.database.read_text())["ratings"]
        return [rating["id"] for rating in served if start <= rating["timestamp"] < end]


class FastApiPagination(Server):
    """fastapi-pagination's ``Page`` (fastapi-pagination/) over the ratings in a JSON file, by local days."""

    name = "fastapi-pagination"

    def start(self) -> None:
        self.database = self.workdir / "ratings.json"
        self.database.write_text(json.dumps(self.ratings))
        app_dir = HERE / "fastapi-pagination"
        command = [dev.FRAMEWORKS_PYTHON, "-m", "uvicorn", "--app-dir", app_dir, "ratings_app:app"]
        command += ["--host", "127.0.0.1", "--port", self.port, "--no-access-log"]
        env = {"RATINGS_JSON": str(self.database), "RATINGS_TIMEZONE": LOCAL_ZONE}
        self.launch(command, "/ratings?size=1", **env)

    def ids_between(self, start: int, end: int) -> list[int]:
        """The ids of the ratings in [start, end), as the served file has them."""
        served = json.loads(self.database.read_text())
        return [rating["id"] for rating in served if start <= rating["timestamp"] < end]


@contextmanager
def running(kind: type[Server], ratings: list[dict], workdir: Path) -> Iterator[Server]:
    """A server of ``kind`` serving ``ratings`` from ``workdir``, stopped when the block ends."""
    workdir.mkdir(parents=True, exist_ok=True)
    server = kind(ratings, workdir)
    try:
        server.start()
        yield server
    finally:
        server.stop()
