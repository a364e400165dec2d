"""
Reading a page's JSON body: strict decoding, dotted keys, the records, and counts.

``decode`` accepts only what every JSON reader reads the same way (RFC 8259), so each record
can be written back as a valid JSON line: no NaN or Infinity, no number that overflows a float
to infinity, no key given twice at the top level or in an object on the way to a key the client
reads (such as ``data`` for ``data.items``), no nesting deeper than the interpreter can follow.
Inside a record a repeated key keeps its last value, as JSON readers do.
It tells a body that broke off in transit (``msgspec.DecodeError``, worth a retry) from a whole
body that is unusable (``APIError``, naming the page and the problem: asking again would not help).
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from .errors import APIError

_BODY = msgspec.json.Decoder()
# The body's top level only: each value stays the raw JSON text msgspec found for it.
_TOP = msgspec.json.Decoder(dict[str, msgspec.Raw])
_OPENING = re.compile(rb"[ \t\n\r]*\{[ \t\n\r]*(\}?)")
_KEY = re.compile(rb'[ \t\n\r]*("(?:[^"\\]+|\\.)*")[ \t\n\r]*:[ \t\n\r]*', re.DOTALL)
_AFTER_VALUE = re.compile(rb"[ \t\n\r]*([,}])")
# A JSON string (its closing quote optional, so that a string cut short never makes the scan
# backtrack), or one of the non-standard constants some encoders write for non-finite floats.
_NON_FINITE = re.compile(rb'"(?:[^"\\]+|\\.)*"?|-?Infinity|NaN', re.DOTALL)


def decode(data: bytes | bytearray, url: str, paths: tuple[str, ...] = ()) -> Any:
    """
    The JSON body of the page at ``url`` (already free of credentials, for messages).

    ``paths`` are the dotted keys the body is read by (records, counts, cursor): every object
    they pass through is checked for repeated keys, as the top level always is.

    Raises ``msgspec.DecodeError`` for a body that is not JSON, such as one cut short, and
    ``APIError`` for a complete body that JSON Lines cannot carry as it is.
    """
    try:
        return _checked(data, 0, data, url, "", [path.split(".") for path in paths if path])
    except _OutOfRangeError as error:
        where = f"under the key {error.key!r}" if error.key else "in the body"
        raise APIError(
            f"GET {url} sent a number {where} out of range ({error.reason}): a float beyond its range "
            "would be infinity, which JSON cannot represent; refusing the page."
        ) from None
    except RecursionError:
        raise APIError(
            f"GET {url} sent a body nested deeper than the interpreter can follow (arrays or objects "
            "about a thousand levels deep); refusing the page."
        ) from None
    except msgspec.DecodeError:
        constant = _non_finite_constant(data)
        if constant:
            raise APIError(
                f"GET {url} sent {constant}, which is not JSON (RFC 8259 has no NaN or Infinity); "
                "refusing the page rather than writing a line no JSON reader accepts."
            ) from None
        raise


def _checked(
    data: bytes | bytearray,
    start: int,
    text: bytes | bytearray | msgspec.Raw,
    url: str,
    prefix: str,
    paths: list[list[str]],
) -> Any:
    """
    The value whose JSON ``text`` begins at ``data[start:]`` (under the dotted key ``prefix``).

    An object has its keys checked for repeats, and is read one level at a time (each value kept
    as raw text) where ``paths`` lead further into it; anything else is decoded in one go.
    """
    opening = _OPENING.match(data, start)
    if opening is None or opening.group(1):
        return _decoded(text, prefix.rstrip("."))
    members = _TOP.decode(text)
    starts = _refuse_duplicate_keys(data, opening.end(), members, url, prefix)
    body: dict[str, Any] = {}
    for key, value in members.items():
        below = [path[1:] for path in paths if len(path) > 1 and path[0] == key]
        if below:
            body[key] = _checked(data, starts[key], value, url, f"{prefix}{key}.", below)
        else:
            body[key] = _decoded(value, prefix + key)
    return body


class _OutOfRangeError(Exception):
    def __init__(self, key: str, reason: str) -> None:
        self.key, self.reason = key, reason


def _decoded(data: bytes | bytearray | msgspec.Raw, key: str) -> Any:
    try:
        return _BODY.decode(data)
    except msgspec.ValidationError as error:
        # Decoding into Any validates nothing but numbers: a float that overflows, or an integer
        # of more digits than Python converts (4,300).
        raise _OutOfRangeError(key, str(error)) from None


def _refuse_duplicate_keys(
    data: bytes | bytearray, position: int, members: dict[str, msgspec.Raw], url: str, prefix: str
) -> dict[str, int]:
    """
    Where each value of the object at ``data[position:]`` begins; an error if it names a key twice.

    msgspec keeps the last value of a repeated key. Walking the keys in the text and skipping
    each value by the length of the one msgspec kept finds every earlier value of a repeated
    key: either the key comes round again, or the text there is not the value that was kept.
    ``prefix`` is the dotted key of the object (empty at the top level), for the message.
    """
    starts: dict[str, int] = {}
    while True:
        match = _KEY.match(data, position)
        if match is None:  # msgspec read a key here, so this cannot happen with valid JSON
            raise msgspec.DecodeError("a key could not be read")
        key = _BODY.decode(match.group(1))
        kept = members.get(key)
        position = match.end()
        if key in starts or kept is None or not data.startswith(kept, position):
            after = None
        else:
            after = _AFTER_VALUE.match(data, position + len(kept))
        if after is None:
            where = f"the key {prefix + key!r}" if prefix else f"the top-level key {key!r}"
            raise APIError(
                f"GET {url} sent a body with {where} more than once; JSON readers keep only one "
                "of them, so refusing the page rather than dropping part of it."
            )
        starts[key] = position
        position = after.end()
        if after.group(1) == b"}":
            return starts


def _non_finite_constant(data: bytes | bytearray) -> str:
    """The first NaN, Infinity or -Infinity outside a string in ``data``, or ''."""
    if b"NaN" not in data and b"Infinity" not in data:
        return ""
    for match in _NON_FINITE.finditer(data):  # a string cut short runs to the end: nothing is found in it
        if not match.group().startswith(b'"'):
            return match.group().decode()
    return ""


def json_type(value: Any) -> str:
    """What ``value`` is in JSON's words: null, a boolean, an integer, a string, ..."""
    if value is None:
        return "null"
    names = {bool: "a boolean", int: "an integer", float: "a number with a fraction or exponent"}
    names.update({str: "a string", list: "an array", dict: "an object"})
    return names.get(type(value), type(value).__name__)


