"""Property: on any small valid layer table, the engine and fvcore agree exactly — every conv/linear
layer, fvcore's total() and sum(numel) — on the torch model generated from the table."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("fvcore")

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mbcost.errors import MbcostError
from mbcost.network import build_network
from mbcost.roles import Role
from mbcost.spec import ACTIVATIONS, parse_table
from mbcost.verify.run import verify

pytestmark = pytest.mark.verify

channels = st.integers(1, 24)
kernels = st.integers(1, 5)
strides = st.integers(1, 2)
acts = st.sampled_from(ACTIVATIONS)
norms = st.sampled_from(("bn", "none"))


def _fields(**required) -> st.SearchStrategy[dict]:
    """A block's required fields plus a random subset of its optional ones."""
    return st.fixed_dictionaries(
        {k: v for k, v in required.items() if not k.startswith("opt_")},
        optional={k.removeprefix("opt_"): v for k, v in required.items() if k.startswith("opt_")},
    )


conv = _fields(
    out=channels,
    k=kernels,
    opt_s=strides,
    opt_groups=st.sampled_from((1, 2)),
    opt_bias=st.booleans(),
    opt_norm=norms,
    opt_act=acts,
    opt_n=st.integers(1, 2),
    opt_role=st.sampled_from([r.value for r in Role]),  # a label: must never change the graph
)
dw = _fields(
    opt_k=kernels,
    opt_s=strides,
    opt_mult=st.integers(1, 2),
    opt_bias=st.booleans(),
    opt_norm=norms,
    opt_act=acts,
)
pw = _fields(out=channels, opt_bias=st.booleans(), opt_norm=norms, opt_act=acts)
ds = _fields(
    out=channels,
    opt_k=st.sampled_from((3, 5)),
    opt_s=strides,
    opt_norm=norms,
    opt_act=acts,
    opt_n=st.integers(1, 2),
)
ir = st.one_of(
    _fields(
        t=st.sampled_from((1, 2, 2.5, 4, 6)),
        out=channels,
        opt_k=st.sampled_from((3, 5)),
        opt_s=strides,
        opt_se=st.sampled_from((0, 0.25, 0.5)),
        opt_act=acts,
        opt_norm=norms,
        opt_n=st.integers(1, 3),
    ),
    _fields(
        t=st.sampled_from((1, 4)),
        out=channels,
        se=st.sampled_from((0.25, 0.5)),
        opt_se_base=st.sampled_from(("expanded", "input")),
        opt_se_round=st.sampled_from(("int", "divisible8")),
        opt_se_act=acts,
        opt_se_gate=acts,
        opt_s=strides,
    ),
    _fields(
        exp=st.integers(4, 48),
        out=channels,
        opt_k=st.sampled_from((3, 5)),
        opt_s=strides,
        opt_se=st.sampled_from((0, 0.25)),
        opt_act=acts,
    ),
)
window = _fields(
    k=st.integers(1, 3), opt_s=st.integers(1, 2), opt_op=st.sampled_from(("avg", "max"))
)
body_block = st.one_of(
    conv.map(lambda f: {"conv": f}),
    dw.map(lambda f: {"dw": f}),
    pw.map(lambda f: {"pw": f}),
    ds.map(lambda f: {"ds": f}),
    ir.map(lambda f: {"ir": f}),
    window.map(lambda f: {"pool": f}),
)
repeat = st.builds(
    lambda n, blocks: {"repeat": {"n": n, "blocks": blocks}},
    st.integers(1, 2),
    st.lists(ir.map(lambda f: {"ir": f}), min_size=1, max_size=2),
)
head = st.one_of(
    st.just([]),
    st.builds(
        lambda pool, fc: [*pool, {"linear": fc}],
        st.sampled_from(([], [{"pool": {"global": "avg"}}], [{"pool": {"global": "max"}}])),
        _fields(out=st.integers(1, 16), opt_bias=st.booleans(), opt_act=acts),
    ),
)
tables = st.builds(
    lambda stem, body, tail, resolution, in_channels, rounding, defaults: {
        "name": "random",
        "resolution": resolution,
        "in_channels": in_channels,
        "rounding": rounding,
        "defaults": defaults,
        "blocks": [{"conv": stem}, *body, *tail],
    },
    _fields(out=channels, k=kernels, opt_s=strides),
    st.lists(st.one_of(body_block, repeat), min_size=0, max_size=5),
    head,
    st.integers(8, 64),
    st.integers(1, 4),
    st.sampled_from(("int", "divisible8")),
    _fields(opt_act=acts, opt_norm=norms, opt_bias=st.booleans()),
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(data=tables, alpha=st.sampled_from((0.5, 0.75, 1.0, 1.3)))
def test_engine_equals_fvcore_on_random_tables(data, alpha):
    table = parse_table(data)
    try:
        build_network(table, alpha)
    except MbcostError:  # a feature map collapses, or groups do not divide the scaled widths
        assume(False)
    v = verify(table, alpha, against="table")
    assert all(c.match for c in v.layers), [
        (c.row and c.row.name, c.module and c.module.name, c.problems)
        for c in v.layers
        if not c.match
    ]
    assert all(t.status == "match" for t in v.terms), [t for t in v.terms if t.diff]
