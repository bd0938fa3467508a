"""Shared state of the verifier tests: one fvcore cache for the test run (a model is built once per
width and counted once per resolution), and few torch threads (CI machines are small)."""

from __future__ import annotations

import pytest

from mbcost.verify.run import Cache

try:
    import torch
except ImportError:  # without the [verify] extra every test module here skips itself
    pass
else:
    torch.set_num_threads(2)

CACHE = Cache()


@pytest.fixture(scope="session")
def cache() -> Cache:
    """The test run's fvcore cache."""
    return CACHE
