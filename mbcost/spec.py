"""The layer-table schema: a plain dict (from Python, YAML or JSON) -> a validated ``Table``.

A table is a list of blocks, one per row of a paper's architecture table. Each block is a one-key mapping
``{kind: {field: value, ...}}``. Any field value — and the table's ``rounding`` — may instead be a mapping
from implementation name to value (``bias: {paper: false, timm: true}``) when implementations differ;
``--impl`` picks the entry. Every problem is reported as one ``SpecError`` naming the block and field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from mbcost.errors import SpecError
from mbcost.roles import Role
from mbcost.rounding import ROUNDING_RULES, WIDTH_POLICIES

ACTIVATIONS = ("relu", "relu6", "hswish", "hsigmoid", "swish", "sigmoid", "none")
NORMS = ("bn", "none")
POOL_OPS = ("avg", "max")
IMPLS = ("paper", "torchvision", "timm")

MAX_SIZE = (
    2**20
)  # channels, kernel, stride, resolution: far beyond any real network, keeps arithmetic sane
MAX_REPEATS = (
    10_000  # total repeats in a table: bounds the work a (possibly hostile) file can ask for
)
REQUIRED = object()  # marks a field without a default
FROM_DEFAULTS = object()  # marks a field whose default comes from the table's ``defaults``


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_SIZE:
        raise ValueError(f"must be a positive integer up to {MAX_SIZE}, got {value!r}")
    return value


def _positive_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= MAX_SIZE:
        raise ValueError(f"must be a positive number, got {value!r}")
    return value


def _fraction(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"must be a number from 0 to 1, got {value!r}")
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {value!r}")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be a non-empty string, got {value!r}")
    return value


def _choice(*allowed: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}, got {value!r}")
        return value

    return check


_act = (_choice(*ACTIVATIONS), FROM_DEFAULTS)
_norm = (_choice(*NORMS), FROM_DEFAULTS)
_bias = (_boolean, FROM_DEFAULTS)
_width = (_choice(*WIDTH_POLICIES), "scale")
_repeats = (_positive_int, 1)

# kind -> field -> (checker, default)
BLOCK_FIELDS: dict[str, dict[str, tuple[Callable[[Any], Any], Any]]] = {
    "conv": {
        "k": (_positive_int, REQUIRED),
        "s": (_positive_int, 1),
        "out": (_positive_int, REQUIRED),
        "groups": (_positive_int, 1),
        "bias": _bias,
        "norm": _norm,
        "act": _act,
        "width": _width,
        "role": (_choice(*(r.value for r in Role)), None),
        "n": _repeats,
    },
    "dw": {
        "k": (_positive_int, 3),
        "s": (_positive_int, 1),
        "mult": (_positive_int, 1),
        "bias": _bias,
        "norm": _norm,
        "act": _act,
        "n": _repeats,
    },
    "pw": {
        "out": (_positive_int, REQUIRED),
        "bias": _bias,
        "norm": _norm,
        "act": _act,
        "width": _width,
        "n": _repeats,
    },
    "ds": {
        "k": (_positive_int, 3),
        "s": (_positive_int, 1),
        "out": (_positive_int, REQUIRED),
        "norm": _norm,
        "act": _act,
        "width": _width,
        "n": _repeats,
    },
    "ir": {
        "t": (_positive_number, None),
        "exp": (_positive_int, None),
        "out": (_positive_int, REQUIRED),
        "k": (_positive_int, 3),
        "s": (_positive_int, 1),
        "n": _repeats,
        "se": (_fraction, 0),
        "act": _act,
        "norm": _norm,
        "width": _width,
        "exp_width": (_choice(*WIDTH_POLICIES), FROM_DEFAULTS),
        "residual": (_boolean, None),
    },
    "pool": {
        "global": (_choice(*POOL_OPS), None),
        "op": (_choice(*POOL_OPS), "avg"),
        "k": (_positive_int, None),
        "s": (_positive_int, None),
    },
    "linear": {
        "out": (_positive_int, REQUIRED),
        "bias": (_boolean, True),
        "act": (_choice(*ACTIVATIONS), "none"),
        "width": (_choice(*WIDTH_POLICIES), "fixed"),
    },
    "repeat": {"n": (_positive_int, REQUIRED), "blocks": (None, REQUIRED)},
}

DEFAULT_FIELDS: dict[str, tuple[Callable[[Any], Any], Any]] = {
    "act": (_choice(*ACTIVATIONS), "relu"),
    "norm": (_choice(*NORMS), "bn"),
    "bias": (_boolean, False),
    "exp_width": (_choice(*WIDTH_POLICIES), "ratio"),
}

TABLE_FIELDS: dict[str, tuple[Callable[[Any], Any], Any]] = {
    "name": (_text, REQUIRED),
    "title": (_text, None),
    "source": (_text, None),
    "resolution": (_positive_int, REQUIRED),
    "in_channels": (_positive_int, 3),
    "rounding": (_choice(*ROUNDING_RULES), "divisible8"),
    "impls": (None, ("paper",)),
    "defaults": (None, None),
    "blocks": (None, REQUIRED),
}


class Block(NamedTuple):
    """One validated row of a table: its kind and its fields as written (impl mappings kept)."""

    kind: str
    fields: Mapping[str, Any]
    line: int | None = None


class Table:
    """A validated layer table. ``to_dict()`` gives back the schema form (for YAML/JSON dumps).

    Treat it as immutable: it memoises its expansion per implementation (and, for ``network.py``, per
    width), so that sweeps over α and resolution reuse the work.
    """

    __slots__ = (
        "_plans",
        "_resolved",
        "blocks",
        "defaults",
        "impls",
        "in_channels",
        "name",
        "origin",
        "resolution",
        "rounding",
        "source",
        "title",
    )

    def __init__(
        self,
        name: str,
        resolution: int,
        blocks: tuple[Block, ...],
        title: str | None = None,
        source: str | None = None,
        in_channels: int = 3,
        rounding: Any = "divisible8",
        impls: tuple[str, ...] = ("paper",),
        defaults: Mapping[str, Any] | None = None,
        origin: str = "<table>",
    ) -> None:
        self.name, self.resolution, self.blocks = name, resolution, blocks
        self.title, self.source, self.in_channels = title, source, in_channels
        self.rounding, self.impls, self.defaults = rounding, impls, defaults or {}
        self.origin = origin
        self._resolved: dict[str, list] = {}
        self._plans: dict = {}

    def __repr__(self) -> str:
        return f"Table(name={self.name!r}, origin={self.origin!r}, blocks={len(self.blocks)})"

    def rounding_for(self, impl: str) -> str:
        """The channel rounding rule this table uses under ``impl``."""
        return pick(self.rounding, impl)

    def resolved_blocks(self, impl: str) -> list[tuple[int, str, Block, dict[str, Any]]]:
        """Every block as ``(top-level index, label, block, fields)`` with impl mappings picked and
        defaults filled in; ``repeat`` groups are unrolled (label ``"3.1.0"``: block 3, pass 1, inner
        block 0). Computed once per impl: a sweep over α and resolution reuses it."""
        if impl in self._resolved:
            return self._resolved[impl]
        defaults = {
            key: pick(self.defaults.get(key, d), impl) for key, (_, d) in DEFAULT_FIELDS.items()
        }
        out: list[tuple[int, str, Block, dict[str, Any]]] = []

        def unroll(blocks: tuple[Block, ...], top: int | None, prefix: str) -> None:
            for i, block in enumerate(blocks):
                label = f"{prefix}{i}"
                index = i if top is None else top
                if block.kind == "repeat":
                    for r in range(pick(block.fields["n"], impl)):
                        unroll(block.fields["blocks"], index, f"{label}.{r}.")
                    continue
                values = {}
                for key, (_, default) in BLOCK_FIELDS[block.kind].items():
                    if key in block.fields:
                        values[key] = pick(block.fields[key], impl)
                    elif default is FROM_DEFAULTS:
                        values[key] = defaults[key]
                    else:
                        values[key] = default
                out.append((index, label, block, values))

        unroll(self.blocks, None, "")
        self._resolved[impl] = out
        return out

    def where(self, index: int) -> str:
        """``file:line: block i (kind)`` for error messages."""
        block = self.blocks[index]
        line = f":{block.line}" if block.line else ""
        return f"{self.origin}{line}: block {index} ({block.kind})"

    def to_dict(self) -> dict[str, Any]:
        """The table in schema form, built-in or loaded, ready for ``yaml``/``json`` dumping."""
        data: dict[str, Any] = {"name": self.name}
        for key in ("title", "source"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        data.update(
            resolution=self.resolution, in_channels=self.in_channels, rounding=self.rounding
        )
        if self.impls != ("paper",):
            data["impls"] = list(self.impls)
        if self.defaults:
            data["defaults"] = dict(self.defaults)
        data["blocks"] = [_block_dict(b) for b in self.blocks]
        return data


def _block_dict(block: Block) -> dict[str, Any]:
    if block.kind == "repeat":
        fields = {
            "n": block.fields["n"],
            "blocks": [_block_dict(b) for b in block.fields["blocks"]],
        }
        return {"repeat": fields}
    return {block.kind: dict(block.fields)}


def pick(value: Any, impl: str) -> Any:
    """A field value for ``impl``: the mapping's entry when the value is a per-impl mapping."""
    return value[impl] if isinstance(value, dict) else value


