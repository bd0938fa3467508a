"""Fitting a device profile to measured latencies: whole models (a CSV of measurements) or single
layers (micro-benchmarks).

The model is linear in its parameters once each layer's bound is fixed: seconds per MAC of each
rate group, seconds per byte (1 / bandwidth), seconds per layer of each kernel group, and — when
fitted — seconds per weight byte streamed apart and per element of each element-wise
operation. The ``max`` of the roofline makes it nonlinear, so the fit alternates: fix every
layer's bound (compute or memory), solve the linear terms by non-negative least squares on
relative errors, re-decide the bounds from the solution, and repeat until the bounds stop
changing; the round with the lowest error of the true (``max``) model is kept.

Few parameters, tied where physics ties them (``DEFAULT_RATE_GROUPS``: every dense GEMM-like kind
shares one rate, depthwise has its own), so that a profile fitted on one family carries over to
others. With ``elementwise="tied"`` (a runtime that fuses like TF-Lite) ReLU/ReLU6 cost nothing
past their conv, the traffic of adds, SE multiplies and pools is their own layer's roofline, and
any other activation is one unfused pass over its tensor (read and write: ``2 · bytes / bandwidth``
per element); with ``"fitted"`` every element-wise operation in the samples gets a free cost.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import NamedTuple

from mbcost.errors import MbcostError
from mbcost.fields import ACTIVATIONS
from mbcost.latency.nnls import nnls
from mbcost.latency.profile import (
    Profile,
    WorkingSet,
    network_bytes,
    total_seconds,
    working_set_share,
)
from mbcost.latency.work import LayerWork
from mbcost.memory import DTYPES

DEFAULT_RATE_GROUPS: Mapping[str, str] = {
    "standard": "dense",
    "pointwise": "dense",
    "grouped": "dense",
    "linear": "dense",
    "matmul": "dense",
    "attention": "dense",
    "depthwise": "dense",  # the same multiply-add units: depthwise differs in its memory ceiling
}
# Depthwise convs reuse each input element only k² times and do not run as a GEMM: their time is
# bound by moving data through the caches, at a ceiling of their own.
DEFAULT_MEMORY_GROUPS: Mapping[str, str] = {"depthwise": "depthwise"}
# single-layer benchmarks tell every conv kind apart; GEMM-like layers share the pointwise rate
MICRO_RATE_GROUPS: Mapping[str, str] = {
    "standard": "standard",
    "pointwise": "pointwise",
    "grouped": "grouped",
    "depthwise": "depthwise",
    "linear": "linear",
    "matmul": "pointwise",
    "attention": "pointwise",
}  # with DEFAULT_MEMORY_GROUPS: depthwise has a rate and a memory ceiling of its own
# Torch eager's fixed cost per call differs by kind by over 10x (depthwise convs take a slower
# path than GEMMs, the stem's 3-channel conv and the classifier's GEMV others, an adaptive pool
# another, adds and multiplies a faster one): single-layer benchmarks tell them apart.
MICRO_KERNEL_GROUPS: Mapping[str, str] = {
    "depthwise": "depthwise",
    "standard": "standard",
    "linear": "linear",
    "add": "elementwise",
    "mul": "elementwise",
    "pool": "pool",
    "activation": "elementwise",
    "softmax": "elementwise",
}  # the other kinds (pointwise, grouped, matmul) share "kernel"
WEIGHTS = "weight bandwidth"  # the column of seconds per weight byte streamed apart
# the working-set columns: seconds per layer, per weight byte, per activation byte, each times the
# sample's share ``bytes / (bytes + cache)``
COLD = ("working-set kernel", "working-set weights", "working-set activations")
CACHE_MB = (1, 2, 4, 8, 16, 32, 64)  # the cache sizes a working-set fit tries
FUSED = frozenset({"relu", "relu6", "add", "mul", "pool"})  # nothing past the layer's own roofline
ELEMENTWISE_MODES = ("tied", "fitted")
SIGNIFICANT = 4  # digits kept of each fitted number
MAX_ROUNDS = 50

Sample = tuple[Sequence[LayerWork], float]


class SampleFit(NamedTuple):
    """One measurement against the fitted profile, and against a profile fitted without it."""

    label: str
    measured: float  # seconds
    predicted: float
    loo_predicted: float | None  # None when leave-one-out was not run

    @property
    def residual(self) -> float:
        """Predicted minus measured, seconds."""
        return self.predicted - self.measured

    @property
    def error(self) -> float:
        """Relative error of the fit (0.05 = 5 % slow)."""
        return self.residual / self.measured

    @property
    def loo_error(self) -> float | None:
        """Relative error of the profile fitted on every other sample."""
        if self.loo_predicted is None:
            return None
        return (self.loo_predicted - self.measured) / self.measured


class FitReport(NamedTuple):
    """How well a fitted profile reproduces its samples: per sample and in summary."""

    samples: tuple[SampleFit, ...]
    parameters: tuple[str, ...]  # the free parameters
    rounds: int  # alternating rounds until the bounds settled

    @property
    def median_error(self) -> float:
        """Median |relative error| of the fit."""
        return statistics.median(abs(s.error) for s in self.samples)

    @property
    def max_error(self) -> float:
        """Largest |relative error| of the fit."""
        return max(abs(s.error) for s in self.samples)

    @property
    def loo_median_error(self) -> float | None:
        """Median |leave-one-out relative error|."""
        errors = [abs(s.loo_error) for s in self.samples if s.loo_error is not None]
        return statistics.median(errors) if errors else None

    @property
    def loo_max_error(self) -> float | None:
        """Largest |leave-one-out relative error|."""
        errors = [abs(s.loo_error) for s in self.samples if s.loo_error is not None]
        return max(errors) if errors else None


class _Layer(NamedTuple):
    """One layer as the design sees it: the columns it feeds and by how much."""

    rate: int  # column of its rate group (-1: no MACs)
    macs: int
    memory: int  # column of its memory ceiling
    moved: int  # bytes
    fixed: tuple[tuple[int, float], ...]  # (column, amount) whatever its bound: kernel, ops


class _Design(NamedTuple):
    """The parameters (``columns``) and every sample's layers in terms of them."""

    columns: tuple[str, ...]
    samples: tuple[tuple[tuple[_Layer, ...], float], ...]
    fitted_ops: frozenset[str]

    def row(self, i: int, bounds: Sequence[bool]) -> list[float]:
        """Sample ``i``'s amounts per column under ``bounds`` (True: compute-bound)."""
        row = [0.0] * len(self.columns)
        for layer, compute in zip(self.samples[i][0], bounds, strict=True):
            if compute:
                row[layer.rate] += layer.macs
            else:
                row[layer.memory] += layer.moved
            for column, amount in layer.fixed:
                row[column] += amount
        return row

    def bounds(self, i: int, x: Sequence[float]) -> list[bool]:
        """Which of sample ``i``'s layers are compute-bound under parameters ``x``."""
        return [
            layer.macs > 0 and layer.macs * x[layer.rate] >= layer.moved * x[layer.memory]
            for layer in self.samples[i][0]
        ]

    def subset(self, keep: Sequence[int]) -> _Design:
        """The design of some of the samples."""
        return self._replace(samples=tuple(self.samples[i] for i in keep))


