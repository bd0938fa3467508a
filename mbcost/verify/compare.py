"""Engine vs fvcore: per-layer and per-term checks of one network, as data (``Verification``).

The engine's conv and linear rows (paper convention: MACs = conv/linear term, params = weights +
biases) are aligned in order with the Conv2d/Linear modules fvcore counted. A row matches when its
input and output shapes, MACs and params are equal; the first row where shapes or layers stop lining up
is the *first divergence*, which names the layer to look at; each row's output elements are checked
against fvcore's ``ActivationCountAnalysis`` too. Totals are compared term by term (conv + linear,
BatchNorm, pooling, fvcore's ``total()``, parameters, ``sum(numel)``, activations). A difference is accepted
only for a reference model and only with a known reason (timm's SE pools with ``x.mean``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import zip_longest
from typing import TYPE_CHECKING

from mbcost.layers import Conv2d, Linear, Shape
from mbcost.network import Network
from mbcost.report import Report, Row
from mbcost.roles import Role

if TYPE_CHECKING:  # count.py imports torch
    from mbcost.verify.count import FvcoreCount, ModuleCount

# fvcore's operator names for the engine's cost terms
FVCORE_OPERATORS = {
    "conv": ("conv",),
    "linear": ("linear", "addmm", "mm"),
    "attention": ("matmul", "bmm", "einsum"),  # timm's unfused attention: q @ kᵀ, scores @ v
    "bn": ("batch_norm",),
    "pool": ("adaptive_avg_pool2d",),
}


@dataclass(frozen=True, slots=True)
class Setup:
    """What was verified: the engine's inputs, what it was checked against, and the model's build."""

    arch: str
    alpha: float
    resolution: int
    impl: str
    against: str
    model: str  # how the torch model was made
    depth: float = 1.0


@dataclass(frozen=True, slots=True)
class LayerCheck:
    """One aligned position: the engine's row and fvcore's module (either may be missing)."""

    position: int
    row: Row | None
    module: ModuleCount | None

    @property
    def shapes_match(self) -> bool:
        """Both sides present with the same input and output shapes (a 1-D Linear input matches any
        engine shape with as many elements)."""
        if self.row is None or self.module is None:
            return False
        return _same_shape(self.row.in_shape, self.module.in_shape) and _same_shape(
            self.row.out_shape, self.module.out_shape
        )

    @property
    def problems(self) -> tuple[str, ...]:
        """What differs: ``missing``, ``shape``, ``macs``, ``params``, ``activations`` (output
        elements, against ``ActivationCountAnalysis``); empty when the layer matches."""
        if self.row is None or self.module is None:
            return ("missing",)
        found = [] if self.shapes_match else ["shape"]
        if self.row.macs != self.module.macs:
            found.append("macs")
        if self.row.params != self.module.params:
            found.append("params")
        if self.row.value("activations") != self.module.activations:
            found.append("activations")
        return tuple(found)

    @property
    def match(self) -> bool:
        """No problems."""
        return not self.problems


def _same_shape(engine: Shape, torch_shape: tuple[int, ...]) -> bool:
    if len(torch_shape) == 3:
        return (engine.c, engine.h, engine.w) == torch_shape
    return engine.elements == math.prod(torch_shape)


@dataclass(frozen=True, slots=True)
class TermCheck:
    """One total, engine vs measured on the torch side; ``covers`` names the engine terms it sums
    (empty for whole totals such as fvcore's ``total()``); ``reason`` says why a difference is
    expected, when it is."""

    quantity: str  # "macs", "params" or "activations"
    term: str
    covers: tuple[str, ...]
    engine: int
    measured: int
    reason: str = ""

    @property
    def diff(self) -> int:
        """Engine minus measured."""
        return self.engine - self.measured

    @property
    def status(self) -> str:
        """``match``, ``explained`` (a known, stated reason) or ``mismatch``."""
        if not self.diff:
            return "match"
        return "explained" if self.reason else "mismatch"


@dataclass(frozen=True)
class Verification:
    """The engine's report of one network checked against fvcore's count of one torch model."""

    setup: Setup
    report: Report  # the engine's, paper convention (every term kept)
    layers: tuple[LayerCheck, ...]
    terms: tuple[TermCheck, ...]
    unsupported: Mapping[str, int]

    @property
    def first_divergence(self) -> LayerCheck | None:
        """The first position where the two layer lists stop lining up (shape or a missing side)."""
        return next((c for c in self.layers if not c.shapes_match), None)

    @property
    def layers_ok(self) -> bool:
        """Every conv/linear layer matches exactly."""
        return all(c.match for c in self.layers)

    @property
    def terms_ok(self) -> bool:
        """Every total matches, or differs for a stated reason."""
        return all(t.status != "mismatch" for t in self.terms)

    @property
    def ok(self) -> bool:
        """The verdict: layers and totals agree."""
        return self.layers_ok and self.terms_ok


def compare(network: Network, count: FvcoreCount, setup: Setup) -> Verification:
    """Check ``network`` (the engine) against fvcore's ``count`` of the model described by ``setup``."""
    report = network.report
    rows = [r for r in report.rows if isinstance(r.layer, (Conv2d, Linear))]
    layers = tuple(LayerCheck(i, r, m) for i, (r, m) in enumerate(zip_longest(rows, count.modules)))
    terms = _term_checks(network, report, count, reference=setup.against == "reference")
    return Verification(setup, report, layers, terms, dict(count.unsupported))


def _term_checks(
    network: Network, report: Report, count: FvcoreCount, reference: bool
) -> tuple[TermCheck, ...]:
    """Totals by term: conv + linear, bn and pool MACs against fvcore's operators, fvcore's total(),
    weights + biases, BatchNorm parameters and sum(numel). Only a ``reference`` model may differ,
    and only by a known reason."""
    terms = report.by_term()
    ops = count.by_operator

    def check(quantity: str, covers: tuple[str, ...], measured: int, reason: str = "") -> TermCheck:
        kind = "cost" if quantity == "macs" else "params"
        engine = sum(terms.get(f"{kind}.{t}", 0) for t in covers)
        return TermCheck(quantity, " + ".join(covers), covers, engine, measured, reason)

    def fvcore(*names: str) -> int:
        return sum(ops.get(op, 0) for n in names for op in FVCORE_OPERATORS[n])

    pool_reason = _mean_pool_reason(report, terms.get("cost.pool", 0) - fvcore("pool"))
    if not reference or "aten::mean" not in count.unsupported:
        pool_reason = ""
    checks = [
        check("macs", ("conv", "linear"), fvcore("conv", "linear")),
        check("macs", ("attention",), fvcore("attention")),
        check("macs", ("bn",), fvcore("bn")),
        check("macs", ("pool",), fvcore("pool"), pool_reason),
    ]
    other = sum(v for k, v in ops.items() if not any(k in o for o in FVCORE_OPERATORS.values()))
    if other:
        checks.append(TermCheck("macs", "other fvcore operators", (), 0, other))
    total_reason = pool_reason and "the pooling that fvcore does not count (see pool)"
    checks += [
        TermCheck(
            "macs",
            "fvcore total()",
            (),
            network.under("fvcore").totals.macs,
            count.total,
            total_reason,
        ),
        check("params", ("weight", "bias"), count.params - count.bn_params - count.scale_params),
        check("params", ("bn",), count.bn_params),
        check("params", ("scale",), count.scale_params),
        TermCheck("params", "sum(numel)", (), network.under("torch").totals.params, count.params),
        TermCheck(
            "activations",
            "conv + linear + matmul outputs",
            ("conv", "linear", "attention"),
            report.totals.activations,
            count.activations,
        ),
        TermCheck(
            "memory",
            "tflite peak (elements, traced)",
            (),
            network.peak_elements(),
            count.live_peak,
        ),
    ]
    return tuple(checks)


def _mean_pool_reason(report: Report, missing: int) -> str:
    """Why fvcore counts ``missing`` fewer pooled elements than the engine, when a reference pools
    with ``x.mean()`` (``aten::mean``, which fvcore does not count): timm's SE branches, and
    torchvision's MNASNet head. Empty when no such set of pools accounts for the difference."""
    se = sum(r.cost_terms.get("pool", 0) for r in report.rows if r.role is Role.SE)
    head = sum(r.cost_terms.get("pool", 0) for r in report.rows if r.role is Role.POOL)
    for what, elements in (
        ("SE branches", se),
        ("global pool", head),
        ("SE branches and its global pool", se + head),
    ):
        if missing and missing == elements:
            return (
                f"the reference pools its {what} with x.mean(), which fvcore does not count "
                f"(aten::mean is unsupported): {elements:,} pooled elements"
            )
    return ""
