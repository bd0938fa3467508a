"""Activation memory and fvcore's activation count: hand-derived liveness on a small table, the
published figures (``mbcost/archs/memory_figures.py``, each with its source), the sweep path against
the report path, and invariants over random configurations."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mbcost
from mbcost import memory
from mbcost.archs.memory_figures import ACTIVATIONS, PEAKS, TABLE3, TABLE3_MAX
from mbcost.layers import Conv2d, Mul
from mbcost.plan import NETWORK_INPUT, plan, spatial
from mbcost.units import parse_count

# 8x8x3 input; stem to 4x4x8; a residual inverted residual (t=2); a stride-2 one with SE; head
TINY = mbcost.parse_table(
    {
        "name": "tiny",
        "resolution": 8,
        "in_channels": 3,
        "defaults": {"act": "relu"},
        "blocks": [
            {"conv": {"k": 3, "s": 2, "out": 8}},
            {"ir": {"t": 2, "out": 8}},
            {"ir": {"t": 2, "out": 16, "s": 2, "se": 0.25}},
            {"pool": {"global": "avg"}},
            {"linear": {"out": 10}},
        ],
    }
)
# bytes (uint8) of each tensor of TINY: input 3·64, stem 8·16, expanded 16·16, ...
IN, STEM, WIDE, NARROW, WIDE_2, GATE = 192, 128, 256, 128, 64, 16


def test_tflite_liveness_by_hand():
    report = mbcost.analyze(TINY, dtype="uint8")
    assert [r.name for r in report.rows] == [
        "0.conv", "1.expand", "1.dw", "1.project", "1.add", "2.expand", "2.dw", "2.se.pool",
        "2.se.reduce", "2.se.expand", "2.se.scale", "2.project", "3.pool", "4.fc",
    ]  # fmt: skip
    assert report.memory.live_bytes == (
        IN + STEM,  # the input is live from the start and dies after the stem
        STEM + WIDE,  # the stem output lives on until the residual add reads it
        STEM + WIDE + WIDE,
        STEM + WIDE + NARROW,
        STEM + NARROW + NARROW,  # the add writes a new tensor
        NARROW + WIDE,
        WIDE + WIDE_2,
        WIDE_2 + 16,  # the SE's input lives on until the multiply reads it
        WIDE_2 + 16 + 8,
        WIDE_2 + 8 + GATE,
        WIDE_2 + GATE,  # the multiply writes into the tensor it scales
        WIDE_2 + 64,
        64 + 16,
        16 + 10,
    )
    assert (report.memory.peak_bytes, report.memory.peak_layer) == (640, "1.dw")


def test_inplace_depthwise_by_hand():
    m = mbcost.analyze(TINY, dtype="uint8", memory_rule="inplace-dw").memory
    tflite = mbcost.analyze(TINY, dtype="uint8").memory
    assert m.live_bytes[2] == STEM + WIDE  # 1.dw: only its input, which it overwrites
    assert m.live_bytes[6] == WIDE  # 2.dw (stride 2): its smaller output fits in its input
    unchanged = [i for i in range(len(m.live_bytes)) if i not in (2, 6)]
    assert [m.live_bytes[i] for i in unchanged] == [tflite.live_bytes[i] for i in unchanged]
    assert (m.peak_bytes, m.peak_layer) == (STEM + WIDE + NARROW, "1.project")


def test_v2_table3_rule_by_hand():
    m = mbcost.analyze(TINY, dtype="uint8", memory_rule="v2-table3").memory
    # materialized: the stem output (the residual add reads it too), the blocks' outputs, the
    # pooled vector and the logits; everything in the expanded width is streamed
    assert m.live_bytes == (STEM, 0, 0, 0, NARROW, 0, 0, 0, 0, 0, 0, WIDE_2, 16, 10)
    assert (m.peak_bytes, m.peak_index, m.peak_layer) == (IN, NETWORK_INPUT, "input")
    assert m.by_resolution == ((8, IN, -1), (4, STEM, 0), (2, WIDE_2, 11), (1, 16, 12))


@pytest.mark.parametrize("figure", PEAKS, ids=[f"{f.arch}-{f.rule}" for f in PEAKS])
def test_published_peaks_are_reproduced_exactly(figure):
    m = mbcost.analyze(figure.arch, dtype=figure.dtype, memory_rule=figure.rule).memory
    assert (m.peak_bytes, m.peak_layer) == (figure.bytes, figure.layer)


def test_inplace_depthwise_saving_on_v2():
    tflite = mbcost.analyze("v2", dtype="int8").memory.peak_bytes
    inplace = mbcost.analyze("v2", dtype="int8", memory_rule="inplace-dw").memory.peak_bytes
    assert (tflite, inplace, tflite - inplace) == (1_505_280, 1_404_928, 100_352)
    assert inplace == 1372 * 2**10  # MCUNetV2's "1372 kB" is KiB, exactly


def _table3(arch: str) -> dict[int, tuple[int, int]]:
    """Per size: (channels, bytes) of the largest tensor v2-table3 materializes, 16-bit."""
    m = mbcost.analyze(arch, dtype="float16", memory_rule="v2-table3").memory
    return {size: (value // (2 * size * size), value) for size, value, _ in m.by_resolution}


def _as_printed(value: int, printed_k: int) -> bool:
    """The paper's K figures are rounded loosely (1,605,632 B prints as 1600K, 2,560 B as 2K)."""
    return abs(value / 1000 - printed_k) < max(0.01 * printed_k, 1)


