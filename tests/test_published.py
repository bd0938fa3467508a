"""The engine against the numbers printed in the MobileNet papers and the TF model README."""

from __future__ import annotations

import pytest

import mbcost
from mbcost.archs import v1
from mbcost.roles import Role

PUBLISHED = [
    pytest.param(arch.name, p, id=f"{arch.name}-{p.alpha:g}-{p.resolution}-{p.source.split()[0]}")
    for arch in mbcost.list_archs()
    for p in arch.published
]


@pytest.mark.parametrize("arch,published", PUBLISHED)
def test_published_figures_are_reproduced(arch, published):
    report = mbcost.analyze(
        arch,
        published.alpha,
        published.resolution,
        impl=published.impl,
        convention=published.convention,
    )
    agree = (
        published.agrees(published.macs, report.totals.macs),
        published.agrees(published.params, report.totals.params),
    )
    if published.reproduced:
        assert agree == (True, True), report.totals
    else:  # a known drift: documented, and flagged the day a table starts to reproduce it
        assert published.note and not all(agree), report.totals


def test_every_tolerance_is_explained_and_small():
    for arch in mbcost.list_archs():
        for p in arch.published:
            if p.tolerance:
                assert p.note and p.tolerance <= 0.02, p


def test_v1_exact_totals():
    report = mbcost.analyze("v1")
    # conv weights 3,185,088 + FC 1,024,000 (the paper's count has no FC bias)
    assert report.totals.params == 3_185_088 + 1_024_000
    assert report.totals.macs == 568_740_352


def test_v1_table2_shares_by_layer_type_recomputed():
    report = mbcost.analyze("v1")
    total = report.totals
    shares = {role.value: t for role, t in report.by_role().items()}
    for role, (macs_pct, params_pct) in v1.TABLE2_SHARES.items():
        assert round(100 * shares[role].macs / total.macs, 2) == macs_pct, role
        assert round(100 * shares[role].params / total.params, 2) == params_pct, role
    printed = v1.TABLE2_MISPRINTS["stem"]["printed_macs_percent"]
    assert round(100 * shares["stem"].macs / total.macs, 2) != printed


def test_v1_table1_last_depthwise_layer_has_stride_one():
    report = mbcost.analyze("v1")
    last_dw = [r for r in report.rows if r.role is Role.DEPTHWISE][-1]
    assert last_dw.layer.stride == 1 and last_dw.out_shape.h == 7


def test_v2_first_bottleneck_has_no_expansion_conv_and_adding_one_costs_about_14m():
    report = mbcost.analyze("v2")
    first_block = [r for r in report.rows if r.block == 1]
    assert [r.role for r in first_block] == [Role.DEPTHWISE, Role.PROJECT]
    data = dict(mbcost.get_arch("v2").data)
    data["blocks"] = [dict(b) for b in data["blocks"]]
    data["blocks"].insert(1, {"pw": {"out": 32}})  # a 1×1 "expansion" conv of ratio 1
    with_expand = mbcost.analyze(mbcost.parse_table(data))
    assert round(with_expand.totals.macs / 1e6) == 314


@pytest.mark.parametrize("alpha,res", [(1.0, 224), (0.75, 192), (0.5, 128), (1.4, 224), (0.35, 96)])
def test_v2_matches_torchvision_rules_computed_independently(alpha, res):
    """torchvision's V2 rules re-derived here: stem/blocks make_divisible(c·α), hidden = in·t,
    last conv make_divisible(1280·max(1, α)); MACs summed with the paper's formulas."""

    def md(v):
        r = max(8, int(v + 4) // 8 * 8)
        return r + 8 if r < 0.9 * v else r

    def out(size, s):
        return (size + 2 - 3) // s + 1

    setting = [
        (1, 16, 1, 1),
        (6, 24, 2, 2),
        (6, 32, 3, 2),
        (6, 64, 4, 2),
        (6, 96, 3, 1),
        (6, 160, 3, 2),
        (6, 320, 1, 1),
    ]
    c_in, size = md(32 * alpha), out(res, 2)
    macs = 9 * 3 * c_in * size * size
    for t, c, n, s in setting:
        c_out = md(c * alpha)
        for i in range(n):
            hidden = c_in * t
            if t != 1:
                macs += c_in * hidden * size * size
            size = out(size, s if i == 0 else 1)
            macs += 9 * hidden * size * size + hidden * c_out * size * size
            c_in = c_out
    last = md(1280 * max(1.0, alpha))
    macs += c_in * last * size * size + last * 1000
    assert mbcost.analyze("v2", alpha, res, impl="torchvision").totals.macs == macs


def test_v3_large_width_rules_differ_by_implementation():
    paper = mbcost.analyze("v3-large", 0.75)
    torchvision = mbcost.analyze("v3-large", 0.75, impl="torchvision")
    assert round(paper.totals.macs / 1e6) == 155
    assert torchvision.totals.macs < paper.totals.macs
    tv_head = [r for r in torchvision.rows if r.role is Role.HEAD]
    paper_head = [r for r in paper.rows if r.role is Role.HEAD]
    assert [r.layer.out_c for r in paper_head] == [720, 1280]
    assert [r.layer.out_c for r in tv_head] == [
        720,
        960,
    ]  # 6 × make_divisible(160·0.75), scaled head


def test_v3_squeeze_width_is_a_quarter_of_expanded_rounded_to_eight():
    report = mbcost.analyze("v3-large")
    reduce = [r for r in report.rows if r.name.endswith("se.reduce")]
    assert [(r.layer.in_c, r.layer.out_c) for r in reduce[:2]] == [(72, 24), (120, 32)]
