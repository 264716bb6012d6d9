"""What the cibuildwheel tests share: the tools of this venv (cibuildwheel, check-jsonschema,
plugsmith's console script), cibuildwheel's identifier listing, and wheels packed the way a
cibuildwheel job names them (``cp312-cp312-<platform>``), with a RECORD that matches."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import missing_tool

from plugsmith.wheel.pack import LIBRARY_MODE, Member, wheel_bytes

TIMEOUT = 120
#: cibuildwheel 4 and tomllib need Python 3.11 (plugsmith itself runs on 3.10).
NEEDS_311 = pytest.mark.skipif(sys.version_info < (3, 11), reason="cibuildwheel 4 and tomllib need Python 3.11")


def read_toml(path: Path) -> dict[str, Any]:
    import tomllib

    return tomllib.loads(path.read_text())


def pyproject(project: Path) -> dict[str, Any]:
    return read_toml(project / "pyproject.toml")


def tool_table(project: Path) -> dict[str, Any]:
    """The ``[tool.cibuildwheel]`` table of ``project``'s pyproject.toml."""
    table = pyproject(project)["tool"]["cibuildwheel"]
    assert isinstance(table, dict)
    return table


def venv_tool(name: str, package: str) -> str:
    """A console script installed beside this Python (the test extra installs it)."""
    path = Path(sys.executable).parent / name
    if not path.is_file():
        missing_tool(f"{name} not found beside {sys.executable} (pip install {package}, plugsmith's test extra)")
    return str(path)


def tool(name: str, *args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    """Run one of this venv's tools (cibuildwheel, check-jsonschema, zizmor), with a timeout."""
    return subprocess.run([venv_tool(name, name), *args], cwd=cwd, env=None if env is None else dict(env),
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)


def identifiers(project: Path, platform: str) -> list[str]:
    """``cibuildwheel --print-build-identifiers --platform PLATFORM`` in ``project``, sorted."""
    return every_identifier(project, (platform,))[platform]


def every_identifier(project: Path, platforms: tuple[str, ...] = ("linux", "macos", "windows")
                     ) -> dict[str, list[str]]:
    """:func:`identifiers` for each platform."""
    found = selections(project, [{"CIBW_PLATFORM": p} for p in platforms])
    return dict(zip(platforms, found, strict=True))


def selections(project: Path, environments: list[dict[str, str]]) -> list[list[str]]:
    """What ``cibuildwheel --print-build-identifiers`` lists (sorted) under each set of ``CIBW_*``
    variables, as a CI job that sets them would build; the processes run side by side."""
    argv = [venv_tool("cibuildwheel", "cibuildwheel"), "--print-build-identifiers"]
    running = [subprocess.Popen(argv, cwd=project, env={**os.environ, **env}, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for env in environments]
    out: list[list[str]] = []
    for process in running:
        try:
            stdout, stderr = process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        assert process.returncode == 0, stderr
        out.append(sorted(stdout.split()))
    return out


def substitute(command: str, **values: str) -> list[str]:
    """cibuildwheel's placeholders (``{project}``, ``{wheel}``, ``{dest_dir}``) filled in, then split as
    a POSIX shell would (shlex), for a run without a shell."""
    for key, value in values.items():
        command = command.replace(f"{{{key}}}", value)
    return shlex.split(command)


def run_command(argv: list[str], cwd: Path, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    """``argv`` with its program looked up beside this Python first (plugsmith, python)."""
    local = Path(sys.executable).parent / argv[0]
    program = str(local) if local.is_file() else argv[0]
    return subprocess.run([program, *argv[1:]], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          check=False)


def pack(out_dir: Path, *, name: str, version: str, tag: str, files: Mapping[str, bytes]) -> Path:
    """A wheel as a cibuildwheel job leaves it (``<name>-<version>-<tag>.whl``, e.g. tag
    ``cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64``), written with plugsmith's own
    reproducible zip writer: METADATA, a WHEEL with one ``Tag:`` line per tag, and RECORD."""
    dist_info = f"{name}-{version}.dist-info"
    python, abi, platforms = tag.split("-")
    tags = "".join(f"Tag: {python}-{abi}-{p}\n" for p in platforms.split("."))
    members = [Member(path=path, data=data, mode=LIBRARY_MODE) for path, data in files.items()]
    members += [Member(path=f"{dist_info}/METADATA",
                       data=f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()),
                Member(path=f"{dist_info}/WHEEL",
                       data=f"Wheel-Version: 1.0\nGenerator: bdist_wheel (0.45.1)\nRoot-Is-Purelib: false\n{tags}"
                       .encode())]
    path = out_dir / f"{name}-{version}-{tag}.whl"
    path.write_bytes(wheel_bytes(members, dist_info, (1980, 1, 1, 0, 0, 0)))
    return path
