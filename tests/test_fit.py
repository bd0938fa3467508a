"""``mbcost fit`` and ``mbcost.fit``: budgets against exact counts, inclusive limits, near-ties,
one family or none within budget, the JSON contract and one-line errors."""

from __future__ import annotations

import json

import pytest

import mbcost
from mbcost.errors import MbcostError

V2_1_0_224 = 300_774_272  # mbcost's exact count; the sources print 300M
V2_0_75_192 = 153_941_888  # 68.7 in the TF-slim grid
V2_1_0_160 = 154_083_200  # 68.8: 141,312 MACs more for 0.1 points


def _top(result: mbcost.FitResult) -> list[tuple]:
    return [(c.arch, c.alpha, c.resolution) for c in result.ranked]


def test_exact_counts_decide_a_budget_the_sources_round():
    over = mbcost.fit(["v2"], max_macs=300_000_000, published_only=True)
    assert (over.ranked[0].alpha, over.ranked[0].resolution) == (1.0, 192)  # 1.0-224 is over
    exact = mbcost.fit(["v2"], max_macs=V2_1_0_224, published_only=True)
    assert (exact.ranked[0].alpha, exact.ranked[0].resolution) == (1.0, 224)  # limits include
    assert exact.headroom(exact.ranked[0]) == {"macs": 0}


def test_near_tie_v2_0_75_192_against_1_0_160():
    both = mbcost.fit(["v2"], max_macs=V2_1_0_160, published_only=True, top=2)
    assert _top(both) == [("v2", 1.0, 160), ("v2", 0.75, 192)]  # 68.8 over 68.7
    one_short = mbcost.fit(["v2"], max_macs=V2_1_0_160 - 1, published_only=True)
    assert _top(one_short)[0] == ("v2", 0.75, 192)
    params = mbcost.fit(["v2"], max_macs=V2_1_0_160, max_params=3_000_000, published_only=True)
    assert _top(params)[0] == ("v2", 0.75, 192)  # 1.0-160 has 3.47M params


def test_equal_accuracy_ranks_the_cheaper_first():
    result = mbcost.fit(["v2"], max_macs=60_000_000, published_only=True, top=3)
    # 0.5-160 has 61.0; 1.0-96 (56.13M MACs) and 0.35-224 (59.29M) both print 60.3
    assert _top(result) == [("v2", 0.5, 160), ("v2", 1.0, 96), ("v2", 0.35, 224)]


def test_a_budget_only_one_family_meets():
    result = mbcost.fit(["v1", "v2", "v3-small"], max_macs=12_000_000)
    assert result.within == 1
    (only,) = result.ranked
    assert (only.arch, only.alpha, only.resolution, only.top1) == ("v2", 0.35, 96, 45.5)


def test_a_budget_nothing_meets():
    result = mbcost.fit(["v1", "v2", "v3-large", "v3-small"], max_macs=10_000_000)
    assert result.ranked == () and result.within == 0 and result.pool


def test_peak_memory_budget_under_a_dtype():
    """V2 1.0-224 holds 1,505,280 B at its peak in int8 (the TFLite figure): over 1MB; 1.0-160
    holds 768,000 B, and a limit of exactly that fits."""
    result = mbcost.fit(["v2"], max_peak_memory=1_000_000, dtype="int8", published_only=True)
    best = result.ranked[0]
    assert (best.alpha, best.resolution, best.peak_bytes) == (1.0, 160, 768_000)
    assert all(c.peak_bytes <= 1_000_000 for c in result.ranked)
    exact = mbcost.fit(["v2"], max_peak_memory=768_000, dtype="int8", published_only=True)
    assert _top(exact)[0] == ("v2", 1.0, 160)
    short = mbcost.fit(["v2"], max_peak_memory=767_999, dtype="int8", published_only=True)
    assert ("v2", 1.0, 160) not in _top(short)
    weights = mbcost.fit(["v2"], max_weights=2_000_000, dtype="int8", published_only=True)
    assert {c.alpha for c in weights.ranked} == {0.5, 0.35}  # 1.95M and 1.66M int8 weight bytes


def test_estimates_rank_with_published_figures():
    result = mbcost.fit(["v2", "v3-small"], max_macs=100_000_000)
    best = result.ranked[0]
    assert (best.arch, best.alpha, best.resolution) == ("v3-small", 1.0, 224)  # 67.4 published
    v2 = mbcost.fit(["v2"], max_macs=100_000_000)
    assert v2.ranked[0].rating.published is None  # an estimated configuration beats 0.5-224
    assert v2.ranked[0].top1 > 65.4 and v2.ranked[0].rating.error == pytest.approx(0.728, abs=1e-3)


def test_the_grid_is_rated_only_inside_the_published_range():
    result = mbcost.fit(["v2"], max_macs=10**9, alphas=[1.4, 0.8], resolutions=[96, 200])
    (family,) = result.families
    assert family.unrated == 2  # V2's only widths above 1 were trained at 224
    assert family.estimated == 2
    estimated = {(c.alpha, c.resolution) for c in result.pool if c.rating.published is None}
    assert estimated == {(0.8, 96), (0.8, 200)}


