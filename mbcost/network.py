"""The network view the verifier needs: a report's rows grouped by unit (one repeat of one block)."""

from __future__ import annotations

from itertools import groupby
from typing import NamedTuple

from mbcost.layers import Add
from mbcost.plan import resolve_resolution
from mbcost.report import Report, Row, analyze_table
from mbcost.spec import Table


class Unit(NamedTuple):
    """One repeat of one block: its rows in order."""

    name: str
    rows: tuple[Row, ...]

    @property
    def residual(self) -> bool:
        """Whether the unit adds its input to its output."""
        return any(isinstance(r.layer, Add) for r in self.rows)


class Network(NamedTuple):
    """A table expanded at one configuration: its paper-convention report, grouped into units."""

    table: Table
    report: Report

    @property
    def alpha(self) -> float:
        """The width multiplier."""
        return self.report.inputs.alpha

    @property
    def depth(self) -> float:
        """The depth multiplier."""
        return self.report.inputs.depth

    @property
    def resolution(self) -> int:
        """The input size in pixels."""
        return self.report.inputs.resolution

    @property
    def impl(self) -> str:
        """The implementation whose rules built it."""
        return self.report.inputs.impl

    @property
    def layers(self) -> tuple[Row, ...]:
        """Every node in order."""
        return self.report.rows

    def under(self, convention: str) -> Report:
        """The same network's report under another counting convention."""
        i = self.report.inputs
        return analyze_table(self.table, i.alpha, i.resolution, i.impl, convention, depth=i.depth)

    def peak_elements(self) -> int:
        """The ``tflite`` peak of live activations, in elements (one byte per element)."""
        i = self.report.inputs
        report = analyze_table(
            self.table,
            i.alpha,
            i.resolution,
            i.impl,
            "paper",
            dtype="uint8",
            memory_rule="tflite",
            depth=i.depth,
        )
        return report.memory.peak_bytes

    @property
    def units(self) -> tuple[Unit, ...]:
        """The rows grouped by unit, in order."""
        return tuple(
            Unit(name, tuple(rows))
            for name, rows in groupby(self.layers, key=lambda r: r.node.unit)
        )


def build_network(
    table: Table,
    alpha: float = 1.0,
    resolution: int | None = None,
    impl: str = "paper",
    depth: float = 1.0,
) -> Network:
    """Expand ``table`` at width ``alpha``, depth ``depth`` and input ``resolution`` (default: the
    table's native)."""
    pixels = resolve_resolution(table.resolution, resolution, None)
    return Network(table, analyze_table(table, alpha, pixels, impl, "paper", depth=depth))
