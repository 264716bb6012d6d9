"""ELF: exports are the defined, visible ``.dynsym`` entries (with their version nodes).

Read here over the mapped bytes (no lief): the headers, the dynamic entries (DT_NEEDED, DT_SONAME,
where the tables are), ``.dynsym`` and its string table, and the GNU version tables
(``.gnu.version``, ``.gnu.version_d``, ``.gnu.version_r``). Every table read is checked to lie in
the file first; lief reads the same files in the tests as the independent cross-check."""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from plugsmith.inspection._common import (
    Data,
    Export,
    ExportKind,
    Inspection,
    _Bad,
    _check_extents,
    _check_parse_size,
    _export,
    _unpack,
)

_GLIBC = re.compile(r"GLIBC_(\d+(?:\.\d+)+)")


def _highest_glibc(names: Iterable[str]) -> str | None:
    versions = [m.group(1) for n in names if (m := _GLIBC.fullmatch(n))]
    return max(versions, key=lambda v: tuple(int(p) for p in v.split(".")), default=None)


# --------------------------------------------------------------------------- ELF

_SHT_NULL, _SHT_DYNAMIC, _SHT_NOBITS, _SHT_DYNSYM = 0, 6, 8, 11
_SHT_VERDEF, _SHT_VERNEED, _SHT_VERSYM = 0x6FFFFFFD, 0x6FFFFFFE, 0x6FFFFFFF
_PT_LOAD, _PT_DYNAMIC, _PT_INTERP = 1, 2, 3
_DT_NULL, _DT_NEEDED, _DT_HASH, _DT_STRTAB, _DT_SYMTAB, _DT_STRSZ, _DT_SONAME = 0, 1, 4, 5, 6, 10, 14
_DT_GNU_HASH = 0x6FFFFEF5
_DT_VERSYM, _DT_VERDEF, _DT_VERDEFNUM, _DT_VERNEED, _DT_VERNEEDNUM = (0x6FFFFFF0, 0x6FFFFFFC, 0x6FFFFFFD,
                                                                      0x6FFFFFFE, 0x6FFFFFFF)
_STB_EXPORTED = frozenset({1, 2, 10})  # GLOBAL, WEAK, GNU_UNIQUE
_STB_WEAK = 2
_STV_EXPORTED = frozenset({0, 3})  # DEFAULT, PROTECTED
_STT_KIND: dict[int, ExportKind] = {2: "function", 10: "function", 1: "data", 5: "data", 6: "data"}
_VERSYM_HIDDEN, _VERSYM_INDEX = 0x8000, 0x7FFF
_VER_NDX_GLOBAL = 1
_SHN_ABS = 0xFFF1
_VER_FLG_BASE = 0x1
_ELF_ARCH = {3: "x86", 40: "arm", 62: "x86_64", 183: "aarch64", 20: "ppc", 2: "sparc", 43: "sparc64",
             258: "loongarch64"}


@dataclass(frozen=True, slots=True)
class _ElfSegment:
    index: int
    type: int
    offset: int
    vaddr: int
    filesz: int


@dataclass(frozen=True, slots=True)
class _ElfSection:
    index: int
    type: int
    offset: int
    size: int
    entsize: int
    link: int
    info: int

    @property
    def extent(self) -> tuple[str, int, int]:
        in_file = self.type not in (_SHT_NULL, _SHT_NOBITS)
        return (f"section {self.index}", self.offset if in_file else 0, self.size if in_file else 0)


