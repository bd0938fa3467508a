"""``verify --all``: every built-in × implementation × a grid of widths and resolutions.

Each built-in is checked against a torch model generated from its own table under every implementation
it has, and against the torchvision / timm model wherever one follows that implementation. fvcore
results are cached by what was built, so implementations that expand to the same layers (all three of
V2's, for instance) are counted once. MnasNet, EfficientNet (up to 600 px and 55 blocks) and
MobileNetV4 are checked on ``SAMPLES``, a few configurations each, instead of the whole grid.
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
    depth: float = 1.0

    @property
    def label(self) -> str:
        """``0.75@160``, and the depth when it is not 1 (``1@128 depth 1.5``)."""
        depth = f" depth {self.depth:g}" if self.depth != 1 else ""
        return f"{self.alpha:g}@{self.resolution}{depth}"


# arch -> (impl, against, alpha, resolution, depth): the native configuration against each
# reference, widths where the implementations' rules part (EfficientNet's head at 0.51), the depth
# multiplier, and resolutions that are not multiples of 32; the larger variants at small inputs
_MNASNET_A1 = (
    ("timm", "reference", 1.0, 224, 1.0),
    ("timm", "reference", 0.5, 160, 1.0),
    ("timm", "reference", 1.4, 150, 1.0),
    ("paper", "table", 0.75, 192, 1.0),
)
_MNASNET_B1 = (
    ("torchvision", "reference", 1.0, 224, 1.0),
    ("torchvision", "reference", 0.5, 200, 1.0),
    ("torchvision", "reference", 1.3, 128, 1.0),
    ("timm", "reference", 0.75, 160, 1.0),
    ("paper", "table", 1.0, 96, 1.0),
)
_EFFICIENTNET_B0 = (
    ("torchvision", "reference", 1.0, 224, 1.0),
    ("timm", "reference", 1.0, 224, 1.0),
    ("torchvision", "reference", 0.51, 150, 1.0),
    ("timm", "reference", 0.51, 150, 1.0),
    ("torchvision", "reference", 1.0, 128, 2.0),
    ("timm", "reference", 0.75, 128, 1.5),
    ("paper", "table", 1.0, 160, 1.3),
)  # fmt: skip


def _v4(native: int) -> tuple[tuple[str, str, float, int, float], ...]:
    """MobileNetV4 against timm at its native resolution, at 0.5 on 200 px (the stem keeps its
    width below 1; odd maps 25, 13, 7 under the attention's stride-2 key/value downsampling) and
    1.25 on 160 px (the stem scales), and its generated table model at the native one."""
    return (
        ("timm", "reference", 1.0, native, 1.0),
        ("timm", "reference", 0.5, 200, 1.0),
        ("timm", "reference", 1.25, 160, 1.0),
        ("paper", "table", 1.0, native, 1.0),
    )


SAMPLES: dict[str, tuple[tuple[str, str, float, int, float], ...]] = {
    "mnasnet-a1": _MNASNET_A1,
    "mnasnet-b1": _MNASNET_B1,
    "efficientnet-b0": _EFFICIENTNET_B0,
    "efficientnet-b1": (("timm", "reference", 1.0, 240, 1.0),),
    "efficientnet-b2": (("torchvision", "reference", 1.0, 260, 1.0),),
    "efficientnet-b3": (("timm", "reference", 0.5, 128, 1.0),),
    "efficientnet-b4": (("torchvision", "reference", 1.0, 128, 1.0),),
    "efficientnet-b5": (("timm", "reference", 1.0, 96, 1.0),),
    "efficientnet-b6": (("torchvision", "reference", 1.0, 96, 1.0),),
    "efficientnet-b7": (("timm", "reference", 1.0, 96, 1.0),),
    "v4-conv-s": _v4(224),
    "v4-conv-m": _v4(256),
    "v4-conv-l": _v4(384),
    "v4-hybrid-m": _v4(256),
    "v4-hybrid-l": _v4(384),
}


def grid(archs: tuple[str, ...] = ()) -> Iterator[Config]:
    """The configurations of ``--all`` for ``archs`` (default: every built-in)."""
    names = [get_arch(a).name for a in archs] or [a.name for a in list_archs()]
    for name in names:
        if name in SAMPLES:
            yield from (Config(name, *sample) for sample in SAMPLES[name])
            continue
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
                depth=config.depth,
            )
        )
        if progress:
            progress(config)
    return results
