"""Stage 5: read built artifacts with lief and say what they export.

This package's public interface (other stages depend on it):

- ``Export``: one exported symbol.
- ``Inspection``: one binary (one slice of a fat Mach-O file).
- ``inspect_file(path) -> tuple[Inspection, ...]``: raises ``InputError`` for
  anything it cannot fully parse.
- ``is_binary(path) -> bool``: magic-number sniffing, no lief.

One module per format (``elf``, ``macho``, ``pe``); shared reading helpers in ``_common``.

What "export" means per format (the dynamic loader's view):

- ELF: defined ``.dynsym`` entries with GLOBAL/WEAK/GNU_UNIQUE binding and
  DEFAULT/PROTECTED visibility. Object files (ET_REL) have no ``.dynsym`` and so
  report no exports; executables report whatever their ``.dynsym`` exports.
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

from collections.abc import Callable
from pathlib import Path

from plugsmith.errors import InputError
from plugsmith.inspection import elf, macho, pe
from plugsmith.inspection._common import (
    Export,
    ExportKind,
    Format,
    Inspection,
    _Bad,
    _input_error,
    _read_file,
    _sniff,
)

__all__ = ["Export", "ExportKind", "Format", "Inspection", "inspect_file", "is_binary"]

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



_INSPECTORS: dict[str, Callable[[Path, bytes], tuple[Inspection, ...]]] = {
    "elf": elf.inspect,
    "macho": macho.inspect_thin,
    "fat": macho.inspect_fat,
    "pe": pe.inspect,
}
