"""The real-world corpus: wheels from PyPI that plugsmith did not build, pinned by sha256.

``corpus.yaml`` beside this file is the specification (projects, files, grouping truth); this module
loads it and fetches its files into a cache outside the repository (``$PLUGSMITH_CORPUS_CACHE``,
default ``~/.cache/plugsmith/corpus``). Fetching uses pip itself (``pip download --no-deps
--only-binary=:all:`` with the file's own tags), so it needs nothing but PyPI. Every file lands under
a temporary name and is moved into place with ``os.replace`` only after its sha256 matched: two
concurrent fetches never see a half-written or unverified file.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

__all__ = [
    "CORPUS_YAML",
    "Corpus",
    "CorpusError",
    "CorpusFile",
    "Library",
    "Member",
    "Project",
    "cache_dir",
    "extract_members",
    "fetch",
    "load",
    "main",
    "pip_download_args",
]

CORPUS_YAML = Path(__file__).with_name("corpus.yaml")
PIP_TIMEOUT = 600  # seconds for one file; the largest is ~5 MB
ROLES = frozenset({"library", "extension", "vendored"})
NATIVE_MAGICS = (b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"MZ")


class CorpusError(Exception):
    """The corpus specification is wrong, or a file could not be fetched or did not match its hash."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CorpusFile:
    project: str
    version: str
    name: str  # the wheel's file name
    sha256: str
    size: int

    @property
    def tags(self) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """(python tags, abi tags, platform tags) of the wheel file name (PEP 427; no build tag here)."""
        parts = self.name[: -len(".whl")].split("-")
        if len(parts) != 5:
            raise CorpusError(f"{self.name}: not a wheel file name of the form name-version-py-abi-platform.whl")
        python, abi, platform = parts[2:]
        return tuple(python.split(".")), tuple(abi.split(".")), tuple(platform.split("."))


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    wheel: str  # file name of the wheel
    path: str  # member path inside the wheel
    variant: str | None = None  # a named build variant beside others in one wheel (x11/wayland, asio)


