"""Reports, comparisons and the architecture list as documents: JSON-ready dicts with exact integers
(the machine contract of ``table``, ``compare`` and ``archs``) and sheets (what the human formats draw)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mbcost.layers import Conv2d, Linear, Pool, Shape
from mbcost.render.sheet import Column, Sheet
from mbcost.report import Report, Totals

if TYPE_CHECKING:  # imported for annotations only: `mbcost table` never loads compare.py
    from mbcost.archs import Arch
    from mbcost.budget import CheckResult
    from mbcost.compare import Comparison


def _percent(part: int, whole: int) -> float:
    return 100 * part / whole if whole else 0.0


def _inputs(report: Report) -> tuple[list[str], list[tuple[str, object]]]:
    i = report.inputs
    t = report.totals
    meta = [
        f"arch {i.arch} · alpha {i.alpha:g} · resolution {i.resolution}x{i.resolution} · "
        f"impl {i.impl} · convention {i.convention}",
        f"total {t.macs:,} MACs · {t.params:,} params",
    ]
    context = [
        ("arch", i.arch),
        ("alpha", i.alpha),
        ("resolution", i.resolution),
        ("impl", i.impl),
        ("convention", i.convention),
    ]
    return meta, context


LAYER_COLUMNS = (
    Column("index", "#", "int"),
    Column("name", "layer"),
    Column("role", "role"),
    Column("in_shape", "input"),
    Column("out_shape", "output"),
    Column("k", "k", "int"),
    Column("stride", "s", "int"),
    Column("groups", "groups", "int"),
    Column("macs", "MACs", "count"),
    Column("params", "params", "count"),
    Column("macs_percent", "% MACs", "percent"),
)


def _rollup_sheet(
    title: str, key_header: str, groups: dict, report: Report, meta, context
) -> Sheet:
    total = report.totals
    columns = (
        Column(key_header, key_header),
        Column("macs", "MACs", "count"),
        Column("macs_percent", "% MACs", "percent"),
        Column("params", "params", "count"),
        Column("params_percent", "% params", "percent"),
    )
    rows = [
        (str(key), t.macs, _percent(t.macs, total.macs), t.params, _percent(t.params, total.params))
        for key, t in groups.items()
    ]
    footer = (
        "total",
        total.macs,
        100.0 if total.macs else 0.0,
        total.params,
        100.0 if total.params else 0.0,
    )
    return Sheet(title, meta, columns, rows, footer, context=context)


def report_sheets(report: Report, by: str = "layer") -> list[Sheet]:
    """``layer``: every layer, then the role rollup; ``block``: per block + roles; ``role``: roles only."""
    meta, context = _inputs(report)
    title = f"{report.inputs.arch}: cost by {by}"
    roles = _rollup_sheet(
        f"{report.inputs.arch}: cost by role", "role", report.by_role(), report, meta, context
    )
    if by == "role":
        return [roles]
    if by == "block":
        blocks = {b: t for b, t in report.by_block().items()}
        return [_rollup_sheet(title, "block", blocks, report, meta, context), roles]
    total = report.totals
    rows = []
    for r in report.rows:
        layer = r.layer
        k = layer.k if isinstance(layer, (Conv2d, Pool)) and layer.k else None
        stride = (
            layer.stride if isinstance(layer, Conv2d) or (isinstance(layer, Pool) and k) else None
        )
        groups = layer.groups if isinstance(layer, Conv2d) else None
        rows.append(
            (
                r.index,
                r.name,
                str(r.role),
                str(r.in_shape),
                str(r.out_shape),
                k,
                stride,
                groups,
                r.macs,
                r.params,
                _percent(r.macs, total.macs),
            )
        )
    footer = (
        None,
        "total",
        "",
        "",
        "",
        None,
        None,
        None,
        total.macs,
        total.params,
        100.0 if total.macs else 0.0,
    )
    return [Sheet(title, meta, LAYER_COLUMNS, rows, footer, context=context), roles]


def compare_sheets(comparison: Comparison) -> list[Sheet]:
    """One row per part, a total row per multi-part kind; the separable/standard identity as a note."""
    s = comparison.shape
    meta = [
        f"layer D_K={s.k} M={comparison.m} N={comparison.n} D_F={comparison.df} stride={s.stride}"
        f" (alpha {s.alpha:g}, rho {s.rho:g}; from M={s.m} N={s.n} D_F={s.df})"
    ]
    columns = (
        Column("kind", "kind"),
        Column("part", "part"),
        Column("macs_formula", "MACs formula"),
        Column("macs", "MACs", "count"),
        Column("params", "params", "count"),
        Column("ratio", "x first", "ratio"),
    )
    rows = []
    for kind in comparison.kinds:
        ratio = float(comparison.ratio(kind))
        for part in kind.parts:
            rows.append(
                (
                    kind.name,
                    part.name,
                    part.macs_formula,
                    part.macs,
                    part.params,
                    ratio if len(kind.parts) == 1 else None,
                )
            )
        if len(kind.parts) > 1:
            rows.append((kind.name, "total", "", kind.macs, kind.params, ratio))
    notes = []
    identity = comparison.separable_identity
    if identity:
        measured, formula = identity
        verdict = "equal" if measured == formula else "DIFFERENT"
        notes.append(
            f"depthwise-separable / standard = {float(measured):.6f}; "
            f"1/N + 1/D_K² = 1/{comparison.n} + 1/{s.k**2} = {float(formula):.6f} ({verdict})"
        )
    context = [
        ("k", s.k),
        ("m", comparison.m),
        ("n", comparison.n),
        ("df", comparison.df),
        ("stride", s.stride),
    ]
    return [Sheet("layer cost by kind", meta, columns, rows, notes=notes, context=context)]


def archs_sheets(archs: Sequence[Arch], computed: dict[str, Totals]) -> list[Sheet]:
    """Each built-in with its native-resolution published figures beside mbcost's count."""
    columns = (
        Column("name", "name"),
        Column("aliases", "aliases"),
        Column("resolution", "native", "int"),
        Column("impls", "impls"),
        Column("macs", "MACs", "count"),
        Column("params", "params", "count"),
        Column("published", "published (alpha 1, native)"),
        Column("source", "source"),
    )
    rows = []
    for arch in archs:
        native = [
            p for p in arch.published if p.alpha == 1.0 and p.resolution == arch.table.resolution
        ]
        published = "; ".join(f"{p.macs} / {p.params or '-'}" for p in native)
        t = computed[arch.name]
        source = (arch.table.source or "").split(",")[0]
        rows.append(
            (
                arch.name,
                ", ".join(arch.aliases),
                arch.table.resolution,
                ", ".join(arch.table.impls),
                t.macs,
                t.params,
                published,
                source,
            )
        )
    meta = ["MACs and params: mbcost at alpha 1, native resolution, paper convention"]
    return [Sheet("built-in architectures", meta, columns, rows)]


