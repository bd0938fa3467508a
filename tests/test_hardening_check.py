"""``mbcost check``, budgets and baselines against the hostile inputs of the reliability report
(``shared/reports/reliability.md``): one test per report case, grouped by the report's classes.

Every hostile file is generated in ``tmp_path``. Torch factories run in a subprocess against stub
``torch`` / ``fvcore`` packages written there (what the report did), so these tests need no torch and
cannot leave user modules or stubs in this process's ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from mbcost import cli

V2 = '[[models]]\nname = "v2"\narch = "v2"\n'
V2_MACS = 300_774_272  # MobileNetV2 1.0 at 224, paper convention
V2_PARAMS = 3_470_760


def _write(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return str(path)


def _one_error(code: int, err: str, message: str) -> None:
    """Exit 2 with exactly one stderr line that contains ``message`` (and so no traceback)."""
    assert code == 2, err
    assert err.count("\n") == 1 and message in err, err


def _baseline(tmp_path: Path, models: object, version: object = 1) -> str:
    return _write(tmp_path, "base.json", json.dumps({"mbcost_baseline": version, "models": models}))


def _leftovers(tmp_path: Path) -> list[str]:
    return [p.name for p in tmp_path.rglob("*.tmp-*")]


STUB_FILES = {
    "torch/__init__.py": "from torch import nn\n",
    "torch/nn.py": "class Module:\n    pass\n",
    "fvcore/__init__.py": "",
    "fvcore/nn/__init__.py": "",
    "userpkg/__init__.py": "",
    "userpkg/exitimport.py": "import sys\nsys.exit(0)\n",
    "userpkg/factories.py": (
        "import sys\n"
        "class Odd(BaseException):\n    pass\n"
        "def exits0():\n    sys.exit(0)\n"
        "def exits3():\n    sys.exit(3)\n"
        "def odd():\n    raise Odd('first line\\nsecond line')\n"
        "def interrupted():\n    raise KeyboardInterrupt\n"
        "def text():\n    return 'not a module'\n"
    ),
}


@pytest.fixture
def torch_check(tmp_path):
    """``torch_check(target)`` -> (exit code, stdout, stderr) of ``mbcost check`` on one torch model,
    in a subprocess with the stub packages first on PYTHONPATH (stderr is a pipe, not a terminal)."""
    stubs = tmp_path / "stubs"
    for name, text in STUB_FILES.items():
        (stubs / name).parent.mkdir(parents=True, exist_ok=True)
        (stubs / name).write_text(text)

    def check(target: str) -> tuple[int, str, str]:
        text = f'[[models]]\nname = "m"\ntorch = "{target}"\nmax_macs = "1G"\n'
        config = _write(tmp_path, "t.toml", text)
        env = {**os.environ, "PYTHONPATH": str(stubs)}
        done = subprocess.run(
            [sys.executable, "-m", "mbcost", "check", "--config", config],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        return done.returncode, done.stdout, done.stderr

    return check


class TestWrongVerdict:
    """A: an unchanged model must pass its own baseline; options are honoured or refused."""

    def test_a1_baseline_above_2_53_is_exact(self, run, tmp_path):
        _write(
            tmp_path,
            "odd.yaml",
            "name: odd\nresolution: 1048575\nblocks:\n  - {conv: {k: 1, out: 4099}}\n",
        )
        config = _write(tmp_path, "odd.toml", V2.replace('arch = "v2"', 'spec = "odd.yaml"'))
        base = str(tmp_path / "odd-base.json")
        assert run("check", "--config", config, "--baseline", base, "--update-baseline")[0] == 0
        recorded = json.loads(Path(base).read_text())["models"]["v2"]["macs"]
        assert recorded == 13_520_668_698_095_625 > 2**53
        args = ("check", "--config", config, "--baseline", base, "--format", "json")
        for tolerance, allowed in (("0%", recorded), ("1%", recorded + recorded // 100)):
            code, out, err = run(*args, "--tolerance", tolerance)
            checks = {c["check"]: c for c in json.loads(out)["models"][0]["checks"]}
            assert (code, err) == (0, "")
            assert checks["baseline macs"]["limit"] == allowed
            assert checks["baseline macs"]["status"] == "pass"

    def test_a2_in_channels_is_honoured_and_validated(self, run, tmp_path):
        gray = V2 + 'in_channels = 1\nmax_macs = "295M"\n'
        code, out, _ = run(
            "check", "--config", _write(tmp_path, "g.toml", gray), "--format", "json"
        )
        measured = json.loads(out)["models"][0]["measured"]
        assert code == 0 and measured["macs"] == 293_548_928  # the single-channel table's count
        for bad in ("-1", '"x"', "0", "true", "1.5", "2097152"):
            text = gray.replace("in_channels = 1", f"in_channels = {bad}")
            code, _, err = run("check", "--config", _write(tmp_path, "b.toml", text))
            _one_error(code, err, "in_channels must be a positive integer up to 1048576")

    @pytest.mark.parametrize(
        "target,message",
        [
            ("userpkg.factories:exits0", "it called sys.exit(0)"),
            ("userpkg.factories:exits3", "it called sys.exit(3)"),
            ("userpkg.exitimport:f", "it called sys.exit(0)"),
            ("userpkg.factories:odd", "Odd: first line"),
        ],
    )
    def test_a4_factory_that_exits_never_passes(self, torch_check, target, message):
        code, out, err = torch_check(target)
        assert out == ""
        _one_error(code, err, f"model 'm': cannot build {target}: {message}")

    def test_a4_keyboard_interrupt_in_a_factory_is_an_interrupt(self, torch_check):
        code, out, err = torch_check("userpkg.factories:interrupted")
        assert code not in (0, 1, 2) and out == "" and "Traceback" not in err


class TestResources:
    """B: bounded reads of baselines, and writes that never replace what is not a regular file."""

    def test_b2_baseline_read_is_bounded_for_devices(self, run, tmp_path):
        config = _write(tmp_path, "m.toml", V2 + 'max_macs = "1G"\n')
        code, _, err = run("check", "--config", config, "--baseline", "/dev/zero")
        _one_error(code, err, "/dev/zero: the baseline is larger than 16 MiB")
        code, _, err = run("check", "--config", "/dev/zero")
        _one_error(code, err, "/dev/zero: the budget file is larger than 16 MiB")

    def test_b3_writes_refuse_symlinks_fifos_and_directories(self, run, tmp_path):
        config = _write(tmp_path, "m.toml", V2 + 'max_macs = "1M"\n')
        target = tmp_path / "real.json"
        target.write_text("keep")
        (tmp_path / "link.json").symlink_to(target)
        os.mkfifo(tmp_path / "fifo")
        (tmp_path / "dir").mkdir()
        for name, kind in (("link.json", "a symlink"), ("fifo", "a FIFO"), ("dir", "a directory")):
            path = str(tmp_path / name)
            code, _, err = run("check", "--config", config, "--baseline", path, "--update-baseline")
            _one_error(code, err, f"is {kind}")  # click itself refuses a directory (dir_okay=False)
            code, _, err = run("check", "--config", config, "--junit", path)
            assert code == 2 and f"is {kind}" in err.splitlines()[-1]
        code, _, err = run("check", "--config", config, "--junit", str(tmp_path / "fifo"))
        assert err.splitlines()[-1].endswith(
            "fifo: is a FIFO, not a regular file; refusing to replace it"
        )
        assert (tmp_path / "link.json").is_symlink() and target.read_text() == "keep"
        assert stat.S_ISFIFO(os.lstat(tmp_path / "fifo").st_mode)
        assert (tmp_path / "dir").is_dir() and not _leftovers(tmp_path)

    def test_b3_stale_temporary_file_is_neither_followed_nor_removed(self, run, tmp_path):
        config = _write(tmp_path, "m.toml", V2 + 'max_macs = "1G"\n')
        base = tmp_path / "base.json"
        stale = tmp_path / f"base.json.tmp-{os.getpid()}"
        stale.symlink_to(tmp_path / "elsewhere")
        code, _, err = run(
            "check", "--config", config, "--baseline", str(base), "--update-baseline"
        )
        _one_error(code, err, "cannot write: File exists")
        assert stale.is_symlink() and not (tmp_path / "elsewhere").exists() and not base.exists()
        stale.unlink()
        assert (
            run("check", "--config", config, "--baseline", str(base), "--update-baseline")[0] == 0
        )
        assert json.loads(base.read_text())["models"]["v2"]["macs"] == V2_MACS
        assert not _leftovers(tmp_path)


class TestNoTraceback:
    """C: hostile budget files, baselines and factories are one line each, exit 2."""

    def test_c2_budget_file_not_utf8(self, run, tmp_path, monkeypatch):
        code, _, err = run("check", "--config", _write(tmp_path, "bin.toml", b"\x95\xff" * 500))
        _one_error(code, err, "bin.toml: the budget file is not UTF-8 text (byte 0)")
        _write(
            tmp_path, "pyproject.toml", "[tool.mbcost]\nbaseline = 'caf\xe9'\n".encode("latin-1")
        )
        monkeypatch.chdir(tmp_path)
        code, _, err = run("check")
        _one_error(code, err, "pyproject.toml: the budget file is not UTF-8 text")

    def test_c3_baseline_not_utf8(self, run, tmp_path):
        config = _write(tmp_path, "m.toml", V2 + 'max_macs = "1G"\n')
        base = _write(tmp_path, "b.json", '{"models": {"caf\xe9": {}}}'.encode("latin-1"))
        code, _, err = run("check", "--config", config, "--baseline", base)
        _one_error(code, err, "b.json: the baseline is not UTF-8 text")

    @pytest.mark.parametrize(
        "text", ["[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000]
    )
    def test_c4_deeply_nested_baseline(self, run, tmp_path, text):
        config = _write(tmp_path, "m.toml", V2 + 'max_macs = "1G"\n')
        code, _, err = run(
            "check", "--config", config, "--baseline", _write(tmp_path, "d.json", text)
        )
        _one_error(code, err, "malformed baseline JSON: nested too deeply")

    @pytest.mark.parametrize("fmt", ["table", "json", "csv", "md"])
    def test_c5_huge_baseline_count_is_exact(self, run, tmp_path, fmt):
        config = _write(tmp_path, "m.toml", V2 + 'max_macs = "1G"\n')
        base = _baseline(tmp_path, {"v2": {"macs": 10**400}})
        code, out, err = run(
            "check", "--config", config, "--baseline", base, "--tolerance", "1%", "--format", fmt
        )
        assert (code, err) == (0, "") and "improved" in out.lower()
        if fmt == "json":
            checks = {c["check"]: c for c in json.loads(out)["models"][0]["checks"]}
            assert checks["baseline macs"]["limit"] == 10**400 + 10**398

    @pytest.mark.parametrize(
        "digits,message",
        [(5001, "malformed baseline JSON: Exceeds the limit"), (1001, "at most 1000 digits")],
    )
    def test_c6_baseline_count_with_too_many_digits(self, run, tmp_path, digits, message):
        config = _write(tmp_path, "m.toml", V2 + 'max_macs = "1G"\n')
        text = '{"mbcost_baseline": 1, "models": {"v2": {"macs": 1' + "0" * (digits - 1) + "}}}"
        code, _, err = run(
            "check", "--config", config, "--baseline", _write(tmp_path, "b.json", text)
        )
        _one_error(code, err, message)

    @pytest.mark.parametrize("fmt", ["table", "json", "csv", "md"])
    def test_c7_huge_limit_renders_exactly(self, run, tmp_path, fmt):
        config = _write(tmp_path, "m.toml", V2 + f'max_macs = "{"9" * 400}"\n')
        code, out, err = run("check", "--config", config, "--format", fmt)
        assert (code, err) == (0, "")
        assert ("9" * 400 if fmt in ("json", "csv") else ",".join(["999"] * 133)) in out

    @pytest.mark.parametrize(
        "option,message",
        [
            ("convention = [1]", "convention must be one of paper, fvcore, torch, got [1]"),
            ('convention = "flops"', "convention must be one of paper, fvcore, torch"),
            ("impl = 5", "impl must be one of paper, torchvision, timm, got 5"),
            ('alpha = "x"', "alpha must be a positive number"),
            ("alpha = true", "alpha must be a positive number"),
            ("alpha = 1e308", "alpha must be a positive number"),
            ("alpha = nan", "alpha must be a positive number"),
            ("rho = inf", "rho must be a positive number up to 1048576, got inf"),
            ("rho = 1e308", "rho must be a positive number up to 1048576"),
            ("rho = -0.5", "rho must be a positive number"),
            ("resolution = 1.5", "resolution must be a positive integer"),
            ("resolution = true", "resolution must be a positive integer"),
            ("resolution = 160\nrho = 0.5", "give resolution or rho, not both"),
        ],
    )
    def test_c13_model_options_are_validated_at_load(self, run, tmp_path, option, message):
        config = _write(tmp_path, "m.toml", V2 + option + '\nmax_macs = "1G"\n')
        code, out, err = run("check", "--config", config)
        assert out == ""
        _one_error(code, err, f"m.toml: models[0] (v2): {message}")

    def test_c17_factory_returning_a_non_module(self, torch_check):
        code, _, err = torch_check("userpkg.factories:text")
        _one_error(code, err, "userpkg.factories:text returned str, not a torch.nn.Module")


class TestExitCodes:
    """D: wrong values in a baseline, empty paths and combinations, hidden failures."""

    @pytest.mark.parametrize(
        "models,version,message",
        [
            ({"v2": {"macs": True}}, 1, "macs must be a non-negative integer"),
            ({"v2": {"macs": -1}}, 1, "macs must be a non-negative integer"),
            ({"v2": {"params": 1.5}}, 1, "params must be a non-negative integer"),
            ({"v2": {"macs": "300M"}}, 1, "macs must be a non-negative integer"),
            ({"v2": [1, 2]}, 1, "model 'v2' must map metrics to counts"),
            ({"v2": {"macs": 1}}, 99, "mbcost_baseline must be 1"),
            ({"v2": {"macs": 1}}, True, "mbcost_baseline must be 1"),
            ({"v2": {"macs": 1}}, None, "mbcost_baseline must be 1"),
        ],
    )
    def test_d1_baseline_values_are_strict(self, run, tmp_path, models, version, message):
        config = _write(tmp_path, "m.toml", V2 + 'max_macs = "1G"\n')
        code, _, err = run(
            "check", "--config", config, "--baseline", _baseline(tmp_path, models, version)
        )
        _one_error(code, err, message)

    def test_d2_empty_paths(self, run, tmp_path):
        config = _write(tmp_path, "m.toml", V2 + 'max_macs = "1G"\n')
        for option in ("--baseline", "--junit", "--config"):
            code, _, err = run("check", "--config", config, option, "")
            _one_error(code, err, f"{option} needs a file path, got ''")
        code, _, err = run("check", "--config", _write(tmp_path, "e.toml", 'baseline = ""\n' + V2))
        _one_error(code, err, "baseline must be a file path (a non-empty string), got ''")

    @pytest.mark.parametrize("extra", [["--junit", "ju.xml"], ["--tolerance", "1%"]])
    def test_d3_update_baseline_refuses_check_options(self, run, tmp_path, extra):
        config = _write(tmp_path, "m.toml", V2 + 'max_macs = "1G"\n')
        base = tmp_path / "b.json"
        code, _, err = run(
            "check", "--config", config, "--baseline", str(base), "--update-baseline", *extra
        )
        _one_error(code, err, "--update-baseline records counts and checks nothing")
        assert not base.exists() and not (Path.cwd() / "ju.xml").exists()

    def test_d5_unwritable_junit_does_not_hide_failures(self, run, tmp_path):
        config = _write(tmp_path, "m.toml", V2 + 'max_macs = "100M"\n')
        junit = tmp_path / "missing" / "j.xml"
        code, out, err = run("check", "--config", config, "--junit", str(junit))
        assert code == 2 and "FAIL" in out
        assert err.splitlines() == [
            f"FAIL v2: max_macs {V2_MACS:,} > limit 100,000,000",
            f"mbcost: error: {junit}: cannot write: No such file or directory",
        ]


class TestMessages:
    """E: torch messages and targets, TOML floats, discovery, JUnit, one unit per row."""

    def test_e1_torch_errors_are_one_line_and_name_check(self, run, tmp_path, monkeypatch):
        monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` raises ImportError
        monkeypatch.setitem(sys.modules, "fvcore.nn", None)
        config = _write(tmp_path, "t.toml", '[[models]]\ntorch = "pkg.mod:f"\nmax_macs = "1G"\n')
        code, _, err = run("check", "--config", config)
        _one_error(code, err, "model 'pkg.mod:f': torch models need torch and fvcore, which cannot")
        assert "mbcost verify" not in err
        for target in (":factory", "pkg:", "a:b:c", "1bad:f", "pkg.:f", "pkg.mod"):
            text = f'[[models]]\ntorch = "{target}"\nmax_macs = "1G"\n'
            code, _, err = run("check", "--config", _write(tmp_path, "t.toml", text))
            _one_error(code, err, f"torch must look like package.module:factory, got {target!r}")
        # refused at load, before torch is imported (an import would fail with another message)
        text = '[[models]]\ntorch = "pkg.mod:f"\nalpha = 0.5\nimpl = "timm"\nmax_macs = "1G"\n'
        code, _, err = run("check", "--config", _write(tmp_path, "t.toml", text))
        _one_error(
            code, err, "a torch model takes resolution, in_channels, convention, not alpha, impl"
        )

    def test_e1_progress_line_only_on_a_terminal_and_erased(self, capsys, monkeypatch):
        model = type("Model", (), {"source": "torch", "target": "pkg.mod:f"})()
        cli._progress(model)
        assert capsys.readouterr().err == ""  # captured stderr is not a terminal

        class Terminal:
            text = ""

            def isatty(self):
                return True

            def write(self, text):
                self.text += text

            def flush(self):
                pass

        terminal = Terminal()
        monkeypatch.setattr(sys, "stderr", terminal)
        monkeypatch.delenv("NO_COLOR", raising=False)
        monkeypatch.setenv("TERM", "xterm")
        cli._progress(model)
        cli._progress(None)
        assert terminal.text == "\r\033[Kmbcost: counting pkg.mod:f with fvcore ...\r\033[K"
        assert "\n" not in terminal.text

    @pytest.mark.parametrize(
        "limit,expected",
        [
            ("3.5e8", 350_000_000),
            ("1e20", 10**20),
            ("2e15", 2 * 10**15),
            (
                "1e23",
                "1e+23 is not exact as a TOML float (it reads as 99,999,999,999,999,991,611,392)",
            ),
            ("0.5", "a count must be a whole number, got 0.5"),
        ],
    )
    def test_e2_toml_float_limits_are_exact_or_refused(self, run, tmp_path, limit, expected):
        config = _write(tmp_path, "m.toml", V2 + f"max_macs = {limit}\n")
        code, out, err = run("check", "--config", config, "--format", "json")
        if isinstance(expected, str):
            _one_error(code, err, f"max_macs: {expected}")
        else:
            assert (code, err) == (0, "")
            assert json.loads(out)["models"][0]["checks"][0]["limit"] == expected

    @pytest.mark.parametrize(
        "pyproject,alone",
        [
            ("[tool\nmbcost = ", "pyproject.toml: malformed TOML"),
            (
                "[tool]\nmbcost = 5\n",
                "pyproject.toml: tool.mbcost must be a table ([tool.mbcost]), got int",
            ),
        ],
    )
    def test_e5_unusable_pyproject_does_not_hide_mbcost_toml(
        self, run, tmp_path, monkeypatch, pyproject, alone
    ):
        monkeypatch.chdir(tmp_path)
        _write(tmp_path, "pyproject.toml", pyproject)
        code, _, err = run("check")
        _one_error(code, err, alone)  # without mbcost.toml: why pyproject.toml was passed over
        _write(tmp_path, "mbcost.toml", V2 + 'max_macs = "1G"\n')
        code, out, _ = run("check", "--format", "json")
        assert code == 0 and json.loads(out)["config"] == "mbcost.toml"

    def test_e5_explicit_pyproject_with_odd_tool(self, run, tmp_path):
        config = _write(tmp_path, "pyproject.toml", "tool = 5\n")
        code, _, err = run("check", "--config", config)
        _one_error(code, err, "pyproject.toml: no [tool.mbcost] table")

    def test_e6_junit_stays_well_formed(self, run, tmp_path):
        junit = tmp_path / "j.xml"
        for name in (
            "a\x1bb",
            "a\x01b",
            "a\ufffeb",
            "a\u202eb",
        ):  # ESC, U+0001, a noncharacter, RLO
            config = _write(tmp_path, "m.toml", V2.replace('"v2"', json.dumps(name), 1))
            code, _, err = run("check", "--config", config, "--junit", str(junit))
            _one_error(code, err, "name must not contain control characters")
            assert not junit.exists()
        odd = "<a & \"b\" 'ü' 模型>"
        config = _write(
            tmp_path, "m.toml", V2.replace('"v2"', json.dumps(odd), 1) + 'max_macs = "1M"\n'
        )
        assert run("check", "--config", config, "--junit", str(junit))[0] == 1
        case = ET.parse(junit).getroot().find("testsuite/testcase")
        assert case.get("name") == odd and odd in case.find("failure").get("message")

    @pytest.mark.parametrize("fmt", ["table", "md"])
    def test_e7_one_unit_per_row(self, run, tmp_path, fmt):
        text = '[[models]]\narch = "v1"\nalpha = 0.25\nresolution = 128\nmax_params = "1G"\n'
        code, out, _ = run("check", "--config", _write(tmp_path, "m.toml", text), "--format", fmt)
        row = next(line for line in out.splitlines() if "max_params" in line)
        assert code == 0
        # 463,600 params (the paper: 0.5M): exact integers, the same unit for measured, limit and headroom
        assert "463,600" in row and "1,000,000,000" in row and "999,536,400" in row
        assert "(K)" not in out and "(M)" not in out and "(G)" not in out


class TestCosmetic:
    """F: names cannot forge lines; number parsing is strict."""

    def test_f1_names_cannot_forge_fail_or_annotation_lines(self, run, tmp_path, monkeypatch):
        for name in ("a\nFAIL fake", "a\rb", "a\u2028b"):
            config = _write(tmp_path, "m.toml", V2.replace('"v2"', json.dumps(name), 1))
            code, _, err = run("check", "--config", config)
            _one_error(code, err, "name must not contain control characters or line breaks")
        nameless = (
            '[[models]]\nspec = "a\\nFAIL b.yaml"\nmax_macs = "1G"\n'  # the name defaults to it
        )
        code, _, err = run("check", "--config", _write(tmp_path, "m.toml", nameless))
        _one_error(code, err, "'spec' must not contain control characters")
        monkeypatch.setenv("GITHUB_ACTIONS", "true")
        config = _write(tmp_path, "m.toml", V2.replace('"v2"', '"50%0A::error::forged"', 1))
        Path(config).write_text(Path(config).read_text() + 'max_macs = "1M"\n')
        code, _, err = run("check", "--config", config)
        assert code == 1
        assert err == (
            f"::error title=mbcost budget::50%250A::error::forged: max_macs {V2_MACS:,} > limit "
            "1,000,000\n"
        )

    @pytest.mark.parametrize(
        "limit", ["1__0", "1_000_", "_1", "1._5", "3.5m", "300k", "１０M", "1e6", "0x10", "1,000"]
    )
    def test_f2_lenient_limits_are_refused(self, run, tmp_path, limit):
        config = _write(tmp_path, "m.toml", V2 + f'max_macs = "{limit}"\n')
        code, _, err = run("check", "--config", config)
        assert code == 2 and err.count("\n") == 1 and "max_macs: " in err

    @pytest.mark.parametrize("tolerance", ["５%", "1_0%", "1e1%", "0x1%", "+1%", "1%%", "1.%"])
    def test_f2_lenient_tolerances_are_refused(self, run, tmp_path, tolerance):
        config = _write(tmp_path, "m.toml", V2 + 'max_macs = "1G"\n')
        code, _, err = run("check", "--config", config, "--tolerance", tolerance)
        _one_error(code, err, "--tolerance must be a percentage like 1% or 0.5%")

    def test_f2_plain_forms_still_parse(self, run, tmp_path):
        text = V2 + 'max_macs = "300_774_272"\nmax_params = "3.47076 M"\n'
        config = _write(tmp_path, "m.toml", "tolerance = 0.5\n" + text)
        code, out, _ = run("check", "--config", config, "--format", "json")
        doc = json.loads(out)
        assert code == 0 and doc["tolerance"] == 0.005
        assert [c["limit"] for c in doc["models"][0]["checks"]] == [V2_MACS, V2_PARAMS]
