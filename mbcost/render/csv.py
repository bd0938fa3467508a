"""CSV with exact integers: the first sheet of a document, one header row, no unit scaling."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from typing import TextIO

from mbcost.render.sheet import Sheet


def render(sheets: Sequence[Sheet], stream: TextIO) -> None:
    """Write the first sheet's rows (and footer) with raw values, the inputs as leading columns, and
    empty cells for 'not applicable'."""
    sheet = sheets[0]
    writer = csv.writer(stream, lineterminator="\n")
    context = [value for _, value in sheet.context]
    writer.writerow([name for name, _ in sheet.context] + [c.key for c in sheet.columns])
    for row in [*sheet.rows, *([sheet.footer] if sheet.footer else [])]:
        writer.writerow(context + ["" if v is None else v for v in row])
