"""Pack each target's plugins into one platform wheel (``py3-none-<platform>``, or
``cp3X-abi3-<platform>`` when it holds CPython extension modules).

A wheel holds ``<package>/__init__.py`` (the loader), the target's libraries beside it (import
libraries stay out: they serve linkers, not Python), its CPython extension modules at the top
level (``spam.abi3.so``, ``spam.pyd``: ``import spam``; no loader), and ``<name>-<version>.dist-info/`` with
METADATA, WHEEL and RECORD. Bytes are reproducible: members in a fixed order (package files
sorted, then METADATA, WHEEL, RECORD last as the spec recommends), one timestamp
(SOURCE_DATE_EPOCH, else 1980-01-01), fixed permissions. Every wheel is read back and its RECORD
checked before it is written; nothing is written unless every target's wheel could be made.
"""

from __future__ import annotations

import io
import os
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from plugsmith import __version__, _fs
from plugsmith.errors import BuildError, ConfigError, InputError
from plugsmith.platforms import wheel_platform
from plugsmith.wheel import loader, record
from plugsmith.wheel.config import WheelMetadata, normalize_version

if TYPE_CHECKING:
    from plugsmith.engine import BuildResult
    from plugsmith.matrix import Target
    from plugsmith.plan import Job, Plan

#: The oldest time a zip entry can carry (DOS date): the default, and the floor for SOURCE_DATE_EPOCH.
ZIP_EPOCH = 315532800  # 1980-01-01T00:00:00Z
#: The latest a DOS date can carry (2107-12-31T23:59:58Z).
ZIP_END = 4354819198
LIBRARY_MODE = 0o755  # as auditwheel/delocate leave shared libraries
FILE_MODE = 0o644


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    path: str  # inside the wheel, / separated
    data: bytes
    mode: int = FILE_MODE


def wheel_tag(target: Target) -> str:
    """The platform tag of ``target``'s wheel; a ConfigError (exit 2) when there is none."""
    try:
        return wheel_platform(target.os, target.arch, libc=target.libc, glibc=target.glibc, min_os=target.min_os)
    except KeyError:
        raise ConfigError(f"target {target.name}: no wheel platform tag for {target.os}-{target.arch}"
                          + (f" with libc {target.libc}" if target.libc else "")) from None
    except ValueError as exc:
        raise ConfigError(f"target {target.name}: {exc}") from None


def check_names(plan: Plan, metadata: WheelMetadata) -> None:
    """A ConfigError (exit 2) when the loader package would share its name with an extension module:
    a package folder ``spam/`` hides ``spam.abi3.so`` beside it (``import spam`` finds the folder)."""
    extensions = {j.plugin.name for j in plan.jobs if j.plugin.is_extension}
    if metadata.package in extensions and any(not j.plugin.is_extension for j in plan.jobs):
        raise ConfigError(f"the wheel's loader package '{metadata.package}' has the name of extension module "
                          f"{metadata.package}, which it would hide from import; set wheel: package: to another "
                          "name")


def zip_time(env: Mapping[str, str] | None = None) -> tuple[int, int, int, int, int, int]:
    """Every member's timestamp: SOURCE_DATE_EPOCH (reproducible-builds.org) clamped to what zip
    can store, else 1980-01-01 00:00:00 UTC."""
    raw = (env if env is not None else os.environ).get("SOURCE_DATE_EPOCH", "").strip()
    seconds = ZIP_EPOCH
    if raw:
        if not raw.isdigit():
            raise ConfigError(f"SOURCE_DATE_EPOCH {raw!r}: expected whole seconds since 1970-01-01 UTC")
        seconds = min(max(int(raw), ZIP_EPOCH), ZIP_END)
    t = time.gmtime(seconds)
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)


def metadata_text(meta: WheelMetadata, version: str, *, requires_python: str | None = None) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {meta.name}", f"Version: {version}", f"Summary: {meta.summary}",
             f"Requires-Python: {requires_python or meta.requires_python}"]
    if meta.license:
        lines.append(f"License: {meta.license}")
    return "\n".join(lines) + "\n"


def wheel_text(tag: str, interpreter: str = "py3-none") -> str:
    return (f"Wheel-Version: 1.0\nGenerator: plugsmith {__version__}\nRoot-Is-Purelib: false\n"
            f"Tag: {interpreter}-{tag}\n")


