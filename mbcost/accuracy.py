"""Accuracy beside cost: a configuration's published top-1, and for the configurations nobody trained
an estimate from a least-squares fit over its family's published points, with the fit's
leave-one-out error.

The fit (``MODEL``): top-1 ≈ b0 + b1·u + b2·u² + b3·v, u = ln MACs and v = ln resolution, each
centred on the family's published points (which keeps the normal equations well conditioned).
MACs are mbcost's exact counts (paper convention), not the sources' rounded figures. One model for
every family, chosen by leave-one-out error (RMS, top-1 points; asserted in tests/test_accuracy.py,
printed by benchmarks/fit.py): the lowest on V1, within 0.05 of the lowest on V2, and
about half the error of the two models the papers suggest on both::

    model                          V1 (16 points)   V2 (22 points)
    ln MACs                        1.92             1.68
    ln MACs, ln res                1.69             1.71
    ln MACs, ln² MACs              1.44             0.68
    ln MACs, ln² MACs, ln res      1.03             0.73

The "log linear dependence between accuracy and computation" (V1 §4) bends: accuracy falls faster
at the smallest models (V1 0.25-224 has 49.8 at 41M MACs, 0.5-128 has 56.3 at 49M), and in V1 MACs
spent on resolution buy less than MACs spent on width (b3 < 0). A family needs ``MIN_POINTS``
published points for a fit (V3's two per family are too few: it gets no estimates), and an estimate
is made only inside the convex hull of the published (α, resolution) points, never extrapolated.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import cache
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from mbcost.archs import ARCHS, get_arch
from mbcost.archs.accuracy import ACCURACY, Accuracy
from mbcost.conventions import get_convention
from mbcost.errors import MbcostError
from mbcost.plan import plan, spatial, totals
from mbcost.quantities import QUANTITY_NAMES
from mbcost.spec import Table
from mbcost.sweep import Sweep


class Model(NamedTuple):
    """A linear model's regressors as a function of centred ``u`` = ln MACs and ``v`` = ln res."""

    formula: str
    features: Callable[[float, float], tuple[float, ...]]


MODELS = {
    "log-macs": Model("a + b·ln MACs", lambda u, v: (1.0, u)),
    "log-macs+res": Model("a + b·ln MACs + c·ln res", lambda u, v: (1.0, u, v)),
    "log-macs^2": Model("a + b·ln MACs + c·ln² MACs", lambda u, v: (1.0, u, u * u)),
    "log-macs^2+res": Model(
        "a + b·ln MACs + c·ln² MACs + d·ln res", lambda u, v: (1.0, u, u * u, v)
    ),
}
MODEL = "log-macs^2+res"
MIN_POINTS = 8  # twice the chosen model's coefficients
_PAPER = get_convention("paper")
_MACS = QUANTITY_NAMES.index("macs")


def paper_macs(table: Table, alpha: float, resolution: int) -> int:
    """mbcost's MACs of one configuration under the paper convention and implementation, the count
    the fit is made against (the totals path alone: no memory is counted)."""
    p = plan(table, alpha, "paper")
    return totals(p, spatial(p, resolution), _PAPER)[_MACS]


def published_accuracy(arch: str) -> tuple[Accuracy, ...]:
    """Every published accuracy figure of the built-in ``arch`` (a name or alias), all sources;
    ``Accuracy.default`` marks the one shown and fitted per configuration and precision."""
    return ACCURACY.get(get_arch(arch).name, ())


@cache
def default_accuracy(arch: str, precision: str = "float") -> dict[tuple[float, int], Accuracy]:
    """The default figure of each (alpha, resolution) of ``arch`` at ``precision``."""
    return {
        (a.alpha, a.resolution): a
        for a in published_accuracy(arch)
        if a.default and a.precision == precision
    }


