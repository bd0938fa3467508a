"""MobileNetV2 — Sandler et al. 2018 (arXiv:1801.04381), Table 2, as a layer table.

TF, torchvision and timm build the same widths: ``make_divisible(c·α, 8)``, expanded = rounded input × t,
and the last 1×1 conv never narrower than 1280 (it grows for α > 1).
"""

from __future__ import annotations

from mbcost.archs.published import Published

V2 = {
    "name": "v2",
    "title": "MobileNetV2",
    "source": "arXiv:1801.04381, Table 2",
    "resolution": 224,
    "in_channels": 3,
    "rounding": "divisible8",
    "impls": ["paper", "torchvision", "timm"],
    "defaults": {"act": "relu6", "norm": "bn", "bias": False},
    "blocks": [                                                 # input      operator     t  c     n  s
        {"conv": {"k": 3, "s": 2, "out": 32}},                  # 224²×3     conv2d       -  32    1  2
        {"ir": {"t": 1, "out": 16, "n": 1, "s": 1}},            # 112²×32    bottleneck   1  16    1  1  (no expand conv)
        {"ir": {"t": 6, "out": 24, "n": 2, "s": 2}},            # 112²×16    bottleneck   6  24    2  2
        {"ir": {"t": 6, "out": 32, "n": 3, "s": 2}},            # 56²×24     bottleneck   6  32    3  2
        {"ir": {"t": 6, "out": 64, "n": 4, "s": 2}},            # 28²×32     bottleneck   6  64    4  2
        {"ir": {"t": 6, "out": 96, "n": 3, "s": 1}},            # 14²×64     bottleneck   6  96    3  1
        {"ir": {"t": 6, "out": 160, "n": 3, "s": 2}},           # 14²×96     bottleneck   6  160   3  2
        {"ir": {"t": 6, "out": 320, "n": 1, "s": 1}},           # 7²×160     bottleneck   6  320   1  1
        {"conv": {"k": 1, "out": 1280, "width": "grow", "role": "head"}},  # 7²×320  conv2d 1×1  1280 (never narrower)
        {"pool": {"global": "avg"}},                            # 7²×1280    avgpool 7×7
        {"linear": {"out": 1000, "bias": True}},                # 1²×1280    conv2d 1×1 (the classifier)
    ],
}

_README = "TF model README (mobilenet_v2), MACs floored to millions"
_GRID = {  # α -> MACs in millions at 224, 192, 160, 128, 96 (TF model README)
    1.0: (300, 221, 154, 99, 56),
    0.75: (209, 153, 107, 69, 39),
    0.5: (97, 71, 50, 32, 18),
    0.35: (59, 43, 30, 20, 11),
}

PUBLISHED = {
    "v2": (
        Published(1.0, 224, "300M", "3.4M", "paper Table 3 / Table 4", rounding="floor"),
        Published(1.0, 224, "300M", "3.47M", _README, rounding="floor"),
        *(
            Published(alpha, res, f"{macs}M", None, _README, rounding="floor")
            for alpha, row in _GRID.items()
            for res, macs in zip((224, 192, 160, 128, 96), row, strict=True)
            if (alpha, res) != (1.0, 224)
        ),
        Published(1.3, 224, "509M", None, _README, rounding="floor"),
        Published(1.4, 224, "582M", "6.06M", _README, rounding="floor"),
    ),
}
# The paper's Table 4 prints 585M / 6.9M for 1.4-224: no implementation reproduces it; the README's
# 582M / 6.06M is what TF, torchvision and timm build.
