"""``verify --explain``: each counting convention as a sum of named engine terms, beside what torch
and fvcore measure for it, so that the difference between two conventions reads as a sum of terms
(``fvcore − paper = bn + pool``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mbcost.conventions import CONVENTIONS, COST_TERMS, PARAM_TERMS
from mbcost.verify.compare import Verification

QUANTITIES = {"macs": COST_TERMS, "params": PARAM_TERMS}


@dataclass(frozen=True, slots=True)
class TermValue:
    """One engine term summed over the network, and the conventions that count it."""

    quantity: str  # "macs" or "params"
    term: str
    value: int
    counted_by: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConventionSum:
    """A convention's total as a sum of terms; ``measured`` is the same sum on the torch side (the
    fvcore operators or parameter groups that cover exactly these terms)."""

    quantity: str
    convention: str
    terms: tuple[str, ...]
    value: int
    measured: int | None


@dataclass(frozen=True, slots=True)
class Difference:
    """``larger − smaller = terms`` for two conventions whose term sets nest (each side names every
    convention with that term set, ``fvcore/torch``)."""

    quantity: str
    larger: str
    smaller: str
    terms: tuple[str, ...]
    value: int


@dataclass(frozen=True)
class Explanation:
    """Terms, convention totals, and the differences between nested conventions."""

    terms: tuple[TermValue, ...]
    sums: tuple[ConventionSum, ...]
    differences: tuple[Difference, ...]


def explain(verification: Verification) -> Explanation:
    """The conventions of ``mbcost.conventions`` applied to the verified network's terms."""
    by_term = verification.report.by_term()
    kinds = {"macs": "cost", "params": "params"}

    def value(quantity: str, term: str) -> int:
        return by_term.get(f"{kinds[quantity]}.{term}", 0)

    def counted(quantity: str) -> dict[str, tuple[str, ...]]:
        return {
            name: c.macs_terms if quantity == "macs" else c.params_terms
            for name, c in CONVENTIONS.items()
        }

    terms, sums, differences = [], [], []
    for quantity, names in QUANTITIES.items():
        conventions = counted(quantity)
        terms += [
            TermValue(
                quantity,
                t,
                value(quantity, t),
                tuple(c for c, ts in conventions.items() if t in ts),
            )
            for t in names
        ]
        for name, ts in conventions.items():
            sums.append(
                ConventionSum(
                    quantity,
                    name,
                    ts,
                    sum(value(quantity, t) for t in ts),
                    _measured(verification, quantity, ts),
                )
            )
        differences += _differences(quantity, conventions, value)
    return Explanation(tuple(terms), tuple(sums), tuple(differences))


def _differences(
    quantity: str, conventions: dict[str, tuple[str, ...]], value: Callable[[str, str], int]
) -> list[Difference]:
    """``larger − smaller`` for every pair of distinct term sets where one contains the other;
    conventions with the same terms share a name (``fvcore/torch``)."""
    same: dict[frozenset[str], list[str]] = {}
    for name, ts in conventions.items():
        same.setdefault(frozenset(ts), []).append(name)
    out = []
    for big, big_names in same.items():
        for small, small_names in same.items():
            if small < big:
                extra = tuple(t for t in conventions[big_names[0]] if t not in small)
                out.append(
                    Difference(
                        quantity,
                        "/".join(big_names),
                        "/".join(small_names),
                        extra,
                        sum(value(quantity, t) for t in extra),
                    )
                )
    return out


def _measured(verification: Verification, quantity: str, terms: tuple[str, ...]) -> int | None:
    """The sum of the measured checks that together cover exactly ``terms``, if they do."""
    checks = [
        c
        for c in verification.terms
        if c.quantity == quantity and c.covers and set(c.covers) <= set(terms)
    ]
    covered = [t for c in checks for t in c.covers]
    if sorted(covered) != sorted(terms):
        return None
    return sum(c.measured for c in checks)
