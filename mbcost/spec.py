"""The layer-table schema: a plain dict (from Python, YAML or JSON) -> a validated ``Table``.

A table is a list of blocks, one per row of a paper's architecture table. Each block is a one-key mapping
``{kind: {field: value, ...}}``. Any field value — and the table's ``rounding`` — may instead be a mapping
from implementation name to value (``bias: {paper: false, timm: true}``) when implementations differ;
``--impl`` picks the entry. Every problem is reported as one ``SpecError`` naming the block and field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from mbcost import fields as F
from mbcost.blocks import BLOCKS
from mbcost.errors import SpecError
from mbcost.loading import load as load  # re-exported: ``mbcost.spec.load`` reads a file
from mbcost.rounding import ROUNDING_RULES, WIDTH_POLICIES

IMPLS = ("paper", "torchvision", "timm")
ACTIVATIONS = F.ACTIVATIONS
MAX_SIZE = F.MAX_SIZE
MAX_REPEATS = (
    10_000  # total repeats in a table: bounds the work a (possibly hostile) file can ask for
)
REQUIRED, FROM_DEFAULTS = F.REQUIRED, F.FROM_DEFAULTS

# kind -> field -> (checker, default); the registry entry of each kind lives in blocks.py
BLOCK_FIELDS: dict[str, Mapping[str, tuple[Callable[[Any], Any] | None, Any]]] = {
    kind: entry.fields for kind, entry in BLOCKS.items()
}

DEFAULT_FIELDS: dict[str, tuple[Callable[[Any], Any], Any]] = {
    "act": (F.choice(*F.ACTIVATIONS), "relu"),
    "norm": (F.choice(*F.NORMS), "bn"),
    "bias": (F.boolean, False),
    "exp_width": (F.choice(*WIDTH_POLICIES), "ratio"),
    # squeeze-and-excite: squeeze = se_round(se · base); reduce conv activation; gate activation
    "se_base": (F.choice("expanded", "input"), "expanded"),
    "se_round": (F.choice(*ROUNDING_RULES), "divisible8"),
    "se_act": (F.choice(*F.ACTIVATIONS), "relu"),
    "se_gate": (F.choice(*F.ACTIVATIONS), "hsigmoid"),
    # whether a row's repeats n scale with the depth multiplier: n -> ceil(n · depth)
    "depth": (F.choice(*F.DEPTH_POLICIES), "fixed"),
}

TABLE_FIELDS: dict[str, tuple[Callable[[Any], Any], Any]] = {
    "name": (F.text, REQUIRED),
    "title": (F.text, None),
    "source": (F.text, None),
    "resolution": (F.positive_int, REQUIRED),
    "in_channels": (F.positive_int, 3),
    "rounding": (F.choice(*ROUNDING_RULES), "divisible8"),
    # a compound-scaled variant's own coefficients (EfficientNet-B1…B7): --alpha and --depth
    # multiply these
    "width_mult": (F.positive_number, 1.0),
    "depth_mult": (F.positive_number, 1.0),
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

    Treat it as immutable: it memoises its resolved blocks per implementation, and the engine keeps
    its expansions (``plan.py``) keyed by the table, so sweeps over α and resolution reuse the work.
    """

    __slots__ = (
        "__weakref__",
        "_resolved",
        "blocks",
        "defaults",
        "depth_mult",
        "impls",
        "in_channels",
        "name",
        "origin",
        "resolution",
        "rounding",
        "source",
        "title",
        "width_mult",
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
        width_mult: float = 1.0,
        depth_mult: float = 1.0,
    ) -> None:
        self.name, self.resolution, self.blocks = name, resolution, blocks
        self.title, self.source, self.in_channels = title, source, in_channels
        self.rounding, self.impls, self.defaults = rounding, impls, defaults or {}
        self.origin = origin
        self.width_mult, self.depth_mult = width_mult, depth_mult
        self._resolved: dict[str, list] = {}

    def __repr__(self) -> str:
        return f"Table(name={self.name!r}, origin={self.origin!r}, blocks={len(self.blocks)})"

    def rounding_for(self, impl: str) -> str:
        """The channel rounding rule this table uses under ``impl``."""
        return pick(self.rounding, impl)

    def scales_depth(self, impl: str) -> bool:
        """Whether any row's repeats scale with the depth multiplier (``depth: scale``)."""
        return any(f.get("depth") == "scale" for *_, f in self.resolved_blocks(impl))

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
        for key in ("width_mult", "depth_mult"):
            if getattr(self, key) != 1:
                data[key] = getattr(self, key)
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
    "num_heads": "heads",  # TF Model Garden's MobileNetV4 block spec names
    "kv_strides": "kv_stride",
    "start_dw_kernel_size": "a",
    "middle_dw_kernel_size": "k",
    "use_layer_scale": "layer_scale",
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
    problem = BLOCKS[kind].rules(checked)
    if problem:
        raise SpecError(problem, where)
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
    table = Table(blocks=parsed, impls=impls, defaults=dict(defaults), origin=origin, **top)
    if table.depth_mult != 1 and not all(table.scales_depth(impl) for impl in impls):
        raise SpecError(
            "'depth_mult' scales the repeats of rows with 'depth: scale', but no row has it", origin
        )
    return table


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
