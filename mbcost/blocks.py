"""How each block kind of the table format expands into layers with roles.

One call expands one repeat of one block at the current input; the network threads shapes through.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from mbcost.errors import SpecError
from mbcost.layers import Conv2d, Layer, Linear, Pool, Shape
from mbcost.roles import Role
from mbcost.rounding import ROUNDING_RULES, make_divisible, scaled_width


class Part(NamedTuple):
    """One layer of an expanded block: a name suffix, its role and the layer record."""

    suffix: str
    role: Role
    layer: Layer


class Expansion(NamedTuple):
    """One repeat of a block: its layers, whether its input is added to its output, and the
    unscaled output width (what the ``ratio`` width policy of the next block refers to)."""

    parts: tuple[Part, ...]
    residual: bool
    out_nominal: int


class Context(NamedTuple):
    """Everything an expansion depends on besides the block's own fields."""

    x: Shape  # input feature map (scaled widths)
    in_nominal: int  # unscaled input width
    alpha: float
    rule: str  # channel rounding rule name
    first: bool  # first layer of the network (a conv there is the stem)
    repeat: int  # 0 for the first repeat, which carries the block's stride
    where: str  # "file:line: block i (kind)" for errors

    def width(self, nominal: int, policy: str) -> int:
        """The scaled width of a row of unscaled width ``nominal`` under the row's width policy."""
        return scaled_width(
            nominal, self.alpha, self.rule, policy, in_width=self.in_nominal, in_scaled=self.x.c
        )

    def stride(self, s: int) -> int:
        """A block's stride applies to its first repeat only."""
        return s if self.repeat == 0 else 1


def _conv(
    ctx: Context,
    f: Mapping[str, Any],
    in_c: int,
    out_c: int,
    k: int,
    stride: int = 1,
    groups: int = 1,
    act: str | None = None,
) -> Conv2d:
    if in_c % groups or out_c % groups:
        raise SpecError(
            f"'groups' must divide the input and output channels ({in_c} and {out_c}), got {groups}",
            ctx.where,
        )
    return Conv2d(
        in_c,
        out_c,
        k,
        stride,
        groups,
        bias=f.get("bias", False),
        norm=f["norm"] == "bn",
        act=f["act"] if act is None else act,
    )


def expand_conv(ctx: Context, f: Mapping[str, Any]) -> Expansion:
    """``conv``: a standard or grouped k×k conv; the network's first conv is the stem."""
    out_c = ctx.width(f["out"], f["width"])
    layer = _conv(ctx, f, ctx.x.c, out_c, f["k"], ctx.stride(f["s"]), f["groups"])
    role = Role(f["role"]) if f["role"] else (Role.STEM if ctx.first else Role.CONV)
    return Expansion((Part("conv", role, layer),), False, f["out"])


def expand_dw(ctx: Context, f: Mapping[str, Any]) -> Expansion:
    """``dw``: depthwise k×k conv, ``mult`` outputs per input channel."""
    c = ctx.x.c
    layer = _conv(ctx, f, c, c * f["mult"], f["k"], ctx.stride(f["s"]), groups=c)
    return Expansion((Part("dw", Role.DEPTHWISE, layer),), False, ctx.in_nominal * f["mult"])


def expand_pw(ctx: Context, f: Mapping[str, Any]) -> Expansion:
    """``pw``: pointwise 1×1 conv."""
    layer = _conv(ctx, f, ctx.x.c, ctx.width(f["out"], f["width"]), 1)
    return Expansion((Part("pw", Role.POINTWISE, layer),), False, f["out"])


def expand_ds(ctx: Context, f: Mapping[str, Any]) -> Expansion:
    """``ds``: depthwise-separable = depthwise k×k (stride s) + pointwise 1×1 (V1's rows)."""
    c = ctx.x.c
    dw = _conv(ctx, f, c, c, f["k"], ctx.stride(f["s"]), groups=c)
    pw = _conv(ctx, f, c, ctx.width(f["out"], f["width"]), 1)
    return Expansion(
        (Part("dw", Role.DEPTHWISE, dw), Part("pw", Role.POINTWISE, pw)), False, f["out"]
    )


