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

import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar
from urllib.parse import parse_qsl, quote_plus, urlencode, urljoin, urlsplit, urlunsplit

from .errors import APIError
from .redaction import basic_token, encodings, query_parameter_redactor

# What requests accepts as ``Session.auth``: a callable that takes and returns a PreparedRequest.
RequestAuth = Callable[[Any], Any]

# One word of an HTTP header (RFC 9110 token): what an Authorization scheme such as Bearer is.
_TOKEN_WORD = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


class NoAuth:
    """The API needs no credentials."""

    form: ClassVar[dict[str, Any]] = {
        "hidden-fields": ["login", "password"],
        "relabeling": {"schema": "Scheme"},
    }

    def attach(self, login: str | None, password: str | None) -> RequestAuth | None:
        """The auth callable for a session, or None to send no credentials."""
        return None

    def form_fields(self) -> dict[str, Any]:
        """Extra fields the scheme adds to the connection form, as the provider metadata declares them."""
        return {}

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
        if not isinstance(prefix, str) or not _TOKEN_WORD.fullmatch(prefix):
            raise ValueError(
                f"prefix: {prefix!r} is not allowed; give one word of letters, digits and "
                "! # $ % & ' * + . ^ _ ` | ~ - such as Bearer or Token (the token_prefix answer)."
            )
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


class OAuth2ClientCredentials(NoAuth):
    """
    OAuth 2 client credentials (RFC 6749 section 4.4): the connection's login and password are
    the client id and secret, traded at ``token_url`` for an access token that every request
    carries as ``Authorization: Bearer <token>``.

    The token is kept until shortly before it expires, and fetched again once when the API
    answers 401. The secret, and every token issued, are masked in logs and blanked in errors.

    :param token_url: The token endpoint: a full URL, or a path on the API's base URL.
    :param client_auth: ``body`` (client_id and client_secret in the form) or ``basic`` (HTTP basic auth).
    :param scope_extra: The connection extra holding the scope to ask for; none if it is empty.
    """

    form: ClassVar[dict[str, Any]] = {
        "hidden-fields": [],
        "relabeling": {"schema": "Scheme", "login": "Client ID", "password": "Client secret"},
    }

    def __init__(self, token_url: str, client_auth: str = "body", scope_extra: str = "scope") -> None:
        if client_auth not in ("body", "basic"):
            raise ValueError(f"client_auth: {client_auth!r} is not allowed; give 'body' or 'basic'.")
        if not isinstance(token_url, str) or not (
            token_url.startswith("/") or urlsplit(token_url).scheme in ("http", "https")
        ):
            raise ValueError(
                f"token_url: {token_url!r} is not allowed; give a path such as /oauth/token "
                "or an http(s) URL."
            )
        self.token_url = token_url
        self.client_auth = client_auth
        self.scope_extra = scope_extra

    def form_fields(self) -> dict[str, Any]:
        return {
            self.scope_extra: {
                "label": "Scope",
                "schema": {"type": ["string", "null"]},
                "description": "The OAuth 2 scope to ask the token endpoint for; empty for none.",
            }
        }

    def attach(self, login: str | None, password: str | None) -> RequestAuth | None:
        if not login or not password:
            return None
        return TokenAuth(self, login, password)

    def secrets(self, login: str | None, password: str | None) -> list[str]:
        if not login or not password:
            return super().secrets(login, password)
        header = basic_token(quote_plus(login), quote_plus(password))
        return [*super().secrets(login, password), *encodings(header)]


# Post a form to a URL and return its JSON body: ``post(url, form, headers)``.
FormPoster = Callable[[str, Mapping[str, str], Mapping[str, str]], Any]
# A token was issued: mask it wherever it could appear.
TokenListener = Callable[[str], None]
# Seconds before expiry at which a token is fetched again, at most (and at most a tenth of its life).
EARLY_RENEWAL = 30.0


