"""MnasNet, EfficientNet and the depth multiplier: counts against published and reference figures,
compound scaling as B0's rows times each variant's coefficients, the repeat rule ceil(n·d), and
one-line errors for every bad --depth."""

from __future__ import annotations

import json
import math

import pytest

import mbcost
from mbcost.archs.efficientnet import COEFFICIENTS
from mbcost.errors import MbcostError, SpecError
from mbcost.spec import dump_yaml, load, parse_table

B0_REPEATS = (1, 2, 2, 3, 3, 4, 1)  # arXiv:1905.11946 Table 1, stages 2-8


def _units(report: mbcost.Report, block: int) -> int:
    return len({r.node.unit for r in report.rows if r.block == block})


def test_efficientnet_b0_matches_the_reference_counts():
    # conv + linear MACs of torchvision's efficientnet_b0 (fvcore), and its published num_params
    assert mbcost.analyze("efficientnet-b0").totals.macs == 385_814_752
    assert mbcost.analyze("efficientnet-b0", convention="torch").totals.params == 5_288_548


def test_mnasnet_b1_is_torchvisions_mnasnet1_0_and_a1_has_input_based_se():
    # torchvision MNASNet1_0_Weights: 4,383,312 parameters (sum of numel, BatchNorm included)
    assert mbcost.analyze("mnasnet1_0", convention="torch").totals.params == 4_383_312
    b1 = mbcost.analyze("mnasnet-b1")
    assert not [r for r in b1.rows if r.role.value == "se"]
    a1 = {r.name: r for r in mbcost.analyze("semnasnet_100").rows}
    # block 3 (MBConv3 5x5, input 24): expanded 72, squeeze int(24 · 0.25) = 6 of the input
    assert a1["3.0.expand"].out_shape.c == 72
    assert a1["3.0.se.reduce"].out_shape.c == 6
    assert a1["3.1.se.reduce"].out_shape.c == 10  # input 40


@pytest.mark.parametrize("key", list(COEFFICIENTS))
def test_each_variant_is_b0_at_its_own_coefficients(key):
    width, depth, resolution = COEFFICIENTS[key]
    variant = mbcost.analyze(f"efficientnet-{key}", alpha=0.75)
    scaled = mbcost.analyze(
        "efficientnet-b0", alpha=width * 0.75, depth=depth, resolution=resolution
    )
    assert variant.totals == scaled.totals
    assert [r.layer for r in variant.rows] == [r.layer for r in scaled.rows]
    assert variant.inputs.alpha == 0.75 and variant.inputs.depth == 1.0


@pytest.mark.parametrize("depth", [0.5, 1.0, 1.1, 1.5, 2.0, 3.1])
def test_depth_scales_the_stage_rows_by_ceil_and_never_the_stem_or_head(depth):
    report = mbcost.analyze("efficientnet-b0", depth=depth, resolution=96)
    assert [_units(report, b) for b in range(1, 8)] == [math.ceil(n * depth) for n in B0_REPEATS]
    assert _units(report, 0) == _units(report, 8) == 1
    assert report.inputs.depth == depth


def test_a_repeated_first_stage_gets_its_residual():
    """B1's first stage (depth 1.1: ceil(1.1) = 2 repeats): the second MBConv1 maps 16 to 16 at
    stride 1, so it adds its input, as timm's DepthwiseSeparableConv and torchvision's MBConv do."""
    rows = {r.name for r in mbcost.analyze("efficientnet-b1").rows}
    assert "1.1.add" in rows and "1.0.add" not in rows


def test_depth_is_refused_by_tables_without_depth_scaling():
    with pytest.raises(MbcostError, match="depth must be 1 for table 'v2'"):
        mbcost.analyze("v2", depth=2)
    assert mbcost.analyze("v2", depth=1.0).totals == mbcost.analyze("v2").totals


@pytest.mark.parametrize("value", [0, -1, math.nan, math.inf, 101, True])
def test_library_depth_must_be_a_positive_finite_number(value):
    with pytest.raises(MbcostError, match="depth must be a positive number up to 100"):
        mbcost.analyze("efficientnet-b0", depth=value)


