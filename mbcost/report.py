"""The cost report as data: one ``Row`` per node, totals and rollups. Integers only; no formatting.

``analyze_table`` is the one route to a report; ``evaluate`` gives the totals alone (the sweep path,
which builds no rows). Both read the cached plan and spatial passes of ``plan.py``.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Hashable
from itertools import repeat
from typing import NamedTuple

from mbcost.conventions import Convention, get_convention
from mbcost.layers import Layer, Shape, map_shape
from mbcost.memory import DEFAULT_RULE, Memory, get_rule, memory
from mbcost.plan import (
    NETWORK_INPUT,
    Node,
    Plan,
    Spatial,
    check_alpha,
    check_depth,
    check_impl,
    plan,
    spatial,
    totals,
)
from mbcost.quantities import QUANTITIES, QUANTITY_NAMES, scaled_terms
from mbcost.roles import Role
from mbcost.spec import Table


class Inputs(NamedTuple):
    """What a report was computed from; every renderer prints it."""

    arch: str
    alpha: float
    resolution: int
    impl: str
    convention: str
    dtype: str  # of activations (``memory.DTYPES``)
    weight_dtype: str
    memory_rule: str  # ``memory.RULES``
    depth: float  # depth multiplier (on top of the table's own ``depth_mult``); appended, as
    # every new input: CSV readers index the context columns


_MACS, _PARAMS = QUANTITY_NAMES.index("macs"), QUANTITY_NAMES.index("params")
Totals = namedtuple("Totals", QUANTITY_NAMES)
Totals.__doc__ = "Every quantity (``QUANTITIES``) summed over a group of rows: ``totals.macs``, ..."


class Row(NamedTuple):
    """One node at one resolution: its input and output sizes (square maps) and areas, and its
    values under the report's convention, computed when read from the node's width factors.

    An area is the size squared except on a pair slot (``plan.Skeleton``): attention scores are
    heads × N_q × N_kv, their size is the query map's and their area N_q·N_kv."""

    node: Node
    in_size: int
    out_size: int
    convention: Convention
    factors: tuple[tuple[int, int, int], ...]  # per quantity: counted (one, in-area, out-area)
    in_area: int
    out_area: int

    @property
    def index(self) -> int:
        """Position in the network."""
        return self.node.index

    @property
    def name(self) -> str:
        """Engine layer name (``7.2.dw``)."""
        return self.node.name

    @property
    def block(self) -> int:
        """Index of the table block it came from."""
        return self.node.block

    @property
    def role(self) -> Role:
        """Rollup label."""
        return self.node.role

    @property
    def layer(self) -> Layer:
        """The layer record."""
        return self.node.layer

    @property
    def inputs(self) -> tuple[int, ...]:
        """Indices of the rows it reads (``-1``: the network input)."""
        return self.node.inputs

    @property
    def in_shape(self) -> Shape:
        """The first input's feature map (N_q × N_kv × heads for attention scores)."""
        return map_shape(self.node.in_c, self.in_size, self.in_area)

    @property
    def out_shape(self) -> Shape:
        """The output feature map (N_q × N_kv × heads for attention scores)."""
        return map_shape(self.node.out_c, self.out_size, self.out_area)

    def terms(self, quantity: str) -> dict[str, int]:
        """Every term of ``quantity``, counted by the convention or not."""
        costs = self.node.costs[QUANTITY_NAMES.index(quantity)]
        return scaled_terms(costs, self.in_area, self.out_area)

    def value(self, quantity: str) -> int:
        """``quantity`` under the report's convention."""
        return self._value(QUANTITY_NAMES.index(quantity))

    def _value(self, qi: int) -> int:
        one, per_in, per_out = self.factors[qi]
        return one + per_in * self.in_area + per_out * self.out_area

    def values(self) -> Totals:
        """Every quantity under the report's convention."""
        return Totals(*map(self._value, range(len(QUANTITY_NAMES))))

    @property
    def macs(self) -> int:
        """MACs under the report's convention."""
        return self._value(_MACS)

    @property
    def params(self) -> int:
        """Parameters under the report's convention."""
        return self._value(_PARAMS)

    @property
    def cost_terms(self) -> dict[str, int]:
        """Every MACs term (``conv``, ``linear``, ``bn``, ``pool``)."""
        return self.terms("macs")

    @property
    def param_terms(self) -> dict[str, int]:
        """Every parameter term (``weight``, ``bias``, ``bn``)."""
        return self.terms("params")


