"""Named counting conventions: which declared terms of each quantity count.

Every layer reports all of its terms (``quantities.py``); a convention decides, for every term of every
quantity, whether it counts — in or out, written down, never left to a default. That keeps the
difference between two conventions a readable sum of named terms:

- MACs terms: ``conv`` and ``linear`` (multiply-accumulates), ``attention`` (the q·kᵀ and
  scores·v matmuls of an attention block, which conv/linear module hooks never see; fvcore counts
  them as ``aten::matmul`` when the attention is not fused), ``bn`` (2 per BatchNorm output
  element, fvcore's eval-mode count), ``pool`` (1 per input element of a global average pool,
  fvcore's count);
- parameter terms: ``weight``, ``bias``, ``bn`` (BatchNorm γ and β) and ``scale`` (layer-scale γ,
  one per channel; like BatchNorm it folds into the conv before it at inference, so only the
  conventions that count every tensor count it);
- activation terms: ``conv``, ``linear`` and ``attention`` (matmul) output elements (fvcore's
  ``ActivationCountAnalysis``; every convention counts all three).

Activation functions, residual adds and SE multiplies cost nothing under every quantity here (fvcore
skips them too); what a layer holds in memory is ``memory.py``'s, not a convention's, business.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from mbcost.errors import MbcostError, suggest
from mbcost.quantities import QUANTITIES

COST_TERMS = QUANTITIES["macs"].terms
PARAM_TERMS = QUANTITIES["params"].terms


class Convention(NamedTuple):
    """A named decision, per quantity and term, of what counts, with a one-line description."""

    name: str
    decisions: Mapping[str, Mapping[str, bool]]  # quantity -> term -> counts?
    description: str

    def counted(self, quantity: str) -> tuple[str, ...]:
        """The terms of ``quantity`` this convention adds up; an undecided term is an error."""
        decided = self.decisions.get(quantity, {})
        undecided = [t for t in QUANTITIES[quantity].terms if t not in decided]
        if undecided:
            raise MbcostError(
                f"convention '{self.name}' does not decide {quantity} term(s) {', '.join(undecided)}"
            )
        return tuple(t for t in QUANTITIES[quantity].terms if decided[t])

    @property
    def macs_terms(self) -> tuple[str, ...]:
        """The MACs terms that count."""
        return self.counted("macs")

    @property
    def params_terms(self) -> tuple[str, ...]:
        """The parameter terms that count."""
        return self.counted("params")


def _convention(name: str, description: str, **decisions: str) -> Convention:
    """A convention from, per quantity, ``"counted terms | skipped terms"``; together the two sides
    must name every declared term of the quantity exactly once, so a term added to a quantity cannot
    go undecided."""
    if set(decisions) != set(QUANTITIES):
        raise MbcostError(
            f"convention '{name}' must decide every quantity: {', '.join(QUANTITIES)}"
        )
    decided: dict[str, dict[str, bool]] = {}
    for quantity, spec in decisions.items():
        counted, _, skipped = (side.split() for side in spec.partition("|"))
        terms = QUANTITIES[quantity].terms
        if sorted(counted + skipped) != sorted(terms):
            raise MbcostError(
                f"convention '{name}' must decide each {quantity} term once ({', '.join(terms)}), "
                f"got {spec!r}"
            )
        decided[quantity] = {t: t in counted for t in terms}
    return Convention(name, decided, description)


CONVENTIONS: dict[str, Convention] = {
    c.name: c
    for c in (
        _convention(
            "paper",
            "the papers' mult-adds: conv + linear + attention-matmul MACs (BN folded, "
            "pooling/activations free); params = weights + biases, no BN or layer scale",
            macs="conv linear attention | bn pool",
            params="weight bias | bn scale",
            activations="conv linear attention |",
        ),
        _convention(
            "fvcore",
            "fvcore FlopCountAnalysis.total(): conv + linear + attention matmuls + 2 per BN "
            "element + 1 per globally pooled input element; params = every tensor in "
            "model.parameters()",
            macs="conv linear attention bn pool |",
            params="weight bias bn scale |",
            activations="conv linear attention |",
        ),
        _convention(
            "torch",
            "conv + linear MACs (what module hooks see: no attention matmuls); params = "
            "sum(p.numel() for p in model.parameters()), BN γ/β and layer scale included",
            macs="conv linear | attention bn pool",
            params="weight bias bn scale |",
            activations="conv linear attention |",
        ),
    )
}


def get_convention(name: str) -> Convention:
    """The convention called ``name``; an UnknownNameError lists the valid ones."""
    if not isinstance(name, str) or name not in CONVENTIONS:
        raise suggest(str(name), tuple(CONVENTIONS), "convention")
    return CONVENTIONS[name]
