"""The traced tflite peak (``mbcost.verify.liveness``): hand-derived on a tiny module, and equal to
the engine's on the real reference models (the grid runs in ``mbcost verify --all``)."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("fvcore")

import torch
from torch import nn

import mbcost
from mbcost.verify.liveness import live_peak
from mbcost.verify.reference import REFERENCES

pytestmark = pytest.mark.verify


class Residual(nn.Module):
    """conv 3→8 (BN, ReLU fused) → conv 8→8, then `y += x`: a residual add written in place."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(inplace=True)
        )
        self.b = nn.Conv2d(8, 8, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.a(x)
        y = self.b(h)
        y += h
        return y


def test_hand_derived_peak_counts_fused_ops_once_and_the_add_as_a_new_tensor():
    # 10x10 maps: input 3·100; a writes 8·100 (BN and ReLU into it); b writes 8·100 while h lives;
    # the add reads h and y and writes a third 8·100 tensor: peak = 3 · 800 at the add
    assert live_peak(Residual(), 10) == 3 * 800
    assert live_peak(nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU()), 10) == 300 + 800


def test_se_multiply_writes_into_the_tensor_it_scales():
    class SE(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * torch.sigmoid(x.mean((2, 3), keepdim=True))

    # input 3·100 read by mean (writes 3), sigmoid fused, the multiply writes into x
    assert live_peak(SE(), 10) == 300 + 3


# EfficientNet-B1…B7 (B0's blocks, deeper and wider) and MobileNetV4's M and L (Conv-S's and
# Hybrid-M's blocks, deeper and wider) are traced by verify's grid and its tests
DEEP = {f"efficientnet-b{i}" for i in range(1, 8)} | {"v4-conv-m", "v4-conv-l", "v4-hybrid-l"}
TRACED = sorted(k for k in REFERENCES if k[0] not in DEEP)


@pytest.mark.parametrize(("arch", "impl"), TRACED, ids=["-".join(k) for k in TRACED])
def test_reference_models_peak_equals_the_engine_tflite_rule(arch, impl):
    # published TFLite liveness (uint8): V1 1,204,224, V2 1,505,280, V3-Large 1,003,520 bytes
    ref = REFERENCES[arch, impl]
    engine = mbcost.analyze(arch, 0.75, 160, impl=impl, dtype="uint8").memory.peak_bytes
    assert live_peak(ref.build(0.75), 160) == engine
