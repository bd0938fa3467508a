"""``mbcost verify``: the click command. Imports click and the engine only; torch is imported when the
command runs, so registering it costs ``mbcost table`` nothing.

Shared settings come from ``mbcost.options``. ``--alpha``, ``--impl`` and ``--against`` default to None
here (unlike ``mbcost table``'s) so that ``--all`` can tell them apart from values the user gave.
"""

from __future__ import annotations

import sys
import time

import click

from mbcost.errors import MbcostError
from mbcost.options import (
    CONTEXT,
    depth_option,
    format_option,
    impl_option,
    scaling_options,
    source_options,
    wide_option,
)
from mbcost.progress import progress_bar
from mbcost.render import emit
from mbcost.spec import Table, load

AGAINST = ("reference", "table")


@click.command(context_settings=CONTEXT)
@source_options(
    "A layer table file (YAML or JSON) instead of a built-in ARCH; verified --against table."
)
@scaling_options(alpha_default=None)
@depth_option
@impl_option(
    default=None,
    help="Whose channel-rounding rules the engine applies; the reference model is that "
    "library's (paper borrows timm's where their layers are equal).  [default: paper]",
)
@click.option(
    "--against",
    type=click.Choice(AGAINST),
    default=None,
    help="reference: the torchvision/timm model; table: a torch model generated from "
    "mbcost's own table.  [default: reference; table with --spec]",
)
@click.option(
    "--all",
    "run_all",
    is_flag=True,
    help="Every built-in (or ARCH) x implementation x a grid of widths and resolutions, "
    "one summary row each; --impl/--against narrow the grid.",
)
@click.option(
    "--explain", is_flag=True, help="Also show each counting convention as a sum of named terms."
)
@format_option
@wide_option
@click.pass_context
def verify(
    ctx: click.Context,
    arch: str | None,
    spec: str | None,
    alpha: float | None,
    res: int | None,
    rho: float | None,
    depth: float,
    impl: str | None,
    against: str | None,
    run_all: bool,
    explain: bool,
    fmt: str,
    wide: bool,
) -> None:
    """Cross-check the engine's per-layer MACs and parameters against fvcore on real torch models:
    torchvision's or timm's (--against reference) or one generated from mbcost's table (--against
    table). Needs the [verify] extra: pip install 'mbcost[verify]'. Exit 1 when anything differs.

    \b
    Examples:
      mbcost verify v2 --alpha 0.6 --res 200 --impl torchvision
      mbcost verify v1 --impl timm --res 150
      mbcost verify v3-large --alpha 0.75 --impl timm
      mbcost verify mnasnet-b1 --alpha 0.5 --impl torchvision
      mbcost verify efficientnet-b0 --depth 1.5 --res 128 --impl timm
      mbcost verify v3-small --against table
      mbcost verify --spec examples/cifar_mobilenet.yaml --res 32
      mbcost verify v2 --explain
      mbcost verify --all
    """
    if res is not None and rho is not None:
        raise click.UsageError("--res and --rho are mutually exclusive; give one")
    if spec is not None and (arch is not None or run_all):
        raise click.UsageError("--spec FILE replaces ARCH and --all; give one")
    if run_all:
        given = [
            name
            for name, value in (
                ("--alpha", alpha),
                ("--res", res),
                ("--rho", rho),
                ("--depth", depth != 1),
                ("--explain", explain),
            )
            if value
        ]
        if given:
            raise click.UsageError(
                f"--all runs its own grid of widths and resolutions; drop {', '.join(given)}"
            )
        ok = _verify_all(arch, impl, against, fmt, wide)
    elif arch is None and spec is None:
        raise click.UsageError("give an ARCH (see 'mbcost archs'), --spec FILE or --all")
    else:
        if spec is not None and against == "reference":
            raise click.UsageError("a --spec table has no reference model; use --against table")
        source = arch if spec is None else load(spec)
        default_against = "reference" if spec is None else "table"
        ok = _verify_one(
            source,
            alpha or 1.0,
            res,
            rho,
            impl or "paper",
            against or default_against,
            explain,
            fmt,
            wide,
            depth,
        )
    if not ok:
        ctx.exit(1)


def _verify_one(
    arch: str | Table,
    alpha: float,
    res: int | None,
    rho: float | None,
    impl: str,
    against: str,
    explain: bool,
    fmt: str,
    wide: bool,
    depth: float,
) -> bool:
    from mbcost.verify import documents
    from mbcost.verify.run import verify as run_verify

    result = run_verify(arch, alpha, res, rho, impl, against, depth=depth)
    explanation = None
    if explain:
        from mbcost.verify.explain import explain as explain_conventions

        explanation = explain_conventions(result)
    emit(
        fmt,
        sys.stdout,
        lambda: documents.verification_doc(result, explanation),
        lambda: documents.verification_sheets(result, explanation),
        wide=wide,
    )
    click.echo(f"mbcost verify: {documents.verdict(result)}", err=True)
    return result.ok


def _verify_all(
    arch: str | None, impl: str | None, against: str | None, fmt: str, wide: bool
) -> bool:
    from mbcost.verify import documents, require_torch
    from mbcost.verify.grid import grid, verify_all
    from mbcost.verify.reference import REFERENCES

    configs = [
        c
        for c in grid((arch,) if arch else ())
        if impl in (None, c.impl) and against in (None, c.against)
    ]
    if not configs:
        asked = [arch, impl and f"--impl {impl}", against and f"--against {against}"]
        raise MbcostError(f"--all has no configuration for {' '.join(a for a in asked if a)}")
    require_torch(
        *sorted({REFERENCES[c.arch, c.impl].package for c in configs if c.against == "reference"})
    )
    started = time.perf_counter()
    with progress_bar(len(configs), "verify --all", delay=0) as advance:
        results = verify_all(
            configs,
            lambda c: advance(1, f"{c.arch} {c.impl} vs {c.against} {c.label}"),
        )
    seconds = time.perf_counter() - started
    emit(
        fmt,
        sys.stdout,
        lambda: documents.summary_doc(results, seconds),
        lambda: documents.summary_sheets(results, seconds),
        wide=wide,
    )
    failed = sum(not v.ok for v in results)
    click.echo(
        f"mbcost verify --all: {len(results)} configurations, {failed} mismatched, {seconds:.0f} s",
        err=True,
    )
    return not failed
