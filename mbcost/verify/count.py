"""fvcore's view of a torch module: per conv/linear module counts in execution order, and totals.

fvcore's ``FlopCountAnalysis`` is used with its default handles, which is what users run: one count per
multiply-accumulate of ``aten::_convolution`` (``conv``) and ``aten::linear`` (``linear``), 2 per element
of an eval-mode affine BatchNorm (``batch_norm``), 1 per input element of ``adaptive_avg_pool2d``; every
other op (activation functions, adds, multiplies, ``mean``) counts nothing, and the unsupported ones
are listed. fvcore's ``ActivationCountAnalysis``, also with its defaults, counts the output elements
of the same conv and linear ops.

This module imports torch and fvcore: import it only after ``mbcost.verify.require_torch()``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import torch
from fvcore.nn import ActivationCountAnalysis, FlopCountAnalysis, parameter_count
from fvcore.nn.jit_analysis import JitModelAnalysis
from torch import nn

from mbcost.verify.liveness import live_peak

COUNTED_MODULES = {nn.Conv2d: "conv", nn.Linear: "linear"}  # subclasses too (timm's Linear)


@dataclass(frozen=True, slots=True)
class ModuleCount:
    """A Conv2d or Linear module that ran: its name, kind (``conv``/``linear``), input and output
    shapes (of its first call) without the batch dimension, fvcore's count for it, its weight +
    bias elements and fvcore's activation count for it."""

    name: str
    kind: str
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    macs: int
    params: int
    activations: int


@dataclass(frozen=True)
class FvcoreCount:
    """Everything the verifier compares: conv/linear modules in execution order, fvcore's ``total()``,
    ``by_operator()`` and unsupported ops, ``parameter_count(model)['']``, BatchNorm parameters and
    ``ActivationCountAnalysis(...).total()``; ``scale_params`` are the parameters of every other
    module (layer-scale γ)."""

    modules: tuple[ModuleCount, ...]
    total: int
    by_operator: Mapping[str, int]
    unsupported: Mapping[str, int]
    params: int
    bn_params: int
    scale_params: int
    activations: int
    live_peak: (
        int  # the tflite peak of live activation elements, traced (``liveness.py``, not fvcore)
    )


def count_with_fvcore(model: nn.Module, resolution: int, in_channels: int = 3) -> FvcoreCount:
    """Run fvcore on ``model`` for one ``in_channels``×``resolution``² input (batch 1).

    Each Conv2d/Linear module's count is fvcore's ``by_module()`` entry; the order and shapes come
    from forward hooks that fire during fvcore's own trace. A module called more than once is listed
    once, at its first call, with fvcore's count for all its calls (so the counts still sum to
    fvcore's conv + linear operators).
    """
    model.eval()
    x = torch.randn(1, in_channels, resolution, resolution)
    calls: dict[nn.Module, tuple[torch.Tensor, torch.Tensor]] = {}

    def record(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        calls.setdefault(module, (inputs[0], output))

    hooks = [m.register_forward_hook(record) for m in model.modules() if _kind(m)]
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            analysis = _quiet(FlopCountAnalysis(model, x))
            activations = _quiet(ActivationCountAnalysis(model, x))
            total = analysis.total()
            by_module = analysis.by_module()
            activations_by_module = activations.by_module()
    finally:
        for hook in hooks:
            hook.remove()
    names = {id(m): name for name, m in model.named_modules()}
    modules = tuple(  # shapes are read after the trace: reading them inside it records size ops
        ModuleCount(
            names[id(m)],
            _kind(m),
            tuple(x_in.shape[1:]),
            tuple(y.shape[1:]),
            int(by_module[names[id(m)]]),
            sum(p.numel() for p in m.parameters(recurse=False)),
            int(activations_by_module[names[id(m)]]),
        )
        for m, (x_in, y) in calls.items()
    )
    bn_params = sum(
        p.numel()
        for m in model.modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm)
        for p in m.parameters(recurse=False)
    )
    scale_params = sum(
        p.numel()
        for m in model.modules()
        if not _kind(m) and not isinstance(m, nn.modules.batchnorm._BatchNorm)
        for p in m.parameters(recurse=False)
    )
    return FvcoreCount(
        modules,
        int(total),
        {k: int(v) for k, v in analysis.by_operator().items()},
        dict(analysis.unsupported_ops()),
        int(parameter_count(model)[""]),
        bn_params,
        scale_params,
        int(activations_by_module[""]),
        live_peak(model, resolution, in_channels),
    )


def _quiet(analysis: JitModelAnalysis) -> JitModelAnalysis:
    """``analysis`` without fvcore's warnings (unsupported ops are reported as data)."""
    return (
        analysis.unsupported_ops_warnings(False)
        .uncalled_modules_warnings(False)
        .tracer_warnings("none")
    )


def _kind(module: nn.Module) -> str | None:
    return next((kind for cls, kind in COUNTED_MODULES.items() if isinstance(module, cls)), None)