def _shape(s: Shape) -> dict[str, int]:
    return {"c": s.c, "h": s.h, "w": s.w}


def _layer(layer: Conv2d | Linear | Pool) -> dict[str, Any]:
    return {"kind": layer.kind, **layer._asdict()}


def _totals(t: Totals) -> dict[str, int]:
    return {"macs": t.macs, "params": t.params, "flops": 2 * t.macs}


def report_doc(report: Report) -> dict[str, Any]:
    """``inputs``, ``rows`` (name, role, shapes, layer, macs, params, terms), ``totals`` and rollups."""
    return {
        "inputs": report.inputs._asdict(),
        "rows": [
            {
                "index": r.index,
                "name": r.name,
                "block": r.block,
                "role": r.role.value,
                "layer": _layer(r.layer),
                "in_shape": _shape(r.in_shape),
                "out_shape": _shape(r.out_shape),
                "macs": r.macs,
                "params": r.params,
                "cost_terms": dict(r.cost_terms),
                "param_terms": dict(r.param_terms),
            }
            for r in report.rows
        ],
        "totals": _totals(report.totals),
        "by_role": {role.value: _totals(t) for role, t in report.by_role().items()},
        "by_term": report.by_term(),
    }


def compare_doc(comparison: Comparison) -> dict[str, Any]:
    """``inputs`` and ``kinds`` (name, macs, params, ratio to the first, parts with formulas)."""
    identity = comparison.separable_identity
    return {
        "inputs": comparison.shape._asdict()
        | {"m_scaled": comparison.m, "n_scaled": comparison.n, "df_scaled": comparison.df},
        "kinds": [
            {
                "name": kind.name,
                "macs": kind.macs,
                "params": kind.params,
                "ratio": float(comparison.ratio(kind)),
                "parts": [
                    {
                        "name": p.name,
                        "layer": _layer(p.layer),
                        "in_shape": _shape(p.in_shape),
                        "out_shape": _shape(p.out_shape),
                        "macs": p.macs,
                        "params": p.params,
                        "macs_formula": p.macs_formula,
                        "params_formula": p.params_formula,
                    }
                    for p in kind.parts
                ],
            }
            for kind in comparison.kinds
        ],
        "separable_ratio": None
        if identity is None
        else {
            "measured": str(identity[0]),
            "formula": str(identity[1]),
            "equal": identity[0] == identity[1],
        },
    }


def archs_doc(archs: Sequence[Arch], computed: dict[str, Totals]) -> dict[str, Any]:
    """Every built-in: name, aliases, native resolution, impls, source, published figures, our count."""
    return {
        "archs": [
            {
                "name": a.name,
                "title": a.table.title,
                "aliases": list(a.aliases),
                "resolution": a.table.resolution,
                "impls": list(a.table.impls),
                "source": a.table.source,
                "computed": _totals(computed[a.name]),
                "published": [p._asdict() for p in a.published],
            }
            for a in archs
        ]
    }


def check_doc(result: CheckResult) -> dict[str, Any]:
    """``config``, ``passed``, and per model its counts and checks (exact integers)."""
    rows = result.rows
    return {
        "config": result.config.path,
        "tolerance": result.config.tolerance,
        "passed": not result.failures,
        "models": [
            {
                "name": name,
                "measured": {
                    "macs": m.macs,
                    "params": m.params,
                    "layer_macs": m.layer_macs,
                    "largest_layer": m.layer,
                },
                "checks": [
                    {
                        "check": r.check,
                        "measured": r.measured,
                        "limit": r.limit,
                        "headroom": r.headroom,
                        "status": r.status,
                    }
                    for r in rows
                    if r.model == name
                ],
            }
            for name, m in result.measured.items()
        ],
    }


def check_sheets(result: CheckResult) -> list[Sheet]:
    """One row per check: model, check, measured, limit, headroom, status."""
    columns = (
        Column("model", "model"),
        Column("check", "check"),
        Column("measured", "measured", "count"),
        Column("limit", "limit", "count"),
        Column("headroom", "headroom", "count"),
        Column("status", "status"),
    )
    rows = [
        (r.model, r.check, r.measured, r.limit, r.headroom, r.status.upper()) for r in result.rows
    ]
    failed = len(result.failures)
    meta = [f"budget file {result.config.path} · tolerance {100 * result.config.tolerance:g}%"]
    verdict = (
        f"{failed} of {len(rows)} checks failed" if failed else f"all {len(rows)} checks passed"
    )
    return [Sheet("budget checks", meta, columns, rows, notes=(verdict,))]
