"""An expanded ``Network`` -> a ``torch.nn.Module`` with random weights, built from the engine's edges.

Every node becomes one submodule, nested by the node's name (the engine's ``7.2.se.reduce`` is module
``7.2.se.reduce``, its conv ``7.2.se.reduce.conv``), so a mismatch names both sides; the forward pass
runs the nodes in the engine's order, each reading exactly the nodes in its ``inputs``. So a wrong edge
in the engine (a residual or an SE gate reading the wrong tensor) fails here or changes the counts.
Built so that fvcore sees exactly what the engine costs: convs use padding k//2, global average pools
are ``nn.AdaptiveAvgPool2d`` (fvcore counts those), residual adds and SE multiplies are plain tensor ops.

This module imports torch: import it only after ``mbcost.verify.require_torch()``.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from mbcost.layers import (
    Add,
    AttnScores,
    AttnValues,
    Conv2d,
    LayerScale,
    Linear,
    Mul,
    Norm,
    Pool,
    Softmax,
)
from mbcost.network import Network
from mbcost.plan import NETWORK_INPUT
from mbcost.report import Row

ACTIVATIONS: dict[str, type[nn.Module]] = {  # every name in spec.ACTIVATIONS
    "relu": nn.ReLU,
    "relu6": nn.ReLU6,
    "hswish": nn.Hardswish,
    "hsigmoid": nn.Hardsigmoid,
    "swish": nn.SiLU,
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
    "none": nn.Identity,
}


class Sum(nn.Module):
    """The element-wise sum of its inputs (a residual add)."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        total = xs[0]
        for x in xs[1:]:
            total = total + x
        return total


class Scale(nn.Module):
    """Its first input times its second, a 1×1 gate (the SE multiply)."""

    def forward(self, x: torch.Tensor, gate: torch.Tensor) -> torch.Tensor:
        return x * gate


class Gamma(nn.Module):
    """Layer scale: the input times a learned per-channel γ (timm's LayerScale2d)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.full((channels,), 1e-5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gamma.view(1, -1, 1, 1)


class Scores(nn.Module):
    """Multi-query attention scores, as timm's MultiQueryAttention2d computes them unfused: the
    queries (heads·key_dim channels) scaled by key_dim^-0.5, times the one key head; the output is
    heads × N_q × N_kv (``aten::matmul``, which fvcore counts)."""

    def __init__(self, layer: AttnScores) -> None:
        super().__init__()
        self.heads, self.key_dim = layer.heads, layer.key_dim

    def forward(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        b = q.shape[0]
        q = q.reshape(b, self.heads, self.key_dim, -1).transpose(-1, -2).contiguous()
        k = k.reshape(b, self.key_dim, -1).transpose(1, 2).unsqueeze(1).contiguous()
        return (q * self.key_dim**-0.5) @ k.transpose(-1, -2)


class Softmaxed(nn.Module):
    """The softmax over the keys."""

    def forward(self, scores: torch.Tensor) -> torch.Tensor:
        return scores.softmax(dim=-1)


class Values(nn.Module):
    """The softmaxed scores times the one value head, back to heads·value_dim channels on the
    (square) query map."""

    def __init__(self, layer: AttnValues) -> None:
        super().__init__()
        self.heads, self.value_dim = layer.heads, layer.value_dim

    def forward(self, attn: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        b, n = attn.shape[0], attn.shape[2]
        v = v.reshape(b, self.value_dim, -1).transpose(1, 2).unsqueeze(1).contiguous()
        o = (attn @ v).transpose(1, 2)  # b, N_q, heads, value_dim
        side = math.isqrt(n)
        return o.reshape(b, side, side, -1).permute(0, 3, 1, 2).contiguous()


class FlatLinear(nn.Module):
    """Flatten, Linear, activation; the output is reshaped to out×1×1 (the engine's output shape) so
    that any layer may follow. fvcore ignores flatten and reshape."""

    def __init__(self, layer: Linear, features: int) -> None:
        super().__init__()
        self.fc = nn.Linear(features, layer.out_f, bias=layer.bias)
        self.act = ACTIVATIONS[layer.act]()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.act(self.fc(x.flatten(1)))
        return y.reshape(y.shape[0], -1, 1, 1)


class GraphModel(nn.Module):
    """The network's nodes as nested submodules, run in order along the engine's edges."""

    def __init__(self, network: Network) -> None:
        super().__init__()
        self.steps: list[tuple[nn.Module, tuple[int, ...]]] = []
        for row in network.layers:
            module = _layer_module(row)
            _attach(self, row.name.split("."), module)
            self.steps.append((module, row.inputs))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs: list[torch.Tensor] = []
        for module, inputs in self.steps:
            outs.append(module(*(x if j == NETWORK_INPUT else outs[j] for j in inputs)))
        return outs[-1]


def build_model(network: Network) -> GraphModel:
    """A torch module computing ``network``, with random weights, in eval mode."""
    return GraphModel(network).eval()


def _attach(root: nn.Module, path: list[str], module: nn.Module) -> None:
    """Register ``module`` at ``path`` under ``root``, creating empty containers on the way."""
    parent = root
    for part in path[:-1]:
        if not hasattr(parent, part) or not isinstance(getattr(parent, part), nn.Module):
            parent.add_module(part, nn.Module())
        parent = getattr(parent, part)
    parent.add_module(path[-1], module)


def _layer_module(row: Row) -> nn.Module:
    """Conv2d (+ BN when ``norm``) + activation, a flattening Linear, a pool, an add or a multiply."""
    layer = row.layer
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
        return FlatLinear(layer, row.in_shape.elements)
    if isinstance(layer, Add):
        return Sum()
    if isinstance(layer, Mul):
        return Scale()
    if isinstance(layer, Norm):
        return nn.BatchNorm2d(row.in_shape.c)
    if isinstance(layer, LayerScale):
        return Gamma(row.in_shape.c)
    if isinstance(layer, AttnScores):
        return Scores(layer)
    if isinstance(layer, Softmax):
        return Softmaxed()
    if isinstance(layer, AttnValues):
        return Values(layer)
    if isinstance(layer, Pool):
        if layer.is_global:  # adaptive to 1×1: fvcore counts the average one, 1 per input element
            return nn.AdaptiveAvgPool2d(1) if layer.op == "avg" else nn.AdaptiveMaxPool2d(1)
        window = nn.AvgPool2d if layer.op == "avg" else nn.MaxPool2d
        return window(layer.k, layer.stride)  # no padding: floor((H − k)/s) + 1, as the engine
    raise TypeError(f"no torch module for layer {layer!r}")
