"""The expanded network as an explicit graph: nodes name their inputs, structural nodes cost nothing,
roles never decide topology, every quantity is decided for every layer type, and the totals-only path
(two cached passes, a dot product) equals the sum of the rows."""

from __future__ import annotations

from typing import NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mbcost
from mbcost.blocks import BLOCKS
from mbcost.conventions import CONVENTIONS, Convention
from mbcost.errors import MbcostError, ShapeError, SpecError
from mbcost.layers import LAYER_TYPES, Add, Conv2d, Mul, Pool
from mbcost.quantities import QUANTITIES, MissingHandleError, layer_costs
from mbcost.report import evaluate
from mbcost.roles import Role


def _table(*blocks, **top):
    return mbcost.parse_table({"name": "t", "resolution": 32, "blocks": list(blocks), **top})


def _rows(report):
    return {r.name: r for r in report.rows}


def test_v2_residual_is_an_add_reading_the_unit_input_and_the_projection():
    rows = _rows(mbcost.analyze("v2"))
    add = rows["2.1.add"]
    assert isinstance(add.layer, Add)
    assert add.inputs == (rows["2.0.project"].index, rows["2.1.project"].index)
    assert add.in_shape == add.out_shape == rows["2.1.project"].out_shape
    # the next unit reads the sum, not the projection
    assert rows["3.0.expand"].inputs == (add.index,)
    assert (add.macs, add.params) == (0, 0)


def test_v3_se_branch_edges_pool_reduce_expand_then_scale():
    rows = _rows(mbcost.analyze("v3-large"))
    dw, pool, reduce, expand, scale, project = (
        rows[f"4.{n}"] for n in ("dw", "se.pool", "se.reduce", "se.expand", "se.scale", "project")
    )
    assert pool.inputs == (dw.index,)
    assert reduce.inputs == (pool.index,) and expand.inputs == (reduce.index,)
    assert isinstance(scale.layer, Mul) and scale.inputs == (dw.index, expand.index)
    assert project.inputs == (scale.index,)
    assert scale.out_shape == dw.out_shape and expand.out_shape.h == 1
    assert (scale.macs, scale.params) == (0, 0)


def test_first_node_reads_the_network_input_and_every_edge_points_backwards():
    for arch in mbcost.list_archs():
        rows = mbcost.analyze(arch.name).rows
        assert rows[0].inputs == (-1,)
        assert all(all(-1 <= j < r.index for j in r.inputs) for r in rows)
        assert all(r.index == i for i, r in enumerate(rows))


def test_role_in_a_table_is_only_a_label():
    plain = _table({"conv": {"k": 3, "out": 16}}, {"conv": {"k": 1, "out": 64}})
    for role in Role:
        labelled = _table(
            {"conv": {"k": 3, "out": 16}}, {"conv": {"k": 1, "out": 64, "role": role.value}}
        )
        a, b = mbcost.analyze(plain), mbcost.analyze(labelled)
        assert b.totals == a.totals
        assert [(r.inputs, r.in_shape, r.out_shape) for r in b.rows] == [
            (r.inputs, r.in_shape, r.out_shape) for r in a.rows
        ]
        assert b.rows[1].role is role


def test_se_fields_set_squeeze_base_rounding_and_activations():
    def squeeze(**se):
        table = _table(
            {"conv": {"k": 3, "out": 16}},
            {"ir": {"t": 6, "out": 24, "se": 0.25, **se}},
        )
        rows = _rows(mbcost.analyze(table))
        return rows["1.se.reduce"].layer, rows["1.se.expand"].layer

    reduce, expand = squeeze()
    assert reduce.out_c == 24  # make_divisible(0.25 · 96, 8)
    assert (reduce.act, expand.act) == ("relu", "hsigmoid")
    reduce, _ = squeeze(se_base="input")
    assert reduce.out_c == 8  # make_divisible(0.25 · 16, 8)
    reduce, _ = squeeze(se_base="input", se_round="int", se_act="swish", se_gate="sigmoid")
    assert reduce.out_c == 8  # max(8, int(4))
    reduce, expand = squeeze(se_act="swish", se_gate="sigmoid")
    assert (reduce.act, expand.act) == ("swish", "sigmoid")


def test_se_fields_without_se_are_an_error():
    with pytest.raises(SpecError, match=r"block 1 \(ir\): se_gate set, but the block has no SE"):
        _table({"conv": {"k": 3, "out": 16}}, {"ir": {"t": 6, "out": 24, "se_gate": "sigmoid"}})


