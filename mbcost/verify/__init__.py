"""The verifier: engine counts cross-checked against fvcore on real torch modules.

Needs the ``[verify]`` extra (torch, fvcore, and torchvision / timm for the reference models). Importing
this package imports none of them, so the CLI can register ``mbcost verify`` at startup for free; every
module that needs torch imports it inside its functions, after ``require_torch()``.
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
            with warnings.catch_warnings():  # fvcore.nn's import warns that torch.jit.script is deprecated
                warnings.simplefilter("ignore")
                importlib.import_module(module)
        except ImportError:
            missing.append(module.split(".")[0])
    if missing:
        raise MbcostError(
            f"mbcost verify needs {' and '.join(missing)}, which cannot be imported: {INSTALL_HINT}")
