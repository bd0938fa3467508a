"""A format-neutral table (``Sheet``) that the text, rich, Markdown and CSV renderers draw.

Cells hold raw values (ints, floats, strings, None); each column says how humans should see them, so the
numbers stay exact until the last step and every human format rounds them the same way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

from mbcost.terminal import printable

UNITS = ((10**9, "G"), (10**6, "M"), (10**3, "K"), (1, ""))
BYTE_UNITS = ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB"), (1, "B"))  # memory: binary prefixes


class Column(NamedTuple):
    """A column: machine key (CSV header), human header, cell style (``text``, ``int``, ``count``,
    ``bytes`` (a count shown in B, KiB, MiB or GiB), ``percent``, ``accuracy`` (a percentage to
    one decimal), ``ratio``, ``ms`` (milliseconds to three decimals))."""

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


def count_unit(values: Sequence[Any], units: Sequence[tuple[int, str]] = UNITS) -> tuple[int, str]:
    """One unit for a whole column (decimal ``UNITS``, or ``BYTE_UNITS``): the largest that keeps
    the biggest value at least 1, one step smaller when the smallest non-zero value would otherwise
    print as 0.00."""
    numbers = [abs(v) for v in values if isinstance(v, (int, float)) and v]
    if not numbers:
        return units[-1]
    biggest, smallest = max(numbers), min(numbers)
    for i, (scale, suffix) in enumerate(units):
        if biggest >= scale:
            if smallest * 200 < scale and i + 1 < len(units):  # smallest / scale < 0.005
                return units[i + 1]
            return scale, suffix
    return units[-1]


def format_fixed(value: Any, places: int, unit: int = 1) -> str:
    """``value / unit`` to ``places`` (at least 1) decimals, with thousands separators, exactly.

    Counts can be far beyond a float's 15 digits (or its range), so the division is done on integers
    and rounded half to even, as Python formats a float: for a float the result equals
    ``f"{value / unit:,.{places}f}"`` wherever that division is exact.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    numerator, denominator = value.as_integer_ratio()
    divisor = denominator * unit
    quotient, remainder = divmod(abs(numerator) * 10**places, divisor)
    if 2 * remainder > divisor or (2 * remainder == divisor and quotient % 2):
        quotient += 1
    sign = "-" if numerator < 0 else ""  # kept when the value rounds to 0: -0.00 is over a limit
    whole, fraction = divmod(quotient, 10**places)
    return f"{sign}{whole:,}.{fraction:0{places}d}"


def human_cells(sheet: Sheet) -> tuple[list[str], list[list[str]], list[str] | None]:
    """Headers, body cells and footer cells as display strings, with one unit per count column."""
    headers, units = [], []
    for i, col in enumerate(sheet.columns):
        unit = (1, "")
        if col.style in ("count", "bytes"):
            scale = BYTE_UNITS if col.style == "bytes" else UNITS
            unit = count_unit([row[i] for row in sheet.rows], scale)
        units.append(unit)
        headers.append(f"{col.header} ({unit[1]})" if unit[1] else col.header)

    def cell(value: Any, col: Column, unit: tuple[int, str]) -> str:
        if value is None or value == "":
            return "-" if col.numeric else ""
        if col.style in ("count", "bytes"):
            return format_fixed(value, 2, unit[0]) if unit[0] > 1 else f"{value:,}"
        if col.style == "percent":
            return format_fixed(value, 2)
        if col.style == "accuracy":  # top-1 in percent, to the tenth the sources print
            return format_fixed(value, 1)
        if col.style == "ratio":
            return format_fixed(value, 4)
        if col.style == "ms":
            return format_fixed(value, 3)
        if col.style == "int":
            return f"{value:,}" if isinstance(value, int) else str(value)
        return str(value)

    def line(row: Sequence[Any]) -> list[str]:
        return [cell(v, c, u) for v, c, u in zip(row, sheet.columns, units, strict=True)]

    return headers, [line(r) for r in sheet.rows], line(sheet.footer) if sheet.footer else None


def printable_sheet(sheet: Sheet) -> Sheet:
    """``sheet`` with control characters in its title, meta lines, notes and text cells escaped
    (``printable``): a table or model name must not move the cursor, colour the terminal or start a
    line of its own."""

    def cells(row: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(printable(v) if isinstance(v, str) else v for v in row)

    return sheet._replace(
        title=printable(sheet.title),
        meta=[printable(m) for m in sheet.meta],
        rows=[cells(r) for r in sheet.rows],
        footer=cells(sheet.footer) if sheet.footer else sheet.footer,
        notes=[printable(n) for n in sheet.notes],
    )
