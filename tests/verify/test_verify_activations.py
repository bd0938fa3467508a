"""fvcore's ActivationCountAnalysis against the engine's ``activations``: per layer and in total, on
the reference models and on modules generated from a table (the grid in test_verify_reference.py
checks every configuration through ``Verification.ok``), and a mismatch names its layer."""

from __future__ import annotations

from dataclasses import replace

import pytest

pytest.importorskip("torch")
pytest.importorskip("fvcore")
pytest.importorskip("torchvision")
pytest.importorskip("timm")

from mbcost.archs.memory_figures import ACTIVATIONS
from mbcost.verify.compare import LayerCheck
from mbcost.verify.documents import divergence
from mbcost.verify.run import verify

pytestmark = pytest.mark.verify


@pytest.mark.parametrize(
    ("arch", "impl"),
    [("v1", "timm"), ("v2", "timm"), ("v3-large", "timm"), ("v3-small", "torchvision")],
)
def test_activation_counts_match_fvcore_layer_by_layer(cache, arch, impl):
    v = verify(arch, 1.0, 224, impl=impl, against="reference", cache=cache)
    for check in v.layers:
        assert check.row.value("activations") == check.module.activations, check.row.name
    (total,) = [t for t in v.terms if t.quantity == "activations"]
    assert total.engine == total.measured == ACTIVATIONS[arch][1]
    assert v.ok


def test_generated_modules_match_too(cache):
    v = verify("v3-small", 0.75, 160, impl="timm", against="table", cache=cache)
    assert all(c.row.value("activations") == c.module.activations for c in v.layers) and v.ok


def test_an_activation_mismatch_names_the_layer(cache):
    v = verify("v2", 1.0, 224, impl="torchvision", against="reference", cache=cache)
    check = v.layers[3]
    wrong = LayerCheck(check.position, check.row, replace(check.module, activations=1))
    assert wrong.problems == ("activations",) and not wrong.match
    assert f"layer {check.row.name} vs module {check.module.name}: activations differ" in (
        divergence(wrong)
    )
