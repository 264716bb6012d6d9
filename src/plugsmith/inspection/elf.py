"""ELF: exports are the defined, visible ``.dynsym`` entries (with their version nodes)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plugsmith.inspection._common import (
    Data,
    Export,
    ExportKind,
    Inspection,
    _Bad,
    _check_extents,
    _lief_config,
    _lief_parse,
    _load_lief,
    _text,
    _unpack,
)

_GLIBC = re.compile(r"GLIBC_(\d+(?:\.\d+)+)")


def _highest_glibc(names: Iterable[str]) -> str | None:
    versions = [m.group(1) for n in names if (m := _GLIBC.fullmatch(n))]
    return max(versions, key=lambda v: tuple(int(p) for p in v.split(".")), default=None)


# --------------------------------------------------------------------------- ELF

_SHT_NULL, _SHT_NOBITS, _SHT_DYNSYM = 0, 8, 11
_STB_EXPORTED = frozenset({1, 2, 10})  # GLOBAL, WEAK, GNU_UNIQUE
_STV_EXPORTED = frozenset({0, 3})  # DEFAULT, PROTECTED
_STT_KIND: dict[int, ExportKind] = {2: "function", 10: "function", 1: "data", 5: "data", 6: "data"}
_VERSYM_HIDDEN, _VERSYM_INDEX = 0x8000, 0x7FFF
_VER_NDX_GLOBAL = 1
_SHN_ABS = 0xFFF1
_VER_FLG_BASE = 0x1
_ELF_ARCH = {3: "x86", 40: "arm", 62: "x86_64", 183: "aarch64", 20: "ppc", 2: "sparc", 43: "sparc64",
             258: "loongarch64"}


@dataclass(frozen=True, slots=True)
class _ElfLayout:
    is64: bool
    little: bool
    machine: int
    phnum: int
    shnum: int
    dynsym_count: int | None  # from the .dynsym section header, when there is one
    parse_size: int  # where the last header table, segment or section ends: all lief needs


@dataclass(frozen=True, slots=True)
class _ElfSection:
    index: int
    type: int
    offset: int
    size: int
    entsize: int

    @property
    def extent(self) -> tuple[str, int, int]:
        in_file = self.type not in (_SHT_NULL, _SHT_NOBITS)
        return (f"section {self.index}", self.offset if in_file else 0, self.size if in_file else 0)


def _elf_layout(data: Data) -> _ElfLayout:
    """Read the ELF headers and check every table, segment and section they declare is in the file."""
    ei_class, ei_data = _unpack("BB", data, 4, "ELF identification")
    if ei_class not in (1, 2) or ei_data not in (1, 2):
        raise _Bad(f"invalid ELF class {ei_class} or byte order {ei_data}")
    is64, end = ei_class == 2, "<" if ei_data == 1 else ">"
    fmt = end + ("HHIQQQIHHHHHH" if is64 else "HHIIIIIHHHHHH")
    _, machine, _, _, phoff, shoff, _, _, phentsize, phnum, shentsize, shnum, _ = _unpack(
        fmt, data, 16, "ELF header"
    )
    if (phnum and phentsize < (56 if is64 else 32)) or (shnum and shentsize < (64 if is64 else 40)):
        raise _Bad(f"impossible header entry sizes (program {phentsize}, section {shentsize})")
    tables = _check_extents(
        [("ELF header", 0, 64 if is64 else 52), ("program header table", phoff, phnum * phentsize),
         ("section header table", shoff, shnum * shentsize)],
        len(data),
    )
    segments = [_elf_segment(data, end, is64, phoff + i * phentsize, i) for i in range(phnum)]
    sections = [_elf_section(data, end, is64, shoff + i * shentsize, i) for i in range(shnum)]
    contents = _check_extents(segments + [s.extent for s in sections], len(data))
    dynsym = [s.size // s.entsize for s in sections if s.type == _SHT_DYNSYM and s.entsize]
    return _ElfLayout(is64, ei_data == 1, machine, phnum, shnum, dynsym[0] if dynsym else None,
                      max(tables, contents))


def _elf_segment(data: Data, end: str, is64: bool, offset: int, index: int) -> tuple[str, int, int]:
    if is64:
        _, _, p_offset, _, _, p_filesz, _, _ = _unpack(end + "IIQQQQQQ", data, offset, "program header")
    else:
        _, p_offset, _, _, p_filesz, _, _, _ = _unpack(end + "IIIIIIII", data, offset, "program header")
    return (f"segment {index}", p_offset, p_filesz)


def _elf_section(data: Data, end: str, is64: bool, offset: int, index: int) -> _ElfSection:
    fmt = end + ("IIQQQQIIQQ" if is64 else "IIIIIIIIII")
    _, stype, _, _, sh_offset, sh_size, _, _, _, entsize = _unpack(fmt, data, offset, "section header")
    return _ElfSection(index, stype, sh_offset, sh_size, entsize)


def _elf_arch(layout: _ElfLayout) -> str:
    machine = layout.machine
    if machine == 243:
        return "riscv64" if layout.is64 else "riscv32"
    if machine == 21:
        return "ppc64le" if layout.little else "ppc64"
    if machine == 8:
        return ("mips64" if layout.is64 else "mips") + ("el" if layout.little else "")
    if machine == 22:
        return "s390x" if layout.is64 else "s390"
    return _ELF_ARCH.get(machine, f"elf-machine-{machine}")


#: What verification reads: ``.dynsym``, its versions and the dynamic entries; not ``.symtab``,
#: relocations, notes or the overlay (lief's defaults parse all of them).
_LEAN: tuple[tuple[str, bool], ...] = (
    ("parse_dyn_symbols", True),
    ("parse_symbol_versions", True),
    ("parse_symtab_symbols", False),
    ("parse_relocations", False),
    ("parse_notes", False),
    ("parse_overlay", False),
)


def _lean_config(lief: Any) -> Any:
    return _lief_config(lief.ELF.ParserConfig, _LEAN)


def inspect(path: Path, data: Data) -> tuple[Inspection, ...]:
    layout = _elf_layout(data)
    lief = _load_lief()
    binary = _lief_parse(lief.ELF.parse, data, layout.parse_size, _lean_config(lief))
    if binary is None:
        raise _Bad("lief could not parse it")
    _check_elf_consistency(binary, layout)
    entries = list(binary.dynamic_entries)
    needed = [_text(e.name) for e in entries if isinstance(e, lief.ELF.DynamicEntryLibrary)]
    sonames = [_text(e.name) for e in entries if isinstance(e, lief.ELF.DynamicSharedObject)]
    version_defs = _elf_version_defs(binary)
    needs = tuple((_text(req.name), tuple(_text(aux.name) for aux in req.get_auxiliary_symbols()))
                  for req in binary.symbols_version_requirement)
    requirements = [version for _, versions in needs for version in versions]
    interpreter = _text(binary.interpreter) if binary.has_interpreter else None
    glibc_max = _highest_glibc(requirements)
    inspection = Inspection(
        path=path,
        format="elf",
        arch=_elf_arch(layout),
        os="linux",
        exports=tuple(_elf_exports(binary, frozenset(name for name, _ in version_defs))),
        imports=tuple(needed),
        soname=sonames[0] if sonames else None,
        glibc_max=glibc_max,
        libc=libc_of(interpreter, needed, glibc_max),
        version_defs=version_defs,
        version_needs=needs,
        undefined=tuple(("", name) for name in _elf_unversioned_undefined(lief, binary)),
    )
    return (inspection,)


#: How an ELF shows its C library, first match wins. Evidence: musl's dynamic loader is
#: ``/lib/ld-musl-<arch>.so.1`` (musl's Makefile); Alpine's musl is ``libc.musl-<arch>.so.1``
#: (the musllinux wheels of markupsafe 3.0.3 need it); zig links musl shared objects against
#: ``libc.so`` (zig 0.13 ``-target x86_64-linux-musl``); glibc is ``libc.so.6`` with ``GLIBC_x.y``
#: versions and the ``ld-linux*`` loader.
#: Rows: (where, how, text, libc); ``how`` is "prefix" of the file name or "exact" name.
LIBC_EVIDENCE: tuple[tuple[str, str, str, str], ...] = (
    ("interpreter", "prefix", "ld-musl-", "musl"),
    ("needed", "prefix", "libc.musl-", "musl"),
    ("needed", "exact", "libc.so", "musl"),
    ("interpreter", "prefix", "ld-linux", "gnu"),
    ("needed", "exact", "libc.so.6", "gnu"),
)


def libc_of(interpreter: str | None, needed: Sequence[str], glibc_max: str | None) -> str | None:
    """``musl``, ``gnu`` or None (no C library seen: a library that needs none)."""
    names = [interpreter.rsplit("/", 1)[-1]] if interpreter else []
    for where, how, text, libc in LIBC_EVIDENCE:
        for name in names if where == "interpreter" else needed:
            if name == text or (how == "prefix" and name.startswith(text)):
                return libc
    return "gnu" if glibc_max else None


def _check_elf_consistency(binary: Any, layout: _ElfLayout) -> None:
    found = (len(binary.segments), len(binary.sections))
    if found != (layout.phnum, layout.shnum):
        raise _Bad(f"headers declare {layout.phnum} segments/{layout.shnum} sections, lief found {found[0]}/{found[1]}")
    count = len(binary.dynamic_symbols)
    if layout.dynsym_count is not None and count != layout.dynsym_count:
        raise _Bad(f".dynsym holds {layout.dynsym_count} symbols but lief read {count}")


def _elf_version_defs(binary: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The non-base version definitions: the first auxiliary entry names the node, the rest its parents."""
    out = []
    for definition in binary.symbols_version_definition:
        names = [_text(aux.name) for aux in definition.auxiliary_symbols]
        if not names:
            raise _Bad(f"version definition {definition.ndx} has no name")
        if not definition.flags & _VER_FLG_BASE:
            out.append((names[0], tuple(names[1:])))
    return tuple(out)


