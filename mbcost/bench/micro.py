"""Micro-benchmarks for calibrating a latency profile: single layers timed on this CPU in torch
eager, each paired with the engine's ``layer_work`` for it, so that a profile fitted to them can be
checked on whole models it never saw.

The layers are built and run exactly as ``mbcost bench`` runs a generated table's nodes (the same
torch modules, BatchNorm folded, one module call timed per run): fused conv + activation
(standard, depthwise, pointwise, grouped), linear, pooling, the residual add, the SE multiply, and
activations alone, at shapes sampled over the ranges MobileNets use (channels 8–1280, feature maps
4–112 and the 96–224 stem input, kernels 3/5/7, strides 1/2). The default run takes well under a
minute. torch is imported inside the functions, after ``mbcost.bench.require()``.

Each case is timed twice, in two companies (``COMPANIES``): among every case of its network stage,
as in a large network, and among at most two neighbours of that stage, as in a small one
whose working set stays in the caches. Each timing carries the bytes its company touches per
round, so that a profile can be fitted with a ``working_set`` (``mbcost.latency.fit_profile``):
what a layer costs more when its network outgrows the caches.

A single layer's benchmark times its module call only. In a network, the executor that runs the
nodes (``mbcost.bench.model.NodeModel``) also spends time of its own on every node, between the
calls: gathering its inputs, storing its output, releasing what no later node reads.
``time_executor`` measures that time on a chain of trivial nodes, and ``in_network`` adds it to
every layer's time, so that a profile's fixed cost per layer is what a layer costs in a whole
model, as it is for a profile fitted to whole-model latencies.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from mbcost.bench import require
from mbcost.bench.stats import spread
from mbcost.errors import MbcostError
from mbcost.latency import LayerWork, layer_work
from mbcost.layers import Add, Conv2d, Layer, Linear, Mul, Pool, Shape
from mbcost.memory import DTYPES

# Feature-map size -> the channel range MobileNets use at that size (V1/V2/V3 at α 0.35–1.4; the
# last stage is 4x4 at a 128-pixel input).
CHANNELS = {112: (8, 96), 56: (16, 192), 28: (24, 384), 14: (48, 960), 7: (96, 1280), 4: (96, 1280)}
SIZES = tuple(CHANNELS)
ACTS = ("relu", "relu6", "hswish", "none")
MAX_MACS = 120_000_000  # keeps each sample to a few milliseconds
SEED = 0
EXECUTOR_NODES = 64  # the chain ``time_executor`` runs
COMPANIES = ("stage", "neighbours")  # whom a case is timed among (``time_cases``)
NEIGHBOURS = 3  # cases per group in the "neighbours" company


class Case(NamedTuple):
    """One micro-benchmark: a layer (or an activation alone, ``layer`` None) on its inputs."""

    label: str
    layer: Layer | None
    inputs: tuple[Shape, ...]
    act: str = "none"  # the activation of an activation-alone case

    @property
    def work(self) -> LayerWork:
        """What the layer asks of a device (``mbcost.latency.layer_work``)."""
        if self.layer is None:  # an activation on its own: one pass over the tensor
            n = self.inputs[0].elements
            return LayerWork("activation", 0, n, n, 0, {self.act: n})
        x = self.inputs if len(self.inputs) > 1 else self.inputs[0]
        return layer_work(self.layer, x, self.out_shape)

    @property
    def bytes(self) -> int:
        """What one call touches: its inputs, output and weights."""
        w = self.work
        return (w.in_elements + w.out_elements + w.weight_elements) * DTYPES["float32"]

    @property
    def out_shape(self) -> Shape:
        """The output feature map."""
        x = self.inputs[0]
        if self.layer is None or isinstance(self.layer, (Add, Mul)):
            return x
        if isinstance(self.layer, Linear):
            return Shape(self.layer.out_f, 1, 1)
        return self.layer.out_shape(x)  # a conv or a pool


def cases(seed: int = SEED, scale: float = 1.0) -> list[Case]:
    """The default micro-benchmarks (``scale`` multiplies how many of each), drawn reproducibly."""
    rng = random.Random(seed)

    def n(count: int) -> int:
        return max(1, round(count * scale))

    def width(size: int, low: int | None = None) -> int:
        lo, hi = CHANNELS[size]
        lo = max(lo, low or lo)
        c = math.exp(rng.uniform(math.log(lo), math.log(hi)))
        return max(8, 8 * round(c / 8))

    out: list[Case] = []

    def conv(kind: str, c_in: int, c_out: int, k: int, s: int, size: int, act: str) -> None:
        groups = c_in if kind == "depthwise" else (2 if kind == "grouped" else 1)
        layer = Conv2d(c_in, c_out, k, s, groups, act=act)
        x = Shape(c_in, size, size)
        if layer.macs(layer.out_shape(x)) <= MAX_MACS:
            out.append(Case(f"{kind} {k}x{k}/{s} {x}->{c_out} {act}", layer, (x,)))

    for _ in range(n(40)):  # pointwise: expansions, projections, heads
        size = rng.choice(SIZES)
        conv("pointwise", width(size), width(size), 1, 1, size, rng.choice(ACTS))
    for _ in range(n(14)):  # pointwise on 1x1: the SE reduce / expand convs
        c = width(7)
        conv("pointwise", c, max(8, 8 * round(c / 32)), 1, 1, 1, rng.choice(("relu", "hsigmoid")))
    for _ in range(n(36)):  # depthwise
        size = rng.choice(SIZES)
        c = width(size)
        k = rng.choice((3, 3, 5, 5, 7))
        stride = rng.choice((1, 1, 2))
        conv("depthwise", c, c, k, stride, size, rng.choice(ACTS))
    for _ in range(n(6)):  # the stem: 3 channels in at the input resolution
        size = rng.choice((96, 128, 160, 192, 224))
        conv("standard", 3, rng.choice((16, 24, 32, 48)), 3, 2, size, rng.choice(ACTS[:3]))
    for _ in range(n(6)):  # standard 3x3 convs inside a network
        size = rng.choice((14, 28, 56))
        conv("standard", width(size), width(size), 3, rng.choice((1, 2)), size, "relu")
    for _ in range(n(3)):  # grouped: cheap, for the shared dense rate
        size = rng.choice((14, 28))
        conv("grouped", width(size, 32), width(size, 32), 3, 1, size, "relu")
    for _ in range(n(5)):  # classifiers and the V3 head's linear layers
        c_in, c_out = rng.choice((576, 960, 1024, 1280)), rng.choice((1000, 1024, 1280))
        out.append(Case(f"linear {c_in}->{c_out}", Linear(c_in, c_out), (Shape(c_in, 1, 1),)))
    for _ in range(n(6)):  # global average pools (the head, every SE squeeze)
        size = rng.choice(SIZES)
        x = Shape(width(size), size, size)
        out.append(Case(f"pool {x}", Pool("avg"), (x,)))
    for _ in range(n(6)):  # residual adds
        size = rng.choice(SIZES)
        x = Shape(width(size), size, size)
        out.append(Case(f"add {x}", Add(), (x, x)))
    for _ in range(n(6)):  # SE multiplies
        size = rng.choice(SIZES[1:])
        x = Shape(width(size), size, size)
        out.append(Case(f"mul {x}", Mul(), (x, Shape(x.c, 1, 1))))
    for _ in range(n(2)):  # activations alone, each at least twice (a fit prices each one)
        for act in ("relu", "relu6", "hswish", "hsigmoid"):
            size = rng.choice(SIZES)
            x = Shape(width(size), size, size)
            out.append(Case(f"{act} {x}", None, (x,), act))
    return out


class Timed(NamedTuple):
    """A case, its median seconds, and the bytes its company touched between two of its calls."""

    case: Case
    seconds: float
    company_bytes: int


def stage(case: Case) -> int:
    """The feature-map size of the network stage a case would run in: its input's, the stem's
    (the 96–224 network input) the first stage's, and a 1x1 input's (an SE conv, a classifier)
    the last stage's."""
    h = case.inputs[0].h
    if h in CHANNELS:
        return h
    return min(SIZES) if h == 1 else max(SIZES)


