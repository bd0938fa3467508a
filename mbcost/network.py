"""A layer table at one (α, resolution, implementation) -> the expanded network with propagated shapes."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import NamedTuple

from mbcost.blocks import EXPANDERS, Context
from mbcost.errors import MbcostError, ShapeError
from mbcost.layers import Layer, Linear, Pool, Shape
from mbcost.roles import Role
from mbcost.spec import Table


class Placed(NamedTuple):
    """A layer at its place in the network: name, block index, role, and its input/output shapes."""

    index: int
    name: str
    block: int
    role: Role
    layer: Layer
    in_shape: Shape
    out_shape: Shape


class Unit(NamedTuple):
    """One repeat of one block: its layers in order and whether its input is added to its output."""

    name: str
    kind: str
    residual: bool
    layers: tuple[Placed, ...]


class Network(NamedTuple):
    """The expanded network and the inputs that produced it."""

    table: Table
    alpha: float
    resolution: int
    impl: str
    units: tuple[Unit, ...]

    @property
    def layers(self) -> tuple[Placed, ...]:
        """Every layer in order."""
        return tuple(p for unit in self.units for p in unit.layers)


def check_alpha(alpha: float) -> float:
    """α must be a positive finite number."""
    if (
        isinstance(alpha, bool)
        or not isinstance(alpha, (int, float))
        or not (math.isfinite(alpha) and alpha > 0)
    ):
        raise MbcostError(f"alpha must be a positive number, got {alpha!r}")
    return float(alpha)


def resolve_resolution(native: int, resolution: int | None, rho: float | None) -> int:
    """Input size in pixels from ``resolution`` or ``rho`` × native (not both; neither = native)."""
    if resolution is not None and rho is not None:
        raise MbcostError("give either resolution or rho, not both")
    if rho is not None:
        if not (isinstance(rho, (int, float)) and math.isfinite(rho) and rho > 0):
            raise MbcostError(f"rho must be a positive number, got {rho!r}")
        resolution = round(native * rho)
        if resolution < 1:
            raise MbcostError(
                f"rho {rho} gives an input of {native * rho:.2f} pixels; need at least 1"
            )
        return resolution
    if resolution is None:
        return native
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 1:
        raise MbcostError(f"resolution must be a positive integer (pixels), got {resolution!r}")
    return resolution


class _PlannedUnit(NamedTuple):
    """A unit's layers at one α, before shapes are known (they do not depend on the resolution)."""

    name: str
    kind: str
    block: int
    residual: bool
    parts: tuple[tuple[str, Role, Layer, dict[str, int]], ...]  # name, role, layer, param terms


_PLAN_CACHE_SIZE = 4096


def _plan(table: Table, alpha: float, impl: str) -> tuple[_PlannedUnit, ...]:
    """Expand every block at width ``alpha``; cached per table so resolution sweeps reuse it."""
    key = (alpha, impl)
    cache = table._plans
    if key in cache:
        return cache[key]
    rule = table.rounding_for(impl)
    x = Shape(table.in_channels, 1, 1)  # widths only: spatial sizes come in build_network
    nominal = table.in_channels
    units = []
    first = True
    for i, label, block, fields in table.resolved_blocks(impl):
        repeats = fields.get("n", 1)
        for r in range(repeats):
            ctx = Context(x, nominal, alpha, rule, first=first, repeat=r, where=table.where(i))
            expansion = EXPANDERS[block.kind](ctx, fields)
            prefix = f"{label}.{r}" if repeats > 1 else label
            parts = tuple(
                (f"{prefix}.{p.suffix}", p.role, p.layer, p.layer.param_terms())
                for p in expansion.parts
            )
            units.append(_PlannedUnit(prefix, block.kind, i, expansion.residual, parts))
            main = [p.layer for p in expansion.parts if p.role is not Role.SE]
            x = Shape(_out_channels(main[-1], x.c), 1, 1)
            nominal = expansion.out_nominal
            first = False
    if len(cache) >= _PLAN_CACHE_SIZE:
        cache.clear()
    cache[key] = plan = tuple(units)
    return plan


def _out_channels(layer: Layer, in_c: int) -> int:
    return in_c if isinstance(layer, Pool) else layer.out_shape(Shape(in_c, 1, 1)).c


def check_impl(table: Table, impl: str) -> str:
    """``impl`` must be one of the table's implementations."""
    if impl not in table.impls:
        raise MbcostError(
            f"table '{table.name}' has no '{impl}' implementation (choose from {', '.join(table.impls)})"
        )
    return impl


LayerTuple = tuple  # (index, name, block, role, layer, in_shape, out_shape, param_terms)


def walk(
    table: Table, alpha: float, resolution: int, impl: str
) -> Iterator[tuple[_PlannedUnit, list[LayerTuple]]]:
    """Propagate shapes through ``table`` expanded at ``alpha``: per unit, its layers as plain tuples
    ``(index, name, block, role, layer, in_shape, out_shape, param_terms)``.

    The one place shapes are computed; ``build_network`` and ``report.analyze_table`` consume it.
    Plain tuples rather than records because α × resolution sweeps run this loop most.
    """
    x = Shape(table.in_channels, resolution, resolution)
    index = 0
    se = Role.SE
    name = ""
    try:
        for planned in _plan(table, alpha, impl):
            layers: list[LayerTuple] = []
            prev_role = prev_out = None
            for name, role, layer, param_terms in planned.parts:
                # The SE branch (pool → reduce → expand) is a side path: its layers chain from the
                # block's feature map x, and its output rescales x, so the next layer sees x.
                x_in = prev_out if role is se and prev_role is se else x
                if type(layer) is Linear and layer.in_f != x_in.elements:
                    # a Linear flattens its input, whose spatial size is known only here
                    layer = Linear(x_in.elements, layer.out_f, layer.bias, layer.act)
                    param_terms = layer.param_terms()
                y = layer.out_shape(x_in)
                if y.h < 1 or y.w < 1:
                    raise ShapeError(f"feature map collapses to {y.h}x{y.w}")
                layers.append((index, name, planned.block, role, layer, x_in, y, param_terms))
                prev_role, prev_out = role, y
                if role is not se:
                    x = y
                index += 1
            yield planned, layers
    except ShapeError as exc:
        where = table.where(int(name.split(".")[0]))
        raise ShapeError(f"{where}: layer {name}: {exc} at input resolution {resolution}") from None


def build_network(
    table: Table, alpha: float = 1.0, resolution: int | None = None, impl: str = "paper"
) -> Network:
    """Expand ``table`` at width ``alpha`` and input ``resolution`` (default: the table's native)."""
    alpha = check_alpha(alpha)
    resolution = resolve_resolution(table.resolution, resolution, None)
    check_impl(table, impl)
    units = tuple(
        Unit(planned.name, planned.kind, planned.residual, tuple(Placed(*t[:7]) for t in layers))
        for planned, layers in walk(table, alpha, resolution, impl)
    )
    return Network(table, alpha, resolution, impl, units)
