"""mbcost: what a MobileNet-style CNN costs — MACs, parameters, activation memory — from its layer
table, before training.

Library use::

    import mbcost
    report = mbcost.analyze("v2", alpha=0.75, resolution=192)
    report.totals.macs, report.totals.params, report.totals.activations
    mbcost.analyze("v2", dtype="int8", memory_rule="inplace-dw").memory.peak_bytes
    mine = mbcost.analyze(mbcost.load_table("mynet.yaml"), alpha=0.5)
    grid = mbcost.sweep("v3-large", alphas=[0.5, 0.75, 1.0], resolutions=[160, 192, 224])
    deeper = mbcost.analyze("efficientnet-b0", alpha=0.75, depth=1.5)   # repeats ceil(n · 1.5)
    best = mbcost.fit(["v2", "v3-small"], max_macs=100_000_000).ranked[0]
    mbcost.published_accuracy("v1")          # every published top-1, with its source
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mbcost.archs import ARCHS, get_arch, list_archs
from mbcost.errors import MbcostError, ShapeError, SpecError, UnknownNameError
from mbcost.network import build_network
from mbcost.plan import resolve_resolution
from mbcost.report import Report, Row, Totals, analyze_table
from mbcost.spec import Table, parse_table
from mbcost.spec import load as load_table
from mbcost.sweep import Sweep, SweepPoint, sweep

if TYPE_CHECKING:
    from mbcost.accuracy import AccuracyFit, accuracy_fit, published_accuracy
    from mbcost.archs.accuracy import Accuracy
    from mbcost.choice import Candidate, FitResult, fit

# imported on first use, so that `mbcost table` does not pay for the fit and accuracy code (no name
# here is also a submodule's: importing the submodule would replace the attribute)
_LAZY = {
    "AccuracyFit": "mbcost.accuracy",
    "accuracy_fit": "mbcost.accuracy",
    "published_accuracy": "mbcost.accuracy",
    "Accuracy": "mbcost.archs.accuracy",
    "Candidate": "mbcost.choice",
    "FitResult": "mbcost.choice",
    "fit": "mbcost.choice",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'mbcost' has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = [
    "ARCHS",
    "Accuracy",
    "AccuracyFit",
    "Candidate",
    "FitResult",
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
    "accuracy_fit",
    "analyze",
    "build_network",
    "fit",
    "get_arch",
    "list_archs",
    "load_table",
    "parse_table",
    "published_accuracy",
    "sweep",
]


def analyze(
    arch: str | Table,
    alpha: float = 1.0,
    resolution: int | None = None,
    rho: float | None = None,
    impl: str = "paper",
    convention: str = "paper",
    dtype: str = "float32",
    weight_dtype: str | None = None,
    memory_rule: str = "tflite",
    depth: float = 1.0,
) -> Report:
    """The cost report of a built-in architecture (by name) or a ``Table`` at one configuration.

    ``resolution`` is the input size in pixels; ``rho`` multiplies the native resolution instead.
    ``dtype`` (and ``weight_dtype``, default the same) set the bytes per element of activations and
    weights; ``memory_rule`` is how activation memory is counted (``mbcost.memory.RULES``);
    ``depth`` multiplies the repeats of the rows that scale with depth (EfficientNet's stages).
    """
    table = get_arch(arch).table if isinstance(arch, str) else arch
    pixels = resolve_resolution(table.resolution, resolution, rho)
    return analyze_table(
        table, alpha, pixels, impl, convention, dtype, weight_dtype, memory_rule, depth
    )
