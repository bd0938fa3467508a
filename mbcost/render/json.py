"""JSON documents with exact integers: the machine contract of ``table``, ``compare`` and ``archs``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, TextIO

from mbcost.archs import Arch
from mbcost.compare import Comparison
from mbcost.layers import Conv2d, Linear, Pool, Shape
from mbcost.report import Report, Totals


def _shape(s: Shape) -> dict[str, int]:
    return {"c": s.c, "h": s.h, "w": s.w}


def _layer(layer: Conv2d | Linear | Pool) -> dict[str, Any]:
    return {"kind": layer.kind, **asdict(layer)}


def _totals(t: Totals) -> dict[str, int]:
    return {"macs": t.macs, "params": t.params, "flops": 2 * t.macs}


def report_doc(report: Report) -> dict[str, Any]:
    """``inputs``, ``rows`` (name, role, shapes, layer, macs, params, terms), ``totals`` and rollups."""
    return {
        "inputs": asdict(report.inputs),
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
        "inputs": asdict(comparison.shape)
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
                "published": [asdict(p) for p in a.published],
            }
            for a in archs
        ]
    }


def dump(doc: dict[str, Any], stream: TextIO) -> None:
    """Write ``doc`` as indented JSON with a trailing newline."""
    json.dump(doc, stream, indent=2, ensure_ascii=False)
    stream.write("\n")
