"""Stage 5: read built artifacts with lief and say what they export.

This module's public interface (other stages depend on it):

- ``Export``: one exported symbol.
- ``Inspection``: one binary (one slice of a fat Mach-O file).
- ``inspect_file(path) -> tuple[Inspection, ...]``: raises ``InputError`` for
  anything it cannot fully parse.
- ``is_binary(path) -> bool``: magic-number sniffing, no lief.

What "export" means per format (the dynamic loader's view):

- ELF: defined ``.dynsym`` entries with GLOBAL/WEAK/GNU_UNIQUE binding and
  DEFAULT/PROTECTED visibility. Object files (ET_REL) have no ``.dynsym`` and so
  report no exports; executables report whatever their ``.dynsym`` exports.
  GNU ld's version-definition symbols are not exports: with a version script it
  writes one ``NODE@@NODE`` per node (GLOBAL, OBJECT, SHN_ABS, value 0) that
  names the version, not anything a program calls; lld does not write them. A
  symbol is dropped as one only when it is absolute, its name is a version
  definition's and it is versioned with that same node; every other absolute
  symbol stays an export.
- Mach-O: the export trie (LC_DYLD_INFO[_ONLY] or LC_DYLD_EXPORTS_TRIE), one
  leading underscore stripped. Object files (MH_OBJECT) have no trie and so
  report no exports; executables report their trie (``_mh_execute_header``...).
- PE: every used slot of the export address table; nameless (NONAME) exports
  are named ``#<ordinal>``, forwarded exports carry ``forwarder``.

Hostile input is expected. Before lief sees a file, its headers are read here and
every table or segment they declare is checked to lie inside the file (lief
happily parses a truncated file into an empty symbol list). After lief, what it
found is cross-checked against those headers. Any disagreement, and any error
from lief, becomes a one-line ``InputError`` naming the file.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from plugsmith.errors import InputError, Location

__all__ = ["Export", "Format", "Inspection", "Kind", "inspect_file", "is_binary"]

Format = Literal["elf", "macho", "pe"]
Kind = Literal["function", "data", "unknown"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Export:
    name: str  # Mach-O names without the leading underscore
    kind: Kind
    version: str | None = None  # ELF version node (e.g. "GREET_1.0"); None elsewhere
    default_version: bool = True  # ELF: name@@VER (True) vs name@VER (False)
    ordinal: int | None = None  # PE only
    forwarder: str | None = None  # PE forwarded export target ("OTHER.func")


@dataclass(frozen=True, slots=True, kw_only=True)
class Inspection:
    path: Path
    format: Format
    arch: str  # normalized: x86_64, aarch64, x86, arm, riscv64, ...
    os: str  # linux, macos, windows (ELF is reported as linux)
    exports: tuple[Export, ...]
    imports: tuple[str, ...]  # needed libraries / imported DLLs, in file order
    soname: str | None = None  # ELF DT_SONAME, Mach-O LC_ID_DYLIB, PE export-directory name
    slice_index: int | None = None  # fat Mach-O slice number, None for thin files
    min_os: str | None = None  # Mach-O minimum OS ("11.0")
    glibc_max: str | None = None  # highest GLIBC_x.y version needed (ELF)
    # ELF version definitions (.gnu.version_d) in file order: (node, parents); the base definition
    # (VER_FLG_BASE, named after the soname) is not a node and is left out
    version_defs: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def export_names(self) -> frozenset[str]:
        return frozenset(e.name for e in self.exports)


# --------------------------------------------------------------------------- sniffing

_Container = Literal["elf", "macho", "fat", "pe"]
_Reader = Callable[[int, int], bytes]  # (offset, size) -> bytes, short at end of file

_ELF_MAGIC = b"\x7fELF"
_MACHO_MAGICS = frozenset({0xFEEDFACE, 0xFEEDFACF, 0xCEFAEDFE, 0xCFFAEDFE})  # first 4 bytes, big-endian
_FAT_MAGIC, _FAT_MAGIC_64 = 0xCAFEBABE, 0xCAFEBABF
_FAT_MAX_ARCHS = 30  # a Java class file has the same magic; its version word is >= 45
_DOS_HEADER_SIZE = 64


def _sniff(read: _Reader) -> _Container | None:
    head = read(0, 8)
    if head[:4] == _ELF_MAGIC:
        return "elf"
    if len(head) >= 4 and struct.unpack(">I", head[:4])[0] in _MACHO_MAGICS:
        return "macho"
    if len(head) >= 8:
        magic, nfat = struct.unpack(">II", head)
        if magic in (_FAT_MAGIC, _FAT_MAGIC_64) and 0 < nfat < _FAT_MAX_ARCHS:
            return "fat"
    if head[:2] == b"MZ":
        dos = read(0, _DOS_HEADER_SIZE)
        if len(dos) == _DOS_HEADER_SIZE and read(struct.unpack_from("<I", dos, 0x3C)[0], 4) == b"PE\0\0":
            return "pe"
    return None


def is_binary(path: Path) -> bool:
    """True if ``path`` starts like an ELF, (fat) Mach-O or PE file. Reads a few bytes, never raises."""
    try:
        with open(path, "rb") as handle:

            def read(offset: int, size: int) -> bytes:
                handle.seek(offset)
                return handle.read(size)

            return _sniff(read) is not None
    except (OSError, ValueError, OverflowError):
        return False


# --------------------------------------------------------------------------- entry point


class _Bad(Exception):
    """The file is malformed; the message says how (turned into InputError by inspect_file)."""


_FORMAT_NAME = {"elf": "ELF", "macho": "Mach-O", "fat": "fat Mach-O", "pe": "PE"}


def inspect_file(path: Path) -> tuple[Inspection, ...]:
    """Inspect one file; a fat Mach-O gives one Inspection per slice (in header order)."""
    path = Path(path)
    data = _read_file(path)
    container = _sniff(lambda offset, size: data[offset : offset + size])
    if container is None:
        what = "empty file" if not data else "not an ELF, Mach-O or PE binary (unknown magic bytes)"
        raise _input_error(path, what)
    name = _FORMAT_NAME[container]
    try:
        return _INSPECTORS[container](path, data)
    except InputError:
        raise
    except _Bad as exc:
        raise _input_error(path, f"malformed {name}: {exc}") from exc
    except Exception as exc:  # lief raises all sorts; none may escape as a traceback
        raise _input_error(path, f"cannot parse as {name}: {type(exc).__name__}: {exc}") from exc


def _text(value: str | bytes) -> str:
    """A name as text. lief hands back ``bytes`` for names that are not valid UTF-8: keep them,
    escaped, so they are reported and can never match a contract name by accident."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    return value


