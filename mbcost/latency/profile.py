"""Device profiles: a roofline per layer kind and the costs a roofline does not see, read from and
written to YAML. The built-in profiles are the package's ``devices/*.yaml`` files.

A layer's predicted time is ``max(MACs / rate[kind], bytes / bandwidth) + kernel[kind] +
Σ elements[op] · n_op``: the slower of computing and moving its data, plus a fixed cost per layer
(dispatch, launch) and a cost per element of what MACs do not count. Bytes moved are its input and
output activations and its weights at the profile's element type. A profile with a
``weight_bandwidth_gbs`` streams the weights apart: the roofline moves the activations only, and
``weight bytes / weight_bandwidth`` is added (a network's weights are each read once per
inference, cold from memory, and packed for the GEMM before it runs; the activations a layer reads
were just written by the layer before, warm in the caches).

Fields (units in the names)::

    name: pixel1
    description: ...                  # one line
    source: ...                       # where the numbers come from
    dtype: float32                    # bytes per element (``memory.DTYPES``)
    rates_gmacs: {pointwise: 4.1, depthwise: 0.9, ...}   # GMAC/s per layer kind (.inf: never bound)
    bandwidth_gbs: 7.5                # GB/s (10^9 B/s; .inf: never bound)
    bandwidth_gbs_by_kind: {depthwise: 1.5}              # optional: a kind's own memory ceiling
    kernel_us: 40                     # µs per layer
    kernel_us_by_kind: {depthwise: 150}                  # optional: a kind's own cost per layer
    weight_bandwidth_gbs: 10          # optional: weights streamed apart at this GB/s (additive)
    element_ns: {hswish: 0.5, add: 0, ...}               # ns per element per operation
    working_set: {cache_mb: 8, kernel_us: 4, weight_bandwidth_gbs: 80, activation_bandwidth_gbs: 70}
                                      # optional: what outgrowing the caches adds (below)
    fit: {...}                        # optional: how the numbers were fitted, and the fit's error

A profile with a ``working_set`` prices the caches: a network that touches ``F`` bytes per
inference (``network_bytes``: its input, weights and every activation it writes) adds to each
layer ``F / (F + cache)`` of a cost of its own — ``kernel_us`` more, its weight bytes at
``weight_bandwidth_gbs`` and its activation bytes at ``activation_bandwidth_gbs`` more. A small
network runs from the caches (its layers' weights are still there from the last inference, their
code and metadata too), a large one pays nearly all of it; the smooth share stands for a miss
rate that grows with the working set.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from mbcost.errors import MbcostError, suggest
from mbcost.latency.work import LayerWork
from mbcost.memory import DTYPES

DEVICES_DIR = Path(__file__).resolve().parent.parent / "devices"
FIELDS = (  # in the order a profile file lists them
    "name",
    "description",
    "source",
    "dtype",
    "rates_gmacs",
    "bandwidth_gbs",
    "bandwidth_gbs_by_kind",
    "kernel_us",
    "kernel_us_by_kind",
    "weight_bandwidth_gbs",
    "element_ns",
    "working_set",
    "fit",
)
OPTIONAL = (
    "bandwidth_gbs_by_kind",
    "kernel_us_by_kind",
    "weight_bandwidth_gbs",
    "working_set",
    "fit",
)
WORKING_SET_FIELDS = ("cache_mb", "kernel_us", "weight_bandwidth_gbs", "activation_bandwidth_gbs")
BOUNDS = ("compute", "memory")


class DeviceError(MbcostError):
    """A device profile that is unknown, unreadable or malformed; names the file and the field."""


def working_set_share(working_set_bytes: float, cache_mb: float) -> float:
    """``bytes / (bytes + cache)``: ½ at the cache's size, towards 1 far beyond it."""
    return working_set_bytes / (working_set_bytes + cache_mb * 1e6)


class WorkingSet(NamedTuple):
    """What a layer costs more when its network outgrows the caches, in the YAML fields' units."""

    cache_mb: float  # 10^6 B: a working set this large pays half the costs
    kernel_us: float  # per layer
    weight_bandwidth_gbs: float  # its weight bytes at this GB/s more (.inf: nothing)
    activation_bandwidth_gbs: float  # its input and output bytes at this GB/s more (.inf: nothing)

    def share(self, working_set_bytes: float) -> float:
        """The share of the costs a network touching ``working_set_bytes`` per inference pays."""
        return working_set_share(working_set_bytes, self.cache_mb)

    def seconds(self, work: LayerWork, bytes_per_element: int) -> float:
        """The full costs of one layer (``share`` 1)."""
        b = bytes_per_element
        weights = work.weight_elements * b / (self.weight_bandwidth_gbs * 1e9)
        activations = (work.in_elements + work.out_elements) * b
        return self.kernel_us * 1e-6 + weights + activations / (self.activation_bandwidth_gbs * 1e9)


