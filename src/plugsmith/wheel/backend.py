"""A PEP 517 build backend: ``pip wheel .`` (and cibuildwheel on a CI runner) in a plugsmith project
builds one target with zig and packs its plugin wheel, exactly as ``plugsmith wheel`` would.

``pyproject.toml`` (written by ``plugsmith init --python``) names it::

    [build-system]
    requires = ["plugsmith @ ..."]
    build-backend = "plugsmith.wheel.backend"

Which target: ``$PLUGSMITH_TARGETS`` (a target name or glob; cibuildwheel's ``overrides`` set it per
build identifier), else the matrix target of this machine (OS, machine and C library). The version:
``config_settings["version"]``, else ``wheel: version`` in build_matrix.yaml, else 0.0.0. The sdist
holds pyproject.toml, build_matrix.yaml, the plugsmith pin, the contracts and the plugin sources.
"""

from __future__ import annotations

import io
import os
import platform
import tarfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from plugsmith import _fs
from plugsmith.errors import BuildError, ConfigError

if TYPE_CHECKING:
    from plugsmith.plan import Plan

__all__ = ["build_sdist", "build_wheel", "host_target"]

ConfigSettings = Mapping[str, object] | None


def host_target(targets: tuple[str, ...], facts: Mapping[str, tuple[str, str, str | None]]) -> str:
    """The one of ``targets`` whose (os, arch, libc) ``facts`` are this machine's."""
    from plugsmith.platforms import OS_ROWS
    from plugsmith.runtime import host_machine

    os_name, arch = host_machine()
    glibc = platform.libc_ver()[0] == "glibc"
    libc = ("gnu" if glibc else "musl") if os_name in OS_ROWS and OS_ROWS[os_name].libcs else None
    found = [t for t in targets if facts[t] == (os_name, arch, libc)]
    if not found:
        raise ConfigError(f"no target in build_matrix.yaml is this machine ({os_name}-{arch}"
                          + (f", libc {libc}" if libc else "") + "); set PLUGSMITH_TARGETS to one")
    return found[0]


def _plan(root: Path) -> Plan:
    from plugsmith import matrix as matrix_mod
    from plugsmith import plan as plan_mod

    matrix = matrix_mod.load(matrix_mod.find_config(root))
    globs = [g for g in os.environ.get("PLUGSMITH_TARGETS", "").replace(",", " ").split() if g]
    if not globs:
        globs = [host_target(tuple(t.name for t in matrix.targets),
                             {t.name: (t.os, t.arch, t.libc) for t in matrix.targets})]
    plan = plan_mod.resolve(matrix, select=globs)
    if len(plan.targets) != 1:
        raise ConfigError(f"PLUGSMITH_TARGETS {' '.join(globs)}: a wheel build needs exactly one target, "
                          f"this selects {len(plan.targets)} ({', '.join(t.name for t in plan.targets)})")
    return plan


def build_wheel(wheel_directory: str, config_settings: ConfigSettings = None,
                metadata_directory: str | None = None) -> str:
    from plugsmith.engine import build
    from plugsmith.wheel.config import resolve, version_or_error
    from plugsmith.wheel.pack import build_wheels

    plan = _plan(Path.cwd())
    raw = (config_settings or {}).get("version")
    version = version_or_error(str(raw), "config setting version") if raw else plan.matrix.wheel.version or "0.0.0"
    result = build(plan)
    if not result.ok:
        raise BuildError("; ".join(f.message for f in result.failures))
    paths = build_wheels(plan, result, version=version, out_dir=Path(wheel_directory),
                         metadata=resolve(plan.matrix.wheel, plan.matrix.project))
    return paths[0].name


def build_sdist(sdist_directory: str, config_settings: ConfigSettings = None) -> str:
    from plugsmith import matrix as matrix_mod
    from plugsmith.init import PIN_FILE
    from plugsmith.wheel.config import resolve
    from plugsmith.wheel.pack import ZIP_EPOCH

    root = Path.cwd().resolve()
    matrix = matrix_mod.load(matrix_mod.find_config(root))
    meta = resolve(matrix.wheel, matrix.project)
    version = matrix.wheel.version or "0.0.0"
    base = f"{meta.file_name}-{version}"
    files = {root / "pyproject.toml", matrix.config_path.resolve(), root / PIN_FILE}
    for plugin in matrix.plugins:
        files |= {*([plugin.contract_path] if plugin.contract_path else []), *plugin.sources}
        files |= {f for d in plugin.include_dirs for f in d.rglob("*") if f.is_file()}
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        pkg_info = f"Metadata-Version: 2.1\nName: {meta.name}\nVersion: {version}\n".encode()
        for name, data in sorted([*((f.resolve().relative_to(root).as_posix(), f.read_bytes())
                                    for f in files if f.is_file()), ("PKG-INFO", pkg_info)]):
            info = tarfile.TarInfo(f"{base}/{name}")
            info.size, info.mtime, info.mode = len(data), ZIP_EPOCH, 0o644
            tar.addfile(info, io.BytesIO(data))
    _fs.write_bytes(Path(sdist_directory) / f"{base}.tar.gz", out.getvalue())
    return f"{base}.tar.gz"
