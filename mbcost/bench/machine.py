"""The machine a measurement ran on, as every bench report states it: CPU model, cores, system."""

from __future__ import annotations

import os
import platform
from typing import NamedTuple


class Machine(NamedTuple):
    """Where timings were taken."""

    cpu: str
    cores: int
    system: str
    python: str

    def __str__(self) -> str:
        return f"{self.cpu} ({self.cores} cores) · {self.system} · Python {self.python}"


def cpu_model(cpuinfo: str = "/proc/cpuinfo") -> str:
    """The CPU's model name from ``/proc/cpuinfo`` (Linux), else what ``platform`` knows."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Model", "Hardware") and value.strip():
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def this_machine() -> Machine:
    """The machine this process runs on."""
    return Machine(
        cpu_model(),
        os.cpu_count() or 1,
        f"{platform.system()} {platform.release()} {platform.machine()}",
        platform.python_version(),
    )
