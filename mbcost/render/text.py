"""Plain-text tables with the standard library: the default when stdout is not a terminal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from mbcost.render.sheet import Column, Sheet, human_cells

GAP = 2  # spaces between columns


def render(sheets: Sequence[Sheet], stream: TextIO) -> None:
    """Write each sheet as an aligned text table, separated by blank lines."""
    for i, sheet in enumerate(sheets):
        if i:
            stream.write("\n")
        _render_sheet(sheet, stream)


def _render_sheet(sheet: Sheet, stream: TextIO) -> None:
    headers, rows, footer = human_cells(sheet)
    stream.write(f"{sheet.title}\n")
    for meta in sheet.meta:
        stream.write(f"{meta}\n")
    for line in table_lines(sheet.columns, headers, rows, footer):
        stream.write(line + "\n")
    for note in sheet.notes:
        stream.write(f"{note}\n")


def table_lines(
    columns: Sequence[Column], headers: list[str], rows: list[list[str]], footer: list[str] | None
) -> list[str]:
    """Header, rule, rows, then a rule and the footer: columns as wide as their widest cell, two
    spaces apart, so no cell is ever cut (a line may be longer than the terminal)."""
    body = rows + ([footer] if footer else [])
    widths = [max(len(c) for c in col) for col in zip(headers, *body, strict=True)]

    def line(cells: list[str]) -> str:
        padded = [
            c.rjust(w) if col.numeric else c.ljust(w)
            for c, w, col in zip(cells, widths, columns, strict=True)
        ]
        return (" " * GAP).join(padded).rstrip()

    rule = (" " * GAP).join("-" * w for w in widths)
    lines = [line(headers), rule, *(line(cells) for cells in rows)]
    if footer:
        lines += [rule, line(footer)]
    return lines
