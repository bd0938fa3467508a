"""Invariants over random inputs (hypothesis)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

import mbcost
from mbcost.compare import LayerShape, compare_layer

ARCH_IMPL = st.sampled_from([(a.name, impl) for a in mbcost.list_archs() for impl in a.table.impls])
ALPHA = st.floats(min_value=0.1, max_value=2.0, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(ARCH_IMPL, ALPHA, ALPHA, st.integers(min_value=32, max_value=320))
def test_macs_and_params_are_monotone_in_alpha(arch_impl, a, b, res):
    arch, impl = arch_impl
    lo, hi = sorted((a, b))
    small = mbcost.analyze(arch, lo, res, impl=impl).totals
    large = mbcost.analyze(arch, hi, res, impl=impl).totals
    assert small.macs <= large.macs and small.params <= large.params


@settings(max_examples=150, deadline=None)
@given(ARCH_IMPL, ALPHA, st.integers(min_value=1, max_value=400), st.integers(1, 400))
def test_macs_monotone_in_resolution_and_params_independent_of_it(arch_impl, alpha, r1, r2):
    arch, impl = arch_impl
    lo, hi = sorted((r1, r2))
    small = mbcost.analyze(arch, alpha, lo, impl=impl).totals
    large = mbcost.analyze(arch, alpha, hi, impl=impl).totals
    assert small.macs <= large.macs
    assert small.params == large.params


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 7),
    st.integers(1, 1024),
    st.integers(1, 1024),
    st.integers(1, 128),
    st.integers(1, 3),
)
def test_separable_over_standard_is_one_over_n_plus_one_over_dk_squared(k, m, n, df, stride):
    c = compare_layer(["standard", "depthwise"], LayerShape(k=k, m=m, n=n, df=df, stride=stride))
    measured, formula = c.separable_identity
    assert measured == formula == Fraction(1, n) + Fraction(1, k * k)


@settings(max_examples=50, deadline=None)
@given(
    ARCH_IMPL,
    ALPHA,
    st.integers(min_value=16, max_value=320),
    st.sampled_from(["paper", "fvcore", "torch"]),
)
def test_rows_and_roles_sum_to_totals(arch_impl, alpha, res, convention):
    arch, impl = arch_impl
    report = mbcost.analyze(arch, alpha, res, impl=impl, convention=convention)
    assert sum(r.macs for r in report.rows) == report.totals.macs
    roles = report.by_role().values()
    assert sum(t.macs for t in roles) == report.totals.macs
    assert sum(t.params for t in roles) == report.totals.params
    blocks = report.by_block().values()
    assert sum(t.params for t in blocks) == report.totals.params
