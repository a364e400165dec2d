"""
What an API's response headers say about its rate limit, read in the forms real APIs send.

- The IETF httpapi draft, older form: ``RateLimit-Limit``, ``RateLimit-Remaining``,
  ``RateLimit-Reset`` (seconds from now) and ``RateLimit-Policy: 100;w=60``.
- The same draft, newer form: ``RateLimit: "default";r=50;t=30`` (the tightest of its
  items counts) and ``RateLimit-Policy: "default";q=100;w=60``; and an earlier draft's
  dictionary, ``RateLimit: limit=100, remaining=50, reset=30``.
- GitHub's and many others': ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and
  ``X-RateLimit-Reset``, a Unix time in seconds or milliseconds (or, from APIs that send a
  small number, seconds from now).
- ``Retry-After``: seconds, or an HTTP date (UTC when it names no zone).

Anything unreadable counts as absent: a header never fails a request.
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass

from .windows import UTC

# A reset larger than this is a Unix time, not a number of seconds from now,
UNIX_TIME_FROM = 1_000_000_000
# and larger than this, a Unix time in milliseconds (1e11 seconds is the year 5138).
UNIX_MILLISECONDS_FROM = 100_000_000_000


@dataclass(frozen=True)
class Quota:
    """
    One response's word on the rate limit; each part None when the API did not say.

    :param remaining: Requests left before the limit.
    :param reset: Seconds from now until the quota is restored.
    :param rate: Requests a second the policy allows on average (the smallest quota over its window).
    :param retry_after: Seconds the API asked the client to wait.
    """

    remaining: int | None = None
    reset: float | None = None
    rate: float | None = None
    retry_after: float | None = None

    @property
    def exhausted(self) -> bool:
        return self.remaining == 0

    def wait(self) -> float | None:
        """Seconds to hold every request: ``Retry-After``, else the reset of an exhausted quota."""
        if self.retry_after is not None:
            return self.retry_after
        if self.exhausted and self.reset is not None:
            return self.reset
        return None


def quota_in(headers: Mapping[str, str], now: float | None = None) -> Quota:
    """The rate limit that ``headers`` (a case-insensitive mapping) describe; ``now`` is a Unix time."""
    now = time.time() if now is None else now
    remaining = _count(headers.get("RateLimit-Remaining"))
    reset = _seconds(headers.get("RateLimit-Reset"), now)
    combined = _combined(headers.get("RateLimit", ""), now)
    if combined is not None:
        remaining = combined[0] if remaining is None else remaining
        reset = combined[1] if reset is None else reset
    if remaining is None:
        remaining = _count(headers.get("X-RateLimit-Remaining"))
    if reset is None:
        reset = _seconds(headers.get("X-RateLimit-Reset"), now)
    return Quota(
        remaining, reset, _policy_rate(headers.get("RateLimit-Policy", "")), retry_after(headers, now)
    )


def retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """``Retry-After`` in seconds from now, from a number or an HTTP date; None if absent or unreadable."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    seconds = _number(value)
    if seconds is not None:
        return seconds
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # "-0000" or no zone: HTTP dates are in GMT
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


def _combined(value: str, now: float) -> tuple[int | None, float | None] | None:
    """
    Remaining requests and seconds to the reset from one ``RateLimit`` header, or None.

    Its items (``"name";r=..;t=..``) are limits that all apply, so the one with the fewest
    requests remaining counts; an earlier draft wrote one limit as ``limit=, remaining=, reset=``.
    """
    items = _items(value)
    if any("=" in params[""] for params in items):
        pairs = {}
        for params in items:
            name, _, raw = params[""].partition("=")
            pairs[name.strip().lower()] = raw.strip()
        return _count(pairs.get("remaining")), _seconds(pairs.get("reset"), now)
    limits = [(_count(params.get("r")), _seconds(params.get("t"), now)) for params in items]
    known = [limit for limit in limits if limit[0] is not None]
    if known:
        return min(known, key=lambda limit: (limit[0] or 0, -(limit[1] or 0.0)))
    return limits[0] if limits else None


def _policy_rate(value: str) -> float | None:
    """The lowest requests a second among the policies ``100;w=60`` or ``"name";q=100;w=60``."""
    rates = []
    for params in _items(value):
        quota, window = _number(params.get("q") or params.get("")), _number(params.get("w"))
        if quota and window:  # a quota of 0 says nothing of a rate to pace to
            rates.append(quota / window)
    return min(rates) if rates else None


def _items(value: str) -> list[dict[str, str]]:
    """A structured field's list items as parameter dicts; the bare item (a quota or a name) under ''."""
    items = []
    for item in value.split(","):
        parts = [part.strip() for part in item.split(";")]
        if not parts[0] and len(parts) == 1:
            continue
        params = {"": parts[0].strip('"')}
        for part in parts[1:]:
            name, _, raw = part.partition("=")
            params[name.strip().lower()] = raw.strip().strip('"')
        items.append(params)
    return items


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _count(value: str | None) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def _seconds(value: str | None, now: float) -> float | None:
    """A reset as seconds from now: a Unix time or a delta, never below 0."""
    number = _number(value)
    if number is None:
        return None
    if number >= UNIX_MILLISECONDS_FROM:
        number /= 1000
    return max(0.0, number - now) if number >= UNIX_TIME_FROM else number
