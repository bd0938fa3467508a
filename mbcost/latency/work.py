"""What one layer asks of a device, independent of the element type: its MACs, the elements it
reads and writes, its weights, and the element-wise work that MACs do not count (an activation the
runtime runs as its own pass, the sum of a residual add, the product of an SE gate, the reads of a
pool).

``WORK`` is a registry from layer type to a handle, as in ``quantities.py``: every layer type has
an entry, and a type without one is an error (``MissingWorkError``), never a silent zero.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from mbcost.errors import MbcostError
from mbcost.layers import (
    Add,
    AttnScores,
    AttnValues,
    Conv2d,
    Layer,
    LayerScale,
    Linear,
    Mul,
    Norm,
    Pool,
    Shape,
    Softmax,
    map_shape,
)
from mbcost.plan import NETWORK_INPUT

if TYPE_CHECKING:
    from mbcost.plan import Plan, Spatial
    from mbcost.report import Report


class LayerWork(NamedTuple):
    """One layer's work: ``kind`` selects the device's compute rate (``Profile.rates``);
    ``elementwise`` maps an element-wise operation to how many elements it touches."""

    kind: str
    macs: int
    in_elements: int  # every input's elements
    out_elements: int
    weight_elements: int  # weights and biases
    elementwise: Mapping[str, int]


Handle = Callable[[Layer, tuple[Shape, ...], Shape], LayerWork]


class MissingWorkError(MbcostError):
    """A layer type with no entry in ``WORK``."""


def _activation(act: str, elements: int) -> dict[str, int]:
    return {} if act == "none" else {act: elements}


def _conv(layer: Conv2d, inputs: tuple[Shape, ...], y: Shape) -> LayerWork:
    """``D_K·D_K·(M/G)·N·D_F·D_F`` MACs; the activation on every output element (BatchNorm is
    folded into the weights)."""
    weights = layer.weights() + (layer.out_c if layer.bias else 0)
    return LayerWork(
        layer.kind,
        layer.macs(y),
        inputs[0].elements,
        y.elements,
        weights,
        _activation(layer.act, y.elements),
    )


def _linear(layer: Linear, inputs: tuple[Shape, ...], y: Shape) -> LayerWork:
    """``in·out`` MACs over the flattened input."""
    x = inputs[0]
    weights = layer.in_f * x.h * x.w * layer.out_f
    return LayerWork(
        "linear",
        weights,
        x.elements,
        y.elements,
        weights + (layer.out_f if layer.bias else 0),
        _activation(layer.act, y.elements),
    )


def _pool(layer: Pool, inputs: tuple[Shape, ...], y: Shape) -> LayerWork:
    """No MACs; every input element is read once by the pooling."""
    x = inputs[0]
    return LayerWork("pool", 0, x.elements, y.elements, 0, {"pool": x.elements})


def _add(layer: Add, inputs: tuple[Shape, ...], y: Shape) -> LayerWork:
    """A residual sum: every input read, one addition per output element and extra input. Given
    only its first input, an add is a two-input residual (all of its inputs share one shape)."""
    ins = inputs if len(inputs) > 1 else inputs * 2
    total = sum(s.elements for s in ins)
    return LayerWork("add", 0, total, y.elements, 0, {"add": y.elements * (len(ins) - 1)})


def _mul(layer: Mul, inputs: tuple[Shape, ...], y: Shape) -> LayerWork:
    """An SE gate: the scaled map and its c×1×1 gate read, one product per output element."""
    x = inputs[0]
    gate = inputs[1] if len(inputs) > 1 else Shape(x.c, 1, 1)
    return LayerWork("mul", 0, x.elements + gate.elements, y.elements, 0, {"mul": y.elements})


def _per_channel(layer: Norm | LayerScale, inputs: tuple[Shape, ...], y: Shape) -> LayerWork:
    """A BatchNorm of its own or a layer scale, priced as the element-wise multiply pass an
    unfused runtime runs (a deployed model folds it into a conv)."""
    x = inputs[0]
    weights = x.c * (2 if isinstance(layer, Norm) else 1)
    return LayerWork("mul", 0, x.elements, y.elements, weights, {"mul": y.elements})


def _matmul(layer: AttnScores | AttnValues, inputs: tuple[Shape, ...], y: Shape) -> LayerWork:
    """An attention matmul at the pointwise (GEMM) rate: q·kᵀ makes ``heads·N_q·N_kv`` scores of
    ``key_dim`` MACs each, scores·v reads them and spends ``value_dim`` MACs on each."""
    if isinstance(layer, AttnScores):
        macs = layer.heads * layer.key_dim * y.h * y.w
    else:
        macs = layer.heads * layer.value_dim * inputs[0].h * inputs[0].w
    return LayerWork("pointwise", macs, sum(s.elements for s in inputs), y.elements, 0, {})


def _softmax(layer: Softmax, inputs: tuple[Shape, ...], y: Shape) -> LayerWork:
    """Softmax over the keys, priced per element as a sigmoid (one exp and one divide each)."""
    return LayerWork("softmax", 0, inputs[0].elements, y.elements, 0, {"sigmoid": y.elements})


WORK: dict[type, Handle] = {
    Conv2d: _conv,
    Linear: _linear,
    Pool: _pool,
    Add: _add,
    Mul: _mul,
    Norm: _per_channel,
    LayerScale: _per_channel,
    AttnScores: _matmul,
    Softmax: _softmax,
    AttnValues: _matmul,
}


def layer_work(layer: Layer, x: Shape | Sequence[Shape], y: Shape) -> LayerWork:
    """The work of ``layer`` reading ``x`` (its first input, or every input in order) and writing
    ``y``."""
    inputs = (x,) if isinstance(x, Shape) else tuple(x)
    handle = WORK.get(type(layer))
    if handle is None:
        raise MissingWorkError(f"no latency work handle for layer type {type(layer).__name__}")
    return handle(layer, inputs, y)


def report_work(report: Report) -> list[LayerWork]:
    """One ``LayerWork`` per report row, each reading every one of the row's inputs."""
    rows = report.rows
    network_input = rows[0].in_shape if rows else None
    return [
        layer_work(
            r.layer,
            [network_input if j == NETWORK_INPUT else rows[j].out_shape for j in r.inputs],
            r.out_shape,
        )
        for r in rows
    ]


def plan_work(p: Plan, s: Spatial) -> list[LayerWork]:
    """One ``LayerWork`` per node of plan ``p`` at the sizes ``s`` (the sweep path: no rows)."""
    nodes, sizes, areas, slots = p.nodes, s.sizes, s.areas, p.skeleton.node_slot
    network_input = Shape(p.table.in_channels, s.resolution, s.resolution)
    shapes = [map_shape(n.out_c, sizes[n.index], areas[slots[n.index]]) for n in nodes]
    return [
        layer_work(
            n.layer,
            [network_input if j == NETWORK_INPUT else shapes[j] for j in n.inputs],
            shapes[n.index],
        )
        for n in nodes
    ]
