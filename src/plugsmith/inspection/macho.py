"""Mach-O (thin and fat): exports are the export trie's terminal nodes, one leading underscore stripped."""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from plugsmith.inspection._common import (
    _FAT_MAGIC_64,
    Data,
    Export,
    ExportKind,
    Inspection,
    _Bad,
    _check_extents,
    _check_parse_size,
    _export,
    _format_version,
    _unpack,
)

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
_LC_ID_DYLIB, _LC_BUILD_VERSION = 0xD, 0x32
_DYLIB_COMMANDS = {  # what lief reads as a DylibCommand; the ID names the library itself
    _LC_ID_DYLIB: "LC_ID_DYLIB",
    0xC: "LC_LOAD_DYLIB",
    0x80000018: "LC_LOAD_WEAK_DYLIB",
    0x8000001F: "LC_REEXPORT_DYLIB",
    0x20: "LC_LAZY_LOAD_DYLIB",
    0x80000023: "LC_LOAD_UPWARD_DYLIB",
}
_LC_VERSION_MIN = frozenset({0x24, 0x25, 0x2F, 0x30})  # MACOSX, IPHONEOS, TVOS, WATCHOS
_FILE_TYPES = {1: "object", 2: "execute", 6: "dylib", 7: "dylinker", 8: "bundle", 9: "dylib_stub", 0xB: "kext_bundle"}


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
    commands: tuple[tuple[int, int, int], ...]  # (cmd, absolute offset of the command in the file, cmdsize)


@dataclass(frozen=True, slots=True)
class _Slice:
    """One thin Mach-O image as its headers describe it."""

    offset: int
    size: int
    cputype: int
    filetype: int
    ncmds: int
    image_base: int  # vmaddr of the segment mapping the Mach-O header; trie addresses are relative to it
    sections: tuple[_MachoSection, ...]
    trie: tuple[int, int] | None  # (offset in the slice, size) of the export trie
    parse_size: int  # where (in the file) the last table, segment or section of this image ends
    walk: _MachoCommands


def _macho_slice(data: Data, base: int, size: int) -> _Slice:
    """Read one thin Mach-O header at ``base`` and check every extent its load commands declare."""
    where = "the file" if base == 0 else f"the slice at offset {base}"
    (magic,) = _unpack("<I", data, base, "Mach-O magic")
    if magic not in (0xFEEDFACE, 0xFEEDFACF, 0xCEFAEDFE, 0xCFFAEDFE):
        raise _Bad(f"{where} is not a Mach-O image (magic {magic:#010x})")
    is64 = magic in (0xFEEDFACF, 0xCFFAEDFE)
    end = "<" if magic in (0xFEEDFACE, 0xFEEDFACF) else ">"
    header_size = 32 if is64 else 28
    _check_extents([("Mach-O header", 0, header_size)], size, where)
    _, cputype, _, filetype, ncmds, sizeofcmds, _ = _unpack(end + "IiiIIII", data, base, "Mach-O header")
    commands_end = _check_extents([("load commands", header_size, sizeofcmds)], size, where)
    walk = _MachoCommands(end, is64, _macho_commands(data, base + header_size, end, ncmds, sizeofcmds))
    segments = [_segment(data, at, walk, cmd) for cmd, at, _ in walk.commands if cmd in (_LC_SEGMENT, _LC_SEGMENT_64)]
    extents = [ext for cmd, at, _ in walk.commands for ext in _command_extents(data, at, walk, cmd)]
    extents += [(f"segment {s.name}", s.fileoff, s.filesize) for s in segments]
    extents += [ext for s in segments for sect in s.sections for ext in sect.extents()]
    contents_end = _check_extents(extents, size, where)
    bases = [s.vmaddr for s in segments if s.fileoff == 0 and s.filesize]
    sections = tuple(sect for s in segments for sect in s.sections)
    return _Slice(base, size, cputype, filetype, ncmds, bases[0] if bases else 0, sections, _trie_location(data, walk),
                  base + max(commands_end, contents_end), walk)


def _macho_commands(data: Data, start: int, end: str, ncmds: int,
                    sizeofcmds: int) -> tuple[tuple[int, int, int], ...]:
    commands, position = [], 0
    for index in range(ncmds):
        cmd, cmdsize = _unpack(end + "II", data, start + position, "load command")
        if cmdsize < 8 or position + cmdsize > sizeofcmds:
            raise _Bad(f"load command {index} (cmd {cmd:#x}, size {cmdsize}) overruns the load command area")
        commands.append((cmd, start + position, cmdsize))
        position += cmdsize
    return tuple(commands)


def _segment(data: Data, at: int, walk: _MachoCommands, cmd: int) -> _MachoSegment:
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


def _command_extents(data: Data, at: int, walk: _MachoCommands, cmd: int) -> Iterator[tuple[str, int, int]]:
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


