"""Reports, comparisons and the architecture list as documents: JSON-ready dicts with exact integers
(the machine contract of ``table``, ``compare`` and ``archs``) and sheets (what the human formats draw)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mbcost.layers import Add, Conv2d, Layer, Mul, Pool, Shape
from mbcost.quantities import QUANTITIES
from mbcost.render.sheet import Column, Sheet
from mbcost.report import Report, Row, Totals

if TYPE_CHECKING:  # imported for annotations only: `mbcost table` never loads compare.py
    from mbcost.archs import Arch
    from mbcost.budget import CheckResult
    from mbcost.compare import Comparison
    from mbcost.sweep import Sweep


def _percent(part: int, whole: int) -> float:
    return 100 * part / whole if whole else 0.0


def _inputs(report: Report) -> tuple[list[str], list[tuple[str, object]]]:
    i = report.inputs
    t = report.totals
    amounts = " · ".join(f"{value:,} {QUANTITIES[q].label}" for q, value in t._asdict().items())
    meta = [
        f"arch {i.arch} · alpha {i.alpha:g} · resolution {i.resolution}x{i.resolution} · "
        f"impl {i.impl} · convention {i.convention}",
        f"total {amounts}",
    ]
    return meta, list(i._asdict().items())


def _quantity_columns(share: bool) -> tuple[Column, ...]:
    """A count column per quantity; with ``share``, each one's percent of the total after it."""
    columns: list[Column] = []
    for q in QUANTITIES.values():
        columns.append(Column(q.name, q.label, "count"))
        if share:
            columns.append(Column(f"{q.name}_percent", f"% {q.label}", "percent"))
    return tuple(columns)


def _quantity_cells(values: Totals, total: Totals, share: bool) -> dict[str, Any]:
    cells: dict[str, Any] = {}
    for q, value in values._asdict().items():
        cells[q] = value
        if share:
            cells[f"{q}_percent"] = _percent(value, getattr(total, q))
    return cells


LAYER_COLUMNS = (
    Column("index", "#", "int"),
    Column("name", "layer"),
    Column("role", "role"),
    Column("in_shape", "input"),
    Column("out_shape", "output"),
    Column("k", "k", "int"),
    Column("stride", "s", "int"),
    Column("groups", "groups", "int"),
    *(Column(q.name, q.label, "count") for q in QUANTITIES.values()),
    Column("macs_percent", "% MACs", "percent"),
)


def _cells(columns: Sequence[Column], cells: dict[str, Any]) -> tuple[Any, ...]:
    """A sheet row from named cells (a column without a cell is empty)."""
    return tuple(cells.get(c.key) for c in columns)


def _rollup_sheet(
    title: str, key_header: str, groups: dict, report: Report, meta, context
) -> Sheet:
    total = report.totals
    columns = (Column(key_header, key_header), *_quantity_columns(share=True))
    rows = [
        _cells(columns, {key_header: str(key), **_quantity_cells(t, total, share=True)})
        for key, t in groups.items()
    ]
    footer = _cells(columns, {key_header: "total", **_quantity_cells(total, total, share=True)})
    return Sheet(title, meta, columns, rows, footer, context=context)


def _structural(row: Row) -> bool:
    """A node that only joins tensors (residual add, SE multiply) and costs nothing here: human
    tables leave it out; JSON keeps every node."""
    return isinstance(row.layer, (Add, Mul)) and not any(row.values())


