"""The built-in architectures: tables written in the user table schema, plus their published numbers."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, NamedTuple

from mbcost.archs import efficientnet, mnasnet, v1, v2, v3, v4
from mbcost.archs.published import Published
from mbcost.errors import suggest
from mbcost.spec import Table, parse_table


class Arch(NamedTuple):
    """A built-in architecture: its table data, aliases, published figures and a note on what
    implementations call it (shown by ``mbcost archs``)."""

    data: Mapping[str, Any]
    aliases: tuple[str, ...]
    published: tuple[Published, ...]
    note: str = ""

    @property
    def name(self) -> str:
        """The canonical name (the table's ``name``)."""
        return self.data["name"]

    @property
    def table(self) -> Table:
        """The validated table (built once)."""
        return _parse(self.name)


ARCHS: dict[str, Arch] = {
    arch.name: arch
    for arch in (
        Arch(v1.V1, ("mobilenet_v1", "mobilenetv1"), v1.PUBLISHED["v1"]),
        Arch(v1.V1_CONV, (), v1.PUBLISHED["v1-conv"]),
        Arch(v1.V1_SHALLOW, (), v1.PUBLISHED["v1-shallow"]),
        Arch(v2.V2, ("mobilenet_v2", "mobilenetv2"), v2.PUBLISHED["v2"]),
        Arch(v3.V3_LARGE, ("mobilenet_v3_large", "v3"), v3.PUBLISHED["v3-large"]),
        Arch(v3.V3_SMALL, ("mobilenet_v3_small",), v3.PUBLISHED["v3-small"]),
        *(
            Arch(data, aliases, v4.PUBLISHED[data["name"]], v4.NOTES.get(data["name"], ""))
            for data, aliases in v4.VARIANTS
        ),
        Arch(
            mnasnet.MNASNET_A1,
            ("semnasnet_100", "mnasnet_a1"),
            mnasnet.PUBLISHED["mnasnet-a1"],
            mnasnet.A1_NOTE,
        ),
        Arch(
            mnasnet.MNASNET_B1,
            ("mnasnet1_0", "mnasnet_100", "mnasnet_b1"),
            mnasnet.PUBLISHED["mnasnet-b1"],
            mnasnet.B1_NOTE,
        ),
        *(
            Arch(data, (data["name"].replace("-", "_"),), efficientnet.PUBLISHED[data["name"]])
            for data in efficientnet.VARIANTS.values()
        ),
    )
}
_ALIASES = {alias: arch.name for arch in ARCHS.values() for alias in (arch.name, *arch.aliases)}


@cache
def _parse(name: str) -> Table:
    return parse_table(ARCHS[name].data, origin=f"built-in {name}")


def get_arch(name: str) -> Arch:
    """The built-in called ``name`` (or an alias); an UnknownNameError suggests the closest name."""
    key = name.lower()
    if key not in _ALIASES:
        raise suggest(name, tuple(_ALIASES), "architecture")
    return ARCHS[_ALIASES[key]]


def list_archs() -> list[Arch]:
    """Every built-in, in registry order."""
    return list(ARCHS.values())
