"""Predicted latency in documents and sheets: the columns, cells and meta line that ``table``,
``sweep`` and ``fit`` add with ``--device``, and the ``devices`` and ``calibrate`` documents. Every
figure is labelled a prediction, with the profile's fit error beside it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mbcost.latency.profile import Profile, profile_fields
from mbcost.render.sheet import Column, Sheet

if TYPE_CHECKING:
    from mbcost.latency.fit import FitReport
    from mbcost.latency.predicted import Latency

LAYER_COLUMNS = (
    Column("latency_ms", "pred. ms", "ms"),
    Column("latency_percent", "% time", "percent"),
    Column("bound", "bound"),
)
ROLLUP_COLUMNS = LAYER_COLUMNS[:2]


def fit_error(profile: Profile) -> str:
    """``leave-one-out error 4.2% median, 19.2% max``, or that the profile does not record it."""
    fit = profile.fit or {}
    median, largest = fit.get("loo_median_error_percent"), fit.get("loo_max_error_percent")
    if median is None or largest is None:
        return "fit error not recorded in the profile"
    return f"leave-one-out error {median:g}% median, {largest:g}% max"


def meta_line(latency: Latency) -> str:
    """The line above a table that says where its latency comes from."""
    p = latency.device
    return f"latency predicted for {p.name}: {1e3 * latency.total:.2f} ms · {fit_error(p)}"


def inputs_doc(profile: Profile) -> dict[str, Any]:
    """``inputs.device`` and ``latency`` of a JSON document: what the prediction rests on."""
    return {
        "name": profile.name,
        "file": profile.origin,
        "dtype": profile.dtype,
        "source": profile.source,
        "predicted": True,
        "fit": dict(profile.fit) if profile.fit else None,
    }


def row_cells(latency: Latency, index: int) -> dict[str, Any]:
    """A layer row's predicted milliseconds, share of the total and bound."""
    seconds = latency.seconds[index]
    return {
        "latency_ms": 1e3 * seconds,
        "latency_percent": _percent(seconds, latency.total),
        "bound": latency.bounds[index],
    }


def group_cells(seconds: float, total: float) -> dict[str, Any]:
    """A rollup row's predicted milliseconds and share."""
    return {"latency_ms": 1e3 * seconds, "latency_percent": _percent(seconds, total)}


def _percent(part: float, whole: float) -> float:
    return 100 * part / whole if whole else 0.0


def devices_sheets(profiles: Sequence[Profile]) -> list[Sheet]:
    """One row per built-in profile: its dense (pointwise) compute rate, the memory ceiling of
    depthwise layers and of the others, its cost per layer and its fit's leave-one-out error."""
    columns = (
        Column("name", "name"),
        Column("dtype", "dtype"),
        Column("dense_gmacs", "dense GMAC/s", "ratio"),
        Column("depthwise_gbs", "dw GB/s", "ratio"),
        Column("bandwidth_gbs", "GB/s", "ratio"),
        Column("kernel_us", "µs/layer", "ratio"),
        Column("loo_median", "LOO median %", "percent"),
        Column("loo_max", "LOO max %", "percent"),
        Column("description", "description"),
        Column("source", "source"),
    )
    rows = []
    for p in profiles:
        fit = p.fit or {}
        rows.append(
            (
                p.name,
                p.dtype,
                p.rates_gmacs.get("pointwise"),
                p.bandwidth_by_kind_gbs.get("depthwise", p.bandwidth_gbs),
                p.bandwidth_gbs,
                p.kernel_us,
                fit.get("loo_median_error_percent"),
                fit.get("loo_max_error_percent"),
                p.description,
                p.source,
            )
        )
    meta = [
        "predicted layer time = max(MACs / rate, bytes / bandwidth) + per-layer cost + "
        "element-wise costs",
        "LOO: leave-one-out error of the profile's fit on its calibration data",
    ]
    return [Sheet("built-in devices", meta, columns, rows)]


def profile_doc(p: Profile) -> dict[str, Any]:
    """Every field of a profile, as in its YAML file."""
    return profile_fields(p)


def devices_doc(profiles: Sequence[Profile]) -> dict[str, Any]:
    """``devices``: every built-in profile's fields."""
    return {"devices": [profile_doc(p) for p in profiles]}