def test_table_defaults_carry_se_fields():
    table = _table(
        {"conv": {"k": 3, "out": 16}},
        {"ir": {"t": 6, "out": 24, "se": 0.25}},
        defaults={"se_gate": "sigmoid", "se_act": "swish"},
    )
    rows = _rows(mbcost.analyze(table))
    assert (rows["1.se.reduce"].layer.act, rows["1.se.expand"].layer.act) == ("swish", "sigmoid")


def test_residual_over_an_even_kernel_names_the_add_whose_maps_disagree():
    table = _table(
        {"conv": {"k": 3, "out": 16}}, {"ir": {"t": 6, "out": 16, "k": 2, "residual": True}}
    )
    with pytest.raises(ShapeError, match=r"layer 1\.add: adds 32x32 and 33x33 feature maps"):
        mbcost.analyze(table)


def test_every_layer_type_is_decided_by_every_quantity():
    for quantity in QUANTITIES.values():
        assert set(quantity.handles) == set(LAYER_TYPES), quantity.name


def test_every_convention_decides_every_term_of_every_quantity():
    for convention in CONVENTIONS.values():
        for name, quantity in QUANTITIES.items():
            assert set(convention.decisions[name]) == set(quantity.terms)


def test_an_undecided_term_or_layer_type_is_an_error_not_a_zero():
    half = Convention("half", {"macs": {"conv": True}}, "decides one term")
    with pytest.raises(MbcostError, match="does not decide macs term"):
        half.counted("macs")

    class Unknown(NamedTuple):
        pass

    with pytest.raises(MissingHandleError, match="no macs handle for layer type Unknown"):
        layer_costs(Unknown(), 8)


def test_structural_nodes_cost_nothing_under_every_quantity():
    for layer in (Add(), Mul()):
        assert all(terms == () for terms in layer_costs(layer, 32))


def test_every_block_kind_is_one_registry_entry():
    assert set(BLOCKS) == {
        *("conv", "dw", "pw", "ds", "ir", "uib", "fused", "mqa", "pool", "linear", "repeat")
    }
    for kind, entry in BLOCKS.items():
        assert (entry.expand is None) == (kind == "repeat")
        assert entry.fields


def test_human_table_hides_zero_cost_structural_nodes_json_keeps_them(run):
    import json

    _, text, _ = run("table", "v2")
    assert ".add" not in text
    _, doc, _ = run("table", "v2", "--format", "json")
    rows = json.loads(doc)["rows"]
    adds = [r for r in rows if r["layer"]["kind"] == "add"]
    assert len(adds) == 10 and all(len(r["inputs"]) == 2 for r in adds)


CONFIGS = st.tuples(
    st.sampled_from([(a.name, impl) for a in mbcost.list_archs() for impl in a.table.impls]),
    st.floats(0.1, 2.0, allow_nan=False),
    st.integers(8, 400),
    st.sampled_from(tuple(CONVENTIONS)),
)


@settings(max_examples=150, deadline=None)
@given(CONFIGS)
def test_totals_path_equals_the_sum_of_the_rows(config):
    (arch, impl), alpha, res, convention = config
    table = mbcost.get_arch(arch).table
    report = mbcost.analyze(table, alpha, res, impl=impl, convention=convention)
    by_rows = tuple(sum(r.value(q) for r in report.rows) for q in QUANTITIES)
    assert evaluate(table, alpha, res, impl, convention) == report.totals == by_rows


def test_totals_are_the_hand_formula_on_a_tiny_network():
    # conv 3x3 s2 3->8 on 16x16 (8x8 out), ir t=2 8->8 with residual, pool, linear 8->10
    table = _table(
        {"conv": {"k": 3, "s": 2, "out": 8}},
        {"ir": {"t": 2, "out": 8}},
        {"pool": {"global": "avg"}},
        {"linear": {"out": 10}},
        resolution=16,
    )
    stem = 3 * 3 * 3 * 8 * 8 * 8
    expand, dw, project = 8 * 16 * 64, 3 * 3 * 16 * 64, 16 * 8 * 64
    fc = 8 * 10
    assert mbcost.analyze(table).totals.macs == stem + expand + dw + project + fc
    fvcore = mbcost.analyze(table, convention="fvcore").totals.macs
    bn = 2 * (8 * 64 + 16 * 64 + 16 * 64 + 8 * 64)
    assert fvcore == stem + expand + dw + project + fc + bn + 8 * 64  # + pooled elements
    params = 3 * 3 * 3 * 8 + 8 * 16 + 3 * 3 * 16 + 16 * 8 + 8 * 10 + 10
    assert mbcost.analyze(table).totals.params == params


def test_pool_rows_are_not_convs():
    rows = mbcost.analyze("v1").rows
    assert isinstance(rows[-2].layer, Pool) and isinstance(rows[0].layer, Conv2d)
