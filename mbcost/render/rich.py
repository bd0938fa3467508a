"""Rich tables for a colour terminal (rich is imported here only, so piped runs never pay for it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from mbcost.render.sheet import Sheet, human_cells


def render(sheets: Sequence[Sheet], stream: TextIO) -> None:
    """Print each sheet as a rich table with its inputs as the caption."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=stream)
    for sheet in sheets:
        headers, rows, footer = human_cells(sheet)
        table = Table(
            title=sheet.title,
            caption=" · ".join(sheet.meta) or None,
            show_footer=footer is not None,
            header_style="bold",
        )
        for i, (header, col) in enumerate(zip(headers, sheet.columns, strict=True)):
            table.add_column(
                header,
                footer=footer[i] if footer else "",
                justify="right" if col.numeric else "left",
                style="cyan" if col.style == "count" else None,
            )
        for cells in rows:
            table.add_row(*cells)
        console.print(table)
        for note in sheet.notes:
            console.print(note)
