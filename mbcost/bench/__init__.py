"""Latency measured on a real runtime: ``mbcost bench`` and the micro-benchmarks ``mbcost calibrate``
fits a device profile to.

The runtimes are optional: torch (the ``[verify]`` extra) and ONNX Runtime (the ``[latency]`` extra).
Importing this package, ``stats``, ``machine``, ``documents`` or ``cli`` imports neither, so the CLI
can register ``mbcost bench`` at startup for free; the modules that run a model import them after
``require()`` has passed.
"""

from __future__ import annotations

import importlib
import warnings

from mbcost.errors import MbcostError

RUNTIMES = ("torch", "onnxruntime")
CLOCK_NAMES = ("wall", "cpu")  # ``stats.CLOCKS``: the wall clock, or the calling thread's CPU time
MAX_THREADS = 1024

# runtime -> (modules it imports, the extra that installs them)
_NEEDS: dict[str, tuple[tuple[str, ...], str]] = {
    "torch": (("torch",), "verify"),
    "onnxruntime": (("torch", "onnxruntime", "onnx"), "latency"),
}


def require(runtime: str, *packages: str) -> None:
    """Import what ``runtime`` needs (and the reference model's ``packages``, e.g. ``"timm"``), or
    raise a one-line ``MbcostError`` naming what is missing and the extras that install it."""
    modules, extra = _NEEDS[runtime]
    missing = []
    for module in (*modules, *packages):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                importlib.import_module(module)
        except ImportError:
            missing.append(module)
    if missing:
        extras = "verify" if extra == "verify" else f"verify,{extra}"
        names = " and ".join(filter(None, (", ".join(missing[:-1]), missing[-1])))
        raise MbcostError(
            f"mbcost bench --runtime {runtime} needs {names}, which cannot be imported: "
            f"pip install 'mbcost[{extras}]'"
        )
