"""Published accuracy as data (every figure against its source's text), the accuracy fit and its
evidence, and ``sweep --accuracy``."""

from __future__ import annotations

import json
import math
import random

import pytest

import mbcost
from mbcost import accuracy
from mbcost.archs.accuracy import ACCURACY, SOURCES
from mbcost.errors import MbcostError, UnknownNameError

# The source tables' rows as printed, links removed: model | MACs | params | top-1 | top-5.
# tensorflow/models research/slim/nets/mobilenet_v1.md at 02c04f49a188ba9a515100a3375a6359f3fffef1
# (the mobilenet_v1_2018_02_22 checkpoints; float and emulated-quantization rows)
SLIM_V1_2018_02 = """
MobileNet_v1_1.0_224|569|4.24|70.9|89.9
MobileNet_v1_1.0_192|418|4.24|70.0|89.2
MobileNet_v1_1.0_160|291|4.24|68.0|87.7
MobileNet_v1_1.0_128|186|4.24|65.2|85.8
MobileNet_v1_0.75_224|317|2.59|68.4|88.2
MobileNet_v1_0.75_192|233|2.59|67.2|87.3
MobileNet_v1_0.75_160|162|2.59|65.3|86.0
MobileNet_v1_0.75_128|104|2.59|62.1|83.9
MobileNet_v1_0.50_224|150|1.34|63.3|84.9
MobileNet_v1_0.50_192|110|1.34|61.7|83.6
MobileNet_v1_0.50_160|77|1.34|59.1|81.9
MobileNet_v1_0.50_128|49|1.34|56.3|79.4
MobileNet_v1_0.25_224|41|0.47|49.8|74.2
MobileNet_v1_0.25_192|34|0.47|47.7|72.3
MobileNet_v1_0.25_160|21|0.47|45.5|70.3
MobileNet_v1_0.25_128|14|0.47|41.5|66.3
MobileNet_v1_1.0_224_quant|569|4.24|69.7|89.5
MobileNet_v1_1.0_192_quant|418|4.24|69.0|88.9
MobileNet_v1_1.0_160_quant|291|4.24|67.3|87.7
MobileNet_v1_1.0_128_quant|186|4.24|64.0|85.5
MobileNet_v1_0.75_224_quant|317|2.59|67.9|88.1
MobileNet_v1_0.75_192_quant|233|2.59|66.2|87.1
MobileNet_v1_0.75_160_quant|162|2.59|63.9|85.5
MobileNet_v1_0.75_128_quant|104|2.59|59.8|82.8
MobileNet_v1_0.50_224_quant|150|1.34|62.2|84.5
MobileNet_v1_0.50_192_quant|110|1.34|60.4|83.2
MobileNet_v1_0.50_160_quant|77|1.34|57.7|81.3
MobileNet_v1_0.50_128_quant|49|1.34|54.9|78.9
MobileNet_v1_0.25_224_quant|41|0.47|48.2|73.8
MobileNet_v1_0.25_192_quant|34|0.47|45.8|71.9
MobileNet_v1_0.25_160_quant|21|0.47|43.5|69.1
MobileNet_v1_0.25_128_quant|14|0.47|39.9|65.8
"""
# the same file at 10cf1c0adfc8a7adaa476bf4ebb7e6c576526a5f (mobilenet_v1_2018_08_02 models): the
# float rows are identical; the quantized ones are measured on the TFLite model
SLIM_V1_2018_08_QUANT = """
MobileNet_v1_1.0_224_quant|569|4.24|70.1|88.9
MobileNet_v1_1.0_192_quant|418|4.24|69.2|88.3
MobileNet_v1_1.0_160_quant|291|4.24|67.2|86.7
MobileNet_v1_1.0_128_quant|186|4.24|63.4|84.2
MobileNet_v1_0.75_224_quant|317|2.59|66.8|87.0
MobileNet_v1_0.75_192_quant|233|2.59|66.1|86.4
MobileNet_v1_0.75_160_quant|162|2.59|62.3|83.8
MobileNet_v1_0.75_128_quant|104|2.59|55.8|78.8
MobileNet_v1_0.50_224_quant|150|1.34|60.7|83.2
MobileNet_v1_0.50_192_quant|110|1.34|60.0|82.2
MobileNet_v1_0.50_160_quant|77|1.34|57.7|80.4
MobileNet_v1_0.50_128_quant|49|1.34|54.5|77.7
MobileNet_v1_0.25_224_quant|41|0.47|48.0|72.8
MobileNet_v1_0.25_192_quant|34|0.47|46.0|71.2
MobileNet_v1_0.25_160_quant|21|0.47|43.4|68.5
MobileNet_v1_0.25_128_quant|14|0.47|39.5|64.4
"""
# REFERENCE.md §1 quotes an earlier revision of mobilenet_v1.md (mobilenet_v1_2017_06_14), which
# the stored history here does not hold: alpha -> top-1/top-5 at 224, 192, 160, 128
SLIM_V1_2017 = {
    1.0: ((70.7, 89.5), (69.3, 88.9), (67.2, 87.5), (64.1, 85.3)),
    0.75: ((68.4, 88.2), (67.4, 87.3), (65.2, 86.1), (61.8, 83.6)),
    0.5: ((64.0, 85.4), (62.1, 84.0), (59.9, 82.5), (56.2, 79.6)),
    0.25: ((50.6, 75.0), (49.0, 73.6), (46.0, 70.7), (41.3, 66.2)),
}
# tensorflow/models research/slim/nets/mobilenet/README.md at 0ba83cf0211401a8505505276c59418f15338d31:
# checkpoint | MACs | params | top-1 | top-5 | Pixel 1 ms
SLIM_V2 = """
mobilenet_v2_1.4_224|582|6.06|75.0|92.5|138.0
mobilenet_v2_1.3_224|509|5.34|74.4|92.1|123.0
mobilenet_v2_1.0_224|300|3.47|71.8|91.0|73.8
mobilenet_v2_1.0_192|221|3.47|70.7|90.1|55.1
mobilenet_v2_1.0_160|154|3.47|68.8|89.0|40.2
mobilenet_v2_1.0_128|99|3.47|65.3|86.9|27.6
mobilenet_v2_1.0_96|56|3.47|60.3|83.2|17.6
mobilenet_v2_0.75_224|209|2.61|69.8|89.6|55.8
mobilenet_v2_0.75_192|153|2.61|68.7|88.9|41.6
mobilenet_v2_0.75_160|107|2.61|66.4|87.3|30.4
mobilenet_v2_0.75_128|69|2.61|63.2|85.3|21.9
mobilenet_v2_0.75_96|39|2.61|58.8|81.6|14.2
mobilenet_v2_0.5_224|97|1.95|65.4|86.4|28.7
mobilenet_v2_0.5_192|71|1.95|63.9|85.4|21.1
mobilenet_v2_0.5_160|50|1.95|61.0|83.2|14.9
mobilenet_v2_0.5_128|32|1.95|57.7|80.8|9.9
mobilenet_v2_0.5_96|18|1.95|51.2|75.8|6.4
mobilenet_v2_0.35_224|59|1.66|60.3|82.9|19.7
mobilenet_v2_0.35_192|43|1.66|58.2|81.2|14.6
mobilenet_v2_0.35_160|30|1.66|55.7|79.1|10.5
mobilenet_v2_0.35_128|20|1.66|50.8|75.0|6.9
mobilenet_v2_0.35_96|11|1.66|45.5|70.4|4.5
"""
# the same README, MobileNetV3 table (checkpoint | MACs | params | top-1 | Pixel 1 ms)
SLIM_V3 = {
    ("v3-large", 1.0, "float"): (75.2, 51.2),
    ("v3-large", 1.0, "int8"): (73.9, 44.0),
    ("v3-large", 0.75, "float"): (73.3, 39.8),
    ("v3-small", 1.0, "float"): (67.5, 15.8),
    ("v3-small", 1.0, "int8"): (64.9, 15.5),
    ("v3-small", 0.75, "float"): (65.4, 12.8),
}
# keras-team/keras keras/src/applications/mobilenet_v3.py docstring (08995a40 and 5d24952b alike)
KERAS_V3 = {("v3-large", 1.0): 75.6, ("v3-large", 0.75): 73.3, ("v3-small", 1.0): 68.1,
            ("v3-small", 0.75): 65.4}  # fmt: skip
