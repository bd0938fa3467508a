"""Verification results as sheets (text, rich, Markdown, CSV) and JSON documents (exact integers)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from mbcost.render.sheet import Column, Sheet
from mbcost.verify.compare import LayerCheck, Verification
from mbcost.verify.explain import Explanation


def _shape(shape: tuple[int, ...]) -> str:
    """A torch shape without batch, (C, H, W) or (F,), written like the engine's: ``HxWxC`` or ``F``."""
    return "x".join(map(str, (*shape[1:], shape[0]))) if len(shape) == 3 else str(shape[0])


def verdict(v: Verification) -> str:
    """One line: what matched, or the first thing that did not."""
    layers = len(v.layers)
    bad_layers = [c for c in v.layers if not c.match]
    if v.ok:
        explained = [t.term for t in v.terms if t.status == "explained"]
        if not explained:
            return f"ok: {layers}/{layers} conv/linear layers and every total match"
        return (
            f"ok: {layers}/{layers} conv/linear layers match; totals match except "
            f"{' and '.join(explained)}, which differ for a stated reason"
        )
    parts = []
    if bad_layers:
        parts.append(f"{len(bad_layers)}/{layers} layers differ")
    bad_terms = [t.term for t in v.terms if t.status == "mismatch"]
    if bad_terms:
        parts.append(f"totals differ: {', '.join(bad_terms)}")
    first = v.first_divergence or (bad_layers[0] if bad_layers else None)
    if first is not None:
        parts.append(divergence(first))
    return "MISMATCH: " + "; ".join(parts)


def divergence(c: LayerCheck) -> str:
    """Where a layer fails, naming both sides."""
    if c.row is None:
        return (
            f"fvcore module {c.module.name} ({_shape(c.module.in_shape)} -> "
            f"{_shape(c.module.out_shape)}) has no engine layer"
        )
    if c.module is None:
        return f"engine layer {c.row.name} ({c.row.in_shape} -> {c.row.out_shape}) has no module"
    return (
        f"layer {c.row.name} vs module {c.module.name}: {', '.join(c.problems)} differ "
        f"(engine {c.row.in_shape} -> {c.row.out_shape}, {c.row.macs:,} MACs, "
        f"{c.row.params:,} params, {c.row.value('activations'):,} activations; fvcore "
        f"{_shape(c.module.in_shape)} -> {_shape(c.module.out_shape)}, {c.module.macs:,} MACs, "
        f"{c.module.params:,} params, {c.module.activations:,} activations)"
    )


def _context(v: Verification) -> list[tuple[str, object]]:
    s = v.setup
    return [
        ("arch", s.arch),
        ("alpha", s.alpha),
        ("resolution", s.resolution),
        ("impl", s.impl),
        ("against", s.against),
        ("depth", s.depth),
    ]


def _meta(v: Verification) -> list[str]:
    s = v.setup
    return [
        f"arch {s.arch} · alpha {s.alpha:g}{f' · depth {s.depth:g}' if s.depth != 1 else ''} · "
        f"resolution {s.resolution}x{s.resolution} · impl {s.impl} · against {s.against}: "
        f"{s.model}",
        verdict(v),
    ]


LAYER_COLUMNS = (
    Column("position", "#", "int"),
    Column("layer", "engine layer"),
    Column("module", "fvcore module"),
    Column("out_shape", "output"),
    Column("engine_macs", "engine MACs", "int"),
    Column("fvcore_macs", "fvcore MACs", "int"),
    Column("macs_diff", "diff", "int"),
    Column("engine_params", "engine params", "int"),
    Column("fvcore_params", "fvcore params", "int"),
    Column("params_diff", "diff", "int"),
    Column("match", "match"),
)
TERM_COLUMNS = (
    Column("quantity", "quantity"),
    Column("term", "term"),
    Column("engine", "engine", "int"),
    Column("measured", "fvcore / torch", "int"),
    Column("diff", "diff", "int"),
    Column("status", "status"),
)


def _layer_row(c: LayerCheck) -> tuple:
    r, m = c.row, c.module
    macs_diff = r.macs - m.macs if r and m else None
    params_diff = r.params - m.params if r and m else None
    return (
        c.position,
        r.name if r else "",
        m.name if m else "",
        str(r.out_shape) if r else _shape(m.out_shape),
        r.macs if r else None,
        m.macs if m else None,
        macs_diff,
        r.params if r else None,
        m.params if m else None,
        params_diff,
        "ok" if c.match else "DIFFERS: " + ", ".join(c.problems),
    )


