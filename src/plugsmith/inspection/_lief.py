"""The same inspection read by lief: the independent cross-check of plugsmith's own readers.

``inspect_file`` here gives what ``plugsmith.inspection.inspect_file`` gives, but every field
comes from lief's parse (configured to parse what verification needs), after the same header
walk and extent checks; what lief finds is also cross-checked against those headers (section
and command counts, the export trie's names, PE ordinals). The tests hold the two readers equal
on every artifact they build and on the real-world corpus. Not used by ``plugsmith verify``:
importing lief alone costs more than reading a release with the readers beside this module.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from plugsmith.inspection import elf, macho, pe
from plugsmith.inspection._common import Data, Export, Inspection, _Bad, _check_parse_size, _format_version

__all__ = ["inspect_file"]


def inspect_file(path: Path) -> tuple[Inspection, ...]:
    """Like ``plugsmith.inspection.inspect_file``, read by lief."""
    from plugsmith.inspection import _inspect_with

    return _inspect_with(Path(path), _INSPECTORS)


def _text(value: str | bytes) -> str:
    """A name as text. lief hands back ``bytes`` for names that are not valid UTF-8: keep them,
    escaped, so they are reported and can never match a contract name by accident."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    return value


class _Window(io.RawIOBase):
    """The first ``size`` bytes of ``data`` as a stream. lief reads a stream by seeking to its end
    and reading it whole, so this is how lief gets exactly the bytes the headers declare (not a
    trailing overlay, not the zeros of a sparse file) without a second copy in Python."""

    def __init__(self, data: Data, size: int) -> None:
        super().__init__()
        self._data, self._size, self._position = data, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer: Any) -> int:
        count = max(0, min(len(buffer), self._size - self._position))
        buffer[:count] = self._data[self._position : self._position + count]
        self._position += count
        return count


def _lief_parse(parse: Callable[..., Any], data: Data, needed: int, config: Any) -> Any:
    """``parse`` (lief.ELF.parse...) over the first ``needed`` bytes, the end of the last table,
    segment or section the headers declare."""
    _check_parse_size(needed)
    return parse(_Window(data, min(needed, len(data))), config)


def _lief_config(factory: Callable[[], Any], settings: Iterable[tuple[str, bool]]) -> Any:
    """A parser configuration from (attribute, value) rows; rows this lief version lacks are skipped
    (older lief parses that part regardless, which is slower, not wrong)."""
    config = factory()
    for name, value in settings:
        if hasattr(config, name):
            setattr(config, name, value)
    return config


def _load_lief() -> Any:
    import lief  # slow import: only when a file is actually inspected

    lief.logging.disable()
    return lief



# --------------------------------------------------------------------------- ELF

#: What verification reads: ``.dynsym``, its versions and the dynamic entries; not ``.symtab``,
#: relocations, notes or the overlay (lief's defaults parse all of them).
_ELF_LEAN: tuple[tuple[str, bool], ...] = (
    ("parse_dyn_symbols", True),
    ("parse_symbol_versions", True),
    ("parse_symtab_symbols", False),
    ("parse_relocations", False),
    ("parse_notes", False),
    ("parse_overlay", False),
)


def _elf(path: Path, data: Data) -> tuple[Inspection, ...]:
    layout = elf._elf_layout(data)
    lief = _load_lief()
    binary = _lief_parse(lief.ELF.parse, data, layout.parse_size, _lief_config(lief.ELF.ParserConfig, _ELF_LEAN))
    if binary is None:
        raise _Bad("lief could not parse it")
    _check_elf_consistency(binary, layout)
    entries = list(binary.dynamic_entries)
    needed = [_text(e.name) for e in entries if isinstance(e, lief.ELF.DynamicEntryLibrary)]
    sonames = [_text(e.name) for e in entries if isinstance(e, lief.ELF.DynamicSharedObject)]
    version_defs = _elf_version_defs(binary)
    needs = tuple((_text(req.name), tuple(_text(aux.name) for aux in req.get_auxiliary_symbols()))
                  for req in binary.symbols_version_requirement)
    glibc_max = elf._highest_glibc(version for _, versions in needs for version in versions)
    interpreter = _text(binary.interpreter) if binary.has_interpreter else None
    return (Inspection(
        path=path,
        format="elf",
        arch=elf._elf_arch(layout),
        os="linux",
        exports=tuple(_elf_exports(binary, frozenset(name for name, _ in version_defs))),
        imports=tuple(needed),
        soname=sonames[0] if sonames else None,
        glibc_max=glibc_max,
        libc=elf.libc_of(interpreter, needed, glibc_max),
        version_defs=version_defs,
        version_needs=needs,
        undefined=tuple(("", name) for name in _elf_unversioned_undefined(lief, binary)),
    ),)


