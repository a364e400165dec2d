"""
How a request carries the Airflow connection's credentials: one small class per scheme.

``attach`` turns the connection's login and password into a requests auth callable, which
the transport hands to every session; ``secrets`` lists every form in which the credential
travels or may come back (raw, URL-encoded, JSON-escaped, inside a basic-auth header's
base64), so the hook blanks each one in its messages and masks it in task logs; ``redact``
blanks what the scheme puts into URLs even when its value differs; ``form`` is how the connection form
labels and hides the built-in fields. A scheme these do not cover is a subclass away.

This module imports nothing heavy: the provider's metadata reads ``form`` at discovery.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit, urlunsplit

from .redaction import basic_token, encodings, query_parameter_redactor

# What requests accepts as ``Session.auth``: a callable that takes and returns a PreparedRequest.
RequestAuth = Callable[[Any], Any]


class NoAuth:
    """The API needs no credentials."""

    form: ClassVar[dict[str, Any]] = {
        "hidden-fields": ["login", "password"],
        "relabeling": {"schema": "Scheme"},
    }

    def attach(self, login: str | None, password: str | None) -> RequestAuth | None:
        """The auth callable for a session, or None to send no credentials."""
        return None

    def secrets(self, login: str | None, password: str | None) -> list[str]:
        """Every form of the credential that could appear in a request or an answer, for masking."""
        return encodings(password or "")

    def redact(self, text: str) -> str:
        """``text`` without any credential this scheme puts into URLs."""
        return text

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in vars(self).items())
        return f"{type(self).__name__}({fields})"


class Basic(NoAuth):
    """HTTP basic auth with the connection's login and password."""

    form: ClassVar[dict[str, Any]] = {
        "hidden-fields": [],
        "relabeling": {"schema": "Scheme", "login": "Username"},
    }

    def attach(self, login: str | None, password: str | None) -> RequestAuth | None:
        if not login:
            return None
        return _with_header("Authorization", f"Basic {basic_token(login, password or '')}")

    def secrets(self, login: str | None, password: str | None) -> list[str]:
        if not login:
            return super().secrets(login, password)
        # The header's base64 form too: an API that echoes the header back must not leak it.
        return [*super().secrets(login, password), *encodings(basic_token(login, password or ""))]


class Bearer(NoAuth):
    """The connection's password as a token: ``Authorization: <prefix> <token>``."""

    form: ClassVar[dict[str, Any]] = {
        "hidden-fields": ["login"],
        "relabeling": {"schema": "Scheme", "password": "Token"},
    }

    def __init__(self, prefix: str = "Bearer") -> None:
        self.prefix = prefix

    def attach(self, login: str | None, password: str | None) -> RequestAuth | None:
        return _with_header("Authorization", f"{self.prefix} {password}") if password else None


class ApiKeyHeader(NoAuth):
    """The connection's password as an API key in a request header."""

    form: ClassVar[dict[str, Any]] = {
        "hidden-fields": ["login"],
        "relabeling": {"schema": "Scheme", "password": "API key"},
    }

    def __init__(self, header: str = "X-API-Key") -> None:
        self.header = header

    def attach(self, login: str | None, password: str | None) -> RequestAuth | None:
        return _with_header(self.header, password) if password else None


class ApiKeyQuery(NoAuth):
    """The connection's password as an API key in a query parameter of every request."""

    form: ClassVar[dict[str, Any]] = {
        "hidden-fields": ["login"],
        "relabeling": {"schema": "Scheme", "password": "API key"},
    }

    def __init__(self, parameter: str = "api_key") -> None:
        self.parameter = parameter

    def attach(self, login: str | None, password: str | None) -> RequestAuth | None:
        if not password:
            return None
        name = self.parameter

        def add_key(request: Any) -> Any:
            # Replace any copy the API echoed into a link it handed back.
            parts = urlsplit(request.url)
            kept = [
                (key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key != name
            ]
            request.url = urlunsplit(parts._replace(query=urlencode([*kept, (name, password)])))
            return request

        return add_key

    def redact(self, text: str) -> str:
        return query_parameter_redactor(self.parameter, quote_plus(self.parameter))(text)


def _with_header(name: str, value: str) -> RequestAuth:
    """An auth callable that sets one header on each request."""

    def add_header(request: Any) -> Any:
        request.headers[name] = value
        return request

    return add_header
