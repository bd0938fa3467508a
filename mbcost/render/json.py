"""JSON output: exact integers, one top-level key per line and one list item (a row, a kind, a
model) per line (the documents come from ``render.documents``).

``json.dump(indent=...)`` runs Python's pure-Python encoder, which takes most of the time of a
50,000-layer table; each line here is one call of the C encoder instead.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable
from typing import Any, TextIO


def dump(doc: dict[str, Any], stream: TextIO) -> None:
    """Write ``doc`` with a trailing newline; non-ASCII characters are escaped only when the
    stream's encoding could not write them."""
    encode = json.JSONEncoder(ensure_ascii=not _unicode(stream)).encode
    stream.write("{\n")
    for i, (key, value) in enumerate(doc.items()):
        comma = "," if i < len(doc) - 1 else ""
        stream.write(f"  {encode(key)}: {_value(value, encode)}{comma}\n")
    stream.write("}\n")


def _value(value: Any, encode: Callable[[Any], str]) -> str:
    """A top-level value: a non-empty list with one item per line, anything else on one line."""
    if not isinstance(value, list) or not value:
        return encode(value)
    items = ",\n".join(f"    {encode(item)}" for item in value)
    return f"[\n{items}\n  ]"


def _unicode(stream: TextIO) -> bool:
    """Whether ``stream`` encodes every character (UTF-8, -16 or -32)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    return codecs.lookup(encoding).name.startswith("utf")
