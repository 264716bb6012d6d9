"""Find binaries among the paths a user gives ``plugsmith verify`` and name them.

Inputs are any mix of files, folders (searched recursively) and archives (zip, wheels, tar,
tar.gz, tar.xz, tar.bz2, tar.zst; read safely by :mod:`plugsmith.archives` into a private
temporary folder). Files are identified by content (magic bytes), not by extension. A file
that is named like a library but is not a binary is reported, never silently skipped; a binary
that cannot be parsed is a finding naming it, not a crash.

Each binary gets a plugin name (from its file name, Python extension tags removed) and a target
name (``<os>-<arch>`` from what ``inspect`` reads, or from a ``GLOB=TARGET`` mapping)."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from plugsmith.archives import Budget, Limits, archive_kind, extract
from plugsmith.errors import InputError
from plugsmith.inspect import Inspection, inspect_file, is_binary

_LIB_NAME = re.compile(
    r"^(?:lib)?(?P<name>.+?)"
    r"(?:\.(?:cpython-[^.]+|cp\d+-[^.]+|abi3|pypy[^.]*))?"
    r"(?:\.so(?:\.[0-9.]+)?|\.dylib|\.dll|\.pyd|\.bundle)?$",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: File names that promise a shared library; such a file that is not a binary is a finding.
LIBRARY_LIKE = re.compile(r"\.(?:so(?:\.[0-9]+)*|dylib|dll|pyd|bundle)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Found:
    """One binary: where to read it and what to call it (``release.zip!linux/libgreet.so``)."""

    path: Path
    display: str
    explicit: bool = False  # named by the user: unreadable is an error, not a finding


@dataclass(frozen=True, slots=True, kw_only=True)
class Gathered:
    binaries: tuple[Found, ...]
    problems: tuple[str, ...]  # library-named non-binaries, unreadable binaries: findings
    archives: tuple[str, ...] = ()  # archives that were opened


@dataclass(frozen=True, slots=True, kw_only=True)
class Identified:
    plugin: str
    target: str
    inspection: Inspection  # ``path`` is the display name, not the temporary copy


def plugin_name(path: Path | str) -> str:
    name = Path(path).name
    match = _LIB_NAME.match(name)
    return match.group("name") if match else Path(name).stem


def target_name(ins: Inspection) -> str:
    return f"{ins.os}-{ins.arch}"


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def gather(paths: Iterable[Path], workdir: Path, limits: Limits | None = None) -> Gathered:
    """Every binary under ``paths``; archives are unpacked under ``workdir`` (which the caller removes).

    A named file that is neither a binary nor an archive, or a missing path, is an ``InputError``.
    """
    state = _Gather(workdir, limits or Limits())
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink()):
                state.file(child, _display(child), explicit=False)
        elif path.is_file():
            state.file(path, _display(path), explicit=True)
        else:
            raise InputError(f"{path}: no such file or folder")
    return Gathered(binaries=tuple(state.found), problems=tuple(state.problems), archives=tuple(state.archives))


class _Gather:
    def __init__(self, workdir: Path, limits: Limits) -> None:
        self.workdir = workdir
        self.limits = limits
        self.budget = Budget(limits.total_bytes, limits.members)  # one for every archive of this run
        self.found: list[Found] = []
        self.problems: list[str] = []
        self.archives: list[str] = []

    def file(self, path: Path, display: str, *, explicit: bool) -> None:
        if is_binary(path):
            self.found.append(Found(path=path, display=display, explicit=explicit))
        elif archive_kind(path) is not None:
            self.archive(path, display)
        elif explicit:
            what = "an empty file" if path.stat().st_size == 0 else "not an ELF, Mach-O or PE binary, nor an archive"
            raise InputError(f"{display}: {what}")
        elif LIBRARY_LIKE.search(path.name):
            self.problems.append(_not_binary(path, display))

    def archive(self, path: Path, display: str) -> None:
        dest = self.workdir / f"a{len(self.archives)}"
        dest.mkdir(parents=True)
        self.archives.append(display)
        for member in extract(path, dest, self.limits, self.budget):
            shown = f"{display}!{_printable(member.name)}"
            if is_binary(member.path):
                self.found.append(Found(path=member.path, display=shown))
            elif LIBRARY_LIKE.search(member.name):
                self.problems.append(_not_binary(member.path, shown))
            # archives inside archives are not opened: a release holds binaries, not nested bundles


def _printable(name: str) -> str:
    """A hostile member name with newlines or escapes must not break a one-line finding."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", name)


def _not_binary(path: Path, display: str) -> str:
    what = "is empty" if path.stat().st_size == 0 else "is not an ELF, Mach-O or PE binary"
    return f"{display}: named like a shared library but {what}"


def parse_target_map(items: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """``GLOB=TARGET`` strings -> pairs; the glob matches the artifact's display name or derived target."""
    out = []
    for item in items:
        glob, sep, target = item.partition("=")
        if not sep or not glob.strip() or not target.strip():
            raise InputError(f"--target-map {item!r}: expected GLOB=TARGET, e.g. '*/linux-x86_64/*=linux-x86_64'")
        out.append((glob.strip(), target.strip()))
    return tuple(out)


def identify(found: Iterable[Found], target_map: Sequence[tuple[str, str]] = ()) -> tuple[list[Identified], list[str]]:
    """Inspect each binary. One that does not parse is a problem line naming it (so the rest of a
    release is still checked and reported), or an ``InputError`` when the user named it."""
    out: list[Identified] = []
    broken: list[str] = []
    for item in found:
        try:
            inspections = inspect_file(item.path)
        except InputError as exc:
            if item.explicit:
                raise InputError(f"{item.display}: {exc.message}") from None
            broken.append(f"{item.display}: {exc.message}")
            continue
        for ins in inspections:
            shown = replace(ins, path=Path(item.display))
            out.append(Identified(plugin=plugin_name(item.display.rsplit("!", 1)[-1]),
                                  target=_mapped(item.display, shown, target_map), inspection=shown))
    return out, broken


def _mapped(display: str, ins: Inspection, target_map: Sequence[tuple[str, str]]) -> str:
    derived = target_name(ins)
    for glob, target in target_map:
        if fnmatch.fnmatchcase(display, glob) or fnmatch.fnmatchcase(derived, glob):
            return target
    return derived
