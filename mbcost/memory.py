"""Activation memory: what a network holds in RAM while each layer runs, under a named rule.

A rule reads the engine's graph (``plan.py``: every node names the tensors it reads) and *charges*
each step the tensors it holds: ``(channels, size slot)`` pairs, so a charge is a width factor times
an area like every cost term, and its bytes are ``channels × area × bytes per element``. The charges
depend on the plan only (cached per table, α, implementation and rule); a configuration's peak is
then one more pass over the areas that ``spatial`` already computed — the sweep path — and a
report's per-node live bytes the same pass kept whole.

Rules (``RULES``):

- ``tflite`` — liveness under sequential execution (TFLite's arena; Pete Warden's
  ``ml_memory_analyser``): at each node, every tensor already written and still to be read. The
  network input is live from the start; BatchNorm and activations are fused into their conv (no
  tensor of their own); an SE multiply writes into the tensor it scales; a residual add writes a
  new tensor; a tensor dies after its last reader. A BatchNorm of its own and a layer scale fold
  into a conv (their output is their input's buffer). Attention scores and their softmax are
  tensors of their own (heads × N_q × N_kv, on a pair slot). Weights are not charged; no
  alignment, no scratch buffers.
- ``inplace-dw`` — as ``tflite``, and a depthwise conv writes its output over its input (the
  in-place depthwise of MCUNetV2's TinyEngine) when it is the input's last reader and its output
  never outgrows the input: while it runs only the input is held, then only the output.
- ``v2-table3`` — the MobileNetV2 paper's Table 3: per spatial resolution, the largest single
  tensor that must be materialized. Inside an inverted residual block the tensors of the expanded
  width (expansion, depthwise, SE) and the projection feeding the residual add are streamed, never
  materialized; a block without an expansion conv streams its input too when a conv writes it for
  that block alone (the paper's trick for the first layer, Table 3's caption). Every other tensor,
  the network input included, is materialized; a node is charged its own output.

Bytes per element come from ``DTYPES``; weight bytes are the paper convention's parameters
(weights and biases, BatchNorm folded) times the weights' bytes per element.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import accumulate, groupby
from operator import ge, mul
from typing import NamedTuple
from weakref import WeakKeyDictionary

from mbcost.conventions import get_convention
from mbcost.errors import suggest
from mbcost.layers import Conv2d, LayerScale, Mul, Norm
from mbcost.plan import NETWORK_INPUT, Node, Plan, Spatial
from mbcost.quantities import QUANTITY_NAMES
from mbcost.roles import Role
from mbcost.spec import Table

DTYPES = {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1, "uint8": 1}
INPUT_NAME = "input"  # what ``peak_layer`` says when the network input is the largest charge

Term = tuple[int, int]  # (channels, size slot)


class _Candidates(NamedTuple):
    """The steps that can hold the peak, each as its ``(channels, size slot)`` terms."""

    steps: tuple[tuple[Term, ...], ...]

    def largest(self, areas: tuple[int, ...]) -> int:
        """The most elements any of the steps holds at ``areas``."""
        return max(sum(c * areas[slot] for c, slot in step) for step in self.steps)


class Charges(NamedTuple):
    """What a rule charges, for one plan.

    ``buffers``: ``(channels, size slot, first step, last step)`` of every tensor held in memory,
    charged to each node from the first step to the last; ``input``: what is charged before the
    first node runs (the ``v2-table3`` input image; ``tflite`` charges the input to the nodes that
    run while it lives); ``widest``: per size slot, ``(channels, slot, producer)`` of the widest
    tensor the rule materializes there; ``peak``: the steps no other step dominates in every slot
    (the only ones that can hold the peak at any resolution), flattened for ``peak_bytes``.
    """

    buffers: tuple[tuple[int, int, int, int], ...]
    input: tuple[Term, ...]
    widest: tuple[tuple[int, int, int], ...]
    peak: _Candidates


class Rule(NamedTuple):
    """A named memory rule: a one-line description and its charges: ``(buffers, input, materialized
    tensors as (channels, slot, producer))`` for a plan."""

    name: str
    description: str
    charges: Callable[[Plan], tuple[tuple, tuple[Term, ...], tuple]]


class Memory(NamedTuple):
    """A configuration's activation memory under one rule and dtype (bytes throughout).

    ``live_bytes`` is per node; ``peak_index`` is the node holding the peak (``NETWORK_INPUT`` when
    it is the input image alone); ``by_resolution`` lists, largest map first, ``(size, bytes,
    producer index)`` of the largest tensor the rule materializes at each size.
    """

    rule: str
    dtype: str
    weight_dtype: str
    live_bytes: tuple[int, ...]
    peak_bytes: int
    peak_index: int
    peak_layer: str
    weight_bytes: int
    by_resolution: tuple[tuple[int, int, int], ...]


def check_dtype(name: str) -> str:
    """``name`` must be one of ``DTYPES``."""
    if not isinstance(name, str) or name not in DTYPES:
        raise suggest(str(name), tuple(DTYPES), "dtype")
    return name


def get_rule(name: str) -> Rule:
    """The memory rule called ``name``; an UnknownNameError lists the valid ones."""
    if not isinstance(name, str) or name not in RULES:
        raise suggest(str(name), tuple(RULES), "memory rule")
    return RULES[name]


def _slot(p: Plan, index: int) -> int:
    return 1 if index == NETWORK_INPUT else p.skeleton.node_slot[index]


def _readers(p: Plan) -> dict[int, list[int]]:
    """Per tensor (node index, or ``NETWORK_INPUT``), the nodes that read it, in order."""
    readers: dict[int, list[int]] = {NETWORK_INPUT: []}
    for node in p.nodes:
        readers[node.index] = []
        for j in dict.fromkeys(node.inputs):  # a node reading a tensor twice reads it once
            readers[j].append(node.index)
    return readers


FOLDED = (Norm, LayerScale)  # folded into a neighbouring conv: no tensor of their own


def _folded(p: Plan) -> tuple[dict[int, list[int]], dict[int, int]]:
    """The readers of every tensor, and the buffer each folded layer's output really is: a
    BatchNorm of its own or a layer scale folds into a conv at inference, so its output is its
    input's buffer, held until the last reader of either."""
    readers = _readers(p)
    root: dict[int, int] = {}
    for node in p.nodes:
        if isinstance(node.layer, FOLDED):
            buffer = root.get(node.inputs[0], node.inputs[0])
            root[node.index] = buffer
            readers[buffer] = sorted({*readers[buffer], *readers.pop(node.index)})
    return readers, root