def _elf_unversioned_undefined(lief: Any, binary: Any) -> Iterator[str]:
    """Undefined ``.dynsym`` names that no version need ties to a library (not weak references)."""
    weak = lief.ELF.Symbol.BINDING.WEAK
    for sym in binary.dynamic_symbols:
        if sym.shndx != 0 or not sym.name or sym.binding == weak:
            continue
        version = sym.symbol_version
        if version is None or not version.has_auxiliary_version:
            yield _text(sym.name)


def _check_elf_consistency(binary: Any, layout: Any) -> None:
    found = (len(binary.segments), len(binary.sections))
    if found != (layout.phnum, layout.shnum):
        raise _Bad(f"headers declare {layout.phnum} segments/{layout.shnum} sections, lief found {found[0]}/{found[1]}")
    count = len(binary.dynamic_symbols)
    if layout.dynsym_count is not None and count != layout.dynsym_count:
        raise _Bad(f".dynsym holds {layout.dynsym_count} symbols but lief read {count}")


def _elf_version_defs(binary: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return elf._elf_version_defs([(d.ndx, d.flags, [_text(aux.name) for aux in d.auxiliary_symbols])
                                  for d in binary.symbols_version_definition])


def _elf_exports(binary: Any, version_nodes: frozenset[str]) -> Iterator[Export]:
    for sym in binary.dynamic_symbols:
        info = sym.information  # raw st_info/st_other: lief's enums warn on values they do not know
        if sym.shndx == 0 or info >> 4 not in elf._STB_EXPORTED or sym.other & 0x3 not in elf._STV_EXPORTED:
            continue
        if not sym.name:
            raise _Bad(f"exported .dynsym entry at value {sym.value:#x} has no name")
        name = _text(sym.name)
        version, default = _elf_version(sym)
        if sym.shndx == elf._SHN_ABS and name in version_nodes and version == name:
            continue  # GNU ld's NODE@@NODE: names a version, is not an export
        yield Export(name=name, kind=elf._STT_KIND.get(info & 0xF, "unknown"), version=version,
                     default_version=default)


def _elf_version(sym: Any) -> tuple[str | None, bool]:
    symbol_version = sym.symbol_version
    if symbol_version is None:
        return None, True
    value = symbol_version.value
    if value & elf._VERSYM_INDEX <= elf._VER_NDX_GLOBAL:
        return None, True
    if not symbol_version.has_auxiliary_version:
        raise _Bad(f"symbol {sym.name!r} uses version index {value & elf._VERSYM_INDEX} that nothing defines")
    return _text(symbol_version.symbol_version_auxiliary.name), not value & elf._VERSYM_HIDDEN


# --------------------------------------------------------------------------- Mach-O

#: What verification reads: load commands and the export trie; not the dyld binding and rebase
#: opcodes (lief's defaults parse them). lief has no switch for the symbol table (LC_SYMTAB).
_MACHO_LEAN: tuple[tuple[str, bool], ...] = (
    ("parse_dyld_exports", True),
    ("parse_dyld_bindings", False),
    ("parse_dyld_rebases", False),
    ("fix_from_memory", False),
)


def _macho_thin(path: Path, data: Data) -> tuple[Inspection, ...]:
    layout = macho._macho_slice(data, 0, len(data))
    return _macho(path, data, [layout], fat=False, parse_size=layout.parse_size)


def _macho_fat(path: Path, data: Data) -> tuple[Inspection, ...]:
    slices = macho._fat_slices(data)  # lief takes each slice whole, as the fat header sizes it
    return _macho(path, data, slices, fat=True, parse_size=max(s.offset + s.size for s in slices))


def _macho(path: Path, data: Data, slices: list[Any], *, fat: bool, parse_size: int) -> tuple[Inspection, ...]:
    tries = [macho._slice_trie(data, layout) for layout in slices]
    lief = _load_lief()
    # keep ``parsed`` alive while its binaries are used (lief owns them)
    parsed = _lief_parse(lief.MachO.parse, data, parse_size, _lief_config(lief.MachO.ParserConfig, _MACHO_LEAN))
    if parsed is None or parsed.size != len(slices):
        raise _Bad(f"headers declare {len(slices)} image(s), lief parsed {0 if parsed is None else parsed.size}")
    result = []
    for index, (layout, trie) in enumerate(zip(slices, tries, strict=True)):
        binary = parsed.at(index)
        _check_macho_consistency(binary, layout, trie, index)
        result.append(_macho_inspection(lief, path, binary, layout, trie, index if fat else None))
    return tuple(result)


def _check_macho_consistency(binary: Any, layout: Any, trie: list[Any], index: int) -> None:
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


def _macho_inspection(lief: Any, path: Path, binary: Any, layout: Any, trie: list[Any],
                      slice_index: int | None) -> Inspection:
    dylibs = [c for c in binary.commands if isinstance(c, lief.MachO.DylibCommand)]
    id_type = lief.MachO.LoadCommand.TYPE.ID_DYLIB
    own_ids = [_text(c.name) for c in dylibs if c.command == id_type]
    return Inspection(
        path=path,
        format="macho",
        arch=macho._CPU_ARCH.get(layout.cputype, f"cpu-{layout.cputype:#x}"),
        os="macos",
        exports=tuple(macho._macho_export(entry, macho._kind_finder(layout)) for entry in trie),
        imports=tuple(_text(c.name) for c in dylibs if c.command != id_type),
        soname=own_ids[0] if own_ids else None,
        slice_index=slice_index,
        min_os=_macho_min_os(binary),
        file_type=macho._FILE_TYPES.get(layout.filetype, f"filetype-{layout.filetype}"),
        undefined=tuple(("", name) for name in _macho_unbound(lief, binary)),
    )


def _macho_unbound(lief: Any, binary: Any) -> Iterator[str]:
    """Undefined symbols with no library ordinal (flat namespace, ``-undefined dynamic_lookup``)."""
    undefined = lief.MachO.Symbol.CATEGORY.UNDEFINED
    for sym in binary.symbols:
        if sym.category == undefined and sym.library_ordinal in macho._NO_LIBRARY_ORDINALS:
            name = _text(sym.name)
            yield name[1:] if name.startswith("_") else name


def _macho_min_os(binary: Any) -> str | None:
    if binary.has_build_version:
        return _format_version(binary.build_version.minos)
    if binary.has_version_min:
        return _format_version(binary.version_min.version)
    return None


# --------------------------------------------------------------------------- PE

#: What verification reads: the export and import directories; not resources, the signature,
#: relocations, exception tables or the ARM64X nested image (lief's defaults parse all of them).
_PE_LEAN: tuple[tuple[str, bool], ...] = (
    ("parse_exports", True),
    ("parse_imports", True),
    ("parse_rsrc", False),
    ("parse_signature", False),
    ("parse_reloc", False),
    ("parse_exceptions", False),
    ("parse_arm64x_binary", False),
)


def _pe(path: Path, data: Data) -> tuple[Inspection, ...]:
    layout = pe._pe_layout(data)
    table = pe._pe_exports(data, layout)
    lief = _load_lief()
    binary = _lief_parse(lief.PE.parse, data, layout.parse_size, _lief_config(lief.PE.ParserConfig, _PE_LEAN))
    if binary is None:
        raise _Bad("lief could not parse it")
    _check_pe_consistency(binary, layout, table)
    return (Inspection(
        path=path,
        format="pe",
        arch=pe._PE_ARCH.get(layout.machine, f"pe-machine-{layout.machine:#x}"),
        os="windows",
        exports=table.exports,
        imports=tuple(_text(i.name) for i in binary.imports),
        soname=table.dll_name,
        undefined=tuple((_text(i.name), _text(e.name)) for i in binary.imports for e in i.entries
                        if not e.is_ordinal and e.name),
    ),)


def _check_pe_consistency(binary: Any, layout: Any, table: Any) -> None:
    if len(binary.sections) != len(layout.sections):
        raise _Bad(f"headers declare {len(layout.sections)} sections, lief parsed {len(binary.sections)}")
    lief_export = binary.get_export() if binary.has_exports else None
    ours: set[int] = {e.ordinal for e in table.exports if e.ordinal is not None}
    theirs: set[int] = {int(e.ordinal) for e in lief_export.entries} if lief_export is not None else set()
    if ours != theirs:
        example = min(ours ^ theirs)
        raise _Bad(f"lief and the export directory disagree on ordinals ({len(ours)} vs {len(theirs)} exports, "
                   f"e.g. ordinal {example})")


_INSPECTORS: dict[str, Callable[[Path, Data], tuple[Inspection, ...]]] = {
    "elf": _elf,
    "macho": _macho_thin,
    "fat": _macho_fat,
    "pe": _pe,
}
