"""MobileNetV3 — Howard et al. 2019, "Searching for MobileNetV3" (arXiv:1905.02244), Tables 1 and 2.

Rows use the paper's absolute expanded width (``exp``). The implementations differ at α ≠ 1:

- TF reference (the paper's numbers) and timm: expanded width = rounded input × (exp / input), the last
  1×1 conv (960 / 576) is ``make_divisible(c·α)``, and the 1280 / 1024 head conv is not scaled;
- timm keeps the 16-wide stem unscaled below α = 0.75;
- torchvision: expanded width = ``make_divisible(exp·α)``, the last 1×1 conv is 6 × its rounded input,
  and the head is scaled.

SE squeeze width: ``make_divisible(expanded / 4, 8)``. The head is a 1×1 conv with bias and no BN after
the global pool (TF/timm; torchvision's Linear costs the same).
"""

from __future__ import annotations

from mbcost.archs.published import Published

_HEAD_DEFAULTS = {
    "act": "hswish",
    "norm": "bn",
    "bias": False,
    "exp_width": {"paper": "ratio", "torchvision": "scale", "timm": "ratio"},
}
_LAST_CONV_WIDTH = {"paper": "scale", "torchvision": "ratio", "timm": "scale"}
_HEAD_WIDTH = {"paper": "fixed", "torchvision": "scale", "timm": "fixed"}
_STEM_WIDTH = {"paper": "scale", "torchvision": "scale", "timm": "fixed_below_0.75"}
_IMPLS = ["paper", "torchvision", "timm"]


def _head(last: int, head: int) -> list[dict]:
    """Paper rows after the bottlenecks: 1×1 conv, pool, 1×1 conv NBN (the head), classifier."""
    return [
        {"conv": {"k": 1, "out": last, "role": "head", "width": _LAST_CONV_WIDTH}},
        {"pool": {"global": "avg"}},
        {"conv": {"k": 1, "out": head, "bias": True, "norm": "none", "role": "head",
                  "width": _HEAD_WIDTH}},
        {"linear": {"out": 1000, "bias": True}},
    ]


_COMMON = {  # what both V3 tables share
    "resolution": 224,
    "in_channels": 3,
    "rounding": "divisible8",
    "impls": _IMPLS,
    "defaults": _HEAD_DEFAULTS,
}

V3_LARGE = {
    "name": "v3-large",
    "title": "MobileNetV3-Large",
    "source": "arXiv:1905.02244, Table 1",
    **_COMMON,
    "blocks": [                                                              # input     operator  exp  out SE NL  s
        {"conv": {"k": 3, "s": 2, "out": 16, "width": _STEM_WIDTH}},         # 224²×3    conv2d    -    16  -  HS  2
        {"ir": {"k": 3, "exp": 16, "out": 16, "s": 1, "act": "relu"}},       # 112²×16   bneck 3×3 16   16  -  RE  1
        {"ir": {"k": 3, "exp": 64, "out": 24, "s": 2, "act": "relu"}},       # 112²×16   bneck 3×3 64   24  -  RE  2
        {"ir": {"k": 3, "exp": 72, "out": 24, "s": 1, "act": "relu"}},       # 56²×24    bneck 3×3 72   24  -  RE  1
        {"ir": {"k": 5, "exp": 72, "out": 40, "s": 2, "se": 0.25, "act": "relu"}},   # 56²×24   bneck 5×5 72 40 ✓ RE 2
        {"ir": {"k": 5, "exp": 120, "out": 40, "s": 1, "se": 0.25, "act": "relu"}},  # 28²×40   bneck 5×5 120 40 ✓ RE 1
        {"ir": {"k": 5, "exp": 120, "out": 40, "s": 1, "se": 0.25, "act": "relu"}},  # 28²×40   bneck 5×5 120 40 ✓ RE 1
        {"ir": {"k": 3, "exp": 240, "out": 80, "s": 2}},                     # 28²×40    bneck 3×3 240  80  -  HS  2
        {"ir": {"k": 3, "exp": 200, "out": 80, "s": 1}},                     # 14²×80    bneck 3×3 200  80  -  HS  1
        {"ir": {"k": 3, "exp": 184, "out": 80, "s": 1}},                     # 14²×80    bneck 3×3 184  80  -  HS  1
        {"ir": {"k": 3, "exp": 184, "out": 80, "s": 1}},                     # 14²×80    bneck 3×3 184  80  -  HS  1
        {"ir": {"k": 3, "exp": 480, "out": 112, "s": 1, "se": 0.25}},        # 14²×80    bneck 3×3 480  112 ✓  HS  1
        {"ir": {"k": 3, "exp": 672, "out": 112, "s": 1, "se": 0.25}},        # 14²×112   bneck 3×3 672  112 ✓  HS  1
        {"ir": {"k": 5, "exp": 672, "out": 160, "s": 2, "se": 0.25}},        # 14²×112   bneck 5×5 672  160 ✓  HS  2
        {"ir": {"k": 5, "exp": 960, "out": 160, "s": 1, "se": 0.25}},        # 7²×160    bneck 5×5 960  160 ✓  HS  1
        {"ir": {"k": 5, "exp": 960, "out": 160, "s": 1, "se": 0.25}},        # 7²×160    bneck 5×5 960  160 ✓  HS  1
        *_head(960, 1280),                                                   # conv2d 1×1 960; pool; conv2d 1×1 NBN 1280; 1×1 NBN k
    ],
}

