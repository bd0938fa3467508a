"""MobileNetV4 — Qin et al. 2024, "MobileNetV4: Universal Models for the Mobile Ecosystem"
(arXiv:2404.10518).

Block for block the specifications of the authors' reference, TF Model Garden
``official/vision/modeling/backbones/mobilenet.py`` (``MNV4ConvSmall_BLOCK_SPECS``,
``_mnv4_conv_medium_block_specs``, ``MNV4ConvLarge_BLOCK_SPECS``,
``_mnv4_hybrid_medium_block_specs``, ``_mnv4_hybrid_large_block_specs``), which timm's
``_gen_mobilenet_v4`` reproduces (its block strings in the comments: ``uir_a3_k5_s2_e4_c80`` is a
UIB with a 3×3 start depthwise, a 5×5 middle one, stride 2, expansion 4, 80 outputs; ``er`` is a
FusedIB, ``cn`` a conv, ``mqa_k3_h4_v2_d64`` a Mobile MQA block with 4 heads of 64, keys and values
downsampled by a stride-2 3×3 depthwise).

Every table ends in the V4 head: 1×1 conv to 960, global pool, 1×1 conv to 1280 (BatchNorm, no
bias), classifier. Under α (timm's ``round_chs_fn``, ``make_divisible(c·α, 8)``): block outputs and
the 960 conv scale, each expanded width is ``make_divisible(rounded input · t)``, the stem keeps its
width below α = 1 (``fix_stem``), the 1280 head and the attention heads, key and value widths never
scale. The paper defines no width multiplier; its rules here are timm's, and at α = 1 both build
the reference's layers. The hybrids have layer scale (a learned γ per channel) in their UIB and
attention blocks, not in their FusedIB; Hybrid-L uses GELU in its conv blocks (its attention blocks
have no activation).
"""

from __future__ import annotations

from mbcost.archs.published import Published

_IMPLS = ["paper", "timm"]
_STEM = "grow"  # fixed below α = 1, scaled above (timm's fix_stem=channel_multiplier < 1)


def _stem(out: int) -> dict:
    return {"conv": {"k": 3, "s": 2, "out": out, "width": _STEM}}


def _uib(a: int, k: int, s: int, t: float, out: int, n: int = 1, scale: bool = False) -> dict:
    fields = {"a": a, "k": k, "s": s, "t": t, "out": out}
    if n > 1:
        fields["n"] = n
    if scale:
        fields["layer_scale"] = True
    return {"uib": fields}


def _mqa(heads: int, key_dim: int, out: int, kv_stride: int = 1) -> dict:
    fields = {"heads": heads, "key_dim": key_dim, "out": out, "layer_scale": True}
    if kv_stride > 1:
        fields["kv_stride"] = kv_stride
    return {"mqa": fields}


_HEAD = [
    {"conv": {"k": 1, "out": 960, "role": "head"}},
    {"pool": {"global": "avg"}},
    {"conv": {"k": 1, "out": 1280, "role": "head", "width": "fixed"}},
    {"linear": {"out": 1000, "bias": True}},
]


def _table(name: str, title: str, resolution: int, act: str, blocks: list[dict]) -> dict:
    return {
        "name": name,
        "title": title,
        "source": "arXiv:2404.10518, block specs of TF Model Garden mobilenet.py",
        "resolution": resolution,
        "in_channels": 3,
        "rounding": "divisible8",
        "impls": _IMPLS,
        "defaults": {"act": act, "norm": "bn", "bias": False},
        "blocks": [*blocks, *_HEAD],
    }


V4_CONV_S = _table("v4-conv-s", "MobileNetV4-Conv-S", 224, "relu", [
    _stem(32),                                  # 224² → 112²
    {"conv": {"k": 3, "s": 2, "out": 32}},      # cn_k3_s2_c32
    {"conv": {"k": 1, "out": 32}},              # cn_k1_c32
    {"conv": {"k": 3, "s": 2, "out": 96}},      # cn_k3_s2_c96
    {"conv": {"k": 1, "out": 64}},              # cn_k1_c64
    _uib(5, 5, 2, 3, 96),                       # uir_a5_k5_s2_e3_c96     ExtraDW
    _uib(0, 3, 1, 2, 96, n=4),                  # uir_r4_a0_k3_e2_c96     IB
    _uib(3, 0, 1, 4, 96),                       # uir_a3_k0_e4_c96        ConvNeXt
    _uib(3, 3, 2, 6, 128),                      # uir_a3_k3_s2_e6_c128    ExtraDW
    _uib(5, 5, 1, 4, 128),                      # uir_a5_k5_e4_c128       ExtraDW
    _uib(0, 5, 1, 4, 128),                      # uir_a0_k5_e4_c128       IB
    _uib(0, 5, 1, 3, 128),                      # uir_a0_k5_e3_c128       IB
    _uib(0, 3, 1, 4, 128, n=2),                 # uir_r2_a0_k3_e4_c128    IB
])  # fmt: skip

