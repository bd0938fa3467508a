"""Layer records and their closed-form geometry: output channels, output size, weights.

Symbols follow Howard et al. 2017 (MobileNets): D_K kernel size, M input channels, N output channels,
D_F output feature-map size, G groups. Every function here is integer arithmetic on frozen records.
What a layer *costs* under each quantity (MACs, parameters, ...) is decided in ``quantities.py``;
a layer only knows its shape arithmetic.

Each record type is a key of the quantity registries; each record has ``out_channels(c)`` (the width it
writes, from its first input's width) and ``out_size(n)`` (the spatial size it writes from an n×n
first input; inputs are square). ``spatial`` is ``None`` for size-preserving layers, ``"global"``
for layers that always write 1×1, else a key naming the size transform (layers with equal keys change
every size the same way, which lets a sweep share spatial sizes).
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

    @property
    def spatial(self) -> tuple | None:
        """Odd kernels with stride 1 keep the size (padding k//2); anything else transforms it."""
        return None if self.stride == 1 and self.k % 2 else ("conv", self.k, self.stride)

    def out_channels(self, c: int) -> int:
        """N."""
        return self.out_c

    def out_size(self, n: int) -> int:
        """``floor((n + 2p − k)/s) + 1`` with p = k//2."""
        if n + 2 * (self.k // 2) < self.k:
            raise ShapeError(f"kernel {self.k}x{self.k} is larger than its padded {n}x{n} input")
        return conv_out_size(n, self.k, self.stride)

    def out_shape(self, x: Shape) -> Shape:
        """The output feature map for input ``x``."""
        if x.h + 2 * (self.k // 2) < self.k or x.w + 2 * (self.k // 2) < self.k:
            raise ShapeError(
                f"kernel {self.k}x{self.k} is larger than its padded {x.h}x{x.w} input"
            )
        return Shape(
            self.out_c,
            conv_out_size(x.h, self.k, self.stride),
            conv_out_size(x.w, self.k, self.stride),
        )

    def weights(self) -> int:
        """``D_K·D_K·(M/G)·N`` weights."""
        return self.k * self.k * (self.in_c // self.groups) * self.out_c

    def macs(self, y: Shape) -> int:
        """``D_K·D_K·(M/G)·N·D_F·D_F`` multiply-accumulates for output ``y``."""
        return self.weights() * y.h * y.w


class Linear(NamedTuple):
    """A fully connected layer on the flattened input: ``in_f`` features per input pixel (its input
    channels), so on an H×W input it sees ``in_f·H·W`` features and writes ``out_f`` × 1 × 1."""

    in_f: int
    out_f: int
    bias: bool = True
    act: str = "none"

    kind = "linear"
    spatial = "global"

    def out_channels(self, c: int) -> int:
        """out_f."""
        return self.out_f

    def out_size(self, n: int) -> int:
        """Always 1."""
        return 1


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

    @property
    def spatial(self) -> tuple | str:
        """Global pools write 1×1; a window transforms the size."""
        return "global" if self.is_global else ("pool", self.k, self.stride)

    def out_channels(self, c: int) -> int:
        """Pooling keeps the channels."""
        return c

    def out_size(self, n: int) -> int:
        """1 for global pooling, else ``floor((n − k)/s) + 1``."""
        if self.is_global:
            return 1
        if n < self.k:
            raise ShapeError(f"pool window {self.k}x{self.k} is larger than its {n}x{n} input")
        return (n - self.k) // self.stride + 1

    def out_shape(self, x: Shape) -> Shape:
        """The output feature map for input ``x``."""
        return Shape(x.c, self.out_size(x.h), self.out_size(x.w))


class Add(NamedTuple):
    """The element-wise sum of its inputs (a residual connection); all inputs have one shape."""

    kind = "add"
    spatial = None

    def out_channels(self, c: int) -> int:
        """The inputs' width."""
        return c

    def out_size(self, n: int) -> int:
        """The inputs' size."""
        return n


class Mul(NamedTuple):
    """Its first input scaled channel by channel by its second, a 1×1 gate (squeeze-and-excite)."""

    kind = "mul"
    spatial = None

    def out_channels(self, c: int) -> int:
        """The scaled input's width."""
        return c

    def out_size(self, n: int) -> int:
        """The scaled input's size."""
        return n


Layer = Union[Conv2d, Linear, Pool, Add, Mul]  # noqa: UP007 - a runtime alias
LAYER_TYPES = (Conv2d, Linear, Pool, Add, Mul)
