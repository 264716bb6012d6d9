"""PE: exports are the used slots of the export address table (named, nameless or forwarded)."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from plugsmith.inspection._common import (
    Data,
    Export,
    ExportKind,
    Inspection,
    _Bad,
    _c_string,
    _check_extents,
    _check_parse_size,
    _export,
    _unpack,
)

# --------------------------------------------------------------------------- PE

_PE_ARCH = {0x8664: "x86_64", 0xAA64: "aarch64", 0x14C: "x86", 0x1C4: "arm", 0x1C0: "arm", 0xA641: "arm64ec"}
_IMAGE_SCN_MEM_EXECUTE = 0x20000000
_DIR_EXPORT, _DIR_IMPORT, _DIR_SECURITY = 0, 1, 4
_IMPORT_DESCRIPTOR_SIZE = 20
_MIN_DLL_NAME = 4
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
    parse_size: int  # where the headers, the last section or the certificate table ends: all lief needs
    pe32plus: bool = False  # PE32+ (64-bit): import lookup entries are 8 bytes, not 4

    def rva_to_offset(self, rva: int, size: int, what: str) -> int:
        """File offset of ``size`` bytes at ``rva``; raises unless all of them are backed by the file."""
        if rva >= 0 and rva + size <= self.size_of_headers:
            return rva
        for section in self.sections:
            if section.rva <= rva and rva + size <= section.rva + section.raw_size:
                return section.raw_offset + rva - section.rva
        raise _Bad(f"{what} (RVA {rva:#x}, {size} bytes) is outside the file's sections")

    def section_of(self, rva: int) -> _PeSection | None:
        for s in self.sections:  # a loop, not next(generator): called once or twice per export
            if s.rva <= rva < s.rva + max(s.virtual_size, s.raw_size):
                return s
        return None


def _pe_layout(data: Data) -> _PeLayout:
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
    headers = _check_extents([("optional header", opt, opt_size), ("section table", opt + opt_size, 40 * nsections),
                              ("headers", 0, size_of_headers),
                              ("COFF symbol table", symtab, 18 * nsyms if symtab else 0)], len(data))
    sections = tuple(_pe_section(data, opt + opt_size + 40 * i) for i in range(nsections))
    extents = [(f"section {i}", s.raw_offset, s.raw_size) for i, s in enumerate(sections) if s.raw_size]
    if len(directories) > _DIR_SECURITY:
        extents.append(("certificate table", *directories[_DIR_SECURITY]))
    contents = _check_extents(extents, len(data))
    return _PeLayout(machine, size_of_headers, sections, directories, max(headers, contents), opt_magic == 0x20B)


def _pe_section(data: Data, at: int) -> _PeSection:
    _, vsize, rva, raw_size, raw_offset, _, _, _, _, flags = _unpack("<8sIIIIIIHHI", data, at, "section header")
    return _PeSection(rva, vsize, raw_offset if raw_size else 0, raw_size, flags)


@dataclass(frozen=True, slots=True)
class _PeExports:
    dll_name: str | None
    exports: tuple[Export, ...]


def _pe_exports(data: Data, layout: _PeLayout) -> _PeExports:
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


def _pe_table(data: Data, layout: _PeLayout, rva: int, code: str, count: int, what: str) -> tuple[int, ...]:
    if count == 0:
        return ()
    at = layout.rva_to_offset(rva, count * struct.calcsize(code), what)
    return struct.unpack_from(f"<{count}{code}", data, at)


def _pe_names(data: Data, layout: _PeLayout, names_rva: int, ords_rva: int, nnames: int,
              nfuncs: int) -> dict[int, list[str]]:
    name_rvas = _pe_table(data, layout, names_rva, "I", nnames, "export name table")
    indexes = _pe_table(data, layout, ords_rva, "H", nnames, "export ordinal table")
    names: dict[int, list[str]] = {}
    for name_rva, index in zip(name_rvas, indexes, strict=True):
        if index >= nfuncs:
            raise _Bad(f"export name table points at function {index} of {nfuncs}")
        names.setdefault(index, []).append(_pe_string(data, layout, name_rva, "export name"))
    return names


def _pe_string(data: Data, layout: _PeLayout, rva: int, what: str) -> str:
    offset = layout.rva_to_offset(rva, 1, what)
    section = layout.section_of(rva)
    limit = section.raw_offset + section.raw_size if section and rva >= layout.size_of_headers else len(data)
    return _c_string(data, offset, min(limit, len(data)), what)


def _pe_export(data: Data, layout: _PeLayout, name: str, ordinal: int, rva: int,
               export_dir: tuple[int, int]) -> Export:
    if export_dir[0] <= rva < export_dir[1]:
        target = _pe_string(data, layout, rva, f"forwarder of export {name}")
        return _export(name, "unknown", ordinal=ordinal, forwarder=target)
    section = layout.section_of(rva)
    if section is None:
        kind: ExportKind = "unknown"
    else:
        kind = "function" if section.characteristics & _IMAGE_SCN_MEM_EXECUTE else "data"
    return _export(name, kind, ordinal=ordinal)


def _pe_imports(data: Data, layout: _PeLayout) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The DLL names of the import directory, in order, up to its all-zero terminator, and every
    name imported from them as (DLL, name). A descriptor that no section's file bytes back reads as
    zeros, as the loader maps it: the end (a debug-only ``.exe.debug`` keeps the section table but
    none of the bytes). As lief does, a descriptor without a name also ends the table and a name
    that cannot be a DLL's (under 4 bytes or not printable ASCII) is skipped; delay-load imports are
    not part of it."""
    if len(layout.directories) <= _DIR_IMPORT or layout.directories[_DIR_IMPORT][0] == 0:
        return (), ()
    rva, names, entries = layout.directories[_DIR_IMPORT][0], list[str](), list[tuple[str, str]]()
    while True:
        try:
            at = layout.rva_to_offset(rva, _IMPORT_DESCRIPTOR_SIZE, "import directory")
        except _Bad:
            return tuple(names), tuple(entries)
        descriptor = struct.unpack_from("<IIIII", data, at)
        if not any(descriptor) or descriptor[3] == 0:
            return tuple(names), tuple(entries)
        name = _pe_string(data, layout, descriptor[3], "imported DLL name")
        if len(name) >= _MIN_DLL_NAME and name.isascii() and name.isprintable():
            names.append(name)
            entries.extend((name, entry) for entry in _pe_imported_names(data, layout, descriptor[0] or descriptor[4]))
        rva += _IMPORT_DESCRIPTOR_SIZE