@pytest.mark.parametrize(
    "argv",
    [
        ["table", "efficientnet-b0", "--depth", "0"],
        ["table", "efficientnet-b0", "--depth", "-1"],
        ["table", "efficientnet-b0", "--depth", "nan"],
        ["table", "efficientnet-b0", "--depth", "inf"],
        ["table", "efficientnet-b0", "--depth", "101"],
        ["table", "efficientnet-b0", "--depth", "abc"],
        ["table", "v2", "--depth", "2"],
        ["sweep", "efficientnet-b0", "--depth", "0,1"],
        ["sweep", "efficientnet-b0", "--depth", "nan"],
        ["sweep", "efficientnet-b0", "--depth", "2:1:0.5"],
        ["sweep", "v3-large", "--depth", "1,1.5"],
        ["sweep", "efficientnet-b0", "--depth", "1.5", "--accuracy"],
        ["verify", "efficientnet-b0", "--depth", "0"],
        ["verify", "--all", "--depth", "2"],
    ],
    ids=lambda argv: " ".join(argv),
)
def test_bad_depth_is_one_line_exit_2(run, argv):
    code, out, err = run(*argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "depth" in err, err


def test_sweep_over_depth_lists_every_depth_per_width(run):
    code, out, _ = run(
        "sweep", "efficientnet-b0", "--alpha", "0.5,1", "--depth", "1,2", "--format", "json"
    )
    points = json.loads(out)["points"]
    assert code == 0
    assert [(p["alpha"], p["depth"]) for p in points] == [(0.5, 1), (0.5, 2), (1, 1), (1, 2)]
    assert points[2]["macs"] == 385_814_752
    assert points[3]["macs"] == mbcost.analyze("efficientnet-b0", depth=2).totals.macs


def test_table_json_inputs_carry_the_depth(run):
    code, out, _ = run("table", "efficientnet-b0", "--depth", "1.5", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["inputs"]["depth"] == 1.5
    assert doc["totals"]["macs"] == mbcost.analyze("efficientnet-b0", depth=1.5).totals.macs
    assert "top1" not in json.dumps(doc.get("accuracy") or {})  # no published figure at 1.5


def test_yaml_round_trip_keeps_the_coefficients_and_the_depth_rule(run, tmp_path):
    code, out, err = run("table", "efficientnet-b3", "--depth", "1.2", "--format", "yaml")
    assert code == 0 and "ignores --depth" in err
    assert "width_mult: 1.2" in out and "depth_mult: 1.4" in out and "depth: scale" in out
    path = tmp_path / "b3.yaml"
    path.write_text(out, encoding="utf-8")
    again = load(str(path))
    table = mbcost.get_arch("efficientnet-b3").table
    assert again.to_dict() == table.to_dict()
    for impl in table.impls:
        a = mbcost.analyze(table, 0.6, 128, impl=impl, depth=1.3)
        b = mbcost.analyze(again, 0.6, 128, impl=impl, depth=1.3)
        assert a.rows == b.rows


def _table(**extra) -> dict:
    return {
        "name": "t",
        "resolution": 32,
        "blocks": [{"conv": {"k": 3, "s": 2, "out": 16}}, {"ir": {"t": 6, "out": 16, "n": 2}}],
        **extra,
    }


def test_depth_mult_needs_a_row_that_scales():
    with pytest.raises(SpecError, match="'depth_mult' scales the repeats of rows with"):
        parse_table(_table(depth_mult=1.5))
    table = parse_table(_table(depth_mult=1.5, defaults={"depth": "scale"}))
    assert _units(mbcost.analyze(table), 1) == 3  # ceil(2 · 1.5)
    assert _units(mbcost.analyze(table), 0) == 2  # the stem row scales too: its default is scale


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"width_mult": 0}, "'width_mult' must be a positive number"),
        ({"depth_mult": -1}, "'depth_mult' must be a positive number"),
        ({"defaults": {"depth": "grow"}}, "'depth' must be one of scale, fixed"),
    ],
)
def test_bad_coefficients_are_spec_errors(extra, message):
    with pytest.raises(SpecError, match=message):
        parse_table(_table(**extra))


def test_archs_lists_the_new_families_with_their_notes(run):
    code, out, _ = run("archs", "--format", "json")
    archs = {a["name"]: a for a in json.loads(out)["archs"]}
    assert code == 0
    assert "not the paper's A1" in archs["mnasnet-b1"]["note"]
    assert "mnasnet1_0" in archs["mnasnet-b1"]["aliases"]
    assert archs["efficientnet-b7"]["resolution"] == 600
    assert archs["efficientnet-b0"]["computed"]["macs"] == 385_814_752
    code, out, _ = run("archs")
    assert code == 0 and "mnasnet-b1: torchvision's mnasnet1_0" in out


def test_published_top1_is_shown_only_at_the_published_depth(run):
    code, out, _ = run("table", "mnasnet-a1", "--format", "json")
    assert code == 0 and json.loads(out)["accuracy"]["top1"] == 75.2
    code, out, _ = run("table", "efficientnet-b0", "--depth", "2", "--format", "json")
    assert code == 0 and not json.loads(out).get("accuracy")


