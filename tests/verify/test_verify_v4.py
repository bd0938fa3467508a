"""MobileNetV4 against timm's models (``_gen_mobilenet_v4(variant, α)``, attention unfused) and a
timm Mobile MQA block: every conv/linear layer, every total, the attention matmuls as fvcore counts
them (``aten::matmul``) and the traced tflite peak. A sample here (Conv-S, Hybrid-M, small maps);
every V4 model over widths and resolutions runs in ``mbcost verify --all``."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("fvcore")
pytest.importorskip("timm")

import mbcost
from mbcost.verify.liveness import live_peak
from mbcost.verify.run import verify

pytestmark = pytest.mark.verify

SAMPLE = [
    ("v4-conv-s", 1.0, 224),  # native
    ("v4-conv-s", 0.5, 128),  # the stem stays 32 below α 1
    ("v4-conv-s", 1.5, 150),  # ... and scales above; odd maps
    ("v4-hybrid-m", 0.5, 100),  # 13x13 queries, 7x7 keys and values
]


@pytest.mark.parametrize(("arch", "alpha", "res"), SAMPLE)
def test_v4_matches_timm(cache, arch, alpha, res):
    v = verify(arch, alpha, res, impl="timm", against="reference", cache=cache)
    assert v.layers_ok, [c for c in v.layers if not c.match][:3]
    assert all(t.status == "match" for t in v.terms), [t for t in v.terms if t.diff]
    attention = next(t for t in v.terms if t.term == "attention")
    assert (attention.measured > 0) == arch.startswith("v4-hybrid")


SMALL = {
    "name": "v4ish",
    "resolution": 40,
    "defaults": {"act": "gelu"},
    "blocks": [
        {"conv": {"k": 3, "s": 2, "out": 16}},
        {"fused": {"k": 3, "s": 2, "t": 4, "out": 24}},
        {"uib": {"a": 3, "k": 5, "s": 2, "t": 4, "out": 32, "layer_scale": True}},
        {"uib": {"a": 0, "k": 0, "t": 2, "out": 32}},
        {"uib": {"a": 5, "k": 0, "t": 4, "out": 32}},
        {"mqa": {"heads": 2, "key_dim": 8, "out": 32, "kv_stride": 2, "layer_scale": True}},
        {"mqa": {"heads": 3, "key_dim": 8, "value_dim": 4, "out": 32}},
        {"pool": {"global": "avg"}},
        {"linear": {"out": 10}},
    ],
}


@pytest.mark.parametrize(("alpha", "res"), [(1.0, 40), (0.5, 33)])
def test_every_new_block_kind_builds_a_torch_model_the_engine_matches(cache, alpha, res):
    v = verify(mbcost.parse_table(SMALL), alpha, res, against="table", cache=cache)
    assert v.ok, [t for t in v.terms if t.diff]
    assert next(t for t in v.terms if t.term == "attention").measured > 0


def test_mobile_mqa_block_memory_is_the_traced_one_with_the_scores_live():
    """timm's MobileAttention alone (unfused): its traced peak, the engine's and the hand count
    agree; the peak holds the scores and their softmax (2·heads·N_q·N_kv)."""
    from timm.models._efficientnet_blocks import MobileAttention

    for kv_stride in (1, 2):
        block = MobileAttention(
            32, 32, num_heads=4, key_dim=16, value_dim=24, use_multi_query=True,
            kv_stride=kv_stride, layer_scale_init_value=1e-5,
        ).eval()  # fmt: skip
        block.attn.fused_attn = False
        fields = {"heads": 4, "key_dim": 16, "value_dim": 24, "out": 32, "layer_scale": True}
        if kv_stride > 1:
            fields["kv_stride"] = kv_stride
        table = mbcost.parse_table(
            {"name": "mqa", "resolution": 20, "in_channels": 32, "blocks": [{"mqa": fields}]}
        )
        for res in (20, 9):
            n = res * res
            kv = (-(-res // kv_stride)) ** 2
            engine = mbcost.analyze(table, 1.0, res, dtype="uint8").memory.peak_bytes
            hand = 32 * n + 24 * kv + 2 * 4 * n * kv  # x (the residual), v, scores, softmax
            assert live_peak(block, res, 32) == engine == hand
