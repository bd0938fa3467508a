"""A format-neutral table (``Sheet``) that the text, rich, Markdown and CSV renderers draw.

Cells hold raw values (ints, floats, strings, None); each column says how humans should see them, so the
numbers stay exact until the last step and every human format rounds them the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

UNITS = ((1e9, "G"), (1e6, "M"), (1e3, "K"), (1, ""))


class Column(NamedTuple):
    """A column: machine key (CSV header), human header, cell style (``text``, ``int``, ``count``,
    ``percent``, ``ratio``)."""

    key: str
    header: str
    style: str = "text"

    @property
    def numeric(self) -> bool:
        """Numeric columns are right-aligned."""
        return self.style != "text"


class Sheet(NamedTuple):
    """A titled table with meta lines (its inputs), rows, a footer row and closing notes.

    ``context`` repeats the inputs as (name, value) pairs, which CSV writes as leading columns so that
    every row carries them.
    """

    title: str
    meta: Sequence[str]
    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]
    footer: Sequence[Any] | None = None
    notes: Sequence[str] = ()
    context: Sequence[tuple[str, Any]] = ()  # inputs, as CSV columns


def count_unit(values: Sequence[Any]) -> tuple[float, str]:
    """One decimal unit for a whole column: the largest that keeps the biggest value at least 1, one
    step smaller when the smallest non-zero value would otherwise print as 0.00."""
    numbers = [abs(v) for v in values if isinstance(v, (int, float)) and v]
    if not numbers:
        return 1, ""
    biggest, smallest = max(numbers), min(numbers)
    for i, (scale, suffix) in enumerate(UNITS):
        if biggest >= scale:
            if smallest / scale < 0.005 and i + 1 < len(UNITS):
                return UNITS[i + 1]
            return scale, suffix
    return 1, ""


def human_cells(sheet: Sheet) -> tuple[list[str], list[list[str]], list[str] | None]:
    """Headers, body cells and footer cells as display strings, with one unit per count column."""
    headers, units = [], []
    for i, col in enumerate(sheet.columns):
        unit = count_unit([row[i] for row in sheet.rows]) if col.style == "count" else (1, "")
        units.append(unit)
        headers.append(
            f"{col.header} ({unit[1]})" if col.style == "count" and unit[1] else col.header
        )

    def cell(value: Any, col: Column, unit: tuple[float, str]) -> str:
        if value is None or value == "":
            return "-" if col.numeric else ""
        if col.style == "count":
            return f"{value / unit[0]:,.2f}" if unit[0] > 1 else f"{value:,}"
        if col.style == "percent":
            return f"{value:.2f}"
        if col.style == "ratio":
            return f"{value:.4f}"
        if col.style == "int":
            return f"{value:,}" if isinstance(value, int) else str(value)
        return str(value)

    def line(row: Sequence[Any]) -> list[str]:
        return [cell(v, c, u) for v, c, u in zip(row, sheet.columns, units, strict=True)]

    return headers, [line(r) for r in sheet.rows], line(sheet.footer) if sheet.footer else None