def _writes_over_input(node: Node, depthwise: bool) -> bool:
    """Whether a node may write into its first input's buffer: an SE multiply always (it scales that
    tensor); with ``depthwise``, a depthwise conv whose output is never larger than its input
    (same width; an odd kernel, or a stride, so the map never grows)."""
    layer = node.layer
    if isinstance(layer, Mul):
        return True
    return (
        depthwise
        and isinstance(layer, Conv2d)
        and layer.kind == "depthwise"
        and layer.out_c == layer.in_c
        and (layer.k % 2 == 1 or layer.stride > 1)
    )


def _liveness(depthwise: bool) -> Callable[[Plan], tuple]:
    """The ``tflite`` rule (and, with ``depthwise``, ``inplace-dw``): a tensor is held from the step
    that writes it to its last reader; an in-place output is written into its input's space, so it
    is held only from the next step (its input, never smaller, is held through the write)."""

    def charges(p: Plan) -> tuple:
        readers, root = _folded(p)
        buffers = []
        for t in (NETWORK_INPUT, *range(len(p.nodes))):
            if t in root:
                continue
            last = readers[t][-1] if readers[t] else t
            if t == NETWORK_INPUT:
                width, first = p.table.in_channels, 0  # live from the start
            else:
                node = p.nodes[t]
                x = root.get(node.inputs[0], node.inputs[0])
                in_place = _writes_over_input(node, depthwise) and readers[x][-1] == t
                width, first = node.out_c, t + 1 if in_place else t
            if first <= last:
                buffers.append((width, _slot(p, t), first, last))
        return tuple(buffers), (), _tensors(p, p.nodes)

    return charges


def _streamed(p: Plan, readers: dict[int, list[int]]) -> set[int]:
    """The tensors ``v2-table3`` never materializes (see the module docstring)."""
    streamed: set[int] = set()
    for _, group in groupby(p.nodes, key=lambda n: n.unit):
        unit = list(group)
        if not any(n.role is Role.PROJECT for n in unit):  # not an inverted residual block
            continue
        streamed.update(n.index for n in unit[:-1])
        first = unit[0]
        x = first.inputs[0]
        if (
            isinstance(first.layer, Conv2d)
            and first.layer.kind == "depthwise"
            and x != NETWORK_INPUT
            and isinstance(p.nodes[x].layer, Conv2d)
            and readers[x] == [first.index]
        ):
            streamed.add(x)
    return streamed


def _table3(p: Plan) -> tuple:
    """The ``v2-table3`` rule: each materialized tensor charged to the node that writes it."""
    streamed = _streamed(p, _readers(p))
    kept = [n for n in p.nodes if n.index not in streamed]
    buffers = tuple((n.out_c, _slot(p, n.index), n.index, n.index) for n in kept)
    return buffers, ((p.table.in_channels, 1),), _tensors(p, kept)


def _tensors(p: Plan, nodes: Iterable[Node]) -> tuple[tuple[int, int, int], ...]:
    """``(channels, slot, producer)`` of the network input and of each node's output."""
    outputs = ((n.out_c, _slot(p, n.index), n.index) for n in nodes)
    return ((p.table.in_channels, 1, NETWORK_INPUT), *outputs)


def _steps(buffers: tuple, count: int, slots: int) -> list[list[int]]:
    """Per step, the channels it is charged in each size slot."""
    steps = [[0] * slots for _ in range(count)]
    for channels, slot, first, last in buffers:
        for step in range(first, last + 1):
            steps[step][slot] += channels
    return steps


