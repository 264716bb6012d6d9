"""What a verify run looks at: an ``ArtifactSet``, from paths a user gives or from a build.

``from_paths`` finds binaries among the paths a user gives ``plugsmith verify``; ``from_build``
takes a build's own results (or, with none, the plan's expected outputs in dist/).

Inputs are any mix of files, folders (searched recursively) and archives (zip, wheels, tar,
tar.gz, tar.xz, tar.bz2, tar.zst; read safely by :mod:`plugsmith.archives` into a private
temporary folder). Files are identified by content (magic bytes), not by extension. A file
that is named like a library but is not a binary is reported, never silently skipped; a binary
that cannot be parsed is a finding naming it, not a crash. A wheel whose RECORD disagrees with
its members (a hash, a size, a file missing from either side) is a finding naming the member.

Each binary gets a plugin name (from its file name, Python extension tags removed) and a target
name (``<os>-<arch>`` from what ``inspect`` reads, or from a ``GLOB=TARGET`` mapping).

Besides the binaries, a release ships files that are not artifacts: Windows import libraries
(``greet.lib``, ``libgreet.dll.a``: ``ar`` archives) and the archives themselves are listed as
shipped files (hashed into SHA256SUMS and the provenance), never verified; a build record
(``<artifact>.build.json``, :mod:`plugsmith.engine.record`) is read as the provenance of the
artifact beside it and is neither an artifact nor a shipped file, even when named on the command line."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from plugsmith._fs import display_path
from plugsmith.archives import Budget, Limits, archive_kind, extract
from plugsmith.errors import InputError
from plugsmith.inspection import Inspection, InspectionCache, inspect_many, is_binary
from plugsmith.verify.grouping import group
from plugsmith.verify.identity import derived_target, match_targets
from plugsmith.verify.naming import EXTENSION_NAMES, Role, extension_name, library_name, role

if TYPE_CHECKING:
    from plugsmith.engine.engine import BuildResult
    from plugsmith.matrix import Target
    from plugsmith.plan import Plan

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: File names that promise a shared library; such a file that is not a binary is a finding.
LIBRARY_LIKE = re.compile(r"\.(?:so(?:\.[0-9]+)*|dylib|dll|pyd|bundle)$", re.IGNORECASE)
#: Windows import libraries, as zig (``--out-implib``: ``greet.lib``) and MinGW (``libgreet.dll.a``)
#: name them; an ``ar`` archive by content.
IMPORT_LIBRARY = re.compile(r"\.(?:lib|dll\.a)$", re.IGNORECASE)
AR_MAGIC = b"!<arch>\n"
#: A build record beside its artifact (``plugsmith.engine.record.SUFFIX``).
RECORD_SUFFIX = ".build.json"
ShippedKind = Literal["binary", "import-library", "archive"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Found:
    """One binary: where to read it and what to call it (``release.zip!linux/libgreet.so``)."""

    path: Path
    display: str
    explicit: bool = False  # named by the user: unreadable is an error, not a finding
    container: str | None = None  # the archive (wheel, zip, tarball) it came from, by display name


@dataclass(frozen=True, slots=True, kw_only=True)
class ShippedFile:
    """A file of the release as users get it: its display name and where to read its bytes."""

    display: str
    path: Path
    kind: ShippedKind = "binary"
    record: Path | None = None  # the build record beside it (binaries plugsmith built)
    container: str | None = None  # the archive it is a member of (display name ``ARCHIVE!MEMBER``)


@dataclass(frozen=True, slots=True, kw_only=True)
class Gathered:
    binaries: tuple[Found, ...]
    problems: tuple[str, ...]  # library-named non-binaries, unreadable binaries: findings
    archives: tuple[str, ...] = ()  # archives that were opened
    shipped: tuple[ShippedFile, ...] = ()  # binaries, import libraries and archives, as met


@dataclass(frozen=True, slots=True, kw_only=True)
class Artifact:
    """One binary (one slice of a fat Mach-O file), named by plugin and target."""

    plugin: str
    target: str
    inspection: Inspection  # ``path`` is the display name, not the temporary copy
    container: str | None = None  # the archive (wheel, zip, tarball) it came from, by display name
    role: Role = "library"  # a plugin library, a Python extension module, or a vendored dependency
    variant: str | None = None  # what tells it from another artifact of the same plugin and target
    #: A CPython extension built for the stable ABI: the oldest CPython it promises to load on
    #: ("3.9", the plugin's ``abi3:``); None when not known (a wheel's cp39-abi3 tag also says it).
    python_abi: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ArtifactSet:
    """The input of ``verify.judge``: every artifact found, every shipped file, and the problems
    met while finding them (a library-named file that is not a binary, an unreadable one, an
    expected artifact that does not exist)."""

    artifacts: tuple[Artifact, ...]
    files: tuple[ShippedFile, ...]  # binaries, import libraries, archives (for checksums and provenance)
    problems: tuple[str, ...] = ()
    #: from a build or dist/: the targets that were asked for (``-t``), which narrow the policy's expected set
    selected_targets: tuple[str, ...] | None = None


#: Where inspections are cached: the default cache, a given one, or None (read every file afresh).
CacheChoice = InspectionCache | Literal["default"] | None


def from_paths(paths: Sequence[Path], workdir: Path, *, target_map: Sequence[tuple[str, str]] = (),
               limits: Limits | None = None, cache: CacheChoice = "default",
               groups: Sequence[tuple[str, str]] = (), targets: Sequence[Target] = ()) -> ArtifactSet:
    """Every binary under ``paths`` (files, folders, archives; archives unpacked under ``workdir``,
    which the caller removes), inspected, grouped (:mod:`.grouping`; ``groups``: ``--group``
    overrides) and named by target (:mod:`.identity`: the matrix ``targets`` their facts match, or
    a derived name; ``target_map`` decides first)."""
    gathered = gather(paths, workdir, limits)
    artifacts, broken = identify(gathered.binaries, target_map, cache=cache, groups=groups, targets=targets)
    return ArtifactSet(artifacts=tuple(artifacts), files=gathered.shipped, problems=gathered.problems + tuple(broken))


def from_build(plan: Plan, result: BuildResult | None = None, *, cache: CacheChoice = "default") -> ArtifactSet:
    """The plan's artifacts: those ``result`` reports (a build that just ran), else whatever of
    them is in dist/ now. Each is named by its job (plugin and target), not by guessing."""
    built = {r.job.id: r.artifact for r in result.results if r.ok and r.artifact is not None} if result else None
    found: list[tuple[Found, str, str]] = []
    absent: list[str] = []
    for job in plan.jobs:
        path = built.get(job.id) if built is not None else (job.artifact if job.artifact.is_file() else None)
        if path is None:
            absent.append(f"{job.id}: artifact {display_path(job.artifact)} does not exist (run 'plugsmith build')")
            continue
        found.append((Found(path=path, display=display_path(path), explicit=True), job.plugin.name, job.target.name))
    artifacts, broken = identify([f for f, _, _ in found], cache=cache)
    named_by = {f.display: (plugin, target) for f, plugin, target in found}
    abi3 = {job.plugin.name: job.plugin.abi3 for job in plan.jobs}
    # the job says what each artifact is: no guessing of names, targets or variants from file names
    named = tuple(replace(a, plugin=named_by[str(a.inspection.path)][0], target=named_by[str(a.inspection.path)][1],
                          variant=None, python_abi=abi3.get(named_by[str(a.inspection.path)][0]))
                  for a in artifacts)
    files: list[ShippedFile] = []
    for f, _, _ in found:
        files.append(shipped(f.path, f.display, "binary"))
        implib = _import_library_of(f.path, plan)
        if implib is not None:
            files.append(shipped(implib, display_path(implib), "import-library"))
    return ArtifactSet(artifacts=named, files=tuple(files), problems=tuple(absent) + tuple(broken),
                       selected_targets=tuple(t.name for t in plan.targets))


def _import_library_of(artifact: Path, plan: Plan) -> Path | None:
    for job in plan.jobs:
        if job.import_library and artifact.parent == job.out_dir and artifact.name == job.library:
            implib = job.out_dir / job.import_library
            return implib if implib.is_file() else None
    return None


def shipped(path: Path, display: str, kind: ShippedKind, container: str | None = None) -> ShippedFile:
    """A shipped file; a binary with a build record beside it (in a folder or the same archive) keeps its path."""
    record = path.with_name(path.name + RECORD_SUFFIX) if kind == "binary" else None
    return ShippedFile(display=display, path=path, kind=kind, record=record if record and record.is_file() else None,
                       container=container)


def is_import_library(path: Path) -> bool:
    if not IMPORT_LIBRARY.search(path.name):
        return False
    try:
        with open(path, "rb") as handle:
            return handle.read(len(AR_MAGIC)) == AR_MAGIC
    except OSError:
        return False


def cross_checked(found: ArtifactSet) -> ArtifactSet:
    """``found`` with every binary read again by lief (:mod:`plugsmith.inspection.crosscheck`):
    each field on which lief and plugsmith's reader disagree is a problem naming the file."""
    from plugsmith.inspection.crosscheck import disagreements

    read: dict[str, list[Inspection]] = {}
    for artifact in found.artifacts:
        read.setdefault(str(artifact.inspection.path), []).append(artifact.inspection)
    problems: list[str] = []
    for item in found.files:
        if item.kind == "binary" and item.display in read:
            ours = sorted(read[item.display], key=lambda ins: ins.slice_index or 0)
            problems += [f"cross-check: {item.display}: {line}" for line in disagreements(item.path, ours)]
    return replace(found, problems=found.problems + tuple(problems))