# spellings people bring from other tools, mapped to this schema's one spelling
KEY_ALIASES = {
    "stride": "s",
    "kernel": "k",
    "kernel_size": "k",
    "out_channels": "out",
    "channels": "out",
    "c": "out",
    "expansion": "t",
    "expand_ratio": "t",
    "repeats": "n",
    "activation": "act",
    "se_ratio": "se",
    "multiplier": "mult",
}


def _unknown_key(
    key: Any, allowed: Mapping[str, Any] | tuple[str, ...], where: str, what: str = "key"
) -> SpecError:
    import difflib

    alias = KEY_ALIASES.get(str(key))
    close = (
        [alias] if alias in allowed else difflib.get_close_matches(str(key), list(allowed), 1, 0.5)
    )
    hint = f"; did you mean '{close[0]}'?" if close else f" (allowed: {', '.join(allowed)})"
    return SpecError(f"unknown {what} {key!r}{hint}", where)


def _check_value(
    key: str, value: Any, check: Callable[[Any], Any], impls: tuple[str, ...], where: str
) -> Any:
    """Validate a scalar or a per-impl mapping whose keys are exactly the table's impls."""
    if isinstance(value, Mapping):
        if set(value) != set(impls):
            raise SpecError(
                f"'{key}' per-implementation values must name exactly {', '.join(impls)}, "
                f"got {', '.join(map(str, value))}",
                where,
            )
        return {impl: _check_value(key, value[impl], check, impls, where) for impl in impls}
    try:
        return check(value)
    except ValueError as exc:
        raise SpecError(f"'{key}' {exc}", where) from None