V4_CONV_M = _table("v4-conv-m", "MobileNetV4-Conv-M", 256, "relu", [
    _stem(32),
    {"fused": {"k": 3, "s": 2, "t": 4, "out": 48}},  # er_k3_s2_e4_c48  FusedIB
    _uib(3, 5, 2, 4, 80),                       # uir_a3_k5_s2_e4_c80
    _uib(3, 3, 1, 2, 80),                       # uir_a3_k3_e2_c80
    _uib(3, 5, 2, 6, 160),                      # uir_a3_k5_s2_e6_c160
    _uib(3, 3, 1, 4, 160, n=2),                 # uir_r2_a3_k3_e4_c160
    _uib(3, 5, 1, 4, 160),                      # uir_a3_k5_e4_c160
    _uib(3, 3, 1, 4, 160),                      # uir_a3_k3_e4_c160
    _uib(3, 0, 1, 4, 160),                      # uir_a3_k0_e4_c160       ConvNeXt
    _uib(0, 0, 1, 2, 160),                      # uir_a0_k0_e2_c160       FFN
    _uib(3, 0, 1, 4, 160),                      # uir_a3_k0_e4_c160
    _uib(5, 5, 2, 6, 256),                      # uir_a5_k5_s2_e6_c256
    _uib(5, 5, 1, 4, 256),                      # uir_a5_k5_e4_c256
    _uib(3, 5, 1, 4, 256, n=2),                 # uir_r2_a3_k5_e4_c256
    _uib(0, 0, 1, 4, 256),                      # uir_a0_k0_e4_c256       FFN
    _uib(3, 0, 1, 4, 256),                      # uir_a3_k0_e4_c256
    _uib(3, 5, 1, 2, 256),                      # uir_a3_k5_e2_c256
    _uib(5, 5, 1, 4, 256),                      # uir_a5_k5_e4_c256
    _uib(0, 0, 1, 4, 256, n=2),                 # uir_r2_a0_k0_e4_c256    FFN
    _uib(5, 0, 1, 2, 256),                      # uir_a5_k0_e2_c256
])  # fmt: skip

V4_CONV_L = _table("v4-conv-l", "MobileNetV4-Conv-L", 384, "relu", [
    _stem(24),
    {"fused": {"k": 3, "s": 2, "t": 4, "out": 48}},  # er_k3_s2_e4_c48
    _uib(3, 5, 2, 4, 96),                       # uir_a3_k5_s2_e4_c96
    _uib(3, 3, 1, 4, 96),                       # uir_a3_k3_e4_c96
    _uib(3, 5, 2, 4, 192),                      # uir_a3_k5_s2_e4_c192
    _uib(3, 3, 1, 4, 192, n=3),                 # uir_r3_a3_k3_e4_c192
    _uib(3, 5, 1, 4, 192),                      # uir_a3_k5_e4_c192
    _uib(5, 3, 1, 4, 192, n=5),                 # uir_r5_a5_k3_e4_c192
    _uib(3, 0, 1, 4, 192),                      # uir_a3_k0_e4_c192
    _uib(5, 5, 2, 4, 512, n=4),                 # uir_r4_a5_k5_s2_e4_c512
    _uib(5, 0, 1, 4, 512),                      # uir_a5_k0_e4_c512
    _uib(5, 3, 1, 4, 512),                      # uir_a5_k3_e4_c512
    _uib(5, 0, 1, 4, 512, n=2),                 # uir_r2_a5_k0_e4_c512
    _uib(5, 3, 1, 4, 512),                      # uir_a5_k3_e4_c512
    _uib(5, 5, 1, 4, 512),                      # uir_a5_k5_e4_c512
    _uib(5, 0, 1, 4, 512, n=3),                 # uir_r3_a5_k0_e4_c512
])  # fmt: skip

