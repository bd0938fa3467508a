"""``verify --all``: every built-in × implementation × a grid of widths and resolutions.

Each built-in is checked against a torch model generated from its own table under every implementation
it has, and against the torchvision / timm model wherever one follows that implementation. fvcore
results are cached by what was built, so implementations that expand to the same layers (all three of
V2's, for instance) are counted once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from mbcost.archs import get_arch, list_archs
from mbcost.verify.compare import Verification
from mbcost.verify.reference import REFERENCES
from mbcost.verify.run import Cache, verify

WIDTHS = (0.35, 0.5, 0.75, 1.0, 1.4)  # the V2/V3 grid of the TF model READMEs (and 1.4)
V1_WIDTHS = (0.25, 0.5, 0.75, 1.0, 1.25)  # the V1 paper's widths, and timm's mobilenetv1_125
RESOLUTIONS = (224, 192, 160, 128, 96, 200, 150)  # the README grid plus two not multiples of 32


@dataclass(frozen=True, slots=True)
class Config:
    """One verification of the grid."""

    arch: str
    impl: str
    against: str
    alpha: float
    resolution: int


def grid(archs: tuple[str, ...] = ()) -> Iterator[Config]:
    """The configurations of ``--all`` for ``archs`` (default: every built-in)."""
    names = [get_arch(a).name for a in archs] or [a.name for a in list_archs()]
    for name in names:
        table = get_arch(name).table
        widths = V1_WIDTHS if name.startswith("v1") else WIDTHS
        for impl in table.impls:
            for against in ("table", "reference"):
                if against == "reference" and (name, impl) not in REFERENCES:
                    continue
                for alpha in widths:
                    for resolution in RESOLUTIONS:
                        yield Config(name, impl, against, alpha, resolution)


def verify_all(
    configs: list[Config], progress: Callable[[Config], None] | None = None
) -> list[Verification]:
    """Verify every configuration in order; ``progress`` is called after each one."""
    cache = Cache()
    results = []
    for config in configs:
        results.append(
            verify(
                config.arch,
                config.alpha,
                config.resolution,
                impl=config.impl,
                against=config.against,
                cache=cache,
            )
        )
        if progress:
            progress(config)
    return results
