"""The ``mbcost`` command line: thin click commands that parse, call the library once, and render."""

from __future__ import annotations

import signal
import sys

import click

import mbcost
from mbcost.conventions import CONVENTIONS
from mbcost.errors import MbcostError
from mbcost.options import CONTEXT, FORMAT_HELP, format_option, scaling_options
from mbcost.render import FORMATS, emit
from mbcost.spec import IMPLS


def table_source(arch: str | None, spec: str | None) -> mbcost.Table:
    """The table named by ARCH or read from ``--spec FILE`` (not both; neither means v1)."""
    if arch is not None and spec is not None:
        raise click.UsageError("give an ARCH or --spec FILE, not both")
    if spec is not None:
        from mbcost.spec import load

        return load(spec)
    return mbcost.get_arch(arch or "v1").table


IMPL_OPTION = click.option(
    "--impl",
    type=click.Choice(IMPLS),
    default="paper",
    show_default=True,
    help="Whose channel-rounding rules apply where implementations differ.",
)


@click.group(context_settings=CONTEXT)
@click.version_option(mbcost.__version__, "-V", "--version", prog_name="mbcost")
def cli() -> None:
    """What a MobileNet-style CNN costs: MACs (multiply-accumulates) and parameters, layer by layer,
    from closed-form formulas, with the width multiplier α and the resolution multiplier ρ.

    \b
    Examples:
      mbcost table --alpha 0.5 --res 160
      mbcost table v2 --alpha 0.75 --rho 0.857 --by role
      mbcost compare standard depthwise
      mbcost archs

    Exit codes: 0 ok, 1 a check failed, 2 bad usage or input.
    """


@cli.command(context_settings=CONTEXT)
@click.argument("arch", required=False)
@click.option(
    "--spec",
    type=click.Path(dir_okay=False),
    default=None,
    help="A layer table file (YAML or JSON) instead of a built-in ARCH.",
)
@scaling_options()
@IMPL_OPTION
@click.option(
    "--convention",
    type=click.Choice(tuple(CONVENTIONS)),
    default="paper",
    show_default=True,
    help="What counts: paper (conv+linear MACs, no BN params), fvcore (adds BN and pooling, "
    "as fvcore's total()), torch (params = sum of numel, BN included).",
)
@click.option(
    "--by",
    type=click.Choice(("layer", "block", "role")),
    default="layer",
    show_default=True,
    help="One row per layer, per table block, or per role.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice((*FORMATS, "yaml")),
    default="table",
    show_default=True,
    help=f"{FORMAT_HELP} yaml: the layer table itself, to edit and pass back with --spec.",
)
def table(
    arch: str | None,
    spec: str | None,
    alpha: float,
    res: int | None,
    rho: float | None,
    impl: str,
    convention: str,
    by: str,
    fmt: str,
) -> None:
    """Every layer of ARCH (default v1), or of the table in --spec FILE, with its MACs, parameters
    and share of the total, then a rollup by role (for v1 this is the paper's Table 2).

    \b
    Examples:
      mbcost table --alpha 0.5 --res 160
      mbcost table v2 --alpha 0.75 --rho 0.857
      mbcost table v3-large --impl torchvision --alpha 0.75 --format json
      mbcost table v1 --by role --format md
      mbcost table --spec examples/cifar_mobilenet.yaml --res 32
      mbcost table v2 --format yaml > mynet.yaml
    """
    if res is not None and rho is not None:
        raise click.UsageError("--res and --rho are mutually exclusive; give one")
    source = table_source(arch, spec)
    if fmt == "yaml":
        from mbcost.spec import dump_yaml

        if alpha != 1 or res is not None or rho is not None:
            click.echo(
                "note: a table has no alpha or resolution; pass them when you use it", err=True
            )
        sys.stdout.write(dump_yaml(source))
        return
    report = mbcost.analyze(source, alpha, res, rho, impl, convention)
    from mbcost.render import documents

    emit(
        fmt,
        sys.stdout,
        lambda: documents.report_doc(report),
        lambda: documents.report_sheets(report, by),
    )


POSITIVE = click.IntRange(min=1)