@dataclass(frozen=True, slots=True)
class _ElfLayout:
    is64: bool
    little: bool
    machine: int
    segments: tuple[_ElfSegment, ...]
    sections: tuple[_ElfSection, ...]
    parse_size: int  # where the last header table, segment or section ends

    @property
    def end(self) -> str:
        return "<" if self.little else ">"

    @property
    def phnum(self) -> int:
        return len(self.segments)

    @property
    def shnum(self) -> int:
        return len(self.sections)

    @property
    def dynsym_count(self) -> int | None:
        """The .dynsym section header's count, when there is one."""
        dynsym = self.section(_SHT_DYNSYM)
        return dynsym.size // dynsym.entsize if dynsym is not None and dynsym.entsize else None

    def section(self, stype: int) -> _ElfSection | None:
        return next((s for s in self.sections if s.type == stype), None)

    def segment(self, ptype: int) -> _ElfSegment | None:
        return next((s for s in self.segments if s.type == ptype), None)

    def address_to_offset(self, address: int, what: str) -> tuple[int, int]:
        """(file offset, end of the loaded segment's file bytes) of a virtual address."""
        for seg in self.segments:
            if seg.type == _PT_LOAD and seg.vaddr <= address < seg.vaddr + seg.filesz:
                return seg.offset + address - seg.vaddr, seg.offset + seg.filesz
        raise _Bad(f"{what} (address {address:#x}) is not in any loaded segment's file bytes")


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
    segments = tuple(_elf_segment(data, end, is64, phoff + i * phentsize, i) for i in range(phnum))
    sections = tuple(_elf_section(data, end, is64, shoff + i * shentsize, i) for i in range(shnum))
    contents = _check_extents([(f"segment {s.index}", s.offset, s.filesz) for s in segments]
                              + [s.extent for s in sections], len(data))
    return _ElfLayout(is64, ei_data == 1, machine, segments, sections, max(tables, contents))


def _elf_segment(data: Data, end: str, is64: bool, offset: int, index: int) -> _ElfSegment:
    if is64:
        p_type, _, p_offset, p_vaddr, _, p_filesz, _, _ = _unpack(end + "IIQQQQQQ", data, offset, "program header")
    else:
        p_type, p_offset, p_vaddr, _, p_filesz, _, _, _ = _unpack(end + "IIIIIIII", data, offset, "program header")
    return _ElfSegment(index, p_type, p_offset, p_vaddr, p_filesz)


def _elf_section(data: Data, end: str, is64: bool, offset: int, index: int) -> _ElfSection:
    fmt = end + ("IIQQQQIIQQ" if is64 else "IIIIIIIIII")
    _, stype, _, _, sh_offset, sh_size, link, info, _, entsize = _unpack(fmt, data, offset, "section header")
    return _ElfSection(index, stype, sh_offset, sh_size, entsize, link, info)


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




class _Strings:
    """A string table (copied once: names are looked up thousands of times)."""

    __slots__ = ("_raw", "_what")

    def __init__(self, data: Data, offset: int, size: int, what: str) -> None:
        _check_extents([(what, offset, size)], len(data))
        self._raw, self._what = bytes(data[offset : offset + size]), what

    def get(self, offset: int, what: str) -> str:
        end = self._raw.find(b"\0", offset)
        if end < 0:
            raise _Bad(f"{what}: name offset {offset} is not a terminated string inside {self._what}")
        return self._raw[offset:end].decode("utf-8", "backslashreplace")


@dataclass(frozen=True, slots=True)
class _Table:
    """Where a dynamic table lies: file offset, how far its container reaches, entry count."""

    offset: int
    limit: int
    count: int


