"""The one exception the client raises for an answer it cannot use."""

from __future__ import annotations


class APIError(Exception):
    """The API answered in a way the client cannot use: an error status or an unexpected body."""


class RetryDeadlineError(Exception):
    """A request kept failing for longer than its retry deadline."""
