"""Cold-start time of ``mbcost table --alpha 0.5 --res 160`` (stdout to /dev/null, i.e. piped) as a ratio
to ``python -c "import click, rich"``, both measured in this run. Target: at most 1.5×.

    python benchmarks/startup.py [--runs 21]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

BASELINE = [sys.executable, "-c", "import click, rich"]
MBCOST = [sys.executable, "-m", "mbcost", "table", "--alpha", "0.5", "--res", "160"]
# Installed packages (click, rich) come with compiled bytecode; let mbcost's be cached too, as it is
# for any user, instead of recompiling it on every run when PYTHONDONTWRITEBYTECODE is set.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def median_seconds(command: list[str], runs: int) -> float:
    """Median wall time of ``runs`` cold runs (after one warm-up for the file and bytecode caches)."""
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True, env=ENV)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, check=True, env=ENV)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    runs = parser.parse_args().runs
    # interleave the two so that machine noise hits both alike
    base, ours = [], []
    for _ in range(3):
        base.append(median_seconds(BASELINE, runs // 3 or 1))
        ours.append(median_seconds(MBCOST, runs // 3 or 1))
    b, m = statistics.median(base), statistics.median(ours)
    print(f"python -c 'import click, rich'        {b * 1000:7.1f} ms")
    print(f"mbcost table --alpha 0.5 --res 160    {m * 1000:7.1f} ms")
    print(f"ratio                                 {m / b:7.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