class TokenAuth:
    """
    The requests auth callable of ``OAuth2ClientCredentials`` for one connection.

    The transport binds it (``bind``) to a way of posting the token request and to the base
    URL; a lock makes concurrent page threads share one token fetch.
    """

    def __init__(self, scheme: OAuth2ClientCredentials, client_id: str, secret: str) -> None:
        self.scheme = scheme
        self._client_id = client_id
        self._secret = secret
        self._scope = ""
        self._token_url = scheme.token_url
        self._post: FormPoster | None = None
        self._listeners: list[TokenListener] = []
        self._token: str | None = None
        self._renew_at = 0.0
        self._lock = threading.Lock()
        self.fetches = 0  # token requests made, for tests and logs

    def bind(
        self, post: FormPoster, base_url: str, extras: Mapping[str, Any], listener: TokenListener
    ) -> None:
        """Where and how to ask for tokens, the scope from the connection extras, and who masks them."""
        self._post = post
        # A path joins the base URL (prefix included); an http(s) URL stands as it is.
        self._token_url = urljoin(base_url.rstrip("/") + "/", self.scheme.token_url.lstrip("/"))
        scope = extras.get(self.scheme.scope_extra)
        self._scope = "" if scope is None else str(scope)
        self._listeners.append(listener)

    @property
    def token_url(self) -> str:
        return self._token_url

    def __call__(self, request: Any) -> Any:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        return request

    def token(self) -> str:
        """The access token, fetched when there is none yet or it is about to expire."""
        with self._lock:
            if self._token is None or time.monotonic() >= self._renew_at:
                self._fetch()
            assert self._token is not None  # noqa: S101 - set by _fetch or it raised
            return self._token

    def renew(self, sent: str | None) -> bool:
        """
        After a 401 to a request that carried ``sent`` (its Authorization header): drop that token,
        unless another thread has renewed it already. True if the request is worth sending again.
        """
        with self._lock:
            if self._token is None or sent != f"Bearer {self._token}":
                return sent is not None  # renewed meanwhile: send again with the new one
            self._token = None
            return True

    def _fetch(self) -> None:
        if self._post is None:
            raise RuntimeError("TokenAuth used before the transport bound it")
        form = {"grant_type": "client_credentials"}
        if self._scope:
            form["scope"] = self._scope
        headers: dict[str, str] = {}
        if self.scheme.client_auth == "basic":
            # RFC 6749 section 2.3.1: id and secret are form-encoded before they are joined.
            token = basic_token(quote_plus(self._client_id), quote_plus(self._secret))
            headers["Authorization"] = f"Basic {token}"
        else:
            form.update(client_id=self._client_id, client_secret=self._secret)
        started = time.monotonic()
        body = self._post(self._token_url, form, headers)
        self.fetches += 1
        token, lifetime = _issued(body, self._token_url)
        for listener in self._listeners:
            listener(token)
        self._token = token
        early = min(EARLY_RENEWAL, lifetime / 10) if lifetime is not None else 0.0
        self._renew_at = float("inf") if lifetime is None else started + lifetime - early


def _issued(body: Any, url: str) -> tuple[str, float | None]:
    """The access token and its lifetime in seconds (None if not given) of a token response."""
    if not isinstance(body, dict):
        raise APIError(f"The token endpoint {url} (token_url) sent no JSON object.")
    token = body.get("access_token")
    if not isinstance(token, str) or not token or any(char.isspace() for char in token):
        error = body.get("error")
        reason = f" ({error})" if isinstance(error, str) else ""
        raise APIError(f"The token endpoint {url} (token_url) sent no access_token{reason}.")
    kind = body.get("token_type", "Bearer")
    if not isinstance(kind, str) or kind.lower() != "bearer":
        raise APIError(
            f"The token endpoint {url} (token_url) issued a token of type {kind!r}; "
            "only Bearer tokens are supported."
        )
    lifetime = body.get("expires_in")
    if lifetime is None:
        return token, None
    if isinstance(lifetime, bool) or not isinstance(lifetime, (int, float)) or lifetime < 0:
        raise APIError(
            f"The token endpoint {url} (token_url) sent expires_in {lifetime!r}; "
            "it must be a number of seconds."
        )
    return token, float(lifetime)


def _with_header(name: str, value: str) -> RequestAuth:
    """An auth callable that sets one header on each request."""

    def add_header(request: Any) -> Any:
        request.headers[name] = value
        return request

    return add_header
