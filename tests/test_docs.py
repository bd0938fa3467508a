"""The documentation is pinned to the tool: every command documented, every README command runs, CI runs
the README's test command, and the package version is declared once."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import tomllib
from pathlib import Path

import pytest

import mbcost
from mbcost.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
NEEDS_TORCH = {"verify", "bench"}
HAS_TORCH = importlib.util.find_spec("torch") is not None and (
    importlib.util.find_spec("fvcore") is not None
)


def _readme_commands() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.DOTALL)
    return [
        line.strip()
        for block in blocks
        for line in block.splitlines()
        if line.strip().startswith("mbcost ")
    ]


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_is_documented_in_readme(command):
    assert f"### `mbcost {command}" in README


@pytest.mark.parametrize("line", _readme_commands())
def test_readme_commands_run(run, line, tmp_path):
    args = shlex.split(line.split("#")[0].split(" > ")[0])[1:]  # output redirection is the shell's
    if args[0] in NEEDS_TORCH and not HAS_TORCH:
        pytest.skip("needs the [verify] extra")
    if "--plot" in args:  # drawn into a temporary directory, never over the repository's docs/
        if importlib.util.find_spec("matplotlib") is None:
            pytest.skip("needs the [plot] extra")
        i = args.index("--plot") + 1
        args[i] = str(tmp_path / Path(args[i]).name)
    code, _, err = run(*args)
    assert code == 0, err


def test_readme_gives_two_fresh_machine_commands_and_ci_runs_the_test_one():
    blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.DOTALL)
    install_and_run, install_and_test = blocks[0].strip(), blocks[1].strip()
    assert install_and_run.endswith("mbcost table --alpha 0.5 --res 160")
    assert install_and_test.endswith("python -m pytest")
    assert install_and_test in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_version_is_declared_once():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["version"] == mbcost.__version__


def test_ci_has_the_verify_extra():
    """In CI the verifier's tests must run, not skip."""
    if os.environ.get("CI") != "true":
        pytest.skip("only enforced in CI")
    assert HAS_TORCH, "CI must install the [verify] extra"


def test_changelog_keeps_an_unreleased_section():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in changelog and "Keep a Changelog" in changelog