def _trie_location(data: Data, walk: _MachoCommands) -> tuple[int, int] | None:
    """LC_DYLD_EXPORTS_TRIE (ld64 >= 12) wins over the export part of LC_DYLD_INFO[_ONLY] (what zig writes)."""
    for cmd, at, _ in walk.commands:
        if cmd == _LC_DYLD_EXPORTS_TRIE:
            return _unpack(walk.end + "II", data, at + 8, "LC_DYLD_EXPORTS_TRIE")
    for cmd, at, _ in walk.commands:
        if cmd in (_LC_DYLD_INFO, _LC_DYLD_INFO_ONLY):
            return _unpack(walk.end + "II", data, at + 40, "LC_DYLD_INFO")
    return None


def _fat_slices(data: Data) -> list[_Slice]:
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


class _TrieExport(NamedTuple):  # a tuple: 10,000s per library, a frozen dataclass costs 10x to make
    name: str
    flags: int
    address: int


def _uleb(data: Data, position: int, limit: int) -> tuple[int, int]:
    if position < limit and data[position] < 0x80:  # one byte: most flags, sizes and child counts
        return data[position], position + 1
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
    """Every terminal node of the trie at ``start``; ULEB128 numbers of one byte (most of them) are
    read in line, longer ones by :func:`_uleb`."""
    limit, found, seen = start + size, [], set()
    pending: list[tuple[int, bytes]] = [(0, b"")] if size else []
    while pending:
        node, prefix = pending.pop()
        if node in seen or node >= size:
            raise _Bad(f"export trie node offset {node} is out of range or reached twice")
        seen.add(node)
        position = start + node
        if position < limit and data[position] < 0x80:
            terminal_size, position = data[position], position + 1
        else:
            terminal_size, position = _uleb(data, position, limit)
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
        label, position = data[position:stop], stop + 1
        if position < limit and data[position] < 0x80:
            child, position = data[position], position + 1
        else:
            child, position = _uleb(data, position, limit)
        children.append((child, prefix + label))
    return children


def inspect_thin(path: Path, data: Data) -> tuple[Inspection, ...]:
    layout = _macho_slice(data, 0, len(data))
    return _inspect_macho(path, data, [layout], fat=False, parse_size=layout.parse_size)


def inspect_fat(path: Path, data: Data) -> tuple[Inspection, ...]:
    slices = _fat_slices(data)  # lief takes each slice whole, as the fat header sizes it
    return _inspect_macho(path, data, slices, fat=True, parse_size=max(s.offset + s.size for s in slices))


def _inspect_macho(path: Path, data: Data, slices: list[_Slice], *, fat: bool,
                   parse_size: int) -> tuple[Inspection, ...]:
    _check_parse_size(parse_size)
    return tuple(_macho_inspection(path, data, layout, _slice_trie(data, layout), index if fat else None)
                 for index, layout in enumerate(slices))


def _slice_trie(data: Data, layout: _Slice) -> list[_TrieExport]:
    if layout.trie is None:
        return []
    offset, size = layout.trie  # inside the slice (checked with its extents): walked as one bytes copy,
    start = layout.offset + offset  # which indexes several times faster than the map
    return _walk_trie(bytes(data[start : start + size]), 0, size)


def _macho_inspection(path: Path, data: Data, layout: _Slice, trie: list[_TrieExport],
                      slice_index: int | None) -> Inspection:
    dylibs = [(cmd, _dylib_name(data, at, size, layout.walk.end)) for cmd, at, size in layout.walk.commands
              if cmd in _DYLIB_COMMANDS]
    own_ids = [name for cmd, name in dylibs if cmd == _LC_ID_DYLIB]
    kind_of = _kind_finder(layout)
    return Inspection(
        path=path,
        format="macho",
        arch=_CPU_ARCH.get(layout.cputype, f"cpu-{layout.cputype:#x}"),
        os="macos",
        exports=tuple(_macho_export(entry, kind_of) for entry in trie),
        imports=tuple(name for cmd, name in dylibs if cmd != _LC_ID_DYLIB),
        soname=own_ids[0] if own_ids else None,
        slice_index=slice_index,
        min_os=_macho_min_os(data, layout.walk),
        file_type=_FILE_TYPES.get(layout.filetype, f"filetype-{layout.filetype}"),
        undefined=tuple(("", name) for name in _macho_unbound(data, layout)),
    )


#: Library ordinals of an undefined symbol that name no library: 0 (SELF_LIBRARY_ORDINAL, what a
#: flat-namespace image writes) and 0xFE (DYNAMIC_LOOKUP_ORDINAL, ``-undefined dynamic_lookup``).
_NO_LIBRARY_ORDINALS = frozenset({0, 0xFE})
_N_STAB, _N_TYPE, _N_EXT = 0xE0, 0x0E, 0x01
#: n_type byte -> 1 where it can be an undefined external (no N_STAB bits, N_TYPE N_UNDF, N_EXT; N_PEXT
#: either way), else 0: a C-speed pass over the table finds the few entries worth unpacking.
_UNDEFINED_EXTERNAL = bytes(1 if not t & (_N_STAB | _N_TYPE) and t & _N_EXT else 0 for t in range(256))


