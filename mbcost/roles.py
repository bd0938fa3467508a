"""The role each expanded layer plays in its network (the CLI strings are the enum values)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a layer does; ``--by role`` rolls costs up by these. A label only: it never decides which
    layer feeds which."""

    STEM = "stem"
    CONV = "conv"
    DEPTHWISE = "depthwise"
    POINTWISE = "pointwise"
    EXPAND = "expand"
    PROJECT = "project"
    SE = "se"
    NORM = "norm"
    ATTENTION = "attention"
    RESIDUAL = "residual"
    HEAD = "head"
    POOL = "pool"
    CLASSIFIER = "classifier"
