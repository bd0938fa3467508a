"""Library use: the widest MobileNetV2 that fits a MAC budget at each input resolution.

python examples/width_for_budget.py [--budget 100M]
"""

from __future__ import annotations

import argparse

import mbcost
from mbcost.units import parse_count


def widest_alpha(budget: int, resolution: int) -> tuple[float, mbcost.Totals] | None:
    """The largest α in steps of 0.05 whose V2 at ``resolution`` costs at most ``budget`` MACs."""
    best = None
    for step in range(1, 31):
        alpha = step * 0.05
        totals = mbcost.analyze("v2", alpha=alpha, resolution=resolution).totals
        if totals.macs <= budget:
            best = (alpha, totals)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", default="100M", help="MAC budget, e.g. 100M or 1.2G")
    budget = parse_count(parser.parse_args().budget)
    print(f"{'resolution':>10}  {'alpha':>5}  {'MACs':>12}  {'params':>10}")
    for resolution in (96, 128, 160, 192, 224):
        found = widest_alpha(budget, resolution)
        if found:
            alpha, totals = found
            print(f"{resolution:>10}  {alpha:>5.2f}  {totals.macs:>12,}  {totals.params:>10,}")
        else:
            print(f"{resolution:>10}  {'-':>5}  {'over budget at every width':>24}")


if __name__ == "__main__":
    main()
