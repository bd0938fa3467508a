"""Budget checks for CI: models with limits on MACs, parameters and the largest layer, and baselines
that catch growth. Results are data (``CheckRow``); the CLI renders them and maps a failure to exit 1.

A budget file is TOML: ``[tool.mbcost]`` in ``pyproject.toml`` or the top level of ``mbcost.toml``::

    baseline = "mbcost-baseline.json"   # optional
    tolerance = "1%"                    # growth past the baseline that still passes

    [[models]]                          # [[tool.mbcost.models]] in pyproject.toml
    name = "v2-160"
    arch = "v2"                         # or spec = "net.yaml", or torch = "package.module:factory"
    alpha = 0.75
    resolution = 160
    max_macs = "150M"
    max_params = "3.5M"
    max_layer_macs = "20M"
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from mbcost.errors import BudgetConfigError, MbcostError
from mbcost.units import parse_count

METRICS = ("macs", "params", "layer_macs")
LIMITS = {f"max_{m}": m for m in METRICS}
SOURCES = ("arch", "spec", "torch")
MODEL_KEYS = (
    "name",
    *SOURCES,
    "alpha",
    "resolution",
    "rho",
    "impl",
    "convention",
    "in_channels",
    *LIMITS,
)
TOP_KEYS = ("models", "baseline", "tolerance")
BASELINE_FORMAT = 1


class Model(NamedTuple):
    """One model to check: where it comes from, how to count it, and its limits."""

    name: str
    source: str  # "arch", "spec" or "torch"
    target: str  # the arch name, the table path, or "package.module:factory"
    options: Mapping[str, Any]  # alpha, resolution, rho, impl, convention, in_channels
    limits: Mapping[str, int]  # metric -> limit


class Config(NamedTuple):
    """A budget file: its models, optional baseline path and tolerance (a fraction)."""

    path: str
    models: tuple[Model, ...]
    baseline: str | None
    tolerance: float


class Measured(NamedTuple):
    """A model's counts: total MACs and params, and its largest layer's MACs and name."""

    macs: int
    params: int
    layer_macs: int
    layer: str

    def metric(self, name: str) -> int:
        """The count called ``name`` (one of METRICS)."""
        return getattr(self, name)


class CheckRow(NamedTuple):
    """One limit or baseline comparison: ``status`` is ``pass``, ``fail``, ``improved`` or ``new``."""

    model: str
    check: str  # "max_macs", ..., or "baseline macs", ...
    measured: int
    limit: int | None
    status: str

    @property
    def headroom(self) -> int | None:
        """Limit minus measured (negative when over)."""
        return None if self.limit is None else self.limit - self.measured


class CheckResult(NamedTuple):
    """Every check row, and each model's measurement (what ``--update-baseline`` records)."""

    config: Config
    rows: tuple[CheckRow, ...]
    measured: Mapping[str, Measured]

    @property
    def failures(self) -> tuple[CheckRow, ...]:
        """The rows that fail the run."""
        return tuple(r for r in self.rows if r.status == "fail")


def parse_tolerance(value: Any, where: str = "tolerance") -> float:
    """``"1%"``, ``"0.5 %"`` or a number of percent -> a fraction (0.01)."""
    text = str(value).strip().removesuffix("%").strip()
    try:
        percent = float(text)
    except ValueError:
        raise BudgetConfigError(
            f"{where} must be a percentage like 1% or 0.5%, got {value!r}"
        ) from None
    if not 0 <= percent <= 1000:
        raise BudgetConfigError(f"{where} must be between 0% and 1000%, got {value!r}")
    return percent / 100


def find_config(path: str | None = None) -> str:
    """``path``, else ``pyproject.toml`` with a ``[tool.mbcost]`` table, else ``mbcost.toml``."""
    if path is not None:
        return path
    if (
        Path("pyproject.toml").is_file()
        and "tool" in _read_toml("pyproject.toml")
        and ("mbcost" in _read_toml("pyproject.toml")["tool"])
    ):
        return "pyproject.toml"
    if Path("mbcost.toml").is_file():
        return "mbcost.toml"
    raise BudgetConfigError(
        "no budget file: add [tool.mbcost] to pyproject.toml, create mbcost.toml, or pass --config"
    )


def _read_toml(path: str) -> dict[str, Any]:
    import tomllib

    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise BudgetConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise BudgetConfigError(f"{path}: malformed TOML: {exc}") from None


