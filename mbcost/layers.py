"""Layer specs and their closed-form cost: shape in -> shape out, cost terms, parameter terms.

Symbols follow Howard et al. 2017 (MobileNets): D_K kernel size, M input channels, N output channels,
D_F output feature-map size, G groups. Every function here is integer arithmetic on frozen records.
"""

from __future__ import annotations

from typing import NamedTuple, Union

from mbcost.errors import ShapeError


class Shape(NamedTuple):
    """A feature map: channels × height × width (batch 1)."""

    c: int
    h: int
    w: int

    @property
    def elements(self) -> int:
        """Number of values in the feature map."""
        return self.c * self.h * self.w

    def __str__(self) -> str:
        return f"{self.h}x{self.w}x{self.c}"


def conv_out_size(size: int, k: int, stride: int) -> int:
    """Output size of a conv with padding k//2: ``floor((H + 2p − k)/s) + 1``.

    For odd k this equals TF "same" padding's ``ceil(H/s)``.
    """
    return (size + 2 * (k // 2) - k) // stride + 1


class Conv2d(NamedTuple):
    """A 2-D convolution; standard, depthwise (groups == in_c), pointwise (k == 1) or grouped.

    ``norm`` says whether a BatchNorm follows (folded into the conv in the paper convention) and ``act``
    names the activation; both cost no MACs in the paper convention but matter to other conventions and
    to the torch module the verifier builds.
    """

    in_c: int
    out_c: int
    k: int
    stride: int = 1
    groups: int = 1
    bias: bool = False
    norm: bool = True
    act: str = "none"

    @property
    def kind(self) -> str:
        """'depthwise', 'pointwise', 'grouped' or 'standard'."""
        if self.groups == self.in_c and self.groups > 1:
            return "depthwise"
        if self.groups > 1:
            return "grouped"
        return "pointwise" if self.k == 1 else "standard"

    def out_shape(self, x: Shape) -> Shape:
        """Output shape, ``floor((H + 2p − k)/s) + 1`` with p = k//2; raises ShapeError when the
        kernel outgrows the padded input."""
        k, s = self.k, self.stride
        span = 2 * (k // 2) - k  # written out rather than calling conv_out_size: the hot loop
        if x.h + span < 0 or x.w + span < 0:
            raise ShapeError(f"kernel {k}x{k} is larger than its padded {x.h}x{x.w} input")
        return Shape(self.out_c, (x.h + span) // s + 1, (x.w + span) // s + 1)

    def weights(self) -> int:
        """``D_K·D_K·(M/G)·N`` weights."""
        return self.k * self.k * (self.in_c // self.groups) * self.out_c

    def macs(self, y: Shape) -> int:
        """``D_K·D_K·(M/G)·N·D_F·D_F`` multiply-accumulates for output ``y``."""
        return self.weights() * y.h * y.w

    def cost_terms(self, x: Shape, y: Shape) -> dict[str, int]:
        """Every countable term; conventions choose which of them are MACs."""
        macs = self.k * self.k * (self.in_c // self.groups) * self.out_c * y.h * y.w
        if self.norm:  # fvcore: eval-mode affine BN = 2 per output element
            return {"conv": macs, "bn": 2 * y.c * y.h * y.w}
        return {"conv": macs}

    def param_terms(self) -> dict[str, int]:
        """Weights, bias and BatchNorm γ/β."""
        terms = {"weight": self.k * self.k * (self.in_c // self.groups) * self.out_c}
        if self.bias:
            terms["bias"] = self.out_c
        if self.norm:
            terms["bn"] = 2 * self.out_c
        return terms


class Linear(NamedTuple):
    """A fully connected layer on the flattened input."""

    in_f: int
    out_f: int
    bias: bool = True
    act: str = "none"

    kind = "linear"

    def out_shape(self, x: Shape) -> Shape:
        """The output is out_f × 1 × 1."""
        return Shape(self.out_f, 1, 1)

    def macs(self, y: Shape) -> int:
        """``in·out`` multiply-accumulates."""
        return self.in_f * self.out_f

    def cost_terms(self, x: Shape, y: Shape) -> dict[str, int]:
        """Every countable term; conventions choose which of them are MACs."""
        return {"linear": self.in_f * self.out_f}

    def param_terms(self) -> dict[str, int]:
        """Weights and bias."""
        terms = {"weight": self.in_f * self.out_f}
        if self.bias:
            terms["bias"] = self.out_f
        return terms


class Pool(NamedTuple):
    """Average or max pooling; global (to 1×1) or with a k×k window and stride, no padding."""

    op: str = "avg"
    k: int = 0
    stride: int = 1

    kind = "pool"

    @property
    def is_global(self) -> bool:
        """k == 0 means global pooling."""
        return self.k == 0

    def out_shape(self, x: Shape) -> Shape:
        """1×1 for global pooling, else ``floor((H − k)/s) + 1``."""
        if self.is_global:
            return Shape(x.c, 1, 1)
        if min(x.h, x.w) < self.k:
            raise ShapeError(f"pool window {self.k}x{self.k} is larger than its {x.h}x{x.w} input")
        return Shape(x.c, (x.h - self.k) // self.stride + 1, (x.w - self.k) // self.stride + 1)

    def macs(self, y: Shape) -> int:
        """Pooling is not a multiply-accumulate."""
        return 0

    def cost_terms(self, x: Shape, y: Shape) -> dict[str, int]:
        """fvcore counts 1 per input element of a global average pool and nothing for other pools."""
        if self.is_global and self.op == "avg":
            return {"pool": x.elements}
        return {}

    def param_terms(self) -> dict[str, int]:
        """Pooling has no parameters."""
        return {}


Layer = Union[Conv2d, Linear, Pool]  # noqa: UP007 - a runtime alias, works on 3.10