def lookup(body: Any, key: str) -> Any:
    """
    The value under ``key`` in a JSON body: the literal key if the body has it (such as
    ``@odata.nextLink``), else the dotted path (``meta.next``); None where it is missing.
    """
    if isinstance(body, dict) and key in body:
        return body[key]
    for part in key.split("."):
        if not isinstance(body, dict):
            return None
        body = body.get(part)
    return body


def records_in(body: Any, key: str, url: str) -> list[dict[str, Any]]:
    """
    The records of the page at ``url``, under ``key`` (or the body itself if empty): JSON
    objects, or an error naming the page and what was there instead.
    """
    if not key:
        if not isinstance(body, list):
            raise APIError(
                f"GET {url}: expected the body to be a list of records, found {type(body).__name__}."
            )
        records = body
    else:
        records = lookup(body, key)
        if not isinstance(records, list):
            found = sorted(body) if isinstance(body, dict) else type(body).__name__
            raise APIError(f"GET {url}: expected a list of records under {key!r} in the body, found {found}.")
    if set(map(type, records)) <= {dict}:  # the quick check: about 20 us for 1,000 records
        return records
    position, record = next((n, record) for n, record in enumerate(records) if type(record) is not dict)
    where = f"under {key!r}" if key else "in the body"
    raise APIError(
        f"GET {url} sent {json_type(record)} as record {position} {where}, where each record "
        "must be a JSON object; refusing the page."
    )


def count_in(body: Any, key: str) -> int:
    """A non-negative integer from the body, or an error naming the key."""
    value = lookup(body, key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise APIError(f"expected a non-negative integer under {key!r} in the body, found {value!r}.")
    return value
