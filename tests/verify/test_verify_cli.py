"""``mbcost verify`` through the CLI: JSON and table output, exit codes 0 / 1 / 2, the missing-torch
message, and that registering the command imports no torch."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

pytest.importorskip("torch")
pytest.importorskip("fvcore")

from mbcost.errors import MbcostError
from mbcost.verify import INSTALL_HINT, require_torch
from mbcost.verify.run import verify as run_verify

pytestmark = pytest.mark.verify


def test_verify_v2_torchvision_json_reports_every_layer_matching(run):
    code, out, err = run("verify", "v2", "--impl", "torchvision", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["ok"] is True and doc["layers_differing"] == 0
    assert doc["setup"] == {
        "arch": "v2",
        "alpha": 1.0,
        "resolution": 224,
        "impl": "torchvision",
        "against": "reference",
        "model": "torchvision.models.mobilenet_v2(weights=None, width_mult=1)",
        "depth": 1.0,
    }
    assert len(doc["layers"]) == doc["layers_checked"] == 53
    assert all(layer["match"] for layer in doc["layers"])
    first = doc["layers"][0]
    assert first["engine"]["name"] == "0.conv" and first["fvcore"]["module"] == "features.0.0"
    assert first["engine"]["macs"] == first["fvcore"]["macs"] == 10_838_016
    terms = {t["term"]: t for t in doc["terms"]}
    assert terms["conv + linear"]["engine"] == terms["conv + linear"]["measured"] == 300_774_272
    assert terms["fvcore total()"]["measured"] == 314_193_216
    assert all(t["status"] == "match" for t in doc["terms"])
    assert err.startswith("mbcost verify: ok: 53/53")


def test_verify_table_output_names_inputs_and_verdict(run):
    code, out, err = run("verify", "v1", "--impl", "timm", "--res", "150", "--alpha", "0.5")
    assert code == 0, err
    assert "arch v1 · alpha 0.5 · resolution 150x150 · impl timm · against reference" in out
    assert "_gen_mobilenet_v1('mobilenetv1_100', 0.5, pretrained=False)" in out
    assert "\x1b[" not in out and "\x1b[" not in err


def test_verify_against_table_and_explain(run):
    code, out, err = run(
        "verify", "v3-small", "--against", "table", "--explain", "--format", "json"
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["ok"] and doc["setup"]["model"].startswith("generated from mbcost's v3-small table")
    sums = {(s["quantity"], s["convention"]): s for s in doc["explain"]["conventions"]}
    fvcore = sums["macs", "fvcore"]
    assert fvcore["terms"] == ["conv", "linear", "attention", "bn", "pool"]
    assert fvcore["value"] == fvcore["measured"]
    differences = {
        (d["quantity"], d["larger"], d["smaller"]): d for d in doc["explain"]["differences"]
    }
    assert differences["macs", "fvcore", "paper"]["terms"] == ["bn", "pool"]
    assert differences["macs", "paper", "torch"]["terms"] == ["attention"]  # 0 here: no attention
    assert differences["params", "fvcore/torch", "paper"]["terms"] == ["bn", "scale"]


SPEC = """\
name: tiny
resolution: 40
rounding: int
defaults: {act: swish, norm: bn}
blocks:
  - {conv: {k: 3, s: 2, out: 12}}
  - {ds: {out: 20, s: 2}}
  - repeat: {n: 2, blocks: [{ir: {exp: 40, out: 20, se: 0.25, k: 5}}]}
  - {pool: {k: 2, op: max}}
  - {linear: {out: 7, act: sigmoid}}
