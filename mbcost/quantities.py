"""What each layer costs, per quantity: registries from layer type to a cost handle (fvcore's idea,
applied to layer records instead of aten ops).

A handle takes a layer and the width of its first input and returns the layer's named terms. Every
term is a width factor times an area: ``Scaled(term, factor, area)`` with ``area`` one of ``OUT`` (the
output's h·w), ``IN`` (the first input's h·w) or ``ONE``. Widths depend on α only and areas on the
resolution only, which is what lets a sweep compute totals as a dot product of two cached vectors.
An attention score tensor lives on a *pair* area, N_q·N_kv (``plan.py``'s pair slots), so the
attention matmuls' MACs, ``heads·N_q·N_kv·(key_dim + value_dim)``, are width factors times areas too:
``heads·key_dim`` times the scores' ``OUT`` and ``heads·value_dim`` times the values matmul's ``IN``.

``None`` in a registry means "costs nothing" and is written down; a layer type with no entry is an
error (``MissingHandleError``), never a silent zero. Conventions (``conventions.py``) choose which of
a quantity's declared terms count.

Adding a quantity: declare it here (its terms and one handle or ``None`` per layer type), say in each
convention of ``conventions.py`` which of its terms count; report rows, totals, rollups, JSON keys,
table columns and sweep columns follow from ``QUANTITIES``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple

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
)

ONE, IN, OUT = 0, 1, 2  # what a term's factor is multiplied by: 1, input h·w, output h·w


class Scaled(NamedTuple):
    """One named term of a layer: ``factor`` (from widths) × the area selected by ``area``."""

    term: str
    factor: int
    area: int


Handle = Callable[[Layer, int], tuple[Scaled, ...]]


class Quantity(NamedTuple):
    """A summed quantity: its name (JSON key and budget metric), column label, the JSON key of its
    per-row terms, the prefix of its terms in ``by_term``, its declared terms and its handles."""

    name: str
    label: str
    terms_key: str
    prefix: str
    terms: tuple[str, ...]
    handles: Mapping[type, Handle | None]


class MissingHandleError(MbcostError):
    """A layer type that a quantity's registry does not decide."""


def _conv_macs(layer: Conv2d, in_c: int) -> tuple[Scaled, ...]:
    """``D_K·D_K·(M/G)·N`` per output pixel; fvcore's eval-mode BatchNorm is 2 per output element."""
    conv = Scaled("conv", layer.weights(), OUT)
    return (conv, Scaled("bn", 2 * layer.out_c, OUT)) if layer.norm else (conv,)


def _conv_params(layer: Conv2d, in_c: int) -> tuple[Scaled, ...]:
    """Weights, bias and BatchNorm γ/β."""
    terms = [Scaled("weight", layer.weights(), ONE)]
    if layer.bias:
        terms.append(Scaled("bias", layer.out_c, ONE))
    if layer.norm:
        terms.append(Scaled("bn", 2 * layer.out_c, ONE))
    return tuple(terms)


def _linear_macs(layer: Linear, in_c: int) -> tuple[Scaled, ...]:
    """``in·out`` for every input pixel (the input is flattened)."""
    return (Scaled("linear", layer.in_f * layer.out_f, IN),)


def _linear_params(layer: Linear, in_c: int) -> tuple[Scaled, ...]:
    """Weights over the flattened input, and the bias."""
    weight = Scaled("weight", layer.in_f * layer.out_f, IN)
    return (weight, Scaled("bias", layer.out_f, ONE)) if layer.bias else (weight,)


def _conv_activations(layer: Conv2d, in_c: int) -> tuple[Scaled, ...]:
    """Every output element, BatchNorm and activation fused in (fvcore's ``ActivationCountAnalysis``
    counts conv outputs only, not what BN or the activation write)."""
    return (Scaled("conv", layer.out_c, OUT),)


def _linear_activations(layer: Linear, in_c: int) -> tuple[Scaled, ...]:
    """The ``out_f`` outputs (one pixel)."""
    return (Scaled("linear", layer.out_f, ONE),)


def _pool_macs(layer: Pool, in_c: int) -> tuple[Scaled, ...]:
    """fvcore counts 1 per input element of a global average pool and nothing for other pools."""
    return (Scaled("pool", in_c, IN),) if layer.is_global and layer.op == "avg" else ()


def _norm_macs(layer: Norm, in_c: int) -> tuple[Scaled, ...]:
    """fvcore's eval-mode BatchNorm: 2 per element."""
    return (Scaled("bn", 2 * in_c, OUT),)


