"""Decimal counts as people write them: ``569M``, ``3.47M``, ``1.2G``, ``300K``, ``2_000_000``."""

from __future__ import annotations

import re

SUFFIXES = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_COUNT = re.compile(r"^\s*([0-9][0-9_]*(?:\.[0-9_]+)?)\s*([KMGT]?)\s*$", re.IGNORECASE)


def parse_count(text: str | int) -> int:
    """``"3.5M"`` -> 3_500_000. Raises ValueError naming the allowed forms."""
    if isinstance(text, bool):
        raise ValueError(f"expected a count like 300M, 3.5M, 1.2G or 2_000_000, got {text!r}")
    if isinstance(text, int):
        if text < 0:
            raise ValueError(f"a count must not be negative, got {text}")
        return text
    match = _COUNT.match(str(text))
    if not match:
        raise ValueError(f"expected a count like 300M, 3.5M, 1.2G or 2_000_000, got {text!r}")
    number, suffix = match.groups()
    whole, _, fraction = number.replace("_", "").partition(".")
    scaled = int(whole + fraction) * SUFFIXES[suffix.upper()]
    value, remainder = divmod(scaled, 10 ** len(fraction))
    if remainder:
        raise ValueError(f"a count must be a whole number, got {text!r}")
    return value


def printed_precision(text: str) -> int:
    """The unit of the last printed digit of ``text``: ``"4.2M"`` -> 100_000, ``"569M"`` -> 1_000_000."""
    match = _COUNT.match(text)
    if not match:
        raise ValueError(f"not a printed count: {text!r}")
    number, suffix = match.groups()
    decimals = len(number.split(".")[1]) if "." in number else 0
    return SUFFIXES[suffix.upper()] // 10**decimals
