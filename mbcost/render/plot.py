"""Plots for ``--plot FILE`` (.png, .svg, .pdf) with matplotlib, the ``plot`` extra.

matplotlib is imported here only, and only once a plot is asked for: no other command pays for it.
Figures are built on ``matplotlib.figure.Figure`` directly (no pyplot, no global state, no GUI
backend) and written whole through ``write_atomically``. Each states its inputs in its title.
"""

from __future__ import annotations

import io
import math
import os
from typing import TYPE_CHECKING

from mbcost.accuracy import RatedSweep
from mbcost.choice import BUDGETS, FitResult
from mbcost.errors import MbcostError
from mbcost.quantities import QUANTITIES
from mbcost.render.sheet import UNITS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from mbcost.report import Report
    from mbcost.sweep import Sweep

SUFFIXES = (".png", ".svg", ".pdf")
INSTALL = "pip install 'mbcost[plot]'"
LABELLED = 60  # at most this many points get a resolution label each; more get one per series end


def check_path(path: str) -> None:
    """A one-line ``MbcostError`` unless ``path`` names a .png, .svg or .pdf file that is a
    regular file or not there yet."""
    from mbcost.budget import refuse_special

    if os.path.splitext(path)[1].lower() not in SUFFIXES:
        raise MbcostError(f"--plot: {path!r} must end in .png, .svg or .pdf")
    refuse_special(path)


def require() -> None:
    """A one-line ``MbcostError`` naming the extra to install when matplotlib is missing (checked
    before anything is computed)."""
    try:
        import matplotlib.figure  # noqa: F401
    except ImportError:
        raise MbcostError(f"--plot needs matplotlib: {INSTALL}") from None


def save(fig: Figure, path: str) -> None:
    """Write ``fig`` to ``path`` in the format its suffix names, replacing only a regular file."""
    from mbcost.budget import write_atomically

    fmt = os.path.splitext(path)[1].lower().removeprefix(".")
    buffer = io.BytesIO()
    # no timestamps: the same plot gives the same file
    metadata = {"Software": None} if fmt == "png" else {"Date": None} if fmt == "svg" else {}
    fig.savefig(buffer, format=fmt, metadata=metadata, bbox_inches="tight")
    write_atomically(path, buffer.getvalue())


def _figure(rows: int = 1, columns: int = 1) -> tuple[Figure, list[Axes]]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5 * columns, 5 if rows == 1 else 7), layout="constrained")
    return fig, [fig.add_subplot(rows, columns, i + 1) for i in range(rows * columns)]


def _label(quantity: str) -> str:
    return QUANTITIES[quantity].label


def _short(value: float) -> str:
    """``20M``, ``1.5G``, ``600K``: an axis tick in decimal units."""
    for scale, suffix in UNITS:
        if abs(value) >= scale:
            return f"{value / scale:g}{suffix}"
    return f"{value:g}"