def _widest(tensors: tuple) -> tuple[tuple[int, int, int], ...]:
    """Per slot, the widest tensor (the first of equals)."""
    widest: dict[int, tuple[int, int, int]] = {}
    for channels, slot, producer in tensors:
        if slot not in widest or channels > widest[slot][0]:
            widest[slot] = (channels, slot, producer)
    return tuple(sorted(widest.values(), key=lambda t: t[2]))  # in network order


def _candidates(steps: list[list[int]]) -> _Candidates:
    """The steps that some resolution could make the largest: a step whose channels are at most
    another's in every slot never is (every area is positive)."""
    kept: list[tuple[int, ...]] = []
    for step in sorted(set(map(tuple, steps)), key=sum, reverse=True):
        if not any(all(map(ge, theirs, step)) for theirs in kept):
            kept.append(step)
    return _Candidates(tuple(tuple((c, slot) for slot, c in enumerate(step) if c) for step in kept))


RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        Rule(
            "tflite",
            "liveness under sequential execution: every tensor written and not yet read for the "
            "last time (BN/activation fused, SE multiply in place, residual add a new tensor)",
            _liveness(depthwise=False),
        ),
        Rule(
            "inplace-dw",
            "tflite, and a depthwise conv writes over its input (MCUNetV2's TinyEngine)",
            _liveness(depthwise=True),
        ),
        Rule(
            "v2-table3",
            "MobileNetV2 Table 3: the largest tensor materialized at each resolution, the inverted "
            "residual's expanded tensor streamed",
            _table3,
        ),
    )
}
DEFAULT_RULE = "tflite"

_CACHE: WeakKeyDictionary[Table, dict[tuple[float, str, float, str], Charges]] = WeakKeyDictionary()
_PAPER = get_convention("paper")
_PARAMS = QUANTITY_NAMES.index("params")


def charges(p: Plan, rule: str) -> Charges:
    """What ``rule`` charges for plan ``p`` (cached per table, α, implementation, depth and
    rule)."""
    known = _CACHE.setdefault(p.table, {})
    key = (p.alpha, p.impl, p.depth, rule)
    if key not in known:
        if len(known) >= 4096:
            known.clear()
        buffers, first, tensors = get_rule(rule).charges(p)
        slots = p.skeleton.slot_count
        steps = _steps(buffers, len(p.nodes), slots)
        if first:  # the input image, held before the first node runs
            steps.append([sum(c for c, slot in first if slot == j) for j in range(slots)])
        known[key] = Charges(buffers, first, _widest(tensors), _candidates(steps))
    return known[key]


def weight_bytes(p: Plan, s: Spatial, weight_dtype: str) -> int:
    """Weights and biases (the paper convention's parameters, BatchNorm folded) in bytes."""
    return DTYPES[weight_dtype] * sum(map(mul, p.weights(_PAPER)[_PARAMS], s.areas))


def bytes_at(
    p: Plan, rule: str, dtype: str, weight_dtype: str
) -> Callable[[Spatial], tuple[int, int]]:
    """The peak activation bytes and the weight bytes of plan ``p`` as one function of the sizes:
    the sweep path, no rows and no per-node pass (the plan's lookups done once per width)."""
    largest = charges(p, rule).peak.largest
    weights = p.weights(_PAPER)[_PARAMS]
    per, wper = DTYPES[dtype], DTYPES[weight_dtype]

    def at(s: Spatial) -> tuple[int, int]:
        return per * largest(s.areas), wper * sum(map(mul, weights, s.areas))

    return at


def memory(p: Plan, s: Spatial, rule: str, dtype: str, weight_dtype: str | None = None) -> Memory:
    """Per-node live bytes, the peak and where it is, and the weight bytes of one configuration."""
    weight_dtype = weight_dtype or dtype
    per = DTYPES[check_dtype(dtype)]
    check_dtype(weight_dtype)
    c = charges(p, rule)
    areas = s.areas
    delta = [0] * (len(p.nodes) + 1)
    for channels, slot, first, last in c.buffers:
        elements = channels * areas[slot]
        delta[first] += elements
        delta[last + 1] -= elements
    delta.pop()
    live = tuple(per * e for e in accumulate(delta))
    held = [(NETWORK_INPUT, per * sum(ch * areas[slot] for ch, slot in c.input))] if c.input else []
    held += enumerate(live)
    peak_index, peak = max(held, key=lambda h: h[1])  # the first of equal peaks
    largest: dict[int, tuple[int, int]] = {}
    for channels, slot, producer in c.widest:
        size = s.resolution if producer == NETWORK_INPUT else s.sizes[producer]
        value = per * channels * areas[slot]
        if size not in largest or value > largest[size][0]:
            largest[size] = (value, producer)
    return Memory(
        rule,
        dtype,
        weight_dtype,
        live,
        peak,
        peak_index,
        INPUT_NAME if peak_index == NETWORK_INPUT else p.nodes[peak_index].name,
        weight_bytes(p, s, weight_dtype),
        tuple((size, *largest[size]) for size in sorted(largest, reverse=True)),
    )
