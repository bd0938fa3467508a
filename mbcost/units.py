"""Decimal counts as people write them: ``569M``, ``3.47M``, ``1.2G``, ``300K``, ``2_000_000``; and
sizes in bytes: ``1.5MB``, ``600KiB``, ``2_000_000``.

The grammar is strict, so that a typo is an error and never a different number: ASCII digits, ``_``
only between two digits (as in Python), an optional fraction, and an upper-case suffix K, M, G or T,
as mbcost prints them (a lower-case ``m`` is milli in SI, so ``3.5m`` is refused, not guessed). A
size names its base: ``kB``, ``MB``, ``GB``, ``TB`` are powers of 1000, ``KiB``, ``MiB``, ``GiB``,
``TiB`` powers of 1024, ``B`` or nothing bytes; ``KB`` (1000 or 1024?) and ``Mb`` (bits?) are refused.
"""

from __future__ import annotations

import math
import re

SUFFIXES = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
MAX_DIGITS = (
    1000  # far beyond any count; keeps every count printable (Python refuses > 4300 digits)
)
_DIGITS = r"[0-9]+(?:_[0-9]+)*"
_COUNT = re.compile(rf"({_DIGITS}(?:\.{_DIGITS})?) *([KMGT]?)")
FORMS = "a count like 300M, 3.5M, 1.2G or 2_000_000"
BYTE_SUFFIXES = {"": 1, "B": 1, "kB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}
BYTE_SUFFIXES |= {"KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}
_BYTES = re.compile(rf"({_DIGITS}(?:\.{_DIGITS})?) *([A-Za-z]*)")
BYTE_FORMS = "a size like 1.5MB, 600KiB or 2_000_000 (bytes; kB = 1000 B, KiB = 1024 B)"


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
    return _checked(_times(number, SUFFIXES[suffix], text), text)


def parse_bytes(text: str | int | float) -> int:
    """``"1.5MB"`` -> 1_500_000, ``"600KiB"`` -> 614_400; also a non-negative int (bytes), or a
    float that is exactly a whole number. Raises ValueError naming the allowed forms."""
    if isinstance(text, bool):
        raise ValueError(f"expected {BYTE_FORMS}, got {text!r}")
    if isinstance(text, (int, float)):
        return parse_count(text)
    match = _BYTES.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"expected {BYTE_FORMS}, got {text!r}")
    number, suffix = match.groups()
    if suffix not in BYTE_SUFFIXES:
        hint = "; write kB (1000 B) or KiB (1024 B)" if suffix.upper() == "KB" else ""
        raise ValueError(
            f"unknown size unit {suffix!r} in {text!r} (B, kB, MB, GB, TB, KiB, MiB, GiB, TiB)"
            f"{hint}"
        )
    value = _times(number, BYTE_SUFFIXES[suffix], text)
    return _checked(value, text)


def _times(number: str, factor: int, text: object) -> int:
    """The written decimal ``number`` times ``factor``, which must come out whole."""
    whole, _, fraction = number.replace("_", "").partition(".")
    if len(whole) + len(fraction) > MAX_DIGITS:
        raise ValueError(f"a count has at most {MAX_DIGITS} digits")
    value, remainder = divmod(int(whole + fraction) * factor, 10 ** len(fraction))
    if remainder:
        raise ValueError(f"a count must be a whole number, got {text!r}")
    return value


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
    from decimal import Decimal  # exact decimal reading of the float; imported only for TOML floats

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


DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0}
_DURATION = re.compile(rf"({_DIGITS}(?:\.{_DIGITS})?) *([a-zµ]*)")
DURATION_FORMS = "a duration with its unit, like 20ms, 1.5ms, 800us or 0.02s"


def parse_duration(text: str) -> float:
    """``"20ms"`` -> 0.02 (seconds). The unit is required (ns, us or µs, ms, s): a bare number
    could be any of them. Raises ValueError naming the allowed forms."""
    match = _DURATION.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"expected {DURATION_FORMS}, got {text!r}")
    number, unit = match.groups()
    if unit not in DURATION_UNITS:
        what = "a unit" if not unit else f"a known unit, not {unit!r}"
        raise ValueError(f"a duration needs {what} (ns, us, ms, s): {DURATION_FORMS}, got {text!r}")
    value = float(number.replace("_", "")) * DURATION_UNITS[unit]
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"a duration must be positive and finite, got {text!r}")
    return value
