"""The ``devices`` and ``calibrate`` commands: the built-in device profiles, and fitting a profile
to measured latencies (a CSV of whole models, or micro-benchmarks of single layers on this
machine)."""

from __future__ import annotations

import sys

import click

from mbcost.errors import MbcostError
from mbcost.memory import DTYPES
from mbcost.options import CONTEXT, format_option, wide_option
from mbcost.render import emit


@click.command(context_settings=CONTEXT)
@format_option
@wide_option
def devices(fmt: str, wide: bool) -> None:
    """The built-in device profiles for predicted latency (--device NAME): element type, compute
    rate of dense (pointwise) and depthwise layers, bandwidth, cost per layer, and the
    leave-one-out error of the fit that made each.

    \b
    Examples:
      mbcost devices
      mbcost devices --format json
      mbcost table v2 --device pixel1
    """
    from mbcost.latency import list_devices
    from mbcost.render import latency as lat

    profiles = list_devices()
    emit(
        fmt,
        sys.stdout,
        lambda: lat.devices_doc(profiles),
        lambda: lat.devices_sheets(profiles),
        wide=wide,
    )


@click.command(context_settings=CONTEXT)
@click.option(
    "--from-csv",
    "csv_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Measured whole-model latencies: a CSV with columns arch,alpha,resolution,ms (and "
    "optionally source). Without it, single layers are timed on this machine (torch, the "
    "verify extra).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    required=True,
    help="Write the fitted profile (YAML) to this file.",
)
@click.option("--name", default="this-machine", show_default=True, help="The profile's name.")
@click.option("--description", default=None, help="One line describing the device.")
@click.option("--source", default=None, help="Where the measurements come from.")
@click.option(
    "--dtype",
    type=click.Choice(tuple(DTYPES)),
    default="float32",
    show_default=True,
    help="Element type of the measured models: bytes per element moved.",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 1024),
    default=1,
    show_default=True,
    help="Threads for the micro-benchmarks.",
)
@click.option(
    "--repeats",
    type=click.IntRange(1, 10_000),
    default=20,
    show_default=True,
    help="Timed runs per micro-benchmark (the median counts).",
)
@format_option
@wide_option
def calibrate(
    csv_path: str | None,
    output: str,
    name: str,
    description: str | None,
    source: str | None,
    dtype: str,
    threads: int,
    repeats: int,
    fmt: str,
    wide: bool,
) -> None:
    """Fit a device profile (for --device FILE) to measured latencies and write it as YAML; print
    each measurement beside the fit's prediction and its leave-one-out prediction (the profile
    fitted without it).

    With --from-csv the measurements are whole models (a 4-parameter fit: one rate for dense
    layers, one for depthwise, a bandwidth and a cost per layer; activations other than ReLU run
    as one unfused pass). Without it, single layers are timed on this machine in torch eager and
    every conv kind and element-wise operation gets its own cost: a compute rate per conv kind, a
    fixed cost per layer for depthwise, standard and linear layers and pools and one for the other
    element-wise ops, and weights streamed at a bandwidth of their own; a chain of trivial nodes
    measures the time the executor spends on each node between layers, which every layer's time
    then includes. Each layer is timed twice, among the layers of its feature-map size and among
    two of them only (the MB in its label: the working set it ran in), which fits what a layer
    costs more when its network outgrows the caches (the profile's working_set).

    \b
    Examples:
      mbcost calibrate --from-csv mbcost/devices/pixel1-mobilenet-v2.csv --name pixel1 -o pixel1.yaml
      mbcost calibrate --name laptop --threads 1 -o laptop.yaml
      mbcost table v2 --device laptop.yaml
    """
    import shlex  # only for the command line written into the profile

    from mbcost import latency
    from mbcost.budget import refuse_special, write_atomically
    from mbcost.render import latency as lat

    refuse_special(output)
    given_description = description is not None
    if csv_path is not None:
        if threads != 1 or repeats != 20:
            raise click.UsageError(
                "--threads and --repeats time micro-benchmarks: not with --from-csv"
            )
        from mbcost.latency.calibration import measurement_samples, read_measurements

        measurements = read_measurements(csv_path)
        samples, labels = measurement_samples(measurements)
        cited = sorted({m.source for m in measurements if m.source})
        source = source or "; ".join(cited) or csv_path
        description = description or f"fitted to {len(samples)} whole-model latencies"
        how = f"mbcost calibrate --from-csv {shlex.quote(csv_path)} --name {shlex.quote(name)}"
        options: dict = {}
    else:
        samples, contexts, labels, node_seconds = _micro(threads, repeats)
        source = source or (
            f"micro-benchmarks on this machine, {threads} thread(s), torch eager; each layer "
            f"with the executor's {1e6 * node_seconds:.1f} us per node"
        )
        description = description or "fitted to single-layer micro-benchmarks"
        how = f"mbcost calibrate --name {shlex.quote(name)} --threads {threads} --repeats {repeats}"
        options = {
            "rate_groups": latency.fit.MICRO_RATE_GROUPS,
            "kernel_groups": latency.fit.MICRO_KERNEL_GROUPS,
            "weight_bandwidth": True,
            "elementwise": "fitted",
            "working_set": True,
            "contexts": contexts,
        }
    if given_description:
        how += f" --description {shlex.quote(description)}"
    from mbcost.progress import progress_bar

    with progress_bar(len(samples), "calibrate: leave-one-out fits") as advance:
        profile, report = latency.fit_profile(
            samples,
            name=name,
            description=description,
            source=source,
            dtype=dtype,
            labels=labels,
            progress=lambda done, total: advance(),
            **options,
        )
    comments = (
        f"Device profile '{name}' for mbcost --device: predicted layer time =",
        "max(MACs / rate, bytes / bandwidth) + kernel + element-wise costs.",
        f"Written by: {how} -o {shlex.quote(output)}",
        "Fitted by alternating bounds + non-negative least squares on relative errors;",
        "see 'fit' for the errors (loo: leave-one-out).",
    )
    write_atomically(output, latency.dump_profile(profile, comments))
    emit(
        fmt,
        sys.stdout,
        lambda: lat.calibration_doc(profile, report),
        lambda: lat.calibration_sheets(profile, report),
        wide=wide,
    )
    click.echo(f"mbcost: wrote profile '{name}' to {output}", err=True)


def _micro(threads: int, repeats: int) -> tuple[list, list[int], list[str], float]:
    """Single-layer micro-benchmarks on this machine (the verify extra), with a progress bar: fit
    samples, the working set each was timed in, their labels, and the executor's seconds per node
    that each sample includes."""
    from mbcost.bench import micro, require  # micro imports torch only once require() passed
    from mbcost.progress import progress_bar

    try:
        require("torch")
    except MbcostError:
        raise MbcostError(
            "micro-benchmarks need torch, which cannot be imported: pip install 'mbcost[verify]', "
            "or give --from-csv FILE"
        ) from None

    with progress_bar(1000, "calibrate: timing layers") as advance:
        done = [0]

        def progress(fraction: float) -> None:
            now = int(1000 * fraction)
            advance(now - done[0])
            done[0] = now

        measured = micro.measure(threads=threads, repeats=repeats, progress=progress)
    labels = [
        f"layer {i + 1} ({works[0].kind}, {context / 1e6:.1f} MB)"
        for i, ((works, _), context) in enumerate(
            zip(measured.samples, measured.contexts, strict=True)
        )
    ]
    return measured.samples, measured.contexts, labels, measured.node_seconds