def load_config(path: str) -> Config:
    """Read and validate a budget file (see the module docstring for its keys)."""
    data = _read_toml(path)
    if Path(path).name == "pyproject.toml":
        data = data.get("tool", {}).get("mbcost")
        if not isinstance(data, dict):
            raise BudgetConfigError(f"{path}: no [tool.mbcost] table")
    for key in data:
        if key not in TOP_KEYS:
            raise BudgetConfigError(f"{path}: unknown key '{key}' (allowed: {', '.join(TOP_KEYS)})")
    raw_models = data.get("models")
    if not isinstance(raw_models, list) or not raw_models:
        raise BudgetConfigError(f"{path}: needs at least one [[models]] entry")
    base = Path(path).parent
    models = tuple(_parse_model(m, i, path, base) for i, m in enumerate(raw_models))
    names = [m.name for m in models]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise BudgetConfigError(f"{path}: model name '{duplicate}' is used twice")
    baseline = data.get("baseline")
    if baseline is not None and not isinstance(baseline, str):
        raise BudgetConfigError(f"{path}: baseline must be a file path, got {baseline!r}")
    return Config(
        path,
        models,
        str(base / baseline) if baseline else None,
        parse_tolerance(data.get("tolerance", 0), f"{path}: tolerance"),
    )


def _parse_model(raw: Any, index: int, path: str, base: Path) -> Model:
    where = f"{path}: models[{index}]"
    if not isinstance(raw, dict):
        raise BudgetConfigError(f"{where}: must be a table of keys")
    for key in raw:
        if key not in MODEL_KEYS:
            raise BudgetConfigError(
                f"{where}: unknown key '{key}' (allowed: {', '.join(MODEL_KEYS)})"
            )
    sources = [s for s in SOURCES if s in raw]
    if len(sources) != 1:
        raise BudgetConfigError(f"{where}: give exactly one of {', '.join(SOURCES)}")
    source = sources[0]
    target = raw[source]
    if not isinstance(target, str) or not target:
        raise BudgetConfigError(f"{where}: '{source}' must be a non-empty string")
    if source == "spec":
        target = str(base / target)
    if source == "torch" and ":" not in target:
        raise BudgetConfigError(
            f"{where}: torch must look like package.module:factory, got {target!r}"
        )
    name = raw.get("name", raw[source])
    if not isinstance(name, str) or not name:
        raise BudgetConfigError(f"{where}: name must be a non-empty string")
    limits = {}
    for key, metric in LIMITS.items():
        if key in raw:
            try:
                limits[metric] = parse_count(raw[key])
            except ValueError as exc:
                raise BudgetConfigError(f"{where} ({name}): {key}: {exc}") from None
    options = {
        k: raw[k]
        for k in ("alpha", "resolution", "rho", "impl", "convention", "in_channels")
        if k in raw
    }
    return Model(name, source, target, options, limits)


def measure(model: Model) -> Measured:
    """Count one model: built-ins and tables with the engine, torch models with fvcore."""
    try:
        if model.source == "torch":
            return _measure_torch(model)
        return _measure_table(model)
    except MbcostError as exc:
        raise BudgetConfigError(f"model '{model.name}': {exc}") from None


def _measure_table(model: Model) -> Measured:
    import mbcost
    from mbcost.spec import load

    table = load(model.target) if model.source == "spec" else mbcost.get_arch(model.target).table
    options = {k: v for k, v in model.options.items() if k != "in_channels"}
    report = mbcost.analyze(table, **options)
    largest = max(report.rows, key=lambda r: r.macs)
    return Measured(report.totals.macs, report.totals.params, largest.macs, largest.name)


def _measure_torch(model: Model) -> Measured:
    import importlib

    from mbcost.verify import require_torch

    require_torch()
    from mbcost.verify.count import count_with_fvcore

    unknown = set(model.options) - {"resolution", "in_channels", "convention"}
    if unknown:
        raise MbcostError(
            f"torch models take resolution, in_channels and convention, not {sorted(unknown)}"
        )
    module_name, _, factory_name = model.target.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), factory_name)
        net = factory()
    except Exception as exc:  # a user's factory can fail in any way; report it as one line
        raise MbcostError(f"cannot build {model.target}: {type(exc).__name__}: {exc}") from None
    count = count_with_fvcore(
        net, model.options.get("resolution", 224), model.options.get("in_channels", 3)
    )
    convention = model.options.get("convention", "paper")
    if convention not in ("paper", "fvcore", "torch"):
        raise MbcostError(f"convention must be paper, fvcore or torch, got {convention!r}")
    macs = count.total if convention == "fvcore" else sum(m.macs for m in count.modules)
    params = sum(m.params for m in count.modules) if convention == "paper" else count.params
    largest = max(count.modules, key=lambda m: m.macs)
    return Measured(macs, params, largest.macs, largest.name)


