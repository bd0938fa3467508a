"""A progress bar on stderr for long runs: only on a colour terminal, only once a run has taken
longer than ``delay`` seconds, and gone when it ends (piped runs never see an escape code)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from mbcost.render import wants_colour

Advance = Callable[..., None]  # advance(steps=1, description=None)


@contextmanager
def progress_bar(total: int, description: str, delay: float = 1.0) -> Iterator[Advance]:
    """Yield ``advance(steps=1, description=None)``; rich is imported only if a bar is shown."""
    if not wants_colour(sys.stderr):
        yield lambda steps=1, description=None: None
        return
    started = time.perf_counter()
    state: dict = {"done": 0, "bar": None, "task": None}

    def advance(steps: int = 1, text: str | None = None) -> None:
        state["done"] += steps
        bar = state["bar"]
        if bar is None:
            if time.perf_counter() - started < delay:
                return
            from rich.console import Console
            from rich.progress import Progress

            bar = state["bar"] = Progress(console=Console(stderr=True), transient=True)
            bar.start()
            state["task"] = bar.add_task(description, total=total)
        bar.update(state["task"], completed=state["done"], description=text or description)

    try:
        yield advance
    finally:
        if state["bar"] is not None:
            state["bar"].stop()
