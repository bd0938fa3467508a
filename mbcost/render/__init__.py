"""Output formats behind one interface: ``--format table|json|csv|md``.

``table`` is rich on a colour terminal and plain text otherwise (piped, ``NO_COLOR``, ``TERM=dumb``);
rich is imported only in the first case so that piped runs start fast.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from typing import TextIO

from mbcost.render.sheet import Sheet, printable_sheet

FORMATS = ("table", "json", "csv", "md")


def wants_colour(stream: TextIO) -> bool:
    """Rich output only on a terminal, and never with ``NO_COLOR`` set or ``TERM=dumb``."""
    isatty = getattr(stream, "isatty", None)
    return (
        bool(isatty and isatty())
        and "NO_COLOR" not in os.environ
        and (os.environ.get("TERM") != "dumb")
    )


def sheet_renderer(
    fmt: str, stream: TextIO, *, wide: bool = False
) -> Callable[[Sequence[Sheet], TextIO], None]:
    """The renderer for a human or CSV format. A rich table fits the terminal by hiding its least
    important columns unless ``wide``; the other formats always have every column."""
    if fmt == "csv":
        from mbcost.render import csv

        return csv.render
    if fmt == "md":
        from mbcost.render import md

        return md.render
    if wants_colour(stream):
        from mbcost.render import rich

        return functools.partial(rich.render, wide=wide)
    from mbcost.render import text

    return text.render


def emit(
    fmt: str,
    stream: TextIO,
    doc: Callable[[], dict],
    sheets: Callable[[], list[Sheet]],
    *,
    wide: bool = False,
) -> None:
    """Write a document as JSON (``doc()``) or as sheets (``sheets()``) in format ``fmt``; ``wide``:
    every column of a rich table (``--wide``)."""
    if fmt == "json":
        from mbcost.render import json

        json.dump(doc(), stream)
    else:
        # CSV is data and keeps names exact; the human formats must not pass control characters on
        drawn = sheets() if fmt == "csv" else [printable_sheet(s) for s in sheets()]
        sheet_renderer(fmt, stream, wide=wide)(drawn, stream)
