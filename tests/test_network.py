"""Network expansion: shapes, roles, errors at the layer that causes them."""

from __future__ import annotations

import pytest

import mbcost
from mbcost.errors import MbcostError, ShapeError, SpecError
from mbcost.roles import Role


def _table(*blocks, **top):
    return mbcost.parse_table({"name": "t", "resolution": 32, "blocks": list(blocks), **top})


def test_every_role_appears_in_some_builtin():
    seen = {r.role for a in mbcost.list_archs() for r in mbcost.analyze(a.name).rows}
    assert seen | {Role.CONV} == set(Role)


def test_conv_role_for_non_stem_convs_and_role_override():
    report = mbcost.analyze(
        _table(
            {"conv": {"k": 3, "out": 8}},
            {"conv": {"k": 3, "out": 8}},
            {"conv": {"k": 1, "out": 16, "role": "head"}},
        )
    )
    assert [r.role for r in report.rows] == [Role.STEM, Role.CONV, Role.HEAD]


def test_residual_only_when_stride_one_and_widths_match():
    network = mbcost.build_network(mbcost.get_arch("v2").table)
    residual = [u.name for u in network.units if u.residual]
    assert residual == ["2.1", "3.1", "3.2", "4.1", "4.2", "4.3", "5.1", "5.2", "6.1", "6.2"]


def test_pool_window_collapse_names_the_layer():
    table = _table({"conv": {"k": 3, "s": 2, "out": 8}}, {"pool": {"k": 7}})
    with pytest.raises(ShapeError, match=r"layer 1\.pool: pool window 7x7 is larger than its 2x2"):
        mbcost.analyze(table, resolution=4)


def test_groups_must_divide_channels():
    table = _table({"conv": {"k": 3, "out": 8}}, {"conv": {"k": 3, "out": 12, "groups": 3}})
    with pytest.raises(SpecError, match=r"block 1 \(conv\): 'groups' must divide"):
        mbcost.analyze(table)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"alpha": 0}, "alpha must be a positive number"),
        ({"alpha": float("nan")}, "alpha must be a positive number"),
        ({"resolution": 0}, "resolution must be a positive integer"),
        ({"resolution": 100, "rho": 0.5}, "either resolution or rho"),
        ({"rho": 0.001}, "need at least 1"),
        ({"impl": "torchvision"}, "has no 'torchvision' implementation"),
    ],
)
def test_bad_inputs_are_one_line_errors(kwargs, message):
    with pytest.raises(MbcostError, match=message) as info:
        mbcost.analyze("v1", **kwargs)
    assert "\n" not in str(info.value)


def test_rho_multiplies_the_native_resolution():
    assert mbcost.analyze("v2", rho=0.857).inputs.resolution == 192
    assert mbcost.analyze("v1", rho=0.714).inputs.resolution == 160


def test_unknown_arch_suggests_the_closest_name():
    with pytest.raises(MbcostError, match="did you mean 'v3-large'"):
        mbcost.analyze("v3-lrage")
