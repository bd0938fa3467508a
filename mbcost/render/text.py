"""Plain-text tables with the standard library: the default when stdout is not a terminal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from mbcost.render.sheet import Sheet, human_cells


def render(sheets: Sequence[Sheet], stream: TextIO) -> None:
    """Write each sheet as an aligned text table, separated by blank lines."""
    for i, sheet in enumerate(sheets):
        if i:
            stream.write("\n")
        _render_sheet(sheet, stream)


def _render_sheet(sheet: Sheet, stream: TextIO) -> None:
    headers, rows, footer = human_cells(sheet)
    body = rows + ([footer] if footer else [])
    widths = [max(len(c) for c in col) for col in zip(headers, *body, strict=True)]

    def line(cells: list[str]) -> str:
        padded = [
            c.rjust(w) if col.numeric else c.ljust(w)
            for c, w, col in zip(cells, widths, sheet.columns, strict=True)
        ]
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * w for w in widths)
    stream.write(f"{sheet.title}\n")
    for meta in sheet.meta:
        stream.write(f"{meta}\n")
    stream.write(line(headers) + "\n" + rule + "\n")
    for cells in rows:
        stream.write(line(cells) + "\n")
    if footer:
        stream.write(rule + "\n" + line(footer) + "\n")
    for note in sheet.notes:
        stream.write(f"{note}\n")