def fit_profile(
    samples: Sequence[Sample],
    *,
    name: str,
    description: str,
    source: str,
    dtype: str,
    labels: Sequence[str] | None = None,
    rate_groups: Mapping[str, str] = DEFAULT_RATE_GROUPS,
    memory_groups: Mapping[str, str] = DEFAULT_MEMORY_GROUPS,
    kernel_groups: Mapping[str, str] = MappingProxyType({}),
    weight_bandwidth: bool = False,
    elementwise: str = "tied",
    working_set: bool = False,
    contexts: Sequence[float] | None = None,
    leave_one_out: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Profile, FitReport]:
    """A profile fitted to ``samples`` (each: the layers of one measurement and its seconds), and
    the fit's report with each sample's leave-one-out prediction. ``rate_groups`` ties the compute
    rates of layer kinds; ``memory_groups`` gives kinds a memory ceiling of their own (the other
    kinds share ``bandwidth``); ``kernel_groups`` gives kinds a fixed cost of their own (the others
    share ``kernel``); ``weight_bandwidth`` streams weights apart at a bandwidth of their own.
    ``working_set`` fits the profile's ``working_set`` too: each sample's layers pay
    ``bytes / (bytes + cache)`` of a cost per layer, per weight byte and per activation byte, where
    ``bytes`` is the sample's entry in ``contexts`` (the working set it was measured in: the bytes
    touched between two calls of the same layer) or, without ``contexts``, its layers' bytes as
    one network (``network_bytes``); the cache is the one of ``CACHE_MB`` that fits best, kept
    for the leave-one-out fits.
    ``progress(done, total)`` after each leave-one-out fit (one per sample, from the full fit's
    bounds: they take most of the time, about 0.1 s each for a micro-benchmark fit)."""
    if not samples:
        raise MbcostError("calibration needs at least one measurement")
    if dtype not in DTYPES:
        raise MbcostError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    if elementwise not in ELEMENTWISE_MODES:
        raise MbcostError(f"elementwise must be one of {', '.join(ELEMENTWISE_MODES)}")
    for _, seconds in samples:
        if not (isinstance(seconds, (int, float)) and math.isfinite(seconds) and seconds > 0):
            raise MbcostError(f"a measured time must be a positive number, got {seconds!r}")
    labels = list(labels) if labels is not None else [f"#{i + 1}" for i in range(len(samples))]
    b = DTYPES[dtype]
    if contexts is None:
        contexts = [network_bytes(works, b) for works, _ in samples]
    elif len(contexts) != len(samples):
        raise MbcostError(f"{len(contexts)} working sets given for {len(samples)} measurements")
    groups = (rate_groups, memory_groups, kernel_groups)

    def design_for(cache_mb: float | None) -> _Design:
        shares = None if cache_mb is None else [working_set_share(c, cache_mb) for c in contexts]
        return _design(samples, *groups, weight_bandwidth, elementwise, b, shares)

    caches: tuple[float | None, ...] = CACHE_MB if working_set else (None,)
    designs = {c: design_for(c) for c in caches}
    columns = designs[caches[0]].columns  # the same for every cache
    if len(samples) < len(columns):
        raise MbcostError(
            f"{len(samples)} measurements cannot fit {len(columns)} parameters "
            f"({', '.join(columns)})"
        )
    best = None  # (squared relative error, cache, design, parameters, rounds)
    for c, d in designs.items():
        x, error, rounds = _alternating(d)
        if best is None or error < best[0]:
            best = (error, c, d, x, rounds)
    assert best is not None
    _, cache, design, x, rounds = best
    meta = (name, description, source, dtype, cache)
    profile = _profile(design, x, *groups, samples, *meta)
    loo: list[float | None] = [None] * len(samples)
    if leave_one_out and len(samples) > len(design.columns):
        for i in range(len(samples)):
            keep = [j for j in range(len(samples)) if j != i]
            rest = [samples[j] for j in keep]
            held_out = _profile(design, _held_out(design, keep, x), *groups, rest, *meta)
            loo[i] = total_seconds(held_out, samples[i][0], contexts[i])
            if progress:
                progress(i + 1, len(samples))
    report = FitReport(
        tuple(
            SampleFit(label, seconds, total_seconds(profile, works, context), loo_s)
            for label, (works, seconds), context, loo_s in zip(
                labels, samples, contexts, loo, strict=True
            )
        ),
        design.columns,
        rounds,
    )
    return profile._replace(fit=_fit_summary(report, elementwise)), report


