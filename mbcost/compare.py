"""One layer built as different kinds (standard, depthwise-separable, grouped, pointwise, inverted residual),
costed in closed form with the formulas of Howard et al. 2017, Section 3.1.

Defaults are the paper's Table 3 layer: D_K = 3, M = N = 512, D_F = 14. ``alpha`` scales M and N the paper's
way (``int(M·α)``), ``rho`` scales D_F (``round(D_F·ρ)``). Every size, before and after scaling, is at
most ``MAX_SIZE`` as in a layer table.

The output map is ``floor((D_F + 2p − k)/s) + 1`` with ``p = k//2``, as a layer table and PyTorch's
``padding=k//2`` give it: an odd kernel keeps D_F at stride 1 (however large it is), an even one
grows it by one.
"""

from __future__ import annotations

from fractions import Fraction
from typing import NamedTuple

from mbcost.errors import MbcostError, suggest
from mbcost.layers import Conv2d, Shape
from mbcost.plan import check_alpha
from mbcost.spec import MAX_SIZE

KINDS = ("standard", "depthwise", "grouped", "pointwise", "inverted", "uib", "fused")


class LayerShape(NamedTuple):
    """The compared layer: kernel D_K, channels M → N, input size D_F, stride, and the scaling applied."""

    k: int = 3
    m: int = 512
    n: int = 512
    df: int = 14
    stride: int = 1
    groups: int = 1
    expansion: int = 6
    alpha: float = 1.0
    rho: float = 1.0


class PartCost(NamedTuple):
    """One conv of a kind (a separable layer has a depthwise and a pointwise part)."""

    name: str
    layer: Conv2d
    in_shape: Shape
    out_shape: Shape
    macs: int
    params: int
    macs_formula: str
    params_formula: str


class KindCost(NamedTuple):
    """A kind's parts and totals."""

    name: str
    parts: tuple[PartCost, ...]

    @property
    def macs(self) -> int:
        """Sum over the parts."""
        return sum(p.macs for p in self.parts)

    @property
    def params(self) -> int:
        """Sum over the parts."""
        return sum(p.params for p in self.parts)


class Comparison(NamedTuple):
    """The kinds compared on one scaled layer shape (``m``, ``n``, ``df`` after α and ρ)."""

    shape: LayerShape
    m: int
    n: int
    df: int
    kinds: tuple[KindCost, ...]

    def ratio(self, kind: KindCost) -> Fraction:
        """MACs of ``kind`` relative to the first kind."""
        return Fraction(kind.macs, self.kinds[0].macs)

    @property
    def separable_identity(self) -> tuple[Fraction, Fraction] | None:
        """(depthwise-separable / standard MACs, ``1/N + 1/D_K²``) when both kinds are compared."""
        names = {k.name: k for k in self.kinds}
        if "standard" not in names or "depthwise" not in names:
            return None
        measured = Fraction(names["depthwise"].macs, names["standard"].macs)
        return measured, Fraction(1, self.n) + Fraction(1, self.shape.k**2)


def _part(name: str, layer: Conv2d, x: Shape) -> PartCost:
    y = layer.out_shape(x)
    k, m, n, g = layer.k, layer.in_c, layer.out_c, layer.groups
    d_f = f"{y.h}·{y.w}"
    if layer.kind == "depthwise":
        weights = f"D_K·D_K·M = {k}·{k}·{m}"
    elif layer.kind == "pointwise":
        weights = f"M·N = {m}·{n}"
    elif layer.kind == "grouped":
        weights = f"D_K·D_K·(M/G)·N = {k}·{k}·({m}/{g})·{n}"
    else:
        weights = f"D_K·D_K·M·N = {k}·{k}·{m}·{n}"
    lhs, rhs = weights.split(" = ")
    return PartCost(
        name, layer, x, y, layer.macs(y), layer.weights(), f"{lhs}·D_F·D_F = {rhs}·{d_f}", weights
    )


def _check(shape: LayerShape) -> None:
    """Every size from 1 to ``MAX_SIZE`` (the layer-table schema's cap), α as the engine allows
    it, ρ positive and finite."""
    for field in ("k", "m", "n", "df", "stride", "groups", "expansion"):
        value = getattr(shape, field)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SIZE:
            raise MbcostError(f"{field} must be a positive integer up to {MAX_SIZE}, got {value!r}")
    check_alpha(shape.alpha)
    if not 0 < shape.rho <= MAX_SIZE:
        raise MbcostError(f"rho must be a positive number up to {MAX_SIZE}, got {shape.rho!r}")