def test_aliases_are_one_family_and_families_without_a_fit_are_published_only():
    result = mbcost.fit(["v2", "mobilenet_v2", "v3"], max_params=10**9)
    assert [f.arch for f in result.families] == ["v2", "v3-large"]
    assert result.families[1].fit is None and result.families[1].alphas is None
    assert {(c.alpha, c.resolution) for c in result.pool if c.arch == "v3-large"} == {
        (1.0, 224),
        (0.75, 224),
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "needs a budget"),
        ({"max_macs": 1, "published_only": True, "alphas": [0.5]}, "no alphas"),
        ({"max_macs": 1, "top": 0}, "at least 1"),
    ],
)
def test_library_errors(kwargs, message):
    with pytest.raises(MbcostError, match=message):
        mbcost.fit(["v2"], **kwargs)


def test_fit_json_lists_candidates_best_first(run):
    code, out, err = run("fit", "v1", "v2", "--max-macs", "150M", "--max-params", "3M", "--top", "3",
                         "--format", "json")  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    assert doc["inputs"]["budgets"] == {"max_macs": 150_000_000, "max_params": 3_000_000}
    candidates = doc["candidates"]
    assert [c["rank"] for c in candidates] == [1, 2, 3]
    scores = [c["accuracy"]["top1"] for c in candidates]
    assert scores == sorted(scores, reverse=True)
    for c in candidates:
        assert {"arch", "alpha", "resolution", "macs", "params", "accuracy", "headroom"} <= set(c)
        assert c["headroom"] == {"macs": 150_000_000 - c["macs"], "params": 3_000_000 - c["params"]}
        assert c["accuracy"]["basis"] in ("published", "estimate")
        if c["accuracy"]["basis"] == "estimate":
            assert c["accuracy"]["loo_error"] > 0
    assert [f["arch"] for f in doc["families"]] == ["v1", "v2"]
    assert doc["families"][0]["fit"]["points"] == 16


def test_fit_json_cites_a_published_winner(run):
    code, out, _ = run("fit", "v2", "--max-macs", "300M", "--published-only", "--format", "json")
    best = json.loads(out)["candidates"][0]
    assert code == 0
    assert (best["alpha"], best["resolution"], best["accuracy"]["top1"]) == (1.0, 192, 70.7)
    assert best["accuracy"]["source"] == "slim-v2" and "README.md" in best["accuracy"]["citation"]


def test_fit_memory_budget_in_json_and_table(run):
    args = ("fit", "v2", "--max-peak-memory", "1MB", "--dtype", "int8", "--published-only")
    code, out, err = run(*args, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["inputs"]["budgets"] == {"max_peak_bytes": 1_000_000}
    assert doc["inputs"]["dtype"] == "int8" and doc["inputs"]["memory_rule"] == "tflite"
    best = doc["candidates"][0]
    assert best["peak_bytes"] == 768_000 and best["headroom"] == {"peak_bytes": 232_000}
    code, out, _ = run(*args)
    assert "peak memory ≤ 1,000,000 B" in out and "peak: rule tflite, int8" in out
    assert max(len(line) for line in out.splitlines()) <= 90


def test_fit_table_fits_80_columns_with_one_budget(run):
    code, out, err = run("fit", "v1", "v2", "v3-large", "v3-small", "--max-macs", "150M")
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "est.: an estimate, not a measurement" in out
    assert "v3-large: 2 published, no estimates" in out


def test_nothing_fits_exits_1_with_one_line(run):
    code, out, err = run("fit", "v2", "v3-small", "--max-macs", "10M", "--format", "json")
    assert code == 1
    assert json.loads(out)["candidates"] == []
    (line,) = err.strip().splitlines()
    assert line.startswith("mbcost: error: nothing fits MACs ≤ 10.00M")
    assert "v2 0.35-96 (11.93M MACs, 1.66M params)" in line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["v2"], "give a budget"),
        (["v2", "--max-peak-memory", "1KB"], "write kB (1000 B) or KiB (1024 B)"),
        (["v2", "--max-weights", "lots"], "Invalid value for '--max-weights'"),
        (["v2", "--max-peak-memory", "1MB", "--dtype", "int4"], "Invalid value for '--dtype'"),
        (["v2", "--max-macs", "abc"], "Invalid value for '--max-macs'"),
        (["v2", "--max-macs", "3m"], "suffixes are upper case"),
        (["v2", "--max-params", "-1"], "Invalid value for '--max-params'"),
        (["v2", "--max-macs", "1M", "--top", "0"], "Invalid value for '--top'"),
        (
            ["v2", "--max-macs", "1M", "--published-only", "--res", "96"],
            "takes no --alpha or --res",
        ),
        (["v2", "--max-macs", "1M", "--alpha", "1:0.5:0.1"], "runs backwards"),
        (["v2", "--max-macs", "1M", "--res", "96.5"], "whole number"),
        (["v22", "--max-macs", "1M"], "did you mean"),
        (["v2", "--max-macs", "1M", "--plot", "x.jpg"], "must end in .png, .svg or .pdf"),
        ([], "Missing argument"),
    ],
)
def test_fit_bad_input_is_one_line(run, args, message):
    code, out, err = run("fit", *args)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1
