"""
How many requests are in flight at once, and how fast they start.

A fixed ``max_in_flight`` is that many requests at once, each honouring ``Retry-After`` on
its own. ``max_in_flight="auto"`` adapts instead:

- It starts at one request, and doubles (later: adds one) after each round of clean,
  latency-bound answers, up to ``MAX_IN_FLIGHT``. It stops raising once answers come back
  ``BUSY`` times slower than the fastest seen, or once the rate the API allows is the limit.
- On a 429 or 503, or a ``Retry-After``, it halves at once and holds every request for as
  long as the API asked (``Retry-After``, else the reset of an exhausted quota), but never
  longer than ``backoff_max``, as a retry waits.
- It paces starts by what the API says of its limit (``quota``): the policy's rate, and once
  fewer requests remain than might go at once, those spread over the time to the reset.
- "Fast" is measured against the ``BASELINE``-th fastest answer seen, so one or two lucky
  answers do not stop the ramp for good, and a baseline that never rises with the load keeps
  the brake on when more requests at once only make each one slower.
- Every wait it makes, holds and spacing alike, is at most ``backoff_max``, as a retry waits,
  so no request waits for its turn longer than a retry would.
- Every change of concurrency is logged with its reason.

``max_requests_per_second`` bounds both: no two requests, retries included, start closer
together than one over it.
"""

from __future__ import annotations

import bisect
import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Mapping

from .deadline import AbortedError
from .quota import quota_in
from .retry import Logger
from .settings import Settings

# Latency this many times the fastest answer seen means the API is working harder: no more raises.
BUSY = 2.0
# How long to hold requests after a 429 or 503 that says nothing of when to retry, in seconds.
HOLD_WITHOUT_WORD = 1.0
# "Fast" is the latency of this many-th fastest answer seen: robust to an outlier or two.
BASELINE = 3
# Statuses that mean "too fast" (a 503 may also be an overloaded server: backing off helps it too).
SLOW_DOWN = frozenset({429, 503})


