"""The command line, in-process: every command × format, exit codes, one-line errors, goldens."""

from __future__ import annotations

import csv
import io
import json

import pytest

from mbcost.cli import cli

COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "md"])
def test_table_v1_half_width_160_golden(run, golden, fmt):
    code, out, err = run("table", "--alpha", "0.5", "--res", "160", "--format", fmt)
    assert (code, err) == (0, "")
    golden(f"table-v1-0.5-160.{'txt' if fmt == 'table' else fmt}", out)


def test_table_json_contract(run):
    code, out, _ = run("table", "v3-large", "--format", "json")
    doc = json.loads(out)
    assert code == 0
    assert doc["inputs"] == {
        "arch": "v3-large",
        "alpha": 1.0,
        "resolution": 224,
        "impl": "paper",
        "convention": "paper",
        "dtype": "float32",
        "weight_dtype": "float32",
        "memory_rule": "tflite",
        "depth": 1.0,
    }
    assert doc["totals"]["macs"] == sum(r["macs"] for r in doc["rows"]) == 216_589_760
    assert doc["totals"]["params"] == sum(r["params"] for r in doc["rows"])
    assert {"name", "role", "macs", "params", "in_shape", "out_shape"} <= set(doc["rows"][0])
    assert sum(t["macs"] for t in doc["by_role"].values()) == doc["totals"]["macs"]


def test_table_csv_has_exact_integers_and_inputs_on_every_row(run):
    code, out, _ = run("table", "v2", "--alpha", "0.75", "--rho", "0.857", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert {r["arch"] for r in rows} == {"v2"} and {r["resolution"] for r in rows} == {"192"}
    total = rows[-1]
    assert total["name"] == "total"
    assert int(total["macs"]) == sum(int(r["macs"]) for r in rows[:-1])
    assert int(total["macs"]) // 10**6 == 153  # TF README grid: 0.75 at 192


def test_table_by_role_percentages_sum_to_100(run):
    code, out, _ = run("table", "v1", "--by", "role", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert abs(sum(float(r["macs_percent"]) for r in rows[:-1]) - 100) < 1e-9
    assert {r["role"]: round(float(r["macs_percent"]), 2) for r in rows}["pointwise"] == 94.86


def test_table_by_block_text(run):
    code, out, _ = run("table", "v2", "--by", "block")
    assert code == 0 and "v2: cost by block" in out and "v2: cost by role" in out


def test_table_convention_fvcore(run):
    code, out, _ = run(
        "table", "v2", "--impl", "torchvision", "--convention", "fvcore", "--format", "json"
    )
    assert code == 0 and json.loads(out)["totals"]["macs"] == 314_193_216


@pytest.mark.parametrize("fmt", ["table", "json", "md"])
def test_compare_table3_golden(run, golden, fmt):
    code, out, err = run("compare", "standard", "depthwise", "--format", fmt)
    assert (code, err) == (0, "")
    golden(f"compare-table3.{'txt' if fmt == 'table' else fmt}", out)


def test_compare_json_contract(run):
    code, out, _ = run(
        "compare",
        "standard",
        "depthwise",
        "grouped",
        "--groups",
        "4",
        "--k",
        "3",
        "--m",
        "32",
        "--n",
        "64",
        "--df",
        "112",
        "--format",
        "json",
    )
    doc = json.loads(out)
    assert code == 0
    assert [k["name"] for k in doc["kinds"]] == ["standard", "depthwise", "grouped"]
    assert doc["kinds"][2]["macs"] == 3 * 3 * 8 * 64 * 112 * 112
    assert doc["separable_ratio"]["equal"] is True


def test_archs_lists_every_builtin(run, golden):
    code, out, _ = run("archs")
    assert code == 0
    golden("archs.txt", out)
    code, out, _ = run("archs", "--format", "json")
    names = [a["name"] for a in json.loads(out)["archs"]]
    assert names[:6] == ["v1", "v1-conv", "v1-shallow", "v2", "v3-large", "v3-small"]
    mnasnet_efficientnet = ["mnasnet-a1", "mnasnet-b1", *(f"efficientnet-b{i}" for i in range(8))]
    assert names[-10:] == mnasnet_efficientnet


@pytest.mark.parametrize(
    "args,message",
    [
        (["table", "v9"], "unknown architecture 'v9'"),
        (["table", "--alpha", "0"], "Invalid value for '--alpha'"),
        (["table", "--alpha", "abc"], "'abc' is not a valid float"),
        (["table", "--alpha", "nan"], "alpha must be a positive number"),
        (["table", "--res", "160", "--rho", "0.5"], "--res and --rho are mutually exclusive"),
        (["table", "--res", "-3"], "Invalid value for '--res'"),
        (["table", "v1", "--impl", "torchvision"], "has no 'torchvision' implementation"),
        (["table", "--format", "xml"], "Invalid value for '--format'"),
        (["compare", "standard", "separable"], "unknown kind 'separable'"),
        (["compare", "grouped", "--groups", "3"], "groups must divide"),
        (["compare", "standard", "--m", "0"], "Invalid value for '--m'"),
        (["compare", "standard", "--rho", "-1"], "Invalid value for '--rho'"),
        (["compare"], "Missing argument 'KINDS...'"),
        (["tabel"], "No such command 'tabel'"),
    ],
)
def test_bad_input_is_one_line_on_stderr_with_exit_2(run, args, message):
    code, out, err = run(*args)
    assert code == 2
    assert out == ""
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(run, command):
    code, out, _ = run(command, "--help")
    assert code == 0
    assert "Example" in out and f"mbcost {command}" in out


def test_group_help_and_version(run):
    code, out, _ = run("--help")
    assert code == 0 and "Examples:" in out and "Exit codes" in out
    code, out, _ = run("--version")
    assert code == 0 and out.startswith("mbcost, version ")


def test_table_columns_choose_and_order_the_layer_columns(run):
    code, out, err = run("table", "v2", "--columns", "macs,name,live_bytes", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert (code, err) == (0, "")
    assert list(rows[0])[-3:] == ["macs", "name", "live_bytes"]
    assert "params" not in rows[0] and rows[0]["name"] == "0.conv"
    assert int(rows[-1]["macs"]) == 300_774_272  # the total row keeps its count


@pytest.mark.parametrize(
    "args,message",
    [
        (["--columns", "name,flops"], "unknown column 'flops' (choose from index, name"),
        (["--columns", ""], "unknown column ''"),
        (["--columns", "name", "--format", "json"], "use it with --by layer"),
        (["--columns", "name", "--by", "role"], "use it with --by layer"),
    ],
)
def test_table_columns_bad_input_is_one_line(run, args, message):
    code, out, err = run("table", *args)
    assert (code, out) == (2, "") and message in err and len(err.strip().splitlines()) == 1
