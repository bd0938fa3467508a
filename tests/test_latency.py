"""Predicted latency: the roofline of single layers worked out by hand, non-negative least squares
against hand-solved systems and its optimality conditions, recovery of a noise-free profile, the
profile file format and its errors, and the built-in pixel1 profile against its cited data."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import mbcost
from mbcost.archs.accuracy import ACCURACY
from mbcost.latency import (
    WORK,
    DeviceError,
    LayerWork,
    Profile,
    WorkingSet,
    dump_profile,
    fit_profile,
    get_device,
    layer_work,
    load_profile,
    network_bytes,
    parse_profile,
    predict,
    predict_all,
    report_work,
    total_seconds,
)
from mbcost.latency.calibration import measurement_samples, read_measurements
from mbcost.latency.nnls import nnls
from mbcost.layers import LAYER_TYPES, Add, Conv2d, Linear, Mul, Pool, Shape

DEVICES = Path(mbcost.__file__).parent / "devices"

# a made-up device with round numbers, so every expected time below is worked out by hand
HAND = Profile(
    name="hand",
    description="round numbers",
    source="this test",
    dtype="float32",
    rates_gmacs={"pointwise": 2.0, "standard": 2.0, "depthwise": 10.0, "linear": 2.0},
    bandwidth_gbs=4.0,
    kernel_us=10.0,
    element_ns={"relu": 0.0, "hswish": 1.0, "add": 0.5, "mul": 0.25, "pool": 0.1},
)


def test_pointwise_conv_is_compute_bound():
    # 64 -> 64, 1x1, on 14x14: 64·64·196 = 802,816 MACs / 2e9 = 401.408 µs; bytes moved
    # (12,544 in + 12,544 out + 4,096 weights) · 4 B = 116,736 B / 4e9 B/s = 29.184 µs
    work = layer_work(Conv2d(64, 64, 1, act="relu"), Shape(64, 14, 14), Shape(64, 14, 14))
    assert work == LayerWork("pointwise", 802_816, 12_544, 12_544, 4_096, {"relu": 12_544})
    seconds, bound = predict(HAND, work)
    assert bound == "compute"
    assert seconds == pytest.approx(401.408e-6 + 10e-6)


def test_depthwise_conv_is_memory_bound_plus_its_hswish():
    # 3x3 depthwise, 64 channels on 56x56: 9·64·3,136 = 1,806,336 MACs / 1e10 = 180.63 µs; bytes
    # (200,704 + 200,704 + 576) · 4 = 1,607,936 B / 4e9 = 401.984 µs (memory); + 10 µs kernel
    # + 200,704 h-swish elements · 1 ns = 200.704 µs
    layer = Conv2d(64, 64, 3, groups=64, act="hswish")
    work = layer_work(layer, Shape(64, 56, 56), Shape(64, 56, 56))
    assert (work.kind, work.macs, work.weight_elements) == ("depthwise", 1_806_336, 576)
    seconds, bound = predict(HAND, work)
    assert bound == "memory"
    assert seconds == pytest.approx((401.984 + 10 + 200.704) * 1e-6)


def test_residual_add_reads_both_inputs():
    # two 14x14x64 inputs, one output: (25,088 + 12,544) · 4 B / 4e9 = 37.632 µs, + 10 µs,
    # + 12,544 additions · 0.5 ns = 6.272 µs
    x = Shape(64, 14, 14)
    work = layer_work(Add(), [x, x], x)
    assert work == LayerWork("add", 0, 25_088, 12_544, 0, {"add": 12_544})
    assert layer_work(Add(), x, x) == work  # a lone first input means a two-input residual
    seconds, bound = predict(HAND, work)
    assert bound == "memory"
    assert seconds == pytest.approx((37.632 + 10 + 6.272) * 1e-6)


def test_se_multiply_pool_and_linear_work():
    x = Shape(96, 7, 7)
    gate = Shape(96, 1, 1)
    assert layer_work(Mul(), [x, gate], x) == LayerWork(
        "mul", 0, 4_704 + 96, 4_704, 0, {"mul": 4_704}
    )
    assert layer_work(Pool(), x, gate) == LayerWork("pool", 0, 4_704, 96, 0, {"pool": 4_704})
    fc = layer_work(Linear(1280, 1000), Shape(1280, 1, 1), Shape(1000, 1, 1))
    assert fc == LayerWork("linear", 1_280_000, 1280, 1000, 1_281_000, {})
    # 1,281,000 weights dominate: (1280 + 1000 + 1,281,000) · 4 B / 4e9 = 1,283.28 µs > 640 µs
    assert predict(HAND, fc) == (pytest.approx((1283.28 + 10) * 1e-6), "memory")


def test_a_kinds_own_kernel_cost():
    # the depthwise conv of test_depthwise_conv_is_memory_bound_plus_its_hswish with 150 µs per
    # depthwise layer instead of 10; the pointwise conv of test_pointwise_conv_is_compute_bound,
    # a kind not listed, keeps the 10 µs of kernel_us
    per_kind = HAND._replace(kernel_us_by_kind={"depthwise": 150.0})
    dw = layer_work(
        Conv2d(64, 64, 3, groups=64, act="hswish"), Shape(64, 56, 56), Shape(64, 56, 56)
    )
    assert predict(per_kind, dw) == (pytest.approx((401.984 + 150 + 200.704) * 1e-6), "memory")
    pw = layer_work(Conv2d(64, 64, 1, act="relu"), Shape(64, 14, 14), Shape(64, 14, 14))
    assert predict(per_kind, pw) == (pytest.approx((401.408 + 10) * 1e-6), "compute")


def test_weights_streamed_apart():
    # Linear 1024 -> 1000: 1,024,000 MACs / 2e9 = 512 µs; activations (1024 + 1000) · 4 B / 4e9
    # = 2.024 µs, so with the weights apart it is compute-bound; the 1,025,000 weights and biases
    # · 4 B = 4,100,000 B / 10e9 = 410 µs, added; + 10 µs kernel. Without a weight bandwidth they
    # move inside the roofline: (2,024 + 1,025,000) · 4 B / 4e9 = 1,027.024 µs, memory-bound.
    fc = layer_work(Linear(1024, 1000), Shape(1024, 1, 1), Shape(1000, 1, 1))
    assert fc.weight_elements == 1_025_000
    assert predict(HAND, fc) == (pytest.approx((1027.024 + 10) * 1e-6), "memory")
    cold = HAND._replace(weight_bandwidth_gbs=10.0)
    assert predict(cold, fc) == (pytest.approx((512 + 410 + 10) * 1e-6), "compute")
    # a layer without weights is unchanged: the residual add of test_residual_add_reads_both_inputs
    x = Shape(64, 14, 14)
    add = layer_work(Add(), [x, x], x)
    assert predict(cold, add) == (pytest.approx((37.632 + 10 + 6.272) * 1e-6), "memory")


def test_working_set_costs_are_shared_by_the_networks_bytes():
    # HAND with a working set: caches of 8 MB; outgrowing them costs up to 4 µs per layer, weights
    # at 2 GB/s and activations at 8 GB/s more. A network of the Linear 1024 -> 1000 of
    # test_weights_streamed_apart and the residual add of a 64x14x14 map touches its input
    # (1,024) plus weights (1,025,000) and outputs (1,000 + 12,544) = 1,039,568 elements
    # = 4,158,272 B, so it pays 4,158,272 / (4,158,272 + 8e6) = 0.342 of the costs.
    ws = HAND._replace(working_set=WorkingSet(8.0, 4.0, 2.0, 8.0))
    fc = layer_work(Linear(1024, 1000), Shape(1024, 1, 1), Shape(1000, 1, 1))
    x = Shape(64, 14, 14)
    add = layer_work(Add(), [x, x], x)
    assert network_bytes([fc, add], 4) == 4_158_272
    share = 4_158_272 / (4_158_272 + 8e6)
    # fc: 4 + 4,100,000 B / 2e9 = 2,050 µs + (1,024 + 1,000) · 4 B / 8e9 = 1.012 µs
    # add: 4 + 0 + (25,088 + 12,544) · 4 B / 8e9 = 18.816 µs
    cold_fc, cold_add = (4 + 2050 + 1.012) * 1e-6, (4 + 18.816) * 1e-6
    assert predict(ws, fc, share) == (
        pytest.approx((1027.024 + 10) * 1e-6 + share * cold_fc),
        "memory",
    )
    assert [s for s, _ in predict_all(ws, [fc, add])] == [
        pytest.approx((1027.024 + 10) * 1e-6 + share * cold_fc),
        pytest.approx((37.632 + 10 + 6.272) * 1e-6 + share * cold_add),
    ]
    # measured in a working set of its own (a micro-benchmark's company): 8 MB pays half
    assert total_seconds(ws, [add], 8e6) == pytest.approx(
        (37.632 + 10 + 6.272) * 1e-6 + cold_add / 2
    )
    # a profile without a working set, and a layer on its own (share 0), pay nothing more
    assert total_seconds(HAND, [fc, add]) == pytest.approx((1027.024 + 10 + 37.632 + 16.272) * 1e-6)
    assert predict(ws, fc) == predict(HAND, fc)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 10**9), st.integers(0, 10**9))
def test_more_working_set_never_costs_less(small, large):
    ws = HAND._replace(working_set=WorkingSet(8.0, 4.0, 2.0, 8.0))
    fc = layer_work(Linear(1024, 1000), Shape(1024, 1, 1), Shape(1000, 1, 1))
    small, large = sorted((small, large))
    assert total_seconds(ws, [fc], small) <= total_seconds(ws, [fc], large)
    assert total_seconds(ws, [fc], large) <= total_seconds(HAND, [fc]) + (4 + 2050 + 1.012) * 1e-6


def test_every_layer_type_has_a_work_handle():
    assert set(LAYER_TYPES) <= set(WORK)


def test_unknown_layer_type_and_unpriced_op_are_errors():
    with pytest.raises(mbcost.MbcostError, match="no latency work handle for layer type str"):
        layer_work("conv", Shape(1, 1, 1), Shape(1, 1, 1))  # type: ignore[arg-type]
    work = LayerWork("grouped", 10, 1, 1, 1, {})
    with pytest.raises(DeviceError, match="no compute rate for grouped layers"):
        predict(HAND, work)
    with pytest.raises(DeviceError, match="no element cost for 'gelu'"):
        predict(HAND, LayerWork("add", 0, 1, 1, 0, {"gelu": 1}))


def test_report_work_has_one_entry_per_row_and_counts_the_paper_macs():
    report = mbcost.analyze("v2", alpha=0.5, resolution=96)
    works = report_work(report)
    assert len(works) == len(report.rows)
    assert sum(w.macs for w in works) == report.totals.macs
    adds = [w for w, r in zip(works, report.rows, strict=True) if isinstance(r.layer, Add)]
    assert adds and all(w.in_elements == 2 * w.out_elements for w in adds)


# --- non-negative least squares -----------------------------------------------------------------


def test_nnls_consistent_system():
    assert nnls([[1, 0], [0, 1], [1, 1]], [1, 2, 3]) == pytest.approx([1, 2])


def test_nnls_clips_a_negative_coordinate():
    # unconstrained x = (-1, 2): the constrained optimum is (0, 2)
    assert nnls([[1, 0], [0, 1]], [-1, 2]) == pytest.approx([0, 2])


def test_nnls_hand_solved_active_set():
    # [[1,1],[1,2]] x = [1,0] has the unconstrained solution (2, -1); with x2 = 0 the best x1
    # minimises (x1-1)² + x1², x1 = 0.5 (residual 0.5); with x1 = 0 the best x2 = 0.2 (0.8)
    assert nnls([[1, 1], [1, 2]], [1, 0]) == pytest.approx([0.5, 0], abs=1e-12)


matrices = st.integers(1, 4).flatmap(
    lambda n: st.tuples(
        st.lists(
            st.lists(st.floats(-10, 10, allow_nan=False), min_size=n, max_size=n),
            min_size=n,
            max_size=n + 4,
        ),
        st.lists(st.floats(-10, 10, allow_nan=False), min_size=n + 4, max_size=n + 4),
    )
)


@settings(max_examples=60, deadline=None)
@given(matrices)
@example(  # a column the data barely sees: the solver once divided 0 by 0 stepping back
    ([[0.0, 0.0, 0.0], [0.0, 0.0, 1e-09], [0.0, 1.0, -1.0]], [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0])
)
def test_nnls_meets_the_optimality_conditions(case):
    a, b = case
    b = b[: len(a)]
    x = nnls(a, b)
    assert all(v >= 0 for v in x)
    residual = [
        bi - sum(r * v for r, v in zip(row, x, strict=True)) for row, bi in zip(a, b, strict=True)
    ]
    gradient = [sum(row[j] * r for row, r in zip(a, residual, strict=True)) for j in range(len(x))]
    scale = 1 + max(abs(v) for row in a for v in row) ** 2 * (1 + max(map(abs, x), default=0))
    for xj, gj in zip(x, gradient, strict=True):
        assert gj <= 1e-6 * scale * len(a)  # no descent direction into the feasible set
        if xj > 1e-9:
            assert abs(gj) <= 1e-6 * scale * len(a)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0, 5), min_size=3, max_size=3),
    st.integers(0, 2**32 - 1),
)
def test_nnls_recovers_a_non_negative_solution_exactly(truth, seed):
    import random

    rng = random.Random(seed)
    a = [[rng.uniform(0.1, 1) for _ in range(3)] for _ in range(8)]
    b = [sum(r * t for r, t in zip(row, truth, strict=True)) for row in a]
    assert nnls(a, b) == pytest.approx(truth, abs=1e-7)


# --- fitting a profile --------------------------------------------------------------------------

TRUE = Profile(
    "true",
    "synthetic",
    "this test",
    "float32",
    {"pointwise": 3.0, "standard": 3.0, "linear": 3.0, "depthwise": 3.0},
    0.5,
    25.0,
    {"relu6": 0.0, "add": 0.0, "pool": 0.0},
    {"depthwise": 0.25},
)


def _layers() -> list[LayerWork]:
    """Single layers on both sides of the roofline: depthwise convs and thin pointwise ones
    memory-bound, wide pointwise ones compute-bound."""
    works = []
    for size, c_in, c_out in (
        (112, 16, 16),
        (112, 8, 32),
        (56, 24, 144),
        (14, 320, 640),
        (7, 960, 1280),
        (28, 64, 64),
    ):
        x, y = Shape(c_in, size, size), Shape(c_out, size, size)
        works.append(layer_work(Conv2d(c_in, c_out, 1, act="relu6"), x, y))
        works.append(
            layer_work(Conv2d(c_in, c_in, 3, groups=c_in, act="relu6"), x, Shape(c_in, size, size))
        )
    return works


def test_fit_recovers_a_noise_free_profile():
    samples = [([w], total_seconds(TRUE, [w])) for w in _layers()]
    profile, report = fit_profile(samples, name="fit", description="d", source="s", dtype="float32")
    assert {predict(TRUE, w)[1] for w in _layers()} == {"compute", "memory"}
    assert profile.rates_gmacs["pointwise"] == pytest.approx(3.0, rel=1e-3)
    assert profile.bandwidth_gbs == pytest.approx(0.5, rel=1e-3)
    assert profile.bandwidth_by_kind_gbs["depthwise"] == pytest.approx(0.25, rel=1e-3)
    assert profile.kernel_us == pytest.approx(25.0, rel=1e-3)
    assert report.max_error < 1e-3 and report.loo_max_error < 1e-3
    assert report.parameters == ("dense", "bandwidth", "depthwise bandwidth", "kernel")
    assert all(predict(profile, w)[1] == predict(TRUE, w)[1] for w in _layers())


TRUE_EAGER = TRUE._replace(
    bandwidth_gbs=8.0,
    kernel_us_by_kind={"depthwise": 150.0, "add": 5.0, "pool": 5.0},
    weight_bandwidth_gbs=2.0,
)


def _eager_layers() -> list[LayerWork]:
    """``_layers`` at two more map sizes (so that MACs and weights vary apart), residual adds and
    pools, and linear layers (weights only)."""
    works = _layers()
    for size, c_in, c_out in ((28, 96, 32), (7, 160, 960), (14, 64, 384)):
        x, y = Shape(c_in, size, size), Shape(c_out, size, size)
        works.append(layer_work(Conv2d(c_in, c_out, 1, act="relu6"), x, y))
        works.append(layer_work(Conv2d(c_in, c_in, 5, groups=c_in, act="relu6"), x, x))
        works.append(layer_work(Add(), [y, y], y))
        works.append(layer_work(Pool(), y, Shape(c_out, 1, 1)))
    for c_in, c_out in ((576, 1024), (1280, 1000)):
        works.append(layer_work(Linear(c_in, c_out), Shape(c_in, 1, 1), Shape(c_out, 1, 1)))
    return works


def test_fit_recovers_per_kind_kernels_and_a_weight_bandwidth():
    works = _eager_layers()
    samples = [([w], total_seconds(TRUE_EAGER, [w])) for w in works]
    profile, report = fit_profile(
        samples,
        name="fit",
        description="d",
        source="s",
        dtype="float32",
        kernel_groups={"depthwise": "depthwise", "add": "elementwise", "pool": "elementwise"},
        weight_bandwidth=True,
        leave_one_out=False,
    )
    assert report.parameters == (
        "dense",
        "bandwidth",
        "depthwise bandwidth",
        "kernel",
        "depthwise kernel",
        "elementwise kernel",
        "weight bandwidth",
    )
    assert profile.rates_gmacs["pointwise"] == pytest.approx(3.0, rel=1e-3)
    assert profile.bandwidth_gbs == pytest.approx(8.0, rel=1e-3)
    assert profile.bandwidth_by_kind_gbs["depthwise"] == pytest.approx(0.25, rel=1e-3)
    assert profile.kernel_us == pytest.approx(25.0, rel=1e-3)
    assert profile.kernel_us_by_kind == {
        "depthwise": pytest.approx(150.0, rel=1e-3),
        "add": pytest.approx(5.0, rel=1e-3),
        "pool": pytest.approx(5.0, rel=1e-3),
    }
    assert profile.weight_bandwidth_gbs == pytest.approx(2.0, rel=1e-3)
    assert report.max_error < 1e-3


def test_fit_without_the_new_terms_fits_none_of_them():
    samples = [([w], total_seconds(TRUE, [w])) for w in _layers()]
    profile, _ = fit_profile(samples, name="fit", description="d", source="s", dtype="float32")
    assert profile.kernel_us_by_kind == {} and profile.weight_bandwidth_gbs is None
    assert "kernel_us_by_kind" not in dump_profile(profile)
    assert "weight_bandwidth_gbs" not in dump_profile(profile)


def test_fit_needs_more_samples_than_parameters():
    with pytest.raises(mbcost.MbcostError, match="1 measurements cannot fit 3 parameters"):
        fit_profile(
            [([_layers()[0]], 1e-3)], name="x", description="d", source="s", dtype="float32"
        )


def test_fit_reports_progress_after_each_leave_one_out_fit():
    samples = [([w], total_seconds(TRUE, [w])) for w in _layers()]
    calls = []
    fit_profile(samples, name="x", description="d", source="s", dtype="float32",
                progress=lambda done, total: calls.append((done, total)))  # fmt: skip
    assert calls == [(i + 1, len(samples)) for i in range(len(samples))]
    calls.clear()
    fit_profile(samples, name="x", description="d", source="s", dtype="float32",
                leave_one_out=False, progress=lambda done, total: calls.append(done))  # fmt: skip
    assert calls == []


def test_fitted_profile_round_trips_through_yaml(tmp_path):
    samples = [([w], total_seconds(TRUE, [w])) for w in _layers()]
    profile, _ = fit_profile(samples, name="fit", description="d", source="s", dtype="float32")
    path = tmp_path / "fit.yaml"
    path.write_text(dump_profile(profile, ["made by a test"]))
    assert load_profile(str(path)) == profile._replace(origin=str(path))


def test_every_profile_field_is_written_and_read_back(tmp_path):
    """A profile with every optional field set: the file and the JSON document name every field
    of ``FIELDS`` once, in that order, and the file reads back equal."""
    from mbcost.latency.profile import FIELDS
    from mbcost.render.latency import profile_doc

    full = HAND._replace(
        bandwidth_by_kind_gbs={"depthwise": 2.0},
        kernel_us_by_kind={"add": 3.0},
        weight_bandwidth_gbs=5.0,
        working_set=WorkingSet(8.0, 4.0, 80.0, math.inf),
        fit={"samples": 3},
    )
    text = dump_profile(full)
    keys = [line.split(":")[0] for line in text.splitlines() if line and line[0] != " "]
    assert tuple(keys) == FIELDS
    assert tuple(profile_doc(full)) == FIELDS
    path = tmp_path / "full.yaml"
    path.write_text(text)
    assert load_profile(str(path)) == full._replace(origin=str(path))


def test_a_kinds_own_memory_ceiling(tmp_path):
    # the depthwise conv of test_depthwise_conv_is_memory_bound_plus_its_hswish at 2 GB/s instead
    # of 4: 1,607,936 B / 2e9 = 803.968 µs
    layer = Conv2d(64, 64, 3, groups=64, act="hswish")
    work = layer_work(layer, Shape(64, 56, 56), Shape(64, 56, 56))
    slow = HAND._replace(bandwidth_by_kind_gbs={"depthwise": 2.0})
    assert predict(slow, work) == (pytest.approx((803.968 + 10 + 200.704) * 1e-6), "memory")
    path = tmp_path / "slow.yaml"
    path.write_text(dump_profile(slow))
    assert load_profile(str(path)) == slow._replace(origin=str(path))


def test_per_kind_kernels_and_weight_bandwidth_round_trip(tmp_path):
    path = tmp_path / "eager.yaml"
    path.write_text(dump_profile(TRUE_EAGER))
    assert load_profile(str(path)) == TRUE_EAGER._replace(origin=str(path))


def test_infinite_bandwidth_round_trips(tmp_path):
    path = tmp_path / "inf.yaml"
    path.write_text(dump_profile(HAND._replace(bandwidth_gbs=math.inf)))
    assert load_profile(str(path)).bandwidth_gbs == math.inf


# --- profile files ------------------------------------------------------------------------------


def _ws(cache: object = 8, **change: object) -> dict:
    """A profile's ``working_set`` field, with ``change`` (``cache`` None: no ``cache_mb``)."""
    fields = {"kernel_us": 4, "weight_bandwidth_gbs": 2, "activation_bandwidth_gbs": 8}
    if cache is not None:
        fields["cache_mb"] = cache
    return fields | change