def plugin_name(path: Path | str) -> str:
    """The name one file alone stands for (``naming``'s rules); grouping may join it to others."""
    name = Path(str(path).replace("\\", "/")).name
    if EXTENSION_NAMES.match(name):
        return extension_name(name)
    return library_name(name)


def target_name(ins: Inspection) -> str:
    """The target name derived from the artifact's facts alone (``linux-x86_64-musl``)."""
    return derived_target(ins)


def gather(paths: Iterable[Path], workdir: Path, limits: Limits | None = None) -> Gathered:
    """Every binary under ``paths``; archives are unpacked under ``workdir`` (which the caller removes).

    A named file that is neither a binary nor an archive, or a missing path, is an ``InputError``.
    """
    state = _Gather(workdir, limits or Limits())
    for path in paths:
        if path.is_dir():
            for child in _files_under(path, state.limits.depth):
                state.file(child, display_path(child), explicit=False)
        elif path.is_file():
            state.file(path, display_path(path), explicit=True)
        else:
            raise InputError(f"{path}: no such file or folder")
    return Gathered(binaries=tuple(state.found), problems=tuple(state.problems), archives=tuple(state.archives),
                    shipped=tuple(state.shipped))


def _files_under(root: Path, depth: int) -> list[Path]:
    """Every regular file below ``root`` (symlinks not followed), sorted; a walk with its own stack,
    so a folder nested deeper than ``depth`` is one clear error, not Python's recursion limit."""
    found: list[Path] = []
    stack: list[tuple[Path, int]] = [(root, 0)]
    while stack:
        folder, level = stack.pop()
        if level > depth:
            raise InputError(f"{display_path(root)}: nested deeper than {depth} folders")
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            raise InputError(f"{display_path(folder)}: cannot read the folder: {exc.strerror or exc}") from None
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append((Path(entry.path), level + 1))
            elif entry.is_file(follow_symlinks=False):
                found.append(Path(entry.path))
    return sorted(found)