def _expanded_width(ctx: Context, f: Mapping[str, Any]) -> tuple[int, int]:
    """(scaled, unscaled) expanded width of an ``ir`` block.

    ``t``: the rounded input times t (TF's expand_input_by_factor; torchvision's round(inp·t));
    ``exp``: the paper's absolute width under the ``exp_width`` policy (``ratio`` for TF/timm,
    ``scale`` for torchvision's V3).
    """
    if f["t"] is not None:
        t = f["t"]
        product = ctx.x.c * t
        scaled = int(product) if product == int(product) else ROUNDING_RULES[ctx.rule](product)
        return scaled, round(t * ctx.in_nominal)
    return ctx.width(f["exp"], f["exp_width"]), f["exp"]


def expand_ir(ctx: Context, f: Mapping[str, Any]) -> Expansion:
    """``ir``: inverted residual (V2/V3): [expand 1×1] → depthwise k×k → [SE] → project 1×1.

    No expand conv when the expanded width equals the input (V2's t = 1 row, V3's first row). SE squeeze
    width is ``make_divisible(se · expanded, 8)`` (TF, torchvision and timm agree). The input is added to
    the output when the stride is 1 and the widths match (``residual`` forces it on or off; on with
    mismatched shapes is an error).
    """
    c = ctx.x.c
    exp_c, _ = _expanded_width(ctx, f)
    out_c = ctx.width(f["out"], f["width"])
    stride = ctx.stride(f["s"])
    parts = []
    if exp_c != c:
        parts.append(Part("expand", Role.EXPAND, _conv(ctx, f, c, exp_c, 1)))
    parts.append(Part("dw", Role.DEPTHWISE, _conv(ctx, f, exp_c, exp_c, f["k"], stride, exp_c)))
    if f["se"]:
        squeeze = make_divisible(exp_c * f["se"])
        se_fields = {"bias": True, "norm": "none"}
        parts += [
            Part("se.pool", Role.SE, Pool("avg")),
            Part("se.reduce", Role.SE, _conv(ctx, se_fields | {"act": "relu"}, exp_c, squeeze, 1)),
            Part(
                "se.expand", Role.SE, _conv(ctx, se_fields | {"act": "hsigmoid"}, squeeze, exp_c, 1)
            ),
        ]
    parts.append(Part("project", Role.PROJECT, _conv(ctx, f, exp_c, out_c, 1, act="none")))
    fits = stride == 1 and c == out_c
    if f["residual"] and not fits:
        raise SpecError(
            f"'residual: true' needs matching shapes, but the block maps {c} channels to {out_c}"
            f"{' with stride ' + str(stride) if stride != 1 else ''}",
            ctx.where,
        )
    return Expansion(tuple(parts), fits if f["residual"] is None else f["residual"], f["out"])


def expand_pool(ctx: Context, f: Mapping[str, Any]) -> Expansion:
    """``pool``: global (``global: avg|max``) or windowed (``k``, ``s`` defaulting to k, ``op``)."""
    layer = Pool(f["global"]) if f["global"] else Pool(f["op"], f["k"], f["s"] or f["k"])
    return Expansion((Part("pool", Role.POOL, layer),), False, ctx.in_nominal)


def expand_linear(ctx: Context, f: Mapping[str, Any]) -> Expansion:
    """``linear``: fully connected on the flattened input (the classifier)."""
    out_f = ctx.width(f["out"], f["width"])
    layer = Linear(ctx.x.elements, out_f, bias=f["bias"], act=f["act"])
    return Expansion((Part("fc", Role.CLASSIFIER, layer),), False, f["out"])


EXPANDERS = {
    "conv": expand_conv,
    "dw": expand_dw,
    "pw": expand_pw,
    "ds": expand_ds,
    "ir": expand_ir,
    "pool": expand_pool,
    "linear": expand_linear,
}