def _macho_unbound(data: Data, layout: _Slice) -> Iterator[str]:
    """Undefined external symbols the loader finds in whatever image is loaded (a CPython extension's
    Py* names): LC_SYMTAB entries of type N_UNDF, external, not debug entries, whose two-level
    library ordinal (n_desc's high byte) names no library; one leading underscore stripped (the C name)."""
    walk = layout.walk
    for cmd, at, _ in walk.commands:
        if cmd != _LC_SYMTAB:
            continue
        symoff, nsyms, stroff, strsize = _unpack(walk.end + "IIII", data, at + 8, "LC_SYMTAB")
        size = _NLIST_SIZE[walk.is64]
        base = layout.offset  # the table offsets are inside the slice (checked with its extents)
        fmt = walk.end + ("IBBHQ" if walk.is64 else "IBBHI")
        table, strings = base + symoff, base + stroff
        # n_type is byte 4 of every entry: one strided slice and a translate find the candidates, and
        # only those are unpacked and named (polars: 135 names among 112,000 entries, ~10 MB of strings)
        marks = data[table + 4 : table + nsyms * size : size].translate(_UNDEFINED_EXTERNAL)
        index = marks.find(1)
        while index >= 0:
            strx, ntype, _, desc, value = struct.unpack_from(fmt, data, table + index * size)
            index = marks.find(1, index + 1)
            if (ntype & _N_STAB or ntype & _N_TYPE or not ntype & _N_EXT or value
                    or (desc >> 8) & 0xFF not in _NO_LIBRARY_ORDINALS or not 0 < strx < strsize):
                continue
            stop = data.find(b"\0", strings + strx, strings + strsize)
            raw = data[strings + strx : stop if stop >= 0 else strings + strsize]
            name = raw.decode("utf-8", "backslashreplace")
            yield name[1:] if name.startswith("_") else name


def _dylib_name(data: Data, at: int, size: int, end: str) -> str:
    """A dylib command's install name: the C string at its name offset, inside the command."""
    what = _DYLIB_COMMANDS[_unpack(end + "I", data, at, "load command")[0]]
    (offset,) = _unpack(end + "I", data, at + 8, what)
    if not 12 <= offset < size:
        raise _Bad(f"{what} at file offset {at} puts its name at {offset}, outside its {size} bytes")
    stop = data.find(b"\0", at + offset, at + size)
    if stop < 0:
        raise _Bad(f"{what} at file offset {at}: the name is not terminated inside the command")
    return bytes(data[at + offset : stop]).decode("utf-8", "backslashreplace")


def _macho_min_os(data: Data, walk: _MachoCommands) -> str | None:
    """LC_BUILD_VERSION's minos, else an LC_VERSION_MIN_* command's version (xxxx.yy.zz nibbles)."""
    found = [(cmd, at) for cmd, at, _ in walk.commands if cmd == _LC_BUILD_VERSION or cmd in _LC_VERSION_MIN]
    for wanted in (lambda c: c == _LC_BUILD_VERSION, lambda c: c in _LC_VERSION_MIN):
        for cmd, at in found:
            if wanted(cmd):
                offset = 12 if cmd == _LC_BUILD_VERSION else 8
                (packed,) = _unpack(walk.end + "I", data, at + offset, "version command")
                return _format_version((packed >> 16, (packed >> 8) & 0xFF, packed & 0xFF))
    return None


def _macho_export(entry: _TrieExport, kind_of: Callable[[_TrieExport], ExportKind]) -> Export:
    if not entry.name:
        raise _Bad("the export trie holds an entry with an empty name")
    name = entry.name
    return _export(name[1:] if name.startswith("_") else name, kind_of(entry))


def _kind_finder(layout: _Slice) -> Callable[[_TrieExport], ExportKind]:
    """An export's kind: re-exports and absolute symbols are unknown, thread-locals data, anything
    else what the first section holding its address holds (code: function)."""
    base = layout.image_base
    sections = [(s.address, s.address + s.size, "function" if s.flags & _SECTION_HAS_CODE else "data")
                for s in layout.sections]

    def kind_of(entry: _TrieExport) -> ExportKind:
        kind = entry.flags & _EXPORT_KIND_MASK
        if entry.flags & _EXPORT_REEXPORT or kind == _EXPORT_KIND_ABSOLUTE:
            return "unknown"
        if kind == _EXPORT_KIND_THREAD_LOCAL:
            return "data"
        address = base + entry.address
        for start, end, what in sections:
            if start <= address < end:
                return "function" if what == "function" else "data"
        return "data"  # e.g. the Mach-O header itself (_mh_dylib_header)

    return kind_of