class _Gather:
    def __init__(self, workdir: Path, limits: Limits) -> None:
        self.workdir = workdir
        self.limits = limits
        self.budget = Budget(limits.total_bytes, limits.members)  # one for every archive of this run
        self.found: list[Found] = []
        self.problems: list[str] = []
        self.archives: list[str] = []
        self.shipped: list[ShippedFile] = []

    def file(self, path: Path, display: str, *, explicit: bool) -> None:
        if is_binary(path):
            self.found.append(Found(path=path, display=display, explicit=explicit))
            self.shipped.append(shipped(path, display, "binary"))
        elif path.name.endswith(RECORD_SUFFIX):
            return  # the provenance of the binary beside it, read with it
        elif is_import_library(path):
            self.shipped.append(shipped(path, display, "import-library"))
        elif archive_kind(path) is not None:
            self.shipped.append(shipped(path, display, "archive"))
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
        members = extract(path, dest, self.limits, self.budget)
        from plugsmith.verify.wheel_tags import is_wheel  # with its tag tables: only when an archive is met

        if is_wheel(display):
            from plugsmith.wheel.record import extracted_problems  # only when a wheel is met

            self.problems.extend(_printable(p) for p in extracted_problems({m.name: m.path for m in members}, display))
        for member in members:
            shown = f"{display}!{_printable(member.name)}"
            if is_binary(member.path):
                self.found.append(Found(path=member.path, display=shown, container=display))
                self.shipped.append(shipped(member.path, shown, "binary", display))
            elif is_import_library(member.path):
                self.shipped.append(shipped(member.path, shown, "import-library", display))
            elif LIBRARY_LIKE.search(member.name):
                self.problems.append(_not_binary(member.path, shown))
            # archives inside archives are not opened: a release holds binaries, not nested bundles


