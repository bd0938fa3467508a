"""Torch modules as a deployed model runs them: BatchNorm folded into the preceding convolution, and
for a generated table, one submodule per engine node so that each node can be timed on its own.

This module imports torch: import it only after ``mbcost.bench.require()``.
"""

from __future__ import annotations

import copy
import itertools
import time
from collections.abc import Callable

import torch
from torch import nn

from mbcost.plan import NETWORK_INPUT


def fold_conv_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
    """One convolution computing ``bn(conv(x))`` in eval mode: each output channel's weights scaled
    by γ/√(σ²+ε) and its bias shifted to β + (b − μ)·γ/√(σ²+ε)."""
    scale = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
    bias = conv.bias.detach() if conv.bias is not None else torch.zeros_like(bn.running_mean)
    fused = nn.Conv2d(
        conv.in_channels,
        conv.out_channels,
        conv.kernel_size,
        conv.stride,
        conv.padding,
        conv.dilation,
        conv.groups,
        bias=True,
        padding_mode=conv.padding_mode,
    )
    with torch.no_grad():
        fused.weight.copy_(conv.weight.detach() * scale.reshape(-1, 1, 1, 1))
        fused.bias.copy_(bn.bias.detach() + (bias - bn.running_mean) * scale)
    return fused.eval()


def fold_batchnorm(module: nn.Module) -> int:
    """Fold, in place, every BatchNorm2d that directly follows a Conv2d among one parent's children
    (torchvision's conv-norm-activation sequences, timm's ``conv_pw``/``bn1`` pairs) and drop it;
    timm's BatchNormAct2d leaves its activation behind. Returns how many were folded."""
    folded = 0
    children = list(module.named_children())
    for (name, child), (next_name, following) in itertools.pairwise(children):
        if isinstance(child, nn.Conv2d) and isinstance(following, nn.BatchNorm2d):
            setattr(module, name, fold_conv_bn(child, following))
            setattr(module, next_name, _after_norm(following))
            folded += 1
    if isinstance(module, nn.Sequential):  # drop the identities a sequence no longer needs
        kept = [(n, c) for n, c in module.named_children() if not isinstance(c, nn.Identity)]
        if len(kept) < len(children) and kept:
            for n, _ in children:
                delattr(module, n)
            for n, c in kept:
                module.add_module(n, c)
    for _, child in module.named_children():
        folded += fold_batchnorm(child)
    return folded


def _after_norm(bn: nn.BatchNorm2d) -> nn.Module:
    """What is left of a norm layer once folded: timm's BatchNormAct2d keeps its dropout and
    activation (``drop`` then ``act``, as its forward runs them); a plain BatchNorm2d nothing."""
    rest = [m for m in (getattr(bn, "drop", None), getattr(bn, "act", None)) if m is not None]
    rest = [m for m in rest if not isinstance(m, nn.Identity)]
    if not rest:
        return nn.Identity()
    return rest[0] if len(rest) == 1 else nn.Sequential(*rest)


def deployed(model: nn.Module) -> nn.Module:
    """A copy of ``model`` (a whole model or one node's module) in eval mode with its BatchNorms
    folded; the original is unchanged."""
    copied = copy.deepcopy(model).eval()
    fold_batchnorm(copied)
    return copied.eval()


class NodeModel(nn.Module):
    """An engine network's nodes as submodules ``n0``, ``n1``, … (flat, so an exported ONNX node's
    name starts with its engine index), run in order along the engine's edges.

    Each output is released after its last reader, as a deployed runtime frees tensors: holding
    every output to the end would make each run allocate (and fault in) fresh memory for the
    whole network's activations, which is slower than the network itself on a small CPU.
    """

    def __init__(self, steps: list[tuple[nn.Module, tuple[int, ...]]]) -> None:
        super().__init__()
        self.edges = [inputs for _, inputs in steps]
        for i, (module, _) in enumerate(steps):
            self.add_module(f"n{i}", module)
        self.nodes = [module for module, _ in steps]
        last_reader = {j: i for i, inputs in enumerate(self.edges) for j in inputs}
        self.release = [
            [j for j in dict.fromkeys(inputs) if j != NETWORK_INPUT and last_reader[j] == i]
            for i, inputs in enumerate(self.edges)
        ]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs: list[torch.Tensor | None] = []
        for module, inputs, done in zip(self.nodes, self.edges, self.release, strict=True):
            outs.append(module(*(x if j == NETWORK_INPUT else outs[j] for j in inputs)))
            for j in done:
                outs[j] = None
        return outs[-1]

    def timed_forward(
        self, x: torch.Tensor, times: list[float], clock: Callable[[], float] = time.perf_counter
    ) -> torch.Tensor:
        """The forward pass, with each node's seconds (by ``clock``) written to ``times[index]``."""
        outs: list[torch.Tensor | None] = []
        for i, (module, inputs, done) in enumerate(
            zip(self.nodes, self.edges, self.release, strict=True)
        ):
            args = [x if j == NETWORK_INPUT else outs[j] for j in inputs]
            started = clock()
            outs.append(module(*args))
            times[i] = clock() - started
            del args
            for j in done:
                outs[j] = None
        return outs[-1]


def table_model(graph: nn.Module) -> NodeModel:
    """A model generated from a table (``mbcost.verify.build.GraphModel``) with its BatchNorms
    folded, one submodule per engine node (the graph is unchanged)."""
    return NodeModel([(deployed(m), inputs) for m, inputs in graph.steps]).eval()


def randomize_norms(model: nn.Module, generator: torch.Generator | None = None) -> nn.Module:
    """Give every BatchNorm random statistics and affine parameters (fresh ones are an identity, so
    folding them would test nothing), near enough to 1 and 0 that a deep network's activations
    neither vanish nor overflow; returns ``model``."""

    def around(c: int, centre: float, spread: float) -> torch.Tensor:
        return centre + spread * (2 * torch.rand(c, generator=generator) - 1)

    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                c = m.num_features
                m.running_mean.copy_(around(c, 0.0, 0.5))
                m.running_var.copy_(around(c, 1.0, 0.5))
                m.weight.copy_(around(c, 1.0, 0.5))
                m.bias.copy_(around(c, 0.0, 0.5))
    return model


def check_folded(
    original: nn.Module, folded: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor
) -> float:
    """The largest difference between the two models' outputs on ``x``, relative to the output's
    scale: folding is exact up to float rounding."""
    with torch.inference_mode():
        want = original.eval()(x)
        got = folded(x)
    return float((want - got).abs().max() / want.abs().max().clamp_min(1e-12))