def interpreter_tag(jobs: list[Job]) -> tuple[str, str | None]:
    """(Python-ABI tag, Requires-Python) of a wheel holding ``jobs``' artifacts: ``py3-none`` for
    libraries (any Python loads them with ctypes); ``cp3X-abi3`` with ``>=3.X`` when it holds
    stable-ABI extension modules, X the newest ``abi3:`` among them (every module must load)."""
    from plugsmith import python_ext

    versions = [python_ext.version_tuple(j.plugin.abi3) for j in jobs if j.plugin.is_extension and j.plugin.abi3]
    if not versions:
        return "py3-none", None
    major, minor = max(versions)
    return f"{python_ext.python_tag(f'{major}.{minor}')}-abi3", f">={major}.{minor}"


def wheel_bytes(members: list[Member], dist_info: str, when: tuple[int, int, int, int, int, int]) -> bytes:
    """The zip: ``members`` sorted, then RECORD (listing them all, itself with an empty hash)."""
    ordered = sorted(members, key=lambda m: (m.path.startswith(f"{dist_info}/"), m.path))
    record_path = f"{dist_info}/RECORD"
    rows = [record.record_line(m.path, m.data) for m in ordered] + [[record_path, "", ""]]
    ordered.append(Member(path=record_path, data=record.render(rows)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for member in ordered:
            info = zipfile.ZipInfo(member.path, date_time=when)
            info.create_system = 3  # Unix, so external_attr's permission bits mean something to pip
            info.external_attr = (0o100000 | member.mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, member.data, compresslevel=9)
    return out.getvalue()


def build_wheels(plan: Plan, results: BuildResult | None, *, version: str, out_dir: Path,
                 metadata: WheelMetadata, env: Mapping[str, str] | None = None) -> tuple[Path, ...]:
    """One wheel per target of ``plan`` holding that target's plugins, written to ``out_dir``.

    ``results`` names the artifacts of a build that just ran; None takes them from dist/ (each
    must exist). Returns the wheel paths in the plan's target order."""
    normal = normalize_version(version)
    if normal is None:
        raise ConfigError(f"version {version!r}: not a valid Python package version (PEP 440)")
    built = {r.job.id: r.artifact for r in results.results if r.ok and r.artifact} if results is not None else None
    check_names(plan, metadata)
    when = zip_time(env)
    dist_info = f"{metadata.file_name}-{normal}.dist-info"
    made: list[tuple[Path, bytes]] = []
    for target in plan.targets:
        tag = wheel_tag(target)
        libraries: dict[str, str] = {}
        members: list[Member] = []
        jobs = [j for j in plan.jobs if j.target.name == target.name]
        for job in jobs:
            artifact = built.get(job.id) if built is not None else job.artifact
            if artifact is None or not artifact.is_file():
                shown = _fs.display_path(artifact or job.artifact)
                raise InputError(f"{job.id}: artifact {shown} does not exist "
                                 "(run 'plugsmith build', or drop --no-build)")
            if job.plugin.is_extension:  # a top-level module: ``import spam`` finds spam.abi3.so / spam.pyd
                members.append(Member(path=artifact.name, data=artifact.read_bytes(), mode=LIBRARY_MODE))
                continue
            libraries[job.plugin.name] = artifact.name
            members.append(Member(path=f"{metadata.package}/{artifact.name}", data=artifact.read_bytes(),
                                  mode=LIBRARY_MODE))
        if libraries:
            init = loader.render(summary=metadata.summary, version=normal, target=target.name, platform=tag,
                                 libraries=libraries)
            members.append(Member(path=f"{metadata.package}/__init__.py", data=init.encode("utf-8")))
        interpreter, requires = interpreter_tag(jobs)
        requires = None if metadata.requires_python_set else requires
        members += [Member(path=f"{dist_info}/METADATA",
                           data=metadata_text(metadata, normal, requires_python=requires).encode("utf-8")),
                    Member(path=f"{dist_info}/WHEEL", data=wheel_text(tag, interpreter).encode("utf-8"))]
        name = f"{metadata.file_name}-{normal}-{interpreter}-{tag}.whl"
        data = wheel_bytes(members, dist_info, when)
        problems = record.record_problems(data, name)
        if problems:  # a bug in plugsmith, not in the input: say so rather than ship it
            raise BuildError(f"{name}: the packed wheel does not match its own RECORD: {problems[0]}")
        made.append((out_dir / name, data))
    for path, data in made:
        _fs.write_bytes(path, data)
    return tuple(path for path, _ in made)
