"""Calibration data: measured whole-model latencies from a CSV file (``arch,alpha,resolution,ms``
and an optional ``source`` column citing where each figure comes from), turned into fit samples
by the engine (each configuration's layers, ``report_work``)."""

from __future__ import annotations

import csv
import io
import math
from typing import NamedTuple

from mbcost.errors import MbcostError
from mbcost.latency.work import LayerWork, report_work

COLUMNS = ("arch", "alpha", "resolution", "ms")
OPTIONAL_COLUMNS = ("source",)


class Measurement(NamedTuple):
    """One measured configuration of a built-in architecture (or a table file)."""

    arch: str
    alpha: float
    resolution: int
    ms: float
    source: str = ""

    @property
    def label(self) -> str:
        """``v2-0.35-96``."""
        return f"{self.arch}-{self.alpha:g}-{self.resolution}"


def read_measurements(path: str) -> list[Measurement]:
    """The rows of a measurements CSV; a bad file, header or value is one error naming the file,
    the line and the column."""
    from mbcost.loading import _read

    try:
        text = _read(path)
    except MbcostError as exc:
        raise MbcostError(str(exc).replace("the table", "the measurements")) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _rows(reader, path)
    except csv.Error as exc:  # a quote or a line break the CSV dialect cannot read
        raise MbcostError(f"{path}:{reader.line_num}: not a readable CSV line ({exc})") from None


def _rows(reader, path: str) -> list[Measurement]:
    """The measurements of a ``csv.reader`` over the file, its header first."""
    header = [h.strip() for h in next(reader, [])]
    allowed = (*COLUMNS, *OPTIONAL_COLUMNS)
    unknown = [h for h in header if h not in allowed]
    missing = [c for c in COLUMNS if c not in header]
    if unknown or missing or len(set(header)) != len(header):
        raise MbcostError(
            f"{path}:1: the header must name the columns {', '.join(COLUMNS)} "
            f"(and optionally {', '.join(OPTIONAL_COLUMNS)}), got {','.join(header)!r}"
        )
    rows = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise MbcostError(f"{path}:{line}: expected {len(header)} values, got {len(cells)}")
        raw = {h: c.strip() for h, c in zip(header, cells, strict=True)}
        rows.append(_measurement(raw, f"{path}:{line}"))
    if not rows:
        raise MbcostError(f"{path}: no measurements")
    return rows


def _measurement(raw: dict[str, str], where: str) -> Measurement:
    def number(column: str, integer: bool = False) -> float:
        try:
            value = int(raw[column]) if integer else float(raw[column])
        except ValueError:
            value = None
        if value is None or not math.isfinite(value) or value <= 0:
            kind = "a positive integer" if integer else "a positive number"
            raise MbcostError(f"{where}: {column} must be {kind}, got {raw[column]!r}")
        return value

    if not raw["arch"]:
        raise MbcostError(f"{where}: arch must name a built-in architecture or a table file")
    return Measurement(
        raw["arch"],
        number("alpha"),
        int(number("resolution", integer=True)),
        number("ms"),
        raw.get("source", ""),
    )


def measurement_samples(
    measurements: list[Measurement],
) -> tuple[list[tuple[list[LayerWork], float]], list[str]]:
    """Per measurement its layers (paper implementation) and seconds, and its label."""
    import mbcost

    samples, labels = [], []
    for m in measurements:
        try:
            source = (
                mbcost.load_table(m.arch) if m.arch.endswith((".yaml", ".yml", ".json")) else m.arch
            )
            report = mbcost.analyze(source, alpha=m.alpha, resolution=m.resolution)
        except MbcostError as exc:
            raise MbcostError(f"measurement {m.label}: {exc}") from None
        samples.append((report_work(report), m.ms / 1000))
        labels.append(m.label)
    return samples, labels