def test_v2_table3_v1_column_matches_the_rule_except_its_7x7_memory():
    ours = _table3("v1")
    for size, (channels, printed) in TABLE3["v1"].items():
        assert ours[size][0] == channels
        assert _as_printed(ours[size][1], printed) == (size != 7), size
    assert ours[7][1] == 100_352 and _as_printed(2 * ours[7][1], TABLE3["v1"][7][1])
    peak = mbcost.analyze("v1", dtype="float16", memory_rule="v2-table3").memory
    assert (peak.peak_bytes, peak.peak_layer) == (1_605_632, "1.pw")
    assert _as_printed(peak.peak_bytes, TABLE3_MAX["v1"])


def test_v2_table3_v2_maximum_and_the_rows_v2_has():
    ours = _table3("v2")
    for size in (112, 1):
        channels, printed = TABLE3["v2"][size]
        assert ours[size][0] == channels and _as_printed(ours[size][1], printed)
    # the printed 32/64/160/320 are not tensors of V2 (memory_figures.TABLE3_NOTES)
    assert {size: ours[size][0] for size in (56, 28, 14, 7)} == {56: 24, 28: 32, 14: 96, 7: 1280}
    peak = mbcost.analyze("v2", dtype="float16", memory_rule="v2-table3").memory
    assert (peak.peak_bytes, peak.peak_layer) == (401_408, "1.project")  # 16 x 112 x 112 x 2
    assert _as_printed(peak.peak_bytes, TABLE3_MAX["v2"])


@pytest.mark.parametrize("arch", sorted(ACTIVATIONS))
def test_fvcore_activation_count(arch):
    printed, measured = ACTIVATIONS[arch]
    for impl in mbcost.get_arch(arch).table.impls:
        assert mbcost.analyze(arch, impl=impl).totals.activations == measured
    assert round(measured, -4) == parse_count(printed)


def test_activations_count_conv_and_linear_outputs_only():
    report = mbcost.analyze(TINY)
    for row in report.rows:
        counted = isinstance(row.layer, Conv2d) or row.layer.kind == "linear"
        assert row.values().activations == (row.out_shape.elements if counted else 0)


def test_dtypes_scale_activation_and_weight_bytes():
    base = mbcost.analyze("v2", dtype="uint8").memory
    for dtype, size in memory.DTYPES.items():
        m = mbcost.analyze("v2", dtype="int8", weight_dtype=dtype).memory
        assert m.peak_bytes == base.peak_bytes
        assert m.weight_bytes == size * mbcost.analyze("v2").totals.params
    # weights are the paper's parameters (BatchNorm folded) under every counting convention
    torch = mbcost.analyze("v2", convention="torch", dtype="float16").memory
    assert torch.weight_bytes == 2 * 3_470_760


