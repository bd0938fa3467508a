"""A published MAC / parameter figure, kept as printed so tests can apply the source's own rounding."""

from __future__ import annotations

from typing import NamedTuple

from mbcost.units import parse_count, printed_precision


class Published(NamedTuple):
    """One published figure: width, resolution, MACs and params as printed (``"569M"``, ``"4.2M"``).

    ``rounding`` says how the source rounded the exact count: ``nearest`` (papers) or ``floor`` (the TF
    model README grid). ``impl`` is the implementation whose channel rules reproduce it. Where no
    implementation reproduces a printed figure, ``tolerance`` is the relative error accepted and ``note``
    says what is known about the difference. ``convention`` is the counting convention the source
    used (``torch``: torchvision's ``num_params``, a sum of numel with BatchNorm included).
    ``reproduced=False`` marks a figure that no implementation's layers come near: the note gives
    the numbers and what was ruled out.
    """

    alpha: float
    resolution: int
    macs: str
    params: str | None
    source: str
    rounding: str = "nearest"
    impl: str = "paper"
    tolerance: float = 0.0
    note: str = ""
    convention: str = "paper"
    reproduced: bool = True

    def agrees(self, printed: str | None, count: int) -> bool:
        """Does the exact ``count``, rounded the way the source rounded, print as ``printed``?

        With a ``tolerance``, the relative difference to the printed value is accepted up to it.
        """
        if printed is None:
            return True
        value = parse_count(printed)
        if self.tolerance:
            return abs(count - value) <= self.tolerance * value
        unit = printed_precision(printed)
        shown = count // unit if self.rounding == "floor" else (2 * count + unit) // (2 * unit)
        return shown * unit == value
