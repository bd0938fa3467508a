"""Published ImageNet accuracy of the built-in architectures, each figure with its source and recipe.

Figures are transcribed as printed (top-1 and top-5 in percent, ILSVRC-2012 validation). Where
sources disagree every figure is kept; per architecture, width, resolution and precision exactly one
is the ``default``: the one shown beside mbcost's counts and used by the accuracy fit. The rule for
a default: one training recipe for a whole family (a fit across recipes would fit the recipes), and
the figure that belongs to the network mbcost counts.

- **V1**: the TF-slim table (``mobilenet_v1_2018_02_22`` checkpoints, the full 4 × 4 grid from one
  recipe) is the default; the paper's Tables 6–7 come from the original checkpoints (70.6 against
  70.9 at 1.0-224), and an earlier revision of the same file lists the ``2017_06_14`` checkpoints.
  Quantized: the file's current revision (``2018_08_02`` models) measures the TFLite model itself
  after two conversion fixes ("Revisions to models" in that file), so it replaces the
  ``2018_02_22`` revision's emulated-quantization figures as the default.
- **V2**: the TF-slim grid (22 checkpoints, one recipe) is the default; the paper's Table 4 gives
  72.0 for 1.0-224 (the README's own training section also quotes 72.0 for its recipe) and 74.7 for
  1.4-224 beside a 585M / 6.9M that no implementation reproduces.
- **V3**: the final paper's Table 3 is the default: mbcost's ``v3-small`` is the final paper's
  network (56M / 2.5M), while the TF-slim README (67.5) and Keras (68.1) print Small beside the
  earlier revision's 66M / 2.9M. Large agrees between the paper and the README (75.2, 73.3).
  The README's "minimalistic" models are other networks (no SE, no h-swish, no 5×5) and are left out.
- **MnasNet-A1**: the tensorflow/tpu README's 5 × 5 grid (one recipe), less its 0.35-160 row,
  whose top-1 column prints 52.3 while its last column, its top-5 and its neighbours say 59.3: a
  misprint either way, so the configuration has no figure. **MnasNet-B1**: torchvision's weights.
- **EfficientNet-B0**: the Keras applications index (the paper's Table 2 figure).
- **MobileNetV4**: timm's ImageNet results table, one figure per variant at its native resolution
  (timm's own training; the paper's figures come from Google's, and its MACs and params for M and
  L are not what either implementation builds).
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Source(NamedTuple):
    """Where figures were printed (``citation``) and how the models behind them were trained and
    evaluated (``recipe``)."""

    citation: str
    recipe: str


SOURCES: dict[str, Source] = {
    "slim-v1": Source(
        "tensorflow/models research/slim/nets/mobilenet_v1.md (mobilenet_v1_2018_02_22 "
        "checkpoints; the float figures are unchanged in the 2018_08_02 revision)",
        "TF-slim mobilenet_v1_train, float; single crop",
    ),
    "slim-v1-quant": Source(
        "tensorflow/models research/slim/nets/mobilenet_v1.md, revision with the "
        "mobilenet_v1_2018_08_02 models",
        "8-bit quantization-aware training (contrib/quantize); measured on the TFLite model",
    ),
    "slim-v1-quant-2018-02": Source(
        "tensorflow/models research/slim/nets/mobilenet_v1.md, revision with the "
        "mobilenet_v1_2018_02_22 models",
        "8-bit quantization-aware training (contrib/quantize); emulated quantization in TF",
    ),
    "slim-v1-2017": Source(
        "tensorflow/models research/slim/nets/mobilenet_v1.md, earlier revision with the "
        "mobilenet_v1_2017_06_14 checkpoints (as quoted in the project's REFERENCE.md)",
        "TF-slim, float; single crop; the first released checkpoints",
    ),
    "v1-paper": Source(
        "arXiv:1704.04861 (MobileNets), Tables 4-7",
        "the paper's training: TensorFlow, RMSprop, asynchronous gradient descent",
    ),
    "slim-v2": Source(
        "tensorflow/models research/slim/nets/mobilenet/README.md, MobileNetV2 checkpoints",
        "TF-slim train_image_classifier (label smoothing 0.1, moving average 0.9999, "
        "inception_v2 preprocessing), float; Pixel 1 latency: TF-Lite, one large core",
    ),
    "v2-paper": Source(
        "arXiv:1801.04381 (MobileNetV2), Table 4",
        "the paper's training: RMSProp, 16 asynchronous GPU workers, batch 96",
    ),
    "slim-v3": Source(
        "tensorflow/models research/slim/nets/mobilenet/README.md, MobileNetV3 checkpoints",
        "trained at 224x224; float or 8-bit; Pixel 1 latency: TF-Lite, one large core",
    ),
    "v3-paper": Source(
        "arXiv:1905.02244 (Searching for MobileNetV3), final revision, Table 3",
        "the paper's training: synchronous, 4x4 TPU pod, RMSProp",
    ),
    "keras-v3": Source(
        "keras-team/keras keras/src/applications/mobilenet_v3.py, docstring",
        "the Keras ImageNet weights (TF checkpoints converted)",
    ),
    "tpu-mnasnet": Source(
        "tensorflow/tpu models/official/mnasnet/README.md, MnasNet-A1 grid",
        "TPU training of the TF reference (mnasnet_main.py); Pixel 1 latency: TF-Lite float",
    ),
    "torchvision-mnasnet": Source(
        "torchvision weights meta, MNASNet*_Weights.IMAGENET1K_V1 (acc@1, acc@5)",
        "torchvision's own training of its B1 models",
    ),
    "timm-v4": Source(
        "huggingface/pytorch-image-models results/results-imagenet.csv, mobilenetv4_* rows "
        "(as quoted in the project's REFERENCE.md)",
        "timm's own training of its MobileNetV4 models; evaluated at the native resolution",
    ),
    "keras-efficientnet": Source(
        "keras.io applications index (EfficientNetB0)",
        "the TF reference checkpoints (arXiv:1905.11946), converted to Keras",
    ),
}


class Accuracy(NamedTuple):
    """One published ImageNet figure of a configuration: ``top1`` / ``top5`` in percent.

    ``source`` is a key of ``SOURCES``; ``precision`` is ``float`` or ``int8``; ``default`` marks the
    figure shown and fitted for its configuration and precision; ``pixel1_ms`` is the latency printed
    beside it, where there is one.
    """

    alpha: float
    resolution: int
    top1: float
    top5: float | None
    source: str
    precision: str = "float"
    default: bool = False
    pixel1_ms: float | None = None
    note: str = ""


def _grid(
    source: str,
    rows: dict[float, tuple[tuple[float, ...], ...]],
    resolutions: tuple[int, ...],
    **fixed: Any,
) -> tuple[Accuracy, ...]:
    """A table of (top-1, top-5[, Pixel 1 ms]) cells, one row per width, one cell per resolution."""
    return tuple(
        Accuracy(
            alpha, res, *cell[:2], source, pixel1_ms=cell[2] if len(cell) > 2 else None, **fixed
        )
        for alpha, cells in rows.items()
        for res, cell in zip(resolutions, cells, strict=True)
    )


_V1_RES = (224, 192, 160, 128)

ACCURACY: dict[str, tuple[Accuracy, ...]] = {
    "v1": (
        *_grid("slim-v1", {
            1.0: ((70.9, 89.9), (70.0, 89.2), (68.0, 87.7), (65.2, 85.8)),
            0.75: ((68.4, 88.2), (67.2, 87.3), (65.3, 86.0), (62.1, 83.9)),
            0.5: ((63.3, 84.9), (61.7, 83.6), (59.1, 81.9), (56.3, 79.4)),
            0.25: ((49.8, 74.2), (47.7, 72.3), (45.5, 70.3), (41.5, 66.3)),
        }, _V1_RES, default=True),
        *_grid("slim-v1-quant", {
            1.0: ((70.1, 88.9), (69.2, 88.3), (67.2, 86.7), (63.4, 84.2)),
            0.75: ((66.8, 87.0), (66.1, 86.4), (62.3, 83.8), (55.8, 78.8)),
            0.5: ((60.7, 83.2), (60.0, 82.2), (57.7, 80.4), (54.5, 77.7)),
            0.25: ((48.0, 72.8), (46.0, 71.2), (43.4, 68.5), (39.5, 64.4)),
        }, _V1_RES, precision="int8", default=True),
        *_grid("slim-v1-quant-2018-02", {
            1.0: ((69.7, 89.5), (69.0, 88.9), (67.3, 87.7), (64.0, 85.5)),
            0.75: ((67.9, 88.1), (66.2, 87.1), (63.9, 85.5), (59.8, 82.8)),
            0.5: ((62.2, 84.5), (60.4, 83.2), (57.7, 81.3), (54.9, 78.9)),
            0.25: ((48.2, 73.8), (45.8, 71.9), (43.5, 69.1), (39.9, 65.8)),
        }, _V1_RES, precision="int8"),
        *_grid("slim-v1-2017", {
            1.0: ((70.7, 89.5), (69.3, 88.9), (67.2, 87.5), (64.1, 85.3)),
            0.75: ((68.4, 88.2), (67.4, 87.3), (65.2, 86.1), (61.8, 83.6)),
            0.5: ((64.0, 85.4), (62.1, 84.0), (59.9, 82.5), (56.2, 79.6)),
            0.25: ((50.6, 75.0), (49.0, 73.6), (46.0, 70.7), (41.3, 66.2)),
        }, _V1_RES),
        # paper Table 6 (widths at 224) and Table 7 (resolutions at alpha 1); 1.0-224 is also Table 4's
        Accuracy(1.0, 224, 70.6, None, "v1-paper", note="Tables 4, 6 and 7"),
        Accuracy(0.75, 224, 68.4, None, "v1-paper", note="Tables 5 and 6"),
        Accuracy(0.5, 224, 63.7, None, "v1-paper", note="Table 6"),
        Accuracy(0.25, 224, 50.6, None, "v1-paper", note="Table 6"),
        Accuracy(1.0, 192, 69.1, None, "v1-paper", note="Table 7"),
        Accuracy(1.0, 160, 67.2, None, "v1-paper", note="Table 7"),
        Accuracy(1.0, 128, 64.4, None, "v1-paper", note="Table 7"),
    ),
    "v1-conv": (Accuracy(1.0, 224, 71.7, None, "v1-paper", default=True, note="Table 4"),),
    "v1-shallow": (Accuracy(1.0, 224, 65.3, None, "v1-paper", default=True, note="Table 5"),),
    "v2": (
        *_grid("slim-v2", {
            1.0: ((71.8, 91.0, 73.8), (70.7, 90.1, 55.1), (68.8, 89.0, 40.2), (65.3, 86.9, 27.6),
                  (60.3, 83.2, 17.6)),
            0.75: ((69.8, 89.6, 55.8), (68.7, 88.9, 41.6), (66.4, 87.3, 30.4), (63.2, 85.3, 21.9),
                   (58.8, 81.6, 14.2)),
            0.5: ((65.4, 86.4, 28.7), (63.9, 85.4, 21.1), (61.0, 83.2, 14.9), (57.7, 80.8, 9.9),
                  (51.2, 75.8, 6.4)),
            0.35: ((60.3, 82.9, 19.7), (58.2, 81.2, 14.6), (55.7, 79.1, 10.5), (50.8, 75.0, 6.9),
                   (45.5, 70.4, 4.5)),
        }, (224, 192, 160, 128, 96), default=True),
        Accuracy(1.3, 224, 74.4, 92.1, "slim-v2", default=True, pixel1_ms=123.0),
        Accuracy(1.4, 224, 75.0, 92.5, "slim-v2", default=True, pixel1_ms=138.0),
        Accuracy(1.0, 224, 72.0, None, "v2-paper",
                 note="the README's training section also quotes 72.0% for its recipe"),
        Accuracy(1.4, 224, 74.7, None, "v2-paper",
                 note="printed beside 585M / 6.9M, which no implementation builds"),
    ),
    "v3-large": (
        Accuracy(1.0, 224, 75.2, None, "v3-paper", default=True),
        Accuracy(0.75, 224, 73.3, None, "v3-paper", default=True),
        Accuracy(1.0, 224, 75.2, None, "slim-v3", pixel1_ms=51.2),
        Accuracy(0.75, 224, 73.3, None, "slim-v3", pixel1_ms=39.8),
        Accuracy(1.0, 224, 73.9, None, "slim-v3", precision="int8", default=True, pixel1_ms=44.0),
        Accuracy(1.0, 224, 75.6, None, "keras-v3",
                 note="the project's REFERENCE.md says withdrawn upstream; still printed there"),
        Accuracy(0.75, 224, 73.3, None, "keras-v3"),
    ),
    "v3-small": (
        Accuracy(1.0, 224, 67.4, None, "v3-paper", default=True),
        Accuracy(0.75, 224, 65.4, None, "v3-paper", default=True),
        Accuracy(1.0, 224, 67.5, None, "slim-v3", pixel1_ms=15.8,
                 note="printed beside the earlier paper revision's 66M / 2.9M"),
        Accuracy(0.75, 224, 65.4, None, "slim-v3", pixel1_ms=12.8,
                 note="printed beside the earlier paper revision's 44M / 2.4M"),
        Accuracy(1.0, 224, 64.9, None, "slim-v3", precision="int8", default=True, pixel1_ms=15.5),
        Accuracy(1.0, 224, 68.1, None, "keras-v3",
                 note="printed beside 66M / 2.9M; the project's REFERENCE.md says withdrawn "
                      "upstream; still printed there"),
        Accuracy(0.75, 224, 65.4, None, "keras-v3"),
    ),
    "mnasnet-a1": tuple(
        Accuracy(alpha, res, top1, top5, "tpu-mnasnet", default=True, pixel1_ms=ms)
        for res, rows in {
            224: ((1.4, 77.2, 93.5, 135), (1.0, 75.2, 92.5, 78), (0.75, 73.3, 91.3, 61),
                  (0.5, 68.9, 88.4, 32), (0.35, 64.1, 85.1, 22)),
            192: ((1.4, 76.1, 93.0, 99), (1.0, 74.0, 91.6, 57), (0.75, 72.1, 90.5, 45),
                  (0.5, 67.2, 87.4, 24), (0.35, 62.4, 83.8, 17)),
            160: ((1.4, 74.8, 92.1, 72), (1.0, 72.0, 90.5, 41), (0.75, 70.1, 89.3, 33),
                  (0.5, 64.9, 85.8, 18)),  # 0.35-160 left out: see the module docstring
            128: ((1.4, 72.5, 90.6, 49), (1.0, 69.3, 88.9, 29), (0.75, 67.0, 87.3, 23),
                  (0.5, 60.8, 83.0, 12), (0.35, 54.8, 78.1, 8.5)),
            96: ((1.4, 68.6, 88.1, 32), (1.0, 64.4, 85.8, 18), (0.75, 62.1, 84.0, 17),
                 (0.5, 54.7, 78.1, 7.4), (0.35, 49.3, 73.4, 5.4)),
        }.items()
        for alpha, top1, top5, ms in rows
    ),
    "mnasnet-b1": (
        Accuracy(1.0, 224, 73.456, 91.51, "torchvision-mnasnet", default=True),
        Accuracy(0.5, 224, 67.734, 87.49, "torchvision-mnasnet", default=True),
        Accuracy(0.75, 224, 71.18, 90.496, "torchvision-mnasnet", default=True),
        Accuracy(1.3, 224, 76.506, 93.522, "torchvision-mnasnet", default=True),
    ),
    "efficientnet-b0": (Accuracy(1.0, 224, 77.1, None, "keras-efficientnet", default=True),),
    "v4-conv-s": (Accuracy(1.0, 224, 73.76, None, "timm-v4", default=True),),
    "v4-conv-m": (Accuracy(1.0, 256, 79.92, None, "timm-v4", default=True),),
    "v4-conv-l": (Accuracy(1.0, 384, 82.97, None, "timm-v4", default=True),),
    "v4-hybrid-m": (Accuracy(1.0, 256, 81.48, None, "timm-v4", default=True),),
    "v4-hybrid-l": (Accuracy(1.0, 384, 84.00, None, "timm-v4", default=True),),
}  # fmt: skip
