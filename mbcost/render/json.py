"""JSON output: indented, UTF-8, exact integers (the documents come from ``render.documents``)."""

from __future__ import annotations

import json
from typing import Any, TextIO


def dump(doc: dict[str, Any], stream: TextIO) -> None:
    """Write ``doc`` as indented JSON with a trailing newline."""
    json.dump(doc, stream, indent=2, ensure_ascii=False)
    stream.write("\n")
