"""An expanded ``Network`` -> a ``torch.nn.Module`` with random weights, one submodule per unit.

Each ``Unit`` (one repeat of one table block) becomes a ``UnitModule`` whose steps are named after the
engine's layer names (module ``7_2.dw.conv`` is the engine's ``7.2.dw``, ``7_2.se.reduce.conv`` its
``7.2.se.reduce``), so a mismatch names both sides.
Built so that fvcore sees exactly what the engine costs: convs use padding k//2, global average pools
are ``nn.AdaptiveAvgPool2d`` (fvcore counts those), the SE branch multiplies its block's feature map,
and a unit with ``residual`` adds its input to its output.

This module imports torch: import it only after ``mbcost.verify.require_torch()``.
"""

from __future__ import annotations

from collections import OrderedDict
from itertools import groupby

import torch
from torch import nn

from mbcost.layers import Conv2d, Layer, Linear, Pool
from mbcost.network import Network, Placed, Unit
from mbcost.roles import Role

ACTIVATIONS: dict[str, type[nn.Module]] = {  # every name in spec.ACTIVATIONS
    "relu": nn.ReLU,
    "relu6": nn.ReLU6,
    "hswish": nn.Hardswish,
    "hsigmoid": nn.Hardsigmoid,
    "swish": nn.SiLU,
    "sigmoid": nn.Sigmoid,
    "none": nn.Identity,
}


class UnitModule(nn.Sequential):
    """One repeat of one block: its steps in order, then the residual add when the unit has one."""

    def __init__(self, steps: dict[str, nn.Module], residual: bool) -> None:
        super().__init__(OrderedDict(steps))
        self.residual = residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = super().forward(x)
        return y + x if self.residual else y


class SqueezeExcite(nn.Sequential):
    """A side branch (the engine's consecutive ``se`` layers) whose output multiplies its input."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * super().forward(x)


class FlatLinear(nn.Module):
    """Flatten, Linear, activation; the output is reshaped to out×1×1 (the engine's output shape) so
    that any layer may follow. fvcore ignores flatten and reshape."""

    def __init__(self, layer: Linear) -> None:
        super().__init__()
        self.fc = nn.Linear(layer.in_f, layer.out_f, bias=layer.bias)
        self.act = ACTIVATIONS[layer.act]()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.act(self.fc(x.flatten(1)))
        return y.reshape(y.shape[0], -1, 1, 1)


def build_model(network: Network) -> nn.Sequential:
    """A torch module computing ``network``, with random weights, in eval mode: a Sequential of
    units named like the engine's with dots as underscores (``7.2`` -> ``7_2``)."""
    units = OrderedDict((unit.name.replace(".", "_"), _unit_module(unit)) for unit in network.units)
    return nn.Sequential(units).eval()


def _unit_module(unit: Unit) -> UnitModule:
    """A unit's steps; each run of consecutive SE layers becomes one ``SqueezeExcite`` step (``se``)."""
    steps: dict[str, nn.Module] = {}
    for is_se, group in groupby(unit.layers, key=lambda p: p.role is Role.SE):
        if is_se:
            branch: dict[str, nn.Module] = {}
            for p in group:
                branch[_unique(_suffix(unit, p).split(".")[-1], branch)] = _layer_module(p.layer)
            steps[_unique("se", steps)] = SqueezeExcite(OrderedDict(branch))
        else:
            for p in group:
                steps[_unique(_suffix(unit, p).replace(".", "_"), steps)] = _layer_module(p.layer)
    return UnitModule(steps, unit.residual)


def _suffix(unit: Unit, placed: Placed) -> str:
    """The engine layer name without its unit prefix (``7.2.se.reduce`` -> ``se.reduce``)."""
    return placed.name.removeprefix(f"{unit.name}.")


def _unique(key: str, taken: dict[str, nn.Module]) -> str:
    return key if key not in taken else f"{key}_{len(taken)}"


def _layer_module(layer: Layer) -> nn.Module:
    """Conv2d (+ BN when ``norm``) + activation, a flattening Linear, or a pool."""
    if isinstance(layer, Conv2d):
        block = nn.Sequential()
        block.add_module(
            "conv",
            nn.Conv2d(
                layer.in_c,
                layer.out_c,
                layer.k,
                layer.stride,
                padding=layer.k // 2,
                groups=layer.groups,
                bias=layer.bias,
            ),
        )
        if layer.norm:
            block.add_module("bn", nn.BatchNorm2d(layer.out_c))
        block.add_module("act", ACTIVATIONS[layer.act]())
        return block
    if isinstance(layer, Linear):
        return FlatLinear(layer)
    if isinstance(layer, Pool):
        if layer.is_global:  # adaptive to 1×1: fvcore counts the average one, 1 per input element
            return nn.AdaptiveAvgPool2d(1) if layer.op == "avg" else nn.AdaptiveMaxPool2d(1)
        window = nn.AvgPool2d if layer.op == "avg" else nn.MaxPool2d
        return window(layer.k, layer.stride)  # no padding: floor((H − k)/s) + 1, as the engine
    raise TypeError(f"no torch module for layer {layer!r}")
