"""The expanded network as a graph, in two cached passes.

1. ``plan(table, alpha, impl, depth)``: every block expanded into ``Node``s that name their inputs, with
   widths and each quantity's width factors — no spatial sizes (they do not depend on α).
2. ``spatial(plan, resolution)``: every node's output size, and the area of each *size slot* —
   nodes whose sizes are equal at every resolution (same chain of size transforms) share a slot.
   Widths do not depend on the resolution, so plans with the same structure share these.

Every cost term is a width factor times an area, so a configuration's totals are one dot product per
quantity: ``plan.weights(convention)`` (cached per α) · ``spatial(...).areas`` (cached per
resolution). That is the sweep path; report rows are built only when a report is asked for.
"""

from __future__ import annotations

import math
from operator import mul
from typing import NamedTuple
from weakref import WeakKeyDictionary

from mbcost.blocks import BLOCKS, UNIT_INPUT, Context, Part
from mbcost.conventions import Convention
from mbcost.errors import MbcostError, ShapeError, SpecError
from mbcost.fields import MAX_SIZE
from mbcost.layers import Add, Layer, Mul
from mbcost.quantities import IN, ONE, OUT, QUANTITIES, Scaled, layer_costs
from mbcost.roles import Role
from mbcost.spec import MAX_REPEATS, Table, pick

NETWORK_INPUT = -1  # the index that stands for the network input in ``Node.inputs``
MAX_ALPHA = 1000
MAX_DEPTH = 100


class Node(NamedTuple):
    """One layer of the expanded network.

    ``inputs`` are the indices of the nodes it reads, in order (``NETWORK_INPUT`` for the network
    input); ``unit`` names the block repeat it belongs to (``"7.2"``); ``role`` labels rollups and
    never decides topology; ``costs`` holds each quantity's terms (``QUANTITIES`` order) as width
    factors.
    """

    index: int
    name: str
    block: int
    unit: str
    role: Role
    layer: Layer
    inputs: tuple[int, ...]
    in_c: int
    out_c: int
    costs: tuple[tuple[Scaled, ...], ...]


class Spatial(NamedTuple):
    """Sizes at one resolution: every node's output size (square maps; the query map's for an
    attention score tensor, whose area is its pair slot's) and every slot's area."""

    resolution: int
    sizes: tuple[int, ...]
    areas: tuple[int, ...]


class Skeleton:
    """The spatial structure of a plan: per node its size transform and inputs, the size slot of
    every node's output, and the cached ``Spatial`` per resolution. Plans with equal structure (most
    widths of one table) share one skeleton.

    A *pair* slot (``pairs``: ``(slot, first, second)``) holds the tensors on the product of two
    areas, the attention scores' N_q·N_kv: a layer with ``spatial == "pair"`` writes to the pair of
    its first two inputs' slots, one with ``spatial == "query"`` back to the pair's first slot. Its
    area is the product of the two, so totals stay one dot product of width factors and areas."""

    __slots__ = ("_spatial", "key", "node_slot", "pairs", "slot_count")

    def __init__(self, key: tuple) -> None:
        self.key = key
        signatures: dict[tuple, int] = {(): 1}  # slot 0 is the constant 1, slot 1 the input
        node_sig: list[tuple] = []

        def sig_of(j: int) -> tuple:
            return () if j == NETWORK_INPUT else node_sig[j]

        for transform, inputs in key:
            parent = sig_of(inputs[0])
            if transform is None:
                sig = parent
            elif transform == "global":
                sig = ("global",)
            elif transform == "pair":
                sig = ("pair", parent, sig_of(inputs[1]))
            elif transform == "query":
                sig = parent[1]
            else:
                sig = (*parent, transform)
            signatures.setdefault(sig, len(signatures) + 1)
            node_sig.append(sig)
        self.node_slot = tuple(signatures[s] for s in node_sig)
        self.pairs = tuple(
            (slot, signatures[sig[1]], signatures[sig[2]])
            for sig, slot in signatures.items()
            if sig[:1] == ("pair",)
        )
        self.slot_count = len(signatures) + 1
        self._spatial: dict[int, Spatial] = {}


