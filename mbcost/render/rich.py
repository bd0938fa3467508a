"""Rich tables for a colour terminal (rich is imported here only, so piped runs never pay for it).

A table fits the terminal's width without cutting anything. Numbers and verdicts are never wrapped;
text columns and the headers of numeric columns wrap at spaces, never inside a word. When that is not
enough, the least important columns are hidden (``DROP_ORDER``) and a dim line below the table names
them; ``wide`` shows every column even past the terminal's edge. When even the essential columns do
not fit in a box, the table is drawn without one, in the plain layout of ``mbcost.render.text`` (the
same columns hidden as far as needed), and if that is still too wide its lines run past the edge.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple, TextIO

from mbcost.render import text as plain
from mbcost.render.sheet import Column, Sheet, human_cells

if TYPE_CHECKING:
    from rich.console import Console

VERDICT_COLUMNS = ("status", "match", "verdict")
BAD = ("FAIL", "MISMATCH", "DIFFERS", "mismatch")

# Columns a narrow terminal hides, least important first, by Column.key (only the order among one
# sheet's keys matters). A sheet's first column names its rows and is never hidden, nor is any key
# not listed here: counts, names, verdicts.
DROP_ORDER = (
    # mbcost sweep: constant columns, stated above the table
    "convention",
    "impl",
    "dtype",
    "weight_dtype",
    "memory_rule",
    # mbcost table: what the layer's name and its neighbours' shapes already say
    "groups",
    "stride",
    "k",
    "in_shape",
    # fvcore's activation count: a statistic, not a cost a deployment pays
    "activations_percent",
    "activations",
    "role",
    "out_shape",
    # shares and differences, derivable from the counts beside them
    "params_percent",
    "macs_percent",
    # predicted latency (--device): the bound and the share of time, beside the milliseconds
    "bound",
    "latency_percent",
    # devices and calibrate: what the name and the fit's error already say
    "description",
    "kernel_us",
    "bandwidth_gbs",
    "loo_ms",
    "predicted_ms",
    # memory: the peak marker (the peak is also stated above the table), then the bytes
    "peak",
    "weight_bytes",
    "live_bytes",
    "peak_bytes",
    "headroom",
    "weight_bytes_headroom",  # mbcost fit: how far under each budget
    "peak_bytes_headroom",
    "params_headroom",
    "macs_headroom",
    "macs_diff",
    "params_diff",
    "diff",
    # compare, archs and verify: explanations and provenance
    "macs_formula",
    "ratio",
    "source",
    "aliases",
    "impls",
    "published",
    "module",
    "layers",
    "fvcore_total",
    "depthwise_gbs",  # mbcost devices: what sets the depthwise share of time
)
# rich's default box: per column its left rule and one space of padding either side; one right rule
PER_COLUMN, EDGE = 3, 1


def _verdict_style(cell: str) -> str:
    """Red for a failed check or a mismatch, green otherwise."""
    return "bold red" if cell.startswith(BAD) else "green"


def _unbreakable(col: Column) -> bool:
    """Numbers and verdicts are read whole: their cells never wrap."""
    return col.numeric or col.key in VERDICT_COLUMNS


def _box_width(widths: Sequence[int]) -> int:
    return sum(widths) + PER_COLUMN * len(widths) + EDGE


def _plain_width(widths: Sequence[int]) -> int:
    return sum(widths) + plain.GAP * (len(widths) - 1)


def _column_widths(col: Column, header: str, cells: list[str]) -> tuple[int, int]:
    """(narrowest, natural) width of a column: a wrapped one keeps its longest word on one line."""
    from rich.cells import cell_len

    def longest_word(strings: list[str]) -> int:
        return max((cell_len(word) for s in strings for word in s.split()), default=0)

    natural = max(cell_len(s) for s in [header, *cells])
    if _unbreakable(col):
        return max(longest_word([header]), *(cell_len(c) for c in cells)), natural
    return longest_word([header, *cells]), natural


def _hide(columns: Sequence[Column], fits: Callable[[list[int]], bool]) -> list[int]:
    """The indices of the columns left once ``DROP_ORDER`` has hidden as many as ``fits`` needs."""
    shown = list(range(len(columns)))
    for key in DROP_ORDER:
        if fits(shown):
            break
        shown = [j for j in shown if j == 0 or columns[j].key != key]
    return shown


def _shrink(natural: list[int], narrowest: list[int], room: int) -> list[int]:
    """Natural widths, the widest wrappable column narrowed first, one cell at a time, to ``room``."""
    widths = list(natural)
    while sum(widths) > room:
        j = max((j for j, w in enumerate(widths) if w > narrowest[j]), key=widths.__getitem__)
        widths[j] -= 1
    return widths


class Layout(NamedTuple):
    """The columns to show (indices), their widths, and whether in a rich box or the plain layout."""

    shown: list[int]
    widths: list[int]
    boxed: bool


def layout(
    columns: Sequence[Column], headers: list[str], body: list[list[str]], width: int, wide: bool
) -> Layout:
    """How a sheet with these display strings fits ``width`` terminal cells (see the module doc)."""
    sizes = [
        _column_widths(col, headers[j], [row[j] for row in body]) for j, col in enumerate(columns)
    ]
    narrowest = [size[0] for size in sizes]
    natural = [size[1] for size in sizes]

    def box_fits(shown: list[int]) -> bool:
        return _box_width([narrowest[j] for j in shown]) <= width

    def plain_fits(shown: list[int]) -> bool:
        return _plain_width([natural[j] for j in shown]) <= width

    shown = list(range(len(columns))) if wide else _hide(columns, box_fits)
    if box_fits(shown):
        room = width - _box_width([0] * len(shown))
        widths = _shrink([natural[j] for j in shown], [narrowest[j] for j in shown], room)
        return Layout(shown, widths, True)
    if wide:
        return Layout(shown, [natural[j] for j in shown], True)
    shown = _hide(columns, plain_fits)
    return Layout(shown, [natural[j] for j in shown], False)


def render(sheets: Sequence[Sheet], stream: TextIO, wide: bool = False) -> None:
    """Print each sheet as a bold title, its inputs, a table that fits the terminal and its notes."""
    from rich.console import Console

    console = Console(file=stream, highlight=False)
    for i, sheet in enumerate(sheets):
        if i:
            console.print()
        _render_sheet(console, sheet, wide)


def _render_sheet(console: Console, sheet: Sheet, wide: bool) -> None:
    headers, rows, footer = human_cells(sheet)
    body = rows + ([footer] if footer else [])
    fit = layout(sheet.columns, headers, body, console.width, wide)
    console.print(sheet.title, style="bold", markup=False)
    for meta in sheet.meta:
        console.print(meta, style="dim", markup=False)
    if fit.boxed:
        _print_box(console, sheet, headers, rows, footer, fit)
    else:
        columns = [sheet.columns[j] for j in fit.shown]

        def pick(cells: list[str]) -> list[str]:
            return [cells[j] for j in fit.shown]

        table = plain.table_lines(
            columns, pick(headers), [pick(r) for r in rows], footer and pick(footer)
        )
        for line in table:  # soft wrap: the terminal folds a line that is too long, rich cuts none
            console.print(line, markup=False, soft_wrap=True)
    hidden = [headers[j] for j in range(len(headers)) if j not in fit.shown]
    if hidden:
        console.print(
            f"hidden to fit the terminal (--wide shows them): {', '.join(hidden)}",
            style="dim",
            markup=False,
        )
    for note in sheet.notes:
        console.print(note, markup=False)


def _print_box(
    console: Console,
    sheet: Sheet,
    headers: list[str],
    rows: list[list[str]],
    footer: list[str] | None,
    fit: Layout,
) -> None:
    """A rich table with the widths of ``fit``; wider than the terminal only under ``--wide``."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(show_footer=footer is not None, header_style="bold")
    for j, width in zip(fit.shown, fit.widths, strict=True):
        col = sheet.columns[j]
        table.add_column(
            Text(headers[j], no_wrap=False),  # a header wraps at spaces, even above numbers
            footer=Text(footer[j] if footer else ""),
            justify="right" if col.numeric else "left",
            style="cyan" if col.style == "count" else None,
            width=width,
            no_wrap=_unbreakable(col),
            overflow="fold",
        )
    verdicts = {j for j, col in enumerate(sheet.columns) if col.key in VERDICT_COLUMNS}
    for cells in rows:  # Text, not str: a "[...]" in a name is not rich markup
        table.add_row(
            *(
                Text(cells[j], style=_verdict_style(cells[j]) if j in verdicts else "")
                for j in fit.shown
            )
        )
    needed = _box_width(fit.widths)
    if needed > console.width:  # the terminal wraps these lines; rich would cut them
        console = Console(file=console.file, highlight=False, width=needed)
    console.print(table)
