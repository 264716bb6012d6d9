"""Find binaries among the paths a user gives ``plugsmith verify`` and name them.

Files are identified by content (magic bytes), not by extension; folders are searched
recursively. Each binary gets a plugin name (from its file name) and a target name (from the
format and architecture ``inspect`` reads)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from plugsmith.errors import InputError
from plugsmith.inspect import Inspection, inspect_file, is_binary

_LIB_NAME = re.compile(r"^(?:lib)?(?P<name>.+?)(?:\.so(?:\.[0-9.]+)?|\.dylib|\.dll|\.pyd|\.bundle)?$", re.IGNORECASE)


def plugin_name(path: Path) -> str:
    match = _LIB_NAME.match(path.name)
    return match.group("name") if match else path.stem


def target_name(ins: Inspection) -> str:
    return f"{ins.os}-{ins.arch}"


def collect(paths: Iterable[Path]) -> list[Path]:
    """Every binary under ``paths``; a named file that is not a binary is an error."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink() and is_binary(p))
        elif path.is_file():
            if not is_binary(path):
                raise InputError(f"{path}: not an ELF, Mach-O or PE binary")
            found.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    return found


def inspect_all(paths: Iterable[Path]) -> list[Inspection]:
    out: list[Inspection] = []
    for path in paths:
        out.extend(inspect_file(path))
    return out