def companies(chosen: Sequence[Case], company: str = "stage") -> list[list[int]]:
    """The groups of ``chosen`` (indices) that are timed together: each ``stage``'s cases, or, for
    ``"neighbours"``, each stage's cases in runs of ``NEIGHBOURS``."""
    if company not in COMPANIES:
        raise MbcostError(f"company must be one of {', '.join(COMPANIES)}, got {company!r}")
    stages: dict[int, list[int]] = {}
    for i, case in enumerate(chosen):
        stages.setdefault(stage(case), []).append(i)
    if company == "stage":
        return list(stages.values())
    return [m[j : j + NEIGHBOURS] for m in stages.values() for j in range(0, len(m), NEIGHBOURS)]


def time_cases(
    chosen: Sequence[Case],
    threads: int = 1,
    repeats: int = 20,
    progress: Callable[[float], None] | None = None,
    clock: Callable[[], float] = time.perf_counter,
    company: str = "stage",
) -> list[Timed]:
    """Each case's median over ``repeats`` timed module calls. The cases of one group of
    ``companies`` are timed together, in turn (one call of each per round, after a warm-up
    round), one group after another: as in a network, each call follows other layers of its
    stage, which have replaced its weights in the caches since its last call, and it finds its
    inputs as just written (each is rewritten in place, untimed, before the call). Taken in turn
    with every other case, a 7x7 layer would follow 112x112 ones, whose working set no layer of a
    7x7 stage meets: V3-Large's own depthwise layers took 1.55x as long among the default cases
    as among each other, which is what they take inside the network."""
    require("torch")
    import torch

    from mbcost.bench.timing import reuse_freed_memory, torch_threads

    _check_repeats(repeats)
    groups = companies(chosen, company)
    reuse_freed_memory()
    samples: list[list[float]] = [[] for _ in chosen]
    company_bytes = [0] * len(chosen)
    with torch_threads(threads), torch.inference_mode():
        for done, members in enumerate(groups):
            touched = sum(chosen[i].bytes for i in members)
            for i in members:
                company_bytes[i] = touched
            built = [_torch_case(chosen[i], torch) for i in members]
            for module, args in built:  # warm-up: first calls pick and cache their kernels
                module(*args)
                module(*args)
            for r in range(repeats):
                for (module, args), i in zip(built, members, strict=True):
                    for x in args:  # as if just written by the layer before, as in a network
                        x.mul_(1.0)
                    started = clock()
                    module(*args)
                    samples[i].append(clock() - started)
                if progress:
                    progress((done * repeats + r + 1) / (len(groups) * repeats))
    return [
        Timed(case, spread(times).median, touched)
        for case, times, touched in zip(chosen, samples, company_bytes, strict=True)
    ]