class Pacer:
    """
    Gates one transport's requests: ``slot()`` around each request, ``turn()`` before each try.

    :param settings: ``max_in_flight`` (a number or ``"auto"``) and ``max_requests_per_second``.
    :param logger: Where changes of concurrency are logged.
    :param name: The API, for log lines.
    :param stopped: Whether the calling thread's caller has given up (``Deadlines.stopped``):
        its waits here then raise ``AbortedError``; ``wake()`` makes them look.
    """

    def __init__(
        self, settings: Settings, logger: Logger, name: str, stopped: Callable[[], bool] = lambda: False
    ) -> None:
        self.adaptive = settings.adaptive
        self.ceiling = settings.ceiling
        self.limit = 1 if self.adaptive else self.ceiling
        self.logger = logger
        self.name = name
        self.longest_wait = settings.backoff_max
        self._stopped = stopped
        rate = settings.max_requests_per_second
        self._spacing = 0.0 if rate is None else 1.0 / rate  # the client's own limit
        self._api_spacing = 0.0  # what the API's headers allow
        self._policy_rate: float | None = None
        self._next_start = 0.0
        self._held_until = 0.0
        self._in_flight = 0
        self._clean = 0
        self._doubling = True
        self._fastest: list[float] = []  # the BASELINE fastest latencies seen, in order
        self._latency = 0.0
        self._aborted = False
        self._changed = threading.Condition()

    @property
    def spacing(self) -> float:
        """The least time between two starts, in seconds: the client's limit or the API's, whichever is slower."""
        return max(self._spacing, self._api_spacing)

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the ``limit`` places in flight for one request, its retries included."""
        with self._changed:
            while self._in_flight >= self.limit and not self._aborted:
                self._check_stopped()
                self._changed.wait()
            self._in_flight += 1
        try:
            yield
        finally:
            with self._changed:
                self._in_flight -= 1
                self._changed.notify_all()

    def turn(self) -> None:
        """Wait until the next try may start: after any hold, and ``spacing`` after the last start."""
        with self._changed:
            while not self._aborted:
                self._check_stopped()
                now = time.monotonic()
                start = max(self._next_start, self._held_until)
                if start <= now:
                    self._next_start = now + self.spacing
                    return
                self._changed.wait(start - now)

    def observe(self, status: int, headers: Mapping[str, str], latency: float | None = None) -> None:
        """
        Learn from one answer (``latency``: seconds to its headers; None if it was retried).

        A fixed ``max_in_flight`` ignores it: only ``"auto"`` adapts.
        """
        if not self.adaptive:
            return
        quota = quota_in(headers)
        with self._changed:
            now = time.monotonic()
            wait = quota.wait()
            if status in SLOW_DOWN or (quota.retry_after is not None and status >= 400):
                held = self._capped(HOLD_WITHOUT_WORD if wait is None else wait)
                self._back_off(now, now + held, f"HTTP {status}, holding requests {self._said(held, wait)}")
                return
            if quota.exhausted and wait is not None and self._hold(now + self._capped(wait)):
                self.logger.info(
                    "%s: the quota is used up; holding requests %s",
                    self.name,
                    self._said(self._capped(wait), wait, "until its reset"),
                )
            self._pace(quota.rate, quota.remaining, quota.reset)
            if latency is not None and 200 <= status < 300:
                self._learn(latency)

    def abort(self) -> None:
        """End every wait at once (the transport refuses the requests that follow)."""
        with self._changed:
            self._aborted = True
            self._changed.notify_all()

    def wake(self) -> None:
        """Make every waiting thread look again whether its caller has given up (``stopped``)."""
        with self._changed:
            self._changed.notify_all()

    # Called under the lock.

    def _check_stopped(self) -> None:
        if self._stopped():
            raise AbortedError(f"{self.name}: a request was not sent: its caller gave up")

    def _capped(self, seconds: float) -> float:
        """A wait the API asked for, at most ``backoff_max``: a retry never waits longer either."""
        return min(seconds, self.longest_wait)

    def _said(self, held: float, asked: float | None, until: str = "") -> str:
        if asked is not None and held < asked:
            return f"{held:.1f} s (asked {asked:.1f} s; backoff_max caps it)"
        return f"{held:.1f} s" + (f" {until}" if until else "")

    def _back_off(self, now: float, until: float, reason: str) -> None:
        self._doubling, self._clean = False, 0
        if now < self._held_until:
            self._hold(until)  # the same burst of refusals as the one that halved it: once per hold
            return
        held = self._hold(until)
        lower = max(1, self.limit // 2)
        if lower < self.limit:
            self._change(lower, reason)
        elif held:
            self.logger.info("%s: %s; concurrency stays %d", self.name, reason, self.limit)

    def _hold(self, until: float) -> bool:
        if until <= self._held_until:
            return False
        self._held_until = until
        self._changed.notify_all()
        return True

    def _pace(self, rate: float | None, remaining: int | None, reset: float | None) -> None:
        spacing = 0.0 if rate is None else self._capped(1.0 / rate)
        if remaining is not None and reset and remaining <= self.limit:
            # Fewer left than might go at once: what is left, spread until the reset.
            spacing = max(spacing, self._capped(reset / max(remaining, 1)))
        self._api_spacing = spacing
        if rate != self._policy_rate and rate is not None:
            self.logger.info(
                "%s: the API's policy allows %.3g requests a second; pacing to it", self.name, rate
            )
        self._policy_rate = rate

    def _learn(self, latency: float) -> None:
        if len(self._fastest) < BASELINE or latency < self._fastest[-1]:
            bisect.insort(self._fastest, latency)
            del self._fastest[BASELINE:]
        fastest = self._fastest[-1]
        self._latency = latency if not self._latency else 0.8 * self._latency + 0.2 * latency
        self._clean += 1
        if self._clean < self.limit or self.limit >= self.ceiling:
            return
        self._clean = 0
        if self._latency > BUSY * fastest + 0.001:
            if self._doubling:
                self._doubling = False
                self.logger.info(
                    "%s: answers slowed to %.0f ms from %.0f ms; concurrency stays %d",
                    self.name,
                    self._latency * 1000,
                    fastest * 1000,
                    self.limit,
                )
            return
        spacing = self.spacing
        if spacing and self.limit > self._latency / spacing + 1:
            return  # the rate the API allows is the limit: more requests at once would only wait
        higher = min(self.ceiling, self.limit * 2 if self._doubling else self.limit + 1)
        quick = f"{self._latency * 1000:.0f} ms, fastest {fastest * 1000:.0f} ms"
        self._change(higher, f"answers clean and quick: {quick}")

    def _change(self, limit: int, reason: str) -> None:
        self.logger.info("%s: concurrency %d -> %d (%s)", self.name, self.limit, limit, reason)
        self.limit = limit
        self._changed.notify_all()
