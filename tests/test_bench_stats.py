"""The timing statistics of ``mbcost bench`` (no torch): median and quartiles against hand-computed
values, the repeat loop's stopping rules, the machine line, and the ONNX Runtime profile parser."""

from __future__ import annotations

import math

import pytest

from mbcost.bench import machine
from mbcost.bench.stats import Repeats, Spread, median_error, repeat, spread
from mbcost.bench.timing import _profiled


@pytest.mark.parametrize(
    ("samples", "expected"),
    [
        # n = 4: positions (n-1)·p = 0.75, 1.5, 2.25 -> 1 + 0.75·1, (2+3)/2, 3 + 0.25·1
        ([4.0, 1.0, 3.0, 2.0], Spread(2.5, 1.75, 3.25, 4)),
        # n = 3: positions 0.5, 1, 1.5 of [1, 2, 10] -> 1.5, 2, 6
        ([10.0, 1.0, 2.0], Spread(2.0, 1.5, 6.0, 3)),
        # n = 5: positions 1, 2, 3 exactly
        ([5.0, 1.0, 4.0, 2.0, 3.0], Spread(3.0, 2.0, 4.0, 5)),
        ([7.0], Spread(7.0, 7.0, 7.0, 1)),
    ],
    ids=["four", "three-skewed", "five", "one"],
)
def test_spread_matches_hand_computed_quartiles(samples, expected):
    got = spread(samples)
    assert got == pytest.approx(expected)
    assert got.iqr == pytest.approx(expected.q3 - expected.q1)


def test_spread_of_nothing_is_an_error():
    with pytest.raises(ValueError, match="no timings"):
        spread([])


def test_scaled_spread_converts_units():
    assert Spread(0.002, 0.001, 0.003, 9).scaled(1000) == pytest.approx(Spread(2, 1, 3, 9))


def test_median_error_follows_the_iqr_rule():
    samples = [1.0, 2.0, 3.0, 4.0]  # median 2.5, IQR 1.5
    assert median_error(samples) == pytest.approx(1.2533 / 1.349 * 1.5 / math.sqrt(4) / 2.5)


def test_repeat_fixed_runs_exactly_that_many_after_the_warmup():
    calls = []

    def run() -> float:
        calls.append(1)
        return 0.5

    done = []
    timings = repeat(run, Repeats(fixed=4, warmup=2), done.append)
    assert timings.samples == (0.5,) * 4 and timings.warmup == 2 and timings.stopped == "fixed"
    assert len(calls) == 6
    assert done == [0.25, 0.5, 0.75, 1.0]


def test_repeat_stops_once_the_median_settles():
    timings = repeat(lambda: 1.0, Repeats(minimum=7, warmup=1, warmup_seconds=0))
    assert timings.stopped == "settled" and len(timings.samples) == 7


def test_repeat_stops_at_the_time_limit_when_the_median_does_not_settle():
    values = iter([1.0, 100.0] * 100_000)
    plan = Repeats(minimum=2, precision=1e-9, time_limit=0.01, warmup=0, warmup_seconds=0)
    timings = repeat(lambda: next(values), plan)
    assert timings.stopped == "time limit" and len(timings.samples) >= 2


def test_repeat_stops_at_the_maximum():
    values = iter([1.0, 100.0] * 1000)
    plan = Repeats(minimum=2, precision=1e-9, time_limit=60, maximum=5, warmup=0, warmup_seconds=0)
    assert repeat(lambda: next(values), plan).samples == (1.0, 100.0, 1.0, 100.0, 1.0)


def test_bench_help_states_the_adaptive_default_time_limit():
    from click.testing import CliRunner

    from mbcost.cli import cli

    help_text = CliRunner().invoke(cli, ["bench", "--help"]).output
    assert f"[default: {Repeats().time_limit:g}]" in " ".join(help_text.split())


def test_cpu_model_reads_the_model_name(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nvendor_id\t: X\nmodel name\t: Test CPU 9000 @ 3 GHz\n")
    assert machine.cpu_model(str(info)) == "Test CPU 9000 @ 3 GHz"
    assert machine.cpu_model(str(tmp_path / "missing"))  # falls back to platform


def test_this_machine_names_cpu_cores_and_system():
    m = machine.this_machine()
    assert m.cores >= 1 and m.cpu and m.system
    assert f"({m.cores} cores)" in str(m)


def test_onnxruntime_profile_is_summed_per_engine_node_and_run():
    """Two runs (the first a warm-up, skipped); kernels named /n<i>/ go to node i, others to the
    unattributed time; durations are microseconds."""
    events = [
        {"cat": "Session", "name": "model_run", "ts": 0, "dur": 100},
        {"cat": "Node", "name": "/n0/conv/Conv_kernel_time", "ts": 10, "dur": 40},
        {"cat": "Session", "name": "model_run", "ts": 200, "dur": 100},
        {"cat": "Node", "name": "/n0/conv/Conv_output_0_nchwc_kernel_time", "ts": 210, "dur": 30},
        {"cat": "Node", "name": "/n0/act/Relu_kernel_time", "ts": 245, "dur": 5},
        {"cat": "Node", "name": "ReorderOutput_kernel_time", "ts": 255, "dur": 7},
        {"cat": "Node", "name": "/n1/Add_kernel_time", "ts": 265, "dur": 3},
        {"cat": "Node", "name": "/n1/Add_fence_before", "ts": 264, "dur": 1},
    ]
    per_node, other = _profiled(events, nodes=2, skip=1)
    assert per_node == [[pytest.approx(35e-6)], [pytest.approx(3e-6)]]
    assert other == [pytest.approx(7e-6)]
