"""Layer tables from files: validation errors name file, line, block and field; YAML round trips;
malformed input of any shape raises only SpecError."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mbcost
from mbcost.errors import MbcostError, ShapeError, SpecError
from mbcost.spec import dump_yaml, load, parse_table

HEAD = "name: t\nresolution: 32\nblocks:\n"


def _write(tmp_path, text: str, name: str = "net.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "blocks,message",
    [
        (
            "  - {conv: {k: 3, out: 8}}\n  - {ir: {t: 6, out: -3}}\n",
            ":5: block 1 (ir): 'out' must be a positive integer",
        ),
        ("  - {conv: {k: 3, out: 8, stride: 2}}\n", ":4: block 0 (conv): unknown key 'stride'"),
        ("  - {conv: {k: 3}}\n", ":4: block 0 (conv): missing required field 'out'"),
        ("  - {conv: {k: three, out: 8}}\n", "'k' must be a positive integer up to"),
        ("  - {convv: {k: 3, out: 8}}\n", "unknown block kind 'convv'; did you mean 'conv'?"),
        ("  - {ir: {out: 8}}\n", "give exactly one of 't' (expansion ratio) or 'exp'"),
        ("  - {conv: {k: 3, out: 8, act: mish}}\n", "'act' must be one of relu"),
        ("  - {pool: {}}\n", "give either 'global' (avg or max) or a window 'k'"),
        ("  - {repeat: {n: 2}}\n", "missing required field 'blocks'"),
        (
            "  - {conv: {k: 3, out: 8}}\n  - {ir: {t: 1, out: 16, residual: true}}\n",
            "'residual: true' needs matching shapes",
        ),
    ],
)
def test_invalid_tables_name_file_line_block_and_field(tmp_path, blocks, message):
    path = _write(tmp_path, HEAD + blocks)
    with pytest.raises(MbcostError) as info:
        mbcost.analyze(load(path))
    assert message in str(info.value)
    assert str(info.value).startswith(path)
    assert "\n" not in str(info.value)


def test_stride_hint_suggests_s(tmp_path):
    path = _write(tmp_path, HEAD + "  - {conv: {k: 3, out: 8, stride: 2}}\n")
    with pytest.raises(SpecError, match="did you mean 's'"):
        load(path)


@pytest.mark.parametrize(
    "text,message",
    [
        ("", "the file is empty"),
        ("   \n", "the file is empty"),
        ("name: [unclosed\n", "malformed YAML/JSON"),
        ("- just\n- a list\n", "a table must be a mapping"),
        ("name: t\nresolution: 32\nblocks: []\n", "'blocks' must be a non-empty list"),
        ("name: t\nblocks: [{conv: {k: 3, out: 8}}]\n", "missing required field 'resolution'"),
        (
            "name: t\nresolution: 32\nimpls: [mine]\nblocks: [{conv: {k: 3, out: 8}}]\n",
            "'impls' must be",
        ),
        ("!!python/object:os.system {}\n", "malformed YAML/JSON"),
    ],
)
def test_bad_files_are_one_spec_error(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(SpecError, match=message):
        load(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(SpecError, match="cannot read the table"):
        load(str(tmp_path / "nope.yaml"))
    with pytest.raises(SpecError, match="cannot read the table"):
        load(str(tmp_path))


def test_kernel_larger_than_padded_input_names_the_layer(tmp_path):
    """Convs pad by k//2, so only a pooling window can outgrow its input."""
    path = _write(tmp_path, HEAD + "  - {conv: {k: 3, s: 2, out: 8}}\n  - {pool: {k: 7}}\n")
    with pytest.raises(
        ShapeError, match=r":5: block 1 \(pool\): layer 1.pool: pool window 7x7 is larger"
    ):
        mbcost.analyze(load(path), resolution=1)


def test_json_tables_are_accepted(tmp_path):
    data = mbcost.get_arch("v2").table.to_dict()
    path = _write(tmp_path, json.dumps(data), "v2.json")
    assert mbcost.analyze(load(path)).totals == mbcost.analyze("v2").totals


