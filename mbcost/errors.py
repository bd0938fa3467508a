"""The error types of mbcost: each one renders as a single line that names where the problem is."""

from __future__ import annotations


class MbcostError(Exception):
    """Base class for every error mbcost reports to a user (the CLI exits 2 on these)."""


class SpecError(MbcostError):
    """A layer table (built-in or user file) is malformed.

    ``where`` is a prefix such as ``mynet.yaml:7: block 3 (ir)``; the message says what was found and what
    is allowed.
    """

    def __init__(self, message: str, where: str = "") -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


class ShapeError(MbcostError):
    """A feature map collapses (or a kernel outgrows its input) at a named layer."""


class UnknownNameError(MbcostError):
    """An unknown architecture, implementation, convention or kind, with the closest valid name."""


class BudgetConfigError(MbcostError):
    """A budget file or baseline is malformed."""


def suggest(name: str, choices: list[str] | tuple[str, ...], what: str) -> UnknownNameError:
    """Build an error for an unknown ``name`` that lists the choices and suggests the closest one."""
    import difflib

    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return UnknownNameError(f"unknown {what} '{name}' (choose from {', '.join(choices)}){hint}")
