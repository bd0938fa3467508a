"""One verification end to end: expand the table, get the torch model, count it with fvcore, compare.

torch, fvcore and the reference libraries are imported only once ``require_torch()`` has passed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mbcost.archs import get_arch
from mbcost.errors import MbcostError, suggest
from mbcost.network import Network, build_network
from mbcost.plan import resolve_resolution
from mbcost.spec import Table
from mbcost.verify import require_torch
from mbcost.verify.compare import Setup, Verification, compare

AGAINST = ("reference", "table")


@dataclass
class Cache:
    """fvcore results keyed by what was counted, and the last model built: a grid that varies the
    resolution innermost builds each model once, and implementations that expand to the same layers
    are counted once."""

    counts: dict = field(default_factory=dict)
    last_model: tuple[Any, Any] = (None, None)  # (key, model)

    def model(self, key: Any, build: Callable[[], Any]) -> Any:
        """The model for ``key``, built unless it was the last one asked for."""
        if self.last_model[0] != key:
            self.last_model = (key, build())
        return self.last_model[1]


@dataclass(frozen=True)
class _Source:
    """Where the torch model comes from: its description, cache keys and builder."""

    description: str
    model_key: Any
    count_key: Any
    build: Callable[[], Any]


def verify(
    arch: str | Table,
    alpha: float = 1.0,
    resolution: int | None = None,
    rho: float | None = None,
    impl: str = "paper",
    against: str = "reference",
    cache: Cache | None = None,
    depth: float = 1.0,
) -> Verification:
    """Verify the engine on ``arch`` (a built-in name, or a ``Table`` with ``against="table"``).

    ``against="reference"``: the torchvision/timm model of the arch at width ``alpha``;
    ``against="table"``: a torch model generated from the engine's own expanded table.
    ``depth`` multiplies the repeats of the rows that scale with depth, in both.
    Raises ``MbcostError`` for bad input, or when torch, fvcore or the reference library is missing.
    """
    if against not in AGAINST:
        raise suggest(against, AGAINST, "'against' choice")
    table = get_arch(arch).table if isinstance(arch, str) else arch
    pixels = resolve_resolution(table.resolution, resolution, rho)
    network = build_network(table, alpha, pixels, impl, depth)
    source = _table_source(network) if against == "table" else _reference_source(network, arch)
    cache = cache or Cache()
    if source.count_key not in cache.counts:
        from mbcost.verify.count import count_with_fvcore

        model = cache.model(source.model_key, source.build)
        cache.counts[source.count_key] = count_with_fvcore(model, pixels, table.in_channels)
    setup = Setup(
        table.name, network.alpha, pixels, impl, against, source.description, network.depth
    )
    return compare(network, cache.counts[source.count_key], setup)


def _table_source(network: Network) -> _Source:
    require_torch()
    from mbcost.verify.build import build_model

    modules = tuple((r.name, r.layer, r.inputs) for r in network.layers)
    return _Source(
        f"generated from mbcost's {network.table.name} table ({network.impl} rules)",
        ("table", modules),
        ("table", modules, network.table.in_channels, network.resolution),
        lambda: build_model(network),
    )


def _reference_source(network: Network, arch: str | Table) -> _Source:
    if not isinstance(arch, str):
        raise MbcostError("a user table has no reference model; verify it with --against table")
    from mbcost.verify.reference import find_reference

    ref = find_reference(network)
    require_torch(ref.package)
    description = ref.describe(network.alpha, network.depth)
    if ref.impl != network.impl:
        description += f"; the {network.impl} rules build the same layers at this width"
    model_key = ("reference", ref.arch, ref.impl, network.alpha, network.depth)
    return _Source(
        description,
        model_key,
        (*model_key, network.resolution),
        lambda: ref.build(network.alpha, network.depth),
    )
