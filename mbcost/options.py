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


def scaling_options(alpha_default: float | None = 1.0) -> Callable[[Callable], Callable]:
    """``--alpha``, and ``--res`` or ``--rho`` (the command checks they are not both given).

    ``alpha_default=None`` lets a command tell an unset ``--alpha`` from an explicit 1.0.
    """

    def decorate(f: Callable) -> Callable:
        f = click.option(
            "--rho",
            type=click.FloatRange(min=0, min_open=True),
            default=None,
            help="Resolution multiplier of the native input (0.714 = 160 for a 224 net).",
        )(f)
        f = click.option(
            "--res",
            type=click.IntRange(min=1),
            default=None,
            help="Input resolution in pixels (default: the architecture's native one).",
        )(f)
        return click.option(
            "--alpha",
            type=click.FloatRange(min=0, min_open=True),
            default=alpha_default,
            show_default=alpha_default is not None,
            help="Width multiplier α." + ("  [default: 1.0]" if alpha_default is None else ""),
        )(f)

    return decorate
