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
    dtype = "int8"                      # activation memory: bytes per element, and how it is counted
    memory_rule = "tflite"
    max_peak_memory = "800kB"           # sizes: B, kB/MB/GB (10^3) or KiB/MiB/GiB (2^10)
    max_weights = "2.5MB"
    device = "pixel1"                   # predicted latency: a built-in profile or a profile file
    max_latency = "20ms"                # ns, us, ms or s; recorded and compared in whole µs

Every value is validated when the file is loaded, before any model is counted. Counts are exact
integers throughout: limits, baselines and the tolerance (a ``Fraction``) never pass through floats.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Mapping
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from mbcost.errors import BudgetConfigError, MbcostError
from mbcost.quantities import QUANTITY_NAMES
from mbcost.units import MAX_DIGITS, parse_bytes, parse_count, parse_duration

if TYPE_CHECKING:
    from mbcost.spec import Table

# every count a budget can limit and a baseline records: the engine's quantities, and the largest
# layer's MACs
BYTE_METRICS = ("peak_memory", "weights")  # sizes in bytes, under the model's dtype and memory rule
LATENCY_METRIC = "latency"  # predicted on the model's device, in whole microseconds
METRICS = (*QUANTITY_NAMES, "layer_macs", *BYTE_METRICS, LATENCY_METRIC)
LIMITS = {f"max_{m}": m for m in METRICS}
SOURCES = ("arch", "spec", "torch")
OPTIONS = (
    "alpha",
    "resolution",
    "rho",
    "impl",
    "convention",
    "in_channels",
    "dtype",
    "weight_dtype",
    "memory_rule",
    "device",
    "depth",
)
TORCH_OPTIONS = ("resolution", "in_channels", "convention")
TORCH_CONVENTIONS = ("paper", "fvcore", "torch")
MODEL_KEYS = ("name", *SOURCES, *OPTIONS, *LIMITS)
TOP_KEYS = ("models", "baseline", "tolerance")
BASELINE_FORMAT = 1
MAX_FILE_BYTES = 16 * 2**20  # budget files and baselines; also bounds reads from pipes and devices
MAX_TOLERANCE_PERCENT = 1000
# control, format (bidi overrides), surrogate, private-use and unassigned characters, line breaks
UNPRINTABLE = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
_PERCENT = re.compile(r"([0-9]+(?:\.[0-9]+)?) *%?")


class Model(NamedTuple):
    """One model to check: where it comes from, how to count it, and its limits."""

    name: str
    source: str  # "arch", "spec" or "torch"
    target: str  # the arch name, the table path, or "package.module:factory"
    options: Mapping[str, Any]  # alpha, resolution, rho, impl, convention, in_channels
    limits: Mapping[str, int]  # metric -> limit


class Config(NamedTuple):
    """A budget file: its models, optional baseline path and tolerance (an exact fraction)."""

    path: str
    models: tuple[Model, ...]
    baseline: str | None
    tolerance: Fraction


class Measured(NamedTuple):
    """A model's counts (metric -> count; a torch model measures only some metrics) and the name of
    its largest layer."""

    counts: Mapping[str, int]
    layer: str

    def metric(self, name: str) -> int:
        """The count called ``name``; a metric this model cannot measure is an error."""
        if name not in self.counts:
            raise BudgetConfigError(
                f"{name} cannot be measured for this model (it measures {', '.join(self.counts)})"
            )
        return self.counts[name]


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


