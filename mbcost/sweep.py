"""α × depth × resolution sweeps over the totals-only path: no rows are built, each configuration's totals
are one dot product per quantity of cached width factors and cached areas (``plan.py``), and its
peak memory one more pass over the same areas (``memory.py``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from mbcost.archs import get_arch
from mbcost.conventions import get_convention
from mbcost.errors import MbcostError
from mbcost.memory import DEFAULT_RULE, bytes_at, check_dtype, get_rule
from mbcost.plan import (
    check_alpha,
    check_depth,
    check_impl,
    plan,
    repeats,
    resolve_resolution,
    spatial,
    totals,
)
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
    depth: float = 1.0


class Sweep(NamedTuple):
    """Every configuration of a sweep, α outermost, then depth, in the order given."""

    arch: str
    impl: str
    convention: str
    dtype: str
    weight_dtype: str
    memory_rule: str
    points: tuple[SweepPoint, ...]
    depths: tuple[float, ...] = (1.0,)


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
    depths: Sequence[float] = (1.0,),
) -> Sweep:
    """Totals, peak memory and weight bytes of ``arch`` at every α × resolution (or α × ρ·native);
    ``progress(n)`` is told after each α how many configurations were done. The peak is one more
    pass over the cached areas per configuration (``memory.peak_bytes``); ``memory_rule=None``
    skips it (totals only: one dot product per quantity). ``depths`` multiply the repeats of the
    rows that scale with depth (a table without such rows takes 1 only)."""
    table = get_arch(arch).table if isinstance(arch, str) else arch
    if resolutions is not None and rhos is not None:
        raise MbcostError("give either resolutions or rhos, not both")
    if rhos is not None:
        pixels = [resolve_resolution(table.resolution, None, rho) for rho in rhos]
    else:
        pixels = [resolve_resolution(table.resolution, r, None) for r in resolutions or [None]]
    widths = [check_alpha(a) for a in alphas]
    scales = [check_depth(d) for d in depths]
    if not widths or not pixels or not scales:
        raise MbcostError("a sweep needs at least one alpha, depth and resolution")
    if len(widths) * len(scales) * len(pixels) > MAX_POINTS:
        raise MbcostError(
            f"{len(widths):,} alphas x {len(scales):,} depths x {len(pixels):,} resolutions is "
            f"more than {MAX_POINTS:,} configurations"
        )
    check_impl(table, impl)
    for depth in scales:
        repeats(table, impl, depth)  # a depth the table cannot take fails before any work
    conv = get_convention(convention)
    weight_dtype = check_dtype(weight_dtype or dtype)
    check_dtype(dtype)
    if memory_rule is not None:
        get_rule(memory_rule)
    points = []
    for alpha in widths:
        for depth in scales:
            p = plan(table, alpha, impl, depth)
            memory = bytes_at(p, memory_rule, dtype, weight_dtype) if memory_rule else _no_memory
            for res in pixels:
                s = spatial(p, res)
                totals_ = Totals(*totals(p, s, conv))
                points.append(SweepPoint(alpha, res, totals_, *memory(s), depth))
            if progress:
                progress(len(pixels))
    return Sweep(
        table.name,
        impl,
        convention,
        dtype,
        weight_dtype,
        memory_rule,
        tuple(points),
        tuple(scales),
    )


def _no_memory(s: object) -> tuple[None, None]:
    return None, None
