"""Reports, comparisons and the architecture list as documents: JSON-ready dicts with exact integers
(the machine contract of ``table``, ``compare`` and ``archs``) and sheets (what the human formats draw)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mbcost.accuracy import Rating, default_accuracy, published_accuracy
from mbcost.conventions import get_convention
from mbcost.errors import MbcostError
from mbcost.layers import Add, Conv2d, Layer, Mul, Pool, Shape
from mbcost.memory import DTYPES
from mbcost.plan import NETWORK_INPUT
from mbcost.quantities import QUANTITIES
from mbcost.render.sheet import BYTE_UNITS, Column, Sheet, count_unit, format_fixed
from mbcost.report import Report, Row, Totals

if TYPE_CHECKING:  # imported for annotations only: `mbcost table` never loads compare.py
    from mbcost.archs import Arch
    from mbcost.budget import CheckResult
    from mbcost.compare import Comparison
    from mbcost.latency.predicted import Latency
    from mbcost.sweep import Sweep


_PAPER = get_convention("paper")  # weight bytes: weights and biases, BatchNorm folded


def _percent(part: int, whole: int) -> float:
    return 100 * part / whole if whole else 0.0


def _inputs(report: Report) -> tuple[list[str], list[tuple[str, object]]]:
    i = report.inputs
    t = report.totals
    amounts = " · ".join(f"{value:,} {QUANTITIES[q].label}" for q, value in t._asdict().items())
    meta = [
        f"arch {i.arch} · alpha {i.alpha:g}{f' · depth {i.depth:g}' if i.depth != 1 else ''} · "
        f"resolution {i.resolution}x{i.resolution} · "
        f"impl {i.impl} · convention {i.convention}",
        f"total {amounts}",
        f"memory rule {i.memory_rule} · activations {i.dtype} · weights {i.weight_dtype}",
        f"peak {_bytes(report.memory.peak_bytes)} at {report.memory.peak_layer} · "
        f"weights {_bytes(report.memory.weight_bytes)}",
    ]
    # CSV writes the context as leading columns: the depth joins them only where it is not 1, so
    # that the columns of every table without depth scaling stay where they were
    context = [(k, v) for k, v in i._asdict().items() if k != "depth" or v != 1]
    return meta, context


def _bytes(n: int) -> str:
    """``1,505,280 B (1.44 MiB)``: exact bytes, and in the binary unit a table column would use."""
    scale, unit = count_unit([n], BYTE_UNITS)
    return f"{n:,} B" if scale == 1 else f"{n:,} B ({format_fixed(n, 2, scale)} {unit})"


def _quantity_columns(share: bool) -> tuple[Column, ...]:
    """A count column per quantity; with ``share``, each one's percent of the total after it; then
    the group's peak memory (a peak, not a sum)."""
    columns: list[Column] = []
    for q in QUANTITIES.values():
        columns.append(Column(q.name, q.label, "count"))
        if share:
            columns.append(Column(f"{q.name}_percent", f"% {q.label}", "percent"))
    return (*columns, Column("peak_bytes", "peak", "bytes"))


def _quantity_cells(values: Totals, total: Totals, share: bool) -> dict[str, Any]:
    cells: dict[str, Any] = {}
    for q, value in values._asdict().items():
        cells[q] = value
        if share:
            cells[f"{q}_percent"] = _percent(value, getattr(total, q))
    return cells


_COUNTS = tuple(Column(q.name, q.label, "count") for q in QUANTITIES.values())
LAYER_COLUMNS = (
    Column("index", "#", "int"),
    Column("name", "layer"),
    Column("role", "role"),
    Column("in_shape", "input"),
    Column("out_shape", "output"),
    Column("k", "k", "int"),
    Column("stride", "s", "int"),
    Column("groups", "groups", "int"),
    *_COUNTS[:2],  # MACs and params, then their share: a later quantity's column only appends
    Column("macs_percent", "% MACs", "percent"),
    *_COUNTS[2:],
    Column("live_bytes", "live", "bytes"),
    Column("peak", ""),  # "peak" on the row where the live bytes peak
)


def _cells(columns: Sequence[Column], cells: dict[str, Any]) -> tuple[Any, ...]:
    """A sheet row from named cells (a column without a cell is empty)."""
    return tuple(cells.get(c.key) for c in columns)