V4_HYBRID_M = _table("v4-hybrid-m", "MobileNetV4-Hybrid-M", 256, "relu", [
    _stem(32),
    {"fused": {"k": 3, "s": 2, "t": 4, "out": 48}},  # er_k3_s2_e4_c48
    _uib(3, 5, 2, 4, 80, scale=True),           # uir_a3_k5_s2_e4_c80
    _uib(3, 3, 1, 2, 80, scale=True),           # uir_a3_k3_e2_c80
    _uib(3, 5, 2, 6, 160, scale=True),          # uir_a3_k5_s2_e6_c160
    _uib(0, 0, 1, 2, 160, scale=True),          # uir_a0_k0_e2_c160       FFN
    _uib(3, 3, 1, 4, 160, scale=True),          # uir_a3_k3_e4_c160
    _uib(3, 5, 1, 4, 160, scale=True),          # uir_a3_k5_e4_c160
    _mqa(4, 64, 160, kv_stride=2),              # mqa_k3_h4_v2_d64_c160
    _uib(3, 3, 1, 4, 160, scale=True),          # uir_a3_k3_e4_c160
    _mqa(4, 64, 160, kv_stride=2),
    _uib(3, 0, 1, 4, 160, scale=True),          # uir_a3_k0_e4_c160
    _mqa(4, 64, 160, kv_stride=2),
    _uib(3, 3, 1, 4, 160, scale=True),          # uir_a3_k3_e4_c160
    _mqa(4, 64, 160, kv_stride=2),
    _uib(3, 0, 1, 4, 160, scale=True),          # uir_a3_k0_e4_c160
    _uib(5, 5, 2, 6, 256, scale=True),          # uir_a5_k5_s2_e6_c256
    _uib(5, 5, 1, 4, 256, scale=True),          # uir_a5_k5_e4_c256
    _uib(3, 5, 1, 4, 256, n=2, scale=True),     # uir_r2_a3_k5_e4_c256
    _uib(0, 0, 1, 2, 256, scale=True),          # uir_a0_k0_e2_c256
    _uib(3, 5, 1, 2, 256, scale=True),          # uir_a3_k5_e2_c256
    _uib(0, 0, 1, 2, 256, scale=True),          # uir_a0_k0_e2_c256
    _uib(0, 0, 1, 4, 256, scale=True),          # uir_a0_k0_e4_c256
    _mqa(4, 64, 256),                           # mqa_k3_h4_d64_c256
    _uib(3, 0, 1, 4, 256, scale=True),          # uir_a3_k0_e4_c256
    _mqa(4, 64, 256),
    _uib(5, 5, 1, 4, 256, scale=True),          # uir_a5_k5_e4_c256
    _mqa(4, 64, 256),
    _uib(5, 0, 1, 4, 256, scale=True),          # uir_a5_k0_e4_c256
    _mqa(4, 64, 256),
    _uib(5, 0, 1, 4, 256, scale=True),          # uir_a5_k0_e4_c256
])  # fmt: skip

V4_HYBRID_L = _table("v4-hybrid-l", "MobileNetV4-Hybrid-L", 384, "gelu", [
    _stem(24),
    {"fused": {"k": 3, "s": 2, "t": 4, "out": 48}},  # er_k3_s2_e4_c48
    _uib(3, 5, 2, 4, 96, scale=True),           # uir_a3_k5_s2_e4_c96
    _uib(3, 3, 1, 4, 96, scale=True),           # uir_a3_k3_e4_c96
    _uib(3, 5, 2, 4, 192, scale=True),          # uir_a3_k5_s2_e4_c192
    _uib(3, 3, 1, 4, 192, n=3, scale=True),     # uir_r3_a3_k3_e4_c192
    _uib(3, 5, 1, 4, 192, scale=True),          # uir_a3_k5_e4_c192
    _uib(5, 3, 1, 4, 192, n=2, scale=True),     # uir_r2_a5_k3_e4_c192
    _mqa(8, 48, 192, kv_stride=2),              # mqa_k3_h8_v2_d48_c192
    _uib(5, 3, 1, 4, 192, scale=True),          # uir_a5_k3_e4_c192
    _mqa(8, 48, 192, kv_stride=2),
    _uib(5, 3, 1, 4, 192, scale=True),
    _mqa(8, 48, 192, kv_stride=2),
    _uib(5, 3, 1, 4, 192, scale=True),
    _mqa(8, 48, 192, kv_stride=2),
    _uib(3, 0, 1, 4, 192, scale=True),          # uir_a3_k0_e4_c192
    _uib(5, 5, 2, 4, 512, n=4, scale=True),     # uir_r4_a5_k5_s2_e4_c512
    _uib(5, 0, 1, 4, 512, scale=True),          # uir_a5_k0_e4_c512
    _uib(5, 3, 1, 4, 512, scale=True),          # uir_a5_k3_e4_c512
    _uib(5, 0, 1, 4, 512, n=2, scale=True),     # uir_r2_a5_k0_e4_c512
    _uib(5, 3, 1, 4, 512, scale=True),          # uir_a5_k3_e4_c512
    _uib(5, 5, 1, 4, 512, scale=True),          # uir_a5_k5_e4_c512
    _mqa(8, 64, 512),                           # mqa_k3_h8_d64_c512
    _uib(5, 0, 1, 4, 512, scale=True),          # uir_a5_k0_e4_c512
    _mqa(8, 64, 512),
    _uib(5, 0, 1, 4, 512, scale=True),
    _mqa(8, 64, 512),
    _uib(5, 0, 1, 4, 512, scale=True),
    _mqa(8, 64, 512),
    _uib(5, 0, 1, 4, 512, scale=True),
])  # fmt: skip

