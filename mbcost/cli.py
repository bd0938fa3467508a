"""The ``mbcost`` command line: thin click commands that parse, call the library once, and render."""

from __future__ import annotations

import signal
import sys

import click

import mbcost
from mbcost.errors import MbcostError
from mbcost.options import (
    ALPHA,
    BYTES,
    CONTEXT,
    COUNT,
    FORMAT_HELP,
    RHO,
    SIZE,
    convention_option,
    depth_option,
    device_option,
    format_option,
    impl_option,
    max_latency_option,
    memory_options,
    plot_option,
    scaling_options,
    source_options,
    wide_option,
)
from mbcost.quantities import QUANTITY_NAMES
from mbcost.render import FORMATS, emit


def table_source(arch: str | None, spec: str | None) -> mbcost.Table:
    """The table named by ARCH or read from ``--spec FILE`` (not both; neither means v1)."""
    if arch is not None and spec is not None:
        raise click.UsageError("give an ARCH or --spec FILE, not both")
    if spec is not None:
        from mbcost.spec import load

        return load(spec)
    return mbcost.get_arch("v1" if arch is None else arch).table


SPEC_HELP = "A layer table file (YAML or JSON) instead of a built-in ARCH."


@click.group(context_settings=CONTEXT)
@click.version_option(mbcost.__version__, "-V", "--version", prog_name="mbcost")
def cli() -> None:
    """What a MobileNet-style CNN costs: MACs (multiply-accumulates), parameters and activation
    memory, layer by layer, from closed-form formulas, with the width multiplier α and the
    resolution multiplier ρ; and which configuration is the most accurate under a budget.

    \b
    Examples:
      mbcost table --alpha 0.5 --res 160
      mbcost table v2 --alpha 0.75 --rho 0.857 --by role
      mbcost sweep v2 --alpha 0.35,0.5,0.75,1.0 --res 96:224:32
      mbcost sweep v1 --alpha 0.25,0.5,0.75,1 --res 128:224:32 --accuracy
      mbcost fit v1 v2 v3-large v3-small --max-macs 150M --max-params 3M
      mbcost compare standard depthwise
      mbcost archs

    Exit codes: 0 ok, 1 a check failed, 2 bad usage or input, 130 interrupted.
    """