@dataclass(frozen=True, slots=True, kw_only=True)
class Library:
    name: str
    role: str  # library (ctypes/cffi-loaded plain library), extension (Python module), vendored
    members: tuple[Member, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Project:
    name: str
    version: str
    covers: tuple[str, ...]
    files: tuple[CorpusFile, ...]
    libraries: tuple[Library, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Corpus:
    projects: tuple[Project, ...]

    @property
    def files(self) -> tuple[CorpusFile, ...]:
        return tuple(f for p in self.projects for f in p.files)

    @property
    def members(self) -> tuple[tuple[Library, Member], ...]:
        return tuple((lib, m) for p in self.projects for lib in p.libraries for m in lib.members)


def _require(mapping: object, key: str, kind: type, where: str) -> object:
    if not isinstance(mapping, dict) or key not in mapping:
        raise CorpusError(f"{where}: missing '{key}'")
    value = mapping[key]
    if not isinstance(value, kind):
        raise CorpusError(f"{where}.{key}: expected {kind.__name__}, got {type(value).__name__}")
    return value


def load(path: Path = CORPUS_YAML) -> Corpus:
    """Parse and check corpus.yaml: every member names a wheel of its project, no member twice."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    projects = []
    for index, entry in enumerate(_require(raw, "projects", list, path.name)):  # type: ignore[arg-type]
        projects.append(_project(entry, f"{path.name}: projects[{index}]"))
    corpus = Corpus(projects=tuple(projects))
    seen: set[tuple[str, str]] = set()
    for _, member in corpus.members:
        key = (member.wheel, member.path)
        if key in seen:
            raise CorpusError(f"{path.name}: member {member.wheel}!{member.path} is listed twice")
        seen.add(key)
    names = [f.name for f in corpus.files]
    if len(names) != len(set(names)):
        raise CorpusError(f"{path.name}: a wheel file is listed twice")
    return corpus


def _project(entry: object, where: str) -> Project:
    name = str(_require(entry, "name", str, where))
    version = str(_require(entry, "version", str, where))
    files = tuple(
        CorpusFile(project=name, version=version, name=str(_require(f, "name", str, f"{where}.files[{i}]")),
                   sha256=str(_require(f, "sha256", str, f"{where}.files[{i}]")),
                   size=int(_require(f, "size", int, f"{where}.files[{i}]")))  # type: ignore[call-overload]
        for i, f in enumerate(_require(entry, "files", list, where))  # type: ignore[arg-type]
    )
    wheels = {f.name for f in files}
    libraries = []
    for i, lib in enumerate(_require(entry, "libraries", list, where)):  # type: ignore[arg-type]
        lwhere = f"{where}.libraries[{i}]"
        role = str(_require(lib, "role", str, lwhere))
        if role not in ROLES:
            raise CorpusError(f"{lwhere}.role: '{role}' is not one of {sorted(ROLES)}")
        members = []
        for j, m in enumerate(_require(lib, "members", list, lwhere)):  # type: ignore[arg-type]
            member = Member(wheel=str(_require(m, "wheel", str, f"{lwhere}.members[{j}]")),
                            path=str(_require(m, "path", str, f"{lwhere}.members[{j}]")),
                            variant=m.get("variant"))
            if member.wheel not in wheels:
                raise CorpusError(f"{lwhere}.members[{j}]: wheel {member.wheel} is not among {name}'s files")
            members.append(member)
        libraries.append(Library(name=str(_require(lib, "name", str, lwhere)), role=role, members=tuple(members)))
    covers = tuple(str(c) for c in _require(entry, "covers", list, where))  # type: ignore[attr-defined]
    return Project(name=name, version=version, covers=covers, files=files, libraries=tuple(libraries))


def cache_dir() -> Path:
    """Where fetched wheels live: never inside the repository (nothing downloaded is committed)."""
    configured = os.environ.get("PLUGSMITH_CORPUS_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "plugsmith" / "corpus"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pip_download_args(file: CorpusFile, dest: Path) -> list[str]:
    """The pip command that downloads exactly ``file``: its pinned version and every tag of its name."""
    pythons, abis, platforms = file.tags
    args = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--disable-pip-version-check", "--quiet", "--dest", str(dest)]
    for platform in platforms:
        args += ["--platform", platform]
    cpython = [p for p in pythons if p.startswith("cp")]
    if cpython:  # cp312-cp312 or cp39-abi3: that interpreter
        args += ["--implementation", "cp", "--python-version", cpython[0][2:]]
    else:  # py2.py3-none / py3-none: any Python 3 (3.12, to pass the projects' Requires-Python)
        args += ["--implementation", "py", "--python-version", "3.12"]
    for abi in abis:
        args += ["--abi", abi]
    args.append(f"{file.project}=={file.version}")
    return args


def _log(message: str) -> None:
    print(f"fetch-corpus: {message}", file=sys.stderr, flush=True)


def _cached_ok(file: CorpusFile, target: Path) -> bool:
    if not target.is_file():
        return False
    if target.stat().st_size == file.size and _sha256(target) == file.sha256:
        return True
    _log(f"{file.name}: cached copy does not match its sha256; fetching it again")
    target.unlink(missing_ok=True)
    return False


def _download(file: CorpusFile, cache: Path) -> None:
    target = cache / file.name
    with tempfile.TemporaryDirectory(dir=cache, prefix=".fetch-") as scratch:
        args = pip_download_args(file, Path(scratch))
        try:
            done = subprocess.run(args, capture_output=True, text=True, timeout=PIP_TIMEOUT, check=False)
        except subprocess.TimeoutExpired as exc:
            raise CorpusError(f"{file.name}: pip download timed out after {PIP_TIMEOUT} s") from exc
        got = Path(scratch) / file.name
        if done.returncode != 0 or not got.is_file():
            tail = " ".join((done.stderr or done.stdout).split()[-40:])
            found = sorted(p.name for p in Path(scratch).iterdir())
            raise CorpusError(f"{file.name}: pip download failed (exit {done.returncode}, got {found}): {tail}")
        actual = _sha256(got)
        if actual != file.sha256:
            got.unlink()
            raise CorpusError(f"{file.name}: sha256 mismatch: expected {file.sha256}, downloaded {actual}; removed")
        os.replace(got, target)


def fetch(corpus: Corpus | None = None, cache: Path | None = None) -> dict[str, Path]:
    """Make every corpus file present and verified in ``cache``; returns file name -> path.
    Files already cached with the right hash are not downloaded again."""
    corpus = corpus or load()
    cache = cache or cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    files = corpus.files
    started, fetched_bytes = time.monotonic(), 0
    for number, file in enumerate(files, 1):
        target = cache / file.name
        if _cached_ok(file, target):
            paths[file.name] = target
            continue
        _log(f"[{number}/{len(files)}] {file.name} ({file.size / 1e6:.1f} MB)")
        _download(file, cache)
        fetched_bytes += file.size
        paths[file.name] = target
    if fetched_bytes:
        _log(f"downloaded {fetched_bytes / 1e6:.1f} MB in {time.monotonic() - started:.1f} s into {cache}")
    return paths


def _is_native(head: bytes) -> bool:
    return any(head.startswith(magic) for magic in NATIVE_MAGICS)


def native_members(wheel: Path) -> Iterator[str]:
    """Member paths of a wheel that start like an ELF, Mach-O or PE file."""
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            if not info.is_dir() and info.file_size >= 4:
                with archive.open(info) as handle:
                    if _is_native(handle.read(4)):
                        yield info.filename


def extract_members(wheel: Path, members: Sequence[str], dest: Path) -> dict[str, Path]:
    """Extract ``members`` of ``wheel`` below ``dest`` (one folder per wheel); member path -> file."""
    out = dest / wheel.name
    result: dict[str, Path] = {}
    with zipfile.ZipFile(wheel) as archive:
        for member in members:
            target = out / member
            if not target.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as source, open(target, "wb") as sink:
                    shutil.copyfileobj(source, sink)
            result[member] = target
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fetch-corpus", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, help="cache folder (default $PLUGSMITH_CORPUS_CACHE or "
                        "~/.cache/plugsmith/corpus)")
    args = parser.parse_args(argv)
    try:
        corpus = load()
        paths = fetch(corpus, args.cache)
    except CorpusError as exc:
        print(f"fetch-corpus: error: {exc}", file=sys.stderr)
        return 1
    total = sum(f.size for f in corpus.files)
    _log(f"{len(paths)} files ({total / 1e6:.1f} MB) present and verified")
    return 0
