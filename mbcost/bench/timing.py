"""Timing a model at batch 1 under torch eager or ONNX Runtime: the whole forward pass and, where the
model says which engine node each piece of work belongs to, each node.

torch and onnxruntime are imported inside the functions, after ``mbcost.bench.require()``.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import re
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from mbcost.bench.stats import Repeats, Timings, repeat

Progress = Callable[[float], None]


class Measured(NamedTuple):
    """Whole-model timings (seconds), and per node its seconds in each timed run (None: not timed
    per node); ``unattributed``: per run, the seconds of runtime work that belongs to no node (ONNX
    Runtime's layout reorders), or None."""

    total: Timings
    nodes: list[list[float]] | None
    unattributed: list[float] | None


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)
MMAP_THRESHOLD_MAX = 32 * 2**20  # glibc's largest on 64-bit systems


def reuse_freed_memory() -> str:
    """Ask the C allocator to keep freed memory for reuse, as a deployed runtime's arena does.

    torch eager allocates every output tensor with malloc; glibc serves large ones with fresh
    ``mmap`` pages and returns them to the system when freed, so each run faults its activations
    in again (on a 2-core machine that added ~30 % to MobileNetV2's 224² latency). With mmap up to
    32 MiB and trimming off, freed blocks are reused. A process-wide setting, kept for the rest of
    the process. Returns how the allocator was set, for the report.
    """
    import ctypes

    try:  # the process's own symbols: libc's on Linux; no mallopt elsewhere
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):
        return "system default"
    if not (mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX) and mallopt(M_TRIM_THRESHOLD, 2**30)):
        return "system default"
    return "reuse (glibc mallopt)"


@contextlib.contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """torch's intra-op thread count set to ``threads`` for the block."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def time_torch(
    model: Any,
    x: Any,
    threads: int,
    plan: Repeats,
    progress: Progress,
    per_node: bool,
    clock: Callable[[], float] = time.perf_counter,
) -> Measured:
    """Time ``model(x)`` in torch eager by ``clock``; with ``per_node`` (a ``NodeModel``) each run
    is followed by a pass that times every node on its own (not part of the whole-model time)."""
    import torch

    node_times: list[list[float]] = [[] for _ in model.nodes] if per_node else []
    scratch = [0.0] * len(node_times)

    def run() -> float:
        started = clock()
        model(x)
        seconds = clock() - started
        if per_node:
            model.timed_forward(x, scratch, clock)
            for times, t in zip(node_times, scratch, strict=True):
                times.append(t)
        return seconds

    with torch_threads(threads), torch.inference_mode():
        timings = repeat(run, plan, progress)
    if not per_node:
        return Measured(timings, None, None)
    return Measured(timings, [times[timings.warmup :] for times in node_times], None)


def export_onnx(model: Any, x: Any) -> bytes:
    """The model as ONNX (torch's TorchScript exporter, which names each node after its module
    path: ``/n12/conv/Conv`` is engine node 12)."""
    import io

    import torch

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        options: dict[str, Any] = {"input_names": ["x"], "output_names": ["y"]}
        if "dynamo" in inspect.signature(torch.onnx.export).parameters:
            options["dynamo"] = False  # torch 2.9+ defaults to the exporter that names nodes by op
        torch.onnx.export(model, (x,), buffer, **options)
    return buffer.getvalue()


_NODE = re.compile(r"^/n(\d+)/")
MAX_PROFILED = 200  # profiled runs at most: each writes an event per kernel to the profile file


def time_onnxruntime(
    onnx_model: bytes, x: Any, threads: int, plan: Repeats, progress: Progress, nodes: int
) -> Measured:
    """Time the model under ONNX Runtime's CPU provider; with ``nodes`` > 0, then as many profiled
    runs as timed ones (at most ``MAX_PROFILED``), each profiled kernel summed into the engine node
    its name starts with."""
    import onnxruntime as ort

    feed = {"x": x.numpy()}
    session = ort.InferenceSession(onnx_model, _options(ort, threads), providers=_CPU)
    clock = time.perf_counter

    def run() -> float:
        started = clock()
        session.run(None, feed)
        return clock() - started

    timings = repeat(run, plan, progress)
    if nodes <= 0:
        return Measured(timings, None, None)
    with tempfile.TemporaryDirectory() as folder:
        options = _options(ort, threads)
        options.enable_profiling = True
        options.profile_file_prefix = os.path.join(folder, "ort")
        profiled = ort.InferenceSession(onnx_model, options, providers=_CPU)
        for _ in range(timings.warmup):
            profiled.run(None, feed)
        for _ in range(min(len(timings.samples), MAX_PROFILED)):
            profiled.run(None, feed)
        with open(profiled.end_profiling(), encoding="utf-8") as f:
            events = json.load(f)
    per_node, other = _profiled(events, nodes, timings.warmup)
    return Measured(timings, per_node, other)


_CPU = ["CPUExecutionProvider"]


def _options(ort: Any, threads: int) -> Any:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return options


def _profiled(events: list[dict], nodes: int, skip: int) -> tuple[list[list[float]], list[float]]:
    """Per engine node its seconds in each profiled run after the first ``skip``, and per run the
    seconds of kernels that name no node."""
    runs = sorted((e["ts"], e["ts"] + e["dur"]) for e in events if e.get("name") == "model_run")
    runs = runs[skip:]
    per_node = [[0.0] * len(runs) for _ in range(nodes)]
    other = [0.0] * len(runs)
    starts = [start for start, _ in runs]
    for e in events:
        if e.get("cat") != "Node" or not e.get("name", "").endswith("_kernel_time"):
            continue
        run = _run_of(e["ts"], starts, runs)
        if run is None:
            continue
        seconds = e["dur"] / 1e6
        match = _NODE.match(e["name"])
        index = int(match.group(1)) if match else -1
        if 0 <= index < nodes:
            per_node[index][run] += seconds
        else:
            other[run] += seconds
    return per_node, other


def _run_of(ts: float, starts: list[float], runs: list[tuple[float, float]]) -> int | None:
    import bisect

    i = bisect.bisect_right(starts, ts) - 1
    if i < 0 or ts > runs[i][1]:
        return None
    return i
