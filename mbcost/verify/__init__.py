"""The verifier: engine counts cross-checked against fvcore on real torch modules.

Needs the ``[verify]`` extra (torch, fvcore, and torchvision / timm for the reference models). Importing
this package, ``cli``, ``compare``, ``run``, ``reference``, ``explain``, ``grid`` or ``documents``
imports none of them, so the CLI can register ``mbcost verify`` at startup for free; ``build`` and
``count`` import torch and are imported only after ``require_torch()`` has passed.
"""

from __future__ import annotations

import importlib
import warnings

from mbcost.errors import MbcostError

INSTALL_HINT = "pip install 'mbcost[verify]'"


def require_torch(*packages: str) -> None:
    """Import torch and fvcore (and the reference ``packages``, e.g. ``"timm"``), or raise a one-line
    ``MbcostError`` that names what is missing and the extra that installs it."""
    missing = []
    for module in ("torch", "fvcore.nn", *packages):
        try:
            # fvcore.nn's import warns that torch.jit.script is deprecated: not the user's concern
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                importlib.import_module(module)
        except ImportError:
            missing.append(module.split(".")[0])
    if missing:
        raise MbcostError(
            f"mbcost verify needs {_and(missing)}, which cannot be imported: {INSTALL_HINT}"
        )


def _and(names: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return " and ".join(filter(None, (", ".join(names[:-1]), names[-1])))