@cli.command(context_settings=CONTEXT)
@source_options(SPEC_HELP)
@scaling_options()
@depth_option
@impl_option()
@convention_option
@memory_options
@click.option(
    "--by",
    type=click.Choice(("layer", "block", "role")),
    default="layer",
    show_default=True,
    help="One row per layer, per table block, or per role.",
)
@click.option(
    "--columns",
    default=None,
    metavar="KEYS",
    help="The layer table's columns, in order, as comma-separated keys (the CSV header names: "
    "name,macs,params,live_bytes,...); for table, csv and md with --by layer.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice((*FORMATS, "yaml")),
    default="table",
    show_default=True,
    help=f"{FORMAT_HELP} yaml: the layer table itself, to edit and pass back with --spec.",
)
@plot_option("per-layer MACs and parameters as bars coloured by role")
@device_option
@wide_option
def table(
    arch: str | None,
    spec: str | None,
    alpha: float,
    res: int | None,
    rho: float | None,
    depth: float,
    impl: str,
    convention: str,
    dtype: str,
    weight_dtype: str | None,
    memory_rule: str,
    by: str,
    columns: str | None,
    fmt: str,
    wide: bool,
    plot: str | None,
    device: str | None,
) -> None:
    """Every layer of ARCH (default v1), or of the table in --spec FILE, with its MACs, parameters,
    share of the total, activations and live memory (the peak marked), then a rollup by role (for
    v1 this is the paper's Table 2). With --device, each layer's predicted latency on that device,
    its share of the time and whether it is compute- or memory-bound.

    \b
    Examples:
      mbcost table --alpha 0.5 --res 160
      mbcost table v2 --alpha 0.75 --rho 0.857
      mbcost table v3-large --impl torchvision --alpha 0.75 --format json
      mbcost table v1 --by role --format md
      mbcost table v2 --dtype uint8 --memory-rule inplace-dw
      mbcost table v3-large --columns name,out_shape,macs,activations,live_bytes
      mbcost table --spec examples/cifar_mobilenet.yaml --res 32
      mbcost table v2 --format yaml > mynet.yaml
      mbcost table v2 --alpha 0.75 --plot layers.png
      mbcost table efficientnet-b3 --alpha 0.5 --depth 1.2 --by role
      mbcost table v2 --alpha 0.35 --res 96 --device pixel1
      mbcost table v3-small --device pixel1 --by role
    """
    if res is not None and rho is not None:
        raise click.UsageError("--res and --rho are mutually exclusive; give one")
    keys = None
    if columns is not None:
        if by != "layer" or fmt in ("json", "yaml"):
            raise click.UsageError(
                "--columns chooses the layer table's columns: use it with --by "
                "layer and --format table, csv or md"
            )
        from mbcost.render.documents import layer_columns

        keys = [
            c.key
            for c in layer_columns([k.strip() for k in columns.split(",")], device is not None)
        ]
    source = table_source(arch, spec)
    if fmt == "yaml":
        from mbcost.spec import dump_yaml

        given = {
            "--alpha": alpha != 1,
            "--depth": depth != 1,
            "--res": res is not None,
            "--rho": rho is not None,
            "--impl": impl != "paper",
            "--convention": convention != "paper",
            "--dtype": dtype != "float32",
            "--weight-dtype": weight_dtype is not None,
            "--memory-rule": memory_rule != "tflite",
            "--by": by != "layer",
            "--wide": wide,
            "--plot": plot is not None,
            "--device": device is not None,
        }
        ignored = ", ".join(name for name, changed in given.items() if changed)
        if ignored:
            click.echo(
                f"note: --format yaml writes the layer table itself and ignores {ignored}; "
                "pass them when you use the table",
                err=True,
            )
        sys.stdout.write(dump_yaml(source))
        return
    plots = _plotter(plot)
    profile = None
    if device is not None:
        from mbcost.latency import get_device

        profile = get_device(device)
    report = mbcost.analyze(
        source, alpha, res, rho, impl, convention, dtype, weight_dtype, memory_rule, depth
    )
    latency = None
    if profile is not None:
        from mbcost.latency.predicted import report_latency

        latency = report_latency(profile, report)
    if plots:
        plots.save(plots.table_figure(report), plot)
    from mbcost.accuracy import rate_table
    from mbcost.render import documents

    rating = rate_table(source, report.inputs.alpha, report.inputs.resolution, impl, depth)
    emit(
        fmt,
        sys.stdout,
        lambda: documents.report_doc(report, rating, latency),
        lambda: documents.report_sheets(report, by, rating, keys, latency),
        wide=wide,
    )


