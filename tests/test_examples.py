"""Every example runs."""

from __future__ import annotations

import json
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


def _mbcost_lines(path: Path) -> list[str]:
    """The mbcost commands a CI workflow or hook configuration runs."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = []

    def walk(value):
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in ("run", "entry") and str(inner).startswith("mbcost "):
                    found.append(inner)
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(data)
    return found


@pytest.mark.parametrize("config", ["github/mbcost.yml", "pre-commit-config.yaml"])
def test_ci_examples_run_their_budget_check(run, config, tmp_path, monkeypatch):
    lines = _mbcost_lines(EXAMPLES / config)
    assert lines
    monkeypatch.chdir(EXAMPLES.parent)
    for line in lines:
        args = [a if a != "mbcost-junit.xml" else str(tmp_path / a) for a in shlex.split(line)[1:]]
        code, _, err = run(*args)
        assert code == 0, err


def test_torch_budget_example(run):
    pytest.importorskip("torchvision")
    pytest.importorskip("fvcore")
    code, out, err = run(
        "check", "--config", str(EXAMPLES / "budgets-torch.toml"), "--format", "json"
    )
    assert code == 0, err
    checks = {c["check"]: c["measured"] for c in json.loads(out)["models"][0]["checks"]}
    assert checks == {"max_macs": 300_774_272, "max_params": 3_470_760}  # equals the engine's v2
