"""In-process cost of one full report in an α × resolution sweep of MobileNetV3-Large.

    python benchmarks/sweep.py [--alphas 100] [--resolutions 100]

Each configuration builds the complete report (every row with its shapes, MACs and parameters) and
reads its totals. Target: under 100 µs per configuration for a 10,000-configuration sweep.
"""

from __future__ import annotations

import argparse
import time

import mbcost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alphas", type=int, default=100)
    parser.add_argument("--resolutions", type=int, default=100)
    args = parser.parse_args()
    table = mbcost.get_arch("v3-large").table
    alphas = [0.25 + 1.25 * i / args.alphas for i in range(args.alphas)]
    resolutions = [96 + 2 * j for j in range(args.resolutions)]
    start = time.perf_counter()
    best = None
    for alpha in alphas:
        for res in resolutions:
            report = mbcost.analyze(table, alpha, res)
            if report.totals.macs <= 150_000_000 and (
                best is None or report.totals.params > best[2]
            ):
                best = (alpha, res, report.totals.params, len(report.rows))
    elapsed = time.perf_counter() - start
    configs = len(alphas) * len(resolutions)
    print(
        f"{configs} configurations in {elapsed:.2f} s: {elapsed / configs * 1e6:.0f} µs each "
        f"(target < 100 µs)"
    )
    print(f"largest model under 150M MACs: alpha {best[0]:.3f} at {best[1]} px, {best[2]:,} params")


if __name__ == "__main__":
    main()
