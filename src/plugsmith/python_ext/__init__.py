"""CPython extension modules (``kind: python-extension``): the facts plugsmith needs to build one
for the stable ABI (``abi3``) and to check what it imports.

- ``STABLE_ABI``: CPython's stable ABI, function and data items with the version that added each
  (``data/stable_abi.txt``, generated from CPython's ``Misc/stable_abi.toml`` by
  ``scripts/vendor-stable-abi``; its header names the commit);
- ``python3_def``: the module-definition file of ``python3.dll`` (data items marked ``DATA``), from
  which ``zig dlltool`` makes the import library a Windows extension links against;
- ``host_include``: the host Python's headers (the limited API's headers serve every target);
- ``PYCONFIG_WINDOWS``: the ``pyconfig.h`` Windows targets get with ``-include``;
- ``limited_api``: ``Py_LIMITED_API`` for an ``abi3:`` version; ``python_tag``: ``cp39``.

Pure data and small functions: the engine, the matrix, verify and the wheel packer read them.
"""

from __future__ import annotations

import functools
import re
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from plugsmith.errors import ConfigError

DATA = Path(__file__).resolve().parent / "data"
STABLE_ABI_FILE = DATA / "stable_abi.txt"
#: Passed with ``-include`` to Windows compiles (see the file's comment for why -I cannot do it).
PYCONFIG_WINDOWS = DATA / "pyconfig-windows.h"
#: The DLL every abi3 extension on Windows imports (PEP 384): it forwards to python3XX.dll.
PYTHON3_DLL = "python3.dll"

ItemKind = Literal["function", "data"]
#: CPython feature macros that are never defined in a release build on Windows (they select what
#: goes into python3.dll's import library). ``Py_REF_DEBUG`` is a debug build's; Windows has no fork.
NOT_ON_WINDOWS: frozenset[str] = frozenset({"HAVE_FORK", "Py_REF_DEBUG"})
#: Feature macros only Windows defines: such items are not in a Linux or macOS interpreter.
WINDOWS_ONLY: frozenset[str] = frozenset({"MS_WINDOWS"})
#: ``abi3:`` values plugsmith accepts: ``3.N``, the oldest CPython the module must load on.
ABI3_VERSION = re.compile(r"3\.(\d{1,2})\Z")
#: The stable ABI starts with CPython 3.2 (PEP 384).
OLDEST_ABI3 = (3, 2)


@dataclass(frozen=True, slots=True, kw_only=True)
class StableItem:
    name: str
    kind: ItemKind
    added: tuple[int, int]
    ifdef: str | None = None
    abi_only: bool = False

    @property
    def added_text(self) -> str:
        return f"{self.added[0]}.{self.added[1]}"


@dataclass(frozen=True, slots=True, kw_only=True)
class StableAbi:
    items: dict[str, StableItem]
    source_commit: str
    newest: tuple[int, int]

    def get(self, name: str) -> StableItem | None:
        return self.items.get(name)


def version_tuple(text: str) -> tuple[int, int]:
    major, minor = text.split(".")[:2]
    return int(major), int(minor)


def parse_stable_abi(text: str) -> StableAbi:
    """Read ``stable_abi.txt``; ValueError naming the line for anything else (a broken install)."""
    items: dict[str, StableItem] = {}
    meta: dict[str, str] = {}
    kind: ItemKind | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line in ("[function]", "[data]"):
            kind = "function" if line == "[function]" else "data"
            continue
        words = line.split()
        if kind is None:
            if len(words) != 2:
                raise ValueError(f"line {number}: expected 'key value' before the first section")
            meta[words[0]] = words[1]
            continue
        if len(words) < 2 or not re.fullmatch(r"\d+\.\d+", words[1]):
            raise ValueError(f"line {number}: expected NAME ADDED [ifdef=MACRO] [abi_only]")
        flags = words[2:]
        ifdef = next((w.split("=", 1)[1] for w in flags if w.startswith("ifdef=")), None)
        items[words[0]] = StableItem(name=words[0], kind=kind, added=version_tuple(words[1]), ifdef=ifdef,
                                     abi_only="abi_only" in flags)
    if "source-commit" not in meta or "newest" not in meta:
        raise ValueError("missing 'source-commit' or 'newest'")
    return StableAbi(items=items, source_commit=meta["source-commit"], newest=version_tuple(meta["newest"]))


@functools.lru_cache(maxsize=1)
def stable_abi() -> StableAbi:
    try:
        return parse_stable_abi(STABLE_ABI_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{STABLE_ABI_FILE}: {exc} (a broken installation: reinstall plugsmith)") from None


def python3_def() -> str:
    """``python3.def``: every stable-ABI item a release python3.dll exports, data items ``DATA``
    (an import library entry for data must not get a call thunk)."""
    lines = [f"LIBRARY {PYTHON3_DLL}", "EXPORTS"]
    for item in sorted(stable_abi().items.values(), key=lambda i: i.name):
        if item.ifdef in NOT_ON_WINDOWS:
            continue
        lines.append(f"{item.name} DATA" if item.kind == "data" else item.name)
    return "\n".join(lines) + "\n"


def limited_api(abi3: str) -> str:
    """``Py_LIMITED_API=0x03090000`` for ``abi3: "3.9"`` (PY_VERSION_HEX of 3.9.0)."""
    major, minor = version_tuple(abi3)
    return f"Py_LIMITED_API=0x{major:02X}{minor:02X}0000"


def python_tag(abi3: str) -> str:
    """The wheel's Python tag for an abi3 module: ``cp39`` (the oldest CPython it loads on)."""
    major, minor = version_tuple(abi3)
    return f"cp{major}{minor}"


def abi3_problem(value: object) -> str | None:
    """Why ``value`` cannot be an ``abi3:`` version, or None."""
    if not isinstance(value, str) or not ABI3_VERSION.match(value):
        return f"expected a CPython version like \"3.9\" (quoted), got {value!r}"
    version = version_tuple(value)
    newest = stable_abi().newest
    if version < OLDEST_ABI3:
        return f"the stable ABI starts with CPython 3.2 (PEP 384), not {value}"
    if version > newest:
        return (f"plugsmith's stable-ABI list ends with CPython {newest[0]}.{newest[1]} "
                f"(src/plugsmith/python_ext/data/stable_abi.txt); {value} is newer")
    return None


def host_include() -> Path:
    """The folder holding the host Python's ``Python.h`` (``sysconfig``'s ``include`` path).

    The limited API's headers are the same for every target (the Windows differences come from
    ``PYCONFIG_WINDOWS``), so one set serves all six default targets. A Python installed without
    its headers (Debian's python3 without python3-dev) cannot build extensions: ConfigError."""
    include = Path(sysconfig.get_paths()["include"])
    if not (include / "Python.h").is_file():
        raise ConfigError(f"kind: python-extension needs the host Python's headers, but {include}/Python.h does "
                          "not exist: install them (Debian: apt-get install python3-dev; pyenv and python.org "
                          "builds ship them) or run plugsmith with a Python that has them")
    return include


def host_version() -> tuple[int, int]:
    """The host headers' Python version (what ``host_include`` serves)."""
    return version_tuple(sysconfig.get_python_version())
