"""The latency commands and options on the command line: ``table --device``, ``sweep`` and ``fit``
with ``--device``/``--max-latency``, ``check``'s ``max_latency``, ``devices`` and ``calibrate`` —
their JSON keys, their sums, and one-line errors (exit 2) for bad input. Nothing here depends on
measured speed: micro-benchmarks are replaced by synthetic samples."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import mbcost
from mbcost.latency import LayerWork, get_device, load_profile
from mbcost.units import parse_duration

DATA = Path(mbcost.__file__).parent / "devices" / "pixel1-mobilenet-v2.csv"


def _one_error_line(err: str, *fragments: str) -> None:
    (line,) = err.strip().splitlines()
    assert line.startswith("mbcost: error: ")
    for fragment in fragments:
        assert fragment in line


def test_table_device_json_labels_latency_as_predicted_and_sums(run):
    code, out, err = run(
        "table", "v2", "--alpha", "0.35", "--res", "96", "--device", "pixel1", "--format", "json"
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["inputs"]["device"] == "pixel1"
    assert doc["latency"]["predicted"] is True and doc["latency"]["fit"]["samples"] == 22
    rows = doc["rows"]
    assert all(r["bound"] in ("compute", "memory") for r in rows)
    assert sum(r["latency_ms"] for r in rows) == pytest.approx(doc["totals"]["latency_ms"])
    assert sum(v["latency_ms"] for v in doc["by_role"].values()) == pytest.approx(
        doc["totals"]["latency_ms"]
    )
    # depthwise layers take a larger share of the time than of the MACs
    dw = doc["by_role"]["depthwise"]
    assert dw["latency_ms"] / doc["totals"]["latency_ms"] > dw["macs"] / doc["totals"]["macs"]


def test_table_without_device_has_no_latency(run):
    _, out, _ = run("table", "v2", "--format", "json")
    doc = json.loads(out)
    assert "device" not in doc["inputs"] and "latency" not in doc
    assert "latency_ms" not in doc["totals"] and "latency_ms" not in doc["rows"][0]


def test_table_device_text_shows_time_share_and_bound(run):
    code, out, err = run("table", "v2", "--device", "pixel1")
    assert code == 0, err
    assert "latency predicted for pixel1: " in out
    assert "leave-one-out error 4.2% median, 18.6% max" in out
    header = next(line for line in out.splitlines() if line.startswith(" #  layer"))
    assert "pred. ms" in header and "% time" in header and "bound" in header
    assert "2.1.add" in out  # joins cost time on a device, so they are listed


def test_table_device_by_role_and_columns(run):
    code, out, err = run("table", "v2", "--device", "pixel1", "--by", "role", "--format", "csv")
    assert code == 0, err
    header = out.splitlines()[0].split(",")
    assert header[-2:] == ["latency_ms", "latency_percent"] and "device" in header
    code, out, err = run(
        "table",
        "v2",
        "--device",
        "pixel1",
        "--columns",
        "name,macs,latency_ms,bound",
        "--format",
        "csv",
    )
    assert code == 0, err
    assert out.splitlines()[0].endswith("name,macs,latency_ms,bound")
    code, _, err = run("table", "v2", "--columns", "name,latency_ms")
    assert code == 2
    _one_error_line(err, "unknown column 'latency_ms'")


@pytest.mark.parametrize(
    ("device", "fragments"),
    [
        ("pixel", ("unknown device 'pixel'", "did you mean 'pixel1'")),
        ("missing.yaml", ("missing.yaml: cannot read the profile",)),
    ],
)
def test_table_bad_device_is_one_line(run, device, fragments):
    code, out, err = run("table", "v2", "--device", device)
    assert code == 2 and out == ""
    _one_error_line(err, *fragments)


def test_table_device_file_with_bad_field_names_file_and_field(run, tmp_path):
    text = (Path(mbcost.__file__).parent / "devices" / "pixel1.yaml").read_text()
    bad = tmp_path / "phone.yaml"
    bad.write_text(text.replace("kernel_us: ", "kernel_us: -"))
    code, _, err = run("table", "v2", "--device", str(bad))
    assert code == 2
    _one_error_line(err, f"{bad}: kernel_us must be a number >= 0")


def test_user_profile_file_is_used(run, tmp_path):
    path = tmp_path / "slow.yaml"
    path.write_text(
        "name: slow\ndescription: d\nsource: s\ndtype: float32\n"
        "rates_gmacs: {standard: 1, pointwise: 1, depthwise: 1, linear: 1}\n"
        "bandwidth_gbs: .inf\nkernel_us: 0\nelement_ns: {relu6: 0, add: 0, pool: 0}\n"
    )
    code, out, err = run("table", "v2", "--device", str(path), "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    # 1 GMAC/s, nothing else: the time is the MACs in nanoseconds
    assert doc["totals"]["latency_ms"] == pytest.approx(doc["totals"]["macs"] / 1e6)
    assert doc["latency"]["fit"] is None


def test_sweep_device_and_max_latency(run):
    args = ("sweep", "v2", "--alpha", "0.35,0.5,1", "--res", "96,224", "--device", "pixel1")
    code, out, err = run(*args, "--max-latency", "20ms", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["inputs"]["device"] == "pixel1" and doc["inputs"]["max_latency_ms"] == pytest.approx(
        20
    )
    kept = {(p["alpha"], p["resolution"]) for p in doc["points"]}
    assert kept == {(0.35, 96), (0.35, 224), (0.5, 96), (1.0, 96)}
    assert all(p["latency_ms"] <= 20 for p in doc["points"])
    code, out, err = run(*args, "--max-latency", "20ms")
    assert "4 of 6 configurations predicted within 20 ms on pixel1" in out
    code, out, err = run(*args, "--format", "csv")
    assert out.splitlines()[0].endswith(",device,latency_ms") or out.splitlines()[0].endswith(
        ",latency_ms"
    )


def test_sweep_accuracy_shows_the_predicted_latency_of_the_points_it_keeps(run):
    args = ("sweep", "v2", "--alpha", "0.35,0.5,1", "--res", "96,224", "--device", "pixel1")
    code, out, err = run(*args, "--format", "json")
    plain = {(p["alpha"], p["resolution"]): p["latency_ms"] for p in json.loads(out)["points"]}
    code, out, err = run(*args, "--accuracy", "--max-latency", "20ms", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["inputs"]["device"] == "pixel1" and "top1" in doc["points"][0]["accuracy"]
    rated = {(p["alpha"], p["resolution"]): p["latency_ms"] for p in doc["points"]}
    assert rated == {k: v for k, v in plain.items() if v <= 20} and len(rated) == 4
    code, out, err = run(*args, "--accuracy", "--format", "csv")
    header = out.splitlines()[0].split(",")
    assert header[-1] == "latency_ms" and "top1" in header
    code, out, err = run(*args, "--accuracy", "--max-latency", "20ms")
    assert "pred. ms" in out and "4 of 6 configurations predicted within 20 ms on pixel1" in out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--max-latency", "20ms"], "--max-latency needs --device"),
        (["--device", "pixel1", "--max-latency", "20"], "a duration needs a unit"),
        (["--device", "pixel1", "--max-latency", "20h"], "not 'h'"),
        (["--device", "pixel1", "--max-latency", "0ms"], "must be positive"),
        (["--device", "pixel1", "--max-latency", "fast"], "expected a duration"),
    ],
)
def test_sweep_and_fit_bad_latency_options(run, args, fragment):
    for command in (["sweep", "v2"], ["fit", "v2"]):
        code, out, err = run(*command, *args)
        assert code == 2 and out == ""
        _one_error_line(err, fragment)


def test_fit_max_latency(run):
    code, out, err = run(
        "fit", "v2", "v3-small", "--device", "pixel1", "--max-latency", "20ms", "--format", "json"
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["inputs"]["budgets"] == {"max_latency_ms": 20.0}
    assert doc["inputs"]["device"] == "pixel1"
    assert doc["candidates"] and all(c["latency_ms"] <= 20 for c in doc["candidates"])
    code, out, err = run("fit", "v2", "--device", "pixel1", "--max-latency", "1ms")
    assert code == 1
    _one_error_line(err, "nothing fits predicted latency ≤ 1.00 ms", "v2 0.35-96")


def test_fit_table_with_latency_fits_80_columns(run):
    code, out, err = run("fit", "v2", "v3-small", "--device", "pixel1", "--max-latency", "20ms")
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= 80


def _budget(tmp_path: Path, body: str) -> str:
    path = tmp_path / "mbcost.toml"
    path.write_text(body)
    return str(path)


def test_check_max_latency_pass_and_fail(run, tmp_path):
    config = _budget(
        tmp_path,
        '[[models]]\nname = "small"\narch = "v2"\nalpha = 0.35\nresolution = 96\n'
        'device = "pixel1"\nmax_latency = "5ms"\n'
        '[[models]]\nname = "full"\narch = "v2"\ndevice = "pixel1"\nmax_latency = "20ms"\n',
    )
    code, out, err = run("check", "--config", config, "--format", "json")
    assert code == 1
    doc = json.loads(out)
    small, full = doc["models"]
    assert small["checks"][0]["status"] == "pass" and small["checks"][0]["limit"] == 5000
    assert full["checks"][0]["status"] == "fail"
    assert full["checks"][0]["check"] == "max_latency (pixel1, predicted µs)"
    predicted = mbcost.analyze("v2", alpha=0.35, resolution=96)
    from mbcost.latency.predicted import report_latency

    assert small["measured"]["latency"] == round(
        1e6 * report_latency(get_device("pixel1"), predicted).total
    )
    assert "FAIL full: max_latency (pixel1, predicted µs)" in err


@pytest.mark.parametrize(
    ("model", "fragment"),
    [
        ('arch = "v2"\nmax_latency = "5ms"\n', "max_latency needs a 'device'"),
        ('arch = "v2"\ndevice = "pixel1"\nmax_latency = 5\n', "max_latency: must be a duration"),
        (
            'arch = "v2"\ndevice = "pixel1"\nmax_latency = "5"\n',
            "max_latency: a duration needs a unit",
        ),
        ('arch = "v2"\ndevice = "nope"\nmax_latency = "5ms"\n', "device: unknown device 'nope'"),
        (
            'arch = "v2"\ndevice = "bad.yaml"\nmax_latency = "5ms"\n',
            "bad.yaml: dtype must be one of",
        ),
    ],
)
def test_check_bad_latency_budget_is_one_line(run, tmp_path, model, fragment):
    (tmp_path / "bad.yaml").write_text(
        "name: b\ndescription: d\nsource: s\ndtype: f32\nrates_gmacs: {pointwise: 1}\n"
        "bandwidth_gbs: 1\nkernel_us: 0\nelement_ns: {relu: 0}\n"
    )
    config = _budget(tmp_path, f'[[models]]\nname = "m"\n{model}')
    code, out, err = run("check", "--config", config)
    assert code == 2 and out == ""
    _one_error_line(err, "models[0] (m)", fragment)


def test_devices_lists_pixel1_with_its_fit_error(run):
    code, out, err = run("devices")
    assert code == 0, err
    assert "pixel1" in out and "float32" in out and "LOO median %" in out
    code, out, _ = run("devices", "--format", "json")
    (pixel1,) = [d for d in json.loads(out)["devices"] if d["name"] == "pixel1"]
    assert (
        pixel1["fit"]["loo_median_error_percent"]
        == get_device("pixel1").fit["loo_median_error_percent"]
    )
    assert set(pixel1) >= {"rates_gmacs", "bandwidth_gbs", "kernel_us", "element_ns", "source"}


def test_calibrate_from_csv_writes_a_loadable_profile(run, tmp_path):
    output = tmp_path / "p.yaml"
    code, out, err = run("calibrate", "--from-csv", str(DATA), "--name", "phone", "-o", str(output))
    assert code == 0, err
    assert "leave-one-out median" in out and "v2-0.35-96" in out
    assert err.strip() == f"mbcost: wrote profile 'phone' to {output}"
    profile = load_profile(str(output))
    assert profile.name == "phone" and profile.fit["samples"] == 22
    assert "Written by: mbcost calibrate --from-csv" in output.read_text()
    shipped = get_device("pixel1")
    assert profile.rates_gmacs == shipped.rates_gmacs and profile.kernel_us == shipped.kernel_us
    code, out, _ = run("calibrate", "--from-csv", str(DATA), "-o", str(output), "--format", "json")
    doc = json.loads(out)
    assert len(doc["samples"]) == 22 and doc["summary"]["loo_max_error"] is not None


@pytest.mark.parametrize(
    ("csv_text", "fragment"),
    [
        (
            "arch,alpha,ms\nv2,1,70\n",
            ":1: the header must name the columns arch, alpha, resolution, ms",
        ),
        (
            "arch,alpha,resolution,ms\nv2,1,224,fast\n",
            ":2: ms must be a positive number, got 'fast'",
        ),
        ("arch,alpha,resolution,ms\nv2,1,22.5,70\n", ":2: resolution must be a positive integer"),
        ("arch,alpha,resolution,ms\nv2,1,224\n", ":2: expected 4 values, got 3"),
        ("arch,alpha,resolution,ms\n", "no measurements"),
        ("arch,alpha,resolution,ms\n" + "nope,1,224,70\n" * 5, "measurement nope-1-224: unknown"),
        ("arch,alpha,resolution,ms\nv2,1,224,70\n", "1 measurements cannot fit 4 parameters"),
    ],
)
def test_calibrate_bad_csv_is_one_line(run, tmp_path, csv_text, fragment):
    path = tmp_path / "m.csv"
    path.write_text(csv_text)
    output = tmp_path / "p.yaml"
    code, out, err = run("calibrate", "--from-csv", str(path), "-o", str(output))
    assert code == 2 and out == "" and not output.exists()
    _one_error_line(err, fragment)


_CELLS = st.one_of(
    st.sampled_from(["v2", "v3-small", "nope", "", "1", "0", "-1", "1e400", "nan", "inf", "96",
                     "224", "0.35", "1.5", "70", "7e-1", " 5 ", '"3,4"', "ms", "\u00e9", "1_0"]),
    st.text(max_size=6),
)  # fmt: skip
_HEADERS = st.one_of(
    st.just(["arch", "alpha", "resolution", "ms"]),
    st.just(["arch", "alpha", "resolution", "ms", "source"]),
    st.lists(st.sampled_from(["arch", "alpha", "resolution", "ms", "source", "x", ""]), max_size=6),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(header=_HEADERS, rows=st.lists(st.lists(_CELLS, max_size=6), max_size=6), crlf=st.booleans())
@example(  # five good rows: a profile
    header=["arch", "alpha", "resolution", "ms"],
    rows=[["v2", a, r, ms] for a, r, ms in
          [("1", "224", "73.8"), ("0.5", "160", "14.9"), ("0.35", "96", "4.5"),
           ("0.75", "192", "41.6"), ("1", "128", "27.6")]],
    crlf=True,
)  # fmt: skip
def test_calibrate_from_any_csv_writes_a_profile_or_says_one_line(
    run, tmp_path, header, rows, crlf
):
    """Whatever the CSV holds: a profile is written (exit 0), or one error line with exit 2 and no
    file; never a traceback."""
    end = "\r\n" if crlf else "\n"
    path = tmp_path / "fuzz.csv"
    path.write_bytes(
        end.join(",".join(r) for r in [header, *rows]).encode("utf-8", "surrogatepass")
    )
    output = tmp_path / "fuzz.yaml"
    output.unlink(missing_ok=True)
    code, out, err = run("calibrate", "--from-csv", str(path), "-o", str(output))
    if code == 0:
        assert load_profile(str(output)).fit["samples"] >= 4
    else:
        assert code == 2 and out == "" and not output.exists()
        _one_error_line(err)


def test_calibrate_refuses_special_outputs_and_bad_options(run, tmp_path):
    code, _, err = run("calibrate", "--from-csv", str(DATA), "-o", str(tmp_path))
    assert code == 2
    code, _, err = run("calibrate", "--from-csv", str(DATA))
    assert code == 2
    _one_error_line(err, "--output")
    link = tmp_path / "link.yaml"
    os.symlink(tmp_path / "target.yaml", link)
    code, _, err = run("calibrate", "--from-csv", str(DATA), "-o", str(link))
    assert code == 2
    _one_error_line(err, "is a symlink, not a regular file")
    code, _, err = run(
        "calibrate", "--from-csv", str(DATA), "-o", str(tmp_path / "x.yaml"), "--threads", "2"
    )
    assert code == 2
    _one_error_line(err, "--threads and --repeats time micro-benchmarks")


def test_calibrate_from_micro_benchmarks(run, tmp_path, monkeypatch):
    # synthetic "measurements" of a device with 2 GMAC/s, activations at 4 GB/s, weights streamed
    # apart at 1 GB/s, 10 µs per pointwise and 40 µs per depthwise layer, 0.5 ns per h-swish; each
    # layer timed in working sets of 0.5, 4 and 56 MB (two would fit any cache size), on a device
    # whose caches hold 8 MB: a share of bytes / (bytes + 8 MB) of 5 µs per layer, weights at
    # 2 GB/s and activations at 8 GB/s more
    def measure(threads, repeats, progress):
        samples, contexts = [], []
        for context in (500_000, 4_000_000, 56_000_000):
            share = context / (context + 8e6)
            for c in (16, 32, 64, 128, 256, 512):
                for hw in (49, 784):
                    n = c * hw
                    for kind, macs, weights, kernel in (
                        ("pointwise", c * c * hw, c * c, 10e-6),
                        ("depthwise", 9 * c * hw, 9 * c, 40e-6),
                    ):
                        work = LayerWork(kind, macs, n, n, weights, {"hswish": n})
                        roofline = max(macs / 2e9, 4 * 2 * n / 4e9)
                        seconds = roofline + 4 * weights / 1e9 + kernel + n * 0.5e-9
                        cold = 5e-6 + 4 * weights / 2e9 + 4 * 2 * n / 8e9
                        samples.append(([work], seconds + share * cold))
                        contexts.append(context)
        progress(1.0)
        return micro.Measured(samples, contexts, 3e-6)

    import mbcost.bench.micro as micro

    monkeypatch.setattr(micro, "measure", measure)
    output = tmp_path / "here.yaml"
    code, out, err = run("calibrate", "--name", "here", "-o", str(output))
    assert code == 0, err
    profile = load_profile(str(output))
    assert profile.rates_gmacs["pointwise"] == pytest.approx(2.0, rel=1e-3)
    assert profile.weight_bandwidth_gbs == pytest.approx(1.0, rel=1e-3)
    assert profile.kernel_us == pytest.approx(10.0, rel=1e-3)
    assert profile.kernel_us_by_kind["depthwise"] == pytest.approx(40.0, rel=1e-3)
    assert profile.element_ns["hswish"] == pytest.approx(0.5, rel=1e-2)
    assert profile.working_set.cache_mb == 8
    assert profile.working_set.kernel_us == pytest.approx(5.0, rel=1e-2)
    assert profile.working_set.weight_bandwidth_gbs == pytest.approx(2.0, rel=1e-2)
    assert profile.working_set.activation_bandwidth_gbs == pytest.approx(8.0, rel=1e-2)
    assert profile.fit["elementwise"] == "fitted"
    assert "executor's 3.0 us per node" in profile.source
    assert "layer 1 (pointwise, 0.5 MB)" in out and "(depthwise, 56.0 MB)" in out
    assert "working set: 8 MB cache" in out


def test_calibrate_without_the_verify_extra_is_one_line(run, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch fails, as without the extra
    code, _, err = run("calibrate", "-o", str(tmp_path / "p.yaml"))
    assert code == 2
    _one_error_line(err, "pip install 'mbcost[verify]'", "--from-csv")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("20ms", 0.02),
        ("800us", 800e-6),
        ("10µs", 10e-6),
        ("1.5 ms", 1.5e-3),
        ("2s", 2.0),
        ("500ns", 5e-7),
    ],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["20", "20h", "-1ms", "0ms", "", "1e3ms", "ms", "20 MS"])
def test_parse_duration_refuses(text):
    with pytest.raises(ValueError):
        parse_duration(text)