def _at_most_max_size(name: str, value: int) -> int:
    """A size after α, ρ or the expansion, capped like every size in a layer table."""
    if value > MAX_SIZE:
        raise MbcostError(f"{name} = {value} is more than {MAX_SIZE}; use smaller inputs")
    return value


def compare_layer(
    kinds: list[str] | tuple[str, ...], shape: LayerShape | None = None
) -> Comparison:
    """Cost the layer ``shape`` (default: Table 3's) as each of ``kinds`` (the first is the baseline
    for ratios)."""
    shape = shape or LayerShape()
    _check(shape)
    if not kinds:
        raise MbcostError(f"give at least one kind ({', '.join(KINDS)})")
    for kind in kinds:
        if kind not in KINDS:
            raise suggest(kind, KINDS, "kind")
    m = _at_most_max_size("alpha*M", max(1, int(shape.m * shape.alpha)))
    n = _at_most_max_size("alpha*N", max(1, int(shape.n * shape.alpha)))
    df = _at_most_max_size("rho*D_F", round(shape.df * shape.rho))
    if df < 1:
        raise MbcostError(
            f"df·rho = {shape.df * shape.rho:.2f} leaves no feature map; need at least 1"
        )
    x = Shape(m, df, df)
    k, s = shape.k, shape.stride
    out = []
    for kind in kinds:
        if kind == "standard":
            parts = (_part("conv", Conv2d(m, n, k, s, norm=False), x),)
        elif kind == "depthwise":
            dw = _part("depthwise", Conv2d(m, m, k, s, groups=m, norm=False), x)
            parts = (dw, _part("pointwise", Conv2d(m, n, 1, norm=False), dw.out_shape))
        elif kind == "grouped":
            if m % shape.groups or n % shape.groups:
                raise MbcostError(
                    f"groups must divide M and N ({m} and {n} after alpha), got {shape.groups}"
                )
            parts = (_part("conv", Conv2d(m, n, k, s, groups=shape.groups, norm=False), x),)
        elif kind == "pointwise":
            parts = (_part("conv", Conv2d(m, n, 1, s, norm=False), x),)
        elif kind == "inverted":
            parts = _inverted(m, n, k, s, shape.expansion, x)
        elif kind == "uib":
            parts = _extra_dw(m, n, k, s, shape.expansion, x)
        else:
            parts = _fused(m, n, k, s, shape.expansion, x)
        out.append(KindCost(kind, parts))
    return Comparison(shape, m, n, df, tuple(out))


def _inverted(m: int, n: int, k: int, s: int, t: int, x: Shape) -> tuple[PartCost, ...]:
    """A V2 inverted residual: expand 1×1 to t·M (none when t = 1), depthwise k×k, project 1×1 to N."""
    parts = []
    hidden = _at_most_max_size("expansion*M", m * t)
    if t != 1:
        parts.append(_part("expand", Conv2d(m, hidden, 1, norm=False), x))
        x = parts[-1].out_shape
    dw = _part("depthwise", Conv2d(hidden, hidden, k, s, groups=hidden, norm=False), x)
    parts += [dw, _part("project", Conv2d(hidden, n, 1, norm=False), dw.out_shape)]
    return tuple(parts)


def _extra_dw(m: int, n: int, k: int, s: int, t: int, x: Shape) -> tuple[PartCost, ...]:
    """MobileNetV4's UIB in its ExtraDW case: depthwise k×k on M, expand 1×1 to t·M, depthwise
    k×k (stride s, as TF and timm put it), project 1×1 to N."""
    hidden = _at_most_max_size("expansion*M", m * t)
    start = _part("start depthwise", Conv2d(m, m, k, groups=m, norm=False), x)
    expand = _part("expand", Conv2d(m, hidden, 1, norm=False), start.out_shape)
    dw = _part(
        "depthwise", Conv2d(hidden, hidden, k, s, groups=hidden, norm=False), expand.out_shape
    )
    return (start, expand, dw, _part("project", Conv2d(hidden, n, 1, norm=False), dw.out_shape))


def _fused(m: int, n: int, k: int, s: int, t: int, x: Shape) -> tuple[PartCost, ...]:
    """FusedIB (Fused-MBConv): a k×k conv (stride s) from M to t·M, project 1×1 to N."""
    hidden = _at_most_max_size("expansion*M", m * t)
    expand = _part("expand", Conv2d(m, hidden, k, s, norm=False), x)
    return (expand, _part("project", Conv2d(hidden, n, 1, norm=False), expand.out_shape))
