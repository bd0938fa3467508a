"""EfficientNet — Tan & Le 2019, "EfficientNet: Rethinking Model Scaling for Convolutional Neural
Networks" (arXiv:1905.11946), Table 1 (B0) and the compound-scaled B1…B7.

B1…B7 are B0's rows with the variant's own coefficients (``width_mult``, ``depth_mult``) and native
resolution, as in the TF reference (``efficientnet_builder.efficientnet_params``), timm
(``_gen_efficientnet``) and torchvision (``_efficientnet_conf``). ``--alpha`` multiplies the width
coefficient and ``--depth`` the depth coefficient. Rules, the same in all three:

- every width, the stem included: ``make_divisible(c · width, 8)``; expanded = rounded input × t;
- every stage row's repeats (``depth: scale``): ``ceil(n · depth)``; stem and head rows are fixed;
- SE squeeze of the block *input*: ``max(1, int(in · 0.25))`` (torchvision ``in // 4``; timm's
  ``round(mid · 0.25 / t)`` is the same number on these widths), swish reduce, sigmoid gate;
- swish (SiLU) after every conv but the projections.

They part at the 1280 head conv under ``--alpha``: TF and timm round ``1280 · width`` itself,
torchvision builds 4 × its rounded input (``4 · make_divisible(320 · width)``). At every B-variant's
own coefficient both give the same width; at α = 0.51, for instance, 656 (timm) against 640.
"""

from __future__ import annotations

from mbcost.archs.published import Published

_IMPLS = ["paper", "torchvision", "timm"]
_HEAD_WIDTH = {"paper": "scale", "torchvision": "ratio", "timm": "scale"}

_B0_BLOCKS = [                                                         # input     operator     t  k  c    n  s
    {"conv": {"k": 3, "s": 2, "out": 32, "depth": "fixed"}},           # 224²×3    Conv3x3      -  3  32   1  2
    {"ir": {"t": 1, "k": 3, "out": 16, "n": 1, "s": 1, "se": 0.25}},   # 112²×32   MBConv1      1  3  16   1  1
    {"ir": {"t": 6, "k": 3, "out": 24, "n": 2, "s": 2, "se": 0.25}},   # 112²×16   MBConv6      6  3  24   2  2
    {"ir": {"t": 6, "k": 5, "out": 40, "n": 2, "s": 2, "se": 0.25}},   # 56²×24    MBConv6      6  5  40   2  2
    {"ir": {"t": 6, "k": 3, "out": 80, "n": 3, "s": 2, "se": 0.25}},   # 28²×40    MBConv6      6  3  80   3  2
    {"ir": {"t": 6, "k": 5, "out": 112, "n": 3, "s": 1, "se": 0.25}},  # 14²×80    MBConv6      6  5  112  3  1
    {"ir": {"t": 6, "k": 5, "out": 192, "n": 4, "s": 2, "se": 0.25}},  # 14²×112   MBConv6      6  5  192  4  2
    {"ir": {"t": 6, "k": 3, "out": 320, "n": 1, "s": 1, "se": 0.25}},  # 7²×192    MBConv6      6  3  320  1  1
    {"conv": {"k": 1, "out": 1280, "role": "head", "width": _HEAD_WIDTH, "depth": "fixed"}},  # 7²×320 Conv1x1 1280
    {"pool": {"global": "avg"}},                                       # 7²×1280   pooling
    {"linear": {"out": 1000, "bias": True}},                           # 1280      FC
]  # fmt: skip

# (width, depth, resolution) per variant: TF efficientnet_params, timm's _gen_efficientnet
# docstring and torchvision's efficientnet_b0…b7 builders agree
COEFFICIENTS = {
    "b0": (1.0, 1.0, 224),
    "b1": (1.0, 1.1, 240),
    "b2": (1.1, 1.2, 260),
    "b3": (1.2, 1.4, 300),
    "b4": (1.4, 1.8, 380),
    "b5": (1.6, 2.2, 456),
    "b6": (1.8, 2.6, 528),
    "b7": (2.0, 3.1, 600),
}


def _variant(key: str) -> dict:
    width, depth, resolution = COEFFICIENTS[key]
    table = {
        "name": f"efficientnet-{key}",
        "title": f"EfficientNet-{key.upper()}",
        "source": "arXiv:1905.11946, Table 1"
        + ("" if key == "b0" else f"; compound scaling w={width:g}, d={depth:g}, r={resolution}"),
        "resolution": resolution,
        "in_channels": 3,
        "rounding": "divisible8",
    }
    if width != 1:
        table["width_mult"] = width
    if depth != 1:
        table["depth_mult"] = depth
    return table | {
        "impls": _IMPLS,
        "defaults": {
            "act": "swish",
            "norm": "bn",
            "bias": False,
            "depth": "scale",
            "se_base": "input",
            "se_round": "floor",
            "se_act": "swish",
            "se_gate": "sigmoid",
        },
        "blocks": _B0_BLOCKS,
    }


VARIANTS = {key: _variant(key) for key in COEFFICIENTS}

_TV = "torchvision weights meta (EfficientNet_{}_Weights.IMAGENET1K_V1): _ops 'GFLOPS' (MACs), num_params"
# torchvision's published figures per variant: resolution (its eval crop), MACs, sum of numel
_TORCHVISION = {
    "b0": (224, "0.386G", "5288548"),
    "b1": (240, "0.687G", "7794184"),
    "b2": (288, "1.088G", "9109994"),  # evaluated at 288, not B2's native 260
    "b3": (300, "1.827G", "12233232"),
    "b4": (380, "4.394G", "19341616"),
    "b5": (456, "10.266G", "30389784"),
    "b6": (528, "19.068G", "43040704"),
    "b7": (600, "37.746G", "66347960"),
}

PUBLISHED: dict[str, tuple[Published, ...]] = {
    f"efficientnet-{key}": (
        *(
            (
                Published(1.0, 224, "0.39G", "5.3M",
                          "arXiv:1905.11946 Table 2; Keras applications index (5.3M)",
                          convention="torch",
                          note="the paper's '0.39B FLOPS' are MACs; its 5.3M parameters count "
                               "BatchNorm (weights and biases alone: 5.25M)"),
            )
            if key == "b0"
            else ()
        ),
        Published(1.0, res, macs, params, _TV.format(key.upper()), impl="torchvision",
                  convention="torch"),
    )
    for key, (res, macs, params) in _TORCHVISION.items()
}  # fmt: skip
