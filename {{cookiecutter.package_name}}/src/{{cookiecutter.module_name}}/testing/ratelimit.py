"""
A rate limit for the local stand-in API: a token bucket of ``rate`` requests a second with a
``burst``, answering 429 beyond it, with the headers real APIs send about their limits.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# "draft": the IETF httpapi draft's RateLimit-Limit, -Remaining, -Reset and -Policy, and
# Retry-After on a 429. "github": GitHub's X-RateLimit-* only, no Retry-After: a client must
# read X-RateLimit-Reset to know how long to wait.
HEADER_STYLES = ("draft", "github")


@dataclass(frozen=True)
class RateLimit:
    """
    How many requests the stand-in answers: ``rate`` a second on average, ``burst`` at once.

    :param rate: Requests a second the bucket refills by.
    :param burst: The bucket's size: requests answered back to back after a quiet spell.
    :param headers: Which headers describe the limit, one of ``HEADER_STYLES``.
    """

    rate: float
    burst: int
    headers: str = "draft"

    def __post_init__(self) -> None:
        if isinstance(self.rate, bool) or not isinstance(self.rate, (int, float)) or not self.rate > 0:
            raise ValueError(f"rate: {self.rate!r} is not allowed; give requests a second above 0.")
        if isinstance(self.burst, bool) or not isinstance(self.burst, int) or self.burst < 1:
            raise ValueError(f"burst: {self.burst!r} is not allowed; give a whole number from 1 up.")
        if self.headers not in HEADER_STYLES:
            raise ValueError(
                f"headers: {self.headers!r} is not allowed; give one of {', '.join(map(repr, HEADER_STYLES))}."
            )


class TokenBucket:
    """
    The state of one ``RateLimit``: ``take()`` for each request, thread-safe.

    The bucket starts full. ``Reset`` (delta seconds in the draft's form, a Unix time in
    GitHub's) is when the bucket is full again; ``Remaining`` is the requests it would answer
    now. The policy the draft names is ``burst`` requests per ``burst / rate`` seconds.
    """

    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._tokens = float(limit.burst)
        self._stamp = clock()
        self._lock = threading.Lock()

    def take(self) -> tuple[bool, dict[str, str]]:
        """Whether this request is answered, and the headers that describe the limit after it."""
        limit = self.limit
        with self._lock:
            now = self._clock()
            self._tokens = min(limit.burst, self._tokens + (now - self._stamp) * limit.rate)
            self._stamp = now
            allowed = self._tokens >= 1
            if allowed:
                self._tokens -= 1
            tokens = self._tokens
        remaining = math.floor(tokens)
        until_full = math.ceil((limit.burst - tokens) / limit.rate)
        headers: dict[str, str]
        if limit.headers == "github":
            headers = {
                "X-RateLimit-Limit": str(limit.burst),
                "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Used": str(limit.burst - remaining),
                "X-RateLimit-Reset": str(math.ceil(time.time() + (limit.burst - tokens) / limit.rate)),
                "X-RateLimit-Resource": "core",
            }
        else:
            window = limit.burst / limit.rate
            headers = {
                "RateLimit-Limit": str(limit.burst),
                "RateLimit-Remaining": str(remaining),
                "RateLimit-Reset": str(until_full),
                "RateLimit-Policy": f"{limit.burst};w={window:g}",
            }
            if not allowed:
                headers["Retry-After"] = str(max(1, math.ceil((1 - tokens) / limit.rate)))
        return allowed, headers