def _design(
    samples: Sequence[Sample],
    rate_groups: Mapping[str, str],
    memory_groups: Mapping[str, str],
    kernel_groups: Mapping[str, str],
    weight_bandwidth: bool,
    elementwise: str,
    b: int,
    shares: Sequence[float] | None = None,
) -> _Design:
    """The design of ``samples``; with ``shares`` (one per sample: ``WorkingSet.share`` of the
    working set it was measured in) also the working-set columns ``COLD``."""
    rates: list[str] = []
    memories: list[str] = []
    kernels: list[str] = []
    ops: list[str] = []
    for works, _ in samples:
        for w in works:
            if w.macs:
                if w.kind not in rate_groups:
                    raise MbcostError(
                        f"no rate group for {w.kind} layers (groups: "
                        f"{', '.join(f'{k}={v}' for k, v in rate_groups.items())})"
                    )
                rates.append(rate_groups[w.kind])
            if w.kind in memory_groups:
                memories.append(f"{memory_groups[w.kind]} bandwidth")
            if w.kind in kernel_groups:
                kernels.append(f"{kernel_groups[w.kind]} kernel")
            ops.extend(w.elementwise)
    fitted = sorted(dict.fromkeys(ops)) if elementwise == "fitted" else []
    columns = (
        *sorted(dict.fromkeys(rates)),
        "bandwidth",
        *sorted(dict.fromkeys(memories)),
        "kernel",
        *sorted(dict.fromkeys(kernels)),
        *([WEIGHTS] if weight_bandwidth else []),
        *fitted,
        *(COLD if shares is not None else ()),
    )
    index = {c: i for i, c in enumerate(columns)}
    bandwidth, kernel = index["bandwidth"], index["kernel"]

    def layer(w: LayerWork, share: float) -> _Layer:
        fixed: list[tuple[int, float]] = [
            (index.get(f"{kernel_groups.get(w.kind)} kernel", kernel), 1.0)
        ]
        weight_bytes = w.weight_elements * b
        if weight_bandwidth:
            fixed.append((index[WEIGHTS], float(weight_bytes)))
            weight_bytes = 0
        for op, n in w.elementwise.items():
            if op in index:
                fixed.append((index[op], float(n)))
            elif op not in FUSED:
                fixed.append((bandwidth, 2.0 * b * n))  # one unfused read-and-write pass
        memory = index.get(f"{memory_groups.get(w.kind)} bandwidth", bandwidth)
        rate = index[rate_groups[w.kind]] if w.macs else -1
        moved = (w.in_elements + w.out_elements) * b + weight_bytes
        if shares is not None and share:
            activations = (w.in_elements + w.out_elements) * b
            amounts = (1.0, float(w.weight_elements * b), float(activations))
            fixed += [(index[c], share * a) for c, a in zip(COLD, amounts, strict=True)]
        return _Layer(rate, w.macs, memory, moved, tuple(fixed))

    per_sample = shares if shares is not None else [0.0] * len(samples)
    laid_out = tuple(
        (tuple(layer(w, share) for w in works), seconds)
        for (works, seconds), share in zip(samples, per_sample, strict=True)
    )
    return _Design(columns, laid_out, frozenset(fitted))