class Plan:
    """A table expanded at one (α, implementation, depth): its nodes and their shared
    ``Skeleton``. ``alpha`` and ``depth`` are the multipliers asked for, on top of the table's own
    ``width_mult`` and ``depth_mult``."""

    __slots__ = (
        "_factors",
        "_weights",
        "alpha",
        "depth",
        "first_inputs",
        "impl",
        "nodes",
        "skeleton",
        "table",
    )

    def __init__(
        self, table: Table, alpha: float, impl: str, nodes: tuple[Node, ...], depth: float = 1.0
    ) -> None:
        self.table, self.alpha, self.impl, self.nodes = table, alpha, impl, nodes
        self.depth = depth
        self.skeleton = _skeleton(table, tuple((n.layer.spatial, n.inputs) for n in nodes))
        self.first_inputs = tuple(n.inputs[0] for n in nodes)
        self._weights: dict[str, tuple[tuple[int, ...], ...]] = {}
        self._factors: dict[str, tuple[tuple[tuple[int, int, int], ...], ...]] = {}

    def row_factors(self, convention: Convention) -> tuple[tuple[tuple[int, int, int], ...], ...]:
        """Per node, per quantity, the counted width factors of its (constant, input-area,
        output-area) terms: a row's value is ``one + in · in_area + out · out_area``."""
        if convention.name not in self._factors:
            counted = [counted_terms(convention, q) for q in QUANTITIES]
            self._factors[convention.name] = tuple(
                tuple(
                    tuple(
                        sum(t.factor for t in costs if t.area == area and t.term in counted[qi])
                        for area in (ONE, IN, OUT)
                    )
                    for qi, costs in enumerate(node.costs)
                )
                for node in self.nodes
            )
        return self._factors[convention.name]

    def in_slot(self, node: Node) -> int:
        """The size slot of a node's first input."""
        j = node.inputs[0]
        return 1 if j == NETWORK_INPUT else self.skeleton.node_slot[j]

    def weights(self, convention: Convention) -> tuple[tuple[int, ...], ...]:
        """Per quantity, the summed width factor of every size slot under ``convention``."""
        if convention.name in self._weights:
            return self._weights[convention.name]
        vectors = []
        for qi, name in enumerate(QUANTITIES):
            counted = counted_terms(convention, name)
            vector = [0] * self.skeleton.slot_count
            for node in self.nodes:
                slots = (0, self.in_slot(node), self.skeleton.node_slot[node.index])
                for term in node.costs[qi]:
                    if term.term in counted:
                        vector[slots[term.area]] += term.factor
            vectors.append(tuple(vector))
        self._weights[convention.name] = result = tuple(vectors)
        return result


def counted_terms(convention: Convention, quantity: str) -> frozenset[str]:
    """The terms of ``quantity`` that ``convention`` counts (cached)."""
    key = (convention.name, quantity)
    if key not in _COUNTED:
        _COUNTED[key] = frozenset(convention.counted(quantity))
    return _COUNTED[key]


_COUNTED: dict[tuple[str, str], frozenset[str]] = {}
_CACHE_SIZE = 4096
_PLANS: WeakKeyDictionary[Table, dict[tuple[float, str, float], Plan]] = WeakKeyDictionary()
_SKELETONS: WeakKeyDictionary[Table, dict[tuple, Skeleton]] = WeakKeyDictionary()


def _bounded(cache: dict) -> dict:
    if len(cache) >= _CACHE_SIZE:
        cache.clear()
    return cache


def _skeleton(table: Table, key: tuple) -> Skeleton:
    known = _SKELETONS.setdefault(table, {})
    if key not in known:
        _bounded(known)[key] = Skeleton(key)
    return known[key]