def verification_sheets(v: Verification, explanation: Explanation | None = None) -> list[Sheet]:
    """Per-layer sheet, totals-by-term sheet, and with ``explanation`` the conventions sheets."""
    meta, context = _meta(v), _context(v)
    rows = [_layer_row(c) for c in v.layers]
    engine_macs = sum(c.row.macs for c in v.layers if c.row)
    fvcore_macs = sum(c.module.macs for c in v.layers if c.module)
    engine_params = sum(c.row.params for c in v.layers if c.row)
    fvcore_params = sum(c.module.params for c in v.layers if c.module)
    footer = (
        None,
        "total",
        "",
        "",
        engine_macs,
        fvcore_macs,
        engine_macs - fvcore_macs,
        engine_params,
        fvcore_params,
        engine_params - fvcore_params,
        "",
    )
    notes = (
        []
        if v.first_divergence is None
        else [f"first divergence: {divergence(v.first_divergence)}"]
    )
    sheets = [
        Sheet(
            f"verify {v.setup.arch}: engine vs fvcore per conv/linear layer",
            meta,
            LAYER_COLUMNS,
            rows,
            footer,
            notes,
            context,
        )
    ]
    term_rows = [(t.quantity, t.term, t.engine, t.measured, t.diff, t.status) for t in v.terms]
    term_notes = [f"{t.term}: {t.reason}" for t in v.terms if t.reason and t.diff]
    if v.unsupported:
        ops = ", ".join(f"{op} x{n}" for op, n in sorted(v.unsupported.items()))
        term_notes.append(
            f"fvcore counts nothing for its unsupported ops ({ops}); "
            "no mbcost convention counts activation functions, adds or multiplies either"
        )
    sheets.append(
        Sheet(
            f"verify {v.setup.arch}: totals by term",
            meta[:1],
            TERM_COLUMNS,
            term_rows,
            notes=term_notes,
            context=context,
        )
    )
    if explanation is not None:
        sheets += explanation_sheets(explanation, meta[:1], context)
    return sheets


def explanation_sheets(
    e: Explanation, meta: Sequence[str], context: Sequence[tuple[str, object]]
) -> list[Sheet]:
    """The terms with the conventions that count them; each convention's total as a sum."""
    conventions = list(dict.fromkeys(s.convention for s in e.sums))
    term_columns = (
        Column("quantity", "quantity"),
        Column("term", "term"),
        Column("value", "value", "int"),
        *(Column(c, c) for c in conventions),
    )
    term_rows = [
        (
            t.quantity,
            t.term,
            t.value,
            *("counted" if c in t.counted_by else "-" for c in conventions),
        )
        for t in e.terms
    ]
    sum_columns = (
        Column("quantity", "quantity"),
        Column("convention", "convention"),
        Column("sum", "sum of terms"),
        Column("value", "engine", "int"),
        Column("measured", "fvcore / torch", "int"),
    )
    sum_rows = [
        (s.quantity, s.convention, " + ".join(s.terms), s.value, s.measured) for s in e.sums
    ]
    notes = [
        f"{d.quantity}: {d.larger} − {d.smaller} = {' + '.join(d.terms)} = {d.value:,}"
        for d in e.differences
    ]
    return [
        Sheet(
            "terms and the conventions that count them",
            meta,
            term_columns,
            term_rows,
            context=context,
        ),
        Sheet(
            "each convention as a sum of terms",
            meta,
            sum_columns,
            sum_rows,
            notes=notes,
            context=context,
        ),
    ]


SUMMARY_COLUMNS = (
    Column("arch", "arch"),
    Column("impl", "impl"),
    Column("against", "against"),
    Column("alpha", "alpha", "int"),
    Column("resolution", "res", "int"),
    Column("layers", "layers", "int"),
    Column("layers_differing", "differing", "int"),
    Column("engine_macs", "engine MACs", "count"),
    Column("fvcore_macs", "fvcore MACs", "count"),
    Column("fvcore_total", "fvcore total()", "count"),
    Column("totals", "totals"),
    Column("verdict", "verdict"),
)


