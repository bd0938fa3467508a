"""``mbcost bench`` through the CLI on tiny tables with 1-3 repeats (nothing here asserts speed):
the JSON contract, per-layer rows matching the engine's rows, the text table, ONNX Runtime, the
reference model, the micro-benchmarks' contract, and bad input as one-line exit-2 errors."""

from __future__ import annotations

import builtins
import json

import pytest

pytest.importorskip("torch")

from mbcost.bench import micro
from mbcost.latency import LayerWork, layer_work

pytestmark = pytest.mark.verify

SPEC = """\
name: tiny
resolution: 32
rounding: int
defaults: {act: hswish, norm: bn}
blocks:
  - {conv: {k: 3, s: 2, out: 8}}
  - {ds: {out: 16, s: 2}}
  - repeat: {n: 2, blocks: [{ir: {exp: 32, out: 16, se: 0.25, k: 5}}]}
  - {pool: {global: avg}}
  - {linear: {out: 10}}
"""


@pytest.fixture
def tiny(tmp_path) -> str:
    path = tmp_path / "tiny.yaml"
    path.write_text(SPEC, encoding="utf-8")
    return str(path)


def _engine_rows(run, *args: str) -> list[dict]:
    code, out, err = run("table", *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)["rows"]


def _check_latency(doc: dict, repeats: int) -> None:
    assert set(doc) == {"median", "q1", "q3", "iqr", "repeats"}
    assert doc["repeats"] == repeats
    assert 0 <= doc["q1"] <= doc["median"] <= doc["q3"]
    assert doc["iqr"] == pytest.approx(doc["q3"] - doc["q1"])


