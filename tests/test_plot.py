"""``--plot FILE`` on sweep, fit and table: each figure's plotted points, valid files of every type,
atomic writes that never replace a non-regular file, and one-line errors (also without matplotlib)."""

from __future__ import annotations

import os
import sys

import pytest

import mbcost
from mbcost.accuracy import rate_sweep

pytest.importorskip("matplotlib")
from mbcost.render import plot  # matplotlib is there: the module may be imported

MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".pdf": b"%PDF-", ".svg": b"<?xml"}


def _points(ax) -> int:
    """How many markers the axes' scatter plots hold."""
    return sum(len(c.get_offsets()) for c in ax.collections)


def test_sweep_plot_draws_the_v1_slim_table_and_its_front():
    rated = rate_sweep(mbcost.sweep("v1", [0.25, 0.5, 0.75, 1.0], [128, 160, 192, 224]))
    (ax,) = plot.sweep_figure(rated).axes
    assert _points(ax) == 16
    assert ax.get_xscale() == "log"
    (front,) = [line for line in ax.get_lines() if line.get_label() == "Pareto front"]
    assert len(front.get_xdata()) == sum(rated.front) == 14
    assert "v1" in ax.get_title() and "impl paper" in ax.get_title()


def test_sweep_plot_leaves_out_configurations_without_an_accuracy():
    rated = rate_sweep(mbcost.sweep("v2", [0.35, 1.4], [96, 224]))
    (ax,) = plot.sweep_figure(rated).axes
    assert _points(ax) == 3  # 1.4-96 is outside the published range: no estimate


def test_heatmap_has_a_cell_per_configuration():
    result = mbcost.sweep("v2", [0.35, 0.5, 0.75], [96, 128, 160, 192, 224])
    ax = plot.heatmap_figure(result, "params").axes[0]
    (image,) = ax.get_images()
    assert image.get_array().shape == (3, 5)


def test_table_plot_has_a_bar_per_costed_layer_in_each_panel():
    report = mbcost.analyze("v2", alpha=0.5, resolution=160)
    axes = plot.table_figure(report).axes
    costed = [r for r in report.rows if r.layer.kind not in ("add", "mul")]
    assert len(axes) == 3
    assert all(len(ax.patches) == len(costed) for ax in axes)


def test_fit_plot_draws_every_candidate_and_each_budget():
    result = mbcost.fit(["v1", "v3-small"], max_macs=100_000_000, max_params=2_000_000, top=3)
    axes = plot.fit_figure(result).axes
    assert len(axes) == 2  # one panel per budget
    for ax, limit in zip(axes, (100_000_000, 2_000_000), strict=True):
        assert _points(ax) == len(result.pool) + len(result.ranked)  # and the ranked, circled
        assert any(list(line.get_xdata()) == [limit, limit] for line in ax.get_lines())


@pytest.mark.parametrize(
    ("args", "suffix"),
    [
        (
            ["sweep", "v1", "--alpha", "0.25,0.5,0.75,1", "--res", "128:224:32", "--accuracy"],
            ".png",
        ),
        (["fit", "v2", "--max-macs", "100M", "--published-only"], ".svg"),
        (["table", "v3-small"], ".png"),
        (["sweep", "v2", "--alpha", "0.5,1"], ".pdf"),  # a heatmap
    ],
    ids=["sweep-png", "fit-svg", "table-png", "heatmap-pdf"],
)
def test_plot_files_are_valid_images(run, tmp_path, args, suffix):
    target = tmp_path / f"plot{suffix}"
    code, out, err = run(*args, "--plot", str(target))
    assert code == 0, err
    assert out  # the table is printed as well
    assert target.read_bytes().startswith(MAGIC[suffix])
    assert os.listdir(tmp_path) == [target.name]  # no temporary file left behind


def test_plot_replaces_a_regular_file_only(run, tmp_path):
    target = tmp_path / "old.png"
    target.write_bytes(b"old")
    assert run("sweep", "v2", "--plot", str(target))[0] == 0
    assert target.read_bytes().startswith(MAGIC[".png"])
    link = tmp_path / "link.png"
    link.symlink_to(target)
    fifo = tmp_path / "fifo.svg"
    os.mkfifo(fifo)
    for path, kind in ((link, "a symlink"), (fifo, "a FIFO")):
        code, out, err = run("sweep", "v2", "--plot", str(path))
        assert code == 2 and out == ""
        assert f"is {kind}, not a regular file" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("name", ["plot.jpg", "plot", "plot.png.txt"])
def test_plot_suffix_is_checked_before_anything_is_computed(run, tmp_path, name):
    code, out, err = run("sweep", "v2", "--accuracy", "--plot", str(tmp_path / name))
    assert code == 2 and out == ""
    assert "must end in .png, .svg or .pdf" in err and len(err.strip().splitlines()) == 1
    assert os.listdir(tmp_path) == []


def test_plot_without_matplotlib_names_the_extra(run, tmp_path, monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    code, out, err = run("fit", "v2", "--max-macs", "1G", "--plot", str(tmp_path / "fit.png"))
    assert code == 2 and out == ""
    assert err.strip() == "mbcost: error: --plot needs matplotlib: pip install 'mbcost[plot]'"