def _parse_block(
    index: int, raw: Any, impls: tuple[str, ...], where: str, line: int | None
) -> Block:
    where = f"{where}: block {index}"
    if not isinstance(raw, Mapping) or len(raw) != 1:
        raise SpecError(
            f"must be a mapping with one key, the block kind ({', '.join(BLOCK_FIELDS)})", where
        )
    ((kind, fields),) = raw.items()
    if kind not in BLOCK_FIELDS:
        raise _unknown_key(kind, tuple(BLOCK_FIELDS), where, what="block kind")
    where = f"{where} ({kind})"
    fields = {} if fields is None else fields
    if not isinstance(fields, Mapping):
        raise SpecError(f"fields must be a mapping, got {fields!r}", where)
    schema = BLOCK_FIELDS[kind]
    checked = {}
    for key, value in fields.items():
        if key not in schema:
            raise _unknown_key(key, schema, where)
        if kind == "repeat" and key == "blocks":
            checked[key] = _parse_blocks(value, impls, where, {})
        else:
            checked[key] = _check_value(key, value, schema[key][0], impls, where)
    for key, (_, default) in schema.items():
        if default is REQUIRED and key not in checked:
            raise SpecError(f"missing required field '{key}'", where)
    _check_kind_rules(kind, checked, where)
    return Block(kind, checked, line)


def _parse_blocks(
    raw: Any, impls: tuple[str, ...], where: str, lines: Mapping[int, int]
) -> tuple[Block, ...]:
    if not isinstance(raw, list) or not raw:
        raise SpecError("'blocks' must be a non-empty list", where)
    return tuple(
        _parse_block(i, b, impls, f"{where}:{lines[i]}" if i in lines else where, lines.get(i))
        for i, b in enumerate(raw)
    )


def _repeats(blocks: tuple[Block, ...]) -> int:
    """How many block passes the table unrolls to (the largest ``n`` where implementations differ)."""

    def largest(value: Any) -> int:
        return max(value.values()) if isinstance(value, dict) else value

    return sum(
        largest(b.fields.get("n", 1)) * (_repeats(b.fields["blocks"]) if b.kind == "repeat" else 1)
        for b in blocks
    )


def _check_kind_rules(kind: str, fields: Mapping[str, Any], where: str) -> None:
    """Rules that involve more than one field."""
    if kind == "ir" and fields.get("residual") is True and "s" in fields and fields["s"] != 1:
        raise SpecError("'residual: true' needs stride 1 ('s' is not 1)", where)
    if kind == "ir" and ("t" in fields) == ("exp" in fields):
        raise SpecError(
            "give exactly one of 't' (expansion ratio) or 'exp' (expanded width)", where
        )
    if kind == "pool":
        if ("global" in fields) == ("k" in fields):
            raise SpecError("give either 'global' (avg or max) or a window 'k'", where)
        if "global" in fields and ({"op", "s"} & set(fields)):
            raise SpecError("'op' and 's' apply to windowed pools only; use 'global: max'", where)


