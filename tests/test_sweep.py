"""``mbcost sweep`` and ``mbcost.sweep``: lists and exact inclusive ranges, one row per configuration,
the same totals as a full report, and one-line errors for bad ranges."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mbcost
from mbcost.errors import MbcostError
from mbcost.ranges import parse_values

# TF model README, MobileNetV2 grid: MACs in millions (floor of the exact count)
TF_README_V2 = {
    (1.0, 224): 300, (1.0, 192): 221, (1.0, 160): 154, (1.0, 128): 99, (1.0, 96): 56,
    (0.75, 224): 209, (0.75, 192): 153, (0.75, 160): 107, (0.75, 128): 69, (0.75, 96): 39,
    (0.5, 224): 97, (0.5, 192): 71, (0.5, 160): 50, (0.5, 128): 32, (0.5, 96): 18,
    (0.35, 224): 59, (0.35, 192): 43, (0.35, 160): 30, (0.35, 128): 20, (0.35, 96): 11,
}  # fmt: skip


def test_sweep_reproduces_the_tf_readme_v2_grid():
    result = mbcost.sweep("v2", [1.0, 0.75, 0.5, 0.35], [224, 192, 160, 128, 96])
    got = {(p.alpha, p.resolution): p.totals.macs // 10**6 for p in result.points}
    assert got == TF_README_V2


def test_ranges_are_inclusive_and_exact():
    values = parse_values("0.25:1.5:0.05", "--alpha")
    assert len(values) == 26 and values[0] == 0.25 and values[-1] == 1.5
    assert values[2] == 0.35  # 0.25 + 2·0.05 computed exactly, not 0.35000000000000003
    assert parse_values("96:224:32,320", "--res", integer=True) == (96, 128, 160, 192, 224, 320)
    assert parse_values("0.5,0.5,1", "--alpha") == (0.5, 1.0)
    assert parse_values("96:100:8", "--res", integer=True) == (96,)


@pytest.mark.parametrize(
    "text,message",
    [
        ("", "expected a number"),
        ("1:0.5:0.1", "runs backwards"),
        ("0.1:1:0", "step .* must be positive"),
        ("0.1:1:-0.1", "step .* must be positive"),
        ("1:2", "a range is start:stop:step"),
        ("1:2:3:4", "a range is start:stop:step"),
        ("abc", "expected a number"),
        ("1_0", "expected a number"),
        ("１", "expected a number"),
        ("nan", "expected a number"),
        ("1e99999", "expected a number"),
        ("1e999", "too large"),
        ("0:1e999:1e998", "too large"),
        ("0:1:0.0000001", "more than 1,000,000 points"),
    ],
)
def test_bad_values_are_one_line_errors(text, message):
    with pytest.raises(MbcostError, match=message) as info:
        parse_values(text, "--alpha")
    assert "\n" not in str(info.value) and "--alpha" in str(info.value)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from([a.name for a in mbcost.list_archs()]),
    st.lists(st.floats(0.1, 2.0, allow_nan=False), min_size=1, max_size=4),
    st.lists(st.integers(16, 320), min_size=1, max_size=4),
    st.sampled_from(["paper", "fvcore", "torch"]),
)
def test_sweep_points_equal_full_reports(arch, alphas, resolutions, convention):
    result = mbcost.sweep(arch, alphas, resolutions, convention=convention)
    assert len(result.points) == len(alphas) * len(resolutions)
    for p in result.points:
        report = mbcost.analyze(arch, p.alpha, p.resolution, convention=convention)
        assert p.totals == report.totals


def test_sweep_csv_columns_and_exact_integers(run):
    code, out, err = run(
        "sweep", "v2", "--alpha", "0.5,1.0", "--res", "160:224:32", "--format", "csv"
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert (code, err) == (0, "")
    # the original columns first and in order; newer ones only append
    original = ["arch", "alpha", "resolution", "impl", "convention", "macs", "params"]
    assert list(rows[0])[:7] == original
    assert list(rows[0])[7:] == [
        "activations",
        "peak_bytes",
        "weight_bytes",
        "dtype",
        "weight_dtype",
        "memory_rule",
    ]
    assert [(r["alpha"], r["resolution"]) for r in rows] == [
        ("0.5", "160"), ("0.5", "192"), ("0.5", "224"), ("1.0", "160"), ("1.0", "192"), ("1.0", "224")
    ]  # fmt: skip
    assert int(rows[-1]["macs"]) == 300_774_272 and int(rows[-1]["params"]) == 3_470_760


def test_sweep_json_and_rho(run):
    code, out, _ = run("sweep", "v1", "--alpha", "1", "--rho", "0.714,1", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["inputs"] == {
        "arch": "v1",
        "impl": "paper",
        "convention": "paper",
        "dtype": "float32",
        "weight_dtype": "float32",
        "memory_rule": "tflite",
    }
    assert [(p["resolution"], p["macs"] // 10**6) for p in doc["points"]] == [
        (160, 290),
        (224, 568),
    ]


@pytest.mark.parametrize("fmt", ["table", "md"])
def test_sweep_human_formats(run, fmt):
    code, out, _ = run("sweep", "v3-small", "--alpha", "0.75,1", "--format", fmt)
    assert code == 0 and "v3-small" in out and "56.51" in out


def test_sweep_of_a_spec_file(run):
    code, out, _ = run(
        "sweep", "--spec", "examples/cifar_mobilenet.yaml", "--alpha", "0.25:1:0.25",
        "--res", "32,64", "--format", "csv",
    )  # fmt: skip
    assert code == 0 and len(out.splitlines()) == 1 + 4 * 2


@pytest.mark.parametrize(
    "args,message",
    [
        (["--alpha", "1:0:1"], "--alpha: the range '1:0:1' runs backwards"),
        (["--res", "96:224:0"], "--res: the step of '96:224:0' must be positive"),
        (["--res", "96.5"], "--res: expected a whole number"),
        (["--res", "0"], "resolution must be a positive integer"),
        (["--alpha", "0"], "alpha must be a positive number"),
        (["--alpha", "0.001:1:0.001", "--res", "1:2000:1"], "more than 1,000,000 configurations"),
        (["--res", "96", "--rho", "1"], "mutually exclusive"),
        (["--convention", "fvcor"], "'fvcor' is not one of 'paper', 'fvcore', 'torch'"),
    ],
)
def test_sweep_bad_input_exits_2_with_one_line(run, args, message):
    code, out, err = run("sweep", "v2", *args)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1
