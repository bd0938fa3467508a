"""Rich tables for a colour terminal (rich is imported here only, so piped runs never pay for it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from mbcost.render.sheet import Sheet, human_cells

VERDICT_COLUMNS = ("status", "match", "verdict")
BAD = ("FAIL", "MISMATCH", "DIFFERS", "mismatch")


def _verdict_style(cell: str) -> str:
    """Red for a failed check or a mismatch, green otherwise."""
    return "bold red" if cell.startswith(BAD) else "green"


def render(sheets: Sequence[Sheet], stream: TextIO) -> None:
    """Print each sheet as a bold title, its inputs, a rich table and its notes."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=stream, highlight=False)
    for i, sheet in enumerate(sheets):
        if i:
            console.print()
        console.print(sheet.title, style="bold", markup=False)
        for meta in sheet.meta:
            console.print(meta, style="dim", markup=False)
        headers, rows, footer = human_cells(sheet)
        table = Table(show_footer=footer is not None, header_style="bold")
        for j, (header, col) in enumerate(zip(headers, sheet.columns, strict=True)):
            table.add_column(
                header,
                footer=footer[j] if footer else "",
                justify="right" if col.numeric else "left",
                style="cyan" if col.style == "count" else None,
            )
        verdicts = [j for j, col in enumerate(sheet.columns) if col.key in VERDICT_COLUMNS]
        for cells in rows:
            styled = [
                Text(cell, style=_verdict_style(cell)) if j in verdicts else cell
                for j, cell in enumerate(cells)
            ]
            table.add_row(*styled)
        console.print(table)
        for note in sheet.notes:
            console.print(note, markup=False)
