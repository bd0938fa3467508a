"""A report's predicted latency on one device: seconds and bound per row, and sums per group —
kept beside the report (the counts stay exact integers; a prediction is a float and is labelled
as one wherever it is shown)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, NamedTuple

from mbcost.latency.profile import Profile, predict
from mbcost.latency.work import plan_work, report_work

if TYPE_CHECKING:
    from mbcost.plan import Plan, Spatial
    from mbcost.report import Report
    from mbcost.spec import Table
    from mbcost.sweep import Sweep


class Latency(NamedTuple):
    """Per report row its predicted seconds and bound (``"compute"`` or ``"memory"``)."""

    device: Profile
    seconds: tuple[float, ...]
    bounds: tuple[str, ...]

    @property
    def total(self) -> float:
        """Seconds of every layer run one after another."""
        return sum(self.seconds)

    def group(self, report: Report, key: Callable) -> dict[Hashable, float]:
        """Seconds per ``key(row)``, in order of first appearance."""
        sums: dict = {}
        for row, s in zip(report.rows, self.seconds, strict=True):
            k = key(row)
            sums[k] = sums.get(k, 0.0) + s
        return sums


def report_latency(profile: Profile, report: Report) -> Latency:
    """``predict`` of every row of ``report``."""
    predicted = [predict(profile, w) for w in report_work(report)]
    return Latency(profile, tuple(s for s, _ in predicted), tuple(b for _, b in predicted))


def plan_seconds(profile: Profile, p: Plan, s: Spatial) -> float:
    """The predicted seconds of plan ``p`` at sizes ``s`` (the sweep path: no rows)."""
    return sum(predict(profile, w)[0] for w in plan_work(p, s))


def configuration_seconds(
    profile: Profile,
    table: Table,
    alpha: float,
    resolution: int,
    impl: str = "paper",
    depth: float = 1.0,
) -> float:
    """The predicted seconds of ``table`` at one configuration, from the cached plan and sizes
    (no report rows)."""
    from mbcost.plan import plan, spatial

    p = plan(table, alpha, impl, depth)
    return plan_seconds(profile, p, spatial(p, resolution))


def sweep_seconds(profile: Profile, table: Table, result: Sweep) -> tuple[float, ...]:
    """The predicted seconds of every point of ``result`` (a sweep of ``table``)."""
    return tuple(
        configuration_seconds(profile, table, pt.alpha, pt.resolution, result.impl, pt.depth)
        for pt in result.points
    )


def within_latency(
    profile: Profile, table: Table, result: Sweep, max_latency: float | None
) -> tuple[Sweep, tuple[float, ...], str | None]:
    """``result`` with its points' predicted seconds, keeping only those within ``max_latency``
    seconds (inclusive) when given, and a note saying how many were kept."""
    seconds = sweep_seconds(profile, table, result)
    if max_latency is None:
        return result, seconds, None
    kept = [i for i, s in enumerate(seconds) if s <= max_latency]
    note = (
        f"{len(kept):,} of {len(seconds):,} configurations predicted within "
        f"{1e3 * max_latency:g} ms on {profile.name}"
    )
    points = tuple(result.points[i] for i in kept)
    return result._replace(points=points), tuple(seconds[i] for i in kept), note
