"""Stage 5: read built artifacts and say what they export.

This package's public interface (other stages depend on it):

- ``Export``: one exported symbol.
- ``Inspection``: one binary (one slice of a fat Mach-O file).
- ``inspect_file(path) -> tuple[Inspection, ...]``: raises ``InputError`` for
  anything it cannot fully parse.
- ``inspect_many(paths, *, jobs, cache) -> list[tuple[Inspection, ...] | InputError]``:
  many files at once, in input order, across processes, through a content-addressed cache.
- ``is_binary(path) -> bool``: magic-number sniffing.

One module per format (``elf``, ``macho``, ``pe``); shared reading helpers in ``_common``;
the cache in ``_cache``.

What "export" means per format (the dynamic loader's view):

- ELF: defined ``.dynsym`` entries with GLOBAL/WEAK/GNU_UNIQUE binding and
  DEFAULT/PROTECTED visibility. Object files (ET_REL) have no ``.dynsym`` and so
  report no exports; executables report whatever their ``.dynsym`` exports.
- Mach-O: the export trie (LC_DYLD_INFO[_ONLY] or LC_DYLD_EXPORTS_TRIE), one
  leading underscore stripped. Object files (MH_OBJECT) have no trie and so
  report no exports; executables report their trie (``_mh_execute_header``...).
- PE: every used slot of the export address table; nameless (NONAME) exports
  are named ``#<ordinal>``, forwarded exports carry ``forwarder``.

Hostile input is expected. Each reader walks the headers of the mapped file and checks every
table, segment or section they declare to lie inside the file before reading it (a truncated
file fails; nothing is loaded whole, a sparse 2 GB file costs the pages looked at). Any problem
becomes a one-line ``InputError`` naming the file.

lief is not used here: ``_lief`` reads the same ``Inspection`` with lief, the independent
cross-check the tests hold these readers to (every field, every artifact they build, the 116
libraries of the real-world corpus).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Literal

from plugsmith.errors import InputError, Location
from plugsmith.inspection import elf, macho, pe
from plugsmith.inspection._cache import InspectionCache
from plugsmith.inspection._common import (
    Data,
    Export,
    ExportKind,
    Format,
    Inspection,
    _Bad,
    _input_error,
    _mapped,
    _sniff,
)

__all__ = [
    "Export",
    "ExportKind",
    "Format",
    "Inspection",
    "InspectionCache",
    "inspect_file",
    "inspect_many",
    "is_binary",
]

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
    return _inspect_with(Path(path), _INSPECTORS)


def _inspect_with(path: Path, inspectors: dict[str, Callable[[Path, Data], tuple[Inspection, ...]]]
                  ) -> tuple[Inspection, ...]:
    """``path`` mapped, sniffed and read by ``inspectors[container]``; every failure one InputError."""
    with _mapped(path) as data:
        container = _sniff(lambda offset, size: data[offset : offset + size])
        if container is None:
            what = "empty file" if not data else "not an ELF, Mach-O or PE binary (unknown magic bytes)"
            raise _input_error(path, what)
        name = _FORMAT_NAME[container]
        try:
            return inspectors[container](path, data)
        except InputError:
            raise
        except _Bad as exc:
            raise _input_error(path, f"malformed {name}: {exc}") from exc
        except Exception as exc:  # the cross-check's lief raises all sorts; none may escape as a traceback
            raise _input_error(path, f"cannot parse as {name}: {type(exc).__name__}: {exc}") from exc


_INSPECTORS: dict[str, Callable[[Path, Data], tuple[Inspection, ...]]] = {
    "elf": elf.inspect,
    "macho": macho.inspect_thin,
    "fat": macho.inspect_fat,
    "pe": pe.inspect,
}


Result = tuple[Inspection, ...] | InputError
_IN_PROCESS_MAX = 2  # this many files or fewer to parse: no worker processes (start-up costs more)


def inspect_many(paths: Iterable[Path], *, jobs: int | None = None,
                 cache: InspectionCache | Literal["default"] | None = "default") -> list[Result]:
    """Inspect every path: its inspections, or the ``InputError`` that :func:`inspect_file` raises,
    in input order. ``cache``: ``"default"`` (``InspectionCache.default()``), a cache, or None.

    ``jobs``: worker processes; default 1, in this process. The readers take milliseconds per file
    (a 107 MiB library: ~3 ms; 10,000 exports: ~50 ms), so a pool costs more than it saves: handing
    240,000 exports back from 2 workers took 6x longer than reading them here (benchmarks/README.md)."""
    store = InspectionCache.default() if cache == "default" else cache
    todo = [Path(p) for p in paths]
    results: list[Result | None] = [None] * len(todo)
    pending: list[int] = []
    for index, path in enumerate(todo):
        hit = _fast_hit(store, path)
        if hit is None:
            pending.append(index)
        else:
            results[index] = hit
    workers = min(jobs or 1, len(pending))
    if workers <= 1 or len(pending) <= _IN_PROCESS_MAX:
        outcomes = [_inspect_cached(todo[i], store) for i in pending]
    else:
        outcomes = _in_pool([todo[i] for i in pending], store, workers)
    for index, outcome in zip(pending, outcomes, strict=True):
        path = todo[index]
        results[index] = _input_error_at(path, outcome) if isinstance(outcome, str) else outcome
    if store is not None and pending:
        store.trim()
    return [r for r in results if r is not None]


def _fast_hit(store: InspectionCache | None, path: Path) -> tuple[Inspection, ...] | None:
    if store is None:
        return None
    try:
        return store.get_fast(path)
    except (OSError, ValueError):
        return None  # the full path below reports it


def _inspect_cached(path: Path, store: InspectionCache | None) -> tuple[Inspection, ...] | str:
    """One file through the cache; an error comes back as its message (exceptions with keyword
    arguments do not survive pickling between processes). A cache that cannot be read or written
    (full disk, read-only home) costs speed, never a result. A file with a stat record is looked up
    by content first; any other file is read, then hashed and stored only if reading it took longer
    than hashing would (see ``_cache``), and only if it did not change meanwhile."""
    try:
        if store is None:
            return inspect_file(path)
        digest = None
        with contextlib.suppress(OSError):
            if store.known(path):
                found, digest = store.get(path)
                if found is not None:
                    return found
        try:
            before: os.stat_result | None = os.stat(path)
        except OSError:
            before = None  # inspect_file says why
        start = time.process_time()  # CPU time: what reading costs, however loaded the machine is
        inspections = inspect_file(path)
        spent = time.process_time() - start
        if before is not None:
            with contextlib.suppress(OSError):
                exports = sum(len(one.exports) for one in inspections)
                if digest is None and store.worth_caching(before.st_size, spent, exports):
                    digest = store.digest(path)
                if digest is not None and _same_file(before, os.stat(path)):
                    store.put(digest, inspections)
        return inspections
    except InputError as exc:
        return exc.message


def _same_file(before: os.stat_result, after: os.stat_result) -> bool:
    return (before.st_ino, before.st_size, before.st_mtime_ns, before.st_ctime_ns) == (
        after.st_ino, after.st_size, after.st_mtime_ns, after.st_ctime_ns)


def _input_error_at(path: Path, message: str) -> InputError:
    return InputError(message, location=Location(file=str(path)))


def _in_pool(paths: list[Path], store: InspectionCache | None, workers: int) -> list[tuple[Inspection, ...] | str]:
    import concurrent.futures
    import multiprocessing

    # fork is cheap and safe here (no threads run; on macOS fork is not)
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(_inspect_cached, paths, [store] * len(paths)))
