"""``mbcost bench``: the click command. Imports click and the engine only; torch and onnxruntime are
imported when the command runs, so registering it costs ``mbcost table`` nothing."""

from __future__ import annotations

import sys

import click

from mbcost.bench import CLOCK_NAMES, MAX_THREADS, RUNTIMES
from mbcost.options import (
    CONTEXT,
    depth_option,
    format_option,
    impl_option,
    scaling_options,
    source_options,
    wide_option,
)
from mbcost.render import emit

MAX_REPEATS = 100_000


@click.command(context_settings=CONTEXT)
@source_options("A layer table file (YAML or JSON) instead of a built-in ARCH.")
@scaling_options()
@depth_option
@impl_option()
@click.option(
    "--against",
    type=click.Choice(("table", "reference")),
    default="table",
    show_default=True,
    help="table: a torch model generated from mbcost's table, timed per layer; reference: the "
    "torchvision/timm model of ARCH (its library follows --impl), timed whole.",
)
@click.option(
    "--runtime",
    type=click.Choice(RUNTIMES),
    default="torch",
    show_default=True,
    help="torch: eager PyTorch; onnxruntime: exported to ONNX and run by ONNX Runtime's CPU "
    "provider (needs pip install 'mbcost[verify,latency]').",
)
@click.option(
    "--threads",
    type=click.IntRange(1, MAX_THREADS),
    default=1,
    show_default=True,
    help="Intra-op threads of the runtime.",
)
@click.option(
    "--repeats",
    type=click.IntRange(1, MAX_REPEATS),
    default=None,
    help="Timed runs, exactly (default: adaptive, until the median's standard error is within "
    "1% of it or --time-limit).",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(0, 3600, min_open=True),
    default=None,
    help="Seconds of timed runs at most, when --repeats is not given.  [default: 10]",
)
@click.option(
    "--clock",
    type=click.Choice(CLOCK_NAMES),
    default="wall",
    show_default=True,
    help="wall: latency; cpu: the calling thread's CPU time, which leaves out the time slices "
    "other processes take on a busy machine (torch, 1 thread).",
)
@format_option
@wide_option
def bench(
    arch: str | None,
    spec: str | None,
    alpha: float,
    res: int | None,
    rho: float | None,
    depth: float,
    impl: str,
    against: str,
    runtime: str,
    threads: int,
    repeats: int | None,
    time_limit: float | None,
    clock: str,
    fmt: str,
    wide: bool,
) -> None:
    """Measure the latency of ARCH (default v1), or of the table in --spec FILE, on this CPU at
    batch 1: the real torch module, BatchNorm folded into the convs as a deployed model runs,
    after a warm-up; the median and interquartile range of the whole model and of every layer.
    Needs the [verify] extra (torch); --runtime onnxruntime also the [latency] extra.

    \b
    Examples:
      mbcost bench v2 --alpha 0.5 --res 160
      mbcost bench v3-small --threads 2 --repeats 50
      mbcost bench v2 --runtime onnxruntime --format json
      mbcost bench v3-large --against reference --impl timm
      mbcost bench --spec examples/cifar_mobilenet.yaml --res 32
      mbcost bench efficientnet-b0 --depth 1.5 --clock cpu
    """
    from mbcost.bench import documents
    from mbcost.bench.run import bench as measure
    from mbcost.bench.stats import ADAPTIVE, Repeats
    from mbcost.progress import progress_bar

    if res is not None and rho is not None:
        raise click.UsageError("--res and --rho are mutually exclusive; give one")
    if arch is not None and spec is not None:
        raise click.UsageError("give an ARCH or --spec FILE, not both")
    if spec is not None and against == "reference":
        raise click.UsageError("a --spec table has no reference model; use --against table")
    if repeats is not None and time_limit is not None:
        raise click.UsageError("--repeats fixes the number of runs: it takes no --time-limit")
    if spec is not None:
        from mbcost.spec import load

        source = load(spec)
    else:
        source = arch or "v1"
    plan = Repeats(fixed=repeats, time_limit=time_limit or ADAPTIVE.time_limit)
    with progress_bar(100, f"bench {arch or spec or 'v1'}") as advance:
        shown = [0]

        def progress(done: float) -> None:
            steps = int(100 * done) - shown[0]
            if steps > 0:
                shown[0] += steps
                advance(steps)

        result = measure(
            source, alpha, res, rho, impl, against, runtime, threads, plan, progress, clock, depth
        )
    emit(
        fmt,
        sys.stdout,
        lambda: documents.bench_doc(result),
        lambda: documents.bench_sheets(result),
        wide=wide,
    )
    click.echo(f"mbcost bench: {documents.summary(result)}", err=True)