def calibration_sheets(profile: Profile, report: FitReport) -> list[Sheet]:
    """Per sample measured, predicted and leave-one-out predicted milliseconds and their errors."""
    columns = (
        Column("sample", "sample"),
        Column("measured_ms", "measured ms", "ms"),
        Column("predicted_ms", "fit ms", "ms"),
        Column("error_percent", "error %", "percent"),
        Column("loo_ms", "LOO ms", "ms"),
        Column("loo_error_percent", "LOO error %", "percent"),
    )
    rows = [
        (
            s.label,
            1e3 * s.measured,
            1e3 * s.predicted,
            100 * s.error,
            None if s.loo_predicted is None else 1e3 * s.loo_predicted,
            None if s.loo_error is None else 100 * s.loo_error,
        )
        for s in report.samples
    ]
    meta = [
        f"profile {profile.name} ({profile.dtype}) · {len(report.parameters)} free parameters "
        f"({', '.join(report.parameters)})",
        _parameters_line(profile),
        *_working_set_lines(profile),
    ]
    loo = report.loo_median_error
    notes = [
        f"fit |error| median {100 * report.median_error:.1f}%, max {100 * report.max_error:.1f}%"
        + (
            f"; leave-one-out median {100 * loo:.1f}%, max {100 * report.loo_max_error:.1f}%"
            if loo is not None
            else "; leave-one-out not run (no more samples than parameters)"
        )
    ]
    return [Sheet(f"calibration of {profile.name}", meta, columns, rows, notes=notes)]


def _parameters_line(p: Profile) -> str:
    rates = ", ".join(f"{k} {v:g}" for k, v in p.rates_gmacs.items())
    ceilings = "".join(f", {k} {v:g}" for k, v in p.bandwidth_by_kind_gbs.items())
    kernels = "".join(f", {k} {v:g}" for k, v in p.kernel_us_by_kind.items())
    weights = (
        f" · weights {p.weight_bandwidth_gbs:g} GB/s" if p.weight_bandwidth_gbs is not None else ""
    )
    return (
        f"GMAC/s: {rates} · GB/s: {p.bandwidth_gbs:g}{ceilings}{weights} · "
        f"{p.kernel_us:g} µs per layer{kernels}"
    )


def _working_set_lines(p: Profile) -> list[str]:
    ws = p.working_set
    if ws is None:
        return []
    return [
        f"working set: {ws.cache_mb:g} MB cache · a network touching F bytes adds F / (F + cache) "
        f"of {ws.kernel_us:g} µs per layer, weights at {ws.weight_bandwidth_gbs:g} GB/s and "
        f"activations at {ws.activation_bandwidth_gbs:g} GB/s"
    ]


def calibration_doc(profile: Profile, report: FitReport) -> dict[str, Any]:
    """The fitted profile and each sample's fit and leave-one-out prediction."""
    return {
        "profile": profile_doc(profile),
        "parameters": list(report.parameters),
        "samples": [
            {
                "label": s.label,
                "measured_ms": 1e3 * s.measured,
                "predicted_ms": 1e3 * s.predicted,
                "error": s.error,
                "loo_predicted_ms": None if s.loo_predicted is None else 1e3 * s.loo_predicted,
                "loo_error": s.loo_error,
            }
            for s in report.samples
        ],
        "summary": {
            "median_error": report.median_error,
            "max_error": report.max_error,
            "loo_median_error": report.loo_median_error,
            "loo_max_error": report.loo_max_error,
        },
    }


def sweep_sheets(
    sheets: list[Sheet], seconds: Sequence[float], profile: Profile, note: str | None
) -> list[Sheet]:
    """A sweep's sheet with a predicted-milliseconds column appended (CSV readers index columns)
    and a meta line naming the device and its fit error."""
    (sheet,) = sheets
    rows = [(*row, 1e3 * s) for row, s in zip(sheet.rows, seconds, strict=True)]
    meta = [*sheet.meta, f"pred. ms: latency predicted for {profile.name} · {fit_error(profile)}"]
    return [
        sheet._replace(
            meta=meta,
            columns=(*sheet.columns, LAYER_COLUMNS[0]),
            rows=rows,
            notes=(*sheet.notes, *([note] if note else [])),
            context=(*sheet.context, ("device", profile.name)),
        )
    ]


def sweep_doc(
    doc: dict[str, Any], seconds: Sequence[float], profile: Profile, max_latency: float | None
) -> dict[str, Any]:
    """A sweep's document with ``latency_ms`` (predicted) per point, ``inputs.device`` and
    ``inputs.max_latency_ms``, and ``latency`` (the profile and its fit error)."""
    doc["inputs"] |= {
        "device": profile.name,
        "max_latency_ms": None if max_latency is None else 1e3 * max_latency,
    }
    for point, s in zip(doc["points"], seconds, strict=True):
        point["latency_ms"] = 1e3 * s
    doc["latency"] = inputs_doc(profile)
    return doc
