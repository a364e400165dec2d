"""
The local stand-in's OAuth 2 token endpoint: client credentials (RFC 6749 section 4.4).

It checks the grant type, the client id and secret (in the form or as HTTP basic auth, as
the API's ``auth.OAuth2ClientCredentials`` says) and the scope, and issues random bearer
tokens that expire; ``is_live`` tells whether a request's ``Authorization`` carries one.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any
from urllib.parse import unquote_plus, urlsplit

from ..client import RestApi, auth

Answer = tuple[int, dict[str, str], bytes]


def issue(
    form: dict[str, str],
    headers: Any,
    *,
    client: tuple[str, str],
    client_auth: str,
    scope: str | None,
    lifetime: float,
    issued: dict[str, float],
) -> Answer:
    """Status, headers and body for one token request; a token issued goes into ``issued``."""
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type")
    if client_auth == "basic":
        sent = _basic_credentials(headers.get("Authorization", ""))
    else:
        sent = form.get("client_id"), form.get("client_secret")
    if sent != client:
        return _oauth_error(401, "invalid_client")
    if scope is not None and form.get("scope") != scope:
        return _oauth_error(400, "invalid_scope")
    token = secrets.token_urlsafe(24)
    issued[token] = time.monotonic() + lifetime
    body = {"access_token": token, "token_type": "Bearer", "expires_in": lifetime}
    return 200, {"Content-Type": "application/json", "Cache-Control": "no-store"}, json.dumps(body).encode()


def is_live(authorization: str, issued: dict[str, float]) -> bool:
    """Whether an ``Authorization`` header carries a bearer token that was issued and has not expired."""
    token = authorization[len("Bearer ") :] if authorization.startswith("Bearer ") else ""
    return issued.get(token, 0.0) > time.monotonic()


def _oauth_error(status: int, code: str) -> Answer:
    return status, {"Content-Type": "application/json"}, json.dumps({"error": code}).encode()


def _basic_credentials(header: str) -> tuple[str | None, str | None]:
    """The client id and secret of a basic-auth header, each form-decoded (RFC 6749 section 2.3.1)."""
    if not header.startswith("Basic "):
        return None, None
    try:
        decoded = base64.b64decode(header[len("Basic ") :], validate=True).decode()
    except ValueError:
        return None, None
    client_id, _, secret = decoded.partition(":")
    return unquote_plus(client_id), unquote_plus(secret)


def endpoint_path(api: RestApi) -> str | None:
    """The path of the token endpoint of an API with OAuth 2 client credentials; else None."""
    scheme = api.auth
    if not isinstance(scheme, auth.OAuth2ClientCredentials):
        return None
    url = scheme.token_url
    return urlsplit(url).path if "://" in url else api.base_path + url