# the papers, as REFERENCE.md §1 quotes them: arXiv:1704.04861 Tables 4-7, arXiv:1801.04381 Table 4,
# arXiv:1905.02244 final revision Table 3 (arch, alpha, resolution) -> top-1
PAPERS = {
    ("v1", 1.0, 224): 70.6, ("v1", 0.75, 224): 68.4, ("v1", 0.5, 224): 63.7,
    ("v1", 0.25, 224): 50.6, ("v1", 1.0, 192): 69.1, ("v1", 1.0, 160): 67.2,
    ("v1", 1.0, 128): 64.4, ("v1-conv", 1.0, 224): 71.7, ("v1-shallow", 1.0, 224): 65.3,
    ("v2", 1.0, 224): 72.0, ("v2", 1.4, 224): 74.7,
    ("v3-large", 1.0, 224): 75.2, ("v3-large", 0.75, 224): 73.3,
    ("v3-small", 1.0, 224): 67.4, ("v3-small", 0.75, 224): 65.4,
}  # fmt: skip


def _rows(text: str) -> list[list[str]]:
    return [line.split("|") for line in text.strip().splitlines()]


def _config(name: str) -> tuple[float, int]:
    """``MobileNet_v1_0.50_224_quant`` -> (0.5, 224)."""
    parts = name.removesuffix("_quant").split("_")
    return float(parts[-2]), int(parts[-1])


