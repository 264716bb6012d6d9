"""Stage 3: turn a target's contract into the export file its linker reads.

One module per format behind the small ``MapWriter`` protocol, looked up in ``WRITERS``.
"""

from __future__ import annotations

from typing import Protocol

from plugsmith.contract import Contract
from plugsmith.maps import elf, macho, pe
from plugsmith.platforms import Format

__all__ = ["WRITERS", "MapWriter", "render"]


class MapWriter(Protocol):
    def render(self, contract: Contract, *, library: str) -> str: ...


WRITERS: dict[Format, MapWriter] = {"elf": elf, "macho": macho, "pe": pe}


def render(fmt: Format, contract: Contract, *, library: str) -> str:
    return WRITERS[fmt].render(contract, library=library)

