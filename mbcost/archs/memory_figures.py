"""Published activation-memory and activation-count figures, as printed, with their sources.

``tests/test_memory.py`` reproduces each one (and says where a printed figure and the rule it
states disagree); the README's "Memory" section quotes them.
"""

from __future__ import annotations

from typing import NamedTuple

WARDEN = (
    "Pete Warden, ml_memory_analyser README (github.com/petewarden/ml_memory_analyser): "
    "quantized uint8 TFLite models, bytes = elements"
)
MCUNETV2 = "Lin et al. 2021, MCUNetV2 (arXiv:2110.15352): TinyEngine's in-place depthwise, int8"
V2_TABLE3 = (
    "Sandler et al. 2018, MobileNetV2 (arXiv:1801.04381), Table 3, in the revision that prints "
    "the 112x112 row: 16-bit floats, memory in K = 1000 bytes"
)
TIMM = (
    "timm results, 'infer_macts' (fvcore ActivationCountAnalysis), and fvcore 0.1.5 measured on "
    "timm 1.0.31 / torchvision 0.29.1 models"
)


class PeakFigure(NamedTuple):
    """A published peak: ``bytes`` exactly, at α 1.0, 224x224, under ``rule`` with ``dtype``, at
    the layer named ``layer`` (mbcost's name) where the source says where it sits."""

    arch: str
    rule: str
    dtype: str
    bytes: int
    printed: str
    layer: str
    source: str
    note: str = ""


PEAKS = (
    PeakFigure("v1", "tflite", "uint8", 1_204_224, "1,204,224", "1.pw", WARDEN,
               "the first pointwise: in 32x112x112 + out 64x112x112"),
    PeakFigure("v2", "tflite", "uint8", 1_505_280, "1,505,280", "2.0.dw", WARDEN,
               "block 2's stride-2 depthwise: in 96x112x112 + out 96x56x56"),
    PeakFigure("v3-large", "tflite", "uint8", 1_003_520, "1,003,520", "2.expand", WARDEN,
               "block 2's expansion: in 16x112x112 + out 64x112x112 (its depthwise ties)"),
    PeakFigure("v2", "inplace-dw", "int8", 1372 * 1024, "1372 kB (KiB)", "2.0.expand", MCUNETV2,
               "the depthwise no longer holds two tensors; block 2's expansion, in 16x112x112 + "
               "out 96x112x112, is the new peak: 1,404,928 B = 1372.0 KiB, 100,352 B below tflite"),
)  # fmt: skip

# Table 3 [v2]: per resolution, the printed max channels and memory (K = 1000 bytes, 16-bit)
TABLE3 = {
    "v1": {112: (64, 1600), 56: (128, 800), 28: (256, 400), 14: (512, 200), 7: (1024, 199), 1: (1024, 2)},
    "v2": {112: (16, 400), 56: (32, 200), 28: (64, 100), 14: (160, 62), 7: (320, 32), 1: (1280, 2)},
}  # fmt: skip
TABLE3_MAX = {"v1": 1600, "v2": 400}  # "max 1600K / 400K"; the other revision: 800K / 200K
TABLE3_NOTES = (
    "V1 7x7: the paper prints 199K; the rule gives 1024 x 7 x 7 x 2 B = 100K (the largest tensor "
    "there), and 199K is twice that.",
    "V2 56x56, 28x28, 14x14, 7x7: the printed channels (32, 64, 160, 320) are the widths c of "
    "Table 2's bottleneck rows whose input is at that resolution, which V2 writes one resolution "
    "lower; the tensors V2 materializes there are 24, 32, 96 and 1280 (the 1x1 head conv; 320 "
    "among the bottlenecks) channels wide. Only the 112x112 row (16, with the stem streamed into "
    "the first bottleneck) and the 1x1 row (1280) are tensors V2 has, and 112x112 holds the max.",
    "The other revision replaces the 112x112 row by O(1) and prints max 800K / 200K: V1's is its "
    "56x56 entry (128 channels, 802,816 B); V2's 200K is its 56x56 entry (32 channels), which V2 "
    "does not have (24 channels: 150,528 B).",
)

# fvcore ActivationCountAnalysis at α 1.0, 224x224 (timm prints millions; measured exactly)
ACTIVATIONS = {
    "v1": ("5.04M", 5_043_688),
    "v2": ("6.68M", 6_679_112),
    "v3-large": ("4.41M", 4_407_168),
    "v3-small": ("1.42M", 1_417_680),
}
