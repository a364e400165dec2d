"""
Credentials out of URLs and messages before they reach a log line or an exception.

A credential travels in more than one form: as sent, URL-encoded in a query or a link,
base64-encoded in a basic-auth header, JSON-escaped when an API quotes it back in a body.
``encodings`` lists those forms; a ``Redactor`` blanks every one of them, wherever it is,
in any text the client is about to log or raise, the API's own words included.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable
from urllib.parse import quote, quote_plus

_USERINFO = re.compile(r"://[^/@\s]*@")
_PERCENT_ESCAPE = re.compile(r"%[0-9A-F]{2}")
# What urllib3 leaves as it is in a query when it percent-encodes the rest (RFC 3986 query characters).
_QUERY_SAFE = "!$&'()*+,;=:@/?~"

# What a redacted credential reads as.
MASK = "***"


def without_userinfo(text: str) -> str:
    """``text`` with any ``user:password@`` of a URL in it removed."""
    return _USERINFO.sub("://", text)


def query_parameter_redactor(*names: str) -> Callable[[str], str]:
    """A function that blanks the values of these query parameters wherever a URL in a text has them."""
    pattern = re.compile(rf"([?&](?:{'|'.join(map(re.escape, names))})=)[^&\s'\")]*")
    return lambda text: pattern.sub(lambda found: found.group(1) + MASK, text)


def basic_token(login: str, password: str) -> str:
    """The base64 part of a basic-auth header, ``Authorization: Basic <token>``."""
    return base64.b64encode(f"{login}:{password}".encode()).decode()


def encodings(secret: str) -> list[str]:
    """
    Every form in which ``secret`` may appear in a URL, a header or a body, itself first.

    As sent; percent-encoded as a path (``quote``), as a query or form value (``quote`` with
    nothing safe, ``quote_plus``), as requests and urllib3 re-quote a URL they are handed (a
    link or a redirect to follow), with upper- or lower-case hex digits; and JSON-escaped,
    with and without ``/`` escaped, as an API echoing it in a JSON body writes it.
    """
    # Here, not at the top: ``auth`` imports this module, and provider discovery imports ``auth``.
    from requests.utils import requote_uri

    if not secret:
        return []
    forms = [secret, quote(secret), quote(secret, safe=""), quote_plus(secret)]
    forms += [requote_uri(secret), quote(secret, safe=_QUERY_SAFE)]
    forms += [_PERCENT_ESCAPE.sub(lambda escape: escape.group().lower(), form) for form in forms[1:]]
    for ascii_only in (True, False):
        escaped = json.dumps(secret, ensure_ascii=ascii_only)[1:-1]
        forms += [escaped, escaped.replace("/", "\\/")]
    return list(dict.fromkeys(forms))


class Redactor:
    """
    Blanks every given form of the credentials in a text, then applies ``then`` (URL rules).

    Longer forms are replaced first, so a form that contains another is blanked whole.

    :param secrets: The forms to blank (``auth`` schemes list them with ``encodings``).
    :param then: Further rules: blank the API key parameter of any URL, drop a URL's userinfo.
    """

    def __init__(self, secrets: Iterable[str], then: Callable[[str], str] = without_userinfo) -> None:
        self._forms: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._then = then
        self.learn(secrets)

    def learn(self, secrets: Iterable[str]) -> None:
        """Blank these forms too from now on (a token issued while the client runs)."""
        self._forms |= {form for form in secrets if form}
        forms = sorted(self._forms, key=len, reverse=True)
        # One assignment: a thread redacting meanwhile uses the old pattern or the new one.
        self._pattern = re.compile("|".join(map(re.escape, forms))) if forms else None

    def __call__(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub(MASK, text)
        return self._then(text)

    def scrub(self, error: BaseException) -> None:
        """Redact the text arguments of ``error`` and of every exception chained to it, in place."""
        seen: set[int] = set()
        pending: list[BaseException] = [error]
        while pending:
            current = pending.pop()
            if id(current) in seen:
                continue
            seen.add(id(current))
            current.args = tuple(self(arg) if isinstance(arg, str) else arg for arg in current.args)
            linked = [*current.args, current.__cause__, current.__context__]
            pending += [other for other in linked if isinstance(other, BaseException)]
