"""Click settings and options shared by every command module (``mbcost.cli``, ``mbcost.verify.cli``)."""

from __future__ import annotations

from collections.abc import Callable

import click

from mbcost.plan import MAX_ALPHA
from mbcost.render import FORMATS
from mbcost.spec import MAX_SIZE
from mbcost.units import parse_bytes, parse_count, parse_duration

# Upper bounds keep every count a sane integer (and out of float overflow) with a one-line error.
SIZE = click.IntRange(1, MAX_SIZE)  # pixels, channels, kernels, strides: capped as in a layer table
ALPHA = click.FloatRange(0, MAX_ALPHA, min_open=True)
RHO = click.FloatRange(0, MAX_SIZE, min_open=True)


class Amount(click.ParamType):
    """A count or a size as people write it (``300M``, ``3.5M``; ``1.5MB``, ``600KiB``), parsed
    exactly by ``mbcost.units``."""

    def __init__(self, name: str, parse: Callable[[str], int]) -> None:
        self.name = name
        self.parse = parse

    def convert(self, value, param, ctx) -> int:
        """The exact integer, or a one-line usage error naming the allowed forms."""
        try:
            return self.parse(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


COUNT = Amount("count", parse_count)
BYTES = Amount("size", parse_bytes)


class Duration(click.ParamType):
    """A duration with its unit (``20ms``, ``800us``), as seconds."""

    name = "duration"

    def convert(self, value, param, ctx) -> float:
        """Seconds, or a one-line usage error naming the allowed forms."""
        if isinstance(value, float):
            return value
        try:
            return parse_duration(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DURATION = Duration()


def max_latency_option(f: Callable) -> Callable:
    """``--max-latency 20ms``: a predicted-latency budget (with ``--device``)."""
    return click.option(
        "--max-latency",
        type=DURATION,
        default=None,
        help="Predicted-latency budget on the --device, inclusive, with its unit: 20ms, 800us.",
    )(f)


def device_option(f: Callable) -> Callable:
    """``--device NAME|FILE``: a device profile for predicted latency (``mbcost devices``)."""
    return click.option(
        "--device",
        default=None,
        metavar="NAME|FILE",
        help="Predict latency on this device: a built-in profile (mbcost devices) or a profile "
        "YAML file (mbcost calibrate writes one).",
    )(f)


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


def wide_option(f: Callable) -> Callable:
    """``--wide``: on a narrow terminal a rich table hides its least important columns; this keeps
    them all."""
    return click.option(
        "--wide",
        is_flag=True,
        help="On a terminal, show every column even when the table is wider than the terminal "
        "(a narrow terminal otherwise hides the least important ones).",
    )(f)


def scaling_options(alpha_default: float | None = 1.0) -> Callable[[Callable], Callable]:
    """``--alpha``, and ``--res`` or ``--rho`` (the command checks they are not both given).

    ``alpha_default=None`` lets a command tell an unset ``--alpha`` from an explicit 1.0.
    """

    def decorate(f: Callable) -> Callable:
        f = click.option(
            "--rho",
            type=RHO,
            default=None,
            help="Resolution multiplier of the native input (0.714 = 160 for a 224 net).",
        )(f)
        f = click.option(
            "--res",
            type=SIZE,
            default=None,
            help="Input resolution in pixels (default: the architecture's native one).",
        )(f)
        return click.option(
            "--alpha",
            type=ALPHA,
            default=alpha_default,
            show_default=alpha_default is not None,
            help="Width multiplier α." + ("  [default: 1.0]" if alpha_default is None else ""),
        )(f)

    return decorate


def source_options(spec_help: str) -> Callable[[Callable], Callable]:
    """The optional ARCH argument and ``--spec FILE`` (the command checks they are not both given)."""

    def decorate(f: Callable) -> Callable:
        f = click.option("--spec", type=click.Path(dir_okay=False), default=None, help=spec_help)(f)
        return click.argument("arch", required=False)(f)

    return decorate


def impl_option(default: str | None = "paper", help: str = "") -> Callable[[Callable], Callable]:
    """``--impl``: whose channel-rounding rules apply where implementations differ."""
    from mbcost.spec import IMPLS

    return click.option(
        "--impl",
        type=click.Choice(IMPLS),
        default=default,
        show_default=default is not None,
        help=help or "Whose channel-rounding rules apply where implementations differ.",
    )


def convention_option(f: Callable) -> Callable:
    """``--convention``: what counts."""
    from mbcost.conventions import CONVENTIONS

    return click.option(
        "--convention",
        type=click.Choice(tuple(CONVENTIONS)),
        default="paper",
        show_default=True,
        help="What counts: paper (conv+linear MACs, no BN params), fvcore (adds BN and pooling, "
        "as fvcore's total()), torch (params = sum of numel, BN included).",
    )(f)


def memory_options(f: Callable) -> Callable:
    """``--dtype``, ``--weight-dtype`` and ``--memory-rule``: how activation memory and weight bytes
    are counted."""
    from mbcost.memory import DEFAULT_RULE, DTYPES, RULES

    f = click.option(
        "--memory-rule",
        type=click.Choice(tuple(RULES)),
        default=DEFAULT_RULE,
        show_default=True,
        help="How live memory is counted: tflite (tensors written and not yet read for the last "
        "time), inplace-dw (and depthwise convs overwrite their input), v2-table3 (MobileNetV2 "
        "Table 3: largest materialized tensor per resolution).",
    )(f)
    f = click.option(
        "--weight-dtype",
        type=click.Choice(tuple(DTYPES)),
        default=None,
        help="Element type of the weights, if not --dtype.",
    )(f)
    return click.option(
        "--dtype",
        type=click.Choice(tuple(DTYPES)),
        default="float32",
        show_default=True,
        help="Element type of activations (and weights): bytes per element.",
    )(f)


def plot_option(what: str) -> Callable[[Callable], Callable]:
    """``--plot FILE``: also draw ``what`` (matplotlib, the ``plot`` extra)."""
    return click.option(
        "--plot",
        type=click.Path(dir_okay=False),
        default=None,
        help=f"Also draw {what} to FILE: .png, .svg or .pdf (needs pip install 'mbcost[plot]').",
    )


def depth_option(f: Callable) -> Callable:
    """``--depth``: the depth multiplier, for tables whose rows scale with depth (EfficientNet)."""
    from mbcost.plan import MAX_DEPTH

    return click.option(
        "--depth",
        type=click.FloatRange(0, MAX_DEPTH, min_open=True),
        default=1.0,
        show_default=True,
        help="Depth multiplier: each row marked 'depth: scale' repeats ceil(n·depth) times, on "
        "top of the table's own depth_mult (EfficientNet); tables without such rows take 1 only.",
    )(f)