def _totals_status(v: Verification) -> str:
    """The worst status among the totals: mismatch, explained or match."""
    statuses = {t.status for t in v.terms}
    return next(s for s in ("mismatch", "explained", "match") if s in statuses)


def summary_sheets(results: Sequence[Verification], seconds: float) -> list[Sheet]:
    """``--all``: one row per configuration (MACs in the paper convention, i.e. conv + linear, and
    fvcore's total()); failures' verdicts as notes; a depth column (appended) when the grid has a
    depth other than 1."""
    deep = any(v.setup.depth != 1 for v in results)
    columns = (*SUMMARY_COLUMNS, Column("depth", "depth", "int")) if deep else SUMMARY_COLUMNS
    rows = []
    for v in results:
        s = v.setup
        measured = {t.term: t.measured for t in v.terms}
        rows.append(
            (
                s.arch,
                s.impl,
                s.against,
                s.alpha,
                s.resolution,
                len(v.layers),
                sum(not c.match for c in v.layers),
                v.report.totals.macs,
                measured["conv + linear"],
                measured["fvcore total()"],
                _totals_status(v),
                "ok" if v.ok else "MISMATCH",
                *((s.depth,) if deep else ()),
            )
        )
    failed = [v for v in results if not v.ok]
    meta = [
        f"{len(results)} configurations, {len(results) - len(failed)} ok, {len(failed)} "
        f"mismatched, in {seconds:.0f} s"
    ]
    notes = [
        f"{v.setup.arch} {v.setup.impl} against {v.setup.against} alpha {v.setup.alpha:g} "
        f"depth {v.setup.depth:g} res {v.setup.resolution}: {verdict(v)}"
        for v in failed
    ]
    return [Sheet("verify --all: engine vs fvcore", meta, columns, rows, notes=notes)]


def _layer_doc(c: LayerCheck) -> dict[str, Any]:
    r, m = c.row, c.module
    return {
        "position": c.position,
        "match": c.match,
        "problems": list(c.problems),
        "engine": None
        if r is None
        else {
            "name": r.name,
            "role": r.role.value,
            "in_shape": r.in_shape._asdict(),
            "out_shape": r.out_shape._asdict(),
            "macs": r.macs,
            "params": r.params,
            "activations": r.value("activations"),
        },
        "fvcore": None
        if m is None
        else {
            "module": m.name,
            "kind": m.kind,
            "in_shape": list(m.in_shape),
            "out_shape": list(m.out_shape),
            "macs": m.macs,
            "params": m.params,
            "activations": m.activations,
        },
    }


def verification_doc(
    v: Verification, explanation: Explanation | None = None, layers: bool = True
) -> dict[str, Any]:
    """``setup``, ``ok``, ``verdict``, ``layers`` (with ``layers``), ``terms``, ``unsupported_ops``,
    and with ``explanation`` the conventions as sums of terms."""
    doc: dict[str, Any] = {
        "setup": asdict(v.setup),
        "ok": v.ok,
        "verdict": verdict(v),
        "layers_checked": len(v.layers),
        "layers_differing": sum(not c.match for c in v.layers),
    }
    if layers:
        doc["layers"] = [_layer_doc(c) for c in v.layers]
    doc["terms"] = [
        {
            "quantity": t.quantity,
            "term": t.term,
            "covers": list(t.covers),
            "engine": t.engine,
            "measured": t.measured,
            "diff": t.diff,
            "status": t.status,
            "reason": t.reason,
        }
        for t in v.terms
    ]
    doc["unsupported_ops"] = dict(v.unsupported)
    if explanation is not None:
        doc["explain"] = {
            "terms": [asdict(t) for t in explanation.terms],
            "conventions": [asdict(s) for s in explanation.sums],
            "differences": [asdict(d) for d in explanation.differences],
        }
    return doc


def summary_doc(results: Sequence[Verification], seconds: float) -> dict[str, Any]:
    """``--all``: every configuration's verdict and totals (no per-layer rows), and the overall ``ok``."""
    return {
        "ok": all(v.ok for v in results),
        "configurations": len(results),
        "mismatched": sum(not v.ok for v in results),
        "seconds": round(seconds, 1),
        "results": [verification_doc(v, layers=False) for v in results],
    }
