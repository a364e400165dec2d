"""
Where a URL really goes: its origin as requests (through urllib3) will connect to it.

Credentials go only to the connection's own origin: scheme, host and port. Parsers disagree
on odd URLs (``http://a:1\\@b:2/`` is ``b:2`` to ``urllib.parse`` and ``a:1`` to urllib3), so
the origin is read with urllib3's own parser, the one requests sends with, and a URL that
another parser would read differently, or that holds a user name, a backslash, whitespace or
a control character, is refused even when it seems to stay at home.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from urllib3.util import parse_url

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> str:
    """``scheme://host:port`` of ``url`` as urllib3 connects to it; ValueError if it cannot parse it."""
    parts = parse_url(url)
    scheme = (parts.scheme or "").lower()
    return _joined(scheme, (parts.host or "").lower(), parts.port)


def refusal(url: str, home: str) -> str | None:
    """
    None if ``url`` may carry the credentials of the origin ``home``; else why not.

    The reason starts with where ``url`` goes, as urllib3 reads it, and names ``home`` too:
    ``http://b:2, not http://a:1``.
    """
    try:
        target = origin(url)
    except ValueError as error:
        return f"a URL that cannot be parsed ({error})"
    problem = _ambiguity(url, target)
    if target != home:
        return f"{target}, not {home}" + (f" (a URL that {problem})" if problem else "")
    return None if problem is None else f"a URL that {problem}, not plainly {home}"


def _ambiguity(url: str, target: str) -> str | None:
    """What makes HTTP clients disagree on where ``url`` goes, or None."""
    if "\\" in url:
        return "holds a backslash"
    if any(ord(character) <= 0x20 or ord(character) == 0x7F for character in url):
        return "holds whitespace or a control character"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        seen = _joined(parts.scheme.lower(), f"[{host}]" if ":" in host else host, parts.port)
    except ValueError:
        return "urllib.parse cannot read"
    if "@" in parts.netloc or parse_url(url).auth is not None:
        return "holds a user name or password"
    if seen != target:
        return f"urllib.parse reads as going to {seen}"
    return None


def _joined(scheme: str, host: str, port: int | None) -> str:
    return f"{scheme}://{host}:{port or DEFAULT_PORTS.get(scheme)}"
