"""cibuildwheel for plugin projects that also build on native CI runners: the ``[tool.cibuildwheel]``
table of a project's ``pyproject.toml``, made from its build matrix.

Each matrix target becomes exactly one cibuildwheel build identifier (``cp312-manylinux_aarch64``):
a plugin wheel is ``py3-none-<platform>`` (ctypes, no CPython ABI), so one Python per platform is
enough, and a second one would make the same wheel twice (cibuildwheel stops on that). ``build``
lists those identifiers exactly (so a runner's ``CIBW_ARCHS`` or ``--archs`` can only narrow it, and
musllinux beside manylinux, or an OS the matrix does not build, is never selected); ``archs``
names the targets' machines per platform (by default cibuildwheel builds the native one only). An
``overrides`` entry per identifier sets ``PLUGSMITH_TARGETS``, so the build backend
(``plugsmith.wheel.backend``) builds that target and no other. The test and repair commands run
``plugsmith verify`` on the wheel; the repair chain keeps each platform's default tool (auditwheel,
delocate, delvewheel) first.

The tables below are cibuildwheel's vocabulary as data, each row with its evidence.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from plugsmith.errors import ConfigError

if TYPE_CHECKING:
    from plugsmith.matrix import Matrix, Target

#: The one CPython every identifier uses (any would do: the wheel is py3-none). 3.12 is the oldest
#: CPython cibuildwheel 4.3 builds on all seven default platforms, win_arm64 included.
PYTHON = "cp312"

#: Where the project pins plugsmith (init.PIN_FILE), installed before the build's repair step and in the test venv.
INSTALL_PLUGSMITH = "python -m pip install -r {project}/plugsmith-requirements.txt"


@dataclass(frozen=True, slots=True, kw_only=True)
class CibwPlatform:
    """How the targets of one OS (and C library) become cibuildwheel identifiers."""

    os: str
    libc: str | None  # None: the OS's own C library
    platform: str  # cibuildwheel's --platform
    #: plugsmith arch -> (the ``archs`` spelling, the identifier's platform part)
    arches: tuple[tuple[str, tuple[str, str]], ...]
    evidence: str


_LINUX_ARCHS = (("x86_64", "x86_64"), ("aarch64", "aarch64"), ("arm", "armv7l"), ("x86", "i686"),
                ("riscv64", "riscv64"))

CIBW_PLATFORMS: tuple[CibwPlatform, ...] = (
    CibwPlatform(os="linux", libc="gnu", platform="linux",
                 arches=tuple((a, (n, f"manylinux_{n}")) for a, n in _LINUX_ARCHS),
                 evidence="cibuildwheel 4.3.5 --print-build-identifiers --platform linux with archs x86_64, "
                          "aarch64, armv7l, i686, riscv64: cp312-manylinux_<arch> (tests/cibw)"),
    CibwPlatform(os="linux", libc="musl", platform="linux",
                 arches=tuple((a, (n, f"musllinux_{n}")) for a, n in _LINUX_ARCHS),
                 evidence="the same run: cp312-musllinux_<arch> beside every manylinux identifier"),
    CibwPlatform(os="macos", libc=None, platform="macos",
                 arches=(("x86_64", ("x86_64", "macosx_x86_64")), ("aarch64", ("arm64", "macosx_arm64"))),
                 evidence="--platform macos with archs x86_64, arm64: cp312-macosx_x86_64, cp312-macosx_arm64"),
    CibwPlatform(os="windows", libc=None, platform="windows",
                 arches=(("x86_64", ("AMD64", "win_amd64")), ("aarch64", ("ARM64", "win_arm64")),
                         ("x86", ("x86", "win32"))),
                 evidence="--platform windows with archs AMD64, ARM64, x86: cp312-win_amd64, cp312-win_arm64, "
                          "cp312-win32"),
)

#: cibuildwheel's default ``repair-wheel-command`` per platform (cibuildwheel/resources/defaults.toml,
#: 4.3.5), kept as the first step of the generated chain.
DEFAULT_REPAIR: dict[str, str] = {
    "linux": "auditwheel repair -w {dest_dir} {wheel}",
    "macos": "delocate-wheel --require-archs {delocate_archs} -w {dest_dir} -v {wheel}",
    "windows": "delvewheel repair -w {dest_dir} -v {wheel}",
}

#: ``[project]`` fields that plugsmith's build backend fills from build_matrix.yaml's ``wheel:`` section.
DYNAMIC = ("version", "description", "requires-python", "license")

PLATFORMS: tuple[str, ...] = tuple(dict.fromkeys(r.platform for r in CIBW_PLATFORMS))


@dataclass(frozen=True, slots=True, kw_only=True)
class Identifier:
    """One cibuildwheel build: its identifier, platform and ``archs`` spelling, for one matrix target."""

    identifier: str
    platform: str
    arch: str
    target: str


def _row(target: Target) -> CibwPlatform:
    for row in CIBW_PLATFORMS:
        if row.os == target.os and row.libc == target.libc and target.arch in dict(row.arches):
            return row
    raise ConfigError(f"target {target.name}: cibuildwheel has no build for {target.os}-{target.arch}"
                      + (f" with libc {target.libc}" if target.libc else ""))


def identifiers(targets: Sequence[Target], python: str = PYTHON) -> tuple[Identifier, ...]:
    """One identifier per target, in the matrix's order; a ConfigError when two targets would share one
    (two glibc pins of one arch: on cibuildwheel the manylinux image, not the identifier, sets glibc)."""
    out: list[Identifier] = []
    seen: dict[str, str] = {}
    for target in targets:
        row = _row(target)
        arch, part = dict(row.arches)[target.arch]
        ident = f"{python}-{part}"
        if ident in seen:
            raise ConfigError(f"targets {seen[ident]} and {target.name}: both would be cibuildwheel's {ident}; "
                              "keep one of them for the cibuildwheel build")
        seen[ident] = target.name
        out.append(Identifier(identifier=ident, platform=row.platform, arch=arch, target=target.name))
    return tuple(out)


def expected(targets: Sequence[Target], python: str = PYTHON) -> dict[str, tuple[str, ...]]:
    """What ``cibuildwheel --print-build-identifiers --platform P`` must print, per platform (sorted)."""
    found = identifiers(targets, python)
    return {p: tuple(sorted(i.identifier for i in found if i.platform == p)) for p in PLATFORMS}


def verify_command(matrix: Matrix, wheel: str) -> str:
    """The ``plugsmith verify`` line for one wheel (``{wheel}``, or ``{dest_dir}``: a folder holding it).

    ``--no-project``: the line means the same wherever it runs (cibuildwheel runs tests in a temporary
    folder, repairs in the project); one plugin: its contract; several: the project's matrix, whose
    ``targets`` check is skipped because one wheel holds one target."""
    contracts = list(dict.fromkeys(p.contract_path for p in matrix.plugins))
    if len(contracts) == 1 and contracts[0] is not None:  # None: an extension (plugsmith writes PyInit_)
        return f"plugsmith verify --no-project --contract {{project}}/{_in_project(matrix, contracts[0])} {wheel}"
    config = _in_project(matrix, matrix.config_path)
    return f"plugsmith verify -c {{project}}/{config} --skip-check targets {wheel}"


def _in_project(matrix: Matrix, path: Path) -> str:
    """``path`` relative to the project folder, as cibuildwheel's ``{project}`` sees it."""
    try:
        return path.resolve().relative_to(matrix.root.resolve()).as_posix()
    except ValueError:
        raise ConfigError(f"{path.resolve()}: outside the project folder {matrix.root}; cibuildwheel sees only the "
                          "project (in its Linux container too), so the verify step could not read it") from None


