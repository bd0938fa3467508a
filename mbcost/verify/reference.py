"""The reference models: torchvision's and timm's MobileNets at any width, with random weights.

``REFERENCES`` maps (built-in arch, implementation) to a factory; the implementation names the channel
rules the model follows, so the engine is expanded with the same ``--impl``. The paper's rules have no
model of their own: for V2 (and V3 at α ≥ 0.75) they build exactly timm's layers (TF rules), and
``find_reference`` uses timm's model after checking that; V1's paper rules (``int(c·α)``, no classifier
bias) and the v1-conv / v1-shallow variants are built by no library and are verified ``--against table``.

torchvision and timm are imported only inside the factories.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mbcost.errors import MbcostError
from mbcost.network import Network, build_network
from mbcost.report import Row


@dataclass(frozen=True, slots=True)
class Reference:
    """A library's model of ``arch`` following ``impl``'s rules; ``call`` shows how it is built."""

    arch: str
    impl: str
    package: str
    call: str  # with {alpha} for the width multiplier (and {depth} for the depth multiplier)
    factory: Callable[..., Any]  # (alpha) or, with ``depth``, (alpha, depth)
    depth: bool = False  # the factory takes a depth multiplier

    def describe(self, alpha: float, depth: float = 1.0) -> str:
        """The build call at width ``alpha`` and depth ``depth``, as a user would type it."""
        width, deep = self.multipliers(alpha, depth)
        return self.call.format(alpha=f"{width:g}", depth=f"{deep:g}")

    def multipliers(self, alpha: float, depth: float) -> tuple[float, float]:
        """The width and depth multipliers the library is given: the table's own coefficients
        (EfficientNet-B1…B7) times ``alpha`` and ``depth``, in the engine's order of operations."""
        data = _table_data(self.arch)
        return data.get("width_mult", 1.0) * alpha, data.get("depth_mult", 1.0) * depth

    def build(self, alpha: float, depth: float = 1.0) -> Any:
        """The model at width ``alpha`` and depth ``depth`` (random weights, eval mode)."""
        width, deep = self.multipliers(alpha, depth)
        model = self.factory(width, deep) if self.depth else self.factory(width)
        return model.eval()


def _table_data(arch: str) -> Any:
    from mbcost.archs import get_arch

    return get_arch(arch).data


def _torchvision(name: str) -> Callable[[float], Any]:
    def build(alpha: float) -> Any:
        models = importlib.import_module("torchvision.models")
        return getattr(models, name)(weights=None, width_mult=alpha)

    return build


def _timm(module: str, function: str, variant: str) -> Callable[[float], Any]:
    """timm's private generators take any channel multiplier; ``timm.create_model`` does not (its
    registered names pass their own ``channel_multiplier``). Attention runs unfused
    (``fused_attn = False``): its q·kᵀ and scores·v are then ``aten::matmul`` ops, which fvcore
    counts, where ``scaled_dot_product_attention`` is an op fvcore does not count."""

    def build(alpha: float) -> Any:
        generate = getattr(importlib.import_module(f"timm.models.{module}"), function)
        model = generate(variant, alpha, pretrained=False)
        for m in model.modules():
            if hasattr(m, "fused_attn"):
                m.fused_attn = False
        return model

    return build


def _torchvision_mnasnet(alpha: float) -> Any:
    """torchvision's MNASNet class takes any alpha (``mnasnet1_0`` is ``MNASNet(1.0)``)."""
    return importlib.import_module("torchvision.models").MNASNet(alpha)


def _torchvision_efficientnet(variant: str) -> Callable[[float, float], Any]:
    """torchvision's EfficientNet from ``_efficientnet_conf`` at any width and depth multiplier
    (``efficientnet_b0`` … ``b7`` pass their own coefficients)."""

    def build(width: float, depth: float) -> Any:
        module = importlib.import_module("torchvision.models.efficientnet")
        setting, last = module._efficientnet_conf(variant, width_mult=width, depth_mult=depth)
        return module.EfficientNet(setting, dropout=0.2, last_channel=last)

    return build


def _timm_efficientnet(variant: str) -> Callable[[float, float], Any]:
    def build(width: float, depth: float) -> Any:
        generate = importlib.import_module("timm.models.efficientnet")._gen_efficientnet
        return generate(variant, channel_multiplier=width, depth_multiplier=depth, pretrained=False)

    return build


def _efficientnets() -> tuple[Reference, ...]:
    from mbcost.archs.efficientnet import COEFFICIENTS

    references: list[Reference] = []
    for key in COEFFICIENTS:
        arch, variant = f"efficientnet-{key}", f"efficientnet_{key}"
        references += [
            Reference(
                arch,
                "torchvision",
                "torchvision",
                f"torchvision.models.efficientnet.EfficientNet(*_efficientnet_conf('{variant}', "
                "width_mult={alpha}, depth_mult={depth}), dropout=0.2)",
                _torchvision_efficientnet(variant),
                depth=True,
            ),
            Reference(
                arch,
                "timm",
                "timm",
                f"timm.models.efficientnet._gen_efficientnet('{variant}', "
                "channel_multiplier={alpha}, depth_multiplier={depth}, pretrained=False)",
                _timm_efficientnet(variant),
                depth=True,
            ),
        ]
    return tuple(references)