def _layer_cells(row: Row, total: Totals) -> dict[str, Any]:
    layer = row.layer
    windowed = isinstance(layer, Conv2d) or (isinstance(layer, Pool) and not layer.is_global)
    return {
        "index": row.index,
        "name": row.name,
        "role": str(row.role),
        "in_shape": str(row.in_shape),
        "out_shape": str(row.out_shape),
        "k": layer.k if windowed else None,
        "stride": layer.stride if windowed else None,
        "groups": layer.groups if isinstance(layer, Conv2d) else None,
        **_quantity_cells(row.values(), total, share=False),
        "macs_percent": _percent(row.macs, total.macs),
    }


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
        return [_rollup_sheet(title, "block", report.by_block(), report, meta, context), roles]
    total = report.totals
    rows = [
        _cells(LAYER_COLUMNS, _layer_cells(r, total)) for r in report.rows if not _structural(r)
    ]
    footer = _cells(
        LAYER_COLUMNS,
        {
            "name": "total",
            **_quantity_cells(total, total, share=False),
            "macs_percent": 100.0 if total.macs else 0.0,
        },
    )
    return [Sheet(title, meta, LAYER_COLUMNS, rows, footer, context=context), roles]


def sweep_sheets(result: Sweep) -> list[Sheet]:
    """One row per configuration: alpha, resolution, impl, convention and every quantity."""
    columns = (
        Column("alpha", "alpha", "int"),
        Column("resolution", "resolution", "int"),
        Column("impl", "impl"),
        Column("convention", "convention"),
        *(Column(q.name, q.label, "count") for q in QUANTITIES.values()),
    )
    rows = [
        (p.alpha, p.resolution, result.impl, result.convention, *p.totals) for p in result.points
    ]
    meta = [
        f"arch {result.arch} · impl {result.impl} · convention {result.convention} · "
        f"{len(rows):,} configurations"
    ]
    return [Sheet(f"{result.arch}: sweep", meta, columns, rows, context=[("arch", result.arch)])]


def sweep_doc(result: Sweep) -> dict[str, Any]:
    """``inputs`` (arch, impl, convention) and ``points`` (alpha, resolution, every quantity)."""
    return {
        "inputs": {"arch": result.arch, "impl": result.impl, "convention": result.convention},
        "points": [
            {"alpha": p.alpha, "resolution": p.resolution, **p.totals._asdict()}
            for p in result.points
        ],
    }


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


def _layer(layer: Layer) -> dict[str, Any]:
    return {"kind": layer.kind, **layer._asdict()}


def _totals(t: Totals) -> dict[str, int]:
    return {**t._asdict(), "flops": 2 * t.macs}


def _row_doc(r: Row) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "index": r.index,
        "name": r.name,
        "block": r.block,
        "role": r.role.value,
        "layer": _layer(r.layer),
        "inputs": list(r.inputs),
        "in_shape": _shape(r.in_shape),
        "out_shape": _shape(r.out_shape),
    }
    doc |= r.values()._asdict()
    doc |= {q.terms_key: r.terms(q.name) for q in QUANTITIES.values()}
    return doc


def report_doc(report: Report) -> dict[str, Any]:
    """``inputs``, ``rows`` (name, role, inputs, shapes, layer, each quantity and its terms),
    ``totals`` and rollups."""
    return {
        "inputs": report.inputs._asdict(),
        "rows": [_row_doc(r) for r in report.rows],
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
        "tolerance": float(result.config.tolerance),  # a fraction (0.01 = 1%), for display
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
    """One row per check: model, check, measured, limit, headroom, status.

    The counts are exact integers, not scaled to a unit per column: one row's measured, limit and
    headroom then read in the same unit, a headroom of -1 shows as -1 (not -0.00), and the numbers
    are the ones in the FAIL lines.
    """
    columns = (
        Column("model", "model"),
        Column("check", "check"),
        Column("measured", "measured", "int"),
        Column("limit", "limit", "int"),
        Column("headroom", "headroom", "int"),
        Column("status", "status"),
    )
    rows = [
        (r.model, r.check, r.measured, r.limit, r.headroom, r.status.upper()) for r in result.rows
    ]
    failed = len(result.failures)
    tolerance = float(100 * result.config.tolerance)
    meta = [f"budget file {result.config.path} · tolerance {tolerance:g}%"]
    verdict = (
        f"{failed} of {len(rows)} checks failed" if failed else f"all {len(rows)} checks passed"
    )
    return [Sheet("budget checks", meta, columns, rows, notes=(verdict,))]
