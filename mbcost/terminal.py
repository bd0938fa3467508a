"""Text on its way to a terminal: names that cannot emit control sequences, and output that cannot
fail on a terminal or pipe whose encoding lacks ``·``, ``²`` or ``α``."""

from __future__ import annotations

import codecs
from typing import TextIO

# mbcost's own non-ASCII characters, spelled in ASCII for a stream that cannot encode them
ASCII_SPELLINGS = {
    "·": "*",
    "×": "x",
    "²": "^2",
    "α": "alpha",
    "β": "beta",
    "γ": "gamma",
    "ρ": "rho",
    "—": "--",
    "–": "-",
    "−": "-",
    "→": "->",
    "≥": ">=",
    "≠": "!=",
    "…": "...",
    "✓": "ok",
}
ERRORS = "mbcost-ascii"


def printable(text: str) -> str:
    """``text`` with every non-printable character (ESC, newline, other controls, bidi overrides)
    written as its Python escape, so that a name stays one visible line."""
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text
    )


def _spell_in_ascii(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: mbcost's characters in ASCII spelling, anything else as ``?``."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(ASCII_SPELLINGS.get(c, "?") for c in bad), error.end


codecs.register_error(ERRORS, _spell_in_ascii)


def ascii_fallback(stream: TextIO | None) -> None:
    """Make ``stream`` write characters its encoding lacks in ASCII spelling instead of raising
    ``UnicodeEncodeError`` halfway through the output (``PYTHONIOENCODING=ascii``, ``LC_ALL=C``
    without UTF-8 mode)."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors=ERRORS)
