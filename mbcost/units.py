"""Decimal counts as people write them: ``569M``, ``3.47M``, ``1.2G``, ``300K``, ``2_000_000``.

The grammar is strict, so that a typo is an error and never a different number: ASCII digits, ``_``
only between two digits (as in Python), an optional fraction, and an upper-case suffix K, M, G or T,
as mbcost prints them (a lower-case ``m`` is milli in SI, so ``3.5m`` is refused, not guessed).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

SUFFIXES = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
MAX_DIGITS = (
    1000  # far beyond any count; keeps every count printable (Python refuses > 4300 digits)
)
_DIGITS = r"[0-9]+(?:_[0-9]+)*"
_COUNT = re.compile(rf"({_DIGITS}(?:\.{_DIGITS})?) *([KMGT]?)")
FORMS = "a count like 300M, 3.5M, 1.2G or 2_000_000"


def parse_count(text: str | int | float) -> int:
    """``"3.5M"`` -> 3_500_000; also a non-negative int, or a float that is exactly a whole number.

    Raises ValueError naming the allowed forms.
    """
    if isinstance(text, bool):
        raise ValueError(f"expected {FORMS}, got {text!r}")
    if isinstance(text, int):
        return _checked(text, text)
    if isinstance(text, float):
        return _checked(_whole_float(text), text)
    match = _COUNT.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(_unparsed(text))
    number, suffix = match.groups()
    whole, _, fraction = number.replace("_", "").partition(".")
    if len(whole) + len(fraction) > MAX_DIGITS:
        raise ValueError(f"a count has at most {MAX_DIGITS} digits")
    value, remainder = divmod(int(whole + fraction) * SUFFIXES[suffix], 10 ** len(fraction))
    if remainder:
        raise ValueError(f"a count must be a whole number, got {text!r}")
    return _checked(value, text)


def _unparsed(text: object) -> str:
    """The error for text that is not a count, with a hint for a lower-case suffix."""
    if isinstance(text, str) and text != text.upper() and _COUNT.fullmatch(text.strip().upper()):
        return f"suffixes are upper case (K, M, G, T; m is milli): {text.upper()!r}, not {text!r}"
    return f"expected {FORMS}, got {text!r}"


def _whole_float(value: float) -> int:
    """A TOML float as a count, only when it is exactly the whole number written: ``3.5e8`` and
    ``1e20`` are, ``0.5`` is not, nor is ``1e23`` (TOML reads it as 99999999999999991611392)."""
    if not (math.isfinite(value) and value.is_integer()):
        raise ValueError(f"a count must be a whole number, got {value!r}")
    if int(value) != int(Decimal(repr(value))):
        raise ValueError(
            f"{value!r} is not exact as a TOML float (it reads as {int(value):,}); "
            "write it as an integer or a string like 300M"
        )
    return int(value)


def _checked(value: int, written: object) -> int:
    if value < 0:
        raise ValueError(f"a count must not be negative, got {written!r}")
    if value >= 10**MAX_DIGITS:
        raise ValueError(f"a count has at most {MAX_DIGITS} digits")
    return value


def printed_precision(text: str) -> int:
    """The unit of the last printed digit of ``text``: ``"4.2M"`` -> 100_000, ``"569M"`` -> 1_000_000."""
    match = _COUNT.fullmatch(text.strip())
    if not match:
        raise ValueError(f"not a printed count: {text!r}")
    number, suffix = match.groups()
    decimals = len(number.replace("_", "").partition(".")[2])
    return SUFFIXES[suffix] // 10**decimals