def test_unknown_dtype_and_rule_are_errors():
    with pytest.raises(mbcost.UnknownNameError, match="did you mean 'float16'"):
        mbcost.analyze("v1", dtype="float61")
    with pytest.raises(mbcost.UnknownNameError, match="memory rule 'tfl'"):
        mbcost.analyze("v1", memory_rule="tfl")
    with pytest.raises(mbcost.UnknownNameError, match="dtype"):
        mbcost.sweep("v1", [1.0], weight_dtype="int4")


ARCH_IMPL = st.sampled_from([(a.name, i) for a in mbcost.list_archs() for i in a.table.impls])
ALPHA = st.floats(min_value=0.1, max_value=2.0, allow_nan=False)
RULE = st.sampled_from(tuple(memory.RULES))


def _elements(report: mbcost.Report, j: int) -> int:
    return (
        report.rows[0].in_shape.elements
        if j == NETWORK_INPUT
        else report.rows[j].out_shape.elements
    )


@settings(max_examples=60, deadline=None)
@given(ARCH_IMPL, ALPHA, st.integers(min_value=16, max_value=320))
def test_peak_holds_every_layer_inputs_and_output(arch_impl, alpha, res):
    """Eq. 2 of the V2 paper as a lower bound: no layer runs with less than its inputs and output
    in memory (an in-place layer's output is its first input, and so is a folded one's: a
    BatchNorm of its own or a layer scale)."""
    arch, impl = arch_impl
    for rule in ("tflite", "inplace-dw"):
        report = mbcost.analyze(arch, alpha, res, impl=impl, dtype="uint8", memory_rule=rule)
        for row, live in zip(report.rows, report.memory.live_bytes, strict=True):
            held = sum(_elements(report, j) for j in set(row.inputs))
            in_place = isinstance(row.layer, (Mul, *memory.FOLDED)) or (
                rule == "inplace-dw" and row.layer.kind == "depthwise"
            )
            if not in_place:
                held += row.out_shape.elements
            assert live >= held, (rule, row.name)
            assert report.memory.peak_bytes >= live


@settings(max_examples=60, deadline=None)
@given(ARCH_IMPL, ALPHA, ALPHA, st.integers(16, 320), st.integers(16, 320), RULE)
def test_peak_is_monotone_in_alpha_and_resolution(arch_impl, a, b, r1, r2, rule):
    arch, impl = arch_impl
    lo, hi = sorted((a, b))
    small, large = sorted((r1, r2))

    def peak(alpha: float, res: int) -> int:
        return mbcost.analyze(arch, alpha, res, impl=impl, memory_rule=rule).memory.peak_bytes

    assert peak(lo, small) <= peak(hi, small) <= peak(hi, large)
    assert peak(lo, small) <= peak(lo, large)


@settings(max_examples=60, deadline=None)
@given(ARCH_IMPL, ALPHA, st.integers(min_value=8, max_value=400))
def test_the_sweep_path_agrees_with_the_report_and_the_rules_are_ordered(arch_impl, alpha, res):
    arch, impl = arch_impl
    table = mbcost.get_arch(arch).table
    p = plan(table, alpha, impl)
    s = spatial(p, res)
    peaks = {}
    for rule in memory.RULES:
        m = memory.memory(p, s, rule, "float32", "int8")
        assert memory.bytes_at(p, rule, "float32", "int8")(s) == (m.peak_bytes, m.weight_bytes)
        assert m.peak_bytes == max(m.live_bytes + tuple(b for _, b, _ in m.by_resolution))
        peaks[rule] = m.peak_bytes
    tflite = memory.memory(p, s, "tflite", "float32").live_bytes
    inplace = memory.memory(p, s, "inplace-dw", "float32").live_bytes
    assert all(i <= t for i, t in zip(inplace, tflite, strict=True))
    assert peaks["v2-table3"] <= peaks["inplace-dw"] <= peaks["tflite"]