def _rollup_sheet(
    title: str,
    key_header: str,
    groups: dict,
    peaks: dict,
    report: Report,
    meta,
    context,
    times: dict | None = None,
) -> Sheet:
    """``times``: predicted seconds per group (``--device``), as two more columns."""
    total = report.totals
    columns = (Column(key_header, key_header), *_quantity_columns(share=True))
    if times is not None:
        from mbcost.render import latency as lat

        columns = (*columns, *lat.ROLLUP_COLUMNS)
        whole = sum(times.values())
    rows = [
        _cells(
            columns,
            {
                key_header: str(key),
                **_quantity_cells(t, total, share=True),
                "peak_bytes": peaks[key],
                **(lat.group_cells(times[key], whole) if times is not None else {}),
            },
        )
        for key, t in groups.items()
    ]
    footer = _cells(
        columns,
        {
            key_header: "total",
            **_quantity_cells(total, total, share=True),
            "peak_bytes": report.memory.peak_bytes,
            **(lat.group_cells(whole, whole) if times is not None else {}),
        },
    )
    return Sheet(title, meta, columns, rows, footer, context=context)


def _peaks(report: Report, key) -> dict:
    """The largest live bytes of any row per ``key(row)``."""
    peaks: dict = {}
    for row, live in zip(report.rows, report.memory.live_bytes, strict=True):
        k = key(row)
        peaks[k] = max(peaks.get(k, 0), live)
    return peaks


def _structural(row: Row) -> bool:
    """A node that only joins tensors (residual add, SE multiply) and costs nothing here: human
    tables leave it out; JSON keeps every node."""
    return isinstance(row.layer, (Add, Mul)) and not any(row.values())


def _layer_cells(row: Row, report: Report) -> dict[str, Any]:
    total = report.totals
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
        "live_bytes": report.memory.live_bytes[row.index],
        "peak": "peak" if row.index == report.memory.peak_index else "",
    }


def rating_doc(rating: Rating | None) -> dict[str, Any] | None:
    """What is known of a configuration's top-1: published (with top-5 and source) and estimated
    (with the fit's leave-one-out error); None for a table that is not a built-in."""
    if rating is None:
        return None
    published = rating.published
    return {
        "top1": published.top1 if published else None,
        "top5": published.top5 if published else None,
        "source": published.source if published else None,
        "estimate": rating.estimate,
        "estimate_error": rating.error,
    }


def _top1_lines(rating: Rating | None) -> list[str]:
    """The meta line of a report's top-1: published, else an estimate, labelled as one."""
    if rating is None:
        return []
    published, estimate = rating.published, rating.estimate
    if published:
        line = f"top-1 {published.top1:.1f} published [{published.source}]"
        if estimate is not None:
            line += f" · its leave-one-out estimate {estimate:.1f} (± {rating.error:.2f})"
        return [line]
    if estimate is None:
        return ["top-1 not published · no estimate: no fit covers this configuration"]
    return [f"top-1 not published · est. {estimate:.1f} ± {rating.error:.2f} (leave-one-out error)"]


def layer_columns(keys: Sequence[str] | None = None, latency: bool = False) -> tuple[Column, ...]:
    """The layer table's columns named by ``keys``, in that order (default: all of them, with
    ``latency`` the predicted-latency columns after the MACs share); an unknown key is an error
    listing the known ones."""
    every = LAYER_COLUMNS
    if latency:
        from mbcost.render import latency as lat

        at = [c.key for c in LAYER_COLUMNS].index("macs_percent") + 1
        every = (*LAYER_COLUMNS[:at], *lat.LAYER_COLUMNS, *LAYER_COLUMNS[at:])
    if keys is None:
        return every
    known = {c.key: c for c in every}
    unknown = [k for k in keys if k not in known]
    if unknown or not keys:
        raise MbcostError(
            f"--columns: unknown column {unknown[0]!r} (choose from {', '.join(known)})"
            if unknown
            else f"--columns: name at least one of {', '.join(known)}"
        )
    return tuple(known[k] for k in dict.fromkeys(keys))