V3_SMALL = {
    "name": "v3-small",
    "title": "MobileNetV3-Small",
    "source": "arXiv:1905.02244, Table 2",
    **_COMMON,
    "blocks": [                                                              # input     operator  exp  out SE NL  s
        {"conv": {"k": 3, "s": 2, "out": 16, "width": _STEM_WIDTH}},         # 224²×3    conv2d    -    16  -  HS  2
        {"ir": {"k": 3, "exp": 16, "out": 16, "s": 2, "se": 0.25, "act": "relu"}},  # 112²×16 bneck 3×3 16 16 ✓ RE 2
        {"ir": {"k": 3, "exp": 72, "out": 24, "s": 2, "act": "relu"}},       # 56²×16    bneck 3×3 72   24  -  RE  2
        {"ir": {"k": 3, "exp": 88, "out": 24, "s": 1, "act": "relu"}},       # 28²×24    bneck 3×3 88   24  -  RE  1
        {"ir": {"k": 5, "exp": 96, "out": 40, "s": 2, "se": 0.25}},          # 28²×24    bneck 5×5 96   40  ✓  HS  2
        {"ir": {"k": 5, "exp": 240, "out": 40, "s": 1, "se": 0.25}},         # 14²×40    bneck 5×5 240  40  ✓  HS  1
        {"ir": {"k": 5, "exp": 240, "out": 40, "s": 1, "se": 0.25}},         # 14²×40    bneck 5×5 240  40  ✓  HS  1
        {"ir": {"k": 5, "exp": 120, "out": 48, "s": 1, "se": 0.25}},         # 14²×40    bneck 5×5 120  48  ✓  HS  1
        {"ir": {"k": 5, "exp": 144, "out": 48, "s": 1, "se": 0.25}},         # 14²×48    bneck 5×5 144  48  ✓  HS  1
        {"ir": {"k": 5, "exp": 288, "out": 96, "s": 2, "se": 0.25}},         # 14²×48    bneck 5×5 288  96  ✓  HS  2
        {"ir": {"k": 5, "exp": 576, "out": 96, "s": 1, "se": 0.25}},         # 7²×96     bneck 5×5 576  96  ✓  HS  1
        {"ir": {"k": 5, "exp": 576, "out": 96, "s": 1, "se": 0.25}},         # 7²×96     bneck 5×5 576  96  ✓  HS  1
        # The paper marks SE on the 1×1 576 conv; TF, torchvision and timm build it without SE.
        *_head(576, 1024),                                                   # conv2d 1×1 576; pool; conv2d 1×1 NBN 1024; 1×1 NBN k
    ],
}

PUBLISHED: dict[str, tuple[Published, ...]] = {
    "v3-large": (
        Published(1.0, 224, "219M", "5.4M", "paper Table 3", tolerance=0.015,
                  note="TF, torchvision and timm all build 216.6M; the TF model README prints 217M"),
        Published(1.0, 224, "217M", None, "TF model README",
                  note="its 5.4M params truncate the exact 5.46M"),
        Published(0.75, 224, "155M", "4.0M", "paper Table 3"),
    ),
    "v3-small": (
        Published(1.0, 224, "56M", "2.5M", "paper Table 3 (an earlier revision: 66M / 2.9M)",
                  rounding="floor"),
        Published(0.75, 224, "44M", "2.0M", "paper Table 3", tolerance=0.02,
                  note="timm's 0.75 model (TF rules) builds 43.4M"),
    ),
}
