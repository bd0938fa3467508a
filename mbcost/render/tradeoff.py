"""Accuracy beside cost as documents and sheets: ``sweep --accuracy`` and ``fit``.

Published and estimated top-1 are always separate columns (and separate JSON keys): an estimate is
never shown where a published figure would be.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from mbcost.accuracy import MIN_POINTS, MODELS, AccuracyFit, RatedSweep, Rating
from mbcost.archs.accuracy import SOURCES
from mbcost.choice import BUDGETS, Candidate, Family, FitResult
from mbcost.quantities import QUANTITIES
from mbcost.render import documents
from mbcost.render.sheet import Column, Sheet, count_unit, format_fixed

COSTS = ("macs", "params")  # the costs accuracy is weighed against
NOTE_WIDTH = 80
_TOO_FEW = f"a fit needs {MIN_POINTS} published points"
ACCURACY_COLUMNS = (
    Column("top1", "top-1", "accuracy"),
    Column("estimate", "est.", "accuracy"),
    Column("estimate_error", "±", "accuracy"),
)


def _count(n: int) -> str:
    """``43.40M``: a count in the unit a table column would give it."""
    scale, suffix = count_unit([n])
    return f"{n:,}" if scale == 1 else f"{format_fixed(n, 2, scale)}{suffix}"


def _cost_columns() -> tuple[Column, ...]:
    return tuple(Column(q, QUANTITIES[q].label, "count") for q in COSTS)


def _accuracy_cells(rating: Rating, with_estimate: bool = True) -> tuple[Any, ...]:
    published = rating.published.top1 if rating.published else None
    if not with_estimate or rating.estimate is None:
        return published, None, None
    return published, round(rating.estimate, 2), round(rating.error or 0.0, 2)


def _fit_doc(fit: AccuracyFit | None) -> dict[str, Any] | None:
    if fit is None:
        return None
    return {
        "model": fit.model,
        "formula": MODELS[fit.model].formula,
        "points": fit.points,
        "loo_rms": round(fit.loo_rms, 4),
        "loo_max": round(fit.loo_max, 4),
        "covers": [list(p) for p in fit.hull],
        "coefficients": list(fit.coefficients),
        "center": list(fit.center),
    }


def _note(text: str) -> list[str]:
    """A note as lines of at most ``NOTE_WIDTH`` characters, continuation lines indented."""
    return textwrap.wrap(text, NOTE_WIDTH, subsequent_indent="  ", break_on_hyphens=False)


def _fit_note(fit: AccuracyFit, held_out: bool) -> list[str]:
    alphas, res = fit.alphas, fit.resolutions
    text = (
        f"est.: an estimate, not a measurement: {fit.arch} top-1 ≈ {MODELS[fit.model].formula}, "
        f"least squares over its {fit.points} published points (alpha {alphas[0]:g}-{alphas[1]:g}, "
        f"{res[0]}-{res[1]} px); ± is the fit's leave-one-out RMS error ({fit.loo_rms:.2f}, "
        f"max {fit.loo_max:.2f})."
    )
    if held_out:
        text += " A published configuration's estimate is from the fit without it."
    return _note(text)


def _source_notes(ratings: Sequence[Rating]) -> list[str]:
    keys = dict.fromkeys(r.published.source for r in ratings if r.published)
    return [
        line
        for k in keys
        for line in _note(f"top-1 [{k}]: {SOURCES[k].citation}; {SOURCES[k].recipe}")
    ]


def _sources_doc(ratings: Sequence[Rating]) -> dict[str, dict[str, str]]:
    keys = dict.fromkeys(r.published.source for r in ratings if r.published)
    return {k: SOURCES[k]._asdict() for k in keys}


def sweep_accuracy_sheets(rated: RatedSweep) -> list[Sheet]:
    """A sweep with each configuration's published and estimated top-1 and its place on the Pareto
    front."""
    result, _, ratings, front, fit = rated
    columns = (
        Column("alpha", "alpha", "int"),
        Column("resolution", "res", "int"),
        *_cost_columns(),
        *ACCURACY_COLUMNS,
        Column("pareto", "front"),
    )
    rows = [
        (
            p.alpha,
            p.resolution,
            *(getattr(p.totals, q) for q in COSTS),
            *_accuracy_cells(r),
            "*" if on else "",
        )
        for p, r, on in zip(result.points, ratings, front, strict=True)
    ]
    meta = [
        f"arch {result.arch} · impl {result.impl} · convention {result.convention} · "
        f"{len(rows):,} configurations · {sum(front)} on the front"
    ]
    label = QUANTITIES[rated.cost].label
    notes = [
        *_source_notes(ratings),
        *(_fit_note(fit, held_out=True) if fit else _note(f"est.: none ({_TOO_FEW})")),
        *_note(
            f"front *: no other configuration has fewer {label} and at least the top-1 "
            "(published, else est.)"
        ),
    ]
    context = [("arch", result.arch), ("impl", result.impl), ("convention", result.convention)]
    return [
        Sheet(f"{result.arch}: sweep with top-1", meta, columns, rows, notes=notes, context=context)
    ]


def sweep_accuracy_doc(rated: RatedSweep) -> dict[str, Any]:
    """The sweep document with, per point, ``accuracy`` (published top-1/top-5 and source, the
    estimate and its error) and ``pareto``; ``fit`` describes the estimate and ``sources`` cite."""
    doc = documents.sweep_doc(rated.sweep)
    doc["points"] = [
        {**point, "accuracy": documents.rating_doc(r), "pareto": on}
        for point, r, on in zip(doc["points"], rated.ratings, rated.front, strict=True)
    ]
    return {
        **doc,
        "pareto_cost": rated.cost,
        "fit": _fit_doc(rated.fit),
        "sources": _sources_doc(rated.ratings),
    }


def _value(name: str, value: int) -> str:
    """A budgeted cost as people read it: ``150.00M`` (a count), ``1,000,000 B`` (bytes),
    ``20.00 ms`` (a predicted latency)."""
    if BUDGETS[name].unit == "ms":
        return f"{value:,.2f} ms"
    return _count(value) if BUDGETS[name].unit == "count" else f"{value:,} B"


def _amount(name: str, value: int) -> str:
    return f"{_value(name, value)} {BUDGETS[name].label}"


def _budget_text(result: FitResult) -> str:
    return ", ".join(f"{BUDGETS[q].label} ≤ {_value(q, v)}" for q, v in result.budgets.items())


def _shown_costs(result: FitResult) -> list[str]:
    """MACs and params, each budgeted memory cost, and the predicted latency on a device."""
    shown = [*COSTS, *(q for q in result.budgets if q not in COSTS)]
    return [*shown, "latency_ms"] if result.device and "latency_ms" not in shown else shown


def _family_line(family: Family) -> str:
    if family.fit is None:
        return f"{family.arch}: {family.published} published, no estimates ({_TOO_FEW})"
    if family.alphas is None:
        return f"{family.arch}: {family.published} published (--published-only)"
    grid = f"{len(family.alphas)} x {len(family.resolutions)} grid"
    outside = f", {family.unrated:,} outside the published range" if family.unrated else ""
    return (
        f"{family.arch}: {family.published} published + {family.estimated:,} estimated "
        f"({grid}{outside})"
    )


def fit_sheets(result: FitResult) -> list[Sheet]:
    """The winner and runners-up: costs, published or estimated top-1, headroom per budget."""
    costs = _shown_costs(result)
    columns = (
        Column("rank", "#", "int"),
        Column("arch", "arch"),
        Column("alpha", "alpha", "int"),
        Column("resolution", "res", "int"),
        *(Column(q, BUDGETS[q].header, BUDGETS[q].unit) for q in costs),
        *ACCURACY_COLUMNS,
        *(
            Column(f"{q}_headroom", f"{BUDGETS[q].header} left", BUDGETS[q].unit)
            for q in result.budgets
        ),
    )
    rows = [
        (
            rank,
            c.arch,
            c.alpha,
            c.resolution,
            *(c.cost(q) for q in costs),
            *_accuracy_cells(c.rating, with_estimate=c.rating.published is None),
            *result.headroom(c).values(),
        )
        for rank, c in enumerate(result.ranked, 1)
    ]
    meta = [
        *(_family_line(f) for f in result.families),
        f"{len(result.pool):,} candidates, {result.within:,} within budget · paper convention"
        + _memory_text(result),
    ]
    if result.device:
        from mbcost.render.latency import fit_error

        d = result.device
        meta.append(f"ms: latency predicted for {d.name} · {fit_error(d)}")
    estimated = {c.arch for c in result.ranked if c.rating.published is None}
    fits = [f.fit for f in result.families if f.fit and f.arch in estimated]
    notes = [*_source_notes([c.rating for c in result.ranked])]
    for fit in fits:
        notes += _fit_note(fit, held_out=False)
    if fits:
        error = max(f.loo_rms for f in fits)
        best, *others = result.ranked
        close = sum(best.top1 - c.top1 <= error for c in others)
        if close:
            notes += _note(
                f"{close} of the runners-up are within {error:.2f} points of the winner: "
                "closer than the estimate's error, so choose among them by cost."
            )
    title = f"fit: most accurate with {_budget_text(result)}"
    return [Sheet(title, meta, columns, rows, notes=notes)]


def _memory_text(result: FitResult) -> str:
    """How the budgeted memory was counted, when a memory budget is given."""
    dtype, weight_dtype, rule = result.memory
    parts = []
    if "peak_bytes" in result.budgets:
        parts.append(f"peak: rule {rule}, {dtype}")
    if "weight_bytes" in result.budgets:
        parts.append(f"weights: {weight_dtype}")
    return "".join(f" · {p}" for p in parts)


def _candidate_doc(rank: int, c: Candidate, result: FitResult) -> dict[str, Any]:
    published = c.rating.published
    if published:
        accuracy = {
            "top1": published.top1,
            "top5": published.top5,
            "basis": "published",
            "source": published.source,
            **SOURCES[published.source]._asdict(),
        }
    else:
        accuracy = {
            "top1": c.rating.estimate,
            "basis": "estimate",
            "loo_error": c.rating.error,
        }
    return {
        "rank": rank,
        "arch": c.arch,
        "alpha": c.alpha,
        "resolution": c.resolution,
        **c.totals._asdict(),
        "peak_bytes": c.peak_bytes,
        "weight_bytes": c.weight_bytes,
        "accuracy": accuracy,
        "headroom": result.headroom(c),
        **({"latency_ms": c.latency_ms} if result.device else {}),
    }


def fit_doc(result: FitResult) -> dict[str, Any]:
    """``inputs``, ``candidates`` best first (arch, alpha, resolution, costs, ``accuracy`` with its
    source or estimate error, ``headroom``), counts, and per family its fit and grid."""
    return {
        "inputs": {
            "budgets": {f"max_{q}": v for q, v in result.budgets.items()},
            "published_only": result.published_only,
            "top": result.top,
            "impl": "paper",
            "convention": "paper",
            "dtype": result.memory[0],
            "weight_dtype": result.memory[1],
            "memory_rule": result.memory[2],
            **({"device": result.device.name} if result.device else {}),
        },
        "candidates": [_candidate_doc(i, c, result) for i, c in enumerate(result.ranked, 1)],
        "considered": len(result.pool),
        "within_budget": result.within,
        "families": [
            {
                "arch": f.arch,
                "published": f.published,
                "fit": _fit_doc(f.fit),
                "grid": None
                if f.alphas is None
                else {"alphas": list(f.alphas), "resolutions": list(f.resolutions)},
                "estimated": f.estimated,
                "unrated": f.unrated,
            }
            for f in result.families
        ],
    }


def nothing_fits(result: FitResult) -> str:
    """The one-line reason no candidate fits: the budgets and the cheapest candidate in the first
    budget's cost."""
    first = next(iter(result.budgets))
    cheapest = min(result.pool, key=lambda c: (c.cost(first), c.totals))
    costs = ", ".join(_amount(q, cheapest.cost(q)) for q in _shown_costs(result))
    return (
        f"nothing fits {_budget_text(result)}: the cheapest of {len(result.pool):,} candidates "
        f"in {BUDGETS[first].label} is {cheapest.arch} {cheapest.alpha:g}-{cheapest.resolution} "
        f"({costs})"
    )