def report_sheets(
    report: Report,
    by: str = "layer",
    rating: Rating | None = None,
    columns: Sequence[str] | None = None,
    latency: Latency | None = None,
) -> list[Sheet]:
    """``layer``: every layer, then the role rollup; ``block``: per block + roles; ``role``: roles
    only. ``rating``: the configuration's top-1, for a built-in (``accuracy.rate_table``);
    ``columns``: the keys of the layer table's columns to show (``layer_columns``); ``latency``:
    predicted per-layer latency (``--device``), as columns beside the counts."""
    meta, context = _inputs(report)
    meta = [*meta, *_top1_lines(rating)]
    if latency is not None:
        from mbcost.render import latency as lat

        meta.append(lat.meta_line(latency))
        context = [*context, ("device", latency.device.name)]

    def times(key) -> dict | None:
        return None if latency is None else latency.group(report, key)

    title = f"{report.inputs.arch}: cost by {by}"
    roles = _rollup_sheet(
        f"{report.inputs.arch}: cost by role",
        "role",
        report.by_role(),
        _peaks(report, lambda r: r.role),
        report,
        meta,
        context,
        times(lambda r: r.role),
    )
    if by == "role":
        return [roles]
    if by == "block":
        peaks = _peaks(report, lambda r: r.block)
        blocks = _rollup_sheet(
            title,
            "block",
            report.by_block(),
            peaks,
            report,
            meta,
            context,
            times(lambda r: r.block),
        )
        return [blocks, roles]
    total = report.totals
    shown = layer_columns(columns, latency is not None)
    rows = [
        _cells(
            shown,
            _layer_cells(r, report) | ({} if latency is None else lat.row_cells(latency, r.index)),
        )
        for r in report.rows
        if not _structural(r) or r.index == report.memory.peak_index or latency is not None
    ]
    footer = _cells(
        shown,
        {
            "name": "total",
            **_quantity_cells(total, total, share=False),
            "macs_percent": 100.0 if total.macs else 0.0,
            "live_bytes": report.memory.peak_bytes,
            **({} if latency is None else lat.group_cells(latency.total, latency.total)),
        },
    )
    return [Sheet(title, meta, shown, rows, footer, context=context), roles]


def sweep_sheets(result: Sweep) -> list[Sheet]:
    """One row per configuration: alpha, resolution, impl, convention and every quantity."""
    columns = (
        Column("alpha", "alpha", "int"),
        Column("resolution", "resolution", "int"),
        Column("impl", "impl"),
        Column("convention", "convention"),
        *(Column(q.name, q.label, "count") for q in QUANTITIES.values()),
        Column("peak_bytes", "peak", "bytes"),
        Column("weight_bytes", "weights", "bytes"),
        Column("dtype", "dtype"),  # appended, as every new column: CSV readers index columns
        Column("weight_dtype", "weight dtype"),
        Column("memory_rule", "memory rule"),
    )
    deep = result.depths != (1.0,)  # a depth column only when the sweep asked for one
    if deep:
        columns += (Column("depth", "depth", "int"),)
    rows = [
        (
            p.alpha,
            p.resolution,
            result.impl,
            result.convention,
            *p.totals,
            p.peak_bytes,
            p.weight_bytes,
            result.dtype,
            result.weight_dtype,
            result.memory_rule,
            *((p.depth,) if deep else ()),
        )
        for p in result.points
    ]
    meta = [
        f"arch {result.arch} · impl {result.impl} · convention {result.convention} · "
        f"{len(rows):,} configurations",
        f"memory rule {result.memory_rule} · activations {result.dtype} · "
        f"weights {result.weight_dtype}",
    ]
    return [Sheet(f"{result.arch}: sweep", meta, columns, rows, context=[("arch", result.arch)])]


def sweep_doc(result: Sweep) -> dict[str, Any]:
    """``inputs`` (arch, impl, convention, dtypes, memory rule) and ``points`` (alpha,
    resolution, every quantity, peak and weight bytes)."""
    return {
        "inputs": {
            "arch": result.arch,
            "impl": result.impl,
            "convention": result.convention,
            "dtype": result.dtype,
            "weight_dtype": result.weight_dtype,
            "memory_rule": result.memory_rule,
        },
        "points": [
            {
                "alpha": p.alpha,
                "depth": p.depth,
                "resolution": p.resolution,
                **p.totals._asdict(),
                "peak_bytes": p.peak_bytes,
                "weight_bytes": p.weight_bytes,
            }
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
        Column("top1", "top-1", "accuracy"),
        Column("published", "published (alpha 1, native)"),
        Column("source", "source"),
    )
    rows = []
    for arch in archs:
        top1 = default_accuracy(arch.name).get((1.0, arch.table.resolution))
        native = [
            p for p in arch.published if p.alpha == 1.0 and p.resolution == arch.table.resolution
        ]
        published = "; ".join(
            f"{p.macs} / {p.params or '-'}"
            + (f" ({p.convention})" if p.convention != "paper" else "")
            for p in native
        )
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
                top1.top1 if top1 else None,
                published,
                source,
            )
        )
    meta = [
        "MACs and params: mbcost at alpha 1, native resolution, paper convention",
        "top-1: published ImageNet top-1 (its source: --format json, or mbcost sweep --accuracy)",
    ]
    if any(p.convention == "torch" for a in archs for p in a.published):
        meta.append("published (torch): parameters as a sum of numel, BatchNorm included")
    notes = [f"{a.name}: {a.note}" for a in archs if a.note]
    return [Sheet("built-in architectures", meta, columns, rows, notes=notes)]


