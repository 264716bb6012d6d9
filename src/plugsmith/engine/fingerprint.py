"""What each output was made from, so an unchanged output is not made again.

A record sits next to its output (``obj/x.o.json``, ``link.json``) and holds:

- ``key``: a digest of everything that is not a file: the command line with placeholders for
  scratch names, the zig identity, the target triple, the contract as this target sees it;
- ``inputs``: each input file (source, every header the compiler's depfile names, objects, the
  export map) with its size, mtime and sha256;
- ``outputs``: each output file with its size and mtime, so a deleted or replaced artifact is
  rebuilt.

An input whose size and mtime match is trusted without reading it; otherwise its sha256
decides (a ``touch`` or a checkout that rewrites identical bytes rebuilds nothing). Records are
written atomically, after their outputs, so a build killed at any moment at worst rebuilds.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from plugsmith import _fs

FORMAT_VERSION = 1


def digest(parts: Iterable[str]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogateescape"))
        h.update(b"\0")
    return h.hexdigest()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class FileStamp:
    path: str
    size: int
    mtime_ns: int
    sha256: str = ""

    @classmethod
    def of(cls, path: Path, *, content: bool = True) -> FileStamp:
        st = path.stat()
        return cls(str(path), st.st_size, st.st_mtime_ns, file_sha256(path) if content else "")

    def unchanged(self) -> bool:
        path = Path(self.path)
        try:
            st = path.stat()
        except OSError:
            return False
        if st.st_size == self.size and st.st_mtime_ns == self.mtime_ns:
            return True
        if not self.sha256 or st.st_size != self.size:
            return False
        try:
            return file_sha256(path) == self.sha256
        except OSError:
            return False


@dataclass(frozen=True, slots=True)
class Record:
    key: str
    inputs: tuple[FileStamp, ...]
    outputs: tuple[FileStamp, ...]

    def fresh(self, key: str) -> bool:
        """True when ``key`` matches and every input and output is as recorded."""
        return (key == self.key and all(s.unchanged() for s in self.inputs)
                and all(s.unchanged() for s in self.outputs))


def load(path: Path) -> Record | None:
    """The record at ``path``, or None when there is none or it cannot be read (then: rebuild)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != FORMAT_VERSION:
            return None
        return Record(
            key=str(data["key"]),
            inputs=tuple(FileStamp(*item) for item in data["inputs"]),
            outputs=tuple(FileStamp(*item) for item in data["outputs"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(path: Path, key: str, inputs: Sequence[Path], outputs: Sequence[Path]) -> Record:
    record = Record(
        key=key,
        inputs=tuple(FileStamp.of(p) for p in _unique(inputs)),
        outputs=tuple(FileStamp.of(p, content=False) for p in outputs),
    )
    data = {"version": FORMAT_VERSION, "key": record.key,
            "inputs": [list(_astuple(s)) for s in record.inputs],
            "outputs": [list(_astuple(s)) for s in record.outputs]}
    _fs.write_text(path, json.dumps(data, sort_keys=True) + "\n")
    return record


def forget(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _astuple(s: FileStamp) -> tuple[str, int, int, str]:
    return (s.path, s.size, s.mtime_ns, s.sha256)


def _unique(paths: Iterable[Path]) -> list[Path]:
    seen: dict[str, Path] = {}
    for p in paths:
        seen.setdefault(str(p), p)
    return list(seen.values())


def parse_depfile(text: str, base: Path) -> list[Path]:
    """The prerequisites of a Makefile-style depfile (``clang -MD``): ``out.o: a.c b.h \\`` lines,
    spaces in names escaped as ``\\ ``. Relative names are taken from ``base`` (zig's cwd)."""
    joined = text.replace("\\\r\n", " ").replace("\\\n", " ")
    colon = _target_end(joined)
    if colon < 0:
        return []
    words: list[str] = []
    current: list[str] = []
    i = colon + 1
    while i < len(joined):
        ch = joined[i]
        if ch == "\\" and i + 1 < len(joined) and joined[i + 1] in " #":
            current.append(joined[i + 1])
            i += 2
            continue
        if ch == "$" and i + 1 < len(joined) and joined[i + 1] == "$":
            current.append("$")
            i += 2
            continue
        if ch.isspace():
            if current:
                words.append("".join(current))
                current = []
            if ch == "\n":  # a second rule (e.g. -MP phony targets): stop at the first
                break
        else:
            current.append(ch)
        i += 1
    if current:
        words.append("".join(current))
    return [p if p.is_absolute() else base / p for p in map(Path, words)]


def _target_end(text: str) -> int:
    """Index of the colon ending the rule's target (skipping a Windows drive letter's colon)."""
    i = 0
    while True:
        i = text.find(":", i)
        if i < 0:
            return -1
        if i + 1 < len(text) and text[i + 1] in "\\/" and i >= 1 and text[i - 1].isalpha():
            i += 1
            continue
        return i