def test_repeat_groups_unroll_in_order():
    table = parse_table(
        {
            "name": "r",
            "resolution": 16,
            "blocks": [
                {"conv": {"k": 3, "out": 8}},
                {"repeat": {"n": 2, "blocks": [{"pw": {"out": 16}}, {"pw": {"out": 8}}]}},
            ],
        }
    )
    names = [r.name for r in mbcost.analyze(table).rows]
    assert names == ["0.conv", "1.0.0.pw", "1.0.1.pw", "1.1.0.pw", "1.1.1.pw"]
    assert {r.block for r in mbcost.analyze(table).rows[1:]} == {1}


def test_unrolled_size_is_bounded():
    with pytest.raises(SpecError, match="more than 10000 block repeats"):
        parse_table(
            {
                "name": "big",
                "resolution": 8,
                "blocks": [{"repeat": {"n": 1000, "blocks": [{"pw": {"out": 8, "n": 100}}]}}],
            }
        )


@pytest.mark.parametrize("arch", [a.name for a in mbcost.list_archs()])
def test_every_builtin_round_trips_through_yaml(tmp_path, arch):
    table = mbcost.get_arch(arch).table
    path = _write(tmp_path, dump_yaml(table))
    again = load(path)
    assert again.to_dict() == table.to_dict()
    for impl in table.impls:
        for alpha, res in ((1.0, 224), (0.5, 160), (1.3, 97)):
            a = mbcost.analyze(table, alpha, res, impl=impl)
            b = mbcost.analyze(again, alpha, res, impl=impl)
            assert a.rows == b.rows


def test_table_yaml_output_loads_back(run, tmp_path):
    code, out, err = run("table", "v2", "--alpha", "0.5", "--format", "yaml")
    assert code == 0 and "ignores --alpha;" in err
    path = _write(tmp_path, out)
    code, out, _ = run("table", "--spec", path, "--alpha", "0.5", "--format", "json")
    assert code == 0 and json.loads(out)["totals"]["macs"] == 97_131_840


def test_spec_and_arch_together_is_a_usage_error(run, tmp_path):
    code, _, err = run("table", "v2", "--spec", "examples/cifar_mobilenet.yaml")
    assert code == 2 and "not both" in err


