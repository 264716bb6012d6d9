"""Hide non-contract symbols in Mach-O objects by setting N_PEXT (private extern).

zig's Mach-O linker ignores ``-exported_symbols_list`` (ziglang/zig#24662) but honours N_PEXT on
its input objects: a private-extern symbol still links between objects yet is not exported from
the dylib. Setting it on every defined external symbol that is not in the contract, in every
object before the link, gives a dylib that exports exactly the contract (plus the two names the
linker itself adds, see ``platforms.FORMATS['macho'].linker_synthesized``).

Pure Python, thin 64-bit little-endian objects (what zig emits for x86_64 and arm64).
"""

from __future__ import annotations

import struct
from pathlib import Path

from plugsmith.errors import BuildError

MH_MAGIC_64 = 0xFEEDFACF
LC_SYMTAB = 0x2
N_STAB = 0xE0
N_PEXT = 0x10
N_TYPE = 0x0E
N_EXT = 0x01
N_UNDF = 0x0
NLIST_64 = 16


def defined_externals(data: bytes | bytearray) -> dict[str, int]:
    """Map of defined external symbol name (with its underscore) to its nlist offset."""
    if len(data) < 32 or struct.unpack_from("<I", data, 0)[0] != MH_MAGIC_64:
        raise ValueError("not a 64-bit little-endian Mach-O object")
    ncmds, _sizeofcmds = struct.unpack_from("<II", data, 16)
    offset = 32
    found: dict[str, int] = {}
    for _ in range(ncmds):
        cmd, cmdsize = struct.unpack_from("<II", data, offset)
        if cmdsize < 8 or offset + cmdsize > len(data):
            raise ValueError("load command runs past the end of the file")
        if cmd == LC_SYMTAB:
            symoff, nsyms, stroff, strsize = struct.unpack_from("<IIII", data, offset + 8)
            if symoff + nsyms * NLIST_64 > len(data) or stroff + strsize > len(data):
                raise ValueError("symbol table runs past the end of the file")
            for i in range(nsyms):
                entry = symoff + i * NLIST_64
                strx, ntype = struct.unpack_from("<IB", data, entry)
                if ntype & N_STAB or not ntype & N_EXT or (ntype & N_TYPE) == N_UNDF:
                    continue
                end = data.index(b"\0", stroff + strx)
                found[data[stroff + strx:end].decode("utf-8", "replace")] = entry
        offset += cmdsize
    return found


def hide_all_but(obj: Path, keep: frozenset[str]) -> list[str]:
    """Mark every defined external not in ``keep`` (C names, no underscore) private-extern.

    Returns the C names it hid. Rewrites the object atomically in place.
    """
    data = bytearray(obj.read_bytes())
    try:
        symbols = defined_externals(data)
    except (ValueError, struct.error) as exc:
        raise BuildError(f"{obj}: cannot read Mach-O object to hide non-contract symbols: {exc}") from None
    hidden = []
    for raw_name, entry in symbols.items():
        name = raw_name[1:] if raw_name.startswith("_") else raw_name
        if name in keep:
            continue
        data[entry + 4] |= N_PEXT
        hidden.append(name)
    tmp = obj.with_name(obj.name + ".pext")
    tmp.write_bytes(data)
    tmp.replace(obj)
    return sorted(hidden)


AR_MAGIC = b"!<arch>\n"
AR_HEADER = 60


def archive_members(data: bytes | bytearray) -> list[tuple[str, int, int]]:
    """``(name, offset, size)`` of each member's data in a System V/GNU or BSD ``ar`` archive (what
    ``zig ar`` and ``llvm-ar`` write). BSD long names (``#1/N``) are skipped past; the symbol
    table (``/``, ``__.SYMDEF``) and GNU name table (``//``) are members like any other."""
    if not data.startswith(AR_MAGIC):
        raise ValueError("not an ar archive (thin archives are not supported: copy the objects in)")
    members = []
    pos = len(AR_MAGIC)
    while pos + AR_HEADER <= len(data):
        header = bytes(data[pos:pos + AR_HEADER])
        if header[58:60] != b"`\n":
            raise ValueError(f"bad ar member header at offset {pos}")
        name = header[:16].decode("ascii", "replace").rstrip()
        size = int(header[48:58].decode("ascii").strip() or "0")
        start = pos + AR_HEADER
        if start + size > len(data):
            raise ValueError(f"ar member '{name}' runs past the end of the file")
        offset, length = start, size
        if name.startswith("#1/"):  # BSD: the name is the first N bytes of the data
            extra = int(name[3:])
            name = bytes(data[start:start + extra]).rstrip(b"\0").decode("utf-8", "replace")
            offset, length = start + extra, size - extra
        members.append((name, offset, length))
        pos = start + size + (size & 1)  # members are 2-aligned
    return members


def hide_in_archive(archive: Path, keep: frozenset[str]) -> list[str]:
    """:func:`hide_all_but` for every Mach-O object inside a static library, edited in place.

    Only one bit of each nlist entry changes, so member sizes, offsets and the archive's symbol
    table stay valid (the linker still finds a member by name; its symbols then link but are not
    exported). Returns the C names it hid, over all members."""
    data = bytearray(archive.read_bytes())
    hidden: set[str] = set()
    try:
        for _name, offset, length in archive_members(data):
            if length < 4 or struct.unpack_from("<I", data, offset)[0] != MH_MAGIC_64:
                continue  # the symbol table, a name table, or a non-object member
            member = bytearray(data[offset:offset + length])
            for raw_name, entry in defined_externals(member).items():
                name = raw_name[1:] if raw_name.startswith("_") else raw_name
                if name not in keep:
                    data[offset + entry + 4] |= N_PEXT
                    hidden.add(name)
    except (ValueError, struct.error) as exc:
        raise BuildError(f"{archive}: cannot read static library to hide non-contract symbols: {exc}") from None
    tmp = archive.with_name(archive.name + ".pext")
    tmp.write_bytes(data)
    tmp.replace(archive)
    return sorted(hidden)


def hide(path: Path, keep: frozenset[str]) -> list[str]:
    """Hide non-contract symbols in an object or a static library, whichever ``path`` is."""
    with path.open("rb") as handle:
        head = handle.read(len(AR_MAGIC))
    return hide_in_archive(path, keep) if head == AR_MAGIC else hide_all_but(path, keep)