class Report(NamedTuple):
    """A network's cost: rows in order, their totals and its activation memory (``memory.py``: the
    peak is not a sum, so it is not a total); rollups computed on demand."""

    inputs: Inputs
    rows: tuple[Row, ...]
    totals: Totals
    memory: Memory

    def group(self, key: Callable[[Row], Hashable]) -> dict:
        """Totals per ``key(row)``, in order of first appearance."""
        sums: dict = {}
        for row in self.rows:
            values = row.values()
            k = key(row)
            sums[k] = (
                values if k not in sums else Totals(*map(sum, zip(sums[k], values, strict=True)))
            )
        return sums

    def by_role(self) -> dict[Role, Totals]:
        """Totals per role, in the order roles are declared."""
        groups = self.group(lambda r: r.role)
        return {role: groups[role] for role in Role if role in groups}

    def by_block(self) -> dict[int, Totals]:
        """Totals per table block (block index)."""
        return self.group(lambda r: r.block)

    def by_term(self) -> dict[str, int]:
        """Every term of every quantity summed over the network, counted or not by the convention
        (``cost.conv``, ``params.bn``, …): the difference between conventions is a sum of these."""
        out: dict[str, int] = {}
        for q in QUANTITIES.values():
            summed: dict[str, int] = {}
            for row in self.rows:
                for term, value in row.terms(q.name).items():
                    summed[term] = summed.get(term, 0) + value
            out |= {f"{q.prefix}.{t}": v for t, v in summed.items()}
        return out


def _configure(
    table: Table, alpha: float, resolution: int, impl: str, convention: str, depth: float
) -> tuple[Plan, Spatial, Convention]:
    conv = get_convention(convention)
    check_impl(table, impl)
    p = plan(table, check_alpha(alpha), impl, check_depth(depth))
    return p, spatial(p, resolution), conv


def evaluate(
    table: Table,
    alpha: float,
    resolution: int,
    impl: str = "paper",
    convention: str = "paper",
    depth: float = 1.0,
) -> Totals:
    """The totals of ``table`` at one configuration without building rows (the sweep path)."""
    p, s, conv = _configure(table, alpha, resolution, impl, convention, depth)
    return Totals(*totals(p, s, conv))


def analyze_table(
    table: Table,
    alpha: float,
    resolution: int,
    impl: str,
    convention: str = "paper",
    dtype: str = "float32",
    weight_dtype: str | None = None,
    memory_rule: str = DEFAULT_RULE,
    depth: float = 1.0,
) -> Report:
    """The report of ``table`` at one configuration: a row per node, the totals, and the activation
    memory under ``memory_rule`` with ``dtype`` activations and ``weight_dtype`` (default: the
    same) weights. ``depth`` multiplies the repeats of the rows that scale with depth."""
    get_rule(memory_rule)
    p, s, conv = _configure(table, alpha, resolution, impl, convention, depth)
    sizes = s.sizes
    in_sizes = [resolution if j == NETWORK_INPUT else sizes[j] for j in p.first_inputs]
    areas, slots = s.areas, p.skeleton.node_slot
    in_areas = [areas[1 if j == NETWORK_INPUT else slots[j]] for j in p.first_inputs]
    out_areas = [areas[slot] for slot in slots]
    factors = p.row_factors(conv)
    rows = tuple(map(Row, p.nodes, in_sizes, sizes, repeat(conv), factors, in_areas, out_areas))
    held = memory(p, s, memory_rule, dtype, weight_dtype)
    inputs = Inputs(
        arch=table.name,
        alpha=p.alpha,
        depth=p.depth,
        resolution=resolution,
        impl=impl,
        convention=convention,
        dtype=dtype,
        weight_dtype=held.weight_dtype,
        memory_rule=memory_rule,
    )
    return Report(inputs, rows, Totals(*totals(p, s, conv)), held)
