"""Jinja filters that let free-text answers enter baked source files as data."""

import json

from cookiecutter.utils import simple_filter


@simple_filter
def quoted(value):
    """Render ``value`` as one double-quoted string literal.

    A JSON string with non-ASCII kept as is is also a valid Python, TOML and YAML
    double-quoted string, so quotes, backslashes, ``$``, ``#`` and unicode in an
    answer cannot end the literal early or change what it means.
    """
    return json.dumps(str(value), ensure_ascii=False)


@simple_filter
def url_part(value, part):
    """Return one part of a URL answer: ``scheme``, ``host``, ``port`` or ``path``.

    Derived answers are rendered before the pre-generation hook validates the URL,
    so a malformed URL gives an empty part here and a clear refusal there.
    """
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(str(value))
        port = parts.port
    except ValueError:
        return ""
    if part == "scheme":
        return parts.scheme
    if part == "host":
        return parts.hostname or ""
    if part == "port":
        return "" if port is None else str(port)
    if part == "path":
        return parts.path.rstrip("/")
    raise ValueError(f"url_part: unknown part {part!r}")
