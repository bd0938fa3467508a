"""Each layer kind against its formula from Howard et al. 2017, Section 3.1, written out in the test."""

from __future__ import annotations

import pytest

from mbcost.errors import ShapeError
from mbcost.layers import Conv2d, Linear, Pool, Shape, conv_out_size
from mbcost.quantities import terms


@pytest.mark.parametrize("d_k,m,n,d_f", [(3, 512, 512, 14), (1, 32, 64, 112), (5, 40, 80, 7)])
def test_standard_conv_matches_formula(d_k, m, n, d_f):
    conv = Conv2d(m, n, d_k)
    y = conv.out_shape(Shape(m, d_f, d_f))
    assert y == Shape(n, d_f, d_f)
    assert conv.macs(y) == d_k * d_k * m * n * d_f * d_f
    assert terms("params", conv, Shape(m, d_f, d_f), y)["weight"] == d_k * d_k * m * n


@pytest.mark.parametrize("d_k,m,d_f", [(3, 512, 14), (5, 72, 28), (3, 32, 112)])
def test_depthwise_conv_matches_formula(d_k, m, d_f):
    conv = Conv2d(m, m, d_k, groups=m)
    assert conv.kind == "depthwise"
    y = conv.out_shape(Shape(m, d_f, d_f))
    assert conv.macs(y) == d_k * d_k * m * d_f * d_f
    assert conv.weights() == d_k * d_k * m


def test_depthwise_channel_multiplier_multiplies_cost():
    conv = Conv2d(16, 32, 3, groups=16)
    y = conv.out_shape(Shape(16, 10, 10))
    assert conv.macs(y) == 3 * 3 * 16 * 2 * 10 * 10


@pytest.mark.parametrize("m,n,d_f", [(512, 512, 14), (32, 64, 112)])
def test_pointwise_conv_matches_formula(m, n, d_f):
    conv = Conv2d(m, n, 1)
    assert conv.kind == "pointwise"
    assert conv.macs(conv.out_shape(Shape(m, d_f, d_f))) == m * n * d_f * d_f


@pytest.mark.parametrize("g", [1, 2, 4, 8, 32])
def test_grouped_conv_matches_formula(g):
    conv = Conv2d(32, 64, 3, groups=g)
    y = conv.out_shape(Shape(32, 56, 56))
    assert conv.macs(y) == 3 * 3 * (32 // g) * 64 * 56 * 56


def test_linear_is_in_times_out_and_bias_is_a_param_term():
    fc = Linear(1024, 1000, bias=True)
    x, y = Shape(1024, 1, 1), Shape(1000, 1, 1)
    assert terms("macs", fc, x, y) == {"linear": 1024 * 1000}
    assert terms("params", fc, x, y) == {"weight": 1024 * 1000, "bias": 1000}


def test_linear_flattens_a_spatial_input():
    fc = Linear(64, 10)
    x, y = Shape(64, 4, 4), Shape(10, 1, 1)
    assert terms("macs", fc, x, y) == {"linear": 64 * 4 * 4 * 10}
    assert terms("params", fc, x, y) == {"weight": 64 * 4 * 4 * 10, "bias": 10}


@pytest.mark.parametrize(
    "size,k,s,expected",
    [(224, 3, 2, 112), (7, 3, 1, 7), (15, 3, 2, 8), (150, 5, 2, 75), (1, 3, 2, 1), (9, 1, 2, 5)],
)
def test_conv_output_size_is_floor_formula(size, k, s, expected):
    assert conv_out_size(size, k, s) == expected
    assert conv_out_size(size, k, s) == (size + 2 * (k // 2) - k) // s + 1


def test_batchnorm_and_bias_are_separate_terms():
    conv = Conv2d(8, 16, 3, bias=True, norm=True)
    y = conv.out_shape(Shape(8, 4, 4))
    x = Shape(8, 4, 4)
    assert terms("macs", conv, x, y) == {"conv": 9 * 8 * 16 * 16, "bn": 2 * 16 * 16}
    assert terms("params", conv, x, y) == {"weight": 9 * 8 * 16, "bias": 16, "bn": 32}


def test_global_avg_pool_counts_its_input_in_the_pool_term():
    x = Shape(960, 7, 7)
    pool = Pool("avg")
    assert pool.out_shape(x) == Shape(960, 1, 1)
    assert terms("macs", pool, x, pool.out_shape(x)) == {"pool": 960 * 49}
    assert terms("macs", Pool("max"), x, Shape(960, 1, 1)) == {}


def test_pool_window_larger_than_input_is_a_shape_error():
    with pytest.raises(ShapeError, match="larger than"):
        Pool("avg", 7, 7).out_shape(Shape(8, 5, 5))
