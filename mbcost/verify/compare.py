"""Engine vs fvcore: per-layer and per-term checks of one network, as data (``Verification``).

The engine's conv and linear rows (paper convention: MACs = conv/linear term, params = weights +
biases) are aligned in order with the Conv2d/Linear modules fvcore counted. A row matches when its
input and output shapes, MACs and params are equal; the first row where shapes or layers stop lining up
is the *first divergence*, which names the layer to look at. Totals are compared term by term (conv +
linear, BatchNorm, pooling, fvcore's ``total()``, parameters, ``sum(numel)``). A difference is accepted
only for a reference model and only with a known reason (timm's SE pools with ``x.mean``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from mbcost.archs import get_arch
from mbcost.errors import MbcostError, suggest
from mbcost.layers import Pool, Shape
from mbcost.network import Network, build_network, resolve_resolution
from mbcost.report import Report, Row, make_report
from mbcost.roles import Role
from mbcost.spec import Table

AGAINST = ("reference", "table")

# fvcore's operator names for the engine's cost terms
FVCORE_OPERATORS = {"conv": ("conv",), "linear": ("linear", "addmm", "matmul", "mm"),
                    "bn": ("batch_norm",), "pool": ("adaptive_avg_pool2d",)}


@dataclass(frozen=True, slots=True)
class Setup:
    """What was verified: the engine's inputs, what it was checked against, and the model's build."""

    arch: str
    alpha: float
    resolution: int
    impl: str
    against: str
    model: str  # how the torch model was made


@dataclass(frozen=True, slots=True)
class LayerCheck:
    """One aligned position: the engine's row and fvcore's module (either may be missing)."""

    position: int
    row: Row | None
    module: Any  # count.ModuleCount | None (count.py imports torch)

    @property
    def shapes_match(self) -> bool:
        """Both sides present with the same input and output shapes (a 1-D Linear input matches any
        engine shape with as many elements)."""
        if self.row is None or self.module is None:
            return False
        return (_same_shape(self.row.in_shape, self.module.in_shape)
                and _same_shape(self.row.out_shape, self.module.out_shape))

    @property
    def problems(self) -> tuple[str, ...]:
        """What differs: ``missing``, ``shape``, ``macs``, ``params``; empty when the layer matches."""
        if self.row is None or self.module is None:
            return ("missing",)
        found = [] if self.shapes_match else ["shape"]
        if self.row.macs != self.module.macs:
            found.append("macs")
        if self.row.params != self.module.params:
            found.append("params")
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
    """One total, engine vs fvcore/torch; ``reason`` says why a difference is expected, if it is."""

    quantity: str  # "macs" or "params"
    term: str
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


def compare(network: Network, count: Any, setup: Setup) -> Verification:
    """Check ``network`` (the engine) against ``count`` (a ``count.FvcoreCount``)."""
    report = make_report(network, "paper")
    rows = [r for r in report.rows if not isinstance(r.layer, Pool)]
    modules = list(count.modules)
    size = max(len(rows), len(modules))
    rows += [None] * (size - len(rows))
    modules += [None] * (size - len(modules))
    layers = tuple(LayerCheck(i, r, m) for i, (r, m) in enumerate(zip(rows, modules)))
    terms = _term_checks(network, report, count, explain=setup.against == "reference")
    return Verification(setup, report, layers, terms, dict(count.unsupported))


def _term_checks(network: Network, report: Report, count: Any, explain: bool) -> tuple[TermCheck, ...]:
    terms = report.by_term()
    ops = count.by_operator

    def engine(*names: str, kind: str = "cost") -> int:
        return sum(terms.get(f"{kind}.{n}", 0) for n in names)

    def fvcore(*names: str) -> int:
        return sum(ops.get(op, 0) for n in names for op in FVCORE_OPERATORS[n])

    other = sum(v for k, v in ops.items()
                if not any(k in o for o in FVCORE_OPERATORS.values()))
    se_pool = sum(r.cost_terms.get("pool", 0) for r in report.rows if r.role is Role.SE)
    pool_reason = ""
    if explain and se_pool and "aten::mean" in count.unsupported and (
            engine("pool") - fvcore("pool") == se_pool):
        pool_reason = (f"the reference pools its SE branches with x.mean(), which fvcore does not count "
                       f"(aten::mean is unsupported): {se_pool:,} SE-pooled elements")
    bn_params = count.bn_params
    checks = [
        TermCheck("macs", "conv + linear", engine("conv", "linear"), fvcore("conv", "linear")),
        TermCheck("macs", "bn", engine("bn"), fvcore("bn")),
        TermCheck("macs", "pool", engine("pool"), fvcore("pool"), pool_reason),
    ]
    if other:
        checks.append(TermCheck("macs", "other fvcore operators", 0, other))
    checks.append(TermCheck("macs", "fvcore total()", make_report(network, "fvcore").totals.macs,
                            count.total, pool_reason))
    checks += [
        TermCheck("params", "weight + bias", engine("weight", "bias", kind="params"),
                  count.params - bn_params),
        TermCheck("params", "bn", engine("bn", kind="params"), bn_params),
        TermCheck("params", "sum(numel)", make_report(network, "torch").totals.params, count.params),
    ]
    return tuple(checks)


def verify(arch: str | Table, alpha: float = 1.0, resolution: int | None = None,
           rho: float | None = None, impl: str = "paper", against: str = "reference",
           counts: MutableMapping | None = None) -> Verification:
    """Verify the engine on ``arch`` (a built-in name, or a ``Table`` with ``against="table"``).

    ``against="reference"``: the torchvision/timm model of the arch at width ``alpha``;
    ``against="table"``: a torch model generated from the engine's own expanded table. ``counts`` is an
    optional cache of fvcore results (keyed by what was built), for running many configurations.
    Raises ``MbcostError`` for bad input or when torch, fvcore or the reference library is missing.
    """
    from mbcost.verify import require_torch

    if against not in AGAINST:
        raise suggest(against, AGAINST, "'against' choice")
    table = get_arch(arch).table if isinstance(arch, str) else arch
    pixels = resolve_resolution(table.resolution, resolution, rho)
    network = build_network(table, alpha, pixels, impl)
    if against == "table":
        require_torch()
        key: tuple = ("table", network.units, pixels, table.in_channels)
        model = f"generated from mbcost's {table.name} table ({impl} rules)"

        def build() -> Any:
            from mbcost.verify.build import build_model

            return build_model(network)
    else:
        if not isinstance(arch, str):
            raise MbcostError("a user table has no reference model; verify it with --against table")
        from mbcost.verify.reference import find_reference

        ref = find_reference(network)
        require_torch(ref.package)
        key = ("reference", ref.arch, ref.impl, network.alpha, pixels)
        model = ref.describe(network.alpha)
        if ref.impl != impl:
            model += f" (its layers equal the {impl} rules' here)"

        def build() -> Any:
            return ref.build(network.alpha)

    if counts is not None and key in counts:
        result = counts[key]
    else:
        from mbcost.verify.count import count_with_fvcore

        result = count_with_fvcore(build(), pixels, table.in_channels)
        if counts is not None:
            counts[key] = result
    return compare(network, result, Setup(table.name, network.alpha, pixels, impl, against, model))