def time_executor(
    threads: int = 1, repeats: int = 20, clock: Callable[[], float] = time.perf_counter
) -> float:
    """Seconds per node that ``NodeModel.forward`` spends outside its nodes' module calls: a chain
    of ``EXECUTOR_NODES`` ReLUs on a 1×8×4×4 tensor run whole (median over ``repeats``), less the
    sum of each node's median as ``timed_forward`` times it — how ``mbcost bench`` times a
    network's rows — divided by the nodes. At least 0."""
    require("torch")
    import torch

    from mbcost.bench.model import NodeModel
    from mbcost.bench.timing import reuse_freed_memory, torch_threads
    from mbcost.plan import NETWORK_INPUT

    _check_repeats(repeats)
    reuse_freed_memory()
    steps = [
        (torch.nn.ReLU(), (NETWORK_INPUT if i == 0 else i - 1,)) for i in range(EXECUTOR_NODES)
    ]
    chain = NodeModel(steps).eval()
    x = torch.randn(1, 8, 4, 4)
    whole: list[float] = []
    nodes: list[list[float]] = [[] for _ in steps]
    scratch = [0.0] * len(steps)
    with torch_threads(threads), torch.inference_mode():
        for r in range(repeats + 1):  # the first run warms up
            started = clock()
            chain(x)
            seconds = clock() - started
            chain.timed_forward(x, scratch, clock)
            if r:
                whole.append(seconds)
                for times, t in zip(nodes, scratch, strict=True):
                    times.append(t)
    called = sum(spread(times).median for times in nodes)
    return max(0.0, (spread(whole).median - called) / EXECUTOR_NODES)


def in_network(timed: Sequence[Timed], node_seconds: float) -> list[tuple[list[LayerWork], float]]:
    """Fit samples (``mbcost.latency.fit_profile``): each case's work (one layer) and its seconds
    in a network, the module call's median plus the executor's ``node_seconds``. Their working
    sets (``fit_profile``'s ``contexts``) are the ``company_bytes``."""
    return [([t.case.work], t.seconds + node_seconds) for t in timed]


class Measured(NamedTuple):
    """The default micro-benchmarks as fit samples, the working set each was timed in, and the
    executor's seconds per node that each sample includes."""

    samples: list[tuple[list[LayerWork], float]]
    contexts: list[int]
    node_seconds: float


def time_companies(
    threads: int = 1,
    repeats: int = 20,
    progress: Callable[[float], None] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> list[Timed]:
    """The default cases timed in each of ``COMPANIES``, one company after the other."""
    timed: list[Timed] = []
    for n, company in enumerate(COMPANIES):

        def part(fraction: float, n: int = n) -> None:
            if progress:
                progress((n + fraction) / len(COMPANIES))

        timed += time_cases(cases(), threads, repeats, part, clock, company)
    return timed


def measure(
    threads: int = 1, repeats: int = 20, progress: Callable[[float], None] | None = None
) -> Measured:
    """The default micro-benchmarks in each company and the executor's time per node on this CPU,
    as ``mbcost.latency.fit_profile`` takes them. ``progress(fraction)`` after each round.
    An activation alone is ``LayerWork("activation", 0, n, n, 0, {act: n})``: no MACs, one pass."""
    timed = time_companies(threads, repeats, progress)
    node_seconds = time_executor(threads, repeats)
    samples = in_network(timed, node_seconds)
    return Measured(samples, [t.company_bytes for t in timed], node_seconds)


def _check_repeats(repeats: object) -> None:
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise MbcostError(f"repeats must be a positive integer, got {repeats!r}")


def _torch_case(case: Case, torch: Any) -> tuple[Any, list[Any]]:
    """The module ``mbcost bench`` would run for the case's layer, and random inputs."""
    from mbcost.bench.model import deployed
    from mbcost.verify.build import ACTIVATIONS, _layer_module  # the module a table row becomes

    args = [torch.randn(1, s.c, s.h, s.w) for s in case.inputs]
    if case.layer is None:
        return ACTIVATIONS[case.act]().eval(), args
    placed = _Placed(case.layer, case.inputs[0])
    return deployed(_layer_module(placed)), args  # type: ignore[arg-type]


class _Placed(NamedTuple):
    """What ``mbcost.verify.build`` reads of a report row: its layer and first input."""

    layer: Layer
    in_shape: Shape
