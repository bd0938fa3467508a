"""GitHub-flavoured Markdown tables (for READMEs and PR comments)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from mbcost.render.sheet import Sheet, human_cells


def render(sheets: Sequence[Sheet], stream: TextIO) -> None:
    """Write each sheet as a heading, its inputs, and a pipe table (footer as a bold last row)."""
    for i, sheet in enumerate(sheets):
        if i:
            stream.write("\n")
        headers, rows, footer = human_cells(sheet)
        stream.write(f"### {sheet.title}\n\n")
        for meta in sheet.meta:
            stream.write(f"{meta}  \n")
        if sheet.meta:
            stream.write("\n")
        align = ["---:" if c.numeric else ":---" for c in sheet.columns]
        stream.write("| " + " | ".join(headers) + " |\n| " + " | ".join(align) + " |\n")
        for cells in rows:
            stream.write("| " + " | ".join(_escape(c) for c in cells) + " |\n")
        if footer:
            stream.write(
                "| " + " | ".join(f"**{_escape(c)}**" if c else "" for c in footer) + " |\n"
            )
        for note in sheet.notes:
            stream.write(f"\n{note}\n")


def _escape(cell: str) -> str:
    return cell.replace("|", "\\|")
