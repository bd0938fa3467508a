"""MnasNet and EfficientNet against torchvision's and timm's models: every conv/linear layer's MACs,
params and shapes exactly equal at the native configuration and at other widths, resolutions and
depth multipliers (small inputs: fvcore traces every one of EfficientNet's blocks); the depth rule
against the libraries' own depth arithmetic."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("torch")
pytest.importorskip("fvcore")
pytest.importorskip("torchvision")
pytest.importorskip("timm")

import mbcost
from mbcost.archs.efficientnet import COEFFICIENTS
from mbcost.verify.run import verify

pytestmark = pytest.mark.verify

CASES = [
    # (arch, impl, alpha, resolution, depth): each native configuration, then small inputs
    ("mnasnet-a1", "timm", 1.0, 224, 1.0),
    ("mnasnet-a1", "timm", 0.5, 96, 1.0),
    ("mnasnet-b1", "torchvision", 1.0, 224, 1.0),
    ("mnasnet-b1", "timm", 0.75, 96, 1.0),
    ("efficientnet-b0", "torchvision", 1.0, 224, 1.0),
    ("efficientnet-b0", "timm", 0.51, 96, 1.0),  # the head widths part here: 656 vs 640
    ("efficientnet-b0", "torchvision", 0.51, 96, 1.0),
    ("efficientnet-b0", "torchvision", 0.75, 96, 2.0),
    ("efficientnet-b2", "timm", 1.0, 96, 1.0),
]


@pytest.mark.parametrize(
    ("arch", "impl", "alpha", "res", "depth"),
    [pytest.param(*c, id=f"{c[0]}-{c[1]}-{c[2]:g}-{c[3]}-d{c[4]:g}") for c in CASES],
)
def test_every_layer_matches_the_reference_model(cache, arch, impl, alpha, res, depth):
    v = verify(arch, alpha, res, impl=impl, against="reference", cache=cache, depth=depth)
    assert v.layers_ok, [(c.position, c.problems) for c in v.layers if not c.match]
    terms = {t.term: t for t in v.terms}
    assert terms["conv + linear"].status == "match"
    assert terms["weight + bias"].status == "match"
    assert terms["sum(numel)"].status == "match"
    assert terms["tflite peak (elements, traced)"].status == "match"
    assert v.ok, v.terms


def test_efficientnet_head_width_differs_between_implementations_at_alpha_051(cache):
    """timm rounds 1280·α itself (make_divisible(652.8) = 656), torchvision builds 4 × its rounded
    last width (4 · make_divisible(163.2) = 640): both models agree with their --impl."""
    widths = {}
    for impl in ("timm", "torchvision"):
        v = verify("efficientnet-b0", 0.51, 96, impl=impl, cache=cache)
        assert v.ok
        head = [c.module for c in v.layers if c.row.name == "8.conv"]
        widths[impl] = head[0].out_shape[0]
    assert widths == {"timm": 656, "torchvision": 640}


def test_mnasnet_b1_reference_pools_its_head_with_mean(cache):
    v = verify("mnasnet-b1", 1.0, 224, impl="torchvision", cache=cache)
    pool = next(t for t in v.terms if t.term == "pool")
    assert pool.status == "explained" and "global pool" in pool.reason
    assert pool.diff == 1280 * 7 * 7  # the 7x7x1280 map torchvision averages with x.mean()


@pytest.mark.parametrize("depth", [1.0, 1.1, 1.2, 1.4, 1.7, 1.8, 2.2, 2.6, 3.1])
def test_efficientnet_repeats_follow_timm_and_torchvision(depth):
    """Per stage: timm's decode_arch_def (depth_trunc='ceil') and torchvision's adjust_depth,
    against the engine's units of each stage row."""
    from timm.models._efficientnet_builder import decode_arch_def
    from torchvision.models.efficientnet import MBConvConfig

    arch_def = [[f"ir_r{n}_k3_s1_e6_c16"] for n in (1, 2, 2, 3, 3, 4, 1)]
    timm_repeats = [len(stage) for stage in decode_arch_def(arch_def, depth)]
    torchvision_repeats = [MBConvConfig.adjust_depth(n, depth) for n in (1, 2, 2, 3, 3, 4, 1)]
    report = mbcost.analyze("efficientnet-b0", depth=depth)
    units = [len({r.node.unit for r in report.rows if r.block == b}) for b in range(1, 8)]
    assert units == timm_repeats == torchvision_repeats
    assert units == [math.ceil(n * depth) for n in (1, 2, 2, 3, 3, 4, 1)]


@pytest.mark.parametrize("key", list(COEFFICIENTS))
def test_efficientnet_variant_parameters_match_torchvision_without_tracing(key):
    """sum(numel) of torchvision's efficientnet_bK against the engine's torch convention: every
    variant at its own coefficients, B7 included (no fvcore trace needed for parameters)."""
    import torchvision

    model = getattr(torchvision.models, f"efficientnet_{key}")(weights=None)
    expected = sum(p.numel() for p in model.parameters())
    assert mbcost.analyze(f"efficientnet-{key}", convention="torch").totals.params == expected


@pytest.mark.parametrize(
    ("arch", "impl", "alpha", "res", "depth"),
    [
        ("mnasnet-a1", "paper", 0.75, 96, 1.0),
        ("mnasnet-b1", "torchvision", 1.3, 96, 1.0),
        ("efficientnet-b0", "torchvision", 0.51, 96, 1.0),
        ("efficientnet-b1", "paper", 0.5, 96, 1.5),
    ],
)
def test_generated_model_matches_the_engine_exactly(cache, arch, impl, alpha, res, depth):
    """The torch model built from mbcost's own table: per layer and every total (conventions, the
    traced peak), as test_verify_table does for the MobileNets."""
    v = verify(arch, alpha, res, impl=impl, against="table", cache=cache, depth=depth)
    assert all(t.status == "match" for t in v.terms), v.terms
    assert v.ok
