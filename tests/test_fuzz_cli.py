"""The CLI contract under random input: hypothesis runs ``mbcost.cli.main(argv)`` in-process over
commands, option values and file contents, and every run must exit 0, 1 or 2, without a traceback
or an escaping exception, with at most one stderr line on exit 2, and without changing a file that
existed before a failing run (or leaving a new one behind)."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mbcost.cli import main


def fuzz(examples: int):
    """Bounded runs: the whole file takes a few seconds (no deadline: the first run imports)."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# option values as a user might type them: valid, at the bounds, past them, and not numbers at all
NUMBERS = st.sampled_from(
    [
        *["1", "0.5", "1.0", "0", "-1", "1e-9", "1000", "1001", "1e308", "1e400", "inf", "-inf"],
        *["nan", "1048576", "1048577", "99999999999999999999", "1_0", "abc", "0x10", "3.5M"],
        *["", " 2", "\u0661"],  # empty, padded, an Arabic-Indic digit one
    ]
)
REFUSED = ["0", "-1", "1e400", "inf", "-inf", "abc", "", "1048577", "1_0x"]  # by every range
INTEGERS = st.one_of(NUMBERS, st.integers(-3, 300).map(str))
ARCHS = st.sampled_from(
    [
        *["v1", "v2", "v3-small", "v1-shallow", "v4-hybrid-m", "mnasnet-a1", "efficientnet-b1"],
        *["", "v9", "v2\n", "\x1b[31m", "ü"],
    ]
)
KINDS = st.sampled_from(
    ["standard", "depthwise", "grouped", "pointwise", "inverted", "uib", "fused", "", "x"]
)
CHOICES = {
    "--impl": ["paper", "torchvision", "timm", "tf", ""],
    "--convention": ["paper", "fvcore", "torch", "flops"],
    "--by": ["layer", "block", "role", "kind"],
    "--format": ["table", "json", "csv", "md", "yaml", "xml"],
}

VALID_TABLE = """name: t
title: a small table
resolution: 32
in_channels: 3
width_mult: 1.1
depth_mult: 1.5
impls: [paper, timm]
defaults: {act: relu6, bias: {paper: false, timm: true}}
blocks:
  - {conv: {k: 3, s: 2, out: 16}}
  - {ds: {out: 24, s: 1, depth: fixed}}
  - {ir: {t: 6, out: 24, n: 2, s: 2, se: 0.25, se_base: input, se_round: floor, depth: scale}}
  - repeat:
      n: 2
      blocks:
        - {dw: {k: 5}}
        - {pw: {out: 32, width: grow}}
  - {pool: {global: avg}}
  - {linear: {out: 10}}
"""
VALID_V4_TABLE = """name: v4ish
resolution: 32
blocks:
  - {conv: {k: 3, s: 2, out: 16}}
  - {fused: {k: 3, s: 2, t: 4, out: 24}}
  - {uib: {a: 3, k: 5, s: 2, t: 4, out: 32, layer_scale: true}}
  - {uib: {a: 0, k: 0, t: 2, out: 32}}
  - {mqa: {heads: 2, key_dim: 8, out: 32, kv_stride: 2, layer_scale: true}}
  - {uib: {a: 3, k: 0, t: 4, out: 32, act: gelu}}
  - {pool: {global: avg}}
  - {linear: {out: 10}}
"""
VALID_BUDGET = """baseline = "base.json"
tolerance = "1%"

[[models]]
name = "small"
spec = "net.yaml"
max_macs = "10M"
max_params = "1M"

[[models]]
name = "v2"
arch = "v2"
alpha = 0.5
resolution = 160
max_macs = "100M"
"""
VALID_BASELINE = """{"mbcost_baseline": 1, "models": {
  "v2": {"macs": 50184000, "params": 1950136, "layer_macs": 5120000}}}
"""

# pieces a mutation may splice in: YAML/JSON/TOML syntax, aliases, edge numbers, control characters
SYNTAX = ["&a ", "*a", "<<: *a", "{", "}", "[", "]", ":", ",", "\n", "  ", "- ", '"', "'", "#"]
VALUES = ["0", "-1", "1048577", "1e400", "nan", "null", "true", "~", "!!int ", "\x00", "\x1b"]
FIELDS = ["n: 10001", "out: 0", "k: 99", "s: 64", "repeat:", "blocks: []", "[[models]]", '= "x"']
FIELDS += ["depth: scale", "depth: fixed", "depth_mult: 99", "width_mult: 0", "se_round: floor"]
PIECES = st.sampled_from([*SYNTAX, *VALUES, *FIELDS, "\ufeff"])


@st.composite
def mutated(draw, text: str) -> str:
    """``text`` after a few edits: a span deleted, a line repeated, a piece inserted."""
    for _ in range(draw(st.integers(0, 4))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 20)))
        edit = draw(st.sampled_from(["delete", "insert", "repeat_line"]))
        if edit == "delete":
            text = text[:i] + text[j:]
        elif edit == "insert":
            text = text[:i] + draw(PIECES) + text[i:]
        else:
            start = text.rfind("\n", 0, i) + 1
            end = text.find("\n", i) + 1 or len(text)
            text = text[:end] + text[start:end] + text[end:]
    return text


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
TABLE_TEXTS = st.one_of(
    mutated(VALID_TABLE),
    mutated(VALID_V4_TABLE),
    st.text(max_size=200),
    JSON_VALUES.map(json.dumps),
    st.fixed_dictionaries(
        {"name": st.text(max_size=5), "resolution": JSON_VALUES, "blocks": JSON_VALUES}
    ).map(json.dumps),
)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _check_contract(code: int, err: str, before: dict, after: dict, may_write: frozenset) -> None:
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in err, err
    if code == 2:
        assert err.count("\n") <= 1, err
    if code != 0:
        changed = {name for name in after if before.get(name) != after[name]}
        assert changed <= may_write, (changed, err)