class _ElfReader:
    """The dynamic view of one ELF: dynamic entries, strings, .dynsym and the GNU version tables.
    Tables are found through the section headers when there are any (what llvm-readobj shows),
    else through the dynamic entries (a file without section headers still loads)."""

    def __init__(self, data: Data, layout: _ElfLayout) -> None:
        self.data, self.layout, self.end = data, layout, layout.end
        self.entries = self._dynamic_entries()
        self.tags: dict[int, int] = {}
        for tag, value in self.entries:
            self.tags.setdefault(tag, value)
        self._strings: _Strings | None = None
        self._symbol_rows: tuple[int, list[tuple[int, ...]]] | None = None

    def _dynamic_entries(self) -> list[tuple[int, int]]:
        segment, section = self.layout.segment(_PT_DYNAMIC), self.layout.section(_SHT_DYNAMIC)
        if segment is not None:
            offset, size = segment.offset, segment.filesz
        elif section is not None:
            offset, size = section.offset, section.size
        else:
            return []
        step = 16 if self.layout.is64 else 8
        raw = self.data[offset : offset + size - size % step]
        entries = []
        for tag, value in struct.iter_unpack(self.end + ("QQ" if self.layout.is64 else "II"), raw):
            if tag == _DT_NULL:
                break
            entries.append((tag, value))
        return entries

    def values(self, tag: int) -> list[int]:
        return [value for t, value in self.entries if t == tag]

    def _address(self, tag: int, what: str) -> tuple[int, int]:
        return self.layout.address_to_offset(self.tags[tag], what)

    @property
    def strings(self) -> _Strings:
        """The dynamic string table: DT_STRTAB/DT_STRSZ, else the string section .dynsym links to."""
        if self._strings is None:
            if _DT_STRTAB in self.tags:
                offset, limit = self._address(_DT_STRTAB, "dynamic string table")
                size = self.tags.get(_DT_STRSZ, limit - offset)
            else:
                owner = self.layout.section(_SHT_DYNSYM) or self.layout.section(_SHT_DYNAMIC)
                if owner is None:
                    raise _Bad("dynamic entries name strings but there is no dynamic string table")
                linked = self._linked(owner)
                offset, size = linked.offset, linked.size
            self._strings = _Strings(self.data, offset, size, "the dynamic string table")
        return self._strings

    def _linked(self, section: _ElfSection) -> _ElfSection:
        if not 0 < section.link < self.layout.shnum:
            raise _Bad(f"section {section.index} links to section {section.link} of {self.layout.shnum}")
        return self.layout.sections[section.link]

    def symbols(self) -> tuple[int, list[tuple[int, int, int, int, int]]]:
        """(how many .dynsym entries there are, [(index, st_name, st_info, st_shndx, st_value)] of
        the defined ones with GLOBAL/WEAK/GNU_UNIQUE binding and DEFAULT/PROTECTED visibility)."""
        count, rows = self._rows()
        if self.layout.is64:
            return count, [(index, name, info, shndx, value)
                           for index, (name, info, other, shndx, value, _) in enumerate(rows)
                           if shndx and info >> 4 in _STB_EXPORTED and other & 0x3 in _STV_EXPORTED]
        return count, [(index, name, info, shndx, value)
                       for index, (name, value, _, info, other, shndx) in enumerate(rows)
                       if shndx and info >> 4 in _STB_EXPORTED and other & 0x3 in _STV_EXPORTED]

    def undefined(self) -> tuple[int, list[tuple[int, int]]]:
        """(how many .dynsym entries there are, [(index, st_name)] of the undefined named ones that
        are not weak references: what the loader must find in some library)."""
        count, rows = self._rows()
        if self.layout.is64:
            return count, [(index, name) for index, (name, info, _, shndx, _, _) in enumerate(rows)
                           if not shndx and name and info >> 4 != _STB_WEAK]
        return count, [(index, name) for index, (name, _, _, info, _, shndx) in enumerate(rows)
                       if not shndx and name and info >> 4 != _STB_WEAK]

    def _rows(self) -> tuple[int, list[tuple[int, ...]]]:
        """Every raw .dynsym entry (Elf64_Sym or Elf32_Sym field order), unpacked once."""
        if self._symbol_rows is None:
            self._symbol_rows = self._read_rows()
        return self._symbol_rows

    def _read_rows(self) -> tuple[int, list[tuple[int, ...]]]:
        size = 24 if self.layout.is64 else 16
        section = self.layout.section(_SHT_DYNSYM)
        if section is not None:
            if section.entsize != size:
                raise _Bad(f".dynsym entries are {section.entsize} bytes, not {size}")
            offset, count = section.offset, section.size // size
        elif _DT_SYMTAB in self.tags:
            offset, limit = self._address(_DT_SYMTAB, "dynamic symbol table")
            count = self._hash_count()
            _check_extents([("dynamic symbol table", offset, count * size)], limit, "its segment")
        else:
            return 0, []
        raw = self.data[offset : offset + count * size]
        return count, list(struct.iter_unpack(self.end + ("IBBHQQ" if self.layout.is64 else "IIIBBH"), raw))

    def _hash_count(self) -> int:
        """How many dynamic symbols there are, from DT_HASH's chain count or DT_GNU_HASH's chains."""
        if _DT_HASH in self.tags:
            offset, limit = self._address(_DT_HASH, "DT_HASH table")
            _check_extents([("DT_HASH table", offset, 8)], limit, "its segment")
            return int(struct.unpack_from(self.end + "I", self.data, offset + 4)[0])
        if _DT_GNU_HASH not in self.tags:
            raise _Bad("no section headers and no hash table: the dynamic symbol count is unknown")
        offset, limit = self._address(_DT_GNU_HASH, "DT_GNU_HASH table")
        header = _unpack(self.end + "III", self.data, offset, "DT_GNU_HASH table")
        nbuckets, first, bloom_words = (int(v) for v in header)
        buckets_at = offset + 16 + bloom_words * (8 if self.layout.is64 else 4)
        _check_extents([("DT_GNU_HASH buckets", buckets_at, 4 * nbuckets)], limit, "its segment")
        last = max(struct.unpack_from(f"{self.end}{nbuckets}I", self.data, buckets_at), default=0)
        if last < first:
            return first
        chain = buckets_at + 4 * nbuckets + 4 * (last - first)
        while True:
            _check_extents([("DT_GNU_HASH chain", chain, 4)], limit, "its segment")
            if struct.unpack_from(self.end + "I", self.data, chain)[0] & 1:
                return last + 1
            last, chain = last + 1, chain + 4

    def table(self, tag: int, count_tag: int | None, stype: int) -> _Table | None:
        """A version table from its dynamic entry (count from ``count_tag``), else its section."""
        if tag in self.tags:
            offset, limit = self._address(tag, f"dynamic entry {tag:#x}")
            return _Table(offset, limit, self.tags.get(count_tag, 0) if count_tag is not None else 0)
        section = self.layout.section(stype)
        if section is None:
            return None
        return _Table(section.offset, section.offset + section.size, section.info)

    def versym(self, count: int) -> tuple[int, ...] | None:
        found = self.table(_DT_VERSYM, None, _SHT_VERSYM)
        if found is None:
            return None
        _check_extents([(".gnu.version", found.offset, 2 * count)], len(self.data))
        return struct.unpack_from(f"{self.end}{count}H", self.data, found.offset)

    def _chain(self, table: _Table, fmt: str, next_field: int, what: str) -> Iterator[tuple[int, tuple[int, ...]]]:
        """Walk ``table.count`` records linked by a relative next offset: (offset, fields)."""
        size, at = struct.calcsize(fmt), table.offset
        for _ in range(table.count):
            _check_extents([(what, at, size)], table.limit, "its table")
            fields = struct.unpack_from(self.end + fmt, self.data, at)
            yield at, fields
            step = fields[next_field]
            if step == 0:
                return
            if step < size:
                raise _Bad(f"{what} at file offset {at} overlaps the next one ({step} bytes apart)")
            at += step

    def _names(self, table: _Table, at: int, count: int, fmt: str, name_field: int,
               next_field: int, what: str) -> list[tuple[str, tuple[int, ...]]]:
        sub = _Table(at, table.limit, count)
        return [(self.strings.get(fields[name_field], what), fields)
                for _, fields in self._chain(sub, fmt, next_field, what)]

    def version_definitions(self) -> list[tuple[int, int, list[str]]]:
        """(index, flags, names) per version definition: the node first, then its parents."""
        table = self.table(_DT_VERDEF, _DT_VERDEFNUM, _SHT_VERDEF)
        if table is None:
            return []
        out = []
        for at, (_, flags, index, count, _, aux, _) in self._chain(table, "HHHHIII", 6, "version definition"):
            names = self._names(table, at + aux, count, "II", 0, 1, "version definition name") if count else []
            out.append((index, flags, [name for name, _ in names]))
        return out

    def version_requirements(self) -> list[tuple[str, list[tuple[str, int]]]]:
        """(library, [(version, index)]) per version requirement."""
        table = self.table(_DT_VERNEED, _DT_VERNEEDNUM, _SHT_VERNEED)
        if table is None:
            return []
        out = []
        for at, (_, count, library, aux, _) in self._chain(table, "HHIII", 4, "version requirement"):
            names = self._names(table, at + aux, count, "IHHII", 3, 4, "version requirement name") if count else []
            out.append((self.strings.get(library, "version requirement"), [(n, f[2]) for n, f in names]))
        return out

    def interpreter(self) -> str | None:
        segment = self.layout.segment(_PT_INTERP)
        if segment is None:
            return None
        raw = bytes(self.data[segment.offset : segment.offset + segment.filesz])
        return raw.split(b"\0", 1)[0].decode("utf-8", "backslashreplace")