def test_bench_json_has_a_latency_per_engine_row_and_in_total(run, tiny):
    code, out, err = run(
        "bench", "--spec", tiny, "--alpha", "0.5", "--repeats", "3", "--format", "json"
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["inputs"] == {
        "arch": "tiny",
        "alpha": 0.5,
        "depth": 1.0,
        "resolution": 32,
        "impl": "paper",
        "against": "table",
        "runtime": "torch",
        "threads": 1,
        "batch": 1,
        "dtype": "float32",
    }
    assert doc["machine"]["cpu"] and doc["machine"]["cores"] >= 1
    assert doc["runtime"]["name"] == "torch" and doc["runtime"]["versions"]["torch"]
    assert doc["timing"]["repeats"] == 3 and doc["timing"]["stopped"] == "fixed"
    assert doc["timing"]["per_layer"] is True
    assert doc["model"]["batchnorms_folded"] > 0
    _check_latency(doc["totals"]["latency_ms"], 3)
    engine = _engine_rows(run, "--spec", tiny, "--alpha", "0.5")
    assert [r["name"] for r in doc["rows"]] == [r["name"] for r in engine]
    assert [r["macs"] for r in doc["rows"]] == [r["macs"] for r in engine]
    assert doc["totals"]["macs"] == sum(r["macs"] for r in engine)
    for row in doc["rows"]:
        _check_latency(row["latency_ms"], 3)
    assert doc["totals"]["layers_median_sum_ms"] == pytest.approx(
        sum(r["latency_ms"]["median"] for r in doc["rows"])
    )
    assert "median" in err and "on torch, 1 thread" in err


def test_bench_text_states_machine_runtime_threads_and_the_whole_model(run, tiny):
    code, out, err = run("bench", "--spec", tiny, "--repeats", "1", "--threads", "2")
    assert code == 0, err
    assert (
        "runtime: torch 2" in out and " eager · " in out and "2 threads" in out and "batch 1" in out
    )
    assert "machine: " in out and "BatchNorms folded" in out
    assert "whole model" in out and "1.se.scale" not in out  # ds has no SE
    assert "2.0.0.se.scale" in out and "2.1.0.add" in out and "4.fc" in out
    assert "stopped: --repeats 1" in out


def test_bench_onnxruntime_times_each_engine_row(run, tiny):
    pytest.importorskip("onnxruntime")
    code, out, err = run(
        "bench", "--spec", tiny, "--runtime", "onnxruntime", "--repeats", "2", "--format", "json"
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["inputs"]["runtime"] == "onnxruntime"
    assert set(doc["runtime"]["versions"]) == {"torch", "onnxruntime"}
    assert doc["timing"]["per_layer"] is True and "profiler" in doc["timing"]["per_layer_note"]
    assert [r["name"] for r in doc["rows"]] == [
        r["name"] for r in _engine_rows(run, "--spec", tiny)
    ]
    for row in doc["rows"]:
        _check_latency(row["latency_ms"], 2)
    convs = [r for r in doc["rows"] if r["kind"] in ("standard", "depthwise", "pointwise")]
    assert all(r["latency_ms"]["median"] > 0 for r in convs)  # every conv's kernel was found


def test_bench_reference_model_is_timed_whole(run):
    pytest.importorskip("torchvision")
    code, out, err = run(
        "bench", "v3-small", "--against", "reference", "--impl", "torchvision",
        "--res", "32", "--repeats", "1", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    assert doc["model"]["description"].startswith("torchvision.models.mobilenet_v3_small(")
    assert doc["timing"]["per_layer"] is False
    assert all(r["latency_ms"] is None for r in doc["rows"])
    _check_latency(doc["totals"]["latency_ms"], 1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("v3-small", "--threads", "0"), "--threads"),
        (("v3-small", "--threads", "x"), "--threads"),
        (("v3-small", "--repeats", "0"), "--repeats"),
        (("v3-small", "--time-limit", "0"), "--time-limit"),
        (
            ("v3-small", "--runtime", "tensorflow"),
            "'tensorflow' is not one of 'torch', 'onnxruntime'",
        ),
        (("v3-small", "--against", "fvcore"), "--against"),
        (("v3-small", "--res", "64", "--rho", "0.5"), "mutually exclusive"),
        (("v3-small", "--repeats", "3", "--time-limit", "2"), "takes no --time-limit"),
        (("v3-small", "--alpha", "0"), "--alpha"),
        (("v9",), "unknown architecture 'v9'"),
        (("v3-small", "--depth", "0"), "--depth"),
        (("v3-small", "--depth", "2"), "none of its rows scales with depth"),
        (("v3-small", "--clock", "gpu"), "'gpu' is not one of 'wall', 'cpu'"),
        (("v3-small", "--clock", "cpu", "--threads", "2"), "torch with 1 thread only"),
        (("v3-small", "--clock", "cpu", "--runtime", "onnxruntime"), "torch with 1 thread only"),
    ],
    ids=[
        "threads-0",
        "threads-text",
        "repeats-0",
        "time-limit-0",
        "runtime",
        "against",
        "res-and-rho",
        "repeats-and-time-limit",
        "alpha-0",
        "unknown-arch",
        "depth-0",
        "depth-unscaled",
        "clock",
        "cpu-clock-threads",
        "cpu-clock-onnxruntime",
    ],
)
def test_bench_bad_input_is_one_line_and_exit_2(run, args, message):
    code, out, err = run("bench", *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err


def test_bench_depth_and_clock_reach_the_measurement(run):
    args = ("bench", "efficientnet-b0", "--res", "32", "--repeats", "1", "--clock", "cpu")
    code, out, err = run(*args, "--depth", "1.5", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["inputs"]["depth"] == 1.5 and doc["timing"]["clock"] == "cpu"
    deeper = len(doc["rows"])
    code, out, err = run(*args, "--format", "json")
    assert json.loads(out)["inputs"]["depth"] == 1.0
    assert deeper > len(json.loads(out)["rows"])  # ceil(n·1.5) repeats of each scaled stage
    code, out, err = run(*args, "--depth", "1.5")
    assert "alpha 1 · depth 1.5 · resolution 32x32" in out


def test_bench_spec_against_reference_is_refused(run, tiny):
    code, _, err = run("bench", "--spec", tiny, "--against", "reference")
    assert code == 2 and err.count("\n") == 1 and "no reference model" in err


@pytest.mark.parametrize(
    ("runtime", "missing", "extras"),
    [("torch", "torch", "verify"), ("onnxruntime", "onnxruntime", "verify,latency")],
)
def test_bench_missing_runtime_names_the_extra(run, tiny, monkeypatch, runtime, missing, extras):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == missing or name.startswith(f"{missing}."):
            raise ImportError(f"No module named '{missing}'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    monkeypatch.setattr("importlib.import_module", lambda name: fake_import(name))
    code, out, err = run("bench", "--spec", tiny, "--runtime", runtime, "--repeats", "1")
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert f"needs {missing}, which cannot be imported" in err
    assert f"pip install 'mbcost[{extras}]'" in err


def test_micro_cases_cover_every_layer_kind_with_the_engine_work():
    cases = micro.cases()
    kinds = {c.work.kind for c in cases}
    assert kinds >= {
        "standard",
        "depthwise",
        "pointwise",
        "grouped",
        "linear",
        "pool",
        "add",
        "mul",
    }
    assert {c.act for c in cases if c.layer is None} >= {"relu", "hswish"}
    k_and_s = {(c.layer.k, c.layer.stride) for c in cases if c.work.kind == "depthwise"}
    assert {3, 5, 7} <= {k for k, _ in k_and_s} and {1, 2} <= {s for _, s in k_and_s}
    for c in cases:
        if c.layer is not None:
            x = c.inputs if len(c.inputs) > 1 else c.inputs[0]
            assert c.work == layer_work(c.layer, x, c.out_shape)
        else:  # an activation alone: one pass over its tensor
            n = c.inputs[0].elements
            assert c.work == LayerWork("activation", 0, n, n, 0, {c.act: n})
    assert micro.cases() == cases  # reproducible


def test_micro_measure_returns_fit_samples_with_the_executor_time():
    done = []
    samples, contexts, node_seconds = micro.measure(threads=1, repeats=1, progress=done.append)
    cases = micro.cases()
    assert len(samples) == len(contexts) == 2 * len(cases)  # each case in both companies
    assert all(len(works) == 1 and seconds > node_seconds for works, seconds in samples)
    assert [works[0] for works, _ in samples] == [c.work for c in cases] * 2
    assert 0 <= node_seconds < 1e-3
    assert done == sorted(done) and done[-1] == 1.0
    # a case's whole stage touches more than its few neighbours, which touch at least the case
    stage, neighbours = contexts[: len(cases)], contexts[len(cases) :]
    assert all(c.bytes <= n <= s for c, n, s in zip(cases, neighbours, stage, strict=True))
    assert len(set(stage)) == 6  # one working set per feature-map size
    assert sum(set(stage)) == sum(c.bytes for c in cases)


def test_micro_cases_timed_among_neighbours_carry_their_groups_bytes():
    from mbcost.errors import MbcostError
    from mbcost.layers import Conv2d, Shape

    # seven 1x1 convs c -> 8 on a 7x7 map, one stage: neighbours in runs of three, 3 + 3 + 1
    chosen = [micro.Case(f"pw {c}", Conv2d(c, 8, 1), (Shape(c, 7, 7),)) for c in range(8, 64, 8)]
    # bytes of one call: input c·49, output 8·49, weights 8·c (no bias: a BatchNorm follows)
    own = [4 * (c * 49 + 8 * 49 + 8 * c) for c in range(8, 64, 8)]
    assert [c.bytes for c in chosen] == own
    timed = micro.time_cases(chosen, repeats=1, company="neighbours")
    groups = [sum(own[0:3])] * 3 + [sum(own[3:6])] * 3 + [own[6]]
    assert [t.company_bytes for t in timed] == groups
    timed = micro.time_cases(chosen, repeats=1)
    assert [t.company_bytes for t in timed] == [sum(own)] * 7
    with pytest.raises(MbcostError, match="company must be one of stage, neighbours"):
        micro.time_cases(chosen, repeats=1, company="all")


def test_micro_cases_are_timed_by_stage_in_their_given_order():
    from mbcost.layers import Conv2d, Shape

    def case(c: int, h: int) -> micro.Case:
        return micro.Case(f"pw {c}x{h}", Conv2d(c, 8, 1), (Shape(c, h, h),))

    stem, se, late, early = case(3, 96), case(64, 1), case(96, 7), case(16, 56)
    assert [micro.stage(c) for c in (stem, se, late, early, case(3, 224))] == [112, 4, 7, 56, 112]
    done = []
    chosen = [late, stem, early, se]
    timed = micro.time_cases(chosen, repeats=2, progress=done.append)
    assert [t.case for t in timed] == chosen and all(t.seconds > 0 for t in timed)
    assert done == sorted(done) and done[-1] == 1.0 and len(done) == 2 * 4  # 4 stages


def test_in_network_adds_the_executor_time_to_every_layer():
    chosen = micro.cases()[:3]
    timed = [micro.Timed(c, 1e-4 * (i + 1), 1000) for i, c in enumerate(chosen)]
    samples = micro.in_network(timed, 5e-6)
    assert [s for _, s in samples] == pytest.approx([1.05e-4, 2.05e-4, 3.05e-4])
    assert [w for w, _ in samples] == [[c.work] for c in chosen]


@pytest.mark.parametrize("repeats", [0, -1, 1.5, True])
def test_time_executor_refuses_bad_repeats(repeats):
    from mbcost.errors import MbcostError

    with pytest.raises(MbcostError, match="repeats must be a positive integer"):
        micro.time_executor(repeats=repeats)


def test_bench_cpu_clock_times_the_calling_thread(tiny):
    from mbcost.bench.run import bench
    from mbcost.bench.stats import Repeats
    from mbcost.errors import MbcostError
    from mbcost.spec import load

    table = load(tiny)
    m = bench(table, plan=Repeats(fixed=2), clock="cpu")
    assert m.setup.clock == "cpu" and m.total.repeats == 2 and m.total.median > 0
    with pytest.raises(MbcostError, match="1 thread only"):
        bench(table, threads=2, plan=Repeats(fixed=1), clock="cpu")
    with pytest.raises(MbcostError, match="1 thread only"):
        bench(table, runtime="onnxruntime", plan=Repeats(fixed=1), clock="cpu")
    with pytest.raises(MbcostError, match="unknown clock"):
        bench(table, plan=Repeats(fixed=1), clock="gpu")
