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