class Profile(NamedTuple):
    """A device's calibrated numbers, in the units of the YAML fields."""

    name: str
    description: str
    source: str
    dtype: str
    rates_gmacs: Mapping[str, float]  # layer kind -> GMAC/s
    bandwidth_gbs: float
    kernel_us: float
    element_ns: Mapping[str, float]  # element-wise operation -> ns per element
    # layer kind -> GB/s, for kinds whose data moves at a ceiling of their own
    bandwidth_by_kind_gbs: Mapping[str, float] = MappingProxyType({})
    # layer kind -> µs per layer, for kinds whose fixed cost is not ``kernel_us`` (torch eager
    # dispatches a depthwise conv through a slower path than a GEMM, an add through a faster one)
    kernel_us_by_kind: Mapping[str, float] = MappingProxyType({})
    # GB/s at which weights stream in, apart from the activations; None: weights are moved with
    # the activations, inside the roofline
    weight_bandwidth_gbs: float | None = None
    # what outgrowing the caches adds to a layer; None: a layer costs the same in any network
    working_set: WorkingSet | None = None
    fit: Mapping[str, Any] | None = None  # provenance and error of a fitted profile
    origin: str = ""  # the file it was read from

    @property
    def bytes_per_element(self) -> int:
        """Of activations and weights alike."""
        return DTYPES[self.dtype]


def network_bytes(works: Sequence[LayerWork], bytes_per_element: int) -> int:
    """The bytes a network of ``works`` (in execution order) touches per inference: its input
    (the first layer's), every layer's weights and every activation it writes."""
    if not works:
        return 0
    elements = works[0].in_elements + sum(w.weight_elements + w.out_elements for w in works)
    return elements * bytes_per_element


def predict(profile: Profile, work: LayerWork, share: float = 0.0) -> tuple[float, str]:
    """(seconds, ``"compute"`` or ``"memory"``): the roofline of ``work`` on ``profile`` (its
    kind's own memory ceiling where the profile has one) plus its fixed and element-wise costs,
    its weights' streaming where the profile prices that apart, and ``share`` of the profile's
    working-set costs (``WorkingSet.share`` of its network's bytes; 0 for a layer on its own).
    A kind with MACs but no rate, or an element-wise operation the profile does not price, is an
    error naming it."""
    compute = 0.0
    if work.macs:
        rate = profile.rates_gmacs.get(work.kind)
        if rate is None:
            raise DeviceError(
                f"device '{profile.name}' has no compute rate for {work.kind} layers "
                f"(it has {', '.join(profile.rates_gmacs)})"
            )
        compute = work.macs / (rate * 1e9)
    b = profile.bytes_per_element
    weights = work.weight_elements * b
    streamed = 0.0
    if profile.weight_bandwidth_gbs is not None:
        streamed, weights = weights / (profile.weight_bandwidth_gbs * 1e9), 0
    moved = (work.in_elements + work.out_elements) * b + weights
    bandwidth = profile.bandwidth_by_kind_gbs.get(work.kind, profile.bandwidth_gbs)
    memory = moved / (bandwidth * 1e9)
    kernel = profile.kernel_us_by_kind.get(work.kind, profile.kernel_us)
    extra = 0.0
    for op, n in work.elementwise.items():
        cost = profile.element_ns.get(op)
        if cost is None:
            raise DeviceError(
                f"device '{profile.name}' has no element cost for '{op}' "
                f"(it has {', '.join(profile.element_ns)})"
            )
        extra += n * cost
    bound = "compute" if compute >= memory and work.macs else "memory"
    cold = 0.0
    if share and profile.working_set is not None:
        cold = share * profile.working_set.seconds(work, b)
    return max(compute, memory) + streamed + kernel * 1e-6 + extra * 1e-9 + cold, bound


def network_share(
    profile: Profile, works: Sequence[LayerWork], working_set_bytes: float | None = None
) -> float:
    """The share of the working-set costs that layers ``works`` pay: by ``working_set_bytes``,
    or, when None, by the bytes they touch as one network (``network_bytes``); 0 for a profile
    without a ``working_set``."""
    if profile.working_set is None:
        return 0.0
    if working_set_bytes is None:
        working_set_bytes = network_bytes(works, profile.bytes_per_element)
    return profile.working_set.share(working_set_bytes)