def _input_error(path: Path, message: str) -> InputError:
    one_line = " ".join(message.split())
    return InputError(one_line, location=Location(file=str(path)))


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _input_error(path, f"cannot read: {exc.strerror or exc}") from exc


def _load_lief() -> Any:
    import lief  # slow import: only when a file is actually inspected

    lief.logging.disable()
    return lief


# --------------------------------------------------------------------------- shared helpers


def _unpack(fmt: str, data: bytes, offset: int, what: str) -> tuple[Any, ...]:
    end = offset + struct.calcsize(fmt)
    if offset < 0 or end > len(data):
        raise _Bad(f"truncated: {what} needs bytes {offset}..{end} but the file has {len(data)}")
    return struct.unpack_from(fmt, data, offset)


def _check_extents(extents: Iterable[tuple[str, int, int]], limit: int, where: str = "the file") -> None:
    """Each extent is (what, offset, size); all must lie within ``limit`` bytes."""
    for what, offset, size in extents:
        if offset < 0 or size < 0 or offset + size > limit:
            raise _Bad(f"truncated: {what} ends at byte {offset + size} but {where} has {limit} bytes")


def _c_string(data: bytes, offset: int, limit: int, what: str) -> str:
    end = data.find(b"\0", offset, limit)
    if offset < 0 or offset >= limit or end < 0:
        raise _Bad(f"{what} at file offset {offset} is not a terminated string inside the file")
    return data[offset:end].decode("utf-8", errors="replace")


_GLIBC = re.compile(r"GLIBC_(\d+(?:\.\d+)+)")


def _highest_glibc(names: Iterable[str]) -> str | None:
    versions = [m.group(1) for n in names if (m := _GLIBC.fullmatch(n))]
    return max(versions, key=lambda v: tuple(int(p) for p in v.split(".")), default=None)


def _format_version(parts: Iterable[int]) -> str:
    """[11, 0, 0] -> "11.0"; [10, 13, 2] -> "10.13.2": trailing zeros dropped beyond major.minor."""
    numbers = [*parts, 0, 0]
    while len(numbers) > 2 and numbers[-1] == 0:
        numbers.pop()
    return ".".join(str(n) for n in numbers)


# --------------------------------------------------------------------------- ELF

_SHT_NULL, _SHT_NOBITS, _SHT_DYNSYM = 0, 8, 11
_STB_EXPORTED = frozenset({1, 2, 10})  # GLOBAL, WEAK, GNU_UNIQUE
_STV_EXPORTED = frozenset({0, 3})  # DEFAULT, PROTECTED
_STT_KIND: dict[int, Kind] = {2: "function", 10: "function", 1: "data", 5: "data", 6: "data"}
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


