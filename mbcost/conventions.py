"""Named counting conventions: which cost and parameter terms each one adds up.

Every layer reports all of its terms (see ``layers.py``); a convention is the choice of which of them
count. That keeps the difference between two conventions a readable sum of named terms:

- cost terms: ``conv`` and ``linear`` (multiply-accumulates), ``bn`` (2 per BatchNorm output element,
  fvcore's eval-mode count), ``pool`` (1 per input element of a global average pool, fvcore's count);
- parameter terms: ``weight``, ``bias`` and ``bn`` (BatchNorm γ and β).

Activations, residual adds and SE multiplies are counted by no convention here (fvcore skips them too).
"""

from __future__ import annotations

from typing import NamedTuple

COST_TERMS = ("conv", "linear", "bn", "pool")
PARAM_TERMS = ("weight", "bias", "bn")


class Convention(NamedTuple):
    """A named choice of terms for MACs and for parameters, with a one-line description."""

    name: str
    macs_terms: tuple[str, ...]
    params_terms: tuple[str, ...]
    description: str


CONVENTIONS: dict[str, Convention] = {
    c.name: c
    for c in (
        Convention(
            "paper",
            ("conv", "linear"),
            ("weight", "bias"),
            "the papers' mult-adds: conv + linear MACs (BN folded, pooling/activations free); "
            "params = weights + biases, no BN",
        ),
        Convention(
            "fvcore",
            ("conv", "linear", "bn", "pool"),
            ("weight", "bias", "bn"),
            "fvcore FlopCountAnalysis.total(): conv + linear + 2 per BN element + 1 per globally "
            "pooled input element; params = every tensor in model.parameters()",
        ),
        Convention(
            "torch",
            ("conv", "linear"),
            ("weight", "bias", "bn"),
            "conv + linear MACs; params = sum(p.numel() for p in model.parameters()), BN γ/β included",
        ),
    )
}