def _fields() -> dict:
    return {
        "name": "dev",
        "description": "a device",
        "source": "a test",
        "dtype": "float32",
        "rates_gmacs": {"pointwise": 1.0},
        "bandwidth_gbs": 1.0,
        "kernel_us": 0,
        "element_ns": {"relu": 0},
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "dev.yaml: name must be a non-empty string"),
        ({"description": 3}, "dev.yaml: description must be a non-empty string"),
        ({"source": "a\nb"}, "dev.yaml: source must be one line"),
        ({"dtype": "float64"}, "dev.yaml: dtype must be one of float32"),
        (
            {"rates_gmacs": {"pointwise": -1}},
            "dev.yaml: rates_gmacs.pointwise must be a positive number",
        ),
        (
            {"rates_gmacs": {"pointwise": 0}},
            "dev.yaml: rates_gmacs.pointwise must be a positive number",
        ),
        ({"rates_gmacs": {}}, "dev.yaml: rates_gmacs must be a non-empty mapping"),
        ({"rates_gmacs": [1]}, "dev.yaml: rates_gmacs must be a non-empty mapping"),
        ({"bandwidth_gbs": "fast"}, "dev.yaml: bandwidth_gbs must be a positive number"),
        ({"bandwidth_gbs": True}, "dev.yaml: bandwidth_gbs must be a positive number"),
        ({"kernel_us": -1}, "dev.yaml: kernel_us must be a number >= 0"),
        ({"kernel_us": float("inf")}, "dev.yaml: kernel_us must be a number >= 0"),
        (
            {"element_ns": {"hswish": float("nan")}},
            "dev.yaml: element_ns.hswish must be a number >= 0",
        ),
        ({"fit": [1]}, "dev.yaml: fit must be a mapping"),
        (
            {"bandwidth_gbs_by_kind": {"depthwise": 0}},
            "dev.yaml: bandwidth_gbs_by_kind.depthwise must be a positive",
        ),
        (
            {"kernel_us_by_kind": {"depthwise": -1}},
            "dev.yaml: kernel_us_by_kind.depthwise must be a number >= 0",
        ),
        ({"kernel_us_by_kind": {}}, "dev.yaml: kernel_us_by_kind must be a non-empty mapping"),
        (
            {"weight_bandwidth_gbs": 0},
            "dev.yaml: weight_bandwidth_gbs must be a positive number",
        ),
        (
            {"weight_bandwidth_gbs": "cold"},
            "dev.yaml: weight_bandwidth_gbs must be a positive number",
        ),
        ({"rate": 1}, "dev.yaml: unknown field 'rate'"),
        ({"working_set": 8}, "dev.yaml: working_set must be a mapping of cache_mb, kernel_us"),
        ({"working_set": _ws(cache=None)}, "dev.yaml: working_set: missing field 'cache_mb'"),
        ({"working_set": _ws(cache_gb=1)}, "dev.yaml: working_set: unknown field 'cache_gb'"),
        (
            {"working_set": _ws(cache=float("inf"))},
            "dev.yaml: working_set.cache_mb must be a finite number > 0",
        ),
        ({"working_set": _ws(cache=0)}, "dev.yaml: working_set.cache_mb must be a positive"),
        ({"working_set": _ws(kernel_us=-1)}, "dev.yaml: working_set.kernel_us must be a number"),
        (
            {"working_set": _ws(weight_bandwidth_gbs=0)},
            "dev.yaml: working_set.weight_bandwidth_gbs must be a positive number",
        ),
        (
            {"working_set": _ws(activation_bandwidth_gbs="slow")},
            "dev.yaml: working_set.activation_bandwidth_gbs must be a positive number",
        ),
    ],
)
def test_bad_profile_field_names_file_and_field(tmp_path, change, message):
    import yaml

    path = tmp_path / "dev.yaml"
    path.write_text(yaml.safe_dump(_fields() | change))
    with pytest.raises(DeviceError) as info:
        get_device(str(path))
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "field", ["name", "dtype", "rates_gmacs", "bandwidth_gbs", "kernel_us", "element_ns"]
)
def test_missing_profile_field_is_named(field):
    data = _fields()
    del data[field]
    with pytest.raises(DeviceError, match=f"p.yaml: missing field '{field}'"):
        parse_profile(data, "p.yaml")


