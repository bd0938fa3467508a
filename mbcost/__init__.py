"""mbcost: what a MobileNet-style CNN costs — MACs, parameters — from its layer table, before training.

Library use::

    import mbcost
    report = mbcost.analyze("v2", alpha=0.75, resolution=192)
    report.totals.macs, report.totals.params
    mine = mbcost.analyze(mbcost.load_table("mynet.yaml"), alpha=0.5)
    grid = mbcost.sweep("v3-large", alphas=[0.5, 0.75, 1.0], resolutions=[160, 192, 224])
"""

from __future__ import annotations

from mbcost.archs import ARCHS, get_arch, list_archs
from mbcost.errors import MbcostError, ShapeError, SpecError, UnknownNameError
from mbcost.network import build_network
from mbcost.plan import resolve_resolution
from mbcost.report import Report, Row, Totals, analyze_table
from mbcost.spec import Table, parse_table
from mbcost.spec import load as load_table
from mbcost.sweep import Sweep, SweepPoint, sweep

__version__ = "0.1.0"

__all__ = [
    "ARCHS",
    "MbcostError",
    "Report",
    "Row",
    "ShapeError",
    "SpecError",
    "Sweep",
    "SweepPoint",
    "Table",
    "Totals",
    "UnknownNameError",
    "__version__",
    "analyze",
    "build_network",
    "get_arch",
    "list_archs",
    "load_table",
    "parse_table",
    "sweep",
]


def analyze(
    arch: str | Table,
    alpha: float = 1.0,
    resolution: int | None = None,
    rho: float | None = None,
    impl: str = "paper",
    convention: str = "paper",
) -> Report:
    """The cost report of a built-in architecture (by name) or a ``Table`` at one configuration.

    ``resolution`` is the input size in pixels; ``rho`` multiplies the native resolution instead.
    """
    table = get_arch(arch).table if isinstance(arch, str) else arch
    pixels = resolve_resolution(table.resolution, resolution, rho)
    return analyze_table(table, alpha, pixels, impl, convention)
