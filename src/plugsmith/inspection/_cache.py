"""A content-addressed cache of inspections, so re-verifying unchanged files skips reading them.

Two kinds of small JSON files under the cache folder:

- ``stat/<h>.json``, ``h`` = hash of (device, inode, size, mtime_ns, ctime_ns): the file's content
  digest and when it was taken. Trusted only when the file's mtime and ctime are older than that
  moment by more than ``RACY_NS`` (git's "racy clean" rule): a write in the same timestamp tick
  as the hashing cannot hide behind an unchanged stat. Otherwise the bytes are hashed again.
- ``objects/<h[:2]>/<h>.json``, ``h`` = hash of (schema, plugsmith's version, the readers'
  version, content digest): the inspections as JSON (never pickle: the folder may be shared or
  tampered with).

The confirmation is a full SHA-256 of the bytes, never a sample (head, tail and size would let a
changed ``.dynsym`` in the middle of a file hit the old entry). But hashing reads every byte and
plugsmith's readers read only the headers and the tables verification needs: a 100 MB library is
read in ~3 ms and hashed in ~110 ms, and an entry with 10,000 exports takes as long to load as
the library takes to read. So a file is hashed and stored only when reading it took longer than
hashing it and loading the entry back would (``worth_caching``); any other file is simply read
again on every run, which is faster than a confirmed cache hit. A file
whose stat record exists (it was worth it once) is looked up by content first, as before.

Writes go to a temporary file and ``os.replace``, so concurrent runs see an entry whole or not at
all; an entry that does not decode is a miss and is rewritten. Past ``limit`` bytes the least
recently used entries are removed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import mmap
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plugsmith.inspection._common import Export, Inspection, _export

__all__ = ["DEFAULT_LIMIT", "HASH_BYTES_PER_SECOND", "LOAD_SECONDS_PER_EXPORT", "RACY_NS", "READERS_VERSION",
           "InspectionCache", "content_digest", "default_root"]

DEFAULT_LIMIT = 256 << 20
RACY_NS = 2_000_000_000  # coarser than any file system's timestamp granularity (FAT: 2 s)
_CHUNK = 8 << 20
#: SHA-256 throughput assumed when deciding whether a file is worth caching: ~0.9 GB/s measured
#: (hashlib over mmap, AMD EPYC, 2026-12-02); CPUs with SHA extensions are faster, which only
#: means a few more files are cached.
HASH_BYTES_PER_SECOND = 1 << 30
#: What loading one export back from an entry costs (JSON decoding and the object): ~5 us measured
#: the same way, about what reading it from the file costs, so a file with many exports is re-read.
LOAD_SECONDS_PER_EXPORT = 5e-6
#: Bumped whenever the format readers (elf.py, macho.py, pe.py) change what they report.
READERS_VERSION = 2


def default_root() -> Path:
    """``$PLUGSMITH_CACHE_DIR``, else ``$XDG_CACHE_HOME/plugsmith/inspect``, else ``~/.cache/plugsmith/inspect``."""
    if os.environ.get("PLUGSMITH_CACHE_DIR"):
        return Path(os.environ["PLUGSMITH_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "plugsmith" / "inspect"


@functools.lru_cache(maxsize=1)
def _versions() -> str:
    """What the cached answer depends on besides the bytes: the schema (the dataclasses' fields),
    plugsmith's version and its readers' version (lief reads nothing on this path)."""
    import plugsmith

    fields = ",".join(f.name for cls in (Inspection, Export) for f in dataclasses.fields(cls))
    return f"2|{fields}|{plugsmith.__version__}|readers-{READERS_VERSION}"


def content_digest(path: Path) -> str:
    """sha256 of the file's bytes, streamed in chunks from a read-only map (no copy in Python)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size:
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
                for start in range(0, size, _CHUNK):
                    digest.update(view[start : start + _CHUNK])
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class InspectionCache:
    """Where cached inspections live and how big the folder may grow."""

    root: Path
    limit: int = DEFAULT_LIMIT

    @classmethod
    def default(cls) -> InspectionCache:
        return cls(default_root())

    def get(self, path: Path) -> tuple[tuple[Inspection, ...] | None, str]:
        """(the cached inspections of ``path`` or None, its content digest)."""
        digest = self.digest(path)
        return self._load(digest, path), digest

    def get_fast(self, path: Path) -> tuple[Inspection, ...] | None:
        """The cached inspections when the stat record alone can be trusted (no hashing), else None."""
        digest = self._trusted_digest(path, os.stat(path))
        return None if digest is None else self._load(digest, path)

    def known(self, path: Path) -> bool:
        """True when a stat record exists for the file as it is now (trusted or not): it was worth
        caching before, so looking it up by content is worth a hash."""
        return (self.root / "stat" / f"{_key(os.stat(path))}.json").is_file()

    @staticmethod
    def worth_caching(size: int, seconds: float, exports: int) -> bool:
        """Reading a file of ``size`` bytes with ``exports`` exports took ``seconds``: would hashing
        it and loading the entry back cost less?"""
        return seconds > size / HASH_BYTES_PER_SECOND + exports * LOAD_SECONDS_PER_EXPORT

    def _load(self, digest: str, path: Path) -> tuple[Inspection, ...] | None:
        entry = self._object(digest)
        try:
            raw = json.loads(entry.read_text(encoding="utf-8"))
            found = tuple(_decode(item, path) for item in raw["inspections"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # missing, corrupt or from another schema: a miss, rewritten by put()
        with contextlib.suppress(OSError):
            os.utime(entry)  # least recently used goes first
        return found

    def put(self, digest: str, inspections: Sequence[Inspection]) -> None:
        payload = {"inspections": [_encode(i) for i in inspections]}
        _write_atomic(self._object(digest), json.dumps(payload, separators=(",", ":")))

    def digest(self, path: Path) -> str:
        """The content digest, from the stat record when it can be trusted, else by hashing."""
        st = os.stat(path)
        trusted = self._trusted_digest(path, st)
        if trusted is not None:
            return trusted
        record = self.root / "stat" / f"{_key(st)}.json"
        checked_ns = time.time_ns()  # before reading: a write during the hashing is newer
        digest = content_digest(path)
        with contextlib.suppress(OSError):
            _write_atomic(record, json.dumps({"digest": digest, "checked_ns": checked_ns}))
        return digest

    def _trusted_digest(self, path: Path, st: os.stat_result) -> str | None:
        record = self.root / "stat" / f"{_key(st)}.json"
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            raw = json.loads(record.read_text(encoding="utf-8"))
            if max(st.st_mtime_ns, st.st_ctime_ns) < int(raw["checked_ns"]) - RACY_NS:
                return str(raw["digest"])
        return None

    def trim(self) -> None:
        """Remove least recently used entries until the folder is under ``limit`` bytes."""
        entries = []
        for path in _files(self.root):
            with contextlib.suppress(OSError):
                st = path.stat()
                entries.append((st.st_mtime_ns, st.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.limit:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size

    def _object(self, digest: str) -> Path:
        name = hashlib.sha256(f"{_versions()}|{digest}".encode()).hexdigest()
        return self.root / "objects" / name[:2] / f"{name}.json"


def _key(st: os.stat_result) -> str:
    fast = f"{st.st_dev}|{st.st_ino}|{st.st_size}|{st.st_mtime_ns}|{st.st_ctime_ns}"
    return hashlib.sha256(fast.encode()).hexdigest()


def _files(root: Path) -> Iterator[Path]:
    for folder in (root / "stat", root / "objects"):
        if folder.is_dir():
            yield from (p for p in folder.rglob("*.json") if p.is_file())


def _write_atomic(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


_INSPECTION_FIELDS = tuple(f.name for f in dataclasses.fields(Inspection))


def _encode(inspection: Inspection) -> dict[str, Any]:
    """The JSON form; ``dataclasses.asdict`` would deep-copy every export, several times slower."""
    data = {name: getattr(inspection, name) for name in _INSPECTION_FIELDS}
    data["path"] = str(inspection.path)
    data["exports"] = [{"name": e.name, "kind": e.kind, "version": e.version, "default_version": e.default_version,
                        "ordinal": e.ordinal, "forwarder": e.forwarder} for e in inspection.exports]
    return data


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def _decode(data: dict[str, Any], path: Path) -> Inspection:
    """An Inspection from its JSON; lists become tuples at every depth (every sequence field is a
    tuple, nested ones such as ``version_defs`` and ``version_needs`` included)."""
    values: dict[str, Any] = {key: _tuples(value) for key, value in data.items()}
    values["exports"] = tuple(_export(**export) for export in data["exports"])
    values["path"] = path  # the same bytes may sit under another name
    return Inspection(**values)