def _figures(arch: str, source: str, precision: str = "float") -> dict[tuple[float, int], tuple]:
    return {
        (a.alpha, a.resolution): (a.top1, a.top5, a.pixel1_ms)
        for a in ACCURACY[arch]
        if a.source == source and a.precision == precision
    }


def test_v1_slim_float_and_quantized_rows_match_the_2018_02_22_revision():
    rows = _rows(SLIM_V1_2018_02)
    float_rows = {_config(r[0]): (float(r[3]), float(r[4]), None) for r in rows[:16]}
    quant_rows = {_config(r[0]): (float(r[3]), float(r[4]), None) for r in rows[16:]}
    assert _figures("v1", "slim-v1") == float_rows
    assert _figures("v1", "slim-v1-quant-2018-02", "int8") == quant_rows


def test_v1_slim_quantized_rows_match_the_2018_08_02_revision():
    rows = {_config(r[0]): (float(r[3]), float(r[4]), None) for r in _rows(SLIM_V1_2018_08_QUANT)}
    assert _figures("v1", "slim-v1-quant", "int8") == rows


def test_v1_2017_checkpoints_match_reference():
    expected = {
        (alpha, res): (*cell, None)
        for alpha, cells in SLIM_V1_2017.items()
        for res, cell in zip((224, 192, 160, 128), cells, strict=True)
    }
    assert _figures("v1", "slim-v1-2017") == expected


def test_v2_slim_grid_matches_the_readme_with_pixel1_latency():
    rows = {_config(r[0]): (float(r[3]), float(r[4]), float(r[5])) for r in _rows(SLIM_V2)}
    assert len(rows) == 22
    assert _figures("v2", "slim-v2") == rows


def test_v3_slim_and_keras_figures_match_their_sources():
    got = {
        (arch, a.alpha, a.precision): (a.top1, a.pixel1_ms)
        for arch in ("v3-large", "v3-small")
        for a in ACCURACY[arch]
        if a.source == "slim-v3"
    }
    assert got == SLIM_V3
    keras = {(arch, a.alpha): a.top1 for arch in ACCURACY for a in ACCURACY[arch]
             if a.source == "keras-v3"}  # fmt: skip
    assert keras == KERAS_V3


