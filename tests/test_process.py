"""Process-level promises: ``python -m mbcost`` works, the core path never imports torch, piped output
is plain text without rich or yaml loaded, and NO_COLOR is honoured."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

PROBE = (
    "import sys, runpy\n"
    "sys.argv = ['mbcost', *sys.argv[1:]]\n"
    "from mbcost.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "heavy = sorted(m for m in ('torch', 'fvcore', 'torchvision', 'timm', 'yaml', 'rich.console',"
    " 'rich.table', 'numpy', 'matplotlib') if m in sys.modules)\n"
    "sys.stderr.write('MODULES=' + ','.join(heavy) + '\\n')\n"
    "sys.exit(code)\n"
)


def _run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


def _modules(stderr: str) -> list[str]:
    line = next(x for x in stderr.splitlines() if x.startswith("MODULES="))
    return [m for m in line.removeprefix("MODULES=").split(",") if m]


@pytest.mark.parametrize(
    "args",
    [
        ["table", "--alpha", "0.5", "--res", "160"],
        ["table", "v3-large", "--format", "json"],
        ["compare", "standard", "depthwise"],
        ["archs"],
        ["sweep", "v1", "--alpha", "0.5,1", "--accuracy"],
        ["fit", "v1", "v2", "--max-macs", "150M"],
    ],
)
def test_piped_commands_import_no_torch_rich_or_yaml(args):
    result = _run(*args)
    assert result.returncode == 0, result.stderr
    assert _modules(result.stderr) == []
    assert "\x1b[" not in result.stdout


def test_python_dash_m_runs():
    result = subprocess.run(
        [sys.executable, "-m", "mbcost", "table", "v2", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert json.loads(result.stdout)["totals"]["macs"] == 300_774_272


def test_library_import_is_light():
    code = (
        "import sys, mbcost; mbcost.analyze('v3-small');"
        "print(sorted(m for m in ('click', 'rich', 'yaml', 'torch') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_no_color_on_a_terminal_gives_plain_text():
    pty = pytest.importorskip("pty")
    script = (
        "from mbcost.cli import main; import sys; sys.exit(main(['table', 'v1', '--by', 'role']))"
    )
    for env, expect_ansi in (({"TERM": "xterm-256color"}, True), ({"NO_COLOR": "1"}, False)):
        clean = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
        pid, fd = pty.fork()
        if pid == 0:  # child: stdout is the pseudo-terminal
            os.execve(sys.executable, [sys.executable, "-c", script], {**clean, **env})
        chunks = []
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        os.waitpid(pid, 0)
        out = b"".join(chunks).decode()
        assert "pointwise" in out
        assert ("\x1b[" in out) is expect_ansi, env