def _elf_layout(data: bytes) -> _ElfLayout:
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
    _check_extents(
        [("program header table", phoff, phnum * phentsize), ("section header table", shoff, shnum * shentsize)],
        len(data),
    )
    segments = [_elf_segment(data, end, is64, phoff + i * phentsize, i) for i in range(phnum)]
    sections = [_elf_section(data, end, is64, shoff + i * shentsize, i) for i in range(shnum)]
    _check_extents(segments + [s.extent for s in sections], len(data))
    dynsym = [s.size // s.entsize for s in sections if s.type == _SHT_DYNSYM and s.entsize]
    return _ElfLayout(is64, ei_data == 1, machine, phnum, shnum, dynsym[0] if dynsym else None)


def _elf_segment(data: bytes, end: str, is64: bool, offset: int, index: int) -> tuple[str, int, int]:
    if is64:
        _, _, p_offset, _, _, p_filesz, _, _ = _unpack(end + "IIQQQQQQ", data, offset, "program header")
    else:
        _, p_offset, _, _, p_filesz, _, _, _ = _unpack(end + "IIIIIIII", data, offset, "program header")
    return (f"segment {index}", p_offset, p_filesz)


def _elf_section(data: bytes, end: str, is64: bool, offset: int, index: int) -> _ElfSection:
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


def _inspect_elf(path: Path, data: bytes) -> tuple[Inspection, ...]:
    layout = _elf_layout(data)
    lief = _load_lief()
    binary = lief.ELF.parse(data)
    if binary is None:
        raise _Bad("lief could not parse it")
    _check_elf_consistency(binary, layout)
    entries = list(binary.dynamic_entries)
    needed = [_text(e.name) for e in entries if isinstance(e, lief.ELF.DynamicEntryLibrary)]
    sonames = [_text(e.name) for e in entries if isinstance(e, lief.ELF.DynamicSharedObject)]
    requirements = [_text(aux.name) for req in binary.symbols_version_requirement
                    for aux in req.get_auxiliary_symbols()]
    version_defs = _elf_version_defs(binary)
    inspection = Inspection(
        path=path,
        format="elf",
        arch=_elf_arch(layout),
        os="linux",
        exports=tuple(_elf_exports(binary, frozenset(name for name, _ in version_defs))),
        imports=tuple(needed),
        soname=sonames[0] if sonames else None,
        glibc_max=_highest_glibc(requirements),
        version_defs=version_defs,
    )
    return (inspection,)


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


# --------------------------------------------------------------------------- Mach-O

_NLIST_SIZE = {False: 12, True: 16}
_LC_SEGMENT, _LC_SEGMENT_64, _LC_SYMTAB, _LC_DYSYMTAB = 0x1, 0x19, 0x2, 0xB
_LC_DYLD_INFO, _LC_DYLD_INFO_ONLY = 0x22, 0x80000022
_LC_DYLD_EXPORTS_TRIE = 0x80000033
_LC_ENCRYPTION_INFO, _LC_ENCRYPTION_INFO_64 = 0x21, 0x2C
_LC_LINKEDIT_DATA = {  # commands that are a struct linkedit_data_command {cmd, cmdsize, dataoff, datasize}
    0x1D: "LC_CODE_SIGNATURE",
    0x1E: "LC_SEGMENT_SPLIT_INFO",
    0x26: "LC_FUNCTION_STARTS",
    0x29: "LC_DATA_IN_CODE",
    0x2B: "LC_DYLIB_CODE_SIGN_DRS",
    0x2E: "LC_LINKER_OPTIMIZATION_HINT",
    0x36: "LC_ATOM_INFO",
    _LC_DYLD_EXPORTS_TRIE: "LC_DYLD_EXPORTS_TRIE",
    0x80000034: "LC_DYLD_CHAINED_FIXUPS",
}
_DYSYMTAB_TABLES = (("table of contents", 8), ("module table", 0), ("external references", 4),
                    ("indirect symbols", 4), ("external relocations", 8), ("local relocations", 8))
_CPU_ARCH = {7: "x86", 0x01000007: "x86_64", 12: "arm", 0x0100000C: "aarch64", 0x0200000C: "arm64_32",
             18: "ppc", 0x01000012: "ppc64"}
_SECTION_HAS_CODE = 0x80000000 | 0x400  # S_ATTR_PURE_INSTRUCTIONS | S_ATTR_SOME_INSTRUCTIONS
_ZEROFILL_TYPES = frozenset({0x1, 0xC, 0x12})  # S_ZEROFILL, S_GB_ZEROFILL, S_THREAD_LOCAL_ZEROFILL
_EXPORT_KIND_MASK, _EXPORT_KIND_THREAD_LOCAL, _EXPORT_KIND_ABSOLUTE = 0x3, 0x1, 0x2
_EXPORT_REEXPORT = 0x8


@dataclass(frozen=True, slots=True)
class _MachoSection:
    name: str
    address: int
    size: int
    offset: int
    flags: int  # section type (low byte) | attributes
    reloff: int
    nreloc: int

    def extents(self) -> Iterator[tuple[str, int, int]]:
        if self.size and self.flags & 0xFF not in _ZEROFILL_TYPES:
            yield (f"section {self.name}", self.offset, self.size)
        yield (f"relocations of section {self.name}", self.reloff, self.nreloc * 8)


@dataclass(frozen=True, slots=True)
class _MachoSegment:
    name: str
    vmaddr: int
    fileoff: int
    filesize: int
    sections: tuple[_MachoSection, ...]


@dataclass(frozen=True, slots=True)
class _MachoCommands:
    end: str  # struct byte order
    is64: bool
    commands: tuple[tuple[int, int], ...]  # (cmd, absolute offset of the command in the file)


@dataclass(frozen=True, slots=True)
class _Slice:
    """One thin Mach-O image as its headers describe it."""

    offset: int
    size: int
    cputype: int
    ncmds: int
    image_base: int  # vmaddr of the segment mapping the Mach-O header; trie addresses are relative to it
    sections: tuple[_MachoSection, ...]
    trie: tuple[int, int] | None  # (offset in the slice, size) of the export trie


def _macho_slice(data: bytes, base: int, size: int) -> _Slice:
    """Read one thin Mach-O header at ``base`` and check every extent its load commands declare."""
    where = "the file" if base == 0 else f"the slice at offset {base}"
    (magic,) = _unpack("<I", data, base, "Mach-O magic")
    if magic not in (0xFEEDFACE, 0xFEEDFACF, 0xCEFAEDFE, 0xCFFAEDFE):
        raise _Bad(f"{where} is not a Mach-O image (magic {magic:#010x})")
    is64 = magic in (0xFEEDFACF, 0xCFFAEDFE)
    end = "<" if magic in (0xFEEDFACE, 0xFEEDFACF) else ">"
    header_size = 32 if is64 else 28
    _check_extents([("Mach-O header", 0, header_size)], size, where)
    _, cputype, _, _, ncmds, sizeofcmds, _ = _unpack(end + "IiiIIII", data, base, "Mach-O header")
    _check_extents([("load commands", header_size, sizeofcmds)], size, where)
    walk = _MachoCommands(end, is64, _macho_commands(data, base + header_size, end, ncmds, sizeofcmds))
    segments = [_segment(data, at, walk, cmd) for cmd, at in walk.commands if cmd in (_LC_SEGMENT, _LC_SEGMENT_64)]
    extents = [ext for cmd, at in walk.commands for ext in _command_extents(data, at, walk, cmd)]
    extents += [(f"segment {s.name}", s.fileoff, s.filesize) for s in segments]
    extents += [ext for s in segments for sect in s.sections for ext in sect.extents()]
    _check_extents(extents, size, where)
    bases = [s.vmaddr for s in segments if s.fileoff == 0 and s.filesize]
    sections = tuple(sect for s in segments for sect in s.sections)
    return _Slice(base, size, cputype, ncmds, bases[0] if bases else 0, sections, _trie_location(data, walk))


def _macho_commands(data: bytes, start: int, end: str, ncmds: int, sizeofcmds: int) -> tuple[tuple[int, int], ...]:
    commands, position = [], 0
    for index in range(ncmds):
        cmd, cmdsize = _unpack(end + "II", data, start + position, "load command")
        if cmdsize < 8 or position + cmdsize > sizeofcmds:
            raise _Bad(f"load command {index} (cmd {cmd:#x}, size {cmdsize}) overruns the load command area")
        commands.append((cmd, start + position))
        position += cmdsize
    return tuple(commands)


def _segment(data: bytes, at: int, walk: _MachoCommands, cmd: int) -> _MachoSegment:
    wide = cmd == _LC_SEGMENT_64
    head_fmt, sect_fmt = ("16sQQQQiiII", "16s16sQQIIIIIIII") if wide else ("16sIIIIiiII", "16s16sIIIIIIIII")
    (cmdsize,) = _unpack(walk.end + "I", data, at + 4, "segment command")
    name, vmaddr, _, fileoff, filesize, _, _, nsects, _ = _unpack(walk.end + head_fmt, data, at + 8, "segment")
    head_size, sect_size = 8 + struct.calcsize(head_fmt), struct.calcsize(sect_fmt)
    if head_size + nsects * sect_size > cmdsize:
        raise _Bad(f"segment command at offset {at} declares {nsects} sections that do not fit in it")
    sections = []
    for index in range(nsects):
        sect_name, _, address, size, offset, _, reloff, nreloc, flags, *_ = _unpack(
            walk.end + sect_fmt, data, at + head_size + index * sect_size, "section header"
        )
        sections.append(_MachoSection(_c_name(sect_name), address, size, offset, flags, reloff, nreloc))
    return _MachoSegment(_c_name(name), vmaddr, fileoff, filesize, tuple(sections))


def _c_name(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("ascii", "replace")


def _command_extents(data: bytes, at: int, walk: _MachoCommands, cmd: int) -> Iterator[tuple[str, int, int]]:
    """Extents of the link-edit tables a load command points at (segments are handled by the caller)."""
    end = walk.end
    if cmd == _LC_SYMTAB:
        symoff, nsyms, stroff, strsize = _unpack(end + "IIII", data, at + 8, "LC_SYMTAB")
        yield ("symbol table", symoff, nsyms * _NLIST_SIZE[walk.is64])
        yield ("string table", stroff, strsize)
    elif cmd == _LC_DYSYMTAB:
        fields = _unpack(end + "12I", data, at + 32, "LC_DYSYMTAB")
        for (what, entry), offset, count in zip(_DYSYMTAB_TABLES, fields[0::2], fields[1::2], strict=True):
            yield (what, offset, count * (entry or (56 if walk.is64 else 52)))
    elif cmd in (_LC_DYLD_INFO, _LC_DYLD_INFO_ONLY):
        fields = _unpack(end + "10I", data, at + 8, "LC_DYLD_INFO")
        for what, offset, size in zip(("rebase", "bind", "weak bind", "lazy bind", "export"), fields[0::2],
                                      fields[1::2], strict=True):
            yield (f"dyld {what} info", offset, size)
    elif cmd in _LC_LINKEDIT_DATA:
        dataoff, datasize = _unpack(end + "II", data, at + 8, _LC_LINKEDIT_DATA[cmd])
        yield (_LC_LINKEDIT_DATA[cmd], dataoff, datasize)
    elif cmd in (_LC_ENCRYPTION_INFO, _LC_ENCRYPTION_INFO_64):
        cryptoff, cryptsize = _unpack(end + "II", data, at + 8, "LC_ENCRYPTION_INFO")
        yield ("encrypted range", cryptoff, cryptsize)


def _trie_location(data: bytes, walk: _MachoCommands) -> tuple[int, int] | None:
    """LC_DYLD_EXPORTS_TRIE (ld64 >= 12) wins over the export part of LC_DYLD_INFO[_ONLY] (what zig writes)."""
    for cmd, at in walk.commands:
        if cmd == _LC_DYLD_EXPORTS_TRIE:
            return _unpack(walk.end + "II", data, at + 8, "LC_DYLD_EXPORTS_TRIE")
    for cmd, at in walk.commands:
        if cmd in (_LC_DYLD_INFO, _LC_DYLD_INFO_ONLY):
            return _unpack(walk.end + "II", data, at + 40, "LC_DYLD_INFO")
    return None


def _fat_slices(data: bytes) -> list[_Slice]:
    magic, nfat = _unpack(">II", data, 0, "fat header")
    entry_fmt, entry_size = (">iiQQII", 32) if magic == _FAT_MAGIC_64 else (">iiIII", 20)
    _check_extents([("fat architecture table", 8, nfat * entry_size)], len(data))
    slices = []
    for index in range(nfat):
        cputype, _, offset, size, *_ = _unpack(entry_fmt, data, 8 + index * entry_size, "fat_arch")
        _check_extents([(f"fat slice {index}", offset, size)], len(data))
        one = _macho_slice(data, offset, size)
        if one.cputype != cputype:
            raise _Bad(f"fat slice {index} claims CPU type {cputype:#x} but its header says {one.cputype:#x}")
        slices.append(one)
    return slices


# The export trie (dyld's format). A node: ULEB128 terminal size; when non-zero, ULEB128 flags and then
# either (re-export) ULEB128 dylib ordinal + C-string import name, or ULEB128 address (+ ULEB128 resolver
# for stub-and-resolver). After the terminal part: one byte child count, then per child a C-string edge
# label and a ULEB128 node offset. A symbol's name is the concatenation of the labels on its path.


@dataclass(frozen=True, slots=True)
class _TrieExport:
    name: str
    flags: int
    address: int


def _uleb(data: bytes, position: int, limit: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if position >= limit or shift > 63:
            raise _Bad("export trie holds an unterminated or oversized ULEB128 number")
        byte = data[position]
        value |= (byte & 0x7F) << shift
        position, shift = position + 1, shift + 7
        if byte < 0x80:
            return value, position


def _walk_trie(data: bytes, start: int, size: int) -> list[_TrieExport]:
    limit, found, seen = start + size, [], set()
    pending: list[tuple[int, bytes]] = [(0, b"")] if size else []
    while pending:
        node, prefix = pending.pop()
        if node in seen or node >= size:
            raise _Bad(f"export trie node offset {node} is out of range or reached twice")
        seen.add(node)
        terminal_size, position = _uleb(data, start + node, limit)
        children_at = position + terminal_size
        if terminal_size:
            found.append(_trie_terminal(data, position, min(children_at, limit), prefix))
        pending.extend(reversed(_trie_children(data, children_at, limit, prefix)))
    return found


def _trie_terminal(data: bytes, position: int, limit: int, prefix: bytes) -> _TrieExport:
    flags, position = _uleb(data, position, limit)
    address = 0 if flags & _EXPORT_REEXPORT else _uleb(data, position, limit)[0]
    return _TrieExport(prefix.decode("utf-8", errors="replace"), flags, address)


def _trie_children(data: bytes, position: int, limit: int, prefix: bytes) -> list[tuple[int, bytes]]:
    if position >= limit:
        raise _Bad("export trie node runs past the end of the trie")
    count, position, children = data[position], position + 1, []
    for _ in range(count):
        stop = data.find(b"\0", position, limit)
        if stop < 0:
            raise _Bad("export trie edge label runs past the end of the trie")
        label = data[position:stop]
        child, position = _uleb(data, stop + 1, limit)
        children.append((child, prefix + label))
    return children


def _inspect_thin_macho(path: Path, data: bytes) -> tuple[Inspection, ...]:
    return _inspect_macho(path, data, [_macho_slice(data, 0, len(data))], fat=False)


def _inspect_fat_macho(path: Path, data: bytes) -> tuple[Inspection, ...]:
    return _inspect_macho(path, data, _fat_slices(data), fat=True)


def _inspect_macho(path: Path, data: bytes, slices: list[_Slice], *, fat: bool) -> tuple[Inspection, ...]:
    tries = [_slice_trie(data, layout) for layout in slices]
    lief = _load_lief()
    parsed = lief.MachO.parse(data)  # keep ``parsed`` alive while its binaries are used (lief owns them)
    if parsed is None or parsed.size != len(slices):
        raise _Bad(f"headers declare {len(slices)} image(s), lief parsed {0 if parsed is None else parsed.size}")
    result = []
    for index, (layout, trie) in enumerate(zip(slices, tries, strict=True)):
        binary = parsed.at(index)
        _check_macho_consistency(binary, layout, trie, index)
        result.append(_macho_inspection(lief, path, binary, layout, trie, index if fat else None))
    return tuple(result)


def _slice_trie(data: bytes, layout: _Slice) -> list[_TrieExport]:
    if layout.trie is None:
        return []
    offset, size = layout.trie
    return _walk_trie(data, layout.offset + offset, size)


def _check_macho_consistency(binary: Any, layout: _Slice, trie: list[_TrieExport], index: int) -> None:
    if len(binary.commands) != layout.ncmds:
        raise _Bad(f"image {index}: header declares {layout.ncmds} load commands, lief parsed {len(binary.commands)}")
    if binary.has_dyld_exports_trie:
        theirs = binary.dyld_exports_trie.exports
    elif binary.has_dyld_info:
        theirs = binary.dyld_info.exports
    else:
        theirs = []
    lief_names = sorted(e.symbol.name if e.has_symbol else "" for e in theirs)
    if lief_names != sorted(e.name for e in trie):
        raise _Bad(f"image {index}: the export trie walk found {len(trie)} names, lief {len(lief_names)} others")


def _macho_inspection(lief: Any, path: Path, binary: Any, layout: _Slice, trie: list[_TrieExport],
                      slice_index: int | None) -> Inspection:
    dylibs = [c for c in binary.commands if isinstance(c, lief.MachO.DylibCommand)]
    id_type = lief.MachO.LoadCommand.TYPE.ID_DYLIB
    own_ids = [_text(c.name) for c in dylibs if c.command == id_type]
    return Inspection(
        path=path,
        format="macho",
        arch=_CPU_ARCH.get(layout.cputype, f"cpu-{layout.cputype:#x}"),
        os="macos",
        exports=tuple(_macho_export(entry, layout) for entry in trie),
        imports=tuple(_text(c.name) for c in dylibs if c.command != id_type),
        soname=own_ids[0] if own_ids else None,
        slice_index=slice_index,
        min_os=_macho_min_os(binary),
    )


def _macho_min_os(binary: Any) -> str | None:
    if binary.has_build_version:
        return _format_version(binary.build_version.minos)
    if binary.has_version_min:
        return _format_version(binary.version_min.version)
    return None


def _macho_export(entry: _TrieExport, layout: _Slice) -> Export:
    if not entry.name:
        raise _Bad("the export trie holds an entry with an empty name")
    raw = _text(entry.name)
    name = raw[1:] if raw.startswith("_") else raw
    return Export(name=name, kind=_macho_kind(entry, layout))


def _macho_kind(entry: _TrieExport, layout: _Slice) -> Kind:
    kind = entry.flags & _EXPORT_KIND_MASK
    if entry.flags & _EXPORT_REEXPORT or kind == _EXPORT_KIND_ABSOLUTE:
        return "unknown"
    if kind == _EXPORT_KIND_THREAD_LOCAL:
        return "data"
    address = layout.image_base + entry.address
    for section in layout.sections:
        if section.address <= address < section.address + section.size:
            return "function" if section.flags & _SECTION_HAS_CODE else "data"
    return "data"  # e.g. the Mach-O header itself (_mh_dylib_header)


# --------------------------------------------------------------------------- PE

_PE_ARCH = {0x8664: "x86_64", 0xAA64: "aarch64", 0x14C: "x86", 0x1C4: "arm", 0x1C0: "arm", 0xA641: "arm64ec"}
_IMAGE_SCN_MEM_EXECUTE = 0x20000000
_DIR_EXPORT, _DIR_SECURITY = 0, 4
_PE_MAX_EXPORTS = 0x10000  # ordinals are 16-bit


@dataclass(frozen=True, slots=True)
class _PeSection:
    rva: int
    virtual_size: int
    raw_offset: int
    raw_size: int
    characteristics: int


@dataclass(frozen=True, slots=True)
class _PeLayout:
    machine: int
    size_of_headers: int
    sections: tuple[_PeSection, ...]
    directories: tuple[tuple[int, int], ...]  # (rva, size); the security entry holds a file offset

    def rva_to_offset(self, rva: int, size: int, what: str) -> int:
        """File offset of ``size`` bytes at ``rva``; raises unless all of them are backed by the file."""
        if rva >= 0 and rva + size <= self.size_of_headers:
            return rva
        for section in self.sections:
            if section.rva <= rva and rva + size <= section.rva + section.raw_size:
                return section.raw_offset + rva - section.rva
        raise _Bad(f"{what} (RVA {rva:#x}, {size} bytes) is outside the file's sections")

    def section_of(self, rva: int) -> _PeSection | None:
        return next((s for s in self.sections if s.rva <= rva < s.rva + max(s.virtual_size, s.raw_size)), None)


def _pe_layout(data: bytes) -> _PeLayout:
    (lfanew,) = _unpack("<I", data, 0x3C, "DOS header")
    machine, nsections, _, symtab, nsyms, opt_size, _ = _unpack("<HHIIIHH", data, lfanew + 4, "COFF header")
    opt = lfanew + 24
    (opt_magic,) = _unpack("<H", data, opt, "optional header")
    if opt_magic not in (0x10B, 0x20B):
        raise _Bad(f"unknown optional header magic {opt_magic:#x}")
    dirs_at = opt + (112 if opt_magic == 0x20B else 96)
    (size_of_headers,) = _unpack("<I", data, opt + 60, "optional header")
    (ndirs,) = _unpack("<I", data, dirs_at - 4, "optional header")
    ndirs = min(ndirs, 16, max(0, (opt + opt_size - dirs_at) // 8))
    directories = tuple(_unpack("<II", data, dirs_at + 8 * i, "data directory") for i in range(ndirs))
    _check_extents([("optional header", opt, opt_size), ("section table", opt + opt_size, 40 * nsections),
                    ("headers", 0, size_of_headers), ("COFF symbol table", symtab, 18 * nsyms if symtab else 0)],
                   len(data))
    sections = tuple(_pe_section(data, opt + opt_size + 40 * i) for i in range(nsections))
    extents = [(f"section {i}", s.raw_offset, s.raw_size) for i, s in enumerate(sections) if s.raw_size]
    if len(directories) > _DIR_SECURITY:
        extents.append(("certificate table", *directories[_DIR_SECURITY]))
    _check_extents(extents, len(data))
    return _PeLayout(machine, size_of_headers, sections, directories)


def _pe_section(data: bytes, at: int) -> _PeSection:
    _, vsize, rva, raw_size, raw_offset, _, _, _, _, flags = _unpack("<8sIIIIIIHHI", data, at, "section header")
    return _PeSection(rva, vsize, raw_offset if raw_size else 0, raw_size, flags)


@dataclass(frozen=True, slots=True)
class _PeExports:
    dll_name: str | None
    exports: tuple[Export, ...]


def _pe_exports(data: bytes, layout: _PeLayout) -> _PeExports:
    """Walk the export directory: every non-zero address-table slot is one export per name (or nameless)."""
    if not layout.directories or layout.directories[_DIR_EXPORT][0] == 0:
        return _PeExports(None, ())
    dir_rva, dir_size = layout.directories[_DIR_EXPORT]
    at = layout.rva_to_offset(dir_rva, max(dir_size, 40), "export directory")
    _, _, _, _, name_rva, base, nfuncs, nnames, funcs_rva, names_rva, ords_rva = _unpack(
        "<IIHHIIIIIII", data, at, "export directory"
    )
    if nfuncs > _PE_MAX_EXPORTS or nnames > nfuncs:
        raise _Bad(f"export directory declares {nfuncs} functions and {nnames} names")
    funcs = _pe_table(data, layout, funcs_rva, "I", nfuncs, "export address table")
    names = _pe_names(data, layout, names_rva, ords_rva, nnames, nfuncs)
    exports: list[Export] = []
    for index, rva in enumerate(funcs):
        if rva:
            ordinal = base + index
            for name in names.get(index, [f"#{ordinal}"]):
                exports.append(_pe_export(data, layout, name, ordinal, rva, (dir_rva, dir_rva + dir_size)))
    dll_name = _pe_string(data, layout, name_rva, "export DLL name") if name_rva else None
    return _PeExports(dll_name, tuple(exports))


def _pe_table(data: bytes, layout: _PeLayout, rva: int, code: str, count: int, what: str) -> tuple[int, ...]:
    if count == 0:
        return ()
    at = layout.rva_to_offset(rva, count * struct.calcsize(code), what)
    return struct.unpack_from(f"<{count}{code}", data, at)


def _pe_names(data: bytes, layout: _PeLayout, names_rva: int, ords_rva: int, nnames: int,
              nfuncs: int) -> dict[int, list[str]]:
    name_rvas = _pe_table(data, layout, names_rva, "I", nnames, "export name table")
    indexes = _pe_table(data, layout, ords_rva, "H", nnames, "export ordinal table")
    names: dict[int, list[str]] = {}
    for name_rva, index in zip(name_rvas, indexes, strict=True):
        if index >= nfuncs:
            raise _Bad(f"export name table points at function {index} of {nfuncs}")
        names.setdefault(index, []).append(_pe_string(data, layout, name_rva, "export name"))
    return names


def _pe_string(data: bytes, layout: _PeLayout, rva: int, what: str) -> str:
    offset = layout.rva_to_offset(rva, 1, what)
    section = layout.section_of(rva)
    limit = section.raw_offset + section.raw_size if section and rva >= layout.size_of_headers else len(data)
    return _c_string(data, offset, min(limit, len(data)), what)


def _pe_export(data: bytes, layout: _PeLayout, name: str, ordinal: int, rva: int,
               export_dir: tuple[int, int]) -> Export:
    if export_dir[0] <= rva < export_dir[1]:
        target = _pe_string(data, layout, rva, f"forwarder of export {name}")
        return Export(name=name, kind="unknown", ordinal=ordinal, forwarder=target)
    section = layout.section_of(rva)
    if section is None:
        kind: Kind = "unknown"
    else:
        kind = "function" if section.characteristics & _IMAGE_SCN_MEM_EXECUTE else "data"
    return Export(name=name, kind=kind, ordinal=ordinal)


def _inspect_pe(path: Path, data: bytes) -> tuple[Inspection, ...]:
    layout = _pe_layout(data)
    table = _pe_exports(data, layout)
    lief = _load_lief()
    binary = lief.PE.parse(data)
    if binary is None:
        raise _Bad("lief could not parse it")
    _check_pe_consistency(binary, layout, table)
    inspection = Inspection(
        path=path,
        format="pe",
        arch=_PE_ARCH.get(layout.machine, f"pe-machine-{layout.machine:#x}"),
        os="windows",
        exports=table.exports,
        imports=tuple(_text(i.name) for i in binary.imports),
        soname=table.dll_name,
    )
    return (inspection,)


def _check_pe_consistency(binary: Any, layout: _PeLayout, table: _PeExports) -> None:
    if len(binary.sections) != len(layout.sections):
        raise _Bad(f"headers declare {len(layout.sections)} sections, lief parsed {len(binary.sections)}")
    lief_export = binary.get_export() if binary.has_exports else None
    ours = {e.ordinal for e in table.exports}
    theirs = {e.ordinal for e in lief_export.entries} if lief_export is not None else set()
    if ours != theirs:
        example = min(ours ^ theirs)
        raise _Bad(f"lief and the export directory disagree on ordinals ({len(ours)} vs {len(theirs)} exports, "
                   f"e.g. ordinal {example})")


_INSPECTORS: dict[str, Callable[[Path, bytes], tuple[Inspection, ...]]] = {
    "elf": _inspect_elf,
    "macho": _inspect_thin_macho,
    "fat": _inspect_fat_macho,
    "pe": _inspect_pe,
}