@cli.command(context_settings=CONTEXT)
@click.argument("kinds", nargs=-1, required=True)
@click.option("--k", "k", type=POSITIVE, default=3, show_default=True, help="Kernel size D_K.")
@click.option("--m", "m", type=POSITIVE, default=512, show_default=True, help="Input channels M.")
@click.option("--n", "n", type=POSITIVE, default=512, show_default=True, help="Output channels N.")
@click.option(
    "--df", type=POSITIVE, default=14, show_default=True, help="Input feature map size D_F."
)
@click.option("--stride", type=POSITIVE, default=1, show_default=True, help="Stride.")
@click.option(
    "--groups", type=POSITIVE, default=1, show_default=True, help="Groups G for 'grouped'."
)
@click.option(
    "--expansion", type=POSITIVE, default=6, show_default=True, help="Expansion t for 'inverted'."
)
@click.option(
    "--alpha",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Width multiplier: M, N -> int(α·M), int(α·N).",
)
@click.option(
    "--rho",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Resolution multiplier: D_F -> round(ρ·D_F).",
)
@format_option
def compare(
    kinds: tuple[str, ...],
    k: int,
    m: int,
    n: int,
    df: int,
    stride: int,
    groups: int,
    expansion: int,
    alpha: float,
    rho: float,
    fmt: str,
) -> None:
    """Cost one layer built as different KINDS: standard, depthwise (depthwise-separable: depthwise +
    pointwise), grouped, pointwise, inverted (a V2 inverted residual). Ratios are to the first kind.
    Defaults are the MobileNets paper's Table 3 layer (D_K=3, M=N=512, D_F=14).

    \b
    Examples:
      mbcost compare standard depthwise
      mbcost compare standard depthwise --alpha 0.75 --rho 0.714
      mbcost compare standard depthwise grouped --groups 4 --k 3 --m 32 --n 64 --df 112
      mbcost compare depthwise inverted --m 24 --n 24 --df 56 --expansion 6
    """
    from mbcost.compare import LayerShape, compare_layer
    from mbcost.render import documents

    shape = LayerShape(k, m, n, df, stride, groups, expansion, alpha, rho)
    comparison = compare_layer(kinds, shape)
    emit(
        fmt,
        sys.stdout,
        lambda: documents.compare_doc(comparison),
        lambda: documents.compare_sheets(comparison),
    )


@cli.command(context_settings=CONTEXT)
@format_option
def archs(fmt: str) -> None:
    """The built-in architectures: aliases, native resolution, implementations, source paper,
    published MACs/params and mbcost's own count.

    \b
    Examples:
      mbcost archs
      mbcost archs --format json
    """
    from mbcost.render import documents

    built_in = mbcost.list_archs()
    computed = {a.name: mbcost.analyze(a.name).totals for a in built_in}
    emit(
        fmt,
        sys.stdout,
        lambda: documents.archs_doc(built_in, computed),
        lambda: documents.archs_sheets(built_in, computed),
    )


@cli.command(context_settings=CONTEXT)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Budget file (default: [tool.mbcost] in pyproject.toml, else mbcost.toml).",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    default=None,
    help="Baseline JSON to compare with (default: the budget file's 'baseline').",
)
@click.option(
    "--tolerance",
    default=None,
    help="Growth past the baseline that still passes, e.g. 1% (default: the file's, else 0).",
)
@click.option(
    "--update-baseline",
    is_flag=True,
    help="Record every model's counts as the new baseline instead of comparing.",
)
@click.option(
    "--junit",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write JUnit XML (one test case per model) to this file.",
)
@format_option
def check(
    config_path: str | None,
    baseline: str | None,
    tolerance: str | None,
    update_baseline: bool,
    junit: str | None,
    fmt: str,
) -> int:
    """Check models against MAC / parameter / largest-layer budgets and a baseline; exit 1 if any
    budget is exceeded, 2 if the budget file or a model is wrong. Each failure is also one line on
    stderr (and a ::error annotation on GitHub Actions).

    \b
    Examples:
      mbcost check --config examples/budgets.toml
      mbcost check --config examples/budgets.toml --format json
      mbcost check --config examples/budgets.toml --baseline examples/mbcost-baseline.json --tolerance 1%
      mbcost check --config examples/budgets.toml --update-baseline
    """
    import os

    from mbcost import budget
    from mbcost.render import documents

    config = budget.load_config(budget.find_config(config_path))
    tol = None if tolerance is None else budget.parse_tolerance(tolerance, "--tolerance")
    if update_baseline:
        path = baseline or config.baseline
        if not path:
            raise click.UsageError(
                "--update-baseline needs --baseline FILE or 'baseline' in the budget file"
            )
        measured = budget.measure_all(config, _progress)
        budget.write_atomically(path, budget.baseline_text(measured))
        click.echo(f"mbcost: recorded {len(measured)} models in {path}", err=True)
        return 0
    result = budget.run_checks(config, baseline, tol, progress=_progress)
    emit(
        fmt, sys.stdout, lambda: documents.check_doc(result), lambda: documents.check_sheets(result)
    )
    if junit:
        budget.write_atomically(junit, budget.junit_xml(result))
    annotate = os.environ.get("GITHUB_ACTIONS") == "true"
    for row in result.failures:
        line = budget.failure_line(row)
        click.echo(f"::error title=mbcost budget::{line}" if annotate else f"FAIL {line}", err=True)
    return 1 if result.failures else 0


def _progress(model) -> None:
    if model.source == "torch":
        click.echo(f"mbcost: counting {model.target} with fvcore ...", err=True)


from mbcost.verify.cli import verify  # noqa: E402  (torch is imported only when verify runs)

cli.add_command(verify)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every error is one line on stderr (exit 2 for bad usage or input)."""
    if argv is None and hasattr(signal, "SIGPIPE"):
        # a closed pipe (`mbcost table | head`) ends the process quietly, as it does for cat or grep
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        rv = cli.main(args=argv, prog_name="mbcost", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        return 2
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "mbcost"
        click.echo(f"{command}: error: {exc.format_message()} (see '{command} --help')", err=True)
        return 2
    except click.ClickException as exc:
        click.echo(f"mbcost: error: {exc.format_message()}", err=True)
        return exc.exit_code
    except MbcostError as exc:
        click.echo(f"mbcost: error: {exc}", err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("mbcost: aborted", err=True)
        return 1
    return rv if isinstance(rv, int) else 0
