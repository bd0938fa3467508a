"""MobileNetV4 and its block kinds (UIB, FusedIB, Mobile MQA, layer scale) against hand-derived
formulas and timm's measured counts (``timm.models.mobilenetv3._gen_mobilenet_v4``, random weights,
counted with fvcore and ``sum(p.numel())``; the verifier's tests rebuild them)."""

from __future__ import annotations

import json

import pytest

import mbcost
from mbcost.errors import SpecError
from mbcost.layers import AttnScores, Conv2d, LayerScale
from mbcost.report import evaluate
from mbcost.roles import Role

# timm 1.0, fvcore: (conv + linear MACs, attention matmul MACs, sum(numel)) at the native resolution
TIMM = {
    "v4-conv-s": (224, 186_005_568, 0, 3_774_024),
    "v4-conv-m": (256, 1_080_244_224, 0, 9_715_512),
    "v4-conv-l": (384, 6_376_220_672, 0, 32_590_864),
    "v4-hybrid-m": (256, 1_229_240_320, 41_943_040, 11_074_648),
    "v4-hybrid-l": (384, 7_372_138_496, 339_738_624, 37_764_624),
}


@pytest.mark.parametrize("arch", TIMM)
def test_native_counts_equal_timms(arch):
    res, conv_linear, attention, numel = TIMM[arch]
    terms = mbcost.analyze(arch, 1.0, res, impl="timm").by_term()
    assert terms["cost.conv"] + terms["cost.linear"] == conv_linear
    assert terms.get("cost.attention", 0) == attention
    assert mbcost.analyze(arch, 1.0, res, convention="torch").totals.params == numel


