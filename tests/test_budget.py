"""``mbcost check``: limits, baselines with tolerance, JUnit XML, GitHub annotations, exit codes."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from mbcost.budget import parse_tolerance

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

V2_160 = """
[[models]]
name = "v2-160"
arch = "v2"
alpha = 0.75
resolution = 160
max_macs = "{macs}"
max_params = "2.7M"
"""


def _config(tmp_path, text: str, name: str = "mbcost.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_passing_budget_exits_0_with_headroom(run, tmp_path):
    code, out, err = run(
        "check", "--config", _config(tmp_path, V2_160.format(macs="110M")), "--format", "json"
    )
    doc = json.loads(out)
    assert (code, err) == (0, "")
    checks = {c["check"]: c for c in doc["models"][0]["checks"]}
    assert checks["max_macs"]["measured"] == 107_295_200  # TF README: 0.75 at 160 = 107M
    assert checks["max_macs"]["headroom"] == 110_000_000 - 107_295_200
    assert doc["passed"] is True


def test_exceeded_budget_exits_1_and_names_it_on_one_line(run, tmp_path):
    code, out, err = run("check", "--config", _config(tmp_path, V2_160.format(macs="100M")))
    assert code == 1
    assert "FAIL" in out
    assert err == "FAIL v2-160: max_macs 107,295,200 > limit 100,000,000\n"


def test_github_actions_gets_error_annotations(run, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, _, err = run("check", "--config", _config(tmp_path, V2_160.format(macs="100M")))
    assert code == 1
    assert err.startswith("::error title=mbcost budget::v2-160: max_macs")


def test_junit_has_one_case_per_model_and_a_failure(run, tmp_path):
    junit = tmp_path / "out.xml"
    config = V2_160.format(macs="100M") + '\n[[models]]\narch = "v1"\nmax_macs = "600M"\n'
    code, _, _ = run("check", "--config", _config(tmp_path, config), "--junit", str(junit))
    suite = ET.parse(junit).getroot().find("testsuite")
    assert code == 1
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["v2-160"].find("failure") is not None and cases["v1"].find("failure") is None


def test_baseline_records_then_catches_growth_past_tolerance(run, tmp_path):
    config = _config(tmp_path, V2_160.format(macs="1G"))
    baseline = tmp_path / "base.json"
    assert (
        run("check", "--config", config, "--baseline", str(baseline), "--update-baseline")[0] == 0
    )
    recorded = json.loads(baseline.read_text())["models"]["v2-160"]
    assert recorded == {
        "macs": 107_295_200,
        "params": 2_609_784,
        "activations": 2_988_400,
        "layer_macs": 9_830_400,
        "peak_memory": 4 * (96 * 80 * 80 + 96 * 40 * 40),  # float32, tflite: 2.0.dw
        "weights": 4 * 2_609_784,
    }
    # the model grows: alpha 0.75 -> 0.8
    bigger = V2_160.format(macs="1G").replace("0.75", "0.8").replace('"2.7M"', '"10M"')
    grown = _config(tmp_path, bigger, "grown.toml")
    code, _, err = run("check", "--config", grown, "--baseline", str(baseline), "--tolerance", "1%")
    assert code == 1 and "baseline" in err
    code, _, _ = run("check", "--config", grown, "--baseline", str(baseline), "--tolerance", "50%")
    assert code == 0


def test_shrinking_is_reported_as_improved(run, tmp_path):
    config = _config(tmp_path, V2_160.format(macs="1G"))
    baseline = tmp_path / "base.json"
    run("check", "--config", config, "--baseline", str(baseline), "--update-baseline")
    smaller = _config(tmp_path, V2_160.format(macs="1G").replace("0.75", "0.5"), "small.toml")
    code, out, _ = run(
        "check", "--config", smaller, "--baseline", str(baseline), "--format", "json"
    )
    statuses = {c["check"]: c["status"] for c in json.loads(out)["models"][0]["checks"]}
    assert code == 0 and statuses["baseline macs"] == "improved"


def test_pyproject_tool_table_is_found(run, tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n\n"
        + V2_160.format(macs="110M").replace("[[models]]", "[[tool.mbcost.models]]")
    )
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("check", "--format", "json")
    assert code == 0 and json.loads(out)["config"] == "pyproject.toml"


@pytest.mark.parametrize(
    "text,message",
    [
        ('[[models]]\narch = "v2"\nmax_macs = "lots"\n', "max_macs: expected a count like 300M"),
        ('[[models]]\narch = "v9"\nmax_macs = "1G"\n', "model 'v9': unknown architecture 'v9'"),
        (
            '[[models]]\narch = "v2"\nspec = "x.yaml"\nmax_macs = "1G"\n',
            "give exactly one of arch, spec",
        ),
        ('[[models]]\narch = "v2"\nmax_macs = "1G"\nmax_flops = "1G"\n', "unknown key 'max_flops'"),
        ('[[models]]\narch = "v2"\n', "has no limits"),
        ("models = [\n", "malformed TOML"),
        ("", "needs at least one [[models]] entry"),
        ('[[models]]\nspec = "missing.yaml"\nmax_macs = "1G"\n', "cannot read the table"),
        (
            '[[models]]\narch = "v2"\nresolution = 0\nmax_macs = "1G"\n',
            "resolution must be a positive",
        ),
        ('[[models]]\ntorch = "no_colon"\nmax_macs = "1G"\n', "package.module:factory"),
    ],
)
def test_bad_budget_files_exit_2_with_one_line(run, tmp_path, text, message):
    code, out, err = run("check", "--config", _config(tmp_path, text))
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1


def test_missing_config_is_exit_2(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run("check")
    assert code == 2 and "no budget file" in err


def test_update_baseline_needs_a_path(run, tmp_path):
    code, _, err = run(
        "check", "--config", _config(tmp_path, V2_160.format(macs="1G")), "--update-baseline"
    )
    assert code == 2 and "--update-baseline needs --baseline" in err


def test_tolerance_parsing():
    # exact fractions: 0.01 and 0.025 as binary floats would be slightly off
    assert parse_tolerance("1%") == Fraction(1, 100)
    assert parse_tolerance(" 2.5 % ") == Fraction(25, 1000)
    assert parse_tolerance(0) == 0


def test_example_budget_file_passes_against_its_baseline(run, tmp_path):
    for name in ("budgets.toml", "mbcost-baseline.json", "cifar_mobilenet.yaml"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    code, _, err = run("check", "--config", str(tmp_path / "budgets.toml"))
    assert code == 0, err


def test_baseline_without_a_metric_does_not_compare_it(run, tmp_path):
    """A baseline written before a metric existed still works: that metric is simply not compared
    (and a metric this version does not know is ignored)."""
    config = _config(tmp_path, V2_160.format(macs="1G"))
    old = {"mbcost_baseline": 1, "models": {"v2-160": {"macs": 107_295_200, "flops": 1}}}
    baseline = tmp_path / "old.json"
    baseline.write_text(json.dumps(old))
    code, out, _ = run("check", "--config", config, "--baseline", str(baseline), "--format", "json")
    checks = [c["check"] for c in json.loads(out)["models"][0]["checks"]]
    assert code == 0 and checks == ["max_macs", "max_params", "baseline macs"]
    old["models"]["v2-160"]["params"] = -1  # a metric that is present is still checked strictly
    baseline.write_text(json.dumps(old))
    code, _, err = run("check", "--config", config, "--baseline", str(baseline))
    assert code == 2 and "params must be a non-negative integer" in err