def _check_multiplier(name: str, value: float, maximum: float) -> float:
    """A multiplier must be a positive finite number, at most ``maximum``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (math.isfinite(value) and 0 < value <= maximum)
    ):
        raise MbcostError(f"{name} must be a positive number up to {maximum}, got {value!r}")
    return float(value)


def check_alpha(alpha: float) -> float:
    """α must be a positive finite number, at most ``MAX_ALPHA``."""
    return _check_multiplier("alpha", alpha, MAX_ALPHA)


def check_depth(depth: float) -> float:
    """The depth multiplier must be a positive finite number, at most ``MAX_DEPTH``."""
    return _check_multiplier("depth", depth, MAX_DEPTH)


def resolve_resolution(native: int, resolution: int | None, rho: float | None) -> int:
    """Input size in pixels from ``resolution`` or ``rho`` × native (not both; neither = native)."""
    if resolution is not None and rho is not None:
        raise MbcostError("give either resolution or rho, not both")
    if rho is not None:
        if (
            isinstance(rho, bool)
            or not isinstance(rho, (int, float))
            or not (math.isfinite(rho) and 0 < rho <= MAX_SIZE)
        ):
            raise MbcostError(f"rho must be a positive number, got {rho!r}")
        pixels = native * rho
        if round(pixels) < 1:
            raise MbcostError(f"rho {rho} gives an input of {pixels:.2f} pixels; need at least 1")
        if round(pixels) > MAX_SIZE:
            raise MbcostError(
                f"rho {rho} gives an input of {pixels:.0f} pixels; at most {MAX_SIZE}"
            )
        return round(pixels)
    if resolution is None:
        return native
    if (
        isinstance(resolution, bool)
        or not isinstance(resolution, int)
        or not 0 < resolution <= MAX_SIZE
    ):
        raise MbcostError(
            f"resolution must be a positive integer up to {MAX_SIZE} (pixels), got {resolution!r}"
        )
    return resolution


def check_impl(table: Table, impl: str) -> str:
    """``impl`` must be one of the table's implementations."""
    if impl not in table.impls:
        raise MbcostError(
            f"table '{table.name}' has no '{impl}' implementation (choose from {', '.join(table.impls)})"
        )
    return impl


def plan(table: Table, alpha: float, impl: str, depth: float = 1.0) -> Plan:
    """``table`` expanded at width ``alpha`` and depth ``depth`` under ``impl``'s rules (cached
    per table). A depth other than 1 needs a table with rows that scale (``depth: scale``)."""
    plans = _PLANS.setdefault(table, {})
    key = (alpha, impl, depth)
    if key not in plans:
        nodes = _expand(table, alpha, impl, depth)
        _bounded(plans)[key] = Plan(table, alpha, impl, nodes, depth)
    return plans[key]


def repeats(table: Table, impl: str, depth: float = 1.0) -> list[int]:
    """Every resolved row's repeat count at depth multiplier ``depth``: ``n``, or
    ``ceil(n · depth_mult · depth)`` for a row with ``depth: scale`` (timm's ``depth_trunc='ceil'``
    and torchvision's ``adjust_depth``, which compute it in this order)."""
    rows = table.resolved_blocks(impl)
    if depth != 1 and not table.scales_depth(impl):
        raise MbcostError(
            f"depth must be 1 for table '{table.name}': none of its rows scales with depth "
            f"('depth: scale'), got {depth:g}"
        )
    scale = pick(table.depth_mult, impl) * depth
    counts = [
        math.ceil(f.get("n", 1) * scale) if f.get("depth") == "scale" else f.get("n", 1)
        for *_, f in rows
    ]
    if sum(counts) > MAX_REPEATS:
        raise MbcostError(
            f"depth {depth:g} unrolls table '{table.name}' to {sum(counts):,} block repeats; "
            f"at most {MAX_REPEATS:,}"
        )
    return counts