def test_paper_figures_match_reference():
    got = {
        (arch, a.alpha, a.resolution): a.top1
        for arch, figures in ACCURACY.items()
        for a in figures
        if a.source.endswith("-paper")
    }
    assert got == PAPERS


def test_one_default_per_configuration_and_precision_from_one_source_per_family():
    for arch, figures in ACCURACY.items():
        keys = [(a.alpha, a.resolution, a.precision) for a in figures if a.default]
        assert len(keys) == len(set(keys)), arch
        # every figure's configuration and precision has a default
        assert {(a.alpha, a.resolution, a.precision) for a in figures} == set(keys), arch
        float_sources = {a.source for a in figures if a.default and a.precision == "float"}
        assert len(float_sources) == 1, (arch, float_sources)  # one recipe per family
        assert all(a.source in SOURCES for a in figures)


def test_defaults_where_sources_disagree():
    defaults = {
        arch: accuracy.default_accuracy(arch) for arch in ("v1", "v2", "v3-small", "v3-large")
    }
    assert defaults["v1"][1.0, 224].top1 == 70.9  # TF-slim 2018 over the paper's 70.6
    assert defaults["v2"][1.0, 224].top1 == 71.8  # the README grid over the paper's 72.0
    assert defaults["v3-small"][1.0, 224].top1 == 67.4  # the final paper over the README's 67.5
    assert accuracy.default_accuracy("v1", "int8")[1.0, 224].top1 == 70.1  # the TFLite model


def test_published_accuracy_is_public_and_takes_aliases():
    assert mbcost.published_accuracy("mobilenet_v2") == ACCURACY["v2"]
    assert all(isinstance(a, mbcost.Accuracy) for a in mbcost.published_accuracy("v3"))
    with pytest.raises(UnknownNameError, match="did you mean"):
        mbcost.published_accuracy("v22")


# Leave-one-out RMS error of each model on each family, top-1 points (mbcost's own MACs).
LOO = {
    ("v1", "log-macs"): 1.92,
    ("v1", "log-macs+res"): 1.69,
    ("v1", "log-macs^2"): 1.44,
    ("v1", "log-macs^2+res"): 1.03,
    ("v2", "log-macs"): 1.68,
    ("v2", "log-macs+res"): 1.71,
    ("v2", "log-macs^2"): 0.68,
    ("v2", "log-macs^2+res"): 0.73,
}


@pytest.mark.parametrize(("arch", "model"), list(LOO), ids=[f"{a}-{m}" for a, m in LOO])
def test_leave_one_out_error_of_each_model(arch, model):
    assert round(accuracy.accuracy_fit(arch, model).loo_rms, 2) == LOO[arch, model]


def test_the_chosen_model_is_the_evidence():
    """The chosen model: lowest on V1, within 0.05 of the lowest on V2, and well under both models
    the issue named (top-1 against ln MACs, or ln MACs and resolution) on both families."""
    chosen = accuracy.MODEL
    assert min(accuracy.MODELS, key=lambda m: LOO["v1", m]) == chosen
    assert LOO["v2", chosen] - min(LOO["v2", m] for m in accuracy.MODELS) <= 0.05
    for arch in ("v1", "v2"):
        assert LOO[arch, chosen] < 0.65 * min(LOO[arch, "log-macs"], LOO[arch, "log-macs+res"])


def test_least_squares_recovers_an_exact_linear_law():
    rows = [(1.0, x, x * x) for x in (0.0, 1.0, 2.0, 3.5, -1.0)]
    ys = [2 - 3 * x + 0.5 * x2 for _, x, x2 in rows]
    assert [round(b, 9) for b in accuracy.least_squares(rows, ys)] == [2.0, -3.0, 0.5]
    with pytest.raises(MbcostError, match="singular"):
        accuracy.least_squares([(1.0, 2.0), (1.0, 2.0)], [1.0, 2.0])


