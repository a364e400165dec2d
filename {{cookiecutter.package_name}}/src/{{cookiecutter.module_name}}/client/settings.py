"""Timeouts, retries, TLS, concurrency and size limits: from hook arguments, else connection extras, else defaults."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

# More requests at once than this is a mistake, not a speed-up: each one is a thread and a connection.
MAX_IN_FLIGHT = 32
# max_in_flight="auto": start at one request and adapt to the API, up to MAX_IN_FLIGHT (``pacing``).
AUTO = "auto"


@dataclass(frozen=True)
class Settings:
    """
    How the client talks to the API. Each field defaults to the connection extra of the same name.

    :param connect_timeout: Seconds to wait for a connection (10).
    :param read_timeout: Seconds to wait for each read (60).
    :param max_retries: Retries per request (5).
    :param backoff_factor: Base of the exponential backoff between retries, in seconds (0.5).
    :param backoff_max: Longest wait between two attempts, ``Retry-After`` included, in seconds (60).
    :param retry_deadline: Seconds one request may spend failing and retrying before it gives up (300).
    :param response_timeout: Seconds one answer may take in all, from connecting to its last byte (300);
        an answer still arriving then fails the request, without a retry.
    :param max_in_flight: Requests sent at once (1), for paginators that can ask for pages ahead
        and for split windows; ``"auto"`` adapts it to the API's rate limits (``pacing.Pacer``).
    :param max_requests_per_second: The most requests started in any second, retries included
        (None: no limit of the client's own).
    :param max_response_mb: Largest response body, in MiB once decompressed (256); a larger one fails.
    :param max_pages: Pages one window may take (1,000,000); a total that announces more fails at once.
    :param verify: TLS verification: True, False, or the path of a CA bundle (True).
    """

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_retries: int = 5
    backoff_factor: float = 0.5
    backoff_max: float = 60.0
    retry_deadline: float = 300.0
    response_timeout: float = 300.0
    max_in_flight: int | str = 1
    max_requests_per_second: float | None = None
    max_response_mb: int = 256
    max_pages: int = 1_000_000
    verify: bool | str = True

    @classmethod
    def read(cls, arguments: dict[str, Any], extras: dict[str, Any]) -> Settings:
        """Pick each setting from ``arguments``, else ``extras``, else the default; refuse nonsense."""

        def pick(name: str, default: Any, **rules: Any) -> Any:
            # An extra left empty in the connection form is stored as null: that means the default.
            value = arguments.get(name)
            if value is None:
                value = extras.get(name)
            return checked(name, default if value is None else value, **rules)

        verify = arguments.get("verify")
        return cls(
            connect_timeout=pick("connect_timeout", cls.connect_timeout),
            read_timeout=pick("read_timeout", cls.read_timeout),
            max_retries=pick("max_retries", cls.max_retries, kind=int, allow_zero=True),
            backoff_factor=pick("backoff_factor", cls.backoff_factor, allow_zero=True),
            backoff_max=pick("backoff_max", cls.backoff_max, allow_zero=True),
            retry_deadline=pick("retry_deadline", cls.retry_deadline),
            response_timeout=pick("response_timeout", cls.response_timeout),
            max_in_flight=checked_in_flight(_first(arguments, extras, "max_in_flight"), cls.max_in_flight),
            max_requests_per_second=_optional(
                "max_requests_per_second", _first(arguments, extras, "max_requests_per_second")
            ),
            max_response_mb=pick("max_response_mb", cls.max_response_mb, kind=int),
            max_pages=pick("max_pages", cls.max_pages, kind=int),
            verify=checked_verify(extras.get("verify") if verify is None else verify),
        )

    @property
    def adaptive(self) -> bool:
        """Whether ``max_in_flight`` is ``"auto"``."""
        return self.max_in_flight == AUTO

    @property
    def ceiling(self) -> int:
        """The most requests ever in flight at once: ``max_in_flight``, or MAX_IN_FLIGHT for ``"auto"``."""
        return MAX_IN_FLIGHT if isinstance(self.max_in_flight, str) else self.max_in_flight


def _first(arguments: dict[str, Any], extras: dict[str, Any], name: str) -> Any:
    """The hook argument ``name``, else the connection extra; None if neither is set (or left empty)."""
    value = arguments.get(name)
    return extras.get(name) if value is None else value


def checked_in_flight(value: Any, default: int | str = 1, *, exact: bool = False) -> int | str:
    """
    ``max_in_flight``: a whole number from 1 to MAX_IN_FLIGHT, or ``"auto"``; None means
    ``default``. A connection extra may spell the number as text; ``exact`` (an operator's
    argument) takes only an int or ``"auto"``.
    """
    if value is None:
        return default
    if value == AUTO or (not exact and isinstance(value, str) and value.strip().lower() == AUTO):
        return AUTO
    try:
        if exact and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError
        return int(checked("max_in_flight", value, kind=int, highest=MAX_IN_FLIGHT))
    except ValueError:
        raise ValueError(
            f"max_in_flight: {value!r} is not allowed; give a whole number from 1 to {MAX_IN_FLIGHT}, "
            f'or "{AUTO}" to adapt to the API\'s rate limits.'
        ) from None


def _optional(name: str, value: Any) -> float | None:
    """A positive number, or None when not set."""
    if value is None or value == "":
        return None
    try:
        return float(checked(name, value))
    except ValueError:
        raise ValueError(
            f"{name}: {value!r} is not allowed; give a number above 0, or leave it empty for no limit."
        ) from None


def checked(
    name: str, value: Any, *, kind: type = float, allow_zero: bool = False, highest: int | None = None
) -> Any:
    """``value`` as a finite number of ``kind`` in range, or a ValueError naming the setting."""
    lowest = "0" if allow_zero else ("1" if kind is int else "above 0")
    if kind is int:
        allowed = f"a whole number from {lowest} " + (f"to {highest}" if highest else "up")
    else:
        allowed = f"a number of seconds from {lowest} up" if allow_zero else "a number of seconds above 0"
    try:
        converted = kind(value)
        fractional = kind is int and float(value) != converted
    except (TypeError, ValueError, OverflowError):
        converted, fractional = None, False
    out_of_range = converted is not None and (
        not math.isfinite(converted)
        or converted < 0
        or (converted == 0 and not allow_zero)
        or (highest is not None and converted > highest)
    )
    if isinstance(value, bool) or converted is None or fractional or out_of_range:
        raise ValueError(f"{name}: {value!r} is not allowed; give {allowed}.")
    return converted


def checked_verify(value: Any) -> bool | str:
    """The ``verify`` extra: true (the default, also when empty), false, or the path of a CA bundle."""
    if value in (None, True, "true", "True", "1", 1):
        return True
    if value in (False, "false", "False", "0", 0):
        return False
    if isinstance(value, str) and os.path.isfile(value):
        return value
    raise ValueError(
        f"verify: {value!r} is not allowed; give true, false or the path of an existing CA bundle file."
    )
