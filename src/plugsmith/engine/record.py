"""The build record: what one artifact was built with, written beside it in dist/ as
``<artifact>.build.json`` (``dist/linux-x86_64/libgreet.so.build.json``), so it travels with the
artifact into a release folder or archive and into the provenance statement.

It holds what the job's link record (``link.json``) and compile records stand for, in words
instead of digests: the zig and plugsmith versions, the target triple, the resolved flags with the
layer each came from, the contract's sha256 (the export map is made from it; the map's own bytes
name the contract's absolute path, so they differ between checkouts), every source and header with
its sha256, and the sha256 of the artifact (and import library) it describes. ``settings`` are the
flag inputs that hold for every target of one build (``defaults:``, the plugin's flags, every
``overrides:`` entry, ``$PLUGSMITH_CFLAGS``/``--cflag`` and their ldflags twins): two artifacts
of one release whose settings, toolchain or contract differ come from different builds
(``plugsmith verify --provenance-check``). Paths are relative to the project folder, so the same
sources in two checkouts give the same record.

The engine removes the record when a link starts and writes it after the artifact lands, so a
record never sits beside an artifact it does not describe: a build killed in between leaves an
artifact without a record (``--provenance-check`` says so; the next build relinks and writes it).
It is removed with the artifact when a job fails.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from plugsmith import _fs
from plugsmith.engine import fingerprint, zig
from plugsmith.matrix import Matrix
from plugsmith.plan import Flag, Job

SUFFIX = ".build.json"
VERSION = 1
#: Flag origins that apply to every target of a build (plan.py's last two layers).
BUILD_WIDE_ORIGINS = {"cflags": ("$PLUGSMITH_CFLAGS", "--cflag"), "ldflags": ("$PLUGSMITH_LDFLAGS", "--ldflag")}


def path_for(artifact: Path) -> Path:
    """Where the record of ``artifact`` lives: beside it, named after it."""
    return artifact.with_name(artifact.name + SUFFIX)


def write(matrix: Matrix, job: Job, objects: Sequence[Path]) -> None:
    """Write the record of a zig job beside its artifact (in dist/); its sources are what the
    objects' compile records name."""
    _write(matrix, job, _sources(objects, matrix.root))


def write_project(matrix: Matrix, job: Job, stamps: Sequence[fingerprint.FileStamp]) -> None:
    """Write the record of a project-builder job (``builder: cmake|meson|go``): its sources are the
    files its ``link.json`` stamped (the project's files, the map, the static libraries), with the
    hashes taken then: nothing is read twice."""
    _write(matrix, job, _stamped(stamps, matrix.root))


def ensure(matrix: Matrix, job: Job, objects: Sequence[Path]) -> None:
    """An up-to-date job whose record is missing (deleted, or built before records existed) gets one."""
    if job.artifact.is_file() and not path_for(job.artifact).is_file():
        write(matrix, job, objects)


def ensure_project(matrix: Matrix, job: Job, link_record: Path) -> None:
    """``ensure`` for a project-builder job, from the stamps of its up-to-date ``link_record``."""
    saved = fingerprint.load(link_record)
    if saved is not None and job.artifact.is_file() and not path_for(job.artifact).is_file():
        write_project(matrix, job, saved.inputs)


def forget(job: Job) -> None:
    path_for(job.artifact).unlink(missing_ok=True)


def _write(matrix: Matrix, job: Job, sources: list[dict[str, str]]) -> None:
    path = path_for(job.artifact)
    try:
        _fs.write_text(path, json.dumps(make(matrix, job, sources), indent=2) + "\n")
    except OSError as exc:  # name the record, not its scratch name (a failed write() names none)
        raise OSError(exc.errno, exc.strerror, str(path)) from exc


def make(matrix: Matrix, job: Job, sources: list[dict[str, str]]) -> dict[str, Any]:
    from plugsmith import __version__

    root = matrix.root
    implib = job.out_dir / job.import_library if job.import_library else None
    return {
        "version": VERSION,
        "plugin": job.plugin.name,
        "target": job.target.name,
        "triple": job.triple,
        "format": job.format,
        "builder": job.builder,
        "artifact": {"name": job.library, "sha256": fingerprint.file_sha256(job.artifact)},
        "import_library": None if implib is None else {"name": implib.name, "sha256": fingerprint.file_sha256(implib)},
        "toolchain": {"zig": zig.version(), "plugsmith": __version__},
        "cflags": _flags(job.cflags, matrix),
        "ldflags": _flags(job.ldflags, matrix),
        "settings": settings(matrix, job),
        "contract": _contract(job, root),
        "sources": sources,
    }


def settings(matrix: Matrix, job: Job) -> dict[str, Any]:
    """The flag inputs of the whole build (not of this target): equal for every artifact of one build."""
    return {
        "defaults": {"cflags": list(matrix.cflags), "ldflags": list(matrix.ldflags)},
        "plugin": {"cflags": list(job.plugin.cflags), "ldflags": list(job.plugin.ldflags)},
        "overrides": [{"select": o.select, "inherit": o.inherit,
                       "cflags": None if o.cflags is None else list(o.cflags),
                       "ldflags": None if o.ldflags is None else list(o.ldflags)} for o in matrix.overrides],
        "extra": {kind: [f.value for f in getattr(job, kind) if f.origin in origins]
                  for kind, origins in BUILD_WIDE_ORIGINS.items()},
    }


def _flags(flags: Sequence[Flag], matrix: Matrix) -> list[dict[str, str]]:
    """Each flag with its layer; the config's location is named relative to the project folder."""
    shown = _fs.display_path(matrix.config_path)
    own = _rel(matrix.config_path, matrix.root)
    return [{"value": f.value, "origin": own + f.origin[len(shown):] if f.origin.startswith(shown + ":") else f.origin}
            for f in flags]


def _sources(objects: Sequence[Path], root: Path) -> list[dict[str, str]]:
    """Every file the compiles read (sources and headers, from each object's compile record)."""
    records = (fingerprint.load(obj.with_name(obj.name + ".json")) for obj in objects)
    return _stamped([stamp for record in records if record is not None for stamp in record.inputs], root)


def _stamped(stamps: Sequence[fingerprint.FileStamp], root: Path) -> list[dict[str, str]]:
    """Each stamped file once, by its project-relative path, with the sha256 its stamp holds."""
    seen: dict[str, str] = {}
    for stamp in stamps:
        seen.setdefault(_rel(Path(stamp.path), root), stamp.sha256)
    return [{"path": path, "sha256": digest} for path, digest in sorted(seen.items())]


def _contract(job: Job, root: Path) -> dict[str, str | None]:
    """The contract file and its sha256; a python-extension's contract is written by plugsmith
    (``PyInit_<name>``): no file, the sha256 of its one line per symbol."""
    path = job.plugin.contract_path
    if path is None:
        text = "".join(f"{s.name} {s.kind}\n" for s in job.plugin.contract.symbols)
        return {"path": None, "sha256": hashlib.sha256(text.encode()).hexdigest()}
    return {"path": _rel(path, root), "sha256": fingerprint.file_sha256(path)}


def _rel(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path, root)).as_posix()
