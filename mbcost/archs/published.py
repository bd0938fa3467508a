"""A published MAC / parameter figure, kept as printed so tests can apply the source's own rounding."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Published:
    """One published figure: width, resolution, MACs and params as printed (``"569M"``, ``"4.2M"``).

    ``rounding`` says how the source rounded the exact count: ``nearest`` (papers) or ``floor`` (the TF
    model README grid). ``impl`` is the implementation whose channel rules reproduce it.
    """

    alpha: float
    resolution: int
    macs: str
    params: str | None
    source: str
    rounding: str = "nearest"
    impl: str = "paper"