def test_least_squares_agrees_with_numpy():
    np = pytest.importorskip("numpy")
    rng = random.Random(11)
    rows = [(1.0, rng.uniform(-2, 2), rng.uniform(-1, 1)) for _ in range(30)]
    ys = [rng.gauss(0, 1) for _ in rows]
    expected = np.linalg.lstsq(np.array(rows), np.array(ys), rcond=None)[0]
    assert accuracy.least_squares(rows, ys) == pytest.approx(list(expected), abs=1e-12)


def test_held_out_estimate_is_the_fit_without_the_point():
    fit = accuracy.accuracy_fit("v2")
    points = accuracy.default_accuracy("v2")
    keys = sorted(k for k in points if k != (0.75, 160))
    logs = [(math.log(mbcost.analyze("v2", a, r).totals.macs), math.log(r)) for a, r in keys]
    features = accuracy.MODELS[fit.model].features
    rows = [features(u - fit.center[0], v - fit.center[1]) for u, v in logs]
    b = accuracy.least_squares(rows, [points[k].top1 for k in keys])
    macs = mbcost.analyze("v2", 0.75, 160).totals.macs
    row = features(math.log(macs) - fit.center[0], math.log(160) - fit.center[1])
    assert fit.held_out[0.75, 160] == pytest.approx(sum(x * y for x, y in zip(b, row, strict=True)))


def test_v4_figures_are_timms_at_each_native_resolution():
    # REFERENCE.md §1, "Newer recipes": timm's results-imagenet.csv
    published = {"v4-conv-s": (224, 73.76), "v4-conv-m": (256, 79.92), "v4-conv-l": (384, 82.97),
                 "v4-hybrid-m": (256, 81.48), "v4-hybrid-l": (384, 84.00)}  # fmt: skip
    for arch, (res, top1) in published.items():
        (figure,) = ACCURACY[arch]
        assert (figure.alpha, figure.resolution, figure.top1) == (1.0, res, top1)
        assert figure.default and figure.source == "timm-v4"
        assert mbcost.get_arch(arch).table.resolution == res


def test_families_with_too_few_points_get_no_fit():
    for arch in ("v1-conv", "v1-shallow", "v3-large", "v3-small", "v4-conv-s"):
        assert accuracy.accuracy_fit(arch) is None


def test_estimates_stay_inside_the_published_hull():
    fit = accuracy.accuracy_fit("v2")
    assert fit.hull == ((0.35, 96), (1.0, 96), (1.4, 224), (0.35, 224))
    assert fit.covers(1.2, 160) and fit.covers(0.35, 96) and fit.covers(0.8, 200)
    assert not fit.covers(1.4, 96)  # V2's only widths above 1 were trained at 224
    assert not fit.covers(0.3, 160) and not fit.covers(1.0, 232)
    rate = accuracy.rater("v2")
    assert rate(1.4, 96, 108_404_976) == accuracy.Rating(None, None, None)


@pytest.mark.parametrize(
    ("costs", "accuracies", "front"),
    [
        ([1, 2, 3], [50, 60, 70], [True, True, True]),
        ([1, 2, 3], [50, 60, 55], [True, True, False]),  # dearer and worse
        ([1, 2, 2], [50, 60, 60], [True, True, True]),  # a tie dominates neither
        ([1, 2, 2], [50, 60, 58], [True, True, False]),  # as cheap and worse
        ([1, 2, 3], [50, 50, 60], [True, False, True]),  # dearer and only as good
        ([1, 2], [None, 40], [False, True]),  # no accuracy: never on the front
    ],
)
def test_pareto_front(costs, accuracies, front):
    assert accuracy.pareto(costs, accuracies) == front