def _pe_imported_names(data: Data, layout: _PeLayout, table_rva: int) -> Iterator[str]:
    """The names an import lookup table (else the address table) imports, up to its zero entry;
    ordinal imports have no name. A table that runs outside the file's sections is malformed."""
    size, ordinal_flag = (8, 1 << 63) if layout.pe32plus else (4, 1 << 31)
    code = "<Q" if layout.pe32plus else "<I"
    while table_rva:
        (entry,) = struct.unpack_from(code, data, layout.rva_to_offset(table_rva, size, "import lookup table"))
        if entry == 0:
            return
        if not entry & ordinal_flag:
            name = _pe_string(data, layout, (entry & 0x7FFFFFFF) + 2, "imported name")  # after the 2-byte hint
            if name:
                yield name
        table_rva += size


def inspect(path: Path, data: Data) -> tuple[Inspection, ...]:
    layout = _pe_layout(data)
    _check_parse_size(layout.parse_size)
    table = _pe_exports(data, layout)
    imports, undefined = _pe_imports(data, layout)
    inspection = Inspection(
        path=path,
        format="pe",
        arch=_PE_ARCH.get(layout.machine, f"pe-machine-{layout.machine:#x}"),
        os="windows",
        exports=table.exports,
        imports=imports,
        soname=table.dll_name,
        undefined=undefined,
    )
    return (inspection,)