def config(matrix: Matrix, package: str, python: str = PYTHON) -> dict[str, object]:
    """The ``[tool.cibuildwheel]`` table for ``matrix`` (plain data, in the order it is written)."""
    found = identifiers(matrix.targets, python)
    table: dict[str, object] = {
        "build": [i.identifier for i in found],
        "before-build": INSTALL_PLUGSMITH,
        "before-test": INSTALL_PLUGSMITH,
        "test-command": [verify_command(matrix, "{wheel}"),
                         f"python -c \"import {package}; print({package}.library_path())\""],
    }
    for platform in PLATFORMS:
        spelled = list(dict.fromkeys(i.arch for i in found if i.platform == platform))
        if spelled:
            table[platform] = {"archs": spelled,
                               "repair-wheel-command": [DEFAULT_REPAIR[platform],
                                                        verify_command(matrix, "{dest_dir}")]}
    table["overrides"] = [{"select": i.identifier, "environment": {"PLUGSMITH_TARGETS": i.target}} for i in found]
    return table


# --------------------------------------------------------------------------- TOML


def _value(value: object) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string: JSON's escapes are TOML's
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _key(key: str) -> str:
    return key if key.replace("-", "").replace("_", "").isalnum() else json.dumps(key)


def toml_table(name: str, table: Mapping[str, object], *, header: str | None = None) -> str:
    """``[name]`` with its keys, then ``[name.sub]`` per sub-table and ``[[name.key]]`` per list of
    tables (whose own sub-tables are written inline): the subset of TOML this module writes."""
    lines = [header or f"[{name}]"]
    nested: list[str] = []
    for key, value in table.items():
        if isinstance(value, Mapping) and header is None:
            nested.append("\n" + toml_table(f"{name}.{key}", value))
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            nested += ["\n" + toml_table(f"{name}.{key}", item, header=f"[[{name}.{key}]]") for item in value]
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    return "\n".join(lines) + "\n" + "".join(nested)


def pyproject(matrix: Matrix, requirement: str, python: str = PYTHON) -> str:
    """The ``pyproject.toml`` of a Python package shipping ``matrix``'s plugins: plugsmith's build
    backend (one target per wheel, through ``PLUGSMITH_TARGETS``) and ``[tool.cibuildwheel]``."""
    from plugsmith.wheel.config import resolve

    meta = resolve(matrix.wheel, matrix.project)
    head = ("# The Python package of this project's plugins: one ctypes wheel (py3-none-<platform>) per target.\n"
            "# From one Linux machine, 'plugsmith wheel' cross-builds all of them with zig. On native CI\n"
            "# runners, cibuildwheel builds one target per job through the backend below (it sets\n"
            "# PLUGSMITH_TARGETS per build identifier), repairs the wheel with auditwheel / delocate /\n"
            "# delvewheel, then 'plugsmith verify' checks it against the contract (docs/wheel.md).\n"
            "# Keep the plugsmith requirement in step with plugsmith-requirements.txt.\n\n")
    build_system = toml_table("build-system", {"requires": [requirement.strip()],
                                               "build-backend": "plugsmith.wheel.backend"})
    # the backend writes the metadata from build_matrix.yaml's wheel: section, so only the name is static here
    project = toml_table("project", {"name": meta.name, "dynamic": list(DYNAMIC)})
    return head + build_system + "\n" + project + "\n" + toml_table("tool.cibuildwheel",
                                                                    config(matrix, meta.package, python))
