"""Load and report a thousand-layer table from a YAML file (target: well under a second).

python benchmarks/big_table.py [--layers 1000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import mbcost
from mbcost.spec import load


def big_table_yaml(layers: int) -> str:
    """A stem conv, then depthwise-separable rows (2 layers each), a pool and a classifier."""
    rows = ["- {conv: {k: 3, s: 2, out: 32}}"]
    rows += [f"- {{ds: {{s: 1, out: {32 + 8 * (i % 4)}}}}}" for i in range((layers - 3) // 2)]
    rows += ["- {pool: {global: avg}}", "- {linear: {out: 1000}}"]
    return "name: big\nresolution: 64\nblocks:\n" + "\n".join(rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=1000)
    layers = parser.parse_args().layers
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.yaml"
        path.write_text(big_table_yaml(layers), encoding="utf-8")
        start = time.perf_counter()
        report = mbcost.analyze(load(str(path)))
        elapsed = time.perf_counter() - start
    print(
        f"{len(report.rows)} layers loaded and reported in {elapsed * 1000:.1f} ms "
        f"({report.totals.macs:,} MACs)"
    )


if __name__ == "__main__":
    main()