def _run(capsys, folder: Path, argv: list[str], may_write_on_1: frozenset = frozenset()) -> int:
    """Run ``mbcost argv`` in ``folder`` and check the contract; the exit code."""
    capsys.readouterr()
    before = _snapshot(folder)
    code = main(argv)
    _, err = capsys.readouterr()
    event(f"exit {code}")
    _check_contract(
        code, err, before, _snapshot(folder), may_write_on_1 if code == 1 else frozenset()
    )
    return code


def _options(draw, names: list[str]) -> list[str]:
    argv: list[str] = []
    for name in draw(st.lists(st.sampled_from(names), max_size=4, unique=True)):
        if name in CHOICES:
            argv += [name, draw(st.sampled_from(CHOICES[name]))]
        else:
            argv += [name, draw(NUMBERS if name in ("--alpha", "--depth") else INTEGERS)]
    return argv


@fuzz(100)
@given(st.data())
def test_table_options(capsys, tmp_path, data):
    arch = data.draw(st.one_of(st.none(), ARCHS))
    options = _options(data.draw, ["--alpha", "--res", "--rho", "--depth", *CHOICES])
    _run(capsys, tmp_path, ["table", *([] if arch is None else [arch]), *options])


RANGES = st.one_of(
    NUMBERS,
    st.lists(NUMBERS, min_size=1, max_size=3).map(",".join),
    st.lists(NUMBERS, min_size=2, max_size=4).map(":".join),
)


@fuzz(100)
@given(st.data())
def test_sweep_options(capsys, tmp_path, data):
    arch = data.draw(st.one_of(st.none(), ARCHS))
    argv = ["sweep", *([] if arch is None else [arch])]
    names = ["--alpha", "--res", "--rho", "--depth"]
    for name in data.draw(st.lists(st.sampled_from(names), unique=True)):
        argv += [name, data.draw(RANGES)]
    argv += _options(data.draw, list(CHOICES))
    _run(capsys, tmp_path, argv)


@fuzz(100)
@given(st.data())
def test_compare_options(capsys, tmp_path, data):
    kinds = data.draw(st.lists(KINDS, max_size=3))
    names = ["--k", "--m", "--n", "--df", "--stride", "--groups", "--expansion", "--alpha", "--rho"]
    options = _options(data.draw, [*names, "--format"])
    _run(capsys, tmp_path, ["compare", *kinds, *options])


@fuzz(100)
@given(TABLE_TEXTS, st.sampled_from(["net.yaml", "net.json"]), st.data())
def test_table_files(capsys, tmp_path, text, name, data):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    options = _options(data.draw, ["--alpha", "--res", "--depth", "--impl", "--by", "--format"])
    _run(capsys, tmp_path, ["table", "--spec", str(path), *options])


@fuzz(100)
@given(
    st.just(VALID_BUDGET) | mutated(VALID_BUDGET) | st.text(max_size=100),
    st.just(VALID_TABLE) | mutated(VALID_TABLE),
    st.just(VALID_BASELINE) | mutated(VALID_BASELINE) | st.just("{}"),
    st.data(),
)
def test_check_budgets(capsys, tmp_path, budget, table, baseline, data):
    (tmp_path / "budget.toml").write_text(budget, encoding="utf-8")
    (tmp_path / "net.yaml").write_text(table, encoding="utf-8")
    (tmp_path / "base.json").write_text(baseline, encoding="utf-8")
    (tmp_path / "old.xml").write_text("<old/>", encoding="utf-8")
    argv = ["check", "--config", str(tmp_path / "budget.toml")]
    flags = data.draw(
        st.lists(st.sampled_from(["--update-baseline", "--junit", "--tolerance", "--format"]))
    )
    if "--update-baseline" in flags:
        argv.append("--update-baseline")
    if "--junit" in flags:
        argv += ["--junit", str(tmp_path / "old.xml")]
    if "--tolerance" in flags:
        argv += ["--tolerance", data.draw(st.sampled_from(["1%", "0", "-1%", "1e400%", "x", ""]))]
    if "--format" in flags:
        argv += ["--format", data.draw(st.sampled_from(CHOICES["--format"]))]
    _run(capsys, tmp_path, argv, may_write_on_1=frozenset({"old.xml"}))


@fuzz(25)
@given(
    st.one_of(
        st.tuples(
            st.sampled_from(["--alpha", "--res", "--rho", "--depth"]), st.sampled_from(REFUSED)
        ),
        st.tuples(st.sampled_from(["--format", "--impl", "--against"]), st.sampled_from(["x", ""])),
    )
)
def test_verify_bad_options_fail_before_torch(capsys, tmp_path, option):
    """Only values click refuses while parsing, so that no run reaches torch."""
    assert _run(capsys, tmp_path, ["verify", "v2", *option]) == 2


@fuzz(15)
@given(
    st.sampled_from(["archs", "tabel", "", "--bogus", "-V", "--help", "-h"]),
    st.lists(st.sampled_from(["--format", *CHOICES["--format"], "--wide", "-x"]), max_size=3),
)
def test_archs_and_top_level(capsys, tmp_path, command, rest):
    _run(capsys, tmp_path, [command, *rest])
