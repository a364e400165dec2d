"""urllib3's retry policy, with a deadline per request and a log line per retry."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from urllib3.exceptions import InvalidHeader, MaxRetryError
from urllib3.util.retry import Retry

from .errors import RetryDeadlineError
from .quota import quota_in

if TYPE_CHECKING:
    from .deadline import Deadlines
    from .pacing import Pacer

# Statuses worth asking again for: rate limits and the server's own failures.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class Logger(Protocol):
    """What the policy needs of a logger; a hook's ``self.log`` and a ``logging.Logger`` both fit."""

    def warning(self, msg: Any, /, *args: Any) -> Any: ...

    def info(self, msg: Any, /, *args: Any) -> Any: ...


class DeadlineRetry(Retry):
    """
    urllib3's Retry with six additions: ``Retry-After`` waits are capped at
    ``backoff_max``, an unreadable ``Retry-After`` (such as ``soon``) counts as absent,
    a rate-limited answer without one waits for its quota's reset (``X-RateLimit-Reset``),
    one request stops retrying once ``deadline`` seconds have gone by since its first
    failure, every retry is logged with its reason and wait, and with ``deadlines`` the
    wait before a retry first raises if the answer before it was cut at its
    ``response_timeout`` (even while urllib3 drained its body) and ends at once on
    ``Deadlines.abort``. With ``pacer``, every answer is reported to it and each retry
    waits for its turn (``pacing.Pacer``).
    """

    def __init__(
        self,
        *args: Any,
        deadline: float | None = None,
        logger: Logger | None = None,
        redact: Callable[[str], str] = str,
        first_failure: float | None = None,
        deadlines: Deadlines | None = None,
        pacer: Pacer | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.deadlines = deadlines
        self.pacer = pacer
        self.deadline = deadline
        self.logger = logger
        self.redact = redact
        self.first_failure = first_failure

    @classmethod
    def for_get(
        cls,
        *,
        retries: int,
        backoff_factor: float,
        backoff_max: float,
        deadline: float,
        logger: Logger,
        redact: Callable[[str], str],
        deadlines: Deadlines | None = None,
        pacer: Pacer | None = None,
    ) -> DeadlineRetry:
        """The policy for idempotent GETs of pages: error statuses retried, ``Retry-After`` honoured."""
        return cls(
            total=retries,
            backoff_factor=backoff_factor,
            backoff_max=backoff_max,
            deadline=deadline,
            logger=logger,
            redact=redact,
            deadlines=deadlines,
            pacer=pacer,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )

    def new(self, **kwargs: Any) -> DeadlineRetry:
        kwargs.setdefault("deadline", self.deadline)
        kwargs.setdefault("logger", self.logger)
        kwargs.setdefault("redact", self.redact)
        kwargs.setdefault("first_failure", self.first_failure)
        kwargs.setdefault("deadlines", self.deadlines)
        kwargs.setdefault("pacer", self.pacer)
        retry = super().new(**kwargs)
        assert isinstance(retry, DeadlineRetry)  # noqa: S101 - urllib3 builds it with type(self)
        return retry

    def get_retry_after(self, response: Any) -> float | None:
        try:
            retry_after = super().get_retry_after(response)
        except InvalidHeader:
            retry_after = None  # such as "soon": as if absent, so the backoff applies
        if retry_after is None and response is not None and response.status in RETRY_STATUSES:
            retry_after = quota_in(response.headers).wait()  # an exhausted quota's reset
        return None if retry_after is None else min(retry_after, self.backoff_max)

    def sleep(self, response: Any = None) -> None:
        """Wait before the next try as urllib3 would, but raise if the last answer was cut or the caller aborted."""
        if self.deadlines is None:
            super().sleep(response)
        else:
            wait = None
            if self.respect_retry_after_header and response:
                wait = self.get_retry_after(response)
            self.deadlines.pause(wait or self.get_backoff_time())
        if self.pacer is not None:
            self.pacer.turn()

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> DeadlineRetry:
        first_failure = self.first_failure if self.first_failure is not None else time.monotonic()
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        assert isinstance(retry, DeadlineRetry)  # noqa: S101 - new() keeps the class
        retry.first_failure = first_failure
        if self.pacer is not None and response is not None and response.status:
            self.pacer.observe(response.status, response.headers)
        reason = f"HTTP {response.status}" if response is not None and response.status else repr(error)
        wait = (retry.get_retry_after(response) if response is not None else None) or retry.get_backoff_time()
        spent = time.monotonic() - first_failure
        where = self.redact(url or "")
        if self.deadline is not None and spent + wait > self.deadline:
            raise MaxRetryError(
                _pool,
                where,
                RetryDeadlineError(
                    f"gave up after {spent:.1f} s of retries ({reason}); retry_deadline is {self.deadline} s"
                ),
            )
        if self.logger is not None:
            attempt = len(retry.history)
            self.logger.warning(
                "GET %s failed (%s); retry %d of %d in %.1f s",
                where,
                self.redact(reason),
                attempt,
                attempt + (retry.total or 0),
                wait,
            )
        return retry
