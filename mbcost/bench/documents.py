"""A bench measurement as a JSON document and as sheets. Latencies are in milliseconds; every
document states what was measured, on which machine, runtime and versions, with how many threads."""

from __future__ import annotations

from typing import Any

from mbcost.bench.run import Measurement
from mbcost.bench.stats import Spread
from mbcost.render.sheet import Column, Sheet

MS = 1000.0  # seconds -> milliseconds


def _latency(s: Spread | None) -> dict[str, Any] | None:
    if s is None:
        return None
    ms = s.scaled(MS)
    return {"median": ms.median, "q1": ms.q1, "q3": ms.q3, "iqr": ms.iqr, "repeats": ms.repeats}


def _shape(s) -> dict[str, int]:
    return {"c": s.c, "h": s.h, "w": s.w}


def _runtime(m: Measurement) -> str:
    s = m.setup
    if s.runtime == "torch":
        name = f"torch {s.versions['torch']} eager"
    else:
        name = f"onnxruntime {s.versions['onnxruntime']} CPU (from torch {s.versions['torch']})"
    threads = f"{s.threads} thread{'s' if s.threads > 1 else ''}"
    clock = "" if s.clock == "wall" else " · clock: CPU time of the calling thread"
    return f"runtime: {name} · {threads} · batch 1 · float32 · allocator: {s.allocator}{clock}"


def _stopped(m: Measurement) -> str:
    p = m.plan
    return {
        "fixed": f"--repeats {p.fixed}",
        "settled": f"settled (median's standard error ≤ {100 * p.precision:g}%)",
        "time limit": f"time limit {p.time_limit:g} s",
        "maximum": f"{p.maximum} repeats",
    }[m.stopped]


def meta_lines(m: Measurement) -> list[str]:
    """What was measured, where and how: the lines above every bench table."""
    s, t = m.setup, m.total.scaled(MS)
    return [
        f"arch {s.arch} · alpha {s.alpha:g}{f' · depth {s.depth:g}' if s.depth != 1 else ''} · "
        f"resolution {s.resolution}x{s.resolution} · impl {s.impl} · model {s.against}",
        f"model: {s.model}; {s.folded} BatchNorms folded into their convs",
        _runtime(m),
        f"machine: {m.machine}",
        f"measured: median {t.median:.3f} ms, IQR {t.q1:.3f}-{t.q3:.3f} ms · {t.repeats} runs "
        f"after {m.warmup} warm-up · stopped: {_stopped(m)}",
    ]


def summary(m: Measurement) -> str:
    """One line for stderr: the whole model's median and IQR, runtime and threads."""
    s, t = m.setup, m.total.scaled(MS)
    return (
        f"{s.arch} {s.alpha:g}@{s.resolution} median {t.median:.3f} ms "
        f"(IQR {t.q1:.3f}-{t.q3:.3f}, {t.repeats} repeats) on {s.runtime}, {s.threads} thread"
        + ("s" if s.threads > 1 else "")
    )


def bench_doc(m: Measurement) -> dict[str, Any]:
    """``inputs``, ``machine``, ``runtime``, ``model``, ``timing``, ``totals`` (``latency_ms`` with
    its spread, the engine's MACs) and ``rows`` (each engine row, its MACs and ``latency_ms``, which
    is null when the model was timed whole)."""
    s = m.setup
    layers = m.layers or (None,) * len(m.report.rows)
    summed = sum(x.median for x in m.layers) * MS if m.layers else None
    return {
        "inputs": {
            "arch": s.arch,
            "alpha": s.alpha,
            "depth": s.depth,
            "resolution": s.resolution,
            "impl": s.impl,
            "against": s.against,
            "runtime": s.runtime,
            "threads": s.threads,
            "batch": 1,
            "dtype": "float32",
        },
        "machine": m.machine._asdict(),
        "runtime": {"name": s.runtime, "versions": s.versions},
        "model": {"description": s.model, "batchnorms_folded": s.folded},
        "allocator": s.allocator,
        "timing": {
            "unit": "ms",
            "clock": s.clock,
            "warmup": m.warmup,
            "repeats": m.total.repeats,
            "stopped": m.stopped,
            "fixed_repeats": m.plan.fixed,
            "precision": m.plan.precision,
            "time_limit_s": m.plan.time_limit,
            "per_layer": m.layers is not None,
            "per_layer_note": m.per_layer_note,
        },
        "totals": {
            "latency_ms": _latency(m.total),
            "layers_median_sum_ms": summed,
            "unattributed_ms": _latency(m.unattributed),
            "macs": m.report.totals.macs,
        },
        "rows": [
            {
                "index": r.index,
                "name": r.name,
                "block": r.block,
                "role": r.role.value,
                "kind": r.layer.kind,
                "in_shape": _shape(r.in_shape),
                "out_shape": _shape(r.out_shape),
                "macs": r.macs,
                "latency_ms": _latency(layer),
            }
            for r, layer in zip(m.report.rows, layers, strict=True)
        ],
    }


_COLUMNS = (
    Column("index", "#", "int"),
    Column("name", "layer"),
    Column("role", "role"),
    Column("out_shape", "output"),
    Column("macs", "MACs", "count"),
    Column("median_ms", "median ms", "ratio"),
    Column("iqr_ms", "IQR ms", "ratio"),
    Column("share", "% time", "percent"),
)


def bench_sheets(m: Measurement) -> list[Sheet]:
    """One row per engine row with its median and IQR (when timed per layer), and the whole
    model's measured latency as the footer."""
    meta = meta_lines(m)
    context = [(k, v) for k, v in bench_doc(m)["inputs"].items()]
    total = m.total.scaled(MS)
    rows: list[tuple] = []
    notes: list[str] = []
    if m.layers is not None:
        summed = sum(x.median for x in m.layers)
        for r, layer in zip(m.report.rows, m.layers, strict=True):
            ms = layer.scaled(MS)
            share = 100 * layer.median / summed if summed else 0.0
            rows.append(
                (r.index, r.name, r.role.value, str(r.out_shape), r.macs, ms.median, ms.iqr, share)
            )
        notes.append(f"per layer: {m.per_layer_note}; the medians sum to {summed * MS:.3f} ms")
        if m.unattributed is not None:
            notes.append(
                f"runtime work outside any layer (layout reorders): median "
                f"{m.unattributed.median * MS:.3f} ms per run"
            )
    else:
        notes.append(f"not timed per layer: {m.per_layer_note}")
    footer = (
        None,
        "whole model",
        "",
        "",
        m.report.totals.macs,
        total.median,
        total.iqr,
        None,
    )
    title = f"{m.setup.arch}: latency on {m.setup.runtime}"
    return [Sheet(title, meta, _COLUMNS, rows, footer, notes, context)]