def _elf_exports(binary: Any, version_nodes: frozenset[str]) -> Iterator[Export]:
    """GNU ld's version-definition symbols are not exports: with a version script it writes one
    ``NODE@@NODE`` per node (GLOBAL, OBJECT, SHN_ABS, value 0) that names the version, not anything
    a program calls; lld does not write them. A symbol is dropped as one only when it is absolute,
    its name is a version definition's and it is versioned with that same node."""
    for sym in binary.dynamic_symbols:
        info = sym.information  # raw st_info/st_other: lief's enums warn on values they do not know
        if sym.shndx == 0 or info >> 4 not in _STB_EXPORTED or sym.other & 0x3 not in _STV_EXPORTED:
            continue
        if not sym.name:
            raise _Bad(f"exported .dynsym entry at value {sym.value:#x} has no name")
        name = _text(sym.name)
        version, default = _elf_version(sym)
        if sym.shndx == _SHN_ABS and name in version_nodes and version == name:
            continue  # GNU ld's NODE@@NODE: names a version, is not an export
        yield Export(name=name, kind=_STT_KIND.get(info & 0xF, "unknown"), version=version,
                     default_version=default)


def _elf_unversioned_undefined(lief: Any, binary: Any) -> Iterator[str]:
    """Undefined ``.dynsym`` names that no version need ties to a library (lld writes index 0 or 1,
    "local" / "global", for a symbol it left undefined without finding it in any input library)."""
    weak = lief.ELF.Symbol.BINDING.WEAK
    for sym in binary.dynamic_symbols:
        if sym.shndx != 0 or not sym.name or sym.binding == weak:  # a weak reference may stay unresolved
            continue
        version = sym.symbol_version
        if version is None or not version.has_auxiliary_version:
            yield _text(sym.name)


def _elf_version(sym: Any) -> tuple[str | None, bool]:
    symbol_version = sym.symbol_version
    if symbol_version is None:
        return None, True
    value = symbol_version.value
    if value & _VERSYM_INDEX <= _VER_NDX_GLOBAL:  # VER_NDX_LOCAL / VER_NDX_GLOBAL: the base, unversioned
        return None, True
    if not symbol_version.has_auxiliary_version:
        raise _Bad(f"symbol {sym.name!r} uses version index {value & _VERSYM_INDEX} that nothing defines")
    return _text(symbol_version.symbol_version_auxiliary.name), not value & _VERSYM_HIDDEN
