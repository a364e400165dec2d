"""Credentials out of URLs and messages before they reach a log line or an exception."""

from __future__ import annotations

import re
from collections.abc import Callable

_USERINFO = re.compile(r"://[^/@\s]*@")


def without_userinfo(text: str) -> str:
    """``text`` with any ``user:password@`` of a URL in it removed."""
    return _USERINFO.sub("://", text)


def query_parameter_redactor(*names: str) -> Callable[[str], str]:
    """A function that blanks the values of these query parameters wherever a URL in a text has them."""
    pattern = re.compile(rf"([?&](?:{'|'.join(map(re.escape, names))})=)[^&\s'\")]*")
    return lambda text: pattern.sub(r"\g<1>***", text)
