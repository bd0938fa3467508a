"""Channel rounding rules, checked against values worked out by hand from TF/torchvision's rule."""

from __future__ import annotations

import pytest

from mbcost.rounding import make_divisible, scaled_width, truncate


@pytest.mark.parametrize(
    "value,expected",
    [
        (12, 16),
        (18, 24),
        (17.7, 16),
        (5.6, 8),
        (14, 16),
        (11.2, 16),
        (1792, 1792),
        (336, 336),
        (201.6, 200),
    ],
)
def test_make_divisible_rounds_to_nearest_eight_not_below_90_percent(value, expected):
    assert make_divisible(value) == expected
    assert make_divisible(value) % 8 == 0
    assert make_divisible(value) >= 0.9 * value


def test_int_rule_truncates_with_min_depth_8():
    assert truncate(512 * 0.75) == 384
    assert truncate(64 * 0.35) == 22
    assert truncate(32 * 0.1) == 8


def test_width_policies():
    assert scaled_width(1280, 0.5, "divisible8", "grow") == 1280
    assert scaled_width(1280, 1.4, "divisible8", "grow") == 1792
    assert scaled_width(1280, 0.75, "divisible8", "fixed") == 1280
    assert scaled_width(16, 0.5, "divisible8", "fixed_below_0.75") == 16
    assert scaled_width(16, 0.75, "divisible8", "fixed_below_0.75") == 16
    assert scaled_width(960, 0.35, "divisible8", "ratio", in_width=160, in_scaled=56) == 336
    assert scaled_width(184, 0.75, "divisible8", "ratio", in_width=80, in_scaled=64) == 144


def test_alpha_one_takes_the_table_literally():
    assert scaled_width(3, 1.0, "divisible8") == 3
    assert scaled_width(20, 1.0, "int") == 20