def _expand(table: Table, alpha: float, impl: str, depth: float) -> tuple[Node, ...]:
    rule = table.rounding_for(impl)
    width = pick(table.width_mult, impl) * alpha
    nodes: list[Node] = []
    unit_input, in_c, nominal = NETWORK_INPUT, table.in_channels, table.in_channels
    counts = repeats(table, impl, depth)
    for (i, label, block, fields), count in zip(table.resolved_blocks(impl), counts, strict=True):
        where = table.where(i)
        for r in range(count):
            ctx = Context(in_c, nominal, width, rule, not nodes, r, where)
            expansion = BLOCKS[block.kind].expand(ctx, fields)
            unit = f"{label}.{r}" if count > 1 else label
            local = {UNIT_INPUT: unit_input}
            for part in expansion.parts:
                if part.inputs is None:
                    inputs = (nodes[-1].index if len(local) > 1 else unit_input,)
                else:
                    inputs = tuple(local[name] for name in part.inputs)
                node = _node(nodes, table, f"{unit}.{part.suffix}", i, unit, part, inputs, where)
                local[part.suffix] = node.index
                nodes.append(node)
            unit_input, in_c, nominal = nodes[-1].index, nodes[-1].out_c, expansion.out_nominal
    return tuple(nodes)


def _node(
    nodes: list[Node],
    table: Table,
    name: str,
    block: int,
    unit: str,
    part: Part,
    inputs: tuple[int, ...],
    where: str,
) -> Node:
    """A node for ``part``, checking that the widths it reads agree (adds and SE gates)."""
    widths = [table.in_channels if j == NETWORK_INPUT else nodes[j].out_c for j in inputs]
    layer = part.layer
    if isinstance(layer, Add) and len(set(widths)) != 1:
        raise SpecError(
            f"layer {name} adds tensors of {' and '.join(map(str, widths))} channels", where
        )
    if isinstance(layer, Mul) and widths[0] != widths[1]:
        raise SpecError(
            f"layer {name} scales {widths[0]} channels by a {widths[1]}-wide gate", where
        )
    in_c = widths[0]
    return Node(
        len(nodes),
        name,
        block,
        unit,
        part.role,
        layer,
        inputs,
        in_c,
        layer.out_channels(in_c),
        layer_costs(layer, in_c),
    )


def spatial(p: Plan, resolution: int) -> Spatial:
    """Every node's output size at ``resolution`` (cached on the plan's skeleton); a ``ShapeError``
    names the layer where a feature map collapses or two inputs of an add disagree."""
    cache = p.skeleton._spatial
    if resolution in cache:
        return cache[resolution]
    sizes: list[int] = []
    node = None
    try:
        for node in p.nodes:
            ins = [resolution if j == NETWORK_INPUT else sizes[j] for j in node.inputs]
            n = node.layer.out_size(ins[0])
            if n < 1:
                raise ShapeError(f"feature map collapses to {n}x{n}")
            if isinstance(node.layer, Add) and len(set(ins)) != 1:
                raise ShapeError(f"adds {' and '.join(f'{s}x{s}' for s in ins)} feature maps")
            if isinstance(node.layer, Mul) and ins[1] not in (1, ins[0]):
                raise ShapeError(f"scales a {ins[0]}x{ins[0]} map by a {ins[1]}x{ins[1]} gate")
            sizes.append(n)
    except ShapeError as exc:
        where = p.table.where(node.block)
        raise ShapeError(
            f"{where}: layer {node.name}: {exc} at input resolution {resolution}"
        ) from None
    areas = [0] * p.skeleton.slot_count
    areas[0], areas[1] = 1, resolution * resolution
    for i, slot in enumerate(p.skeleton.node_slot):
        areas[slot] = sizes[i] * sizes[i]
    for slot, first, second in p.skeleton.pairs:
        areas[slot] = areas[first] * areas[second]
    _bounded(cache)[resolution] = result = Spatial(resolution, tuple(sizes), tuple(areas))
    return result


def totals(p: Plan, s: Spatial, convention: Convention) -> tuple[int, ...]:
    """Every quantity's total (``QUANTITIES`` order): width factors · areas, no rows built."""
    return tuple(sum(map(mul, vector, s.areas)) for vector in p.weights(convention))