def parse_table(
    data: Any, origin: str = "<table>", lines: Mapping[int, int] | None = None
) -> Table:
    """Validate a table in schema form; ``lines`` maps block index to source line for messages."""
    if not isinstance(data, Mapping):
        raise SpecError(f"a table must be a mapping with keys {', '.join(TABLE_FIELDS)}", origin)
    for key in data:
        if key not in TABLE_FIELDS:
            raise _unknown_key(key, TABLE_FIELDS, origin)
    for key, (_, default) in TABLE_FIELDS.items():
        if default is REQUIRED and key not in data:
            raise SpecError(f"missing required field '{key}'", origin)
    impls = data.get("impls", ("paper",))
    if (
        not isinstance(impls, (list, tuple))
        or not impls
        or not all(isinstance(impl, str) and impl in IMPLS for impl in impls)
        or len(set(impls)) != len(impls)
    ):
        raise SpecError(
            f"'impls' must be a list of distinct names from {', '.join(IMPLS)}, got {impls!r}",
            origin,
        )
    impls = tuple(impls)
    top = {
        key: _check_value(key, data[key], check, impls, origin)
        for key, (check, _) in TABLE_FIELDS.items()
        if check is not None and key in data
    }
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, Mapping):
        raise SpecError(f"'defaults' must be a mapping, got {defaults!r}", origin)
    for key, value in defaults.items():
        if key not in DEFAULT_FIELDS:
            raise _unknown_key(key, DEFAULT_FIELDS, f"{origin}: defaults")
        _check_value(key, value, DEFAULT_FIELDS[key][0], impls, f"{origin}: defaults")
    parsed = _parse_blocks(data["blocks"], impls, origin, lines or {})
    if _repeats(parsed) > MAX_REPEATS:
        raise SpecError(f"the table unrolls to more than {MAX_REPEATS} block repeats", origin)
    return Table(blocks=parsed, impls=impls, defaults=dict(defaults), origin=origin, **top)


def load(path: str) -> Table:
    """Read a table from a YAML or JSON file (YAML is loaded safely: no object construction).

    Every problem — unreadable, empty or malformed file, invalid table — is one ``SpecError`` that
    names the file and, where the parser knows it, the line.
    """
    import os

    try:
        if os.path.getsize(path) > MAX_FILE_BYTES:
            raise SpecError(f"file is larger than {MAX_FILE_BYTES // 2**20} MiB", path)
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SpecError(f"cannot read the table: {reason}", path) from None
    if not text.strip():
        raise SpecError("the file is empty", path)
    data, lines = _parse_text(text, path)
    return parse_table(data, origin=path, lines=lines)


MAX_FILE_BYTES = 16 * 2**20


def _parse_text(text: str, path: str) -> tuple[Any, dict[int, int]]:
    """YAML (of which JSON is a subset here) -> (data, {block index: 1-based line})."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(text, Loader=loader)
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else path
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError(f"malformed YAML/JSON: {problem}", where) from None
    except RecursionError:
        raise SpecError("malformed YAML/JSON: nested too deeply", path) from None
    lines: dict[int, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "blocks" and isinstance(value, yaml.SequenceNode):
                lines = {i: item.start_mark.line + 1 for i, item in enumerate(value.value)}
    return data, lines


def dump_yaml(table: Table) -> str:
    """The table as YAML in the schema ``load`` reads: top-level keys in block style, each block row
    and every nested value on one line (flow style)."""
    import yaml

    class Dumper(yaml.SafeDumper):
        """SafeDumper that prints the collections wrapped by ``flow`` on one line."""

    class FlowMap(dict):
        pass

    class FlowList(list):
        pass

    Dumper.add_representer(
        FlowMap,
        lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v.items(), flow_style=True),
    )
    Dumper.add_representer(
        FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
    )

    def flow(value: Any) -> Any:
        if isinstance(value, dict):
            return FlowMap({k: flow(v) for k, v in value.items()})
        if isinstance(value, list):
            return FlowList([flow(v) for v in value])
        return value

    data = {key: flow(value) for key, value in table.to_dict().items()}
    data["blocks"] = list(data["blocks"])  # one row per line
    if "defaults" in data:
        data["defaults"] = dict(data["defaults"])
    return yaml.dump(
        data,
        Dumper=Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=2**16,
    )
