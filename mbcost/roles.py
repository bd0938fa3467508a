"""The role each expanded layer plays in its network (the CLI strings are the enum values)."""

from __future__ import annotations

from enum import Enum


class Role(str, Enum):
    """What a layer does; ``--by role`` rolls costs up by these."""

    STEM = "stem"
    CONV = "conv"
    DEPTHWISE = "depthwise"
    POINTWISE = "pointwise"
    EXPAND = "expand"
    PROJECT = "project"
    SE = "se"
    HEAD = "head"
    POOL = "pool"
    CLASSIFIER = "classifier"

    def __str__(self) -> str:
        return self.value