def predict_all(
    profile: Profile, works: Sequence[LayerWork], working_set_bytes: float | None = None
) -> list[tuple[float, str]]:
    """``predict`` of every layer of one network (``network_share``)."""
    share = network_share(profile, works, working_set_bytes)
    return [predict(profile, w, share) for w in works]


def total_seconds(
    profile: Profile, works: Sequence[LayerWork], working_set_bytes: float | None = None
) -> float:
    """The predicted time of one network's layers run one after another (``predict_all``)."""
    return sum(seconds for seconds, _ in predict_all(profile, works, working_set_bytes))


# --- built-ins and files ----------------------------------------------------------------------


def builtin_names() -> tuple[str, ...]:
    """The built-in profiles' names (their files' stems), sorted."""
    return tuple(sorted(p.stem for p in DEVICES_DIR.glob("*.yaml")))


def list_devices() -> list[Profile]:
    """Every built-in profile."""
    return [load_profile(str(DEVICES_DIR / f"{name}.yaml")) for name in builtin_names()]


def get_device(name_or_path: str) -> Profile:
    """A built-in profile by name, or a profile file (``.yaml``/``.yml``/``.json``) by path."""
    if not isinstance(name_or_path, str) or not name_or_path:
        raise DeviceError(f"a device is a built-in name or a profile file, got {name_or_path!r}")
    names = builtin_names()
    if name_or_path in names:
        return load_profile(str(DEVICES_DIR / f"{name_or_path}.yaml"))
    if Path(name_or_path).suffix in (".yaml", ".yml", ".json") or Path(name_or_path).exists():
        return load_profile(name_or_path)
    raise DeviceError(f"{suggest(name_or_path, names, 'device')}; or give a profile file (.yaml)")


def load_profile(path: str) -> Profile:
    """Read and validate a profile file; every problem is one ``DeviceError`` naming the file and,
    for a bad value, the field."""
    from mbcost.errors import SpecError
    from mbcost.loading import _parse_text, _read

    try:
        text = _read(path)
        if not text.strip():
            raise DeviceError(f"{path}: the file is empty")
        data, _ = _parse_text(text, path)
    except SpecError as exc:
        raise DeviceError(str(exc).replace("the table", "the profile")) from None
    return parse_profile(data, path)


def parse_profile(data: Any, origin: str = "<profile>") -> Profile:
    """A ``Profile`` from a mapping of the YAML fields, each checked."""
    if not isinstance(data, dict):
        raise DeviceError(f"{origin}: a profile is a mapping of fields ({', '.join(FIELDS)})")
    _check_fields(data, FIELDS, OPTIONAL, origin)

    def where(field: str) -> str:
        return f"{origin}: {field}"

    text = {k: _text(data[k], where(k)) for k in ("name", "description", "source")}
    dtype = data["dtype"]
    if not (isinstance(dtype, str) and dtype in DTYPES):
        raise DeviceError(f"{where('dtype')} must be one of {', '.join(DTYPES)}, got {dtype!r}")
    fit = data.get("fit")
    if fit is not None and not (
        isinstance(fit, dict)
        and all(isinstance(v, (str, int, float, bool)) or v is None for v in fit.values())
    ):
        raise DeviceError(f"{where('fit')} must be a mapping of names to plain values")
    ceilings, kernels, weights = (
        "bandwidth_gbs_by_kind",
        "kernel_us_by_kind",
        "weight_bandwidth_gbs",
    )
    return Profile(
        text["name"],
        text["description"],
        text["source"],
        dtype,
        _numbers(data["rates_gmacs"], where("rates_gmacs"), positive=True),
        _number(data["bandwidth_gbs"], where("bandwidth_gbs"), positive=True),
        _number(data["kernel_us"], where("kernel_us"), positive=False),
        _numbers(data["element_ns"], where("element_ns"), positive=False),
        bandwidth_by_kind_gbs=_numbers(data[ceilings], where(ceilings), positive=True)
        if ceilings in data
        else {},
        kernel_us_by_kind=_numbers(data[kernels], where(kernels), positive=False)
        if kernels in data
        else {},
        weight_bandwidth_gbs=_number(data[weights], where(weights), positive=True)
        if weights in data
        else None,
        working_set=_working_set(data["working_set"], where("working_set"))
        if "working_set" in data
        else None,
        fit=fit,
        origin=origin,
    )


def _check_fields(
    data: Mapping[Any, Any], fields: Sequence[str], optional: Sequence[str], where: str
) -> None:
    """Every key of ``data`` one of ``fields``, and every field not ``optional`` present."""
    for key in data:
        if key not in fields:
            raise DeviceError(f"{where}: {suggest(str(key), fields, 'field')}")
    missing = [k for k in fields if k not in data and k not in optional]
    if missing:
        raise DeviceError(f"{where}: missing field '{missing[0]}'")


