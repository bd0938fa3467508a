"""The block kinds of the table format: one registry entry per kind with its fields (checker and
default), its cross-field rules and its expansion into layers.

An expansion is one repeat of one block at the current input width: a list of ``Part``s, each naming
the parts it reads (``""`` is the unit's input). Residual adds and SE multiplies are parts of their
own, so the edges are stated here, once, and never guessed from roles; ``role`` only labels rollups.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from mbcost import fields as F
from mbcost.errors import SpecError
from mbcost.layers import (
    Add,
    AttnScores,
    AttnValues,
    Conv2d,
    Layer,
    LayerScale,
    Linear,
    Mul,
    Norm,
    Pool,
    Softmax,
)
from mbcost.roles import Role
from mbcost.rounding import ROUNDING_RULES, WIDTH_POLICIES, scaled_width

UNIT_INPUT = ""  # the name a part uses for the input of its unit


class Part(NamedTuple):
    """One layer of an expanded block: a name suffix, its role, the layer, and the suffixes of the
    parts it reads (``None``: the previous part, or the unit's input for the first part)."""

    suffix: str
    role: Role
    layer: Layer
    inputs: tuple[str, ...] | None = None


class Expansion(NamedTuple):
    """One repeat of a block: its parts (the last one is the unit's output) and the unscaled output
    width (what the ``ratio`` width policy of the next block refers to)."""

    parts: tuple[Part, ...]
    out_nominal: int


class Context(NamedTuple):
    """Everything an expansion depends on besides the block's own fields."""

    in_c: int  # input width (scaled)
    in_nominal: int  # unscaled input width
    alpha: float
    rule: str  # channel rounding rule name
    first: bool  # first layer of the network (a conv there is the stem)
    repeat: int  # 0 for the first repeat, which carries the block's stride
    where: str  # "file:line: block i (kind)" for errors

    def width(self, nominal: int, policy: str) -> int:
        """The scaled width of a row of unscaled width ``nominal`` under the row's width policy."""
        return scaled_width(
            nominal, self.alpha, self.rule, policy, in_width=self.in_nominal, in_scaled=self.in_c
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
    layer = _conv(ctx, f, ctx.in_c, out_c, f["k"], ctx.stride(f["s"]), f["groups"])
    role = Role(f["role"]) if f["role"] else (Role.STEM if ctx.first else Role.CONV)
    return Expansion((Part("conv", role, layer),), f["out"])


def expand_dw(ctx: Context, f: Mapping[str, Any]) -> Expansion:
    """``dw``: depthwise k×k conv, ``mult`` outputs per input channel."""
    c = ctx.in_c
    layer = _conv(ctx, f, c, c * f["mult"], f["k"], ctx.stride(f["s"]), groups=c)
    return Expansion((Part("dw", Role.DEPTHWISE, layer),), ctx.in_nominal * f["mult"])


def expand_pw(ctx: Context, f: Mapping[str, Any]) -> Expansion:
    """``pw``: pointwise 1×1 conv."""
    layer = _conv(ctx, f, ctx.in_c, ctx.width(f["out"], f["width"]), 1)
    return Expansion((Part("pw", Role.POINTWISE, layer),), f["out"])


def expand_ds(ctx: Context, f: Mapping[str, Any]) -> Expansion:
    """``ds``: depthwise-separable = depthwise k×k (stride s) + pointwise 1×1 (V1's rows)."""
    c = ctx.in_c
    dw = _conv(ctx, f, c, c, f["k"], ctx.stride(f["s"]), groups=c)
    pw = _conv(ctx, f, c, ctx.width(f["out"], f["width"]), 1)
    return Expansion((Part("dw", Role.DEPTHWISE, dw), Part("pw", Role.POINTWISE, pw)), f["out"])


def _expanded_width(ctx: Context, f: Mapping[str, Any]) -> int:
    """The scaled expanded width of an ``ir`` block.

    ``t``: the rounded input times t (TF's expand_input_by_factor; torchvision's round(inp·t));
    ``exp``: the paper's absolute width under the ``exp_width`` policy (``ratio`` for TF/timm,
    ``scale`` for torchvision's V3).
    """
    if f["t"] is not None:
        product = ctx.in_c * f["t"]
        return int(product) if product == int(product) else ROUNDING_RULES[ctx.rule](product)
    return ctx.width(f["exp"], f["exp_width"])


def _squeeze_excite(ctx: Context, f: Mapping[str, Any], x: str, c: int) -> list[Part]:
    """SE on part ``x`` of width ``c``: global pool → reduce 1×1 (``se_act``) → expand 1×1
    (``se_gate``) → x · gate. Squeeze width: ``se_round(se · base)``, base the expanded width
    (``se_base: expanded``, MobileNetV3) or the block input (``input``, MnasNet/EfficientNet)."""
    base = c if f["se_base"] == "expanded" else ctx.in_c
    squeeze = ROUNDING_RULES[f["se_round"]](base * f["se"])
    gate_fields = {"bias": True, "norm": "none"}
    reduce = _conv(ctx, gate_fields | {"act": f["se_act"]}, c, squeeze, 1)
    expand = _conv(ctx, gate_fields | {"act": f["se_gate"]}, squeeze, c, 1)
    return [
        Part("se.pool", Role.SE, Pool("avg"), (x,)),
        Part("se.reduce", Role.SE, reduce),
        Part("se.expand", Role.SE, expand),
        Part("se.scale", Role.SE, Mul(), (x, "se.expand")),
    ]


def expand_ir(ctx: Context, f: Mapping[str, Any]) -> Expansion:
    """``ir``: inverted residual (V2/V3): [expand 1×1] → depthwise k×k → [SE] → project 1×1 [+ input].

    No expand conv when the expanded width equals the input (V2's t = 1 row, V3's first row). The
    input is added to the output when the stride is 1 and the widths match (``residual`` forces it on
    or off; on with mismatched shapes is an error).
    """
    c = ctx.in_c
    exp_c = _expanded_width(ctx, f)
    out_c = ctx.width(f["out"], f["width"])
    stride = ctx.stride(f["s"])
    parts = []
    if exp_c != c:
        parts.append(Part("expand", Role.EXPAND, _conv(ctx, f, c, exp_c, 1)))
    parts.append(Part("dw", Role.DEPTHWISE, _conv(ctx, f, exp_c, exp_c, f["k"], stride, exp_c)))
    if f["se"]:
        parts += _squeeze_excite(ctx, f, "dw", exp_c)
    parts.append(Part("project", Role.PROJECT, _conv(ctx, f, exp_c, out_c, 1, act="none")))
    parts += _residual(ctx, f, out_c, stride, "project")
    return Expansion(tuple(parts), f["out"])


def _residual(ctx: Context, f: Mapping[str, Any], out_c: int, stride: int, last: str) -> list[Part]:
    """The residual add of the unit's input and part ``last`` when the stride is 1 and the widths
    match (``residual`` forces it on or off; on with mismatched shapes is an error)."""
    fits = stride == 1 and ctx.in_c == out_c
    if f["residual"] and not fits:
        raise SpecError(
            f"'residual: true' needs matching shapes, but the block maps {ctx.in_c} channels to "
            f"{out_c}{' with stride ' + str(stride) if stride != 1 else ''}",
            ctx.where,
        )
    if fits if f["residual"] is None else f["residual"]:
        return [Part("add", Role.RESIDUAL, Add(), (UNIT_INPUT, last))]
    return []


def _ratio_width(ctx: Context, f: Mapping[str, Any]) -> int:
    """The expanded width of a ``uib`` or ``fused`` block: ``rule(C_in · t)`` from the rounded
    input, rounded even where the product is whole (TF's and timm's ``make_divisible``)."""
    return ROUNDING_RULES[ctx.rule](ctx.in_c * f["t"])


def _layer_scale(f: Mapping[str, Any], role: Role = Role.PROJECT) -> list[Part]:
    return [Part("layer_scale", role, LayerScale())] if f["layer_scale"] else []


def expand_uib(ctx: Context, f: Mapping[str, Any]) -> Expansion:
    """``uib``: the Universal Inverted Bottleneck of MobileNetV4: [depthwise a×a] → expand 1×1 →
    [depthwise k×k] → project 1×1 → [layer scale] [+ input].

    ``a: 0`` or ``k: 0`` leaves that depthwise out: IB (``a: 0``), ConvNeXt-like (``k: 0``),
    ExtraDW (both) and FFN (neither) are its four cases. The stride sits on the middle depthwise,
    else on the start one (TF's ``middle_dw_downsample``, timm's UniversalInvertedResidual). The
    start depthwise has BatchNorm and no activation, the middle one both; the projection is linear.
    """
    c = ctx.in_c
    stride = ctx.stride(f["s"])
    exp_c = _ratio_width(ctx, f)
    out_c = ctx.width(f["out"], f["width"])
    parts = []
    if f["a"]:
        start_stride = 1 if f["k"] else stride
        start = _conv(ctx, f, c, c, f["a"], start_stride, c, act="none")
        parts.append(Part("dw_start", Role.DEPTHWISE, start))
    parts.append(Part("expand", Role.EXPAND, _conv(ctx, f, c, exp_c, 1)))
    if f["k"]:
        parts.append(Part("dw", Role.DEPTHWISE, _conv(ctx, f, exp_c, exp_c, f["k"], stride, exp_c)))
    parts.append(Part("project", Role.PROJECT, _conv(ctx, f, exp_c, out_c, 1, act="none")))
    parts += _layer_scale(f)
    parts += _residual(ctx, f, out_c, stride, parts[-1].suffix)
    return Expansion(tuple(parts), f["out"])


def expand_fused(ctx: Context, f: Mapping[str, Any]) -> Expansion:
    """``fused``: FusedIB (timm's EdgeResidual, Fused-MBConv): a k×k conv (stride s) from C_in to
    ``rule(C_in · t)`` → project 1×1 (linear) [+ input]."""
    c = ctx.in_c
    stride = ctx.stride(f["s"])
    exp_c = _ratio_width(ctx, f)
    out_c = ctx.width(f["out"], f["width"])
    parts = [
        Part("expand", Role.EXPAND, _conv(ctx, f, c, exp_c, f["k"], stride)),
        Part("project", Role.PROJECT, _conv(ctx, f, exp_c, out_c, 1, act="none")),
    ]
    parts += _residual(ctx, f, out_c, stride, "project")
    return Expansion(tuple(parts), f["out"])


def expand_mqa(ctx: Context, f: Mapping[str, Any]) -> Expansion:
    """``mqa``: Mobile MQA, the multi-query attention block of the MobileNetV4 hybrids (timm's
    MobileAttention with MultiQueryAttention2d): BatchNorm → query 1×1 to ``heads·key_dim``;
    [depthwise k×k, stride ``kv_stride``, + BatchNorm] → key 1×1 to one ``key_dim`` head; the same
    for the value (its own depthwise) to one ``value_dim`` head; scores q·kᵀ → softmax → scores·v
    → output 1×1 → [layer scale] [+ input].

    No activation and no bias anywhere (the block's activation is unused); ``heads``, ``key_dim``
    and ``value_dim`` are not scaled by α (TF and timm). The two matmuls cost
    ``heads·N_q·N_kv·(key_dim + value_dim)`` MACs, the ``attention`` term. Its four 1×1 convs are
    ``pointwise`` (no ``project`` part: the block is no inverted residual to ``v2-table3``).
    """
    c = ctx.in_c
    heads, key_dim = f["heads"], f["key_dim"]
    value_dim = f["value_dim"] or key_dim
    out_c = ctx.width(f["out"], f["width"])
    linear = {"bias": False, "norm": "none", "act": "none"}
    parts = [
        Part("norm", Role.NORM, Norm()),
        Part("query", Role.POINTWISE, _conv(ctx, linear, c, heads * key_dim, 1), ("norm",)),
    ]
    for name, width in (("key", key_dim), ("value", value_dim)):
        source = "norm"
        if f["kv_stride"] > 1:
            down = _conv(ctx, linear | {"norm": "bn"}, c, c, f["k"], f["kv_stride"], c)
            parts.append(Part(f"{name}.down", Role.DEPTHWISE, down, (source,)))
            source = f"{name}.down"
        proj = _conv(ctx, linear, c, width, 1)
        parts.append(Part(f"{name}.proj", Role.POINTWISE, proj, (source,)))
    parts += [
        Part("scores", Role.ATTENTION, AttnScores(heads, key_dim), ("query", "key.proj")),
        Part("softmax", Role.ATTENTION, Softmax()),
        Part("values", Role.ATTENTION, AttnValues(heads, value_dim), ("softmax", "value.proj")),
        Part("output", Role.POINTWISE, _conv(ctx, linear, heads * value_dim, out_c, 1)),
        *_layer_scale(f, Role.POINTWISE),
    ]
    parts += _residual(ctx, f, out_c, 1, parts[-1].suffix)
    return Expansion(tuple(parts), f["out"])


def expand_pool(ctx: Context, f: Mapping[str, Any]) -> Expansion:
    """``pool``: global (``global: avg|max``) or windowed (``k``, ``s`` defaulting to k, ``op``)."""
    layer = Pool(f["global"]) if f["global"] else Pool(f["op"], f["k"], f["s"] or f["k"])
    return Expansion((Part("pool", Role.POOL, layer),), ctx.in_nominal)


def expand_linear(ctx: Context, f: Mapping[str, Any]) -> Expansion:
    """``linear``: fully connected on the flattened input (the classifier)."""
    layer = Linear(ctx.in_c, ctx.width(f["out"], f["width"]), bias=f["bias"], act=f["act"])
    return Expansion((Part("fc", Role.CLASSIFIER, layer),), f["out"])


def _ir_rules(f: Mapping[str, Any]) -> str | None:
    if f.get("residual") is True and "s" in f and f["s"] != 1:
        return "'residual: true' needs stride 1 ('s' is not 1)"
    if ("t" in f) == ("exp" in f):
        return "give exactly one of 't' (expansion ratio) or 'exp' (expanded width)"
    se_fields = sorted(k for k in f if k.startswith("se_"))
    if se_fields and not f.get("se"):
        return f"{', '.join(se_fields)} set, but the block has no SE ('se' is 0)"
    return None


def _strided_residual(f: Mapping[str, Any]) -> str | None:
    if f.get("residual") is True and f.get("s", 1) != 1:
        return "'residual: true' needs stride 1 ('s' is not 1)"
    return None


def _uib_rules(f: Mapping[str, Any]) -> str | None:
    no_dw = f.get("a", 0) == 0 and f.get("k", 3) == 0
    if no_dw and f.get("s", 1) != 1:
        return "a UIB without depthwise convs ('a' and 'k' 0, an FFN) cannot have stride 's'"
    return _strided_residual(f)


def _mqa_rules(f: Mapping[str, Any]) -> str | None:
    if f.get("kv_stride", 1) == 1 and "k" in f:
        return "'k' is the kernel of the key/value downsampling; it needs 'kv_stride' above 1"
    return None


def _pool_rules(f: Mapping[str, Any]) -> str | None:
    if ("global" in f) == ("k" in f):
        return "give either 'global' (avg or max) or a window 'k'"
    if "global" in f and ({"op", "s"} & set(f)):
        return "'op' and 's' apply to windowed pools only; use 'global: max'"
    return None


class BlockKind(NamedTuple):
    """A block kind: fields (checker and default), a cross-field rule (returns a message or None)
    and the expansion (None for ``repeat``, which the table unrolls)."""

    fields: Mapping[str, tuple[F.Checker | None, Any]]
    expand: Callable[[Context, Mapping[str, Any]], Expansion] | None
    rules: Callable[[Mapping[str, Any]], str | None] = lambda f: None


_act = (F.choice(*F.ACTIVATIONS), F.FROM_DEFAULTS)
_norm = (F.choice(*F.NORMS), F.FROM_DEFAULTS)
_bias = (F.boolean, F.FROM_DEFAULTS)
_width = (F.choice(*WIDTH_POLICIES), "scale")
_repeats = (F.positive_int, 1)
_depth = (F.choice(*F.DEPTH_POLICIES), F.FROM_DEFAULTS)  # does --depth scale ``n``?

BLOCKS: dict[str, BlockKind] = {
    "conv": BlockKind(
        {
            "k": (F.positive_int, F.REQUIRED),
            "s": (F.positive_int, 1),
            "out": (F.positive_int, F.REQUIRED),
            "groups": (F.positive_int, 1),
            "bias": _bias,
            "norm": _norm,
            "act": _act,
            "width": _width,
            "role": (F.choice(*(r.value for r in Role)), None),
            "n": _repeats,
            "depth": _depth,
        },
        expand_conv,
    ),
    "dw": BlockKind(
        {
            "k": (F.positive_int, 3),
            "s": (F.positive_int, 1),
            "mult": (F.positive_int, 1),
            "bias": _bias,
            "norm": _norm,
            "act": _act,
            "n": _repeats,
            "depth": _depth,
        },
        expand_dw,
    ),
    "pw": BlockKind(
        {
            "out": (F.positive_int, F.REQUIRED),
            "bias": _bias,
            "norm": _norm,
            "act": _act,
            "width": _width,
            "n": _repeats,
            "depth": _depth,
        },
        expand_pw,
    ),
    "ds": BlockKind(
        {
            "k": (F.positive_int, 3),
            "s": (F.positive_int, 1),
            "out": (F.positive_int, F.REQUIRED),
            "norm": _norm,
            "act": _act,
            "width": _width,
            "n": _repeats,
            "depth": _depth,
        },
        expand_ds,
    ),
    "ir": BlockKind(
        {
            "t": (F.positive_number, None),
            "exp": (F.positive_int, None),
            "out": (F.positive_int, F.REQUIRED),
            "k": (F.positive_int, 3),
            "s": (F.positive_int, 1),
            "n": _repeats,
            "depth": _depth,
            "se": (F.fraction, 0),
            "se_base": (F.choice("expanded", "input"), F.FROM_DEFAULTS),
            "se_round": (F.choice(*ROUNDING_RULES), F.FROM_DEFAULTS),
            "se_act": (F.choice(*F.ACTIVATIONS), F.FROM_DEFAULTS),
            "se_gate": (F.choice(*F.ACTIVATIONS), F.FROM_DEFAULTS),
            "act": _act,
            "norm": _norm,
            "width": _width,
            "exp_width": (F.choice(*WIDTH_POLICIES), F.FROM_DEFAULTS),
            "residual": (F.boolean, None),
        },
        expand_ir,
        _ir_rules,
    ),
    "uib": BlockKind(
        {
            "t": (F.positive_number, F.REQUIRED),
            "out": (F.positive_int, F.REQUIRED),
            "a": (F.non_negative_int, 0),
            "k": (F.non_negative_int, 3),
            "s": (F.positive_int, 1),
            "n": _repeats,
            "depth": _depth,
            "layer_scale": (F.boolean, False),
            "act": _act,
            "norm": _norm,
            "width": _width,
            "residual": (F.boolean, None),
        },
        expand_uib,
        _uib_rules,
    ),
    "fused": BlockKind(
        {
            "t": (F.positive_number, F.REQUIRED),
            "out": (F.positive_int, F.REQUIRED),
            "k": (F.positive_int, 3),
            "s": (F.positive_int, 1),
            "n": _repeats,
            "depth": _depth,
            "act": _act,
            "norm": _norm,
            "width": _width,
            "residual": (F.boolean, None),
        },
        expand_fused,
        _strided_residual,
    ),
    "mqa": BlockKind(
        {
            "out": (F.positive_int, F.REQUIRED),
            "heads": (F.positive_int, F.REQUIRED),
            "key_dim": (F.positive_int, F.REQUIRED),
            "value_dim": (F.positive_int, None),
            "kv_stride": (F.positive_int, 1),
            "k": (F.positive_int, 3),
            "n": _repeats,
            "depth": _depth,
            "layer_scale": (F.boolean, False),
            "width": _width,
            "residual": (F.boolean, None),
        },
        expand_mqa,
        _mqa_rules,
    ),
    "pool": BlockKind(
        {
            "global": (F.choice(*F.POOL_OPS), None),
            "op": (F.choice(*F.POOL_OPS), "avg"),
            "k": (F.positive_int, None),
            "s": (F.positive_int, None),
        },
        expand_pool,
        _pool_rules,
    ),
    "linear": BlockKind(
        {
            "out": (F.positive_int, F.REQUIRED),
            "bias": (F.boolean, True),
            "act": (F.choice(*F.ACTIVATIONS), "none"),
            "width": (F.choice(*WIDTH_POLICIES), "fixed"),
        },
        expand_linear,
    ),
    "repeat": BlockKind({"n": (F.positive_int, F.REQUIRED), "blocks": (None, F.REQUIRED)}, None),
}