def _printable(name: str) -> str:
    """A hostile member name with newlines or escapes must not break a one-line finding."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", name)


def _not_binary(path: Path, display: str) -> str:
    what = "is empty" if path.stat().st_size == 0 else "is not an ELF, Mach-O or PE binary"
    return f"{display}: named like a shared library but {what}"


def identify(found: Iterable[Found], target_map: Sequence[tuple[str, str]] = (), *,
             cache: CacheChoice = "default", groups: Sequence[tuple[str, str]] = (),
             targets: Sequence[Target] = ()) -> tuple[list[Artifact], list[str]]:
    """Inspect each binary (in parallel, through ``cache``; None reads every file afresh), then
    group and name them (see ``from_paths``). One that does not parse is a problem line naming it
    (so the rest of a release is still checked and reported), or an ``InputError`` when the user
    named it."""
    out: list[Artifact] = []
    broken: list[str] = []
    items = list(found)
    for item, inspections in zip(items, inspect_many([i.path for i in items], cache=cache), strict=True):
        if isinstance(inspections, InputError):
            if item.explicit:
                raise InputError(f"{item.display}: {inspections.message}") from None
            broken.append(f"{item.display}: {inspections.message}")
            continue
        for ins in inspections:
            shown = replace(ins, path=Path(item.display))
            out.append(Artifact(plugin=plugin_name(item.display.rsplit("!", 1)[-1]),
                                target=target_name(shown), inspection=shown,
                                container=item.container, role=role(item.display, shown)))
    explicit = frozenset(i.display for i in items if i.explicit)
    grouped = match_targets(group(out, explicit=explicit, overrides=groups), targets)
    return [replace(a, target=_mapped(str(a.inspection.path), a.inspection, target_map) or a.target)
            for a in grouped], broken


def _mapped(display: str, ins: Inspection, target_map: Sequence[tuple[str, str]]) -> str | None:
    derived = target_name(ins)
    for glob, target in target_map:
        if fnmatch.fnmatchcase(display, glob) or fnmatch.fnmatchcase(derived, glob):
            return target
    return None
