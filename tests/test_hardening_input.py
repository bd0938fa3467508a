"""One test per case of the adversarial reliability report (/work/shared/reports/reliability.md) that
concerns input files, the process around ``main()``, number formatting, ``compare``'s options and
the JSON/YAML outputs. Each docstring names its case."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mbcost.errors import SpecError
from mbcost.loading import MAX_FILE_BYTES, load
from mbcost.render.sheet import Column, Sheet, count_unit, human_cells

HEAD = "name: t\nresolution: 32\nblocks:\n"


def _write(tmp_path: Path, text: str, name: str = "net.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _process(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    """``python -m mbcost args`` as its own process (real stdout, real signals), bytes captured."""
    kwargs.setdefault("stdout", subprocess.PIPE)
    return subprocess.run(
        [sys.executable, "-m", "mbcost", *args],
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
        check=False,
        **kwargs,
    )


def _one_error_line(err: str) -> str:
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("mbcost: error: "), err
    return err


class TestTableFiles:
    @pytest.mark.parametrize(
        "name,text,where,key",
        [
            (
                "d.yaml",
                "name: t\nresolution: 32\nresolution: 64\nblocks: []\n",
                ":3:",
                "resolution",
            ),
            ("d.yaml", HEAD + "  - {conv: {k: 3, out: 32, out: 64}}\n", ":4:", "out"),
            (
                "d.json",
                '{"name": "t",\n "name": "u", "resolution": 32, "blocks": []}\n',
                ":2:",
                "name",
            ),
        ],
    )
    def test_a5_duplicate_keys_are_an_error_naming_line_and_key(
        self, tmp_path, name, text, where, key
    ):
        path = _write(tmp_path, text, name)
        with pytest.raises(SpecError, match=rf"{where} malformed YAML/JSON: duplicate key '{key}'"):
            load(path)

    def test_a5_a_merge_key_may_still_be_overridden(self, tmp_path):
        text = HEAD + "  - {conv: &c {k: 3, out: 8}}\n  - {conv: {<<: *c, out: 16}}\n"
        assert load(_write(tmp_path, text)).blocks[1].fields == {"k": 3, "out": 16}

    def test_b1_alias_bomb_is_refused_in_well_under_a_second(self, tmp_path):
        lines = [HEAD + "  - &b0 {conv: {k: 1, out: 8}}"]
        for i in range(1, 8):  # 10**7 blocks from a 594-byte file
            refs = ",".join([f"*b{i - 1}"] * 10)
            lines.append(f"  - &b{i} {{repeat: {{n: 1, blocks: [{refs}]}}}}")
        path = _write(tmp_path, "\n".join(lines) + "\n")
        start = time.perf_counter()
        with pytest.raises(SpecError, match="more than 1,000,000 values"):
            load(path)
        assert time.perf_counter() - start < 0.5

    @pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
    def test_b2_the_size_limit_holds_for_devices_and_pipes(self, tmp_path):
        with pytest.raises(SpecError, match="/dev/zero: file is larger than 16 MiB"):
            load("/dev/zero")
        fifo = tmp_path / "pipe"
        os.mkfifo(fifo)
        writer = subprocess.Popen(
            [sys.executable, "-c", f"open({str(fifo)!r}, 'wb').write(b'#' * {MAX_FILE_BYTES + 2})"],
            stderr=subprocess.DEVNULL,
        )
        with pytest.raises(SpecError, match="file is larger than 16 MiB"):
            load(str(fifo))
        writer.kill()
        writer.wait()

    def test_c1_recursive_alias_is_one_error(self, tmp_path):
        path = _write(
            tmp_path, "name: t\nresolution: 32\nblocks: &x\n  - {repeat: {n: 1, blocks: *x}}\n"
        )
        with pytest.raises(SpecError, match=r":3: a YAML alias refers to a node that contains it"):
            load(path)


class TestProcess:
    @pytest.mark.skipif(sys.platform == "win32", reason="POSIX file descriptors")
    def test_c14_closed_stdout_is_one_error(self):
        result = _process("table", stdout=None, preexec_fn=lambda: os.close(1))
        assert result.returncode == 2
        assert result.stderr.decode() == "mbcost: error: standard output is closed\n"

    @pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
    @pytest.mark.parametrize("args", [["table", "--format", "json"], ["--help"]])
    def test_c15_full_disk_is_one_error(self, args):
        with open("/dev/full", "w") as full:
            result = _process(*args, stdout=full)
        assert result.returncode == 2
        err = result.stderr.decode()
        assert err == "mbcost: error: cannot write output: No space left on device\n"

    def test_c16_ascii_only_stdout_spells_symbols_in_ascii(self):
        result = _process("compare", "standard", "depthwise", env={"PYTHONIOENCODING": "ascii"})
        assert result.returncode == 0, result.stderr
        out = result.stdout.decode("ascii")
        assert "D_K*D_K*M*N*D_F*D_F = 3*3*512*512*14*14" in out and "1/D_K^2" in out
        result = _process(
            "compare", "standard", "--format", "json", env={"PYTHONIOENCODING": "ascii"}
        )
        assert "\\u00b7" in result.stdout.decode("ascii")  # JSON escapes it, exactly
        part = json.loads(result.stdout)["kinds"][0]["parts"][0]
        assert part["macs_formula"].startswith("D_K·D_K")

    def test_d4_sigint_exits_130(self):
        script = (
            "import os, signal, sys, mbcost\n"
            "from mbcost.cli import main\n"
            "def interrupted(*args, **kwargs):\n"
            "    os.kill(os.getpid(), signal.SIGINT)\n"
            "    signal.pause()\n"
            "mbcost.analyze = interrupted\n"
            "sys.exit(main())\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", script, "table"], capture_output=True, text=True, check=False
        )
        assert result.returncode == 130
        assert result.stderr.strip() == "mbcost: interrupted"

    def test_e3_bare_mbcost_prints_the_help_and_exits_0(self):
        result = _process()
        assert result.returncode == 0 and result.stderr == b""
        assert b"Commands:" in result.stdout and b"table" in result.stdout

    def test_e4_usage_and_input_errors_share_one_prefix(self, run):
        code, _, usage = run("table", "--bogus")
        assert code == 2 and _one_error_line(usage).endswith("(see 'mbcost table --help')\n")
        code, _, engine = run("table", "v9")
        assert code == 2 and _one_error_line(engine)

    def test_d2_an_empty_arch_is_an_error_not_v1(self, run):
        code, out, err = run("table", "")
        assert code == 2 and out == ""
        assert "unknown architecture ''" in _one_error_line(err)

    def test_f1_control_characters_never_reach_the_terminal(self, run, tmp_path):
        code, _, err = run("table", "v2\n\x1b[31m")
        assert code == 2 and "'v2\\n\\x1b[31m'" in _one_error_line(err)
        code, _, err = run("compare", "sta\x1bndard")
        assert code == 2 and "\x1b" not in _one_error_line(err)
        path = _write(
            tmp_path,
            'name: "a\\e[31mRED\\e[0m\\nnewline"\nresolution: 8\n'
            "blocks:\n  - {conv: {k: 1, out: 8}}\n",
        )
        for fmt in ("table", "md"):
            code, out, _ = run("table", "--spec", path, "--format", fmt)
            assert code == 0 and "\x1b" not in out and "a\\x1b[31mRED\\x1b[0m\\nnewline" in out


def _sheet(*values) -> Sheet:
    columns = (Column("macs", "MACs", "count"), Column("share", "%", "percent"))
    return Sheet("t", [], columns, [(v, 100.0) for v in values])


class TestNumbers:
    def test_a6_counts_print_their_exact_digits(self):
        headers, rows, _ = human_cells(_sheet(113_145 * 10**45 + 1_024_000, 10**9))
        assert headers[0] == "MACs (G)"
        assert rows[0][0] == f"{113_145 * 10**36:,}.00"  # float division printed ...992744842...
        assert rows[1][0] == "1.00"

    def test_a6_rounding_is_exact_half_to_even(self):
        _, rows, _ = human_cells(_sheet(1_015, 1_025, 1_035, 1_000_005))
        assert [r[0] for r in rows] == ["1.02", "1.02", "1.04", "1,000.00"]  # K

    def test_c7_c8_counts_beyond_float_range_do_not_overflow(self, run, tmp_path):
        assert count_unit([10**400]) == (10**9, "G")
        _, rows, _ = human_cells(_sheet(10**400))
        assert rows[0][0] == f"{10**391:,}.00"
        budget = tmp_path / "b.toml"
        budget.write_text(f'[[models]]\nname = "m"\narch = "v2"\nmax_macs = "{"9" * 400}"\n')
        code, out, err = run("check", "--config", str(budget))
        assert code == 0 and "Traceback" not in err and "9,999,999,999" in out

    def test_c11_ratio_and_percent_cells_never_convert_huge_ints(self):
        from fractions import Fraction

        columns = (Column("r", "x first", "ratio"), Column("p", "%", "percent"))
        _, rows, _ = human_cells(Sheet("t", [], columns, [(Fraction(10**400, 3), 0.125)]))
        assert rows[0] == [f"{10**400 // 3:,}.3333", "0.12"]


class TestCompareAndScalingOptions:
    @pytest.mark.parametrize(
        "args,message",
        [
            (["--rho", "inf"], "Invalid value for '--rho'"),
            (["--rho", "1e400"], "Invalid value for '--rho'"),
            (["--alpha", "1e308"], "Invalid value for '--alpha'"),
            (["--k", "99999999999999999999"], "Invalid value for '--k'"),
            (["--expansion", str(2**20 + 1)], "Invalid value for '--expansion'"),
            (["--alpha", "1000", "--m", "2000"], "alpha*M = 2000000 is more than 1048576"),
            (["--rho", "1000", "--df", "2000"], "rho*D_F = 2000000 is more than 1048576"),
        ],
    )
    def test_c10_c11_compare_bounds_every_option(self, run, args, message):
        code, out, err = run("compare", "standard", "inverted", *args)
        assert code == 2 and out == ""
        assert message in _one_error_line(err)

    @pytest.mark.parametrize(
        "args", [["--res", str(2**20 + 1)], ["--res", "9" * 23], ["--alpha", "1e300"]]
    )
    def test_a6_c8_table_scaling_options_have_upper_bounds(self, run, args):
        code, _, err = run("table", *args)
        assert code == 2 and "Invalid value for" in _one_error_line(err)

    def test_f3_even_and_large_kernels_follow_the_padding_rule(self, run):
        """Decision: documented, not refused: p = k//2 as in a layer table and PyTorch."""
        code, out, _ = run("compare", "standard", "--k", "2", "--format", "json")
        assert code == 0 and json.loads(out)["kinds"][0]["parts"][0]["out_shape"]["h"] == 15
        code, out, _ = run("compare", "standard", "--k", "15", "--format", "json")
        assert code == 0 and json.loads(out)["kinds"][0]["parts"][0]["out_shape"]["h"] == 14


class TestOutputs:
    def test_f4_yaml_output_names_every_ignored_option(self, run):
        code, out, err = run(
            "table",
            "v2",
            "--impl",
            "timm",
            "--convention",
            "fvcore",
            "--by",
            "role",
            "--format",
            "yaml",
        )
        assert code == 0 and out.startswith("name: v2")
        assert err == (
            "note: --format yaml writes the layer table itself and ignores --impl, --convention, "
            "--by; pass them when you use the table\n"
        )

    def test_f5_json_has_one_line_per_row_and_exact_integers(self, run, tmp_path):
        path = _write(
            tmp_path, "name: t\nresolution: 1048576\nblocks:\n  - {conv: {k: 1, out: 1048576}}\n"
        )
        code, out, _ = run("table", "--spec", path, "--format", "json")
        doc = json.loads(out)
        assert code == 0 and doc["totals"]["macs"] == 3 * 2**60
        rows = [line for line in out.splitlines() if line.startswith('    {"index"')]
        assert len(rows) == len(doc["rows"])