@cli.command(context_settings=CONTEXT)
@click.argument("kinds", nargs=-1, required=True)
@click.option(
    "--k",
    "k",
    type=SIZE,
    default=3,
    show_default=True,
    help="Kernel size D_K (padded by k//2, so an even one grows the map by one).",
)
@click.option("--m", "m", type=SIZE, default=512, show_default=True, help="Input channels M.")
@click.option("--n", "n", type=SIZE, default=512, show_default=True, help="Output channels N.")
@click.option("--df", type=SIZE, default=14, show_default=True, help="Input feature map size D_F.")
@click.option("--stride", type=SIZE, default=1, show_default=True, help="Stride.")
@click.option("--groups", type=SIZE, default=1, show_default=True, help="Groups G for 'grouped'.")
@click.option(
    "--expansion",
    type=SIZE,
    default=6,
    show_default=True,
    help="Expansion t for 'inverted', 'uib' and 'fused'.",
)
@click.option(
    "--alpha",
    type=ALPHA,
    default=1.0,
    show_default=True,
    help="Width multiplier: M, N -> int(α·M), int(α·N).",
)
@click.option(
    "--rho",
    type=RHO,
    default=1.0,
    show_default=True,
    help="Resolution multiplier: D_F -> round(ρ·D_F).",
)
@format_option
@wide_option
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
    wide: bool,
) -> None:
    """Cost one layer built as different KINDS: standard, depthwise (depthwise-separable: depthwise +
    pointwise), grouped, pointwise, inverted (a V2 inverted residual), uib (MobileNetV4's Universal
    Inverted Bottleneck, its ExtraDW case: depthwise, expand, depthwise, project) and fused (FusedIB:
    k×k expansion conv, project). Ratios are to the first kind. Defaults are the MobileNets paper's
    Table 3 layer (D_K=3, M=N=512, D_F=14).

    \b
    Examples:
      mbcost compare standard depthwise
      mbcost compare standard depthwise --alpha 0.75 --rho 0.714
      mbcost compare standard depthwise grouped --groups 4 --k 3 --m 32 --n 64 --df 112
      mbcost compare depthwise inverted --m 24 --n 24 --df 56 --expansion 6
      mbcost compare depthwise inverted uib fused --m 96 --n 96 --expansion 4
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
        wide=wide,
    )


@cli.command(context_settings=CONTEXT)
@format_option
@wide_option
def archs(fmt: str, wide: bool) -> None:
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
        wide=wide,
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
@wide_option
def check(
    config_path: str | None,
    baseline: str | None,
    tolerance: str | None,
    update_baseline: bool,
    junit: str | None,
    fmt: str,
    wide: bool,
) -> int:
    """Check models against MAC / parameter / largest-layer budgets and a baseline; exit 1 if any
    budget is exceeded, 2 if the budget file, the baseline or a model is wrong or --junit cannot be
    written. Each failure is also one line on stderr (and a ::error annotation on GitHub Actions).

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

    for option, value in (("--config", config_path), ("--baseline", baseline), ("--junit", junit)):
        if value == "":
            raise click.UsageError(f"{option} needs a file path, got ''")
    if update_baseline and (junit is not None or tolerance is not None):
        raise click.UsageError(
            "--update-baseline records counts and checks nothing: it takes no --junit or --tolerance"
        )
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
        fmt,
        sys.stdout,
        lambda: documents.check_doc(result),
        lambda: documents.check_sheets(result),
        wide=wide,
    )
    annotate = os.environ.get("GITHUB_ACTIONS") == "true"
    for row in result.failures:
        line = budget.github_error(row) if annotate else f"FAIL {budget.failure_line(row)}"
        click.echo(line, err=True)
    if junit:  # after the FAIL lines: a JUnit file that cannot be written must not hide them
        budget.write_atomically(junit, budget.junit_xml(result))
    return 1 if result.failures else 0


def _progress(model) -> None:
    """A transient "counting ..." line while a torch model is counted (fvcore takes seconds), on a
    terminal only and erased when counting ends (``model`` None): logs and pipes never get it, so
    an error stays the only line on stderr."""
    from mbcost.render import wants_colour

    if not wants_colour(sys.stderr):
        return
    sys.stderr.write("\r\033[K")  # erase the previous line
    if model is not None and model.source == "torch":
        sys.stderr.write(f"mbcost: counting {model.target} with fvcore ...")
    sys.stderr.flush()


