"""BatchNorm folding (``mbcost.bench.model``): the folded conv computes exactly conv + BN on random
input, for plain, biased, strided and depthwise convs, in torchvision's sequences and timm's
BatchNormAct2d; and the node model frees each output after its last reader."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

from mbcost.bench.model import (  # noqa: E402
    NodeModel,
    deployed,
    fold_batchnorm,
    fold_conv_bn,
    randomize_norms,
)

pytestmark = pytest.mark.verify


def _random_bn(c: int, generator) -> nn.BatchNorm2d:
    bn = nn.BatchNorm2d(c, eps=1e-3)
    randomize_norms(bn, generator)
    return bn.eval()


@pytest.mark.parametrize(
    ("c_in", "c_out", "k", "stride", "groups", "bias"),
    [
        (3, 8, 3, 2, 1, False),
        (8, 16, 1, 1, 1, True),
        (12, 12, 5, 1, 12, False),
        (8, 8, 3, 2, 8, True),
    ],
    ids=["stem", "pointwise-bias", "depthwise-5x5", "depthwise-s2-bias"],
)
def test_folded_conv_equals_conv_then_batchnorm(c_in, c_out, k, stride, groups, bias):
    g = torch.Generator().manual_seed(1)
    conv = nn.Conv2d(c_in, c_out, k, stride, k // 2, groups=groups, bias=bias).eval()
    bn = _random_bn(c_out, g)
    x = torch.randn(2, c_in, 11, 11, generator=g)
    with torch.no_grad():
        want = bn(conv(x))
        got = fold_conv_bn(conv, bn)(x)
    assert got.shape == want.shape
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)


def test_fold_batchnorm_drops_the_norm_from_a_conv_norm_activation_sequence():
    g = torch.Generator().manual_seed(2)
    seq = nn.Sequential(nn.Conv2d(4, 6, 3, padding=1), _random_bn(6, g), nn.ReLU6()).eval()
    x = torch.randn(1, 4, 9, 9, generator=g)
    with torch.no_grad():
        want = seq(x)
    assert fold_batchnorm(seq) == 1
    assert [type(m) for m in seq] == [nn.Conv2d, nn.ReLU6]
    with torch.no_grad():
        torch.testing.assert_close(seq(x), want, rtol=1e-5, atol=1e-5)


def test_deployed_torchvision_model_has_no_batchnorm_and_the_same_output():
    tv = pytest.importorskip("torchvision")
    model = tv.models.mobilenet_v3_small(weights=None).eval()
    randomize_norms(model, torch.Generator().manual_seed(3))
    folded = deployed(model)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in folded.modules())
    assert any(isinstance(m, nn.BatchNorm2d) for m in model.modules())  # the original is kept
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(folded(x), model(x), rtol=1e-3, atol=1e-4)


def test_timm_batchnorm_act_leaves_its_activation_behind():
    layers = pytest.importorskip("timm.layers")
    g = torch.Generator().manual_seed(4)

    class ConvBnAct(nn.Module):  # timm's layout: conv, then BatchNormAct2d (norm + act)
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 5, 3, padding=1, bias=False)
            self.bn = layers.BatchNormAct2d(5, act_layer=nn.Hardswish)

        def forward(self, x):
            return self.bn(self.conv(x))

    block = ConvBnAct().eval()
    randomize_norms(block, g)
    x = torch.randn(1, 3, 8, 8, generator=g)
    with torch.no_grad():
        want = block(x)
        folded = deployed(block)
        got = folded(x)
    assert isinstance(folded.bn, nn.Hardswish)
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)


def test_node_model_releases_outputs_after_their_last_reader():
    # 0 reads the input, 1 reads 0, 2 adds 0 and 1: node 0 is freed after 2, node 1 after 2
    class Add(nn.Module):
        def forward(self, a, b):
            return a + b

    model = NodeModel([(nn.ReLU(), (-1,)), (nn.Identity(), (0,)), (Add(), (0, 1))])
    assert model.release == [[], [], [0, 1]]
    x = torch.randn(1, 2, 3, 3)
    times = [0.0] * 3
    torch.testing.assert_close(model(x), 2 * torch.relu(x))
    torch.testing.assert_close(model.timed_forward(x, times), 2 * torch.relu(x))
    assert all(t > 0 for t in times)
