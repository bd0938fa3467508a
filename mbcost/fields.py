"""Field checkers of the layer-table schema, shared by the block registry and the table validator.

A checker takes a raw value and returns it, or raises ``ValueError`` with the end of a sentence that
starts with the field's name (``'out' must be a positive integer ..., got -3``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ACTIVATIONS = ("relu", "relu6", "hswish", "hsigmoid", "swish", "sigmoid", "gelu", "none")
NORMS = ("bn", "none")
POOL_OPS = ("avg", "max")
DEPTH_POLICIES = ("scale", "fixed")  # a row's repeats under the depth multiplier

# channels, kernel, stride, resolution: far beyond any real network, keeps arithmetic sane
MAX_SIZE = 2**20

REQUIRED = object()  # marks a field without a default
FROM_DEFAULTS = object()  # marks a field whose default comes from the table's ``defaults``

Checker = Callable[[Any], Any]


def positive_int(value: Any) -> int:
    """A whole number from 1 to ``MAX_SIZE``."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_SIZE:
        raise ValueError(f"must be a positive integer up to {MAX_SIZE}, got {value!r}")
    return value


def non_negative_int(value: Any) -> int:
    """A whole number from 0 to ``MAX_SIZE`` (0: "none", as a UIB's absent depthwise)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SIZE:
        raise ValueError(f"must be an integer from 0 to {MAX_SIZE}, got {value!r}")
    return value


def positive_number(value: Any) -> float:
    """A number above 0 and at most ``MAX_SIZE``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= MAX_SIZE:
        raise ValueError(f"must be a positive number, got {value!r}")
    return value


def fraction(value: Any) -> float:
    """A number from 0 to 1."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"must be a number from 0 to 1, got {value!r}")
    return value


def boolean(value: Any) -> bool:
    """``true`` or ``false``."""
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {value!r}")
    return value


def text(value: Any) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be a non-empty string, got {value!r}")
    return value


def choice(*allowed: str) -> Checker:
    """One of ``allowed``."""

    def check(value: Any) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}, got {value!r}")
        return value

    return check