START_BANDWIDTHS = (0.5, 1, 2, 4, 8, 16, 32, 64)  # GB/s


def _alternating(design: _Design) -> tuple[list[float], float, int]:
    """The parameters whose ``max`` model has the least squared relative error over alternating
    runs from several starts, that error, and the rounds the best run took. The starts: every
    layer with MACs compute-bound; every layer memory-bound; and the bounds that each memory
    ceiling, and all of them together, at each of ``START_BANDWIDTHS`` give beside the
    all-compute solution — an alternating run only finds the nearest consistent set of bounds,
    so it needs starts on both sides of each ceiling."""
    n = len(design.samples)
    compute_first = [[layer.macs > 0 for layer in layers] for layers, _ in design.samples]
    x0, error0, rounds0 = _run(design, compute_first)
    starts = [[[False] * len(layers) for layers, _ in design.samples]]
    memory_columns = [
        i for i, c in enumerate(design.columns) if c.endswith("bandwidth") and c != WEIGHTS
    ]
    chosen = [[c] for c in memory_columns] + ([memory_columns] if len(memory_columns) > 1 else [])
    for columns in chosen:
        for gbs in START_BANDWIDTHS:
            x = list(x0)
            for column in columns:
                x[column] = 1e-9 / gbs
            starts.append([design.bounds(i, x) for i in range(n)])
    best = (x0, error0, rounds0)
    for bounds in starts:
        run = _run(design, bounds)
        if run[1] < best[1]:
            best = run
    return best


def _held_out(design: _Design, keep: Sequence[int], x: Sequence[float]) -> list[float]:
    """The parameters fitted to the samples ``keep`` only, alternating from the bounds that the
    full fit's parameters ``x`` give them: leaving one sample out moves the fit a little, so one
    run from there stands for every start of ``_alternating`` at a fraction of the time (the
    built-in ``pixel1`` profile's leave-one-out errors are the same either way)."""
    kept = design.subset(keep)
    return _run(kept, [kept.bounds(i, x) for i in range(len(keep))])[0]