"""


def test_verify_a_spec_file_against_its_generated_model(run, tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(SPEC, encoding="utf-8")
    code, out, err = run("verify", "--spec", str(path), "--alpha", "0.75", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["ok"] and doc["setup"]["against"] == "table" and doc["setup"]["arch"] == "tiny"
    assert [layer["engine"]["name"] for layer in doc["layers"]][-3:] == [
        "2.1.0.se.expand",
        "2.1.0.project",
        "4.fc",
    ]
    code, _, err = run("verify", "--spec", str(path), "--against", "reference")
    assert code == 2 and "no reference model" in err


def test_explain_writes_fvcore_total_as_a_sum_of_terms(run):
    """DESIGN: fvcore's V1 total = conv/FC MACs + BN + pooling (timm's V1 at 224)."""
    code, out, err = run("verify", "v1", "--impl", "timm", "--explain")
    assert code == 0, err
    assert "fvcore − paper = bn + pool = 10,135,552" in out  # 10,085,376 BN + 50,176 pool
    assert "paper − torch = attention = 0" in out  # V1 has no attention matmuls
    assert "578,875,904" in out  # fvcore's total(), measured


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("verify", "v1"), "use --impl timm"),
        (("verify", "v1", "--impl", "paper", "--against", "reference"), "or --against table"),
        (("verify", "v1-conv"), "verify it with --against table"),
        (("verify", "v3-large", "--alpha", "0.5"), "layer 0.conv: out_c 8 (paper) vs 16 (timm)"),
        (("verify",), "give an ARCH"),
        (("verify", "--all", "--alpha", "0.5"), "drop --alpha"),
        (("verify", "v2", "--res", "160", "--rho", "0.5"), "mutually exclusive"),
        (("verify", "v1", "--impl", "torchvision"), "has no 'torchvision' implementation"),
        (("verify", "v9"), "unknown architecture 'v9'"),
    ],
    ids=[
        "v1-paper",
        "v1-paper-explicit",
        "v1-conv",
        "v3-paper-0.5",
        "no-arch",
        "all-alpha",
        "res-rho",
        "no-impl",
        "unknown",
    ],
)
def test_bad_input_exits_2_with_one_line(run, args, message):
    code, out, err = run(*args)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1 and out == ""


def test_a_mismatch_exits_1_and_names_the_layer(run, monkeypatch):
    import mbcost.verify.count as count

    real = count.count_with_fvcore

    def off_by_one(*args, **kwargs):
        result = real(*args, **kwargs)
        modules = list(result.modules)
        modules[3] = dataclasses.replace(modules[3], macs=modules[3].macs + 1)
        return dataclasses.replace(result, modules=tuple(modules))

    monkeypatch.setattr(count, "count_with_fvcore", off_by_one)
    code, out, err = run("verify", "v2", "--impl", "torchvision", "--res", "96")
    assert code == 1
    assert "MISMATCH: 1/53 layers differ" in err
    assert "layer 2.0.expand vs module features.2.conv.0.0: macs differ" in err
    assert "DIFFERS: macs" in out


def test_all_runs_a_grid_with_one_row_per_configuration(run):
    code, out, err = run("verify", "--all", "v1-shallow", "--format", "csv")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0].startswith("arch,impl,against,alpha,resolution,layers")
    assert len(lines) == 1 + 5 * 7  # widths x resolutions, against table only
    assert all(line.endswith(",ok") for line in lines[1:])
    assert "\x1b[" not in err and "35 configurations, 0 mismatched" in err


def test_missing_torch_exits_2_with_the_install_hint(run, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch -> ImportError
    with pytest.raises(MbcostError, match="needs torch"):
        require_torch()
    code, out, err = run("verify", "v2", "--against", "table")
    assert code == 2 and out == ""
    assert err.strip() == (
        f"mbcost: error: mbcost verify needs torch, which cannot be imported: {INSTALL_HINT}"
    )


def test_missing_reference_library_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "timm", None)
    with pytest.raises(MbcostError, match=r"needs timm, .*pip install 'mbcost\[verify\]'"):
        run_verify("v3-large", impl="timm")


def test_registering_verify_imports_no_torch():
    code = (
        "import sys, mbcost.cli, mbcost.verify, mbcost.verify.cli; "
        "assert not [m for m in ('torch', 'fvcore', 'torchvision', 'timm') if m in sys.modules]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