def parse_tolerance(value: Any, where: str = "tolerance") -> Fraction:
    """``"1%"``, ``"0.5 %"`` or a number of percent -> an exact fraction (``Fraction(1, 100)``).

    Only plain ASCII decimals are accepted (no ``1_0%``, no full-width digits): a tolerance that
    reads as a different number than the one meant would pass growth it should catch.
    """
    if isinstance(value, float) and math.isfinite(value):
        # the shortest decimal of a TOML float is the one written: 0.5, not the binary 0.5000...1
        value = repr(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    match = _PERCENT.fullmatch(value.strip()) if isinstance(value, str) else None
    if not match:
        raise BudgetConfigError(f"{where} must be a percentage like 1% or 0.5%, got {value!r}")
    percent = Fraction(match.group(1))
    if percent > MAX_TOLERANCE_PERCENT:
        raise BudgetConfigError(
            f"{where} must be between 0% and {MAX_TOLERANCE_PERCENT}%, got {value!r}"
        )
    return percent / 100


def find_config(path: str | None = None) -> str:
    """``path``, else ``pyproject.toml`` with a ``[tool.mbcost]`` table, else ``mbcost.toml``.

    A ``pyproject.toml`` that cannot be used (malformed, or ``tool.mbcost`` not a table) does not
    hide an ``mbcost.toml``; without one, the error says why ``pyproject.toml`` was passed over.
    """
    if path is not None:
        return path
    passed_over = None
    if Path("pyproject.toml").is_file():
        try:
            if _tool_mbcost("pyproject.toml") is not None:
                return "pyproject.toml"
        except BudgetConfigError as exc:
            passed_over = exc
    if Path("mbcost.toml").is_file():
        return "mbcost.toml"
    raise passed_over or BudgetConfigError(
        "no budget file: add [tool.mbcost] to pyproject.toml, create mbcost.toml, or pass --config"
    )


def _tool_mbcost(path: str) -> dict[str, Any] | None:
    """The ``[tool.mbcost]`` table of a ``pyproject.toml``, or None when it has none."""
    tool = _read_toml(path).get("tool")
    if not isinstance(tool, dict) or "mbcost" not in tool:
        return None
    section = tool["mbcost"]
    if not isinstance(section, dict):
        raise BudgetConfigError(
            f"{path}: tool.mbcost must be a table ([tool.mbcost]), got {type(section).__name__}"
        )
    return section


def _read_text(path: str, what: str) -> str:
    """The UTF-8 text of ``path``, reading at most ``MAX_FILE_BYTES + 1`` bytes, so that a pipe or a
    device (``/dev/zero``) cannot exhaust memory."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise BudgetConfigError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise BudgetConfigError(f"{path}: the {what} is larger than {MAX_FILE_BYTES // 2**20} MiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BudgetConfigError(
            f"{path}: the {what} is not UTF-8 text (byte {exc.start})"
        ) from None


def _read_toml(path: str) -> dict[str, Any]:
    import tomllib

    text = _read_text(path, "budget file")
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise BudgetConfigError(f"{path}: malformed TOML: nested too deeply") from None
    except ValueError as exc:  # TOMLDecodeError, or an integer of more than 4300 digits
        raise BudgetConfigError(f"{path}: malformed TOML: {exc}") from None


def load_config(path: str) -> Config:
    """Read and validate a budget file (see the module docstring for its keys)."""
    if Path(path).name == "pyproject.toml":
        data = _tool_mbcost(path)
        if data is None:
            raise BudgetConfigError(f"{path}: no [tool.mbcost] table")
    else:
        data = _read_toml(path)
    for key in data:
        if key not in TOP_KEYS:
            raise BudgetConfigError(f"{path}: unknown key {key!r} (allowed: {', '.join(TOP_KEYS)})")
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
    if baseline is not None:
        baseline = str(base / _printable(baseline, f"{path}: baseline", "a file path"))
    return Config(
        path,
        models,
        baseline,
        parse_tolerance(data.get("tolerance", 0), f"{path}: tolerance"),
    )


def _printable(value: Any, where: str, what: str) -> str:
    """``value`` if it is a non-empty string without control characters or line breaks (which would
    forge lines in logs, ``FAIL`` lines and ``::error`` annotations, or break JUnit XML)."""
    if not isinstance(value, str) or not value:
        raise BudgetConfigError(f"{where} must be {what} (a non-empty string), got {value!r}")
    if any(unicodedata.category(c) in UNPRINTABLE for c in value):
        raise BudgetConfigError(
            f"{where} must not contain control characters or line breaks, got {value!r}"
        )
    return value


def _parse_model(raw: Any, index: int, path: str, base: Path) -> Model:
    where = f"{path}: models[{index}]"
    if not isinstance(raw, dict):
        raise BudgetConfigError(f"{where}: must be a table of keys")
    for key in raw:
        if key not in MODEL_KEYS:
            raise BudgetConfigError(
                f"{where}: unknown key {key!r} (allowed: {', '.join(MODEL_KEYS)})"
            )
    sources = [s for s in SOURCES if s in raw]
    if len(sources) != 1:
        raise BudgetConfigError(f"{where}: give exactly one of {', '.join(SOURCES)}")
    source = sources[0]
    target = _printable(raw[source], f"{where}: '{source}'", "a name or a path")
    if source == "torch" and not _is_factory(target):
        raise BudgetConfigError(
            f"{where}: torch must look like package.module:factory, got {target!r}"
        )
    name = _printable(raw.get("name", target), f"{where}: name", "a name")
    where = f"{where} ({name})"
    limits = {}
    for key, metric in LIMITS.items():
        if key in raw:
            try:
                if metric == LATENCY_METRIC:
                    limits[metric] = _microseconds(raw[key])
                else:
                    parse = parse_bytes if metric in BYTE_METRICS else parse_count
                    limits[metric] = parse(raw[key])
            except ValueError as exc:
                raise BudgetConfigError(f"{where}: {key}: {exc}") from None
    options = _parse_options(raw, source, where)
    if LATENCY_METRIC in limits and "device" not in options:
        raise BudgetConfigError(
            f"{where}: max_latency needs a 'device' (a built-in profile or a profile file) to "
            "predict latency on"
        )
    if "device" in options:
        options["device"] = _device(options["device"], base, where)
    return Model(name, source, str(base / target) if source == "spec" else target, options, limits)


def _microseconds(value: Any) -> int:
    """A latency limit (``"20ms"``) in whole microseconds (rounded down: a limit never grows)."""
    if not isinstance(value, str):
        raise ValueError(f'must be a duration with its unit, like "20ms", got {value!r}')
    return int(parse_duration(value) * 1e6)


def _device(value: Any, base: Path, where: str) -> str:
    """A built-in profile's name, or a profile file's path (relative to the budget file), after
    reading it: a bad profile is reported when the budget file is loaded."""
    from mbcost.latency.profile import builtin_names, get_device

    name = _printable(value, f"{where}: device", "a device name or a profile path")
    is_file = Path(name).suffix in (".yaml", ".yml", ".json") or "/" in name
    target = str(base / name) if is_file and name not in builtin_names() else name
    try:
        get_device(target)
    except MbcostError as exc:
        raise BudgetConfigError(f"{where}: device: {exc}") from None
    return target


def _is_factory(target: str) -> bool:
    """``package.module:factory``: dotted identifiers, one colon, an identifier."""
    module, colon, factory = target.partition(":")
    return (
        bool(colon) and factory.isidentifier() and all(p.isidentifier() for p in module.split("."))
    )


def _parse_options(raw: Mapping[str, Any], source: str, where: str) -> dict[str, Any]:
    """The model's counting options, each checked for type and range."""
    options = {k: raw[k] for k in OPTIONS if k in raw}
    if source == "torch":
        refused = [k for k in options if k not in TORCH_OPTIONS]
        if refused:
            raise BudgetConfigError(
                f"{where}: a torch model takes {', '.join(TORCH_OPTIONS)}, not {', '.join(refused)}"
            )
    if "resolution" in options and "rho" in options:
        raise BudgetConfigError(f"{where}: give resolution or rho, not both")
    for key, value in options.items():
        _check_option(key, value, source, where)
    return options


def _check_option(key: str, value: Any, source: str, where: str) -> None:
    """A one-line error naming ``key`` and what it allows, unless ``value`` is allowed."""
    from mbcost.conventions import CONVENTIONS
    from mbcost.memory import DTYPES, RULES
    from mbcost.plan import check_alpha, check_depth
    from mbcost.spec import IMPLS, MAX_SIZE

    if key in ("alpha", "depth"):
        try:
            (check_alpha if key == "alpha" else check_depth)(value)  # the engine's own limits
        except MbcostError as exc:
            raise BudgetConfigError(f"{where}: {exc}") from None
        return
    if key == "device":
        return  # read as a profile by ``_device``, which knows the budget file's directory
    if key in ("impl", "convention", "dtype", "weight_dtype", "memory_rule"):
        choices = {
            "impl": IMPLS,
            "convention": TORCH_CONVENTIONS if source == "torch" else CONVENTIONS,
            "memory_rule": RULES,
        }.get(key, DTYPES)
        if not (isinstance(value, str) and value in choices):
            raise BudgetConfigError(
                f"{where}: {key} must be one of {', '.join(choices)}, got {value!r}"
            )
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        ok = False
    elif key == "rho":
        ok = math.isfinite(value) and 0 < value <= MAX_SIZE
    else:  # resolution, in_channels
        ok = isinstance(value, int) and 0 < value <= MAX_SIZE
    if not ok:
        allowed = "number" if key == "rho" else "integer"
        raise BudgetConfigError(
            f"{where}: {key} must be a positive {allowed} up to {MAX_SIZE}, got {value!r}"
        )


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
    options = dict(model.options)
    device = options.pop("device", None)
    if "in_channels" in options:
        table = _with_in_channels(table, options.pop("in_channels"))
    report = mbcost.analyze(table, **options)
    largest = max(report.rows, key=lambda r: r.macs)
    counts = {
        **report.totals._asdict(),
        "layer_macs": largest.macs,
        "peak_memory": report.memory.peak_bytes,
        "weights": report.memory.weight_bytes,
    }
    if device is not None:
        from mbcost.latency import get_device
        from mbcost.latency.predicted import report_latency

        counts[LATENCY_METRIC] = round(1e6 * report_latency(get_device(device), report).total)
    return Measured(counts, largest.name)


def _with_in_channels(table: Table, in_channels: int) -> Table:
    """``table`` with another input width (a grayscale or RGBD variant of a built-in or a spec)."""
    from mbcost.spec import parse_table

    lines = {i: b.line for i, b in enumerate(table.blocks) if b.line}
    data = {**table.to_dict(), "in_channels": in_channels}
    return parse_table(data, origin=table.origin, lines=lines)


def _measure_torch(model: Model) -> Measured:
    import importlib

    _require_torch()
    import torch

    module_name, _, factory_name = model.target.partition(":")
    net = _user_code(
        f"cannot build {model.target}",
        lambda: getattr(importlib.import_module(module_name), factory_name)(),
    )
    if not isinstance(net, torch.nn.Module):
        raise MbcostError(f"{model.target} returned {type(net).__name__}, not a torch.nn.Module")
    from mbcost.verify.count import count_with_fvcore

    resolution = model.options.get("resolution", 224)
    in_channels = model.options.get("in_channels", 3)
    count = _user_code(  # fvcore runs the model's own forward()
        f"fvcore cannot count {model.target} on a 1x{in_channels}x{resolution}x{resolution} input",
        lambda: count_with_fvcore(net, resolution, in_channels),
    )
    convention = model.options.get("convention", "paper")
    macs = count.total if convention == "fvcore" else sum(m.macs for m in count.modules)
    params = sum(m.params for m in count.modules) if convention == "paper" else count.params
    largest = max(count.modules, key=lambda m: m.macs, default=None)
    counts = {"macs": macs, "params": params, "layer_macs": largest.macs if largest else 0}
    return Measured(counts, largest.name if largest else "")


def _require_torch() -> None:
    """torch and fvcore, or one line naming what is missing and the extra that installs them."""
    import importlib
    import warnings

    from mbcost.verify import INSTALL_HINT

    missing = []
    for module in ("torch", "fvcore.nn"):
        try:
            # fvcore.nn warns that torch.jit.script is deprecated: not the user's concern
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                importlib.import_module(module)
        except Exception:  # ImportError, or a broken install (e.g. OSError from a shared library)
            missing.append(module.split(".")[0])
    if missing:
        raise MbcostError(
            f"torch models need {' and '.join(missing)}, which cannot be imported: {INSTALL_HINT}"
        )


def _user_code(what: str, call: Callable[[], Any]) -> Any:
    """``call()``, which runs the user's code: whatever it raises, ``sys.exit()`` included, is one
    ``MbcostError`` line, so a broken model can never pass. A ``KeyboardInterrupt`` is an interrupt
    (Ctrl-C during a slow import looks the same), not a broken model: it ends the run as one."""
    try:
        return call()
    except KeyboardInterrupt:
        raise
    except SystemExit as exc:
        raise MbcostError(f"{what}: it called sys.exit({exc.code!r})") from None
    except BaseException as exc:
        lines = str(exc).strip().splitlines()
        detail = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
        raise MbcostError(f"{what}: {detail}") from None


def read_baseline(path: str) -> dict[str, dict[str, int]]:
    """The recorded counts per model name. A model may lack a metric (a baseline written before the
    metric existed): that metric is then not compared. Keys this version does not know are ignored."""
    text = _read_text(path, "baseline")
    try:
        data = json.loads(text)
    except RecursionError:
        raise BudgetConfigError(f"{path}: malformed baseline JSON: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, or an integer of more than 4300 digits
        raise BudgetConfigError(f"{path}: malformed baseline JSON: {exc}") from None
    models = data.get("models") if isinstance(data, dict) else None
    if not isinstance(models, dict):
        raise BudgetConfigError(
            f'{path}: not an mbcost baseline (expected {{"mbcost_baseline": {BASELINE_FORMAT}, '
            '"models": {...}})'
        )
    version = data.get("mbcost_baseline")
    if type(version) is not int or version != BASELINE_FORMAT:
        raise BudgetConfigError(
            f"{path}: mbcost_baseline must be {BASELINE_FORMAT} (the format this mbcost reads), "
            f"got {version!r}"
        )
    return {name: _recorded(path, name, counts) for name, counts in models.items()}


def _recorded(path: str, name: str, counts: Any) -> dict[str, int]:
    """One model's recorded metrics, each a non-negative integer of at most MAX_DIGITS digits."""
    if not isinstance(counts, dict):
        raise BudgetConfigError(
            f"{path}: model {name!r} must map metrics to counts, got {counts!r}"
        )
    recorded = {}
    for metric in METRICS:
        if metric in counts:
            value = counts[metric]
            if type(value) is not int or not 0 <= value < 10**MAX_DIGITS:
                raise BudgetConfigError(
                    f"{path}: model {name!r}: {metric} must be a non-negative integer of at most "
                    f"{MAX_DIGITS} digits, got {value!r}"
                )
            recorded[metric] = value
    return recorded


def measure_all(
    config: Config, progress: Callable[[Model | None], None] | None = None
) -> dict[str, Measured]:
    """Every model's counts, in file order. ``progress`` is told each model before it is counted,
    and ``None`` when counting ends, by an error too (so that a transient display can be cleared)."""
    measured = {}
    try:
        for model in config.models:
            if progress:
                progress(model)
            measured[model.name] = measure(model)
    finally:
        if progress:
            progress(None)
    return measured


def run_checks(
    config: Config,
    baseline: str | None = None,
    tolerance: Fraction | None = None,
    progress: Callable[[Model | None], None] | None = None,
) -> CheckResult:
    """Measure every model and compare it with its limits and, if any, the baseline.

    The result's ``config`` carries the tolerance in effect (``tolerance``, else the file's)."""
    baseline = baseline or config.baseline
    if tolerance is not None:
        config = config._replace(tolerance=tolerance)
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
            check = f"max_{_label(model, metric)}"
            rows.append(CheckRow(model.name, check, m.metric(metric), limit, status))
        if baseline:
            rows += _baseline_rows(model, m, recorded.get(model.name), config.tolerance)
    return CheckResult(config, tuple(rows), measured)


def _label(model: Model, metric: str) -> str:
    """A metric's name in a check, a byte metric with the dtype (and rule) it is counted under:
    ``peak_memory (tflite, int8)``, ``weights (int8)``."""
    if metric == LATENCY_METRIC:
        return f"latency ({Path(model.options['device']).stem}, predicted µs)"
    if metric not in BYTE_METRICS:
        return metric
    from mbcost.memory import DEFAULT_RULE

    dtype = model.options.get("dtype", "float32")
    if metric == "weights":
        return f"weights ({model.options.get('weight_dtype', dtype)})"
    return f"peak_memory ({model.options.get('memory_rule', DEFAULT_RULE)}, {dtype})"


def _baseline_rows(
    model: Model, m: Measured, before: Mapping[str, int] | None, tolerance: Fraction
) -> list[CheckRow]:
    name = model.name
    if before is None:
        return [
            CheckRow(name, f"baseline {_label(model, metric)}", count, None, "new")
            for metric, count in m.counts.items()
        ]
    rows = []
    for metric in (metric for metric in m.counts if metric in before):
        recorded = before[metric]
        allowed = recorded + recorded * tolerance.numerator // tolerance.denominator  # exact floor
        now = m.metric(metric)
        status = "fail" if now > allowed else ("improved" if now < recorded else "pass")
        rows.append(CheckRow(name, f"baseline {_label(model, metric)}", now, allowed, status))
    return rows


def write_atomically(path: str, text: str | bytes) -> None:
    """Write ``text`` (UTF-8) or bytes to ``path`` through a temporary file, so a failure leaves
    nothing half-written.

    Only a regular file (or nothing) at ``path`` is replaced: a symlink, FIFO, device or directory is
    refused, since replacing it would destroy it and writing through it would not be atomic.
    """
    refuse_special(path)
    tmp = f"{path}.tmp-{os.getpid()}"
    created = False
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        created = True
        with open(fd, "wb") as handle:
            handle.write(text.encode("utf-8") if isinstance(text, str) else text)
        os.replace(tmp, path)
        created = False
    except OSError as exc:
        raise BudgetConfigError(f"{path}: cannot write: {exc.strerror or exc}") from None
    finally:
        if created:
            os.remove(tmp)


def refuse_special(path: str) -> None:
    """A ``BudgetConfigError`` if something other than a regular file is at ``path`` (nothing there
    is fine): what ``write_atomically`` refuses, for a command to check before it computes."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise BudgetConfigError(f"{path}: cannot write: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        kind = (
            "a symlink"
            if stat.S_ISLNK(mode)
            else "a directory"
            if stat.S_ISDIR(mode)
            else ("a FIFO" if stat.S_ISFIFO(mode) else "a device or socket")
        )
        raise BudgetConfigError(f"{path}: is {kind}, not a regular file; refusing to replace it")


def baseline_text(measured: Mapping[str, Measured]) -> str:
    """The baseline file for ``measured``: JSON with exact integers."""
    models = {name: dict(m.counts) for name, m in measured.items()}
    return json.dumps({"mbcost_baseline": BASELINE_FORMAT, "models": models}, indent=2) + "\n"


def failure_line(row: CheckRow) -> str:
    """One line naming the model, the check, the count and the limit it passed."""
    what = "baseline" if row.check.startswith("baseline") else "limit"
    return f"{row.model}: {row.check.removeprefix('baseline ')} {row.measured:,} > {what} {row.limit:,}"


def github_error(row: CheckRow) -> str:
    """The GitHub Actions ``::error`` command for a failed row, its data escaped as the runner
    expects (``%``, CR, LF), so a name can never end the command early."""
    line = failure_line(row).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"::error title=mbcost budget::{line}"


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
