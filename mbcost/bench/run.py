"""One latency measurement end to end: expand the table, build the torch model (generated from the
table, or the torchvision/timm reference), fold its BatchNorms, time it under a runtime at batch 1.

torch, onnxruntime and the reference libraries are imported only once ``require()`` has passed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mbcost.archs import get_arch
from mbcost.bench import MAX_THREADS, RUNTIMES, require
from mbcost.bench.machine import Machine, this_machine
from mbcost.bench.stats import ADAPTIVE, CLOCKS, Repeats, Spread, spread
from mbcost.errors import MbcostError, suggest
from mbcost.network import Network, build_network
from mbcost.plan import resolve_resolution
from mbcost.report import Report
from mbcost.spec import Table

AGAINST = ("table", "reference")
FOLD_TOLERANCE = 1e-3  # relative: folding is exact up to float32 rounding through the network


@dataclass(frozen=True)
class Setup:
    """What was measured and how."""

    arch: str
    alpha: float
    resolution: int
    impl: str
    against: str
    runtime: str
    threads: int
    model: str  # how the torch model was built, in words
    versions: dict[str, str]  # runtime package -> version
    folded: int  # BatchNorms folded into convolutions
    allocator: str  # how torch's tensors were allocated (``timing.reuse_freed_memory``)
    clock: str = "wall"  # ``stats.CLOCKS``
    depth: float = 1.0  # the depth multiplier


@dataclass(frozen=True)
class Measurement:
    """A bench result: whole-model latency and, where measurable, each engine row's (seconds)."""

    setup: Setup
    machine: Machine
    report: Report  # the engine's rows (paper convention)
    plan: Repeats
    total: Spread
    warmup: int
    stopped: str  # stats.Timings.stopped
    layers: tuple[Spread, ...] | None  # one per report row; None: not measured per layer
    unattributed: Spread | None  # runtime work belonging to no row (ONNX Runtime reorders)
    per_layer_note: str


def bench(
    arch: str | Table,
    alpha: float = 1.0,
    resolution: int | None = None,
    rho: float | None = None,
    impl: str = "paper",
    against: str = "table",
    runtime: str = "torch",
    threads: int = 1,
    plan: Repeats = ADAPTIVE,
    progress: Callable[[float], None] = lambda done: None,
    clock: str = "wall",
    depth: float = 1.0,
) -> Measurement:
    """Measure ``arch`` (a built-in name, or a ``Table`` with ``against="table"``) at batch 1 and
    depth multiplier ``depth``, by ``clock``: ``"wall"`` (latency) or ``"cpu"`` (the calling
    thread's CPU time: torch with one thread only, for a machine shared with other work).

    Raises ``MbcostError`` for bad input, or when the runtime or the reference library is missing.
    """
    if runtime not in RUNTIMES:
        raise suggest(runtime, RUNTIMES, "runtime")
    if against not in AGAINST:
        raise suggest(against, AGAINST, "'against' choice")
    if isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= MAX_THREADS:
        raise MbcostError(f"threads must be an integer from 1 to {MAX_THREADS}, got {threads!r}")
    if clock not in CLOCKS:
        raise suggest(clock, tuple(CLOCKS), "clock")
    if clock == "cpu" and (runtime != "torch" or threads != 1):
        raise MbcostError("the cpu clock times the calling thread: torch with 1 thread only")
    table = get_arch(arch).table if isinstance(arch, str) else arch
    pixels = resolve_resolution(table.resolution, resolution, rho)
    network = build_network(table, alpha, pixels, impl, depth)
    if against == "reference":
        if not isinstance(arch, str):
            raise MbcostError("a user table has no reference model; bench it with --against table")
        from mbcost.verify.reference import find_reference

        ref = find_reference(network)
        require(runtime, ref.package)
        original = ref.build(network.alpha, network.depth)
        description = ref.describe(network.alpha, network.depth)
    else:
        require(runtime)
        from mbcost.verify.build import build_model

        original = build_model(network)
        description = f"generated from mbcost's {table.name} table ({impl} rules)"
    how = (against, runtime, threads, clock)
    return _measure(network, original, description, how, plan, progress)


def _measure(
    network: Network,
    original,
    description: str,
    how: tuple[str, str, int, str],
    plan: Repeats,
    progress: Callable[[float], None],
) -> Measurement:
    """Fold, check the folding, time; ``how``: (against, runtime, threads, clock)."""
    import torch

    from mbcost.bench import model as models
    from mbcost.bench import timing

    against, runtime, threads, clock = how
    models.randomize_norms(original, torch.Generator().manual_seed(0))
    fold = models.table_model if against == "table" else models.deployed
    deployed = fold(original)
    folded = _norms(original) - _norms(deployed)  # a norm that follows no conv stays
    x = torch.randn(1, network.table.in_channels, network.resolution, network.resolution)
    with timing.torch_threads(threads):
        error = models.check_folded(original, deployed, x)
    if not error <= FOLD_TOLERANCE:
        raise MbcostError(
            f"folding BatchNorm changed the model's output (relative difference {error:.2g}); "
            "its layers are not conv-then-norm"
        )
    per_node = against == "table"
    versions = {"torch": torch.__version__.split("+")[0]}
    allocator = "ONNX Runtime arena"
    if runtime == "torch":
        allocator = timing.reuse_freed_memory()
        measured = timing.time_torch(deployed, x, threads, plan, progress, per_node, CLOCKS[clock])
        note = (
            "each row timed on its own, in a pass after each whole-model run"
            if per_node
            else "reference models are timed whole: their modules are not engine rows"
        )
    else:
        import onnxruntime

        versions["onnxruntime"] = onnxruntime.__version__
        exported = timing.export_onnx(deployed, x)
        nodes = len(network.layers) if per_node else 0
        measured = timing.time_onnxruntime(exported, x, threads, plan, progress, nodes)
        note = (
            f"ONNX Runtime's profiler over as many runs again, at most {timing.MAX_PROFILED} "
            "(it adds overhead); a kernel it fuses (a residual add into a conv) counts in the "
            "row that names it"
            if per_node
            else "reference models are timed whole: their nodes are not engine rows"
        )
    setup = Setup(
        network.table.name,
        network.alpha,
        network.resolution,
        network.impl,
        against,
        runtime,
        threads,
        description,
        versions,
        folded,
        allocator,
        clock,
        network.depth,
    )
    layers = None
    if measured.nodes is not None:
        layers = tuple(spread(times) for times in measured.nodes)
    unattributed = spread(measured.unattributed) if measured.unattributed else None
    return Measurement(
        setup,
        this_machine(),
        network.report,
        plan,
        spread(measured.total.samples),
        measured.total.warmup,
        measured.total.stopped,
        layers,
        unattributed,
        note,
    )


def _norms(model) -> int:
    import torch

    return sum(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())
