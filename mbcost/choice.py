"""``mbcost fit``: the most accurate configurations of one or more families under budgets.

Candidates are each family's published configurations (ranked by their published top-1) and, unless
``published_only``, an α × resolution grid ranked by the family's estimated top-1 (``accuracy.py``;
only inside the published range of widths and resolutions, where the fit has evidence). Budgets are
checked against mbcost's exact counts (paper convention and implementation, the models the figures
were measured on), inclusively: V2 1.0-224 is 300,774,272 MACs, over a 300M budget. Peak memory
and weight bytes are counted as ``mbcost sweep`` counts them (``memory.py``), under a dtype and a rule.
A latency budget is checked against the latency predicted on a device profile (``mbcost.latency``).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from mbcost.accuracy import AccuracyFit, Rating, accuracy_fit, default_accuracy, rater
from mbcost.archs import get_arch
from mbcost.errors import MbcostError
from mbcost.memory import DEFAULT_RULE
from mbcost.ranges import parse_values
from mbcost.report import Totals
from mbcost.sweep import SweepPoint, sweep

if TYPE_CHECKING:
    from mbcost.latency.profile import Profile

# The default grid: every 0.05 of width and every 8 pixels inside each family's published range.
ALPHA_STEP, RESOLUTION_STEP = "0.05", "8"


class Budget(NamedTuple):
    """A cost a budget can limit: its name (a candidate's ``cost``), its label, a column header and
    its unit (``count``, ``bytes`` or ``ms``)."""

    name: str
    label: str
    header: str
    unit: str


BUDGETS = {
    b.name: b
    for b in (
        Budget("macs", "MACs", "MACs", "count"),
        Budget("params", "params", "params", "count"),
        Budget("peak_bytes", "peak memory", "peak", "bytes"),
        Budget("weight_bytes", "weights", "weights", "bytes"),
        Budget("latency_ms", "predicted latency", "ms", "ms"),
    )
}


class Candidate(NamedTuple):
    """One configuration of one family, its costs (paper convention; memory under the fit's dtype
    and rule) and what is known of its top-1 (``rating.published`` or ``rating.estimate``)."""

    arch: str
    alpha: float
    resolution: int
    totals: Totals
    peak_bytes: int
    weight_bytes: int
    rating: Rating
    latency_ms: float | None = None  # predicted on the fit's device, when it has one

    @property
    def top1(self) -> float:
        """The top-1 it is ranked by: published where there is one, else estimated."""
        return self.rating.top1  # type: ignore[return-value]  (a candidate always has one)

    def cost(self, name: str) -> int:
        """A cost by its ``BUDGETS`` name."""
        return getattr(self.totals if name in ("macs", "params") else self, name)


class Family(NamedTuple):
    """What was searched in one family: its published configurations, its fit (None: too few
    published points) and the grid the fit rated (None: published points only)."""

    arch: str
    published: int
    fit: AccuracyFit | None
    alphas: tuple[float, ...] | None
    resolutions: tuple[int, ...] | None
    estimated: int  # grid configurations rated by the fit (a published one keeps its figure)
    unrated: int  # grid configurations outside the fit's range (no estimate, not candidates)


class FitResult(NamedTuple):
    """Every candidate (``pool``), the best ``top`` within every budget (``ranked``, best first) and
    how many were within them (``within``); ``memory`` is (dtype, weight dtype, rule)."""

    budgets: dict[str, int]
    memory: tuple[str, str, str]
    published_only: bool
    top: int
    families: tuple[Family, ...]
    pool: tuple[Candidate, ...]
    ranked: tuple[Candidate, ...]
    within: int
    device: Profile | None = None  # what latency is predicted on, if anything

    def meets(self, candidate: Candidate) -> bool:
        """Whether ``candidate`` is within every budget."""
        return _within(self.budgets, candidate)

    def headroom(self, candidate: Candidate) -> dict[str, int]:
        """How far under each budget ``candidate`` is (negative: over it)."""
        return {q: limit - candidate.cost(q) for q, limit in self.budgets.items()}


def fit(
    archs: Sequence[str],
    max_macs: int | None = None,
    max_params: int | None = None,
    top: int = 5,
    published_only: bool = False,
    alphas: Sequence[float] | None = None,
    resolutions: Sequence[int] | None = None,
    *,
    max_peak_memory: int | None = None,
    max_weights: int | None = None,
    dtype: str = "float32",
    weight_dtype: str | None = None,
    memory_rule: str = DEFAULT_RULE,
    device: Profile | None = None,
    max_latency: float | None = None,
) -> FitResult:
    """The ``top`` most accurate configurations of the built-ins ``archs`` within every budget given
    (MACs, params; peak memory and weights in bytes, under ``dtype`` / ``weight_dtype`` and
    ``memory_rule``). ``alphas`` / ``resolutions`` replace the default grid (every 0.05 of width
    and 8 pixels inside each family's published range). ``max_latency`` (seconds) is a budget on
    the latency predicted on ``device``, which every candidate then carries."""
    if max_latency is not None and device is None:
        raise MbcostError("a latency budget needs a device profile to predict latency on")
    max_latency_ms = None if max_latency is None else 1e3 * max_latency
    limits = (max_macs, max_params, max_peak_memory, max_weights, max_latency_ms)
    budgets = {q: v for q, v in zip(BUDGETS, limits, strict=True) if v is not None}
    if not budgets:
        raise MbcostError(
            "fit needs a budget: max_macs, max_params, max_peak_memory, max_weights or max_latency"
        )
    if published_only and (alphas is not None or resolutions is not None):
        raise MbcostError(
            "published_only searches published configurations only: no alphas or resolutions"
        )
    if top < 1:
        raise MbcostError(f"top must be at least 1, got {top}")
    memory = (dtype, weight_dtype or dtype, memory_rule)
    families, pool = [], []
    for name in dict.fromkeys(get_arch(a).name for a in archs):
        family, candidates = _search(name, published_only, alphas, resolutions, memory, device)
        families.append(family)
        pool += candidates
    within = [c for c in pool if _within(budgets, c)]
    ranked = heapq.nsmallest(top, within, key=_rank)
    return FitResult(
        budgets,
        memory,
        published_only,
        top,
        tuple(families),
        tuple(pool),
        tuple(ranked),
        len(within),
        device,
    )


def _within(budgets: dict[str, int], c: Candidate) -> bool:
    """Every budget is inclusive: a configuration that costs exactly the limit fits."""
    return all(c.cost(q) <= limit for q, limit in budgets.items())


def _rank(c: Candidate) -> tuple:
    """Best first: most accurate, then cheapest (MACs, then params), then by name."""
    return (-c.top1, c.totals.macs, c.totals.params, c.arch, c.alpha, c.resolution)


def _candidate(name: str, p: SweepPoint, rating: Rating, device: Profile | None) -> Candidate:
    latency = None
    if device is not None:
        from mbcost.latency.predicted import configuration_seconds

        latency = 1e3 * configuration_seconds(device, get_arch(name).table, p.alpha, p.resolution)
    return Candidate(
        name, p.alpha, p.resolution, p.totals, p.peak_bytes, p.weight_bytes, rating, latency
    )


def _search(
    name: str,
    published_only: bool,
    alphas: Sequence[float] | None,
    resolutions: Sequence[int] | None,
    memory: tuple[str, str, str],
    device: Profile | None = None,
) -> tuple[Family, list[Candidate]]:
    dtype, weight_dtype, rule = memory

    def points(widths: Sequence[float], pixels: Sequence[int]) -> tuple[SweepPoint, ...]:
        return sweep(name, widths, pixels, dtype=dtype, weight_dtype=weight_dtype,
                     memory_rule=rule).points  # fmt: skip

    published = default_accuracy(name)
    rate = rater(name)
    candidates = []
    for alpha, res in published:
        (p,) = points([alpha], [res])
        candidates.append(_candidate(name, p, rate(alpha, res, p.totals.macs), device))
    model = accuracy_fit(name)
    if published_only or model is None:
        return Family(name, len(published), model, None, None, 0, 0), candidates
    widths = alphas or _steps(*model.alphas, ALPHA_STEP, "alpha")
    pixels = resolutions or _steps(*model.resolutions, RESOLUTION_STEP, "resolution", integer=True)
    unrated = estimated = 0
    for p in points(widths, pixels):
        if (p.alpha, p.resolution) in published:
            continue
        if not model.covers(p.alpha, p.resolution):
            unrated += 1
            continue
        estimate = model.estimate(p.totals.macs, p.resolution)
        candidates.append(_candidate(name, p, Rating(None, estimate, model.loo_rms), device))
        estimated += 1
    family = Family(name, len(published), model, tuple(widths), tuple(pixels), estimated, unrated)
    return family, candidates


def _steps(low: float, high: float, step: str, what: str, integer: bool = False) -> tuple:
    """``low:high:step`` as the exact inclusive range a user would type."""
    return parse_values(f"{low:g}:{high:g}:{step}", what, integer)
