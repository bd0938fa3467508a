"""How long something takes: repeated timings reduced to a median and its interquartile range, and
the repeat loop that decides when the median is known well enough.

Pure Python (no torch): a runtime hands in a function that runs the model once and returns seconds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

from mbcost.bench import CLOCK_NAMES

# How a run is timed: wall-clock latency, or the CPU time of the calling thread, which a busy
# machine disturbs far less (time slices given to other processes are not counted) and which
# equals the latency of a single-threaded run on a quiet machine.
CLOCKS: dict[str, Callable[[], float]] = dict(
    zip(CLOCK_NAMES, (time.perf_counter, time.thread_time), strict=True)
)

# the standard error of a sample median is about 1.2533·σ/√n for a normal spread, and σ ≈ IQR/1.349
_MEDIAN_ERROR = 1.2533 / 1.349


class Spread(NamedTuple):
    """The median and quartiles of repeated timings (any unit), and how many there were."""

    median: float
    q1: float
    q3: float
    repeats: int

    @property
    def iqr(self) -> float:
        """The interquartile range, q3 − q1."""
        return self.q3 - self.q1

    def scaled(self, factor: float) -> Spread:
        """The same spread in another unit (``factor`` 1000: seconds to milliseconds)."""
        return Spread(self.median * factor, self.q1 * factor, self.q3 * factor, self.repeats)


def spread(samples: Sequence[float]) -> Spread:
    """Median and quartiles, the quartiles interpolated linearly between order statistics
    (``statistics.quantiles(method="inclusive")``, numpy's default); one sample is its own quartiles."""
    import statistics  # here, not at the top: the CLI imports this module at startup

    if not samples:
        raise ValueError("no timings to summarize")
    if len(samples) == 1:
        only = float(samples[0])
        return Spread(only, only, only, 1)
    q1, median, q3 = statistics.quantiles(samples, n=4, method="inclusive")
    return Spread(median, q1, q3, len(samples))


def median_error(samples: Sequence[float]) -> float:
    """The relative standard error of the median, estimated from the interquartile range."""
    s = spread(samples)
    if s.median <= 0:
        return math.inf
    return _MEDIAN_ERROR * s.iqr / math.sqrt(len(samples)) / s.median


class Repeats(NamedTuple):
    """How many timed runs: ``fixed`` exactly, or else adaptive: at least ``minimum``, until the
    median's standard error is within ``precision`` of it, or ``time_limit`` seconds have passed
    (or ``maximum`` runs). Warm-up: ``warmup`` runs, and more until ``warmup_seconds`` have passed."""

    fixed: int | None = None
    minimum: int = 10
    precision: float = 0.01
    time_limit: float = 10.0
    maximum: int = 100_000
    warmup: int = 3
    warmup_seconds: float = 0.2


ADAPTIVE = Repeats()


class Timings(NamedTuple):
    """The timings of a repeat loop and why it stopped."""

    samples: tuple[float, ...]
    warmup: int
    stopped: str  # "fixed", "settled", "time limit" or "maximum"


def repeat(
    run: Callable[[], float],
    plan: Repeats = ADAPTIVE,
    progress: Callable[[float], None] = lambda done: None,
) -> Timings:
    """Call ``run`` (one timed run, returning its seconds) as ``plan`` says; ``progress(fraction)``
    is told how far along the loop is (by runs when fixed, else by the time limit)."""
    started = time.perf_counter()
    warm = 0
    budget = plan.warmup_seconds if plan.fixed is None else 0.0
    while warm < plan.warmup or time.perf_counter() - started < min(budget, plan.time_limit / 5):
        run()
        warm += 1
    samples: list[float] = []
    started = time.perf_counter()
    while True:
        samples.append(run())
        n = len(samples)
        elapsed = time.perf_counter() - started
        if plan.fixed is not None:
            progress(n / plan.fixed)
            if n >= plan.fixed:
                return Timings(tuple(samples), warm, "fixed")
            continue
        progress(min(1.0, elapsed / plan.time_limit))
        if n >= plan.minimum and median_error(samples) <= plan.precision:
            return Timings(tuple(samples), warm, "settled")
        if elapsed >= plan.time_limit and n >= 2:
            return Timings(tuple(samples), warm, "time limit")
        if n >= plan.maximum:
            return Timings(tuple(samples), warm, "maximum")