def _working_set(value: Any, where: str) -> WorkingSet:
    if not isinstance(value, dict):
        raise DeviceError(
            f"{where} must be a mapping of {', '.join(WORKING_SET_FIELDS)}, got {value!r}"
        )
    _check_fields(value, WORKING_SET_FIELDS, (), where)
    cache = _number(value["cache_mb"], f"{where}.cache_mb", positive=True)
    if math.isinf(cache):
        raise DeviceError(f"{where}.cache_mb must be a finite number > 0, got {cache!r}")
    return WorkingSet(
        cache,
        _number(value["kernel_us"], f"{where}.kernel_us", positive=False),
        _number(value["weight_bandwidth_gbs"], f"{where}.weight_bandwidth_gbs", positive=True),
        _number(
            value["activation_bandwidth_gbs"], f"{where}.activation_bandwidth_gbs", positive=True
        ),
    )


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DeviceError(f"{where} must be a non-empty string, got {value!r}")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in value):
        raise DeviceError(f"{where} must be one line without control characters, got {value!r}")
    return value


def _number(value: Any, where: str, positive: bool) -> float:
    """A rate (positive; ``.inf`` means the term never binds) or a cost (finite, at least 0)."""
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and not math.isnan(value)
    if ok:
        ok = value > 0 if positive else (value >= 0 and math.isfinite(value))
    if not ok:
        allowed = "a positive number (.inf: never the bound)" if positive else "a number >= 0"
        raise DeviceError(f"{where} must be {allowed}, got {value!r}")
    return float(value)


def _numbers(value: Any, where: str, positive: bool) -> dict[str, float]:
    if not isinstance(value, dict) or not value:
        raise DeviceError(f"{where} must be a non-empty mapping of names to numbers, got {value!r}")
    out = {}
    for key, number in value.items():
        if not isinstance(key, str) or not key:
            raise DeviceError(f"{where}: keys are names, got {key!r}")
        out[key] = _number(number, f"{where}.{key}", positive)
    return out


# the comment each numeric field gets in a written profile file
UNITS = {
    "rates_gmacs": "GMAC/s per layer kind",
    "bandwidth_gbs": "GB/s",
    "bandwidth_gbs_by_kind": "GB/s, a kind's own memory ceiling",
    "kernel_us": "per layer",
    "kernel_us_by_kind": "per layer, a kind's own fixed cost",
    "weight_bandwidth_gbs": "GB/s, weights streamed apart",
    "element_ns": "per element",
    "working_set": "added by network bytes / (bytes + cache)",
}


def profile_fields(profile: Profile) -> dict[str, Any]:
    """Every field of ``profile`` by its file name, in ``FIELDS`` order; an optional field the
    profile does not have is None (``weight_bandwidth_gbs``, ``working_set``, ``fit``) or
    empty."""
    return {
        "name": profile.name,
        "description": profile.description,
        "source": profile.source,
        "dtype": profile.dtype,
        "rates_gmacs": dict(profile.rates_gmacs),
        "bandwidth_gbs": profile.bandwidth_gbs,
        "bandwidth_gbs_by_kind": dict(profile.bandwidth_by_kind_gbs),
        "kernel_us": profile.kernel_us,
        "kernel_us_by_kind": dict(profile.kernel_us_by_kind),
        "weight_bandwidth_gbs": profile.weight_bandwidth_gbs,
        "element_ns": dict(profile.element_ns),
        "working_set": profile.working_set._asdict() if profile.working_set is not None else None,
        "fit": dict(profile.fit) if profile.fit is not None else None,
    }


def dump_profile(profile: Profile, comments: Sequence[str] = ()) -> str:
    """The profile as YAML (``load_profile`` reads it back equal), after ``comments`` as ``#`` lines;
    an optional field the profile does not have is left out."""
    import json

    def value(v: Any) -> str:
        if isinstance(v, float) and math.isinf(v):
            return ".inf"
        return json.dumps(v, ensure_ascii=False)  # JSON scalars are YAML scalars

    lines = [f"# {c}" if c else "#" for c in comments]
    for key, v in profile_fields(profile).items():
        if key in OPTIONAL and not v:
            continue
        unit = f"  # {UNITS[key]}" if key in UNITS else ""
        if isinstance(v, dict):
            lines += [f"{key}:{unit}", *(f"  {k}: {value(x)}" for k, x in v.items())]
        else:
            lines.append(f"{key}: {value(v)}{unit}")
    return "\n".join(lines) + "\n"
