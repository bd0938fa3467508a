"""Every MobileNetV4, MnasNet and EfficientNet built-in against its reference implementation at the
native resolution and three other widths and resolutions, measured on the real module by forward
hooks (every Conv2d and Linear: weight elements × output positions) rather than by fvcore, so the
largest models (EfficientNet-B7 at 600 px) take one forward pass, not a trace.

The engine's conv and linear layers must equal the module's, layer for layer as a multiset of
(MACs, weights), and the torch convention's parameters must equal ``sum(p.numel())``. The attention
matmuls, which no module hook sees, are checked against fvcore's matmul count in test_verify_v4.py.
"""

from __future__ import annotations

from collections import Counter

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("timm")
pytest.importorskip("torchvision")

import mbcost  # noqa: E402
from mbcost.layers import Conv2d, Linear  # noqa: E402
from mbcost.verify.reference import REFERENCES  # noqa: E402

FAMILIES = ("v4-", "mnasnet-", "efficientnet-")
OTHER = ((0.5, 128), (0.75, 160), (1.25, 112))  # width and resolution besides the native one


def _cases() -> list:
    cases = []
    for arch in (a for a in mbcost.list_archs() if a.name.startswith(FAMILIES)):
        refs = sorted(r.impl for (name, _), r in REFERENCES.items() if name == arch.name)
        native = arch.table.resolution
        cases += [
            pytest.param(arch.name, impl, 1.0, native, id=f"{arch.name}-{impl}") for impl in refs
        ]
        cases += [
            pytest.param(arch.name, refs[i % len(refs)], a, r, id=f"{arch.name}-{a:g}-{r}")
            for i, (a, r) in enumerate(OTHER)
        ]
    return cases


def _hooked(model, resolution: int) -> Counter:
    """(MACs, weight elements) of every Conv2d and Linear the forward pass runs."""
    seen: Counter = Counter()

    def record(module, args, output) -> None:
        positions = output[0, 0].numel() if isinstance(module, torch.nn.Conv2d) else 1
        seen[module.weight.numel() * positions, module.weight.numel()] += 1

    handles = [
        m.register_forward_hook(record)
        for m in model.modules()
        if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))
    ]
    with torch.inference_mode():
        model(torch.zeros(1, 3, resolution, resolution))
    for h in handles:
        h.remove()
    return seen


@pytest.mark.parametrize(("arch", "impl", "alpha", "resolution"), _cases())
def test_conv_and_linear_layers_and_params_equal_the_reference(arch, impl, alpha, resolution):
    model = REFERENCES[arch, impl].build(alpha)
    report = mbcost.analyze(arch, alpha, resolution, impl=impl, convention="torch")
    engine = Counter()
    for row in report.rows:
        layer = row.layer
        if isinstance(layer, Conv2d):
            engine[layer.weights() * row.out_shape.h * row.out_shape.w, layer.weights()] += 1
        elif isinstance(layer, Linear):
            weights = layer.in_f * row.in_shape.h * row.in_shape.w * layer.out_f
            engine[weights, weights] += 1
    measured = _hooked(model, resolution)
    assert engine == measured, (engine - measured, measured - engine)
    assert report.totals.params == sum(p.numel() for p in model.parameters())
