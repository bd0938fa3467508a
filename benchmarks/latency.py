"""Latency prediction against measurement on this machine: calibrate a profile from single-layer
micro-benchmarks (``mbcost.bench.micro``), predict the whole-model latency of MobileNet V1, V2,
V3-Large and V3-Small over an α × resolution grid that calibration never saw (it saw no whole model
at all), and compare with ``mbcost bench``-style measurements (torch eager, batch 1, BatchNorm
folded) taken in the same run.

    python benchmarks/latency.py [--grid tiny|small|full] [--archs v1,v2,...] [--threads 1]
                                 [--clock wall|cpu] [--rounds 3] [--statistic median|fastest]
                                 [--markdown FILE]

Targets: median |error| <= 10 %, worst <= 25 %, Spearman rank correlation >= 0.95. Prints the
profile, the per-configuration table, the summary, and per layer kind the measured and predicted
time summed over the grid (which kinds the model mispredicts; a layer's predicted time there is
its module call's, less the executor's time per node, which has a row of its own).
Beside each prediction it reports the same measurements calibrated without the profile's working
set (the stage company's timings only, the calibration before it), per configuration and in
summary. ``--markdown`` also writes the table and summary as Markdown. Wall-clock timing is only as good
as the machine is quiet; on a machine busy with other work, ``--clock cpu`` times the calling
thread's CPU time instead (one thread), which leaves out the time slices other processes take.

Everything is measured in ``--rounds`` interleaved rounds (each round: every configuration for
``1/rounds`` of the time limit, and before each architecture's configurations a pass of the
micro-benchmarks with ``1/rounds`` of their repeats), and each figure is the median of its rounds'
(passes') medians: on a virtual machine whose host's speed drifts by ±25 % over
tens of seconds, measuring each configuration in one block compared configurations timed in fast
phases with others timed in slow ones (the same configuration's median moved by up to 1.9× between
two runs), and a calibration timed in one phase scaled every prediction by that phase.
``--statistic fastest`` takes the lowest of the rounds' medians instead (the machine at its least
disturbed, calibration included); the summary reports both statistics.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict

from mbcost.bench import micro
from mbcost.bench.machine import this_machine
from mbcost.bench.run import bench
from mbcost.bench.stats import CLOCKS, Repeats, spread
from mbcost.latency import fit_profile, predict_all, report_work
from mbcost.latency.fit import MICRO_KERNEL_GROUPS, MICRO_RATE_GROUPS

ARCHS = ("v1", "v2", "v3-large", "v3-small")
GRIDS = {  # (alphas, resolutions)
    "tiny": ((0.5, 1.0), (128, 224)),
    "small": ((0.35, 0.5, 0.75, 1.0), (128, 160, 224)),
    "full": ((0.35, 0.5, 0.75, 1.0, 1.25), (96, 128, 160, 192, 224)),
}
TARGETS = {"median": 0.10, "worst": 0.25, "spearman": 0.95}
# How each figure is taken from its rounds' (passes') medians: their median, or the lowest (the
# machine at its least disturbed, for every measurement alike).
STATISTICS = {"median": statistics.median, "fastest": min}


def ranks(values: list[float]) -> list[float]:
    """1-based ranks, ties sharing their mean rank."""
    order = sorted(range(len(values)), key=values.__getitem__)
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(a: list[float], b: list[float]) -> float:
    """Spearman's rank correlation: Pearson's of the ranks."""
    ra, rb = ranks(a), ranks(b)
    ma, mb = statistics.fmean(ra), statistics.fmean(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb, strict=True))
    sa = sum((x - ma) ** 2 for x in ra) ** 0.5
    sb = sum((y - mb) ** 2 for y in rb) ** 0.5
    return cov / (sa * sb) if sa and sb else float("nan")


def time_micro(threads: int, repeats: int, clock: str) -> tuple[list[micro.Timed], float]:
    """One round of the micro-benchmarks (in each company), and of the executor's time per
    node."""
    timed = micro.time_companies(threads, repeats, clock=CLOCKS[clock])
    return timed, micro.time_executor(threads, repeats, clock=CLOCKS[clock])


def calibrate(
    rounds: list[tuple[list[micro.Timed], float]],
    threads: int,
    elementwise: str,
    statistic,
    working_set: bool = True,
):
    """The profile fitted, as ``mbcost calibrate`` fits it (leave-one-out skipped), to each
    micro-benchmark's ``statistic`` over the passes' medians plus the executor's time per node
    (the same statistic); its fit report, the cases with those times, and the executor's seconds
    per node. Without ``working_set``: the profile fitted without one, to the cases timed in the
    stage company only (the calibration before the working set, for comparison)."""
    timed = [
        micro.Timed(same[0].case, statistic([t.seconds for t in same]), same[0].company_bytes)
        for same in zip(*(cases for cases, _ in rounds), strict=True)
    ]
    if not working_set:
        timed = timed[: len(micro.cases())]  # the first company's: "stage"
    node_seconds = statistic([node for _, node in rounds])
    samples = micro.in_network(timed, node_seconds)
    profile, report = fit_profile(
        samples,
        name="this-machine",
        description=f"torch eager, {threads} thread(s), fitted to micro-benchmarks",
        source="benchmarks/latency.py",
        dtype="float32",
        labels=[t.case.label for t in timed],
        rate_groups=MICRO_RATE_GROUPS,  # as mbcost calibrate fits micro-benchmarks
        kernel_groups=MICRO_KERNEL_GROUPS,
        weight_bandwidth=True,
        elementwise=elementwise,
        working_set=working_set,
        contexts=[t.company_bytes for t in timed],
        leave_one_out=False,
    )
    return profile, report, timed, node_seconds


def verdict(measured: list[float], predicted: list[float]) -> tuple[str, bool]:
    """The three figures against their targets, in words, and whether all are met."""
    absolute = [abs(p - m) / m for m, p in zip(measured, predicted, strict=True)]
    median, worst = statistics.median(absolute), max(absolute)
    rho = spearman(measured, predicted)
    met = [median <= TARGETS["median"], worst <= TARGETS["worst"], rho >= TARGETS["spearman"]]
    words = ["met" if ok else "MISSED" for ok in met]
    text = (
        f"median |error| {100 * median:.1f} % (≤ 10 %: {words[0]}); worst {100 * worst:.1f} % "
        f"(≤ 25 %: {words[1]}); Spearman {rho:.3f} (≥ 0.95: {words[2]})"
    )
    return text, all(met)


def micro_groups(fit) -> dict[str, list[float]]:
    """The micro fit's relative errors by layer kind, convs also by kernel and stride, pointwise
    convs on a 1x1 map (SE) apart."""
    groups: dict[str, list[float]] = defaultdict(list)
    for s in fit.samples:
        kind, shape, *_ = s.label.split()
        if kind in ("depthwise", "standard", "grouped"):
            kind = f"{kind} {shape}"
        elif kind == "pointwise" and " 1x1x" in s.label:
            kind = "pointwise on 1x1 (SE)"
        groups[kind].append(s.error)
    return dict(sorted(groups.items()))


def evaluate(statistic, micro_rounds, runs, configs, args, working_set=True):
    """Calibrate with ``statistic`` over the passes (with or without a ``working_set``) and
    predict every configuration: the profile,
    its fit, the timed cases, the executor's seconds per node, and per configuration (arch, α,
    resolution, MACs, its rounds' medians as a Spread, the measured figure, Σ layer figures,
    predicted, the prediction's executor share); per layer kind [measured, predicted, layers];
    and per configuration (whole − Σ layers, executor share)."""
    profile, fit, timed, node_seconds = calibrate(
        micro_rounds, args.threads, args.elementwise, statistic, working_set
    )
    rows = []
    by_kind: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    glue = []
    for (arch, alpha, res), measured_rounds in zip(configs, runs, strict=True):
        report = measured_rounds[0].report
        works = report_work(report)
        predicted_layers = [seconds for seconds, _ in predict_all(profile, works)]
        predicted = sum(predicted_layers)
        medians = [m.total.median for m in measured_rounds]
        measured = statistic(medians)
        layer_figures = [
            statistic([m.layers[j].median for m in measured_rounds]) for j in range(len(works))
        ]
        summed = sum(layer_figures)
        executor = len(works) * node_seconds  # of the prediction: the time between the calls
        rows.append(
            (arch, alpha, res, report.totals.macs, spread(medians), measured, summed, predicted,
             executor)
        )  # fmt: skip
        for w, p, s in zip(works, predicted_layers, layer_figures, strict=True):
            entry = by_kind[w.kind]
            entry[0] += s
            entry[1] += p - node_seconds  # the module call's share
            entry[2] += 1
        glue.append((measured - summed, executor))
    return profile, fit, timed, node_seconds, rows, by_kind, glue


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", choices=GRIDS, default="small")
    parser.add_argument("--archs", default=",".join(ARCHS), help="comma-separated")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--micro-repeats",
        type=int,
        default=20,
        help="timed calls per layer in each micro-benchmark pass, divided by --rounds",
    )
    parser.add_argument(
        "--time-limit", type=float, default=2.0, help="seconds of timed runs per model at most"
    )
    parser.add_argument("--elementwise", choices=("fitted", "tied"), default="fitted")
    parser.add_argument(
        "--clock",
        choices=tuple(CLOCKS),
        default="wall",
        help="cpu: the thread's CPU time (1 thread), for a machine busy with other work",
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved rounds of every measurement"
    )
    parser.add_argument(
        "--statistic",
        choices=tuple(STATISTICS),
        default="median",
        help="each figure from its rounds' medians: their median, or the fastest (both reported)",
    )
    parser.add_argument("--markdown", default=None, help="also write the table here")
    args = parser.parse_args()
    archs = [a.strip() for a in args.archs.split(",") if a.strip()]
    alphas, resolutions = GRIDS[args.grid]

    print(f"machine: {this_machine()}; torch eager, {args.threads} thread(s), batch 1, "
          f"{args.clock} clock")  # fmt: skip
    rounds = max(1, args.rounds)
    plan = Repeats(time_limit=args.time_limit / rounds)
    configs = [(a, al, r) for a in archs for al in alphas for r in resolutions]
    micro_rounds: list[tuple[list[micro.Timed], float]] = []
    runs: list[list] = [[] for _ in configs]  # per configuration, its measurement in each round
    micro_s = bench_s = 0.0
    micro_repeats = max(2, args.micro_repeats // rounds)  # per pass; a pass before each arch
    for n in range(rounds):
        for i, (arch, alpha, res) in enumerate(configs):
            if i == 0 or arch != configs[i - 1][0]:  # the micro-benchmarks before each arch
                started = time.perf_counter()
                micro_rounds.append(time_micro(args.threads, micro_repeats, args.clock))
                micro_s += time.perf_counter() - started
            started = time.perf_counter()
            m = bench(arch, alpha, res, threads=args.threads, plan=plan, clock=args.clock)
            runs[i].append(m)
            print(f"  [round {n + 1}/{rounds}, {i + 1}/{len(configs)}] {arch} {alpha:g}@{res}: "
                  f"{1e3 * m.total.median:.2f} ms", file=sys.stderr)  # fmt: skip
            bench_s += time.perf_counter() - started
    chosen = evaluate(STATISTICS[args.statistic], micro_rounds, runs, configs, args)
    profile, fit, timed, node_seconds, rows, by_kind, glue = chosen
    print(
        f"calibration: {len(timed)} micro-benchmarks in {micro_s:.1f} s, each layer with the "
        f"executor's {1e6 * node_seconds:.1f} us per node; fit median |error| "
        f"{100 * fit.median_error:.1f} %, worst {100 * fit.max_error:.1f} %"
    )
    rates = ", ".join(f"{k} {v:g}" for k, v in profile.rates_gmacs.items())
    elements = ", ".join(f"{k} {v:g}" for k, v in profile.element_ns.items() if v)
    ceilings = "".join(f", {k} {v:g}" for k, v in profile.bandwidth_by_kind_gbs.items())
    kernels = "".join(f", {k} {v:g}" for k, v in profile.kernel_us_by_kind.items())
    print(f"profile: GMAC/s {rates}; bandwidth {profile.bandwidth_gbs:g} GB/s{ceilings}; "
          f"weights {profile.weight_bandwidth_gbs:g} GB/s; kernel {profile.kernel_us:g} us"
          f"{kernels}; ns/element {elements or '-'}")  # fmt: skip
    ws = profile.working_set
    print(f"working set: cache {ws.cache_mb:g} MB; +{ws.kernel_us:g} us per layer, weights "
          f"{ws.weight_bandwidth_gbs:g} GB/s, activations {ws.activation_bandwidth_gbs:g} GB/s "
          "(times bytes / (bytes + cache))")  # fmt: skip
    print("micro-benchmark fit by layer kind (predicted vs measured, relative):")
    for group, errors in micro_groups(fit).items():
        print(f"  {group:<22} {len(errors):3d} layers  median {100 * statistics.median(errors):+6.1f} %"
              f"  range {100 * min(errors):+5.0f} .. {100 * max(errors):+5.0f} %")  # fmt: skip

    plain_rows = evaluate(STATISTICS[args.statistic], micro_rounds, runs, configs, args, False)[4]
    lines = [
        f"| arch | α | res | MACs (M) | measured ms ({args.statistic}; rounds' quartiles) "
        "| Σ layers ms | predicted ms | error | without working set: ms | error |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (arch, alpha, res, macs, t, measured, summed, p, _), plain in zip(
        rows, plain_rows, strict=True
    ):
        ms = t.scaled(1e3)
        lines.append(
            f"| {arch} | {alpha:g} | {res} | {macs / 1e6:.1f} | {1e3 * measured:.2f} "
            f"({ms.q1:.2f}–{ms.q3:.2f}) | {1e3 * summed:.2f} | {1e3 * p:.2f} | "
            f"{100 * (p - measured) / measured:+.1f} % | {1e3 * plain[7]:.2f} | "
            f"{100 * (plain[7] - measured) / measured:+.1f} % |"
        )
    whole, passed = verdict([row[5] for row in rows], [row[7] for row in rows])
    plain_whole, _ = verdict([row[5] for row in plain_rows], [row[7] for row in plain_rows])
    layers, _ = verdict([row[6] for row in rows], [row[7] - row[8] for row in rows])
    other = next(name for name in STATISTICS if name != args.statistic)
    other_rows = evaluate(STATISTICS[other], micro_rounds, runs, configs, args)[4]
    other_whole, _ = verdict([row[5] for row in other_rows], [row[7] for row in other_rows])
    summary = [  # a Markdown list
        f"- against the whole models, each figure the {args.statistic} of its rounds: {whole}",
        f"- the same with the {other} of the rounds (calibration too): {other_whole}",
        f"- the same measurements, calibrated without the working set (the stage company "
        f"only): {plain_whole}",
        f"- the sums of per-layer medians (less exposed to a busy machine) against the "
        f"predictions less the executor's time between layers: {layers}",
        f"- {len(rows)} configurations, {rounds} interleaved rounds; micro-benchmarks "
        f"{micro_s:.0f} s ({len(micro_rounds)} passes), models {bench_s:.0f} s; "
        f"{this_machine()}, torch eager, {args.threads} thread(s), {args.clock} clock",
    ]
    kinds = [
        "| layer kind | layers | measured ms (sum) | predicted ms (sum) | predicted / measured |",
        "|---|---:|---:|---:|---:|",
    ]
    for kind, (meas, pred, count) in sorted(by_kind.items(), key=lambda kv: -kv[1][0]):
        kinds.append(
            f"| {kind} | {count} | {1e3 * meas:.2f} | {1e3 * pred:.2f} | {pred / meas:.2f} |"
        )
    between, executor = (sum(column) for column in zip(*glue, strict=True))
    kinds.append(
        f"| (between layers: whole model − Σ layer medians) | {len(glue)} models | "
        f"{1e3 * between:.2f} | {1e3 * executor:.2f} | {executor / between:.2f} |"
    )
    text = "\n".join([*lines, "", *summary, "", *kinds]) + "\n"
    print()
    print(text, end="")
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(text)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
