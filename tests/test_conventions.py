"""Counting conventions: their differences are sums of named terms, and the fvcore / torch conventions
reproduce what fvcore and ``sum(p.numel())`` report on the real models."""

from __future__ import annotations

import pytest

import mbcost
from mbcost.conventions import CONVENTIONS, COST_TERMS, PARAM_TERMS
from mbcost.errors import UnknownNameError

# Measured once with fvcore 0.1.5 FlopCountAnalysis(model.eval(), 1×3×224×224).total() and
# sum(p.numel() for p in model.parameters()) on torchvision 0.29.1 / timm 1.0.31 models with random
# weights (tests/verify re-measures them whenever torch is installed).
FVCORE_MEASURED = [
    pytest.param("v2", "torchvision", 314_193_216, 3_504_872, id="v2-torchvision"),
    pytest.param("v3-large", "torchvision", 226_033_824, 5_483_032, id="v3-large-torchvision"),
    pytest.param("v3-small", "torchvision", 59_649_536, 2_542_856, id="v3-small-torchvision"),
    pytest.param("v1", "timm", 578_875_904, 4_231_976, id="v1-timm"),
]


@pytest.mark.parametrize("arch,impl,fvcore_total,numel", FVCORE_MEASURED)
def test_fvcore_and_torch_conventions_match_measured_totals(arch, impl, fvcore_total, numel):
    assert mbcost.analyze(arch, impl=impl, convention="fvcore").totals.macs == fvcore_total
    assert mbcost.analyze(arch, impl=impl, convention="torch").totals.params == numel


@pytest.mark.parametrize("arch", ["v1", "v2", "v3-large", "v3-small"])
def test_convention_differences_are_sums_of_terms(arch):
    paper = mbcost.analyze(arch, convention="paper")
    fvcore = mbcost.analyze(arch, convention="fvcore")
    torch = mbcost.analyze(arch, convention="torch")
    terms = paper.by_term()
    assert fvcore.totals.macs - paper.totals.macs == terms["cost.bn"] + terms["cost.pool"]
    assert torch.totals.params - paper.totals.params == terms["params.bn"]
    assert paper.totals.macs == terms["cost.conv"] + terms["cost.linear"]


def test_every_convention_names_only_known_terms():
    for convention in CONVENTIONS.values():
        assert set(convention.macs_terms) <= set(COST_TERMS)
        assert set(convention.params_terms) <= set(PARAM_TERMS)
        assert convention.description


def test_unknown_convention_is_an_error():
    with pytest.raises(UnknownNameError, match="did you mean 'fvcore'"):
        mbcost.analyze("v1", convention="fvcor")
