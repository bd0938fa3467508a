"""``compare``: the V1 paper's Table 3 chain, exact, and the other kinds against their formulas."""

from __future__ import annotations

from fractions import Fraction

import pytest

from mbcost.compare import LayerShape, compare_layer
from mbcost.errors import MbcostError, UnknownNameError


def _kind(comparison, name):
    return next(k for k in comparison.kinds if k.name == name)


def test_table3_standard_then_separable_exact():
    c = compare_layer(["standard", "depthwise"])
    assert (_kind(c, "standard").macs, _kind(c, "standard").params) == (462_422_016, 2_359_296)
    assert (_kind(c, "depthwise").macs, _kind(c, "depthwise").params) == (52_283_392, 266_752)


def test_table3_width_then_resolution_multiplier_exact():
    alpha = _kind(compare_layer(["depthwise"], LayerShape(alpha=0.75)), "depthwise")
    assert (alpha.macs, alpha.params) == (29_578_752, 150_912)
    both = _kind(compare_layer(["depthwise"], LayerShape(alpha=0.75, rho=0.714)), "depthwise")
    assert (both.macs, both.params) == (15_091_200, 150_912)


def test_separable_identity_is_reported_exactly():
    measured, formula = compare_layer(["standard", "depthwise"]).separable_identity
    assert measured == formula == Fraction(1, 512) + Fraction(1, 9)


def test_grouped_pointwise_and_inverted_formulas():
    shape = LayerShape(k=3, m=32, n=64, df=112, groups=4, expansion=6)
    c = compare_layer(["standard", "grouped", "pointwise", "inverted"], shape)
    assert _kind(c, "grouped").macs == 3 * 3 * (32 // 4) * 64 * 112 * 112
    assert _kind(c, "pointwise").macs == 32 * 64 * 112 * 112
    hidden = 32 * 6
    assert _kind(c, "inverted").macs == (32 * hidden + 9 * hidden + hidden * 64) * 112 * 112
    assert c.ratio(_kind(c, "grouped")) == Fraction(1, 4)


def test_inverted_with_expansion_one_has_no_expand_conv():
    c = compare_layer(["inverted"], LayerShape(m=16, n=16, df=56, expansion=1))
    assert [p.name for p in c.kinds[0].parts] == ["depthwise", "project"]


def test_stride_shrinks_the_output_map():
    c = compare_layer(["depthwise"], LayerShape(m=32, n=64, df=112, stride=2))
    dw, pw = c.kinds[0].parts
    assert dw.out_shape.h == 56 and pw.macs == 32 * 64 * 56 * 56


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"groups": 3}, "groups must divide"),
        ({"m": 0}, "m must be a positive integer"),
        ({"alpha": -1.0}, "alpha must be a positive number"),
        ({"rho": 0.01}, "leaves no feature map"),
    ],
)
def test_bad_shapes_are_errors(kwargs, message):
    with pytest.raises(MbcostError, match=message):
        compare_layer(["grouped"], LayerShape(**kwargs))


def test_unknown_kind_suggests_the_closest():
    with pytest.raises(UnknownNameError, match="did you mean 'depthwise'"):
        compare_layer(["depthwis"])