def test_sweep_points_carry_peak_and_weight_bytes():
    result = mbcost.sweep("v2", [0.5, 1.0], [160, 224], dtype="uint8", memory_rule="inplace-dw")
    for point in result.points:
        report = mbcost.analyze(
            "v2", point.alpha, point.resolution, dtype="uint8", memory_rule="inplace-dw"
        )
        assert point.peak_bytes == report.memory.peak_bytes
        assert point.weight_bytes == report.memory.weight_bytes
        assert point.totals == report.totals
    assert result.points[-1].peak_bytes == 1_404_928


# the command line


def test_table_json_memory_fields(run):
    code, out, err = run("table", "v2", "--dtype", "uint8", "--format", "json")
    doc = json.loads(out)
    assert (code, err) == (0, "")
    assert doc["inputs"]["dtype"] == "uint8" and doc["inputs"]["memory_rule"] == "tflite"
    totals = doc["totals"]
    assert (totals["activations"], totals["peak_bytes"]) == (6_679_112, 1_505_280)
    assert totals["weight_bytes"] == totals["params"] == 3_470_760
    assert doc["memory"]["peak_layer"] == "2.0.dw"
    assert max(r["live_bytes"] for r in doc["rows"]) == totals["peak_bytes"]
    row = next(r for r in doc["rows"] if r["name"] == "2.0.dw")
    assert (row["in_bytes"], row["out_bytes"]) == (96 * 112 * 112, 96 * 56 * 56)
    assert row["live_bytes"] == row["in_bytes"] + row["out_bytes"]
    assert row["weight_bytes"] == 96 * 9 and row["activation_terms"] == {"conv": 96 * 56 * 56}
    add = next(r for r in doc["rows"] if r["layer"]["kind"] == "add")
    assert add["in_bytes"] == 2 * add["out_bytes"]


def test_weight_dtype_differs_from_dtype(run):
    code, out, _ = run(
        "table", "v1", "--dtype", "float16", "--weight-dtype", "int8", "--format", "json"
    )
    doc = json.loads(out)
    assert code == 0 and doc["inputs"]["weight_dtype"] == "int8"
    assert doc["totals"]["weight_bytes"] == doc["totals"]["params"]
    assert doc["totals"]["peak_bytes"] == 2 * 1_204_224


def test_human_table_marks_the_peak_and_labels_bytes(run):
    code, out, _ = run("table", "v2", "--dtype", "uint8", "--memory-rule", "inplace-dw")
    assert code == 0
    assert "memory rule inplace-dw · activations uint8 · weights uint8" in out
    assert "peak 1,404,928 B (1.34 MiB) at 2.0.expand" in out
    peak_rows = [line for line in out.splitlines() if line.rstrip().endswith(" peak")]
    assert len(peak_rows) == 1 and " 2.0.expand " in peak_rows[0]
    assert "live (KiB)" in out


def test_rollups_report_the_peak_not_a_sum(run):
    code, out, _ = run("table", "v2", "--by", "role", "--format", "csv")
    rows = {r["role"]: r for r in csv.DictReader(io.StringIO(out))}
    assert code == 0
    assert int(rows["total"]["peak_bytes"]) == 4 * 1_505_280
    assert int(rows["depthwise"]["peak_bytes"]) == 4 * 1_505_280
    assert max(int(r["peak_bytes"]) for r in rows.values()) == 4 * 1_505_280
    assert int(rows["total"]["activations"]) == 6_679_112


def test_sweep_csv_appends_memory_columns(run):
    code, out, _ = run("sweep", "v3-large", "--res", "224", "--dtype", "uint8", "--format", "csv")
    (row,) = csv.DictReader(io.StringIO(out))
    assert code == 0
    assert (row["peak_bytes"], row["dtype"], row["memory_rule"]) == ("1003520", "uint8", "tflite")
    assert row["activations"] == "4407168"


