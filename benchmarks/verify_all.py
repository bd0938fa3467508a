"""Wall time of ``mbcost verify --all`` in-process, split by (arch, impl, against), with imports timed
apart. Target: the whole grid in a few minutes on a 2-core machine.

    python benchmarks/verify_all.py [ARCH ...] [--threads 2]
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("archs", nargs="*", help="built-ins to run (default: all)")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    args = parser.parse_args()
    start = time.perf_counter()
    import torch

    from mbcost.verify import require_torch
    from mbcost.verify.grid import grid, verify_all

    require_torch("torchvision", "timm")
    torch.set_num_threads(args.threads)
    imports = time.perf_counter() - start
    configs = list(grid(tuple(args.archs)))
    spent: dict[tuple[str, str, str], float] = defaultdict(float)
    last = [time.perf_counter()]

    def lap(config) -> None:
        now = time.perf_counter()
        spent[config.arch, config.impl, config.against] += now - last[0]
        last[0] = now

    results = verify_all(configs, lap)
    elapsed = time.perf_counter() - start - imports
    for (arch, impl, against), seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"{arch:<11} {impl:<12} {against:<10} {seconds:6.1f} s")
    failed = sum(not v.ok for v in results)
    print(
        f"{len(configs)} configurations ({failed} mismatched) in {elapsed:.1f} s "
        f"({elapsed / len(configs) * 1000:.0f} ms each) + {imports:.1f} s of imports"
    )


if __name__ == "__main__":
    main()