def test_unreadable_and_malformed_profile_files(tmp_path):
    with pytest.raises(DeviceError, match="cannot read the profile"):
        get_device(str(tmp_path / "absent.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(DeviceError, match=r"bad\.yaml:"):
        get_device(str(bad))
    with pytest.raises(DeviceError, match="unknown device 'pixel'"):
        get_device("pixel")


# --- the built-in pixel1 profile ----------------------------------------------------------------


def test_pixel1_data_matches_the_published_grid_transcribed_in_accuracy():
    # two transcriptions of the TF-slim README's "Mobile CPU (ms) Pixel 1" column must agree
    with open(DEVICES / "pixel1-mobilenet-v2.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    published = {(a.alpha, a.resolution): a.pixel1_ms for a in ACCURACY["v2"] if a.pixel1_ms}
    assert len(rows) == len(published) == 22
    for row in rows:
        assert published[(float(row["alpha"]), int(row["resolution"]))] == float(row["ms"])
        assert "research/slim/nets/mobilenet/README.md" in row["source"]


def test_shipped_pixel1_is_what_calibrate_writes_now():
    # the profile is generated, never edited: refitting its data gives the same numbers
    shipped = get_device("pixel1")
    samples, labels = measurement_samples(
        read_measurements(str(DEVICES / "pixel1-mobilenet-v2.csv"))
    )
    fitted, report = fit_profile(
        samples,
        name="pixel1",
        description=shipped.description,
        source=shipped.source,
        dtype="float32",
        labels=labels,
    )
    assert fitted == shipped._replace(origin="")
    assert report.loo_median_error < 0.06 and report.loo_max_error < 0.25
    smallest = next(s for s in report.samples if s.label == "v2-0.35-96")
    assert abs(smallest.loo_error) < 0.15  # a line through MACs alone is off by +54% here


@pytest.mark.parametrize(
    ("arch", "alpha"),
    [("v3-large", 1.0), ("v3-large", 0.75), ("v3-small", 1.0), ("v3-small", 0.75)],
    ids=["v3-large-1.0", "v3-large-0.75", "v3-small-1.0", "v3-small-0.75"],
)
def test_pixel1_carries_over_to_mobilenet_v3(arch, alpha):
    # TF-slim's Pixel 1 float figures for V3 (archs/accuracy.py) are not in the calibration data:
    # another family, with 5x5 depthwise convs, h-swish and SE blocks
    (figure,) = [
        a.pixel1_ms
        for a in ACCURACY[arch]
        if a.alpha == alpha and a.source == "slim-v3" and a.precision == "float" and a.pixel1_ms
    ]
    works = report_work(mbcost.analyze(arch, alpha=alpha))
    predicted_ms = 1e3 * total_seconds(get_device("pixel1"), works)
    assert predicted_ms == pytest.approx(figure, rel=0.10)


def test_pixel1_carries_over_to_the_mnasnet_a1_grid():
    # the tensorflow/tpu README's 24 Pixel 1 latencies of MnasNet-A1 (archs/accuracy.py): another
    # family (SE, 5x5 depthwise convs, 3x3 and 5x5 inverted residuals), measured by other authors
    errors = []
    for a in ACCURACY["mnasnet-a1"]:
        works = report_work(mbcost.analyze("mnasnet-a1", alpha=a.alpha, resolution=a.resolution))
        predicted_ms = 1e3 * total_seconds(get_device("pixel1"), works)
        errors.append(abs(predicted_ms - a.pixel1_ms) / a.pixel1_ms)
    assert len(errors) == 24
    assert sorted(errors)[len(errors) // 2] < 0.08  # 6.2 % when written
    assert max(errors) < 0.30  # 0.75-96: 17 ms published, between 1.0-96's 18 and 0.5-96's 7.4
