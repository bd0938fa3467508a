"""Engine vs fvcore on torchvision's and timm's MobileNets: every conv/linear layer's MACs, params and
shapes exactly equal, over a grid of widths and resolutions (including sizes not multiples of 32)."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("fvcore")
pytest.importorskip("torchvision")
pytest.importorskip("timm")

from mbcost.roles import Role
from mbcost.verify.run import verify

pytestmark = pytest.mark.verify

WIDTHS = (0.35, 0.5, 0.75, 1.0, 1.4)
V1_WIDTHS = (0.25, 0.5, 0.75, 1.0, 1.25)
RESOLUTIONS = (224, 192, 160, 128, 96, 200, 150)
MODELS = (
    ("v1", "timm"),
    ("v2", "torchvision"),
    ("v2", "timm"),
    ("v3-large", "torchvision"),
    ("v3-large", "timm"),
    ("v3-small", "torchvision"),
    ("v3-small", "timm"),
)
GRID = [
    pytest.param(arch, impl, alpha, res, id=f"{arch}-{impl}-{alpha:g}-{res}")
    for arch, impl in MODELS
    for alpha in (V1_WIDTHS if arch == "v1" else WIDTHS)
    for res in RESOLUTIONS
]


@pytest.mark.parametrize(("arch", "impl", "alpha", "res"), GRID)
def test_every_layer_matches_the_reference_model(cache, arch, impl, alpha, res):
    v = verify(arch, alpha, res, impl=impl, against="reference", cache=cache)
    assert len(v.layers) > 10
    for check in v.layers:
        assert check.row is not None and check.module is not None, check
        assert check.shapes_match, (check.row.name, check.module.name)
        assert check.row.macs == check.module.macs, (check.row.name, check.module.name)
        assert check.row.params == check.module.params, (check.row.name, check.module.name)
    assert v.ok


# Measured once with fvcore 0.1.5 on torchvision 0.29.1 / timm 1.0.31 models at 224 (random weights,
# batch 1): conv+linear MACs, conv+linear params, fvcore total(), sum(numel). These pin what
# reference.py builds.
MEASURED = [
    ("v2", "torchvision", 1.0, 300_774_272, 3_470_760, 314_193_216, 3_504_872),
    ("v2", "timm", 1.4, 582_195_824, 6_060_840, None, None),
    ("v3-large", "torchvision", 1.0, 216_589_760, 5_458_632, 226_033_824, 5_483_032),
    ("v3-large", "torchvision", 0.75, 140_033_816, 3_359_160, 147_544_928, 3_377_576),
    ("v3-small", "torchvision", 1.0, 56_510_400, 2_530_744, 59_649_536, 2_542_856),
    ("v3-small", "torchvision", 0.75, 39_115_576, 1_644_720, 41_676_512, 1_653_920),
    ("v3-large", "timm", 1.0, 216_589_760, 5_458_632, 225_436_416, 5_483_032),
    ("v3-large", "timm", 0.75, 154_560_624, 3_974_440, 162_587_216, 3_993_528),
    ("v3-small", "timm", 1.0, 56_510_400, 2_530_744, 59_364_160, 2_542_856),
    ("v3-small", "timm", 0.75, 43_399_344, 2_032_192, 46_016_336, 2_041_872),
    ("v1", "timm", 1.0, 568_740_352, 4_210_088, 578_875_904, 4_231_976),
    ("v1", "timm", 0.75, 325_400_448, 2_569_144, 333_002_112, 2_585_560),
    ("v1", "timm", 0.5, 149_497_088, 1_320_648, 154_564_864, 1_331_592),
    ("v1", "timm", 0.25, 41_030_272, 464_600, 43_564_160, 470_072),
]


@pytest.mark.parametrize(
    ("arch", "impl", "alpha", "macs", "params", "total", "numel"),
    [pytest.param(*row, id=f"{row[0]}-{row[1]}-{row[2]:g}-224") for row in MEASURED],
)
def test_reference_models_count_as_measured(cache, arch, impl, alpha, macs, params, total, numel):
    v = verify(arch, alpha, 224, impl=impl, against="reference", cache=cache)
    terms = {t.term: t for t in v.terms}
    assert terms["conv + linear"].measured == sum(c.module.macs for c in v.layers) == macs
    assert terms["weight + bias"].measured == params
    if total is not None:
        assert terms["fvcore total()"].measured == total
        assert terms["sum(numel)"].measured == numel


@pytest.mark.parametrize(
    ("arch", "impl", "alpha"),
    [
        ("v2", "torchvision", 0.75),
        ("v3-large", "torchvision", 0.75),
        ("v1", "timm", 0.5),
        ("v3-small", "torchvision", 1.0),
    ],
)
def test_totals_match_exactly_where_the_reference_pools_with_modules(cache, arch, impl, alpha):
    """torchvision's SE and every global pool are AdaptiveAvgPool2d, which fvcore counts: the
    engine's fvcore-convention total and torch-convention params are exact."""
    v = verify(arch, alpha, 224, impl=impl, against="reference", cache=cache)
    assert [t.status for t in v.terms] == ["match"] * len(v.terms)


@pytest.mark.parametrize("arch", ["v3-large", "v3-small"])
def test_timm_se_pooling_is_the_whole_total_difference(cache, arch):
    """timm's SE pools with x.mean(), which fvcore does not count: the totals differ by exactly the
    engine's SE pool term, and the check says so."""
    v = verify(arch, 0.75, 224, impl="timm", against="reference", cache=cache)
    se_pool = sum(r.cost_terms.get("pool", 0) for r in v.report.rows if r.role is Role.SE)
    terms = {t.term: t for t in v.terms}
    assert terms["pool"].diff == terms["fvcore total()"].diff == se_pool > 0
    assert terms["pool"].status == "explained" and "x.mean()" in terms["pool"].reason
    assert "aten::mean" in v.unsupported
    assert v.ok


@pytest.mark.parametrize(("arch", "alpha"), [("v2", 0.5), ("v3-large", 0.75), ("v3-small", 1.0)])
def test_paper_rules_borrow_timm_where_their_layers_are_equal(cache, arch, alpha):
    v = verify(arch, alpha, 160, impl="paper", against="reference", cache=cache)
    assert v.ok and v.setup.model.startswith("timm.")
