"""Helpers for tests/foreign: artifacts plugsmith did not build (Debian's gcc and GNU ld, system
libraries), read back with LLVM's tools so every expectation is checked by a second reader."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.conftest import require_tool

DATA = Path(__file__).parent / "data"
TIMEOUT = 300


def run(*argv: str | Path, cwd: Path | None = None) -> str:
    """Run a tool (argument list, timeout); its stdout, or a failure showing its stderr."""
    done = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=TIMEOUT, cwd=cwd,
                          check=False)
    assert done.returncode == 0, f"{' '.join(map(str, argv))} exited {done.returncode}:\n{done.stderr}"
    return done.stdout


def llvm_dynsyms(path: Path) -> set[str]:
    """``llvm-nm -D --defined-only``, each line as ``"<type letter> <name[@@VER]>"`` (addresses dropped)."""
    nm = require_tool("llvm-nm", package="llvm")
    return {" ".join(line.split()[1:]) for line in run(nm, "-D", "--defined-only", path).splitlines() if line}


def llvm_exports(path: Path) -> set[str]:
    """The names in :func:`llvm_dynsyms` that are exports: GNU ld's ``A NODE@@NODE`` version
    symbols left out, ``name@@VER`` kept whole."""
    return {line.split()[1] for line in llvm_dynsyms(path) if not line.startswith("A ")}


_VERDEF = re.compile(r"\s*0x[0-9a-f]+: Rev: \d+\s+Flags: (?P<flags>\S+)\s+Index: \d+\s+Cnt: \d+\s+Name: (?P<name>\S+)")
_PARENT = re.compile(r"\s*0x[0-9a-f]+: Parent \d+: (?P<name>\S+)")


def llvm_version_defs(path: Path) -> list[tuple[str, str, tuple[str, ...]]]:
    """``llvm-readelf -V``'s version definitions in file order: (flags, node, parents)."""
    readelf = require_tool("llvm-readelf", package="llvm")
    out: list[tuple[str, str, tuple[str, ...]]] = []
    inside = False
    for line in run(readelf, "-V", path).splitlines():
        if line.startswith("Version definition section"):
            inside = True
        elif not line.strip() or not line.startswith(" "):
            inside = False
        elif inside and (m := _VERDEF.match(line)):
            out.append((m.group("flags"), m.group("name"), ()))
        elif inside and (m := _PARENT.match(line)):
            flags, name, parents = out[-1]
            out[-1] = (flags, name, (*parents, m.group("name")))
    return out


def llvm_coff_exports(path: Path) -> set[str]:
    """``llvm-readobj --coff-exports``: each export as ``"<ordinal> <name>"``."""
    readobj = require_tool("llvm-readobj", package="llvm")
    ordinal, out = None, set()
    for line in run(readobj, "--coff-exports", path).splitlines():
        key, _, value = line.strip().partition(": ")
        if key == "Ordinal":
            ordinal = value
        elif key == "Name":
            out.add(f"{ordinal} {value}")
    return out