class AccuracyFit(NamedTuple):
    """A family's fit: coefficients of ``MODELS[model]`` on centred (ln MACs, ln res); the region
    it covers (``hull``: the convex hull of the published (alpha, resolution) points, counter-
    clockwise; ``alphas`` and ``resolutions``: its extent); its leave-one-out errors in top-1
    points (``loo_rms``, ``loo_max``; ``held_out``: each published point's estimate from the
    others)."""

    arch: str
    model: str
    coefficients: tuple[float, ...]
    center: tuple[float, float]
    hull: tuple[tuple[float, int], ...]
    points: int
    loo_rms: float
    loo_max: float
    held_out: dict[tuple[float, int], float]

    @property
    def alphas(self) -> tuple[float, float]:
        """The narrowest and widest published width."""
        return min(a for a, _ in self.hull), max(a for a, _ in self.hull)

    @property
    def resolutions(self) -> tuple[int, int]:
        """The lowest and highest published resolution."""
        return min(r for _, r in self.hull), max(r for _, r in self.hull)

    def covers(self, alpha: float, resolution: int) -> bool:
        """Whether (alpha, resolution) lies inside the published points' convex hull (on its
        edge counts): the fit interpolates between trained models, never beyond them. V2's hull
        has no corner at 1.4-96: its only widths above 1 were trained at 224."""
        ring = zip(self.hull, self.hull[1:] + self.hull[:1], strict=True)
        return all(_cross(p, q, (alpha, resolution)) >= -1e-9 for p, q in ring)

    def estimate(self, macs: int, resolution: int) -> float:
        """The fitted top-1 at ``macs`` (paper convention) and ``resolution``."""
        row = MODELS[self.model].features(
            math.log(macs) - self.center[0], math.log(resolution) - self.center[1]
        )
        return _predict(self.coefficients, row)


def least_squares(rows: Sequence[Sequence[float]], ys: Sequence[float]) -> tuple[float, ...]:
    """The ``b`` minimising Σ (row·b − y)²: the normal equations XᵀX·b = Xᵀy, solved by
    Gauss-Jordan elimination with partial pivoting. A ``MbcostError`` if they are singular."""
    k = len(rows[0])
    system = [
        [sum(r[i] * r[j] for r in rows) for j in range(k)]
        + [sum(r[i] * y for r, y in zip(rows, ys, strict=True))]
        for i in range(k)
    ]
    for col in range(k):
        pivot = max(range(col, k), key=lambda r: abs(system[r][col]))
        if not system[pivot][col]:
            raise MbcostError("the accuracy fit is singular: too few distinct points")
        system[col], system[pivot] = system[pivot], system[col]
        for r in range(k):
            if r != col:
                f = system[r][col] / system[col][col]
                system[r] = [x - f * p for x, p in zip(system[r], system[col], strict=True)]
    return tuple(system[i][k] / system[i][i] for i in range(k))


def _predict(b: Sequence[float], row: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(b, row, strict=True))


def loo_predictions(rows: Sequence[Sequence[float]], ys: Sequence[float]) -> list[float]:
    """Each point's prediction from a fit to all the other points."""
    return [
        _predict(least_squares([*rows[:i], *rows[i + 1 :]], [*ys[:i], *ys[i + 1 :]]), rows[i])
        for i in range(len(rows))
    ]


@cache
def accuracy_fit(arch: str, model: str = MODEL) -> AccuracyFit | None:
    """The fit of top-1 over the default float figures of the built-in ``arch``, or None when it
    has fewer than ``MIN_POINTS`` of them."""
    name = get_arch(arch).name
    points = default_accuracy(name)
    if len(points) < MIN_POINTS:
        return None
    keys = sorted(points)
    table = get_arch(name).table
    logs = [(math.log(paper_macs(table, a, r)), math.log(r)) for a, r in keys]
    center = (sum(u for u, _ in logs) / len(logs), sum(v for _, v in logs) / len(logs))
    rows = [MODELS[model].features(u - center[0], v - center[1]) for u, v in logs]
    ys = [points[k].top1 for k in keys]
    held_out = loo_predictions(rows, ys)
    errors = [p - y for p, y in zip(held_out, ys, strict=True)]
    return AccuracyFit(
        arch=name,
        model=model,
        coefficients=least_squares(rows, ys),
        center=center,
        hull=convex_hull(keys),
        points=len(keys),
        loo_rms=math.sqrt(sum(e * e for e in errors) / len(errors)),
        loo_max=max(abs(e) for e in errors),
        held_out=dict(zip(keys, held_out, strict=True)),
    )


def _cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    """The z component of (a − o) × (b − o), resolution scaled to hundreds of pixels so that
    the tolerance in ``covers`` means the same on both axes: positive when o→a→b turns left."""
    return (a[0] - o[0]) * (b[1] - o[1]) / 100 - (a[1] - o[1]) / 100 * (b[0] - o[0])


