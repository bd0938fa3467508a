"""Engine vs fvcore on torch models generated from mbcost's own tables: every built-in under every
implementation it has, per layer, and the convention totals exactly (the builder pools with
AdaptiveAvgPool2d everywhere, so fvcore's total() and sum(numel) have nothing left to differ on)."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("fvcore")

import mbcost
from mbcost.network import build_network
from mbcost.verify.build import build_model
from mbcost.verify.run import verify

pytestmark = pytest.mark.verify

RESOLUTIONS = (224, 128, 150)
# MnasNet and EfficientNet (deep, up to 600 px) are sampled in test_verify_mnasnet_efficientnet.py,
# MobileNetV4 (up to 384 px, attention) in test_verify_v4.py
SAMPLED = {"mnasnet-a1", "mnasnet-b1"} | {
    a.name for a in mbcost.list_archs() if "efficient" in a.name or a.name.startswith("v4")
}
GRID = [
    pytest.param(arch.name, impl, alpha, res, id=f"{arch.name}-{impl}-{alpha:g}-{res}")
    for arch in mbcost.list_archs()
    if arch.name not in SAMPLED
    for impl in arch.table.impls
    for alpha in (
        (0.25, 0.5, 0.75, 1.0, 1.25) if arch.name.startswith("v1") else (0.35, 0.5, 0.75, 1.0, 1.4)
    )
    for res in RESOLUTIONS
]


@pytest.mark.parametrize(("arch", "impl", "alpha", "res"), GRID)
def test_generated_model_matches_the_engine_exactly(cache, arch, impl, alpha, res):
    v = verify(arch, alpha, res, impl=impl, against="table", cache=cache)
    assert all(c.match for c in v.layers), [c.problems for c in v.layers if not c.match]
    terms = {t.term: t for t in v.terms}
    fvcore_total = mbcost.analyze(arch, alpha, res, impl=impl, convention="fvcore").totals.macs
    assert terms["fvcore total()"].engine == fvcore_total == terms["fvcore total()"].measured
    torch_params = mbcost.analyze(arch, alpha, res, impl=impl, convention="torch").totals.params
    assert terms["sum(numel)"].engine == torch_params == terms["sum(numel)"].measured
    assert all(t.status == "match" for t in v.terms), v.terms
    assert v.ok


def test_generated_model_has_one_submodule_per_node_named_after_the_engine():
    network = build_network(mbcost.get_arch("v3-small").table, 0.75, 96, "timm")
    model = build_model(network)
    names = {name for name, _ in model.named_modules()}
    assert {row.name for row in network.layers} <= names
    assert {
        "1.dw.conv",
        "1.se.pool",
        "1.se.reduce.conv",
        "1.se.expand.conv",
        "1.se.scale",
        "1.project.bn",
        "3.add",
    } <= names
    assert [inputs for _, inputs in model.steps] == [row.inputs for row in network.layers]


def test_generated_model_runs_the_se_gate_and_the_residual_add_along_the_engine_edges():
    import torch

    network = build_network(mbcost.get_arch("v3-large").table, 1.0, 64, "paper")
    model = build_model(network)
    unit = dict(model.named_children())["5"]  # 40 -> 40, stride 1, SE: residual
    x = torch.randn(1, 40, 8, 8)
    with torch.no_grad():
        h = unit.expand(x)
        d = unit.dw(h)
        gate = unit.se.expand(unit.se.reduce(unit.se.pool(d)))
        body = unit.project(unit.se.scale(d, gate))
        assert torch.allclose(body, unit.project(d * gate))
        assert torch.allclose(unit.add(x, body), x + body)
    rows = {r.name: r for r in network.layers}
    assert rows["5.se.scale"].inputs == (rows["5.dw"].index, rows["5.se.expand"].index)
    assert rows["5.add"].inputs == (rows["4.project"].index, rows["5.project"].index)
    assert model(torch.randn(1, 3, 64, 64)).shape == (1, 1000, 1, 1)