def _shape(s: Shape) -> dict[str, int]:
    return {"c": s.c, "h": s.h, "w": s.w}


def _layer(layer: Layer) -> dict[str, Any]:
    return {"kind": layer.kind, **layer._asdict()}


def _totals(t: Totals) -> dict[str, int]:
    return {**t._asdict(), "flops": 2 * t.macs}


def _row_doc(r: Row, report: Report) -> dict[str, Any]:
    per = DTYPES[report.inputs.dtype]
    weights = sum(v for t, v in r.terms("params").items() if t in _PAPER.params_terms)
    inputs = report.rows[0].in_shape.elements if NETWORK_INPUT in r.inputs else 0
    inputs += sum(report.rows[j].out_shape.elements for j in set(r.inputs) - {NETWORK_INPUT})
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
    doc |= {
        "live_bytes": report.memory.live_bytes[r.index],
        "in_bytes": per * inputs,
        "out_bytes": per * r.out_shape.elements,
        "weight_bytes": DTYPES[report.inputs.weight_dtype] * weights,
    }
    return doc


def _memory_doc(report: Report) -> dict[str, Any]:
    m = report.memory
    return {
        "rule": m.rule,
        "dtype": m.dtype,
        "weight_dtype": m.weight_dtype,
        "peak_bytes": m.peak_bytes,
        "peak_index": m.peak_index,
        "peak_layer": m.peak_layer,
        "weight_bytes": m.weight_bytes,
        "by_resolution": [
            {
                "size": size,
                "bytes": value,
                "layer": "input" if j == NETWORK_INPUT else report.rows[j].name,
            }
            for size, value, j in m.by_resolution
        ],
    }


def report_doc(
    report: Report, rating: Rating | None = None, latency: Latency | None = None
) -> dict[str, Any]:
    """``inputs``, ``rows`` (name, role, inputs, shapes, layer, each quantity and its terms, live
    bytes), ``totals`` (with the peak and weight bytes), ``memory``, rollups and ``accuracy``
    (``rating_doc``). With ``latency`` (``--device``): ``inputs.device``, a predicted
    ``latency_ms`` and ``bound`` per row, ``latency_ms`` in ``totals`` and ``by_role``, and
    ``latency`` (the profile the prediction rests on and its fit error)."""
    totals = _totals(report.totals) | {
        "peak_bytes": report.memory.peak_bytes,
        "weight_bytes": report.memory.weight_bytes,
    }
    rows = [_row_doc(r, report) for r in report.rows]
    by_role = {role.value: _totals(t) for role, t in report.by_role().items()}
    doc = {
        "inputs": report.inputs._asdict(),
        "rows": rows,
        "totals": totals,
        "memory": _memory_doc(report),
        "by_role": by_role,
        "by_term": report.by_term(),
        "accuracy": rating_doc(rating),
    }
    if latency is not None:
        from mbcost.render.latency import inputs_doc

        doc["inputs"]["device"] = latency.device.name
        for row, seconds, bound in zip(rows, latency.seconds, latency.bounds, strict=True):
            row |= {"latency_ms": 1e3 * seconds, "bound": bound}
        totals["latency_ms"] = 1e3 * latency.total
        for role, seconds in latency.group(report, lambda r: r.role.value).items():
            by_role[role]["latency_ms"] = 1e3 * seconds
        doc["latency"] = inputs_doc(latency.device)
    return doc


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
                "note": a.note,
                "computed": _totals(computed[a.name]),
                "published": [p._asdict() for p in a.published],
                "accuracy": [x._asdict() for x in published_accuracy(a.name)],
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
                    **m.counts,
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