@cli.command(context_settings=CONTEXT)
@source_options(SPEC_HELP)
@click.option(
    "--alpha",
    "alphas",
    default="1.0",
    show_default=True,
    help="Widths: a list (0.35,0.5,1.0), an inclusive range start:stop:step (0.25:1.5:0.05), or both.",
)
@click.option(
    "--res",
    "resolutions",
    default=None,
    help="Input resolutions in pixels, as a list or range (96:224:32); default: the native one.",
)
@click.option("--rho", "rhos", default=None, help="Resolution multipliers instead of --res.")
@click.option(
    "--depth",
    "depths",
    default="1.0",
    show_default=True,
    help="Depth multipliers, as a list or range (1:2:0.25), for tables whose rows scale with "
    "depth (EfficientNet).",
)
@impl_option()
@convention_option
@memory_options
@click.option(
    "--accuracy",
    is_flag=True,
    help="Published top-1 beside each configuration that has one, an estimate (with its "
    "leave-one-out error) beside the others, and the Pareto front. Built-ins, --impl paper.",
)
@click.option(
    "--cost",
    type=click.Choice(QUANTITY_NAMES),
    default="macs",
    show_default=True,
    help="The cost of the Pareto front and of the plot's axis (or heatmap).",
)
@plot_option("top-1 against the cost (with --accuracy), else a heatmap of the cost,")
@device_option
@max_latency_option
@format_option
@wide_option
def sweep(
    arch: str | None,
    spec: str | None,
    alphas: str,
    resolutions: str | None,
    rhos: str | None,
    depths: str,
    impl: str,
    convention: str,
    dtype: str,
    weight_dtype: str | None,
    memory_rule: str,
    accuracy: bool,
    cost: str,
    plot: str | None,
    device: str | None,
    max_latency: float | None,
    fmt: str,
    wide: bool,
) -> None:
    """Totals of ARCH (default v1), or of the table in --spec FILE, at every width x resolution,
    with the peak activation memory and the weight bytes: one row per configuration, computed
    without building per-layer rows (a few microseconds each). With --device, each
    configuration's predicted latency; --max-latency keeps those predicted within it.

    \b
    Examples:
      mbcost sweep v2 --alpha 0.35,0.5,0.75,1.0,1.3,1.4 --res 96:224:32
      mbcost sweep v3-large --alpha 0.25:1.5:0.05 --res 96:320:8 --format csv > grid.csv
      mbcost sweep --spec examples/cifar_mobilenet.yaml --alpha 0.25:1:0.25 --res 32,64
      mbcost sweep v1 --alpha 0.25,0.5,0.75,1 --rho 0.571,0.714,0.857,1
      mbcost sweep v1 --alpha 0.25,0.5,0.75,1 --res 128:224:32 --accuracy
      mbcost sweep v2 --alpha 0.35:1:0.05 --res 96:224:16 --accuracy --plot v2.png
      mbcost sweep efficientnet-b0 --alpha 0.5,1 --depth 1:2:0.5 --res 224,240
      mbcost sweep v2 --alpha 0.35,0.5,0.75,1 --res 96:224:32 --device pixel1 --max-latency 20ms
    """
    from mbcost.progress import progress_bar
    from mbcost.ranges import parse_values
    from mbcost.render import documents

    if resolutions is not None and rhos is not None:
        raise click.UsageError("--res and --rho are mutually exclusive; give one")
    if accuracy and spec is not None:
        raise click.UsageError("--accuracy needs a built-in ARCH: accuracy is not known for --spec")
    plots = _plotter(plot)
    profile = _device(device, max_latency)
    source = table_source(arch, spec)
    widths = parse_values(alphas, "--alpha")
    pixels = None if resolutions is None else parse_values(resolutions, "--res", integer=True)
    multipliers = None if rhos is None else parse_values(rhos, "--rho")
    scales = parse_values(depths, "--depth")
    if accuracy and any(d != 1 for d in scales):
        raise click.UsageError(
            "--accuracy needs --depth 1: top-1 is published at each network's own depth"
        )
    if plots and len(scales) > 1:
        raise click.UsageError("--plot draws width x resolution: give one --depth with it")
    total = len(widths) * len(scales) * len(pixels or multipliers or (None,))
    with progress_bar(total, "sweep") as advance:
        result = mbcost.sweep(
            source,
            widths,
            pixels,
            multipliers,
            impl,
            convention,
            advance,
            dtype,
            weight_dtype,
            memory_rule,
            scales,
        )
    seconds, note = None, None
    if profile is not None:
        from mbcost.latency.predicted import within_latency

        result, seconds, note = within_latency(profile, source, result, max_latency)
    if accuracy:
        from mbcost.accuracy import rate_sweep
        from mbcost.render import tradeoff

        rated = rate_sweep(result, cost)
        if plots:
            plots.save(plots.sweep_figure(rated), plot)
        doc = lambda: tradeoff.sweep_accuracy_doc(rated)  # noqa: E731
        sheets = lambda: tradeoff.sweep_accuracy_sheets(rated)  # noqa: E731
    else:
        if plots:
            plots.save(plots.heatmap_figure(result, cost), plot)
        doc = lambda: documents.sweep_doc(result)  # noqa: E731
        sheets = lambda: documents.sweep_sheets(result)  # noqa: E731
    if profile is not None:
        from mbcost.render import latency as lat

        doc_only, sheets_only = doc, sheets
        doc = lambda: lat.sweep_doc(doc_only(), seconds, profile, max_latency)  # noqa: E731
        sheets = lambda: lat.sweep_sheets(sheets_only(), seconds, profile, note)  # noqa: E731
    emit(fmt, sys.stdout, doc, sheets, wide=wide)