def convex_hull(points: Sequence[tuple[float, int]]) -> tuple[tuple[float, int], ...]:
    """The convex hull of ``points``, counter-clockwise, without collinear points (Andrew's
    monotone chain)."""
    ordered = sorted(set(points))
    if len(ordered) < 3:
        return tuple(ordered)

    def chain(pts: Sequence[tuple[float, int]]) -> list[tuple[float, int]]:
        out: list[tuple[float, int]] = []
        for p in pts:
            while len(out) >= 2 and _cross(out[-2], out[-1], p) <= 0:
                out.pop()
            out.append(p)
        return out[:-1]

    return tuple(chain(ordered) + chain(ordered[::-1]))


class Rating(NamedTuple):
    """What is known of a configuration's top-1: the default ``published`` figure, and an
    ``estimate`` with the fit's leave-one-out RMS ``error`` (for a published configuration the
    estimate comes from the fit without it, so the two can be compared)."""

    published: Accuracy | None
    estimate: float | None
    error: float | None

    @property
    def top1(self) -> float | None:
        """The published top-1 where there is one, else the estimate."""
        return self.published.top1 if self.published else self.estimate


Rater = Callable[[float, int, int], Rating]


def rater(arch: str) -> Rater:
    """``rate(alpha, resolution, macs)`` for the built-in ``arch``: ``macs`` is mbcost's paper
    convention count of that configuration (under the paper implementation)."""
    published = default_accuracy(get_arch(arch).name)
    fit = accuracy_fit(arch)

    def rate(alpha: float, resolution: int, macs: int) -> Rating:
        known = published.get((alpha, resolution))
        if fit is None or not fit.covers(alpha, resolution):
            return Rating(known, None, None)
        guess = fit.held_out[alpha, resolution] if known else fit.estimate(macs, resolution)
        return Rating(known, guess, fit.loo_rms)

    return rate


def rate_table(
    table: Table, alpha: float, resolution: int, impl: str, depth: float = 1.0
) -> Rating | None:
    """The rating of one configuration of a built-in, or None: for any other table (one read from
    a file may carry a built-in's name, not its accuracy), for another implementation than the
    TF-built models the figures were measured on, and for another depth than the published one."""
    arch = ARCHS.get(table.name)
    if arch is None or arch.table is not table or impl != "paper" or depth != 1:
        return None
    known = default_accuracy(arch.name).get((alpha, resolution))
    if known:  # the published figure alone: no fit to build on `mbcost table`'s start-up path
        return Rating(known, None, None)
    return rater(table.name)(alpha, resolution, paper_macs(table, alpha, resolution))


class RatedSweep(NamedTuple):
    """A built-in's sweep with each point's ``ratings``, its place on the Pareto ``front`` under
    ``cost`` (a quantity), and the family's ``fit`` (None: no estimates)."""

    sweep: Sweep
    cost: str
    ratings: tuple[Rating, ...]
    front: tuple[bool, ...]
    fit: AccuracyFit | None


def rate_sweep(result: Sweep, cost: str = "macs") -> RatedSweep:
    """Rate every point of a built-in's sweep (``--impl paper``: the published figures are of the
    TF-built models) and mark the Pareto front under ``cost``: the published top-1 where there is
    one, else the estimate. Under another convention the paper MACs are counted for the fit."""
    if result.impl != "paper":
        raise MbcostError(
            "accuracy is published for the models TF builds: use --impl paper "
            f"(got --impl {result.impl})"
        )
    rate = rater(result.arch)
    if result.convention == "paper":
        ratings = tuple(rate(p.alpha, p.resolution, p.totals.macs) for p in result.points)
    else:
        table = get_arch(result.arch).table
        ratings = tuple(
            rate(p.alpha, p.resolution, paper_macs(table, p.alpha, p.resolution))
            for p in result.points
        )
    costs = [getattr(p.totals, cost) for p in result.points]
    front = tuple(pareto(costs, [r.top1 for r in ratings]))
    return RatedSweep(result, cost, ratings, front, accuracy_fit(result.arch))


def pareto(costs: Sequence[int], accuracies: Sequence[float | None]) -> list[bool]:
    """Which points are Pareto-optimal: no other point costs no more and is more accurate, or costs
    less and is as accurate. A point without an accuracy is never on the front."""
    known = sorted(
        (c, -a, i) for i, (c, a) in enumerate(zip(costs, accuracies, strict=True)) if a is not None
    )
    front = [False] * len(costs)
    best = -math.inf  # the best accuracy of every cheaper point
    for _, same_cost in groupby(known, key=itemgetter(0)):
        group = list(same_cost)
        top = -group[0][1]
        for _, negated, i in group:
            front[i] = -negated == top > best
        best = max(best, top)
    return front
