"""Shared fixtures: running the CLI in-process and golden-file comparison."""

from __future__ import annotations

from pathlib import Path

import pytest

from mbcost.cli import main

GOLDEN = Path(__file__).parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="rewrite tests/golden/* from the current output",
    )


@pytest.fixture
def run(capsys):
    """``run(*args)`` -> (exit code, stdout, stderr) of ``mbcost args`` run in-process."""

    def invoke(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


@pytest.fixture
def golden(request):
    """``golden(name, text)`` asserts ``text`` equals tests/golden/<name> (or rewrites it)."""

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if request.config.getoption("--update-goldens"):
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"missing golden {path}; run pytest --update-goldens"
        assert text == path.read_text(encoding="utf-8")

    return check