def _norm_params(layer: Norm, in_c: int) -> tuple[Scaled, ...]:
    """BatchNorm γ and β."""
    return (Scaled("bn", 2 * in_c, ONE),)


def _layer_scale_params(layer: LayerScale, in_c: int) -> tuple[Scaled, ...]:
    """One γ per channel."""
    return (Scaled("scale", in_c, ONE),)


def _scores_macs(layer: AttnScores, in_c: int) -> tuple[Scaled, ...]:
    """q·kᵀ: ``key_dim`` per score, ``heads·N_q·N_kv`` scores (the output's pair area)."""
    return (Scaled("attention", layer.heads * layer.key_dim, OUT),)


def _values_macs(layer: AttnValues, in_c: int) -> tuple[Scaled, ...]:
    """scores·v: ``value_dim`` per score (the softmaxed scores' pair area, its first input)."""
    return (Scaled("attention", layer.heads * layer.value_dim, IN),)


def _attention_activations(layer: AttnScores | AttnValues, in_c: int) -> tuple[Scaled, ...]:
    """fvcore's ``ActivationCountAnalysis`` counts every matmul output element."""
    return (Scaled("attention", layer.out_channels(in_c), OUT),)


QUANTITIES: dict[str, Quantity] = {
    q.name: q
    for q in (
        Quantity(
            "macs",
            "MACs",
            "cost_terms",
            "cost",
            ("conv", "linear", "attention", "bn", "pool"),
            {
                Conv2d: _conv_macs,
                Linear: _linear_macs,
                Pool: _pool_macs,
                Add: None,
                Mul: None,
                Norm: _norm_macs,
                LayerScale: None,  # a per-channel multiply: fvcore counts no aten::mul
                AttnScores: _scores_macs,
                Softmax: None,  # fvcore counts no softmax
                AttnValues: _values_macs,
            },
        ),
        Quantity(
            "params",
            "params",
            "param_terms",
            "params",
            ("weight", "bias", "bn", "scale"),
            {
                Conv2d: _conv_params,
                Linear: _linear_params,
                Pool: None,
                Add: None,
                Mul: None,
                Norm: _norm_params,
                LayerScale: _layer_scale_params,
                AttnScores: None,
                Softmax: None,
                AttnValues: None,
            },
        ),
        Quantity(  # fvcore's ActivationCountAnalysis; timm's "activations (M)"
            "activations",
            "activations",
            "activation_terms",
            "activations",
            ("conv", "linear", "attention"),
            {
                Conv2d: _conv_activations,
                Linear: _linear_activations,
                Pool: None,
                Add: None,
                Mul: None,
                Norm: None,
                LayerScale: None,
                AttnScores: _attention_activations,
                Softmax: None,
                AttnValues: _attention_activations,
            },
        ),
    )
}
QUANTITY_NAMES = tuple(QUANTITIES)


def layer_costs(layer: Layer, in_c: int) -> tuple[tuple[Scaled, ...], ...]:
    """The layer's terms for every quantity, in ``QUANTITIES`` order (memoised: the layers of a
    sweep's widths repeat, since rounding maps many α to the same channel counts)."""
    key = (type(layer), layer, in_c)
    if key not in _COSTS:
        if len(_COSTS) >= 65536:
            _COSTS.clear()
        _COSTS[key] = _layer_costs(layer, in_c)
    return _COSTS[key]


_COSTS: dict[tuple, tuple[tuple[Scaled, ...], ...]] = {}


def _layer_costs(layer: Layer, in_c: int) -> tuple[tuple[Scaled, ...], ...]:
    out = []
    for q in QUANTITIES.values():
        if type(layer) not in q.handles:
            raise MissingHandleError(f"no {q.name} handle for layer type {type(layer).__name__}")
        handle = q.handles[type(layer)]
        terms = () if handle is None else handle(layer, in_c)
        for t in terms:
            if t.term not in q.terms:
                raise MissingHandleError(f"{q.name} term '{t.term}' is not declared")
        out.append(terms)
    return tuple(out)


def scaled_terms(terms: tuple[Scaled, ...], in_area: int, out_area: int) -> dict[str, int]:
    """``{term: factor × area}`` at the given input and output areas."""
    areas = (1, in_area, out_area)
    return {t.term: t.factor * areas[t.area] for t in terms}


def terms(quantity: str, layer: Layer, x: Shape, y: Shape) -> dict[str, int]:
    """One layer's terms of ``quantity`` for input ``x`` and output ``y``."""
    costs = layer_costs(layer, x.c)[QUANTITY_NAMES.index(quantity)]
    return scaled_terms(costs, x.h * x.w, y.h * y.w)
