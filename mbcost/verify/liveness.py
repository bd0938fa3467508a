"""The peak of live activation elements of a real torch module, measured by tracing its forward pass,
to check the engine's ``tflite`` memory rule against something that is not the engine.

A ``TorchDispatchMode`` sees every aten op the module runs, with the real tensors. Each tensor is
mapped to a *buffer*; the trace records, per op, the buffers it reads and writes. The fusion rules
are the tflite rule's, applied to what eager PyTorch does:

- BatchNorm, activation functions and dropout write into the buffer they read (fused into their
  producer), and so does a multiply by weights or a constant alone (a layer scale, the attention's
  query scale: folded into the conv before it); views and in-place ops keep the buffer of their
  input;
- a multiply by a 1×1 gate (squeeze-and-excite) writes into the tensor it scales;
- every other op writes a new buffer — a residual add too, even when it is written ``+=``;
- a buffer is live from the op that writes it to the last op that reads it; the network input is
  live from the start.

The peak is the largest sum of live buffer elements over the ops that write a new buffer (a fused op
adds nothing). Parameters and buffers of the module are weights, not activations: never counted.

This module imports torch: import it only after ``mbcost.verify.require_torch()``.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

# aten ops that a deployed model fuses into the op that produced their input
FUSED = {
    "native_batch_norm",
    "_native_batch_norm_legit_no_training",
    "batch_norm",
    "relu",
    "relu_",
    "relu6",
    "hardtanh",
    "hardtanh_",
    "hardswish",
    "hardswish_",
    "hardsigmoid",
    "hardsigmoid_",
    "silu",
    "silu_",
    "gelu",
    "gelu_",
    "sigmoid",
    "sigmoid_",
    "clamp",
    "clamp_",
    "clamp_min",
    "clamp_min_",
    "dropout",
    "native_dropout",
    "clone",
    "detach",
}
ADDS = {"add", "add_"}
MULS = {"mul", "mul_"}
VIEWS = {"_unsafe_view"}  # a view whose schema does not say so (what reshape and matmul return)


class _Trace(TorchDispatchMode):
    """Records ``(reads, writes)`` per op, in buffers; ``sizes[buffer]`` is its element count."""

    def __init__(self, weights: set[int]) -> None:
        super().__init__()
        self.buffer: dict[int, int] = {}  # id(tensor) -> buffer
        self.seen: list[torch.Tensor] = []  # keeps every traced tensor alive, so ids stay unique
        self.sizes: list[int] = []
        self.steps: list[tuple[tuple[int, ...], int | None]] = []  # (buffers read, buffer written)
        self.weights = weights

    def track(self, tensor: torch.Tensor) -> int:
        """A new buffer holding ``tensor``."""
        self.sizes.append(tensor.numel())
        return self.keep(tensor, len(self.sizes) - 1)

    def keep(self, tensor: torch.Tensor, buffer: int) -> int:
        """Map ``tensor`` to ``buffer``."""
        self.seen.append(tensor)
        self.buffer[id(tensor)] = buffer
        return buffer

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        name = func.__name__.split(".")[0]
        tensors = [a for a in _flat(args) if isinstance(a, torch.Tensor)]
        reads = tuple(
            dict.fromkeys(
                self.buffer[id(t)] for t in tensors if id(t) in self.buffer and not self._weight(t)
            )
        )
        results = [r for r in _flat(out) if isinstance(r, torch.Tensor)]
        if not results:
            return out
        if tensors and not reads:  # computed from weights alone (a transposed weight): a weight
            self.weights.update(r.untyped_storage().data_ptr() for r in results)
            return out
        aliases = func._schema.returns and func._schema.returns[0].alias_info is not None
        if name in ADDS:
            aliases = False  # a residual add writes a new tensor, even as `+=`
        fused = name in FUSED or (name in MULS and len(reads) == 1)  # x · constant, folded
        keep = reads[0] if reads and (aliases or fused or name in VIEWS) else None
        if name in MULS and len(reads) == 2:  # SE: x · gate writes into x
            keep = max(reads, key=lambda b: self.sizes[b])
        for r in results:
            if keep is not None:
                self.keep(r, keep)
            else:
                self.track(r)
        self.steps.append((reads, self.buffer[id(results[0])] if keep is None else None))
        return out

    def _weight(self, tensor: torch.Tensor) -> bool:
        return tensor.untyped_storage().data_ptr() in self.weights


def _flat(value):
    if isinstance(value, (list, tuple)):
        for v in value:
            yield from _flat(v)
    else:
        yield value


def live_peak(model: nn.Module, resolution: int, in_channels: int = 3) -> int:
    """The largest number of activation elements live at once in ``model``'s forward pass on one
    ``in_channels``×``resolution``² input (batch 1), under the tflite fusion rules above."""
    weights = {t.untyped_storage().data_ptr() for t in (*model.parameters(), *model.buffers())}
    x = torch.randn(1, in_channels, resolution, resolution)
    model.eval()
    trace = _Trace(weights)
    network_input = trace.track(x)
    with torch.no_grad(), trace:
        model(x)
    last_read = {network_input: 0}
    for i, (reads, _) in enumerate(trace.steps):
        for b in reads:
            last_read[b] = i
    first_write = {network_input: -1}
    for i, (_, wrote) in enumerate(trace.steps):
        if wrote is not None:
            first_write.setdefault(wrote, i)
    peak = trace.sizes[network_input]
    for i, (_, wrote) in enumerate(trace.steps):
        if wrote is None:
            continue
        live = sum(
            trace.sizes[b]
            for b, start in first_write.items()
            if start <= i <= last_read.get(b, start)
        )
        peak = max(peak, live)
    return peak