# Random valid tables: small conv / dw / pw / ds / ir / pool / linear stacks.
_act = st.sampled_from(["relu", "relu6", "hswish", "none"])
_width = st.integers(1, 48)
_block = st.one_of(
    st.builds(
        lambda k, s, o, a: {"conv": {"k": k, "s": s, "out": o, "act": a}},
        st.sampled_from([1, 3, 5]),
        st.integers(1, 2),
        _width,
        _act,
    ),
    st.builds(
        lambda k, s, m: {"dw": {"k": k, "s": s, "mult": m}},
        st.sampled_from([3, 5]),
        st.integers(1, 2),
        st.integers(1, 2),
    ),
    st.builds(lambda o: {"pw": {"out": o}}, _width),
    st.builds(
        lambda s, o, n: {"ds": {"s": s, "out": o, "n": n}},
        st.integers(1, 2),
        _width,
        st.integers(1, 2),
    ),
    st.builds(
        lambda t, o, s, k, se, n: {"ir": {"t": t, "out": o, "s": s, "k": k, "se": se, "n": n}},
        st.sampled_from([1, 2, 6]),
        _width,
        st.integers(1, 2),
        st.sampled_from([3, 5]),
        st.sampled_from([0, 0.25]),
        st.integers(1, 3),
    ),
    st.builds(  # EfficientNet's fields: SE of the block input, floored; repeats scale with depth
        lambda t, o, n: {
            "ir": {
                "t": t,
                "out": o,
                "n": n,
                "se": 0.25,
                "se_base": "input",
                "se_round": "floor",
                "se_gate": "sigmoid",
                "act": "swish",
                "depth": "scale",
            }
        },
        st.sampled_from([1, 6]),
        _width,
        st.integers(1, 3),
    ),
    st.builds(  # MobileNetV4's UIB in its four cases (an FFN cannot stride)
        lambda a, k, s, t, o, ls: {
            "uib": {"a": a, "k": k, "s": s if a or k else 1, "t": t, "out": o, "layer_scale": ls}
        },
        st.sampled_from([0, 3, 5]),
        st.sampled_from([0, 3, 5]),
        st.integers(1, 2),
        st.sampled_from([1, 2, 4]),
        _width,
        st.booleans(),
    ),
    st.builds(
        lambda k, s, t, o: {"fused": {"k": k, "s": s, "t": t, "out": o}},
        st.sampled_from([1, 3]),
        st.integers(1, 2),
        st.sampled_from([1, 4]),
        _width,
    ),
    st.builds(
        lambda h, d, v, o, kv: {
            "mqa": {"heads": h, "key_dim": d, "value_dim": v, "out": o, "kv_stride": kv}
        },
        st.integers(1, 4),
        st.integers(1, 16),
        st.integers(1, 16),
        _width,
        st.integers(1, 2),
    ),
)
TABLES = st.builds(
    lambda first, body, head, res, rounding, width_mult: {
        "name": "random",
        "resolution": res,
        "rounding": rounding,
        **({"width_mult": width_mult} if width_mult != 1 else {}),
        "blocks": [first, *body, {"pool": {"global": "avg"}}, {"linear": {"out": head}}],
    },
    st.builds(lambda o: {"conv": {"k": 3, "s": 2, "out": o}}, st.integers(8, 32)),
    st.lists(_block, max_size=6),
    st.integers(1, 100),
    st.integers(8, 64),
    st.sampled_from(["int", "divisible8", "floor"]),
    st.sampled_from([1, 1.1, 0.9]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(TABLES, st.sampled_from([0.5, 1.0, 1.25]), st.sampled_from([1.0, 1.5, 2.2]))
def test_random_tables_round_trip_with_identical_costs(tmp_path, data, alpha, depth):
    table = parse_table(data)
    path = _write(tmp_path, dump_yaml(table))
    again = load(path)
    if not table.scales_depth("paper"):
        depth = 1.0
    a, b = mbcost.analyze(again, alpha, depth=depth), mbcost.analyze(table, alpha, depth=depth)
    assert a.rows == b.rows


_json_value = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-10, 10**6)
    | st.floats(allow_nan=True)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
_keys = st.sampled_from(
    [
        "name",
        "resolution",
        "blocks",
        "rounding",
        "impls",
        "defaults",
        "k",
        "out",
        "conv",
        "ir",
        "repeat",
        "n",
        "t",
        "exp",
        "s",
        "se",
        "width",
        "pool",
        "global",
        "role",
        "se_base",
        "se_round",
        "se_act",
        "se_gate",
        "residual",
        "depth",
        "width_mult",
        "depth_mult",
    ]
)
_fuzz_dict = st.recursive(
    _json_value,
    lambda inner: st.dictionaries(_keys, inner, max_size=5) | st.lists(inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_fuzz_dict, st.sampled_from([0.5, 1.0]))
def test_fuzzed_tables_raise_only_mbcost_errors(data, alpha):
    try:
        table = parse_table(data)
        mbcost.analyze(table, alpha, 32)
    except MbcostError:
        pass


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=200))
def test_fuzzed_files_raise_only_spec_errors(tmp_path, text):
    path = _write(tmp_path, text)
    with contextlib.suppress(MbcostError):
        mbcost.analyze(load(path), resolution=16)


def test_library_reads_tables_with_load_table():
    path = Path(__file__).resolve().parent.parent / "examples" / "cifar_mobilenet.yaml"
    report = mbcost.analyze(mbcost.load_table(str(path)))
    assert report.inputs.arch == "cifar-mobilenet" and report.inputs.resolution == 32
    assert report.rows[-1].layer.out_f == 10
