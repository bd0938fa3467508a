"""Layer records and their closed-form geometry: output channels, output size, weights.

Symbols follow Howard et al. 2017 (MobileNets): D_K kernel size, M input channels, N output channels,
D_F output feature-map size, G groups. Every function here is integer arithmetic on frozen records.
What a layer *costs* under each quantity (MACs, parameters, ...) is decided in ``quantities.py``;
a layer only knows its shape arithmetic.

Each record type is a key of the quantity registries; each record has ``out_channels(c)`` (the width it
writes, from its first input's width) and ``out_size(n)`` (the spatial size it writes from an n×n
first input; inputs are square). ``spatial`` is ``None`` for size-preserving layers, ``"global"``
for layers that always write 1×1, ``"pair"`` for a tensor on the product of its first two inputs'
areas (attention scores, N_q × N_kv), ``"query"`` for a layer that maps such a pair back to its
first area, else a key naming the size transform (layers with equal keys change every size the
same way, which lets a sweep share spatial sizes).
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


def map_shape(channels: int, size: int, area: int) -> Shape:
    """The tensor a node writes from its size and its slot's area (``plan.py``): a square
    size×size map, or, on a pair slot (area ≠ size²), attention scores: N_q × N_kv per channel
    (head), N_q = size²."""
    side = size * size
    return Shape(channels, size, size) if area == side else Shape(channels, side, area // side)


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


class Norm(NamedTuple):
    """A BatchNorm of its own, with no conv before it (the pre-norm of a Mobile MQA block); at
    inference it folds into the convs that read it."""

    kind = "norm"
    spatial = None

    def out_channels(self, c: int) -> int:
        """The input's width."""
        return c

    def out_size(self, n: int) -> int:
        """The input's size."""
        return n


class LayerScale(NamedTuple):
    """Layer scale: its input times a learned per-channel γ (MobileNetV4's UIB and attention
    blocks); at inference it folds into the conv before it."""

    kind = "layer_scale"
    spatial = None

    def out_channels(self, c: int) -> int:
        """The input's width."""
        return c

    def out_size(self, n: int) -> int:
        """The input's size."""
        return n


class AttnScores(NamedTuple):
    """Attention scores q·kᵀ of multi-query attention: its inputs are the queries (``heads·key_dim``
    channels on an N_q map) and the one shared key head (``key_dim`` channels on an N_kv map); it
    writes ``heads`` score matrices of N_q × N_kv.

    Its output lives on a *pair* of areas (``spatial == "pair"``): the product of its two inputs'
    areas, so every cost term stays a width factor times one area. ``out_size`` gives the query
    side, which the values matmul maps back to."""

    heads: int
    key_dim: int

    kind = "attention"
    spatial = "pair"

    def out_channels(self, c: int) -> int:
        """One score matrix per head."""
        return self.heads

    def out_size(self, n: int) -> int:
        """The query map's size (the score matrices' first side is its area)."""
        return n


class Softmax(NamedTuple):
    """The softmax over the keys of the attention scores: a new tensor of the scores' shape."""

    kind = "softmax"
    spatial = None

    def out_channels(self, c: int) -> int:
        """The scores' heads."""
        return c

    def out_size(self, n: int) -> int:
        """The scores' size."""
        return n


class AttnValues(NamedTuple):
    """The attention-weighted values: the softmaxed scores (``heads`` × N_q × N_kv) times the one
    shared value head (``value_dim`` channels on the N_kv map); it writes ``heads·value_dim``
    channels on the query map (``spatial == "query"``: back from the pair to its first area)."""

    heads: int
    value_dim: int

    kind = "attention"
    spatial = "query"

    def out_channels(self, c: int) -> int:
        """``heads·value_dim``."""
        return self.heads * self.value_dim

    def out_size(self, n: int) -> int:
        """The query map's size."""
        return n


Layer = Union[Conv2d, Linear, Pool, Add, Mul, Norm, LayerScale, AttnScores, Softmax, AttnValues]  # noqa: UP007
LAYER_TYPES = (Conv2d, Linear, Pool, Add, Mul, Norm, LayerScale, AttnScores, Softmax, AttnValues)