@pytest.mark.parametrize("command", ["table", "sweep"])
@pytest.mark.parametrize(
    "option,value",
    [
        ("--dtype", "float64"),
        ("--dtype", ""),
        ("--dtype", "FLOAT32"),
        ("--weight-dtype", "int4"),
        ("--memory-rule", "tfl"),
        ("--memory-rule", "tflite,inplace-dw"),
    ],
)
def test_bad_memory_options_are_one_line_errors(run, command, option, value):
    code, out, err = run(command, "v2", option, value)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and option in err and "Traceback" not in err


def test_yaml_notes_the_memory_options_it_ignores(run):
    code, _, err = run("table", "v2", "--format", "yaml", "--dtype", "int8")
    assert code == 0 and "--dtype" in err


# mbcost check

V2_INT8 = """
[[models]]
name = "v2-int8"
arch = "v2"
dtype = "int8"
memory_rule = "inplace-dw"
max_peak_memory = "{peak}"
max_weights = "3.5MB"
"""


def _budget(tmp_path, text: str, name: str = "budget.toml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(("peak", "code"), [("1372KiB", 0), ("1_404_928", 0), ("1.4MB", 1)])
def test_check_limits_peak_memory_and_weights(run, tmp_path, peak, code):
    config = _budget(tmp_path, V2_INT8.format(peak=peak))
    got, out, err = run("check", "--config", config, "--format", "json")
    checks = {c["check"]: c for c in json.loads(out)["models"][0]["checks"]}
    assert got == code
    assert checks["max_peak_memory (inplace-dw, int8)"]["measured"] == 1_404_928
    assert checks["max_weights (int8)"]["measured"] == 3_470_760
    if code:
        assert (
            err == "FAIL v2-int8: max_peak_memory (inplace-dw, int8) 1,404,928 > limit 1,400,000\n"
        )


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("max_peak_memory", '"1.5KB"', "write kB (1000 B) or KiB (1024 B)"),
        ("max_peak_memory", '"600kib"', "unknown size unit"),
        ("max_weights", '"0.5B"', "whole number"),
        ("max_weights", '"-1MB"', "expected a size"),
        ("dtype", '"float64"', "dtype must be one of float32"),
        ("weight_dtype", "8", "weight_dtype must be one of"),
        ("memory_rule", '"tfl"', "memory_rule must be one of tflite, inplace-dw, v2-table3"),
    ],
)
def test_check_memory_keys_are_validated(run, tmp_path, key, value, message):
    config = _budget(tmp_path, f'[[models]]\narch = "v2"\nmax_macs = "1G"\n{key} = {value}\n')
    code, out, err = run("check", "--config", config)
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert message in err and key in err


def test_a_torch_model_takes_no_memory_options(run, tmp_path):
    text = '[[models]]\ntorch = "pkg.mod:build"\nmax_macs = "1G"\ndtype = "int8"\n'
    code, _, err = run("check", "--config", _budget(tmp_path, text))
    assert code == 2 and "not dtype" in err


def test_baselines_record_memory_and_older_ones_still_load(run, tmp_path):
    config = _budget(tmp_path, V2_INT8.format(peak="2MiB"))
    new = tmp_path / "new.json"
    assert run("check", "--config", config, "--baseline", str(new), "--update-baseline")[0] == 0
    recorded = json.loads(new.read_text())["models"]["v2-int8"]
    assert (recorded["peak_memory"], recorded["weights"]) == (1_404_928, 3_470_760)
    old = tmp_path / "old.json"  # written before memory metrics existed
    counts = {"macs": 300_774_272, "params": 3_470_760, "layer_macs": 20_070_400}
    old.write_text(json.dumps({"mbcost_baseline": 1, "models": {"v2-int8": counts}}))
    code, out, _ = run("check", "--config", config, "--baseline", str(old), "--format", "json")
    compared = [c["check"] for c in json.loads(out)["models"][0]["checks"]]
    assert code == 0
    assert [c for c in compared if c.startswith("baseline")] == [
        "baseline macs",
        "baseline params",
        "baseline layer_macs",
    ]
