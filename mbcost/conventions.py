"""Named counting conventions: which declared terms of each quantity count.

Every layer reports all of its terms (``quantities.py``); a convention decides, for every term of every
quantity, whether it counts — in or out, written down, never left to a default. That keeps the
difference between two conventions a readable sum of named terms:

- MACs terms: ``conv`` and ``linear`` (multiply-accumulates), ``bn`` (2 per BatchNorm output element,
  fvcore's eval-mode count), ``pool`` (1 per input element of a global average pool, fvcore's count);
- parameter terms: ``weight``, ``bias`` and ``bn`` (BatchNorm γ and β).

Activations, residual adds and SE multiplies cost nothing under every quantity here (fvcore skips them
too).
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


def _decide(quantity: str, counts: str, skips: str) -> dict[str, bool]:
    """``{term: counts?}`` from the space-separated terms that count and those that do not; together
    they must name every declared term of ``quantity`` exactly once, so a term added to a quantity
    cannot go undecided."""
    counted, skipped = counts.split(), skips.split()
    if sorted(counted + skipped) != sorted(QUANTITIES[quantity].terms):
        raise MbcostError(
            f"a convention must decide each {quantity} term once: "
            f"{', '.join(QUANTITIES[quantity].terms)}; got {counts!r} / {skips!r}"
        )
    return {t: t in counted for t in QUANTITIES[quantity].terms}


CONVENTIONS: dict[str, Convention] = {
    c.name: c
    for c in (
        Convention(
            "paper",
            {
                "macs": _decide("macs", counts="conv linear", skips="bn pool"),
                "params": _decide("params", counts="weight bias", skips="bn"),
            },
            "the papers' mult-adds: conv + linear MACs (BN folded, pooling/activations free); "
            "params = weights + biases, no BN",
        ),
        Convention(
            "fvcore",
            {
                "macs": _decide("macs", counts="conv linear bn pool", skips=""),
                "params": _decide("params", counts="weight bias bn", skips=""),
            },
            "fvcore FlopCountAnalysis.total(): conv + linear + 2 per BN element + 1 per globally "
            "pooled input element; params = every tensor in model.parameters()",
        ),
        Convention(
            "torch",
            {
                "macs": _decide("macs", counts="conv linear", skips="bn pool"),
                "params": _decide("params", counts="weight bias bn", skips=""),
            },
            "conv + linear MACs; params = sum(p.numel() for p in model.parameters()), BN γ/β included",
        ),
    )
}


def get_convention(name: str) -> Convention:
    """The convention called ``name``; an UnknownNameError lists the valid ones."""
    if not isinstance(name, str) or name not in CONVENTIONS:
        raise suggest(str(name), tuple(CONVENTIONS), "convention")
    return CONVENTIONS[name]
