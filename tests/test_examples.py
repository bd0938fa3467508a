"""Every example runs."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
COMMANDS = [
    line
    for line in (EXAMPLES / "commands.sh").read_text(encoding="utf-8").splitlines()
    if line.startswith("mbcost ")
]


@pytest.mark.parametrize("line", COMMANDS)
def test_example_command_runs(run, line):
    code, out, err = run(*shlex.split(line)[1:])
    assert code == 0, err
    assert out


def test_width_for_budget_example_finds_the_readme_grid_point():
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "width_for_budget.py"), "--budget", "100M"],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:]}
    assert rows["128"][1] == "1.00"  # V2 1.0 at 128 costs 99M (TF README grid)