_PAPER = "paper (arXiv:2404.10518)"
_DRIFT = (
    "timm's and mbcost's layers equal the TF reference's block specs; the gap is not BatchNorm "
    "(params.bn is under 0.2M), the head or the classifier (removing any of them misses M and L "
    "alike), nor the resolution (params do not depend on it): the figure describes other layers "
    "than the released specs"
)

PUBLISHED: dict[str, tuple[Published, ...]] = {
    "v4-conv-s": (
        Published(
            1.0,
            224,
            "0.2G",
            "3.8M",
            _PAPER,
            convention="torch",
            note="3,774,024 params with BatchNorm γ/β (timm's count; weights and biases "
            "alone are 3,748,936, which print as 3.7M); 186.0M MACs",
        ),
    ),
    "v4-conv-m": (
        Published(
            1.0,
            256,
            "1.0G",
            "9.2M",
            _PAPER,
            reproduced=False,
            note="mbcost and timm: 1,080.2M MACs, 9,647,608 params (9,715,512 with BN), "
            f"+8% / +5%; {_DRIFT}",
        ),
    ),
    "v4-conv-l": (
        Published(
            1.0,
            384,
            "5.9G",
            "31M",
            _PAPER,
            reproduced=False,
            note="mbcost and timm: 6,376.2M MACs, 32,441,312 params (32,590,864 with BN), "
            f"+8% / +5%; {_DRIFT}",
        ),
    ),
    "v4-hybrid-m": (
        Published(
            1.0,
            256,
            "1.2G",
            "10.5M",
            _PAPER,
            reproduced=False,
            note="mbcost and timm: 1,229.2M conv + linear MACs and 41.9M attention-matmul "
            "MACs (1,271.2M together, which prints as 1.3G: the 1.2G matches conv + "
            "linear alone), 10,992,632 params (11,074,648 with BN and layer scale), "
            f"+5%; {_DRIFT}",
        ),
    ),
    "v4-hybrid-l": (
        Published(
            1.0,
            384,
            "7.2G",
            "35.9M",
            _PAPER,
            reproduced=False,
            note="mbcost and timm: 7,372.1M conv + linear MACs and 339.7M attention-matmul "
            "MACs (7,711.9M together), 37,587,936 params (37,764,624 with BN and layer "
            f"scale), +7% / +5%; {_DRIFT}",
        ),
    ),
}

VARIANTS = (  # table, aliases (timm's model names)
    (V4_CONV_S, ("mobilenetv4_conv_small", "v4")),
    (V4_CONV_M, ("mobilenetv4_conv_medium",)),
    (V4_CONV_L, ("mobilenetv4_conv_large",)),
    (V4_HYBRID_M, ("mobilenetv4_hybrid_medium",)),
    (V4_HYBRID_L, ("mobilenetv4_hybrid_large",)),
)
_M_L = "the paper's figures are 5-8% below the released block specs (mbcost archs --format json)"
NOTES = {
    "v4-conv-m": _M_L,
    "v4-conv-l": _M_L,
    "v4-hybrid-m": "41.9M of its MACs are attention matmuls (cost.attention), which "
    f"conv/linear counters leave out; {_M_L}",
    "v4-hybrid-l": "339.7M of its MACs are attention matmuls (cost.attention), which "
    f"conv/linear counters leave out; {_M_L}",
}