def test_dump_round_trip_of_a_user_table_with_depth():
    table = parse_table(_table(depth_mult=1.2, width_mult=0.8, defaults={"depth": "scale"}))
    data = table.to_dict()
    assert data["depth_mult"] == 1.2 and data["width_mult"] == 0.8
    assert "width_mult: 0.8" in dump_yaml(table)


def test_sweep_plot_takes_one_depth(run, tmp_path):
    code, _, err = run(
        "sweep", "efficientnet-b0", "--depth", "1,2", "--plot", str(tmp_path / "grid.png")
    )
    assert code == 2 and err.count("\n") == 1 and "one --depth" in err
    assert not (tmp_path / "grid.png").exists()


def test_budget_models_take_a_depth(run, tmp_path):
    config = tmp_path / "mbcost.toml"
    config.write_text(
        '[[models]]\nname = "b0-deep"\narch = "efficientnet-b0"\ndepth = 1.5\nmax_macs = "1G"\n',
        encoding="utf-8",
    )
    code, out, err = run("check", "--config", str(config), "--format", "json")
    assert code == 0, err
    (model,) = json.loads(out)["models"]
    assert model["measured"]["macs"] == mbcost.analyze("efficientnet-b0", depth=1.5).totals.macs
    for bad, message in (("0", "depth must be a positive number"), ("2", "depth must be 1")):
        config.write_text(
            f'[[models]]\nname = "x"\narch = "v2"\ndepth = {bad}\nmax_macs = "1G"\n',
            encoding="utf-8",
        )
        code, _, err = run("check", "--config", str(config))
        assert code == 2 and err.count("\n") == 1 and message in err, err


# tensorflow/tpu models/official/mnasnet/README.md, the MnasNet-A1 table as printed: input size,
# depth multiplier, top-1, top-5, params (M), Multi-Adds (M), Pixel 1 ms, top-1 again
TPU_MNASNET_A1 = """
224|1.4|77.2|93.5|6.1|591.5|135|77.2
224|1|75.2|92.5|3.9|315.2|78|75.2
224|0.75|73.3|91.3|2.9|226.7|61|73.3
224|0.5|68.9|88.4|2.1|105.2|32|68.9
224|0.35|64.1|85.1|1.7|63.2|22|64.1
192|1.4|76.1|93.0|6.1|435.1|99|76.1
192|1|74.0|91.6|3.9|232.0|57|74
192|0.75|72.1|90.5|2.9|166.9|45|72.1
192|0.5|67.2|87.4|2.1|77.6|24|67.2
192|0.35|62.4|83.8|1.7|46.8|17|62.4
160|1.4|74.8|92.1|6.1|302.8|72|74.8
160|1|72.0|90.5|3.9|161.6|41|72
160|0.75|70.1|89.3|2.9|116.4|33|70.1
160|0.5|64.9|85.8|2.1|54.4|18|64.9
160|0.35|52.3|81.5|1.7|32.9|13|59.3
128|1.4|72.5|90.6|6.1|194.5|49|72.5
128|1|69.3|88.9|3.9|104.1|29|69.3
128|0.75|67.0|87.3|2.9|75.0|23|67
128|0.5|60.8|83.0|2.1|35.3|12|60.8
128|0.35|54.8|78.1|1.7|21.6|8.5|54.8
96|1.4|68.6|88.1|6.1|110.3|32|68.6
96|1|64.4|85.8|3.9|59.3|18|64.4
96|0.75|62.1|84.0|2.9|42.9|17|62.1
96|0.5|54.7|78.1|2.1|20.5|7.4|54.7
96|0.35|49.3|73.4|1.7|12.7|5.4|49.3
"""


def test_mnasnet_a1_figures_match_the_tpu_readme():
    rows = [[float(x) for x in line.split("|")] for line in TPU_MNASNET_A1.split()]
    misprint = [r for r in rows if r[2] != r[7]]  # the top-1 column against the last one
    assert [(r[0], r[1]) for r in misprint] == [(160, 0.35)]
    expected = {(r[1], int(r[0])): (r[2], r[3], r[6]) for r in rows if r not in misprint}
    got = {
        (a.alpha, a.resolution): (a.top1, a.top5, a.pixel1_ms)
        for a in mbcost.published_accuracy("mnasnet-a1")
    }
    assert got == expected
    grid = [p for p in mbcost.get_arch("mnasnet-a1").published if "grid" in p.source]
    printed = {(p.alpha, p.resolution): (p.macs, p.params) for p in grid}
    assert printed == {(r[1], int(r[0])): (f"{r[5]}M", f"{r[4]}M") for r in rows if r[1] >= 0.75}
