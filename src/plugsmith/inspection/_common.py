"""Shared by the per-format readers: the stage's data types, magic-number sniffing, bounded
reads of header fields and extent checks, and the one way a malformed file becomes an error."""

from __future__ import annotations

import contextlib
import mmap
import os
import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

from plugsmith.errors import InputError, Location

Format = Literal["elf", "macho", "pe"]
ExportKind = Literal["function", "data", "unknown"]

#: A file's bytes as the readers see them: a read-only map (pages are read when touched, so a
#: sparse or huge file costs only what is looked at), or ``b""`` for an empty file.
Data = bytes | mmap.mmap

#: The most bytes of tables and segments one file's headers may declare. The readers touch only
#: the pages they read, but lief (the cross-check) copies what it parses, and a real library that
#: large would be a first (the biggest in PyPI's largest wheels are ~1 GiB): refused.
MAX_PARSE_BYTES = 2 << 30

@dataclass(frozen=True, slots=True, kw_only=True)
class Export:
    name: str  # Mach-O names without the leading underscore
    kind: ExportKind
    version: str | None = None  # ELF version node (e.g. "GREET_1.0"); None elsewhere
    default_version: bool = True  # ELF: name@@VER (True) vs name@VER (False)
    ordinal: int | None = None  # PE only
    forwarder: str | None = None  # PE forwarded export target ("OTHER.func")


_EXPORT_FIELDS = ("name", "kind", "version", "default_version", "ordinal", "forwarder")
if tuple(f.name for f in fields(Export)) != _EXPORT_FIELDS:  # a new field must be set below too
    raise AssertionError(f"Export's fields changed: {[f.name for f in fields(Export)]}")
_new_export = Export.__new__
_set_name, _set_kind, _set_version, _set_default, _set_ordinal, _set_forwarder = (
    Export.__dict__[name].__set__ for name in _EXPORT_FIELDS)


def _export(name: str, kind: ExportKind, version: str | None = None, default_version: bool = True,
            ordinal: int | None = None, forwarder: str | None = None) -> Export:
    """``Export(...)`` at less than half the cost: the readers and the cache make 10,000s of them, and
    a frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``. Same object:
    the slots are set directly (tests/unit holds the two equal)."""
    export = _new_export(Export)
    _set_name(export, name)
    _set_kind(export, kind)
    _set_version(export, version)
    _set_default(export, default_version)
    _set_ordinal(export, ordinal)
    _set_forwarder(export, forwarder)
    return export


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
    libc: str | None = None  # ELF: "musl" or "gnu" (from PT_INTERP, DT_NEEDED, GLIBC_ versions); None: no libc seen
    # ELF version definitions (.gnu.version_d) in file order: (node, parents); the base definition
    # (VER_FLG_BASE, named after the soname) is not a node and is left out
    version_defs: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # ELF version requirements (.gnu.version_r) per needed library, in file order: (library, versions),
    # e.g. ("libstdc++.so.6", ("GLIBCXX_3.4", "CXXABI_1.3")): what auditwheel holds to a policy's ceilings
    version_needs: tuple[tuple[str, tuple[str, ...]], ...] = ()
    file_type: str | None = None  # Mach-O filetype: "dylib", "bundle", "execute", ...; None elsewhere
    # Symbols the binary takes from elsewhere, as (library, name), in file order: ELF undefined dynamic
    # symbols with no version need (no library promises them: library ""), Mach-O undefined symbols
    # with no library ordinal (flat namespace / -undefined dynamic_lookup: library "", leading
    # underscore stripped), PE every imported name with its DLL. What a CPython extension's
    # stable-ABI check reads (verify.checks); versioned ELF needs are in ``version_needs``.
    undefined: tuple[tuple[str, str], ...] = ()

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


class _Bad(Exception):
    """The file is malformed; the message says how (turned into InputError by inspect_file)."""



def _input_error(path: Path, message: str) -> InputError:
    one_line = " ".join(message.split())
    return InputError(one_line, location=Location(file=str(path)))


@contextlib.contextmanager
def _mapped(path: Path) -> Iterator[Data]:
    """The file mapped read-only: headers are read in place, nothing is loaded whole."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size == 0:
                yield b""
                return
            view = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError) as exc:
        raise _input_error(path, f"cannot read: {getattr(exc, 'strerror', None) or exc}") from exc
    try:
        yield view
    finally:
        view.close()


def _check_parse_size(needed: int) -> None:
    """Refuse a file whose headers declare more than ``MAX_PARSE_BYTES`` of tables and segments."""
    if needed > MAX_PARSE_BYTES:
        raise _Bad(f"its headers declare {needed} bytes of tables and segments; plugsmith reads at most "
                   f"{MAX_PARSE_BYTES} bytes of one file")


# --------------------------------------------------------------------------- shared helpers


def _unpack(fmt: str, data: Data, offset: int, what: str) -> tuple[Any, ...]:
    end = offset + struct.calcsize(fmt)
    if offset < 0 or end > len(data):
        raise _Bad(f"truncated: {what} needs bytes {offset}..{end} but the file has {len(data)}")
    return struct.unpack_from(fmt, data, offset)


def _check_extents(extents: Iterable[tuple[str, int, int]], limit: int, where: str = "the file") -> int:
    """Each extent is (what, offset, size); all must lie within ``limit`` bytes. Returns where the
    last one ends (0 if none): the bytes a parser needs."""
    needed = 0
    for what, offset, size in extents:
        if offset < 0 or size < 0 or offset + size > limit:
            raise _Bad(f"truncated: {what} ends at byte {offset + size} but {where} has {limit} bytes")
        needed = max(needed, offset + size)
    return needed


def _c_string(data: Data, offset: int, limit: int, what: str) -> str:
    end = data.find(b"\0", offset, limit)
    if offset < 0 or offset >= limit or end < 0:
        raise _Bad(f"{what} at file offset {offset} is not a terminated string inside the file")
    return data[offset:end].decode("utf-8", errors="replace")


def _format_version(parts: Iterable[int]) -> str:
    """[11, 0, 0] -> "11.0"; [10, 13, 2] -> "10.13.2": trailing zeros dropped beyond major.minor."""
    numbers = [*parts, 0, 0]
    while len(numbers) > 2 and numbers[-1] == 0:
        numbers.pop()
    return ".".join(str(n) for n in numbers)