def test_sweep_accuracy_v1_shows_the_slim_table_and_held_out_estimates(run):
    code, out, err = run(
        "sweep", "v1", "--alpha", "0.25,0.5,0.75,1", "--res", "128:224:32", "--accuracy",
        "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    fit = accuracy.accuracy_fit("v1")
    slim = {_config(r[0]): float(r[3]) for r in _rows(SLIM_V1_2018_02)[:16]}
    assert len(doc["points"]) == 16
    for p in doc["points"]:
        key = (p["alpha"], p["resolution"])
        assert p["accuracy"]["top1"] == slim[key]
        assert p["accuracy"]["source"] == "slim-v1"
        assert p["accuracy"]["estimate"] == fit.held_out[key]  # the point held out of the fit
        assert p["accuracy"]["estimate_error"] == fit.loo_rms
    assert doc["fit"]["points"] == 16 and "slim-v1" in doc["sources"]
    # 0.5-192 (61.7 at 110M) is beaten by 0.75-128 (62.1 at 107M); 1.0-128 by 0.75-160
    off = {(p["alpha"], p["resolution"]) for p in doc["points"] if not p["pareto"]}
    assert off == {(0.5, 192), (1.0, 128)}


def test_sweep_accuracy_table_labels_estimates(run):
    code, out, err = run("sweep", "v2", "--alpha", "0.35,0.6,1.4", "--res", "96,224", "--accuracy")
    assert code == 0, err
    lines = out.splitlines()
    estimate = accuracy.accuracy_fit("v2").estimate(mbcost.analyze("v2", 0.6, 224).totals.macs, 224)
    row = next(line for line in lines if line.split()[:2] == ["0.6", "224"])
    assert row.split()[4:7] == [
        "-",
        f"{estimate:.1f}",
        "0.7",
    ]  # no published top-1: estimate ± error
    row = next(line for line in lines if line.split()[:2] == ["1.4", "96"])
    assert row.split()[4:7] == ["-", "-", "-"]  # outside the published range: no estimate
    assert any(line.startswith("est.: an estimate, not a measurement") for line in lines)
    assert max(len(line) for line in lines) <= 80


def test_sweep_accuracy_under_another_convention_fits_paper_macs():
    paper = mbcost.sweep("v2", [0.5, 0.8], [160, 200])
    fvcore = mbcost.sweep("v2", [0.5, 0.8], [160, 200], convention="fvcore")
    assert accuracy.rate_sweep(paper).ratings == accuracy.rate_sweep(fvcore).ratings


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--spec", "examples/cifar_mobilenet.yaml"], "needs a built-in ARCH"),
        (["v1", "--impl", "timm"], "use --impl paper"),
        (["v1", "--cost", "flops"], "Invalid value for '--cost'"),
    ],
)
def test_sweep_accuracy_bad_input_is_one_line(run, args, message):
    code, out, err = run("sweep", *args, "--accuracy")
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_archs_shows_published_top1(run):
    code, out, err = run("archs", "--format", "json")
    assert code == 0, err
    v2 = next(a for a in json.loads(out)["archs"] if a["name"] == "v2")
    assert {(x["source"], x["top1"]) for x in v2["accuracy"] if x["alpha"] == 1.0
            and x["resolution"] == 224} == {("slim-v2", 71.8), ("v2-paper", 72.0)}  # fmt: skip
    code, out, _ = run("archs")
    assert "top-1" in out and " 71.8 " in out


def test_table_shows_the_top1_of_a_builtin_only(run, tmp_path):
    code, out, _ = run("table", "v2", "--alpha", "0.75", "--res", "192", "--format", "json")
    assert code == 0
    rating = json.loads(out)["accuracy"]
    assert (rating["top1"], rating["source"]) == (68.7, "slim-v2")
    assert (
        rating["estimate"] is None
    )  # a published point: the figure alone (sweep --accuracy adds its estimate)
    code, out, _ = run("table", "v2", "--alpha", "0.8", "--res", "200")
    assert "top-1 not published · est. " in out
    code, out, _ = run("table", "v2", "--impl", "torchvision", "--format", "json")
    assert json.loads(out)["accuracy"] is None  # the figures are of the TF-built models
    copy = tmp_path / "mynet.yaml"  # a table read from a file keeps the name, not the accuracy
    copy.write_text(run("table", "v2", "--format", "yaml")[1], encoding="utf-8")
    code, out, _ = run("table", "--spec", str(copy), "--format", "json")
    assert code == 0 and json.loads(out)["inputs"]["arch"] == "v2"
    assert json.loads(out)["accuracy"] is None
