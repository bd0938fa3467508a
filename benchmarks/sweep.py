"""α × resolution sweeps of MobileNetV3-Large, side by side in one run: the totals-only path
(``mbcost.sweep``), a full report per configuration (``mbcost.analyze``, every row read), and the
``mbcost sweep`` command (process start and CSV output included).

    python benchmarks/sweep.py [--alphas 100] [--resolutions 100] [--repeats 3]

Targets over 10,000 configurations: totals path ≤ 5 µs per configuration, full report ≤ 100 µs,
``mbcost sweep`` well under half a second. "cold" starts from empty engine caches (every width is
expanded, every resolution's sizes computed); "warm" runs the same sweep again; "with peak" adds the
tflite peak memory and the weight bytes (``memory_rule="tflite"``, what ``mbcost sweep`` shows).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import mbcost
from mbcost import memory, plan


def _clear_caches() -> None:
    plan._PLANS.clear()
    plan._SKELETONS.clear()
    memory._CACHE.clear()


def _totals_path(table, alphas, resolutions, memory_rule=None) -> float:
    start = time.perf_counter()
    result = mbcost.sweep(table, alphas, resolutions, memory_rule=memory_rule)
    elapsed = time.perf_counter() - start
    assert len(result.points) == len(alphas) * len(resolutions)
    return elapsed


def _full_reports(table, alphas, resolutions) -> float:
    start = time.perf_counter()
    for alpha in alphas:
        for res in resolutions:
            report = mbcost.analyze(table, alpha, res)
            assert sum(r.macs for r in report.rows) == report.totals.macs
    return time.perf_counter() - start


def _command(alphas: str, resolutions: str) -> float:
    exe = Path(sys.executable).with_name("mbcost")
    argv = [
        str(exe),
        "sweep",
        "v3-large",
        "--alpha",
        alphas,
        "--res",
        resolutions,
        "--format",
        "csv",
    ]
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alphas", type=int, default=100)
    parser.add_argument("--resolutions", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    table = mbcost.get_arch("v3-large").table
    alphas = [0.25 + 1.25 * i / args.alphas for i in range(args.alphas)]
    resolutions = [96 + 2 * j for j in range(args.resolutions)]
    configs = len(alphas) * len(resolutions)
    step = 1.25 / args.alphas
    alpha_range = f"0.25:{0.25 + step * (args.alphas - 1):.6f}:{step:.6f}"
    res_range = f"96:{96 + 2 * (args.resolutions - 1)}:2"
    print(f"V3-Large, {configs:,} configurations, best of {args.repeats}")
    for _ in range(args.repeats):
        _clear_caches()
        cold = _totals_path(table, alphas, resolutions)
        warm = _totals_path(table, alphas, resolutions)
        with_peak = _totals_path(table, alphas, resolutions, "tflite")
        _clear_caches()
        full = _full_reports(table, alphas, resolutions)
        command = _command(alpha_range, res_range)
        print(
            f"  totals {cold / configs * 1e6:4.1f} µs cold, {warm / configs * 1e6:4.1f} µs warm,"
            f" with peak {with_peak / configs * 1e6:4.1f} µs"
            f" | full report {full / configs * 1e6:6.1f} µs"
            f" | mbcost sweep --format csv {command:.2f} s"
        )


if __name__ == "__main__":
    main()