def _run(design: _Design, bounds: list[list[bool]]) -> tuple[list[float], float, int]:
    """Alternate from ``bounds``: (best parameters, their squared relative error, rounds)."""
    n = len(design.samples)
    best: tuple[list[float], float] | None = None
    seen: list[list[list[bool]]] = []
    rounds = 0
    for rounds in range(1, MAX_ROUNDS + 1):  # noqa: B007 - reported
        a = [[v / design.samples[i][1] for v in design.row(i, bounds[i])] for i in range(n)]
        x = nnls(a, [1.0] * n)
        new_bounds = [design.bounds(i, x) for i in range(n)]
        error = sum(
            (sum(v * xj for v, xj in zip(design.row(i, new_bounds[i]), x, strict=True))
             / design.samples[i][1] - 1) ** 2
            for i in range(n)
        )  # fmt: skip
        if best is None or error < best[1]:
            best = (x, error)
        if new_bounds == bounds or new_bounds in seen:
            break
        seen.append(bounds)
        bounds = new_bounds
    assert best is not None
    return best[0], best[1], rounds


def _round(value: float) -> float:
    if value == 0 or math.isinf(value):
        return value
    return float(f"{value:.{SIGNIFICANT}g}")


def _profile(
    design: _Design,
    x: Sequence[float],
    rate_groups: Mapping[str, str],
    memory_groups: Mapping[str, str],
    kernel_groups: Mapping[str, str],
    samples: Sequence[Sample],
    name: str,
    description: str,
    source: str,
    dtype: str,
    cache_mb: float | None,
) -> Profile:
    value = dict(zip(design.columns, x, strict=True))

    def per_second(per_unit: float) -> float:  # seconds per MAC or per byte -> G per second
        return math.inf if per_unit <= 0 else _round(1e-9 / per_unit)

    rates = {k: per_second(value[g]) for k, g in rate_groups.items() if g in value}
    ceilings = {
        k: per_second(value[f"{g} bandwidth"])
        for k, g in memory_groups.items()
        if f"{g} bandwidth" in value
    }
    kernels = {
        k: _round(value[f"{g} kernel"] * 1e6)
        for k, g in kernel_groups.items()
        if f"{g} kernel" in value
    }
    pass_ns = 2 * DTYPES[dtype] * value["bandwidth"] * 1e9
    ops = [a for a in ACTIVATIONS if a != "none"] + ["add", "mul", "pool"]
    ops += [op for works, _ in samples for w in works for op in w.elementwise]
    elements = {}
    for op in dict.fromkeys(ops):
        if op in design.fitted_ops:
            elements[op] = _round(value[op] * 1e9)
        else:
            elements[op] = 0.0 if op in FUSED else _round(pass_ns)
    return Profile(
        name,
        description,
        source,
        dtype,
        rates,
        per_second(value["bandwidth"]),
        _round(value["kernel"] * 1e6),
        elements,
        bandwidth_by_kind_gbs=ceilings,
        kernel_us_by_kind=kernels,
        weight_bandwidth_gbs=per_second(value[WEIGHTS]) if WEIGHTS in value else None,
        working_set=None
        if cache_mb is None
        else WorkingSet(
            float(cache_mb),
            _round(value[COLD[0]] * 1e6),
            per_second(value[COLD[1]]),
            per_second(value[COLD[2]]),
        ),
    )


def _fit_summary(report: FitReport, elementwise: str) -> dict[str, object]:
    def percent(v: float | None) -> float | None:
        return None if v is None else round(100 * v, 1)

    return {
        "method": "alternating bounds + non-negative least squares on relative errors",
        "elementwise": elementwise,
        "samples": len(report.samples),
        "free_parameters": len(report.parameters),
        "median_error_percent": percent(report.median_error),
        "max_error_percent": percent(report.max_error),
        "loo_median_error_percent": percent(report.loo_median_error),
        "loo_max_error_percent": percent(report.loo_max_error),
    }
