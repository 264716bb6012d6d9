"""The engine's part of ``kind: python-extension``: what a CPython stable-ABI module's compile and
link add to a plugin's, as ``platforms.EXTENSIONS`` says per format.

- compile: the host Python's headers, ``Py_LIMITED_API`` from ``abi3:``, and on Windows plugsmith's
  pyconfig.h forced with ``-include``;
- link: the format's rule (ELF: no ``-z defs``; Mach-O: ``-undefined dynamic_lookup``; PE: the
  import library of python3.dll, which :func:`implib_args` makes with ``zig dlltool`` from the
  ``python3.def`` :func:`write_def` writes into the job's work folder).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from plugsmith import python_ext
from plugsmith.errors import ConfigError
from plugsmith.plan import Job, Plan
from plugsmith.platforms import EXTENSIONS

DEF_NAME = "python3.def"
IMPLIB_NAME = "libpython3.a"


def check(plan: Plan) -> None:
    """Before anything is built: the host has Python headers, and they are new enough for every
    extension's ``abi3:`` (3.11 headers serve ``abi3: "3.9"``, not ``"3.12"``). ConfigError (exit 2)."""
    extensions = [job.plugin for job in plan.jobs if job.plugin.is_extension]
    if not extensions:
        return
    include = python_ext.host_include()
    host = python_ext.host_version()
    for plugin in dict.fromkeys(extensions):
        assert plugin.abi3 is not None  # the matrix requires it
        if python_ext.version_tuple(plugin.abi3) > host:
            raise ConfigError(f"{plugin.where}: plugin {plugin.name}: abi3 {plugin.abi3} needs CPython "
                              f"{plugin.abi3} or newer headers; this host's are {host[0]}.{host[1]} ({include})")


def compile_extras(job: Job) -> tuple[tuple[Path, ...], tuple[str, ...], tuple[str, ...]]:
    """(include folders, defines, flags) a python-extension's compiles add; empty for a library."""
    if not job.plugin.is_extension:
        return (), (), ()
    assert job.plugin.abi3 is not None
    row = EXTENSIONS[job.format]
    flags = tuple(flag.format(pyconfig=python_ext.PYCONFIG_WINDOWS) for flag in row.compile_flags)
    return (python_ext.host_include(),), (python_ext.limited_api(job.plugin.abi3),), flags


def link_flags(job: Job, base: Sequence[str]) -> list[str]:
    """The format's LINK_FLAGS templates (``base``) adjusted for a python-extension: rows dropped,
    rows added (``{python_implib}`` stays a placeholder the link fills with the work-folder path)."""
    if not job.plugin.is_extension:
        return list(base)
    row = EXTENSIONS[job.format]
    kept = [flag for flag in base if flag not in row.drop_link_flags]
    return kept + [flag.format(python_implib=str(job.work_dir / IMPLIB_NAME)) for flag in row.link_flags]


def needs_implib(job: Job) -> bool:
    return job.plugin.is_extension and EXTENSIONS[job.format].python_dll_import


def def_text() -> str:
    return python_ext.python3_def()


def def_digest() -> str:
    """Part of the link's fingerprint: a new stable-ABI list relinks every Windows extension."""
    return hashlib.sha256(def_text().encode("utf-8")).hexdigest()


def implib_args(job: Job, def_path: Path, out: Path) -> list[str]:
    """``zig dlltool`` arguments making ``out`` (python3.dll's import library) for the job's arch."""
    machine = dict(EXTENSIONS[job.format].dlltool_machine).get(job.target.arch)
    if machine is None:
        raise ConfigError(f"{job.id}: no zig dlltool machine for {job.target.arch} (platforms.EXTENSIONS)")
    return ["dlltool", "-d", str(def_path), "-l", str(out), "-m", machine]
