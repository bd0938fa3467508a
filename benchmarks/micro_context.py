"""Whose context a micro-benchmark measures: one network's own layers timed three ways in one run,
per layer kind — inside the network (``mbcost bench``), as micro-benchmarks timed among each other
(``mbcost.bench.micro.time_cases`` on the network's layers), and as predicted by the profile that
``mbcost calibrate`` fits to the default micro-benchmarks (less the executor's time per node).

    python benchmarks/micro_context.py [ARCH ALPHA RESOLUTION]     # default: v3-small 0.35 128

When the second column matches the first and the third does not, the layers themselves are timed
faithfully and the difference comes from the default cases' context: small layers timed among
the default cases' larger ones run slower than among a small network's own.
"""

from __future__ import annotations

import statistics
import sys

from latency import calibrate  # benchmarks/latency.py: the profile mbcost calibrate fits

from mbcost.bench import micro
from mbcost.bench.run import bench
from mbcost.bench.stats import Repeats
from mbcost.latency import predict_all, report_work
from mbcost.plan import NETWORK_INPUT


def own_cases(report) -> list[micro.Case]:
    """The report's rows as micro-benchmark cases on the inputs they read in the network."""
    rows = report.rows
    network_input = rows[0].in_shape
    return [
        micro.Case(
            f"row {i}",
            r.layer,
            tuple(network_input if j == NETWORK_INPUT else rows[j].out_shape for j in r.inputs),
        )
        for i, r in enumerate(rows)
    ]


def main() -> int:
    args = sys.argv[1:] or ["v3-small", "0.35", "128"]
    if len(args) != 3:
        print("usage: python benchmarks/micro_context.py [ARCH ALPHA RESOLUTION]", file=sys.stderr)
        return 2
    arch, alpha, resolution = args
    rounds = [(micro.time_companies(), micro.time_executor())]
    profile, _, _, node_seconds = calibrate(rounds, 1, "fitted", statistics.median)
    measured = bench(arch, float(alpha), int(resolution), plan=Repeats(time_limit=3.0))
    own = micro.time_cases(own_cases(measured.report), repeats=30)
    works = report_work(measured.report)
    kinds: dict[str, list[float]] = {}
    predicted = [seconds for seconds, _ in predict_all(profile, works)]
    for w, layer, alone, p in zip(works, measured.layers, own, predicted, strict=True):
        entry = kinds.setdefault(w.kind, [0, 0.0, 0.0, 0.0])
        entry[0] += 1
        entry[1] += layer.median
        entry[2] += alone.seconds
        entry[3] += p - node_seconds
    print(f"{arch} {alpha}-{resolution}: whole model {1e3 * measured.total.median:.2f} ms")
    print(f"{'layer kind':<12}{'layers':>7}{'in network':>13}{'own layers':>13}{'predicted':>13}")
    for kind, (n, inside, alone, predicted) in kinds.items():
        print(f"{kind:<12}{n:>7}{1e3 * inside:>10.2f} ms{1e3 * alone:>10.2f} ms"
              f"{1e3 * predicted:>10.2f} ms")  # fmt: skip
    sums = [sum(entry[i] for entry in kinds.values()) for i in (1, 2, 3)]
    print(f"{'all':<12}{len(works):>7}" + "".join(f"{1e3 * s:>10.2f} ms" for s in sums))
    return 0


if __name__ == "__main__":
    sys.exit(main())