def read_baseline(path: str) -> dict[str, dict[str, int]]:
    """The recorded counts per model name."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise BudgetConfigError(
            f"{path}: cannot read the baseline: {exc.strerror or exc}"
        ) from None
    except json.JSONDecodeError as exc:
        raise BudgetConfigError(f"{path}: malformed baseline JSON: {exc}") from None
    models = data.get("models") if isinstance(data, dict) else None
    if not isinstance(models, dict) or not all(
        isinstance(v, dict) and all(isinstance(v.get(m), int) for m in METRICS)
        for v in models.values()
    ):
        raise BudgetConfigError(
            f"{path}: not an mbcost baseline (expected models with {', '.join(METRICS)})"
        )
    return models


def measure_all(
    config: Config, progress: Callable[[Model], None] | None = None
) -> dict[str, Measured]:
    """Every model's counts, in file order (``progress`` is told before each model)."""
    measured = {}
    for model in config.models:
        if progress:
            progress(model)
        measured[model.name] = measure(model)
    return measured


def run_checks(
    config: Config,
    baseline: str | None = None,
    tolerance: float | None = None,
    progress: Callable[[Model], None] | None = None,
) -> CheckResult:
    """Measure every model and compare it with its limits and, if any, the baseline."""
    baseline = baseline or config.baseline
    tolerance = config.tolerance if tolerance is None else tolerance
    recorded = read_baseline(baseline) if baseline else {}
    if not baseline:
        unlimited = next((m.name for m in config.models if not m.limits), None)
        if unlimited:
            raise BudgetConfigError(
                f"{config.path}: model '{unlimited}' has no limits ({', '.join(LIMITS)}) and there is "
                "no baseline"
            )
    measured = measure_all(config, progress)
    rows: list[CheckRow] = []
    for model in config.models:
        m = measured[model.name]
        for metric, limit in model.limits.items():
            status = "pass" if m.metric(metric) <= limit else "fail"
            rows.append(CheckRow(model.name, f"max_{metric}", m.metric(metric), limit, status))
        if baseline:
            rows += _baseline_rows(model.name, m, recorded.get(model.name), tolerance)
    return CheckResult(config, tuple(rows), measured)


def _baseline_rows(
    name: str, m: Measured, before: Mapping[str, int] | None, tolerance: float
) -> list[CheckRow]:
    if before is None:
        return [
            CheckRow(name, f"baseline {metric}", m.metric(metric), None, "new")
            for metric in METRICS
        ]
    rows = []
    for metric in METRICS:
        allowed = int(before[metric] * (1 + tolerance))
        now = m.metric(metric)
        status = "fail" if now > allowed else ("improved" if now < before[metric] else "pass")
        rows.append(CheckRow(name, f"baseline {metric}", now, allowed, status))
    return rows


def write_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file, so a failure leaves nothing half-written."""
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise BudgetConfigError(f"{path}: cannot write: {exc.strerror or exc}") from None


def baseline_text(measured: Mapping[str, Measured]) -> str:
    """The baseline file for ``measured``: JSON with exact integers."""
    models = {
        name: {metric: m.metric(metric) for metric in METRICS} for name, m in measured.items()
    }
    return json.dumps({"mbcost_baseline": BASELINE_FORMAT, "models": models}, indent=2) + "\n"


def failure_line(row: CheckRow) -> str:
    """One line naming the model, the check, the count and the limit it passed."""
    what = "baseline" if row.check.startswith("baseline") else "limit"
    return f"{row.model}: {row.check.removeprefix('baseline ')} {row.measured:,} > {what} {row.limit:,}"


def junit_xml(result: CheckResult) -> str:
    """JUnit XML: one test case per model, one failure element per failed check."""
    from xml.etree import ElementTree as ET

    suite = ET.Element(
        "testsuite",
        name="mbcost budgets",
        tests=str(len(result.measured)),
        failures=str(len({r.model for r in result.failures})),
        errors="0",
    )
    for name in result.measured:
        case = ET.SubElement(suite, "testcase", classname="mbcost.budget", name=name)
        for row in (r for r in result.failures if r.model == name):
            ET.SubElement(case, "failure", message=failure_line(row), type=row.check)
    root = ET.Element("testsuites")
    root.append(suite)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