def _count_axis(axis, log: bool = False) -> None:
    """Ticks of a count axis labelled in decimal units (``20M``), not powers of ten; on a log axis
    at 1, 2 and 5 of every decade."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    if log:
        axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axis.set_minor_formatter(NullFormatter())
    axis.set_major_formatter(FuncFormatter(lambda v, _: _short(v)))


def sweep_figure(rated: RatedSweep) -> Figure:
    """Top-1 against the sweep's cost on a log axis, one series per width (filled: published,
    open: estimated), resolution labels, and the Pareto front — V1 Figs. 4-5, V2 Fig. 5."""
    from matplotlib import colormaps

    result, cost, ratings, front, fit = rated

    fig, (ax,) = _figure()
    rated = [(p, r) for p, r in zip(result.points, ratings, strict=True) if r.top1 is not None]
    alphas = sorted({p.alpha for p, _ in rated})
    colours = colormaps["viridis"].resampled(max(len(alphas), 2))
    for i, alpha in enumerate(alphas):
        series = sorted(
            (p.resolution, getattr(p.totals, cost), r) for p, r in rated if p.alpha == alpha
        )
        xs = [x for _, x, _ in series]
        ys = [r.top1 for _, _, r in series]
        colour = colours(i / max(len(alphas) - 1, 1))
        ax.plot(xs, ys, color=colour, linewidth=1, alpha=0.6)
        ax.scatter(
            xs,
            ys,
            s=28,
            color=[colour if r.published else "none" for _, _, r in series],
            edgecolors=colour,
            label=f"alpha {alpha:g}" if len(alphas) <= 12 else None,
            zorder=3,
        )
        labelled = series if len(rated) <= LABELLED else [series[0], series[-1]]
        for res, x, r in labelled:
            ax.annotate(
                str(res), (x, r.top1), textcoords="offset points", xytext=(4, 3), fontsize=7
            )
    on_front = sorted(
        (getattr(p.totals, cost), r.top1)
        for p, r, on in zip(result.points, ratings, front, strict=True)
        if on
    )
    if on_front:
        ax.step(
            *zip(*on_front, strict=True),
            where="post",
            color="crimson",
            linewidth=1.5,
            label="Pareto front",
            zorder=2,
        )
    ax.set_xscale("log")
    _count_axis(ax.xaxis, log=True)
    ax.set_xlabel(f"{_label(cost)} (log scale)")
    ax.set_ylabel("ImageNet top-1 (%)")
    estimate = f"open: estimated, ±{fit.loo_rms:.2f} leave-one-out RMS" if fit else "no estimates"
    ax.set_title(
        f"{result.arch}: top-1 vs {_label(cost)} · impl {result.impl} · convention "
        f"{result.convention}\nfilled: published; {estimate}",
        fontsize=10,
    )
    if len(alphas) <= 12:
        ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    return fig


def heatmap_figure(result: Sweep, quantity: str) -> Figure:
    """``quantity`` over width × resolution, one cell per configuration."""
    fig, (ax,) = _figure()
    alphas = list(dict.fromkeys(p.alpha for p in result.points))
    pixels = list(dict.fromkeys(p.resolution for p in result.points))
    value = {(p.alpha, p.resolution): getattr(p.totals, quantity) for p in result.points}
    grid = [[value[a, r] for r in pixels] for a in alphas]
    image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
    fig.colorbar(image, ax=ax, label=_label(quantity))
    ax.set_xticks(range(len(pixels)), [str(r) for r in pixels], rotation=90, fontsize=7)
    ax.set_yticks(range(len(alphas)), [f"{a:g}" for a in alphas], fontsize=7)
    _thin_ticks(ax)
    ax.set_xlabel("resolution (px)")
    ax.set_ylabel("width multiplier alpha")
    ax.set_title(
        f"{result.arch}: {_label(quantity)} · impl {result.impl} · convention {result.convention}"
        + "".join(f" · depth {d:g}" for d in result.depths if d != 1),
        fontsize=10,
    )
    return fig


def _thin_ticks(ax: Axes, most: int = 25) -> None:
    """Keep at most ``most`` tick labels per axis, evenly spaced."""
    for axis in (ax.xaxis, ax.yaxis):
        ticks, labels = axis.get_ticklocs(), axis.get_ticklabels()
        step = math.ceil(len(ticks) / most)
        if step > 1:
            axis.set_ticks(ticks[::step], [t.get_text() for t in labels[::step]])


def table_figure(report: Report) -> Figure:
    """Per-layer MACs, parameters and live activation memory as bars coloured by role, at the
    row numbers of ``mbcost table`` (structural rows, which cost nothing, left out)."""
    from matplotlib import colormaps
    from matplotlib.patches import Patch

    from mbcost.render.documents import _structural

    rows = [r for r in report.rows if not _structural(r)]
    roles = list(dict.fromkeys(str(r.role) for r in rows))
    palette = colormaps["tab10"]
    colour = {role: palette(i % 10) for i, role in enumerate(roles)}
    panels = {
        "MACs": [r.macs for r in rows],
        "params": [r.params for r in rows],
        f"live memory ({report.inputs.dtype}, bytes)": [
            report.memory.live_bytes[r.index] for r in rows
        ],
    }
    fig, axes = _figure(rows=len(panels))
    for ax, (label, values) in zip(axes, panels.items(), strict=True):
        ax.bar([r.index for r in rows], values, color=[colour[str(r.role)] for r in rows])
        ax.set_ylabel(label)
        _count_axis(ax.yaxis)
        ax.grid(True, axis="y", alpha=0.3)
    axes[-1].set_xlabel("layer (# in mbcost table)")
    axes[0].legend(handles=[Patch(color=colour[r], label=r) for r in roles], fontsize=7, ncol=4)
    i = report.inputs
    axes[0].set_title(
        f"{i.arch}: cost per layer · alpha {i.alpha:g} · {i.resolution}x{i.resolution} · "
        f"impl {i.impl} · convention {i.convention} · memory rule {i.memory_rule}",
        fontsize=10,
    )
    return fig


def _scatter(ax: Axes, candidates, quantity: str, **style) -> None:
    """Candidates as points at (their ``quantity``, top-1); none, no legend entry."""
    if not candidates:
        return
    ax.scatter(
        [c.cost(quantity) for c in candidates],
        [c.top1 for c in candidates],
        rasterized=len(candidates) > 2000,  # a vector file stays small
        **style,
    )


def fit_figure(result: FitResult) -> Figure:
    """Every candidate's top-1 against each budgeted cost (grey: over budget; diamonds: published,
    dots: estimated), the budget lines, the runners-up and the winner."""
    from matplotlib import colormaps

    budgets = result.budgets
    fig, axes = _figure(columns=len(budgets))
    archs = list(dict.fromkeys(c.arch for c in result.pool))
    palette = colormaps["tab10"]
    over = [c for c in result.pool if not result.meets(c)]
    for ax, (quantity, limit) in zip(axes, budgets.items(), strict=True):
        _scatter(ax, over, quantity, s=6, color="lightgrey", label="over budget")
        for i, arch in enumerate(archs):
            ok = [c for c in result.pool if c.arch == arch and result.meets(c)]
            estimated = [c for c in ok if c.rating.published is None]
            published = [c for c in ok if c.rating.published]
            _scatter(ax, estimated, quantity, s=8, color=palette(i % 10), label=f"{arch} estimated")
            _scatter(
                ax,
                published,
                quantity,
                s=30,
                marker="D",
                color=palette(i % 10),
                edgecolors="black",
                label=f"{arch} published",
            )
        if result.ranked:
            best, *others = result.ranked
            _scatter(
                ax,
                others,
                quantity,
                s=60,
                facecolors="none",
                edgecolors="black",
                label="runners-up",
                zorder=3,
            )
            _scatter(
                ax,
                [best],
                quantity,
                s=180,
                marker="*",
                color="crimson",
                zorder=4,
                label=f"winner {best.arch} {best.alpha:g}-{best.resolution}",
            )
        ax.axvline(limit, color="crimson", linestyle="--", linewidth=1)
        ax.set_xscale("log")
        _count_axis(ax.xaxis, log=True)
        unit = " (bytes)" if BUDGETS[quantity].unit == "bytes" else ""
        ax.set_xlabel(f"{BUDGETS[quantity].label}{unit} (log scale; dashed: the budget)")
        ax.set_ylabel("ImageNet top-1 (%): published, else estimated")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    budget_text = ", ".join(f"{BUDGETS[q].label} ≤ {_short(v)}" for q, v in budgets.items())
    fig.suptitle(
        f"fit: {', '.join(archs)} · {budget_text} · {len(result.pool):,} candidates, "
        f"{result.within:,} within budget · paper convention",
        fontsize=10,
    )
    return fig