def _tv(arch: str, name: str) -> Reference:
    return Reference(
        arch,
        "torchvision",
        "torchvision",
        f"torchvision.models.{name}(weights=None, width_mult={{alpha}})",
        _torchvision(name),
    )


def _tm(arch: str, module: str, function: str, variant: str) -> Reference:
    return Reference(
        arch,
        "timm",
        "timm",
        f"timm.models.{module}.{function}('{variant}', {{alpha}}, pretrained=False)",
        _timm(module, function, variant),
    )


REFERENCES: dict[tuple[str, str], Reference] = {
    (r.arch, r.impl): r
    for r in (
        _tm("v1", "efficientnet", "_gen_mobilenet_v1", "mobilenetv1_100"),
        _tv("v2", "mobilenet_v2"),
        _tm("v2", "efficientnet", "_gen_mobilenet_v2", "mobilenetv2_100"),
        _tv("v3-large", "mobilenet_v3_large"),
        _tm("v3-large", "mobilenetv3", "_gen_mobilenet_v3", "mobilenetv3_large_100"),
        _tv("v3-small", "mobilenet_v3_small"),
        _tm("v3-small", "mobilenetv3", "_gen_mobilenet_v3", "mobilenetv3_small_100"),
        _tm("mnasnet-a1", "efficientnet", "_gen_mnasnet_a1", "semnasnet_100"),
        Reference(
            "mnasnet-b1",
            "torchvision",
            "torchvision",
            "torchvision.models.MNASNet({alpha})",
            _torchvision_mnasnet,
        ),
        _tm("mnasnet-b1", "efficientnet", "_gen_mnasnet_b1", "mnasnet_100"),
        *_efficientnets(),
        _tm("v4-conv-s", "mobilenetv3", "_gen_mobilenet_v4", "mobilenetv4_conv_small"),
        _tm("v4-conv-m", "mobilenetv3", "_gen_mobilenet_v4", "mobilenetv4_conv_medium"),
        _tm("v4-conv-l", "mobilenetv3", "_gen_mobilenet_v4", "mobilenetv4_conv_large"),
        _tm("v4-hybrid-m", "mobilenetv3", "_gen_mobilenet_v4", "mobilenetv4_hybrid_medium"),
        _tm("v4-hybrid-l", "mobilenetv3", "_gen_mobilenet_v4", "mobilenetv4_hybrid_large"),
    )
}


def find_reference(network: Network) -> Reference:
    """The reference model for the network's table and implementation.

    An implementation without its own model (``paper``) borrows one whose rules build the very same
    layers at this width and resolution (timm first: the paper numbers follow TF's rules); otherwise a
    ``MbcostError`` names the first layer where they part and what to run instead.
    """
    arch, impl = network.table.name, network.impl
    if (arch, impl) in REFERENCES:
        return REFERENCES[arch, impl]
    candidates = sorted(
        (r for (a, _), r in REFERENCES.items() if a == arch), key=lambda r: r.impl != "timm"
    )
    if not candidates:
        raise MbcostError(
            f"no torchvision or timm model builds {arch}; verify it with --against table"
        )
    differences = []
    for ref in candidates:
        other = build_network(
            network.table, network.alpha, network.resolution, ref.impl, network.depth
        )
        difference = first_difference(network, other)
        if difference is None:
            return ref
        differences.append(f"{ref.impl} ({difference})")
    raise MbcostError(
        f"{arch} --impl {impl} has no reference model at alpha {network.alpha:g}: its layers differ "
        f"from {' and from '.join(differences)}; use --impl {candidates[0].impl} to verify against "
        f"that model, or --against table"
    )


def first_difference(a: Network, b: Network) -> str | None:
    """``None`` when both networks expand to the same layers; else the first difference, in words."""
    for p, q in zip(a.layers, b.layers, strict=False):
        if _placed_key(p) != _placed_key(q):
            return f"layer {p.name}: {_differing_fields(p, q, a.impl, b.impl)}"
    if len(a.layers) != len(b.layers):
        return f"{len(a.layers)} layers vs {len(b.layers)}"
    return None


def _placed_key(p: Row) -> tuple:
    return type(p.layer), p.layer, p.inputs, p.in_shape, p.out_shape


def _differing_fields(p: Row, q: Row, impl_p: str, impl_q: str) -> str:
    if type(p.layer) is not type(q.layer):
        return f"{p.layer.kind} vs {q.layer.kind}"
    diffs = [
        f"{name} {a} ({impl_p}) vs {b} ({impl_q})"
        for name, a, b in zip(p.layer._fields, p.layer, q.layer, strict=True)
        if a != b
    ]
    if diffs:
        return ", ".join(diffs)
    if p.inputs != q.inputs:
        return f"reads rows {list(p.inputs)} ({impl_p}) vs {list(q.inputs)} ({impl_q})"
    return f"input {p.in_shape} ({impl_p}) vs {q.in_shape} ({impl_q})"
