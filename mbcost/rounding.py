"""Channel rounding under the width multiplier α, by name.

- ``int``: the V1 paper / TF-slim MobileNetV1 rule ``max(int(c·α), 8)`` (TF-slim's ``min_depth`` = 8).
- ``divisible8``: TF / torchvision / timm ``make_divisible(c·α, 8)``: nearest multiple of 8, at least 8,
  and never below 90 % of the exact value.
- ``floor``: ``max(int(c), 1)``, no minimum width of 8: the SE squeeze width of MnasNet and
  EfficientNet (TF ``max(1, int(in · se))``, torchvision ``max(1, in // 4)``; timm's ``round`` agrees
  wherever ``in · se`` is whole, as it is for every width a ``divisible8`` table builds).

Width policies say what α does to one row's width:

- ``scale``: ``rule(c·α)`` (the default);
- ``fixed``: ``c`` whatever α is (TF/timm keep V3's 1280/1024 head);
- ``grow``: ``rule(c·max(1, α))`` (V2's last 1280 conv never gets narrower);
- ``fixed_below_0.75``: ``fixed`` when α < 0.75, else ``scale`` (timm's V3 stem, ``fix_stem``);
- ``ratio``: ``rule(c / c_in · C_in)``, the width as a multiple of the block's rounded input ``C_in``,
  where ``c_in`` is the unscaled input width (TF/timm expanded widths; torchvision's V3 last conv).
"""

from __future__ import annotations

from collections.abc import Callable


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round to the nearest multiple of ``divisor`` (at least ``divisor``), never below 90 % of ``value``.

    The same arithmetic as TF's ``_make_divisible`` and torchvision's ``_make_divisible``.
    """
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def truncate(value: float) -> int:
    """The V1 paper rule: ``int(c·α)``, at least 8 (TF-slim ``min_depth``)."""
    return max(8, int(value))


def floor(value: float) -> int:
    """``int(value)``, at least 1 (the SE squeeze rule of MnasNet and EfficientNet)."""
    return max(1, int(value))


ROUNDING_RULES: dict[str, Callable[[float], int]] = {
    "int": truncate,
    "divisible8": make_divisible,
    "floor": floor,
}

WIDTH_POLICIES = ("scale", "fixed", "grow", "fixed_below_0.75", "ratio")


def scaled_width(
    width: int,
    alpha: float,
    rule: str,
    policy: str = "scale",
    *,
    in_width: int = 0,
    in_scaled: int = 0,
) -> int:
    """The width of a row of nominal ``width`` under ``alpha``, rounding ``rule`` and width ``policy``.

    ``in_width``/``in_scaled`` (the unscaled and scaled input widths) are needed by the ``ratio`` policy.
    At ``alpha == 1`` a table is taken literally: every policy returns ``width`` unrounded.
    """
    if (
        alpha == 1
        or policy == "fixed"
        or (policy == "grow" and alpha < 1)
        or (policy == "fixed_below_0.75" and alpha < 0.75)
    ):
        return width
    round_ = ROUNDING_RULES[rule]
    if policy == "ratio":
        return round_(width * in_scaled / in_width)
    return round_(width * alpha)