def _device(device: str | None, max_latency: float | None):
    """The profile named by ``--device`` (None without it); ``--max-latency`` needs one."""
    if device is None:
        if max_latency is not None:
            raise click.UsageError(
                "--max-latency needs --device NAME|FILE: latency is predicted for a device"
            )
        return None
    from mbcost.latency import get_device

    return get_device(device)


def _plotter(path: str | None):
    """``mbcost.render.plot`` when ``--plot FILE`` is given, after checking the file's suffix and
    that matplotlib is installed (before anything is computed); None without ``--plot``."""
    if path is None:
        return None
    from mbcost.render import plot

    plot.check_path(path)
    plot.require()
    return plot


@cli.command(context_settings=CONTEXT)
@click.argument("archs", nargs=-1, required=True)
@click.option("--max-macs", type=COUNT, default=None, help="MACs budget, inclusive: 100M, 1.2G.")
@click.option("--max-params", type=COUNT, default=None, help="Parameter budget, inclusive: 3.5M.")
@click.option(
    "--max-peak-memory",
    type=BYTES,
    default=None,
    help="Peak activation memory budget, inclusive: 1MB (10^6 B), 768KiB (2^10 B each).",
)
@click.option("--max-weights", type=BYTES, default=None, help="Weight bytes budget: 2.5MB.")
@memory_options
@click.option(
    "--top",
    type=click.IntRange(1, 10_000),
    default=5,
    show_default=True,
    help="How many to list: the winner and the runners-up.",
)
@click.option(
    "--published-only",
    is_flag=True,
    help="Only configurations with a published top-1: no estimated grid.",
)
@click.option(
    "--alpha",
    "alphas",
    default=None,
    help="Widths of the estimated grid, as in sweep (default: every 0.05 over each family's "
    "published widths).",
)
@click.option(
    "--res",
    "resolutions",
    default=None,
    help="Resolutions of the estimated grid (default: every 8 px over the published ones).",
)
@plot_option("the candidates, the budgets and the winner")
@device_option
@max_latency_option
@format_option
@wide_option
def fit(
    archs: tuple[str, ...],
    max_macs: int | None,
    max_params: int | None,
    max_peak_memory: int | None,
    max_weights: int | None,
    dtype: str,
    weight_dtype: str | None,
    memory_rule: str,
    top: int,
    published_only: bool,
    alphas: str | None,
    resolutions: str | None,
    plot: str | None,
    device: str | None,
    max_latency: float | None,
    fmt: str,
    wide: bool,
) -> int:
    """The most accurate configurations of ARCHS within the budgets, by ImageNet top-1: each
    family's published configurations and, unless --published-only, an alpha x resolution grid
    ranked by an estimate (a least-squares fit over the family's published points, only inside
    their range, with its leave-one-out error). Budgets are checked against mbcost's exact counts.
    Exit 1 with a one-line reason when nothing fits.

    \b
    Examples:
      mbcost fit v2 --max-macs 100M
      mbcost fit v1 v2 v3-large v3-small --max-macs 150M --max-params 3M --top 5
      mbcost fit v2 --max-peak-memory 1MB --dtype int8 --published-only
      mbcost fit v2 --max-macs 300M --published-only
      mbcost fit v1 v2 --max-macs 200M --alpha 0.25:1.4:0.01 --res 96:224:4 --format json
      mbcost fit v2 v3-large v3-small --device pixel1 --max-latency 20ms
    """
    from mbcost.ranges import parse_values
    from mbcost.render import tradeoff

    if (max_macs, max_params, max_peak_memory, max_weights, max_latency) == (None,) * 5:
        raise click.UsageError(
            "give a budget: --max-macs, --max-params, --max-peak-memory, --max-weights or "
            "--max-latency"
        )
    if published_only and (alphas is not None or resolutions is not None):
        raise click.UsageError("--published-only searches no grid: it takes no --alpha or --res")
    plots = _plotter(plot)
    profile = _device(device, max_latency)
    widths = None if alphas is None else parse_values(alphas, "--alpha")
    pixels = None if resolutions is None else parse_values(resolutions, "--res", integer=True)
    result = mbcost.fit(
        archs,
        max_macs,
        max_params,
        top,
        published_only,
        widths,
        pixels,
        max_peak_memory=max_peak_memory,
        max_weights=max_weights,
        dtype=dtype,
        weight_dtype=weight_dtype,
        memory_rule=memory_rule,
        device=profile,
        max_latency=max_latency,
    )
    if plots:
        plots.save(plots.fit_figure(result), plot)
    emit(
        fmt,
        sys.stdout,
        lambda: tradeoff.fit_doc(result),
        lambda: tradeoff.fit_sheets(result),
        wide=wide,
    )
    if not result.ranked:
        _error(tradeoff.nothing_fits(result))
        return 1
    return 0


