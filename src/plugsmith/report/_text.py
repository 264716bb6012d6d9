"""File names that are not valid UTF-8, carried as escaped text into every report.

Python reads such a name with ``surrogateescape``: each undecodable byte becomes a lone
surrogate (U+DC80..U+DCFF), which no UTF-8 writer, XML document or JSON parser accepts. Reports
show the byte as the text ``\\xNN`` instead, the same spelling plugsmith's messages use.
"""

from __future__ import annotations

import re
from typing import Any

_SURROGATE = re.compile("[\udc80-\udcff]")
_OTHER = re.compile("[\ud800-\udfff]")  # any other lone surrogate: not from a file name, still unwritable


def escaped(text: str) -> str:
    """``text`` with every lone surrogate written as ``\\xNN`` (its original byte) or ``\\uDXXX``."""
    if text.isascii():
        return text
    text = _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", text)
    return _OTHER.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def escaped_data(value: Any) -> Any:
    """:func:`escaped` applied to every string (keys too) of JSON-like data."""
    if isinstance(value, str):
        return escaped(value)
    if isinstance(value, dict):
        return {escaped_data(k): escaped_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [escaped_data(v) for v in value]
    return value
