"""α × resolution sweeps over the totals-only path: no rows are built, each configuration's totals
are one dot product per quantity of cached width factors and cached areas (``plan.py``), and its
peak memory one more pass over the same areas (``memory.py``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from mbcost.archs import get_arch
from mbcost.conventions import get_convention
from mbcost.errors import MbcostError
from mbcost.memory import DEFAULT_RULE, bytes_at, check_dtype, get_rule
from mbcost.plan import check_alpha, check_impl, plan, resolve_resolution, spatial, totals
from mbcost.report import Totals
from mbcost.spec import Table

MAX_POINTS = 1_000_000  # configurations in one sweep, and values of one --alpha/--res/--rho


class SweepPoint(NamedTuple):
    """One configuration: its totals, its peak activation bytes and its weight bytes."""

    alpha: float
    resolution: int
    totals: Totals
    peak_bytes: int | None  # None when the sweep was asked for no memory rule
    weight_bytes: int | None


class Sweep(NamedTuple):
    """Every configuration of a sweep, α outermost, in the order given."""

    arch: str
    impl: str
    convention: str
    dtype: str
    weight_dtype: str
    memory_rule: str
    points: tuple[SweepPoint, ...]


def sweep(
    arch: str | Table,
    alphas: Sequence[float],
    resolutions: Sequence[int] | None = None,
    rhos: Sequence[float] | None = None,
    impl: str = "paper",
    convention: str = "paper",
    progress: Callable[[int], None] | None = None,
    dtype: str = "float32",
    weight_dtype: str | None = None,
    memory_rule: str | None = DEFAULT_RULE,
) -> Sweep:
    """Totals, peak memory and weight bytes of ``arch`` at every α × resolution (or α × ρ·native);
    ``progress(n)`` is told after each α how many configurations were done. The peak is one more
    pass over the cached areas per configuration (``memory.peak_bytes``); ``memory_rule=None``
    skips it (totals only: one dot product per quantity)."""
    table = get_arch(arch).table if isinstance(arch, str) else arch
    if resolutions is not None and rhos is not None:
        raise MbcostError("give either resolutions or rhos, not both")
    if rhos is not None:
        pixels = [resolve_resolution(table.resolution, None, rho) for rho in rhos]
    else:
        pixels = [resolve_resolution(table.resolution, r, None) for r in resolutions or [None]]
    widths = [check_alpha(a) for a in alphas]
    if not widths or not pixels:
        raise MbcostError("a sweep needs at least one alpha and one resolution")
    if len(widths) * len(pixels) > MAX_POINTS:
        raise MbcostError(
            f"{len(widths):,} alphas x {len(pixels):,} resolutions is more than "
            f"{MAX_POINTS:,} configurations"
        )
    check_impl(table, impl)
    conv = get_convention(convention)
    weight_dtype = check_dtype(weight_dtype or dtype)
    check_dtype(dtype)
    if memory_rule is not None:
        get_rule(memory_rule)
    points = []
    for alpha in widths:
        p = plan(table, alpha, impl)
        memory = bytes_at(p, memory_rule, dtype, weight_dtype) if memory_rule else _no_memory
        for res in pixels:
            s = spatial(p, res)
            points.append(SweepPoint(alpha, res, Totals(*totals(p, s, conv)), *memory(s)))
        if progress:
            progress(len(pixels))
    return Sweep(table.name, impl, convention, dtype, weight_dtype, memory_rule, tuple(points))


def _no_memory(s: object) -> tuple[None, None]:
    return None, None
