"""Click settings and options shared by every command module (``mbcost.cli``, ``mbcost.verify.cli``)."""

from __future__ import annotations

from collections.abc import Callable

import click

from mbcost.render import FORMATS

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

FORMAT_HELP = (
    "table: rich on a terminal, plain text when piped; json/csv: exact integers; md: Markdown."
)


def format_option(f: Callable) -> Callable:
    """``--format``, one choice for every output format."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help=FORMAT_HELP,
    )(f)
