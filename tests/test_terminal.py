"""The rich table on a real terminal (a pseudo-terminal of 80 and 40 columns, or ``COLUMNS=40``) fits
its width and never cuts a number: every number it shows is a whole number of the plain output, the
columns that are never hidden show all of theirs, and ``--wide`` shows every column and number.

Every terminal run starts at once, in one module fixture, so the file takes about as long as its
slowest command.
"""

from __future__ import annotations

import fcntl
import os
import re
import selectors
import struct
import sys
import termios
from pathlib import Path

import pytest

from mbcost.cli import main
from mbcost.render import rich, text
from mbcost.render.sheet import human_cells

pty = pytest.importorskip("pty")

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = [
    ("table", "--alpha", "0.5", "--res", "160"),
    ("table", "v3-large"),
    ("table", "v1-conv"),
    ("table", "v1", "--res", "512"),
    ("compare", "standard", "depthwise"),
    ("archs",),
    ("fit", "v1", "v2", "v3-small", "--max-macs", "150M", "--max-params", "3M"),
    ("sweep", "v2", "--alpha", "0.35,1.4", "--res", "96,224", "--accuracy"),
    ("table", "v2", "--device", "pixel1"),
    ("devices",),
    ("check", "--config", "examples/budgets.toml"),
]
SIZES = {"80": (80, {}), "40": (40, {}), "COLUMNS=40": (80, {"COLUMNS": "40"})}
RUNS = [(args, size) for args in COMMANDS for size in ("80", "40")] + [
    (COMMANDS[0], "COLUMNS=40"),
    (COMMANDS[-1], "COLUMNS=40"),
]
WIDE = [COMMANDS[0], COMMANDS[4], COMMANDS[5]]  # at 40 columns
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
CARRIAGE = re.compile(r"[^\n]*\r")  # what a carriage return sends back over, as a terminal shows it
BOX = set("│┃━─┏┓┗┛┡┩└┘├┤┼╇┳┻┬┴")
PLAIN_RULE = re.compile(r"-+(?: +-+)*")


def _spawn(args: tuple[str, ...], columns: int, env: dict[str, str]) -> tuple[int, int]:
    """``python -m mbcost ARGS`` on a new pseudo-terminal of ``columns`` x 50 cells."""
    pid, fd = pty.fork()
    if pid == 0:  # child: stdin, stdout and stderr are the terminal
        try:
            fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
            os.chdir(ROOT)
            os.execve(sys.executable, [sys.executable, "-m", "mbcost", *args], env)
        finally:
            os._exit(127)
    return pid, fd


def _read_all(fds: dict[int, object]) -> dict[object, str]:
    """Everything each terminal printed until its process closed it, read side by side."""
    chunks: dict[int, list[bytes]] = {fd: [] for fd in fds}
    with selectors.DefaultSelector() as selector:
        for fd in fds:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            for key, _ in selector.select():
                try:
                    data = os.read(key.fd, 65536)
                except OSError:  # EIO: the child has exited and closed its side
                    data = b""
                if data:
                    chunks[key.fd].append(data)
                else:
                    selector.unregister(key.fd)
                    os.close(key.fd)
    return {
        run: CARRIAGE.sub("", ANSI.sub("", b"".join(chunks[fd]).decode()).replace("\r\n", "\n"))
        for fd, run in fds.items()
    }


@pytest.fixture(scope="module")
def terminal() -> dict[tuple, str]:
    """(ARGS, size) -> what the terminal showed, escapes stripped, for every run in RUNS and WIDE."""
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")}
    base["TERM"] = "xterm-256color"
    runs = [(args, size, args) for args, size in RUNS]
    runs += [((*args, "--wide"), "40", args) for args in WIDE]
    fds, pids = {}, []
    for args, size, _ in runs:
        columns, extra = SIZES[size]
        pid, fd = _spawn(args, columns, {**base, **extra})
        fds[fd] = (args, size)
        pids.append(pid)
    shown = _read_all(fds)
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    return shown


def _plain(args: tuple[str, ...], capsys, monkeypatch) -> tuple[str, list]:
    """The plain output of ARGS (stdout is not a terminal here) and the sheets it drew."""
    sheets = []
    draw = text.render
    monkeypatch.setattr(text, "render", lambda s, stream: (sheets.extend(s), draw(s, stream)))
    monkeypatch.chdir(ROOT)
    assert main(list(args)) == 0
    return capsys.readouterr().out, sheets


def _numbers(s: str) -> set[str]:
    return set(NUMBER.findall(s))


def _essential_numbers(sheets: list) -> set[str]:
    """The numbers in the columns a narrow terminal never hides."""
    found = set()
    for sheet in sheets:
        _, rows, footer = human_cells(sheet)
        body = rows + ([footer] if footer else [])
        kept = [j for j, c in enumerate(sheet.columns) if j == 0 or c.key not in rich.DROP_ORDER]
        found |= {n for cells in body for j in kept for n in _numbers(cells[j])}
    return found


@pytest.mark.parametrize(("args", "size"), RUNS, ids=[f"{' '.join(a)}@{s}" for a, s in RUNS])
def test_a_terminal_table_fits_and_cuts_no_number(terminal, capsys, monkeypatch, args, size):
    plain, sheets = _plain(args, capsys, monkeypatch)
    shown = terminal[args, size]
    width = 40 if size != "80" else 80
    assert "…" not in shown
    assert _numbers(shown) <= _numbers(plain), "a number was cut"
    assert _essential_numbers(sheets) <= _numbers(shown)
    lines = shown.splitlines()
    assert all(len(line) <= width for line in lines if BOX & set(line))
    if not any(PLAIN_RULE.fullmatch(line) for line in lines):  # no fallback to the plain layout
        assert max(len(line) for line in lines) <= width


@pytest.mark.parametrize("args", WIDE, ids=[" ".join(a) for a in WIDE])
def test_wide_shows_every_column_and_number(terminal, capsys, monkeypatch, args):
    plain, sheets = _plain(args, capsys, monkeypatch)
    shown = terminal[(*args, "--wide"), "40"]
    assert "…" not in shown
    assert _numbers(shown) == _numbers(plain)
    for sheet in sheets:
        headers, _, _ = human_cells(sheet)
        assert all(header in shown for header in headers)
    assert "hidden" not in shown


def test_wide_leaves_piped_output_alone(capsys, monkeypatch):
    args = COMMANDS[0]
    assert _plain((*args, "--wide"), capsys, monkeypatch)[0] == _plain(args, capsys, monkeypatch)[0]
