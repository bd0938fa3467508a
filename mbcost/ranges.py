"""Lists and ranges of α and resolution values as users type them: ``0.35,0.5,0.75``,
``0.25:1.5:0.05`` (inclusive, each point ``start + i·step`` computed exactly, so no float error
accumulates), or both mixed (``96:224:32,320``)."""

from __future__ import annotations

import re
import sys
from fractions import Fraction

from mbcost.errors import MbcostError
from mbcost.sweep import MAX_POINTS


def parse_values(text: str, option: str, integer: bool = False) -> tuple[float | int, ...]:
    """The values of ``text`` in order, without repeats; a ``MbcostError`` names ``option``."""
    values: list[Fraction] = []
    for item in str(text).split(","):
        values += _item(item.strip(), option, integer)
        if len(values) > MAX_POINTS:
            raise MbcostError(f"{option}: more than {MAX_POINTS:,} values")
    unique = dict.fromkeys(values)
    return tuple(int(v) if integer else float(v) for v in unique)


def _item(item: str, option: str, integer: bool) -> list[Fraction]:
    parts = item.split(":")
    if len(parts) == 1:
        return [_number(parts[0], option, integer)]
    if len(parts) != 3:
        raise MbcostError(f"{option}: a range is start:stop:step, got {item!r}")
    start, stop, step = (_number(p, option, integer) for p in parts)
    if step <= 0:
        raise MbcostError(f"{option}: the step of {item!r} must be positive")
    if stop < start:
        raise MbcostError(f"{option}: the range {item!r} runs backwards (stop < start)")
    count = int((stop - start) / step) + 1
    if count > MAX_POINTS:
        raise MbcostError(f"{option}: the range {item!r} has more than {MAX_POINTS:,} points")
    return [start + i * step for i in range(count)]


_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?", re.ASCII)


def _number(text: str, option: str, integer: bool) -> Fraction:
    """A plain ASCII decimal (``0.05``, ``224``, ``1e-2``), exactly; whole numbers where ``integer``."""
    allowed = "a whole number" if integer else "a number"
    if not _DECIMAL.fullmatch(text):
        raise MbcostError(
            f"{option}: expected {allowed}, a list a,b,c or a range start:stop:step, got {text!r}"
        )
    value = Fraction(text)
    if integer and value.denominator != 1:
        raise MbcostError(f"{option}: expected {allowed}, got {text!r}")
    if abs(value) > sys.float_info.max:
        raise MbcostError(f"{option}: {text!r} is too large")
    return value
