"""The cost report as data: one ``Row`` per layer, totals and rollups. Integers only; no formatting."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from mbcost.conventions import CONVENTIONS, Convention
from mbcost.errors import suggest
from mbcost.layers import Layer, Shape
from mbcost.network import LayerTuple, Network, check_alpha, check_impl, walk
from mbcost.roles import Role
from mbcost.spec import Table


class Inputs(NamedTuple):
    """What a report was computed from; every renderer prints it."""

    arch: str
    alpha: float
    resolution: int
    impl: str
    convention: str


class Row(NamedTuple):
    """One layer's cost under the report's convention, with every term kept for explanation."""

    index: int
    name: str
    block: int
    role: Role
    layer: Layer
    in_shape: Shape
    out_shape: Shape
    macs: int
    params: int
    cost_terms: Mapping[str, int]
    param_terms: Mapping[str, int]


class Totals(NamedTuple):
    """Summed MACs and parameters of a group of rows."""

    macs: int
    params: int


class Report(NamedTuple):
    """A network's cost: rows in order and their totals; rollups computed on demand."""

    inputs: Inputs
    rows: tuple[Row, ...]
    totals: Totals

    def _group(self, key) -> dict:
        macs: Counter = Counter()
        params: Counter = Counter()
        for row in self.rows:
            macs[key(row)] += row.macs
            params[key(row)] += row.params
        return {k: Totals(macs[k], params[k]) for k in macs}

    def by_role(self) -> dict[Role, Totals]:
        """Totals per role, in the order roles are declared."""
        groups = self._group(lambda r: r.role)
        return {role: groups[role] for role in Role if role in groups}

    def by_block(self) -> dict[int, Totals]:
        """Totals per table block (block index)."""
        return self._group(lambda r: r.block)

    def by_term(self) -> dict[str, int]:
        """Every cost and parameter term summed over the network, counted or not by the convention
        (``cost.conv``, ``params.bn``, …): the difference between conventions is a sum of these."""
        cost: Counter = Counter()
        params: Counter = Counter()
        for row in self.rows:
            cost.update(row.cost_terms)
            params.update(row.param_terms)
        return {f"cost.{k}": v for k, v in cost.items()} | {
            f"params.{k}": v for k, v in params.items()
        }


def get_convention(name: str) -> Convention:
    """The convention called ``name``; an UnknownNameError lists the valid ones."""
    if name not in CONVENTIONS:
        raise suggest(name, tuple(CONVENTIONS), "convention")
    return CONVENTIONS[name]


def make_report(network: Network, convention: str = "paper") -> Report:
    """Cost every layer of ``network`` under the named convention."""
    units = ((unit, [(*p, p.layer.param_terms()) for p in unit.layers]) for unit in network.units)
    inputs = Inputs(network.table.name, network.alpha, network.resolution, network.impl, convention)
    return _report(inputs, units, convention)


def analyze_table(
    table: Table, alpha: float, resolution: int, impl: str, convention: str = "paper"
) -> Report:
    """The report of ``table`` at one configuration, in one pass over its layers (no ``Network``
    is built: this is what α × resolution sweeps call)."""
    alpha = check_alpha(alpha)
    check_impl(table, impl)
    inputs = Inputs(table.name, alpha, resolution, impl, convention)
    return _report(inputs, walk(table, alpha, resolution, impl), convention)


def _report(
    inputs: Inputs, units: Iterable[tuple[object, list[LayerTuple]]], convention: str
) -> Report:
    conv = get_convention(convention)
    macs_terms, params_terms = conv.macs_terms, conv.params_terms
    rows: list[Row] = []
    append = rows.append
    new_row = (
        tuple.__new__
    )  # Row(...) without NamedTuple's Python-level __new__: the sweep hot path
    total_macs = total_params = 0
    for _, layers in units:
        for index, name, block, role, layer, x, y, params in layers:
            cost = layer.cost_terms(x, y)
            macs = 0
            for term in macs_terms:
                if term in cost:
                    macs += cost[term]
            count = 0
            for term in params_terms:
                if term in params:
                    count += params[term]
            append(new_row(Row, (index, name, block, role, layer, x, y, macs, count, cost, params)))
            total_macs += macs
            total_params += count
    return Report(inputs, tuple(rows), Totals(total_macs, total_params))