from mbcost.verify.cli import verify  # noqa: E402  (torch is imported only when verify runs)

cli.add_command(verify)

from mbcost.bench.cli import bench  # noqa: E402  (torch is imported only when bench runs)

cli.add_command(bench)

from mbcost.latency_cli import calibrate, devices  # noqa: E402

cli.add_command(devices)
cli.add_command(calibrate)


INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command stopped by Ctrl-C


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every error is one line on stderr (exit 2 for bad usage or input or output
    that cannot be written, 130 when interrupted).

    ``argv=None`` is the real process (``mbcost``, ``python -m mbcost``): only then are signals and
    stdout's encoding errors set up.
    """
    if argv is None:
        _prepare_process()
    if sys.stdout is None:  # started with stdout closed: `mbcost table >&-`
        _error("standard output is closed")
        return 2
    try:
        code = _run(argv)
        sys.stdout.flush()  # a full disk shows here, not as a traceback in Python's exit hook
    except (KeyboardInterrupt, click.exceptions.Abort):
        click.echo("mbcost: interrupted", err=True)
        return INTERRUPTED
    except OSError as exc:
        _discard_stdout()
        reason = exc.strerror or str(exc)
        _error(f"{exc.filename}: {reason}" if exc.filename else f"cannot write output: {reason}")
        return 2
    return code


def _run(argv: list[str] | None) -> int:
    """The command's exit code, with every usage or input error as one stderr line and code 2."""
    try:
        rv = cli.main(args=argv, prog_name="mbcost", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        # bare `mbcost` asks what it can do: the help, as `mbcost --help` prints it
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        return 0
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "mbcost"
        _error(f"{exc.format_message()} (see '{command} --help')")
        return 2
    except click.ClickException as exc:
        _error(exc.format_message())
        return exc.exit_code
    except MbcostError as exc:
        _error(str(exc))
        return 2
    return rv if isinstance(rv, int) else 0


def _error(message: str) -> None:
    """The one stderr line of an error; control characters from arguments or files are escaped."""
    from mbcost.terminal import printable

    click.echo(f"mbcost: error: {printable(message)}", err=True)


def _prepare_process() -> None:
    """A closed pipe (`mbcost table | head`) ends the process quietly, as it does for cat or grep,
    and characters stdout cannot encode are spelled in ASCII (SIGTERM keeps its default: the
    process ends at once, and files are only ever replaced whole)."""
    from mbcost.terminal import ascii_fallback

    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    ascii_fallback(sys.stdout)


def _discard_stdout() -> None:
    """Point stdout's file descriptor at /dev/null, so that Python's flush at exit of what could
    not be written stays quiet (the pattern Python's documentation gives for a broken pipe)."""
    import contextlib
    import os

    with contextlib.suppress(OSError, ValueError):  # no descriptor (stdout replaced in-process)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