def inspect(path: Path, data: Data) -> tuple[Inspection, ...]:
    layout = _elf_layout(data)
    _check_parse_size(layout.parse_size)
    reader = _ElfReader(data, layout)
    needed = [reader.strings.get(v, "DT_NEEDED") for v in reader.values(_DT_NEEDED)]
    sonames = [reader.strings.get(v, "DT_SONAME") for v in reader.values(_DT_SONAME)]
    definitions = reader.version_definitions()
    requirements = reader.version_requirements()
    version_defs = _elf_version_defs(definitions)
    needs = tuple((library, tuple(name for name, _ in versions)) for library, versions in requirements)
    glibc_max = _highest_glibc(version for _, versions in needs for version in versions)
    nodes = {index & _VERSYM_INDEX: names[0] for index, _, names in definitions if names}
    for _, versions in requirements:
        for name, index in versions:
            nodes.setdefault(index & _VERSYM_INDEX, name)
    inspection = Inspection(
        path=path,
        format="elf",
        arch=_elf_arch(layout),
        os="linux",
        exports=tuple(_elf_exports(reader, nodes, frozenset(name for name, _ in version_defs))),
        imports=tuple(needed),
        soname=sonames[0] if sonames else None,
        glibc_max=glibc_max,
        libc=libc_of(reader.interpreter(), needed, glibc_max),
        version_defs=version_defs,
        version_needs=needs,
        undefined=tuple(("", name) for name in _elf_unversioned_undefined(reader)),
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


def _elf_version_defs(definitions: list[tuple[int, int, list[str]]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The non-base version definitions: the first auxiliary entry names the node, the rest its parents."""
    out = []
    for index, flags, names in definitions:
        if not names:
            raise _Bad(f"version definition {index} has no name")
        if not flags & _VER_FLG_BASE:
            out.append((names[0], tuple(names[1:])))
    return tuple(out)


def _elf_exports(reader: _ElfReader, nodes: dict[int, str], version_nodes: frozenset[str]) -> Iterator[Export]:
    """GNU ld's version-definition symbols are not exports: with a version script it writes one
    ``NODE@@NODE`` per node (GLOBAL, OBJECT, SHN_ABS, value 0) that names the version, not anything
    a program calls; lld does not write them. A symbol is dropped as one only when it is absolute,
    its name is a version definition's and it is versioned with that same node."""
    count, symbols = reader.symbols()
    versions = reader.versym(count)
    get = reader.strings.get if symbols else None
    for position, name_at, info, shndx, value in symbols:
        assert get is not None
        name = get(name_at, ".dynsym")
        if not name:
            raise _Bad(f"exported .dynsym entry at value {value:#x} has no name")
        version, default = None, True
        raw = versions[position] if versions is not None else 0
        if raw & _VERSYM_INDEX > _VER_NDX_GLOBAL:  # VER_NDX_LOCAL / VER_NDX_GLOBAL: the base, unversioned
            version = nodes.get(raw & _VERSYM_INDEX)
            if version is None:
                raise _Bad(f"symbol {name!r} uses version index {raw & _VERSYM_INDEX} that nothing defines")
            default = not raw & _VERSYM_HIDDEN
        if shndx == _SHN_ABS and name in version_nodes and version == name:
            continue  # GNU ld's NODE@@NODE: names a version, is not an export
        yield _export(name, _STT_KIND.get(info & 0xF, "unknown"), version, default)


def _elf_unversioned_undefined(reader: _ElfReader) -> Iterator[str]:
    """Undefined ``.dynsym`` names that no version need ties to a library (lld writes index 0 or 1,
    "local" / "global", for a symbol it left undefined without finding it in any input library);
    weak references may stay unresolved and are not listed."""
    count, rows = reader.undefined()
    versions = reader.versym(count)
    for position, name_at in rows:
        if versions is None or versions[position] & _VERSYM_INDEX <= _VER_NDX_GLOBAL:
            yield reader.strings.get(name_at, ".dynsym")
