"""``mbcost fit`` over four families and a dense α × resolution grid, and the evidence for the
accuracy fit (leave-one-out error of every model in ``mbcost.accuracy.MODELS``).

    python benchmarks/fit.py [--repeats 5]

Target: four families × at least 10,000 configurations answered in under a second. "library" is
``mbcost.fit`` from empty engine caches (every width expanded), "command" is ``mbcost fit`` as a
process (start and output included). The grid is α 0.25:1.4:0.01 × 96:320:4 (6,612
configurations) for each family with a fit (V1, V2: 13,224 swept); V3-Large and V3-Small have too
few published points for estimates and add their published configurations only.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import mbcost
from mbcost import accuracy, plan
from mbcost.ranges import parse_values

FAMILIES = ["v1", "v2", "v3-large", "v3-small"]
ALPHAS, RESOLUTIONS = "0.25:1.4:0.01", "96:320:4"
BUDGET = dict(max_macs=150_000_000, max_params=3_000_000)


def _evidence() -> None:
    print("leave-one-out RMS error of top-1 (points), by model:")
    print(f"  {'model':<18} {'v1':>6} {'v2':>6}")
    for model in accuracy.MODELS:
        errors = [accuracy.accuracy_fit(arch, model).loo_rms for arch in ("v1", "v2")]
        chosen = "  (chosen)" if model == accuracy.MODEL else ""
        print(f"  {model:<18} {errors[0]:6.2f} {errors[1]:6.2f}{chosen}")


def _library(alphas, resolutions) -> tuple[float, mbcost.FitResult]:
    plan._PLANS.clear()
    plan._SKELETONS.clear()
    start = time.perf_counter()
    result = mbcost.fit(FAMILIES, **BUDGET, alphas=alphas, resolutions=resolutions)
    return time.perf_counter() - start, result


def _command() -> float:
    exe = Path(sys.executable).with_name("mbcost")
    argv = [str(exe), "fit", *FAMILIES, "--max-macs", "150M", "--max-params", "3M",
            "--alpha", ALPHAS, "--res", RESOLUTIONS]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    _evidence()
    alphas = parse_values(ALPHAS, "--alpha")
    resolutions = parse_values(RESOLUTIONS, "--res", integer=True)
    library = [_library(alphas, resolutions) for _ in range(args.repeats)]
    command = [_command() for _ in range(args.repeats)]
    result = library[0][1]
    swept = sum(len(f.alphas) * len(f.resolutions) for f in result.families if f.alphas)
    best = result.ranked[0]
    print(
        f"{len(FAMILIES)} families, {swept:,} grid configurations swept, {len(result.pool):,} "
        f"candidates rated (published, or inside a fit's range); winner {best.arch} "
        f"{best.alpha:g}-{best.resolution} at {best.top1:.1f} "
        f"({'published' if best.rating.published else 'estimated'})"
    )
    print(f"  library (cold caches): median {statistics.median(t for t, _ in library):.3f} s")
    print(f"  mbcost fit (process):  median {statistics.median(command):.3f} s")


if __name__ == "__main__":
    main()
