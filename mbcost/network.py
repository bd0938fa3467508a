"""A layer table at one (α, resolution, implementation) -> the expanded network with propagated shapes."""

from __future__ import annotations

import math
from dataclasses import dataclass

from mbcost.blocks import EXPANDERS, Context
from mbcost.errors import MbcostError, ShapeError
from mbcost.layers import Layer, Shape
from mbcost.roles import Role
from mbcost.spec import Table


@dataclass(frozen=True, slots=True)
class Placed:
    """A layer at its place in the network: name, block index, role, and its input/output shapes."""

    index: int
    name: str
    block: int
    role: Role
    layer: Layer
    in_shape: Shape
    out_shape: Shape


@dataclass(frozen=True, slots=True)
class Unit:
    """One repeat of one block: its layers in order and whether its input is added to its output."""

    name: str
    kind: str
    residual: bool
    layers: tuple[Placed, ...]


@dataclass(frozen=True)
class Network:
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
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not (
        math.isfinite(alpha) and alpha > 0
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
            raise MbcostError(f"rho {rho} gives an input of {native * rho:.2f} pixels; need at least 1")
        return resolution
    if resolution is None:
        return native
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 1:
        raise MbcostError(f"resolution must be a positive integer (pixels), got {resolution!r}")
    return resolution


def build_network(table: Table, alpha: float = 1.0, resolution: int | None = None,
                  impl: str = "paper") -> Network:
    """Expand ``table`` at width ``alpha`` and input ``resolution`` (default: the table's native)."""
    alpha = check_alpha(alpha)
    resolution = resolve_resolution(table.resolution, resolution, None)
    if impl not in table.impls:
        raise MbcostError(
            f"table '{table.name}' has no '{impl}' implementation (choose from {', '.join(table.impls)})")
    rule = table.rounding_for(impl)
    x = Shape(table.in_channels, resolution, resolution)
    nominal = table.in_channels
    units: list[Unit] = []
    index = 0
    for i, (block, fields) in enumerate(table.resolved_blocks(impl)):
        repeats = fields.get("n", 1)
        for r in range(repeats):
            ctx = Context(x, nominal, alpha, rule, first=index == 0, repeat=r, where=table.where(i))
            expansion = EXPANDERS[block.kind](ctx, fields)
            prefix = f"{i}.{r}" if repeats > 1 else f"{i}"
            placed = []
            for part in expansion.parts:
                name = f"{prefix}.{part.suffix}"
                x_in = _input_of(part.role, placed, x)
                y = _out_shape(part.layer, x_in, name, resolution)
                placed.append(Placed(index, name, i, part.role, part.layer, x_in, y))
                if part.role is not Role.SE:
                    x = y
                index += 1
            units.append(Unit(prefix, block.kind, expansion.residual, tuple(placed)))
            nominal = expansion.out_nominal
    return Network(table, alpha, resolution, impl, tuple(units))


def _input_of(role: Role, placed: list[Placed], x: Shape) -> Shape:
    """A layer's input. The SE branch (pool → reduce → expand) is a side path: its layers chain from
    the block's feature map ``x`` and its output rescales ``x``, so the next main layer sees ``x``."""
    if role is Role.SE and placed and placed[-1].role is Role.SE:
        return placed[-1].out_shape
    return x


def _out_shape(layer: Layer, x: Shape, name: str, resolution: int) -> Shape:
    try:
        y = layer.out_shape(x)
    except ShapeError as exc:
        raise ShapeError(f"layer {name}: {exc} at input resolution {resolution}") from None
    if y.h < 1 or y.w < 1:
        raise ShapeError(
            f"layer {name}: feature map collapses to {y.h}x{y.w} at input resolution {resolution}")
    return y
