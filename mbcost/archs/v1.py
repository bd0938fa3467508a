"""MobileNetV1 — Howard et al. 2017, "MobileNets" (arXiv:1704.04861), Tables 1–7, as layer tables.

Widths under α: the paper (TF-slim) truncates, ``int(c·α)``; timm's ``mobilenetv1_100`` family rounds to a
multiple of 8 and gives its classifier a bias. The paper's parameter counts (Tables 2 and 6) exclude the
classifier bias: its Table 2 percentages only add up without it.
"""

from __future__ import annotations

from mbcost.archs.published import Published

_SOURCE = "arXiv:1704.04861, Table 1"

V1 = {
    "name": "v1",
    "title": "MobileNetV1",
    "source": _SOURCE,
    "resolution": 224,
    "in_channels": 3,
    "rounding": {"paper": "int", "timm": "divisible8"},
    "impls": ["paper", "timm"],
    "defaults": {"act": "relu6", "norm": "bn", "bias": False},
    "blocks": [                                       # input at 224   Table 1 row
        {"conv": {"k": 3, "s": 2, "out": 32}},        # 224²×3         Conv / s2, 3×3×3×32
        {"ds": {"s": 1, "out": 64}},                  # 112²×32        Conv dw / s1 + Conv / s1
        {"ds": {"s": 2, "out": 128}},                 # 112²×64
        {"ds": {"s": 1, "out": 128}},                 # 56²×128
        {"ds": {"s": 2, "out": 256}},                 # 56²×128
        {"ds": {"s": 1, "out": 256}},                 # 28²×256
        {"ds": {"s": 2, "out": 512}},                 # 28²×256
        {"ds": {"s": 1, "out": 512, "n": 5}},         # 14²×512        5× Conv dw / s1 + Conv / s1
        {"ds": {"s": 2, "out": 1024}},                # 14²×512
        {"ds": {"s": 1, "out": 1024}},                # 7²×1024        printed as s2; every implementation uses s1
        {"pool": {"global": "avg"}},                  # 7²×1024        Avg Pool / s1, Pool 7×7
        {"linear": {"out": 1000, "bias": {"paper": False, "timm": True}}},  # FC / s1, 1024×1000
    ],
}


def _full_conv(block: dict) -> dict:
    """Table 4's "Conv MobileNet": a depthwise-separable row becomes a full 3×3 conv."""
    if "ds" in block:
        return {"conv": {"k": 3, **block["ds"]}}
    return block


V1_CONV = V1 | {
    "name": "v1-conv",
    "title": "MobileNetV1, full convolutions",
    "source": "arXiv:1704.04861, Table 4 (every separable layer of Table 1 as a full 3×3 conv)",
    "rounding": "int",
    "impls": ["paper"],
    "blocks": [_full_conv(b) for b in V1["blocks"][:-1]] + [{"linear": {"out": 1000, "bias": False}}],
}

V1_SHALLOW = V1 | {
    "name": "v1-shallow",
    "title": "MobileNetV1, shallow",
    "source": "arXiv:1704.04861, Table 5 (the five 14×14×512 separable layers removed)",
    "rounding": "int",
    "impls": ["paper"],
    "blocks": [b for b in V1["blocks"][:-1] if b.get("ds", {}).get("n") != 5]
    + [{"linear": {"out": 1000, "bias": False}}],
}

PUBLISHED = {
    "v1": (
        Published(1.0, 224, "569M", "4.2M", "paper Table 6 / Table 7"),
        Published(0.75, 224, "325M", "2.6M", "paper Table 6"),
        Published(0.5, 224, "149M", "1.3M", "paper Table 6"),
        Published(0.25, 224, "41M", "0.5M", "paper Table 6"),
        Published(1.0, 192, "418M", "4.2M", "paper Table 7"),
        Published(1.0, 160, "290M", "4.2M", "paper Table 7", rounding="floor",
                  note="exact 290.68M: truncated here, unlike the paper's other figures"),
        Published(1.0, 160, "291M", None, "TF model README"),
        Published(1.0, 128, "186M", "4.2M", "paper Table 7"),
    ),
    "v1-conv": (
        Published(1.0, 224, "4866M", "29.3M", "paper Table 4", tolerance=0.001,
                  note="recomputation gives 4,867.3M; 4866M is the count without the classifier's "
                       "1.02M MACs"),
    ),
    "v1-shallow": (Published(1.0, 224, "307M", "2.9M", "paper Table 5"),),
}

# Paper Table 2: share of MACs and parameters by layer type, 1.0 MobileNet-224 (role -> (MACs %, params %)).
# The printed "Conv 3×3" MACs share is 1.19 %, but recomputation gives 1.91 % and only 1.91 makes the printed
# column sum to 100: a transposition in the paper.
TABLE2_SHARES = {
    "pointwise": (94.86, 74.59),
    "depthwise": (3.06, 1.06),
    "stem": (1.91, 0.02),
    "classifier": (0.18, 24.33),
}
TABLE2_MISPRINTS = {"stem": {"printed_macs_percent": 1.19, "recomputed_macs_percent": 1.91}}