def _attention_by_formula(arch: str, res: int) -> int:
    """heads·N_q·N_kv·(key_dim + value_dim) over the table's mqa rows, the maps followed by hand:
    stride 2 per strided row ('s' of conv/fused/uib rows), ceil(n/2) per stride-2 step."""
    side, total = res, 0
    for block in mbcost.get_arch(arch).data["blocks"]:
        ((kind, f),) = block.items()
        if f.get("s", 1) == 2:
            side = -(-side // 2)
        if kind == "mqa":
            kv = -(-side // 2) if f.get("kv_stride", 1) == 2 else side
            total += f["heads"] * side**2 * kv**2 * 2 * f["key_dim"]
    return total


@pytest.mark.parametrize(
    "arch,res", [("v4-hybrid-m", 256), ("v4-hybrid-l", 384), ("v4-hybrid-m", 200)]
)
def test_attention_macs_follow_the_formula(arch, res):
    report = mbcost.analyze(arch, 1.0, res)
    assert report.by_term()["cost.attention"] == _attention_by_formula(arch, res)
    assert report.by_role()[Role.ATTENTION].macs == report.by_term()["cost.attention"]


def test_paper_convention_counts_attention_and_torch_leaves_it_out():
    paper = mbcost.analyze("v4-hybrid-m").totals.macs
    torch_ = mbcost.analyze("v4-hybrid-m", convention="torch").totals.macs
    assert paper - torch_ == 41_943_040


def test_sweep_totals_and_peaks_equal_the_reports_on_pair_slots():
    table = mbcost.get_arch("v4-hybrid-l").table
    points = mbcost.sweep(table, [1.0, 0.5, 1.25], [384, 200, 97]).points
    for point in points:
        report = mbcost.analyze(table, point.alpha, point.resolution)
        assert evaluate(table, point.alpha, point.resolution) == point.totals == report.totals
        assert point.peak_bytes == report.memory.peak_bytes
    assert len(points) == 9


def _one(table_blocks: list[dict], res: int = 32, in_channels: int = 16) -> mbcost.Report:
    data = {"name": "t", "resolution": res, "in_channels": in_channels, "blocks": table_blocks}
    return mbcost.analyze(mbcost.parse_table(data))


@pytest.mark.parametrize(
    "a,k,start_stride,mid_stride",
    [(5, 5, 1, 2), (0, 3, None, 2), (3, 0, 2, None)],  # ExtraDW, IB, ConvNeXt-like
)
def test_uib_puts_the_stride_on_the_middle_depthwise_else_the_start(a, k, start_stride, mid_stride):
    rows = _one([{"uib": {"a": a, "k": k, "s": 2, "t": 4, "out": 24}}]).rows
    strides = {r.name.split(".")[-1]: r.layer.stride for r in rows if isinstance(r.layer, Conv2d)}
    assert strides.get("dw_start") == start_stride and strides.get("dw") == mid_stride
    assert strides["expand"] == strides["project"] == 1


def test_uib_costs_by_hand():
    # ExtraDW 16 -> 24, t 4, a 3, k 5, stride 2 at 32x32: 16·9·32² + 16·64·32² + 64·25·16² + 64·24·16²
    report = _one([{"uib": {"a": 3, "k": 5, "s": 2, "t": 4, "out": 24, "layer_scale": True}}])
    assert (
        report.totals.macs == 16 * 9 * 32**2 + 16 * 64 * 32**2 + 64 * 25 * 16**2 + 64 * 24 * 16**2
    )
    assert report.totals.params == 16 * 9 + 16 * 64 + 64 * 25 + 64 * 24  # γ folds: not counted
    assert report.by_term()["params.scale"] == 24


def test_ffn_uib_cannot_stride():
    with pytest.raises(SpecError, match="cannot have stride"):
        _one([{"uib": {"a": 0, "k": 0, "s": 2, "t": 2, "out": 16}}])


def test_fused_ib_by_hand():
    report = _one([{"fused": {"k": 3, "s": 2, "t": 4, "out": 16}}])
    assert report.totals.macs == (9 * 16 * 64 + 64 * 16) * 16**2
    assert not any(r.role is Role.RESIDUAL for r in report.rows)  # stride 2: no residual
    again = _one([{"fused": {"k": 3, "t": 4, "out": 16}}])
    assert [r.role for r in again.rows][-1] is Role.RESIDUAL


def test_mqa_by_hand():
    # 32 channels, 4 heads of 16 keys / 24 values, keys and values downsampled by a stride-2 3x3
    report = _one(
        [{"mqa": {"heads": 4, "key_dim": 16, "value_dim": 24, "out": 32, "kv_stride": 2}}],
        res=20,
        in_channels=32,
    )
    nq, nkv = 20 * 20, 10 * 10
    convs = 32 * 64 * nq + 2 * 9 * 32 * nkv + 32 * 16 * nkv + 32 * 24 * nkv + 96 * 32 * nq
    terms = report.by_term()
    assert terms["cost.conv"] == convs
    assert terms["cost.attention"] == 4 * nq * nkv * (16 + 24)
    assert terms["params.bn"] == 2 * 32 + 2 * (2 * 32)  # the pre-norm and the two downsamplings
    scores = next(r for r in report.rows if isinstance(r.layer, AttnScores))
    assert tuple(scores.out_shape) == (4, nq, nkv)


def test_mqa_memory_holds_the_scores_and_their_softmax():
    # no downsampling: at the softmax step the input x (the residual), v, the scores and the
    # softmax are live: 32·N + 24·N + 2·4·N² elements
    report = mbcost.analyze(
        mbcost.parse_table(
            {
                "name": "t",
                "resolution": 32,
                "in_channels": 32,
                "blocks": [{"mqa": {"heads": 4, "key_dim": 16, "value_dim": 24, "out": 32}}],
            }
        ),
        dtype="uint8",
    )
    n = 32 * 32
    assert report.memory.peak_bytes == 32 * n + 24 * n + 2 * 4 * n * n
    assert report.memory.peak_layer == "0.softmax"


def test_v4_width_rule():
    """timm's rule at α 0.5: the stem keeps 32 (fix_stem), the 960 conv halves, the 1280 head and
    the attention widths stay, expanded widths are make_divisible(rounded input · t)."""
    report = mbcost.analyze("v4-hybrid-m", 0.5)
    width = {r.name: r.node.out_c for r in report.rows}
    assert width["0.conv"] == 32
    assert width["31.conv"] == 480 and width["33.conv"] == 1280
    assert width["8.query"] == 256 and width["8.key.proj"] == 64
    assert width["2.expand"] == 24 * 4  # 48 · 0.5 = 24 in, t 4
    grown = mbcost.analyze("v4-hybrid-m", 1.5)
    assert {r.name: r.node.out_c for r in grown.rows}["0.conv"] == 48


def test_layer_scale_is_a_parameter_of_the_numel_conventions_only():
    report = mbcost.analyze("v4-hybrid-m")
    scales = [r for r in report.rows if isinstance(r.layer, LayerScale)]
    assert sum(r.node.out_c for r in scales) == report.by_term()["params.scale"] == 6_176
    torch_ = mbcost.analyze("v4-hybrid-m", convention="torch").totals.params
    assert torch_ - report.totals.params == 6_176 + report.by_term()["params.bn"]


def test_gelu_is_an_activation():
    rows = mbcost.analyze("v4-hybrid-l").rows
    assert {r.layer.act for r in rows if isinstance(r.layer, Conv2d) and r.role is Role.EXPAND} == {
        "gelu"
    }


def test_latency_prices_every_v4_layer_on_both_paths():
    """Every new layer type has latency work (a type without one is an error), and the sweep's
    per-node path (``plan_work``, pair slots from the areas) predicts what the report's does."""
    from mbcost.latency.predicted import plan_seconds, report_latency
    from mbcost.latency.profile import get_device
    from mbcost.plan import plan, spatial

    profile = get_device("pixel1")
    table = mbcost.get_arch("v4-hybrid-l").table
    p = plan(table, 0.75, "paper")
    report = mbcost.analyze(table, 0.75, 200)
    assert report_latency(profile, report).total == plan_seconds(profile, p, spatial(p, 200)) > 0


def test_compare_uib_and_fused_by_hand(run):
    from mbcost.compare import LayerShape, compare_layer

    c = compare_layer(["uib", "fused"], LayerShape(k=3, m=32, n=64, df=28, stride=2, expansion=4))
    uib, fused = c.kinds
    # ExtraDW: dw 3x3 on 32 at 28², expand 32→128 at 28², dw 3x3 stride 2 → 14², project 128→64
    assert uib.macs == 9 * 32 * 28**2 + 32 * 128 * 28**2 + 9 * 128 * 14**2 + 128 * 64 * 14**2
    assert fused.macs == (9 * 32 * 128 + 128 * 64) * 14**2
    assert fused.params == 9 * 32 * 128 + 128 * 64
    code, out, _ = run("compare", "depthwise", "inverted", "uib", "fused", "--format", "json")
    assert code == 0 and [k["name"] for k in json.loads(out)["kinds"]] == [
        "depthwise", "inverted", "uib", "fused"
    ]  # fmt: skip


def test_v4_tables_round_trip_through_the_cli(run, tmp_path):
    code, out, _ = run("table", "v4-hybrid-l", "--format", "yaml")
    assert code == 0
    path = tmp_path / "h.yaml"
    path.write_text(out, encoding="utf-8")
    code, again, _ = run("table", "--spec", str(path), "--res", "200", "--format", "json")
    code2, direct, _ = run("table", "v4-hybrid-l", "--res", "200", "--format", "json")
    assert code == code2 == 0
    assert json.loads(again)["totals"] == json.loads(direct)["totals"]
    assert json.loads(again)["by_term"]["cost.attention"] > 0


@pytest.mark.parametrize(
    "block,message",
    [
        ({"uib": {"t": 2, "out": 8, "a": 0, "k": 0, "s": 2}}, "cannot have stride 's'"),
        ({"uib": {"t": 2, "out": 8, "a": -1}}, "'a' must be an integer from 0"),
        ({"uib": {"out": 8}}, "missing required field 't'"),
        ({"uib": {"t": 2, "out": 8, "s": 2, "residual": True}}, "needs stride 1"),
        ({"fused": {"t": 0, "out": 8}}, "'t' must be a positive number"),
        ({"mqa": {"heads": 2, "key_dim": 8, "out": 8, "k": 5}}, "needs 'kv_stride' above 1"),
        ({"mqa": {"num_heads": 2, "key_dim": 8, "out": 8}}, "did you mean 'heads'?"),
        ({"mqa": {"heads": 2, "out": 8}}, "missing required field 'key_dim'"),
        ({"mqa": {"heads": 2, "key_dim": 8, "out": 16, "residual": True}}, "needs matching shapes"),
        ({"conv": {"k": 3, "out": 8, "act": "mish"}}, "'act' must be one of"),
    ],
)
def test_bad_v4_blocks_are_one_line_errors(run, tmp_path, block, message):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"name": "t", "resolution": 32, "blocks": [block]}), "utf-8")
    code, out, err = run("table", "--spec", str(path))
    assert code == 2 and not out and message in err and err.count("\n") == 1, err
