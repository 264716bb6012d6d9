"""How artifacts built anywhere are named and what they are: a plugin library, a Python
extension module, or a dependency vendored beside them.

The rules are data (``EXTENSION_NAMES``, ``VENDORED``), each row with the real-world release
behind it. ``role`` decides per artifact; grouping across platforms uses the same rows.
"""

from __future__ import annotations

import re
from typing import Literal

from plugsmith.inspection import Inspection

Role = Literal["library", "extension", "dependency"]

#: CPython extension module file names (the module name is the part before the first dot).
#: Evidence: markupsafe 3.0.3 (``_speedups.cpython-312-x86_64-linux-gnu.so``, ``-darwin.so``),
#: bcrypt 5.0.0 (``_bcrypt.abi3.so``, ``_bcrypt.pyd``), cffi 2.0.0 (``.cp312-win_amd64.pyd``).
EXTENSION_NAMES = re.compile(
    r"^[A-Za-z_][A-Za-z0-9_]*\.(?:cpython-[^.]+\.so|abi3\.so|pypy[^.]*\.so|cp\d+-[^.]+\.pyd|pyd)$")

#: Dependencies a release carries next to its own libraries, by path (globs on the member path
#: inside an archive or folder). Evidence: auditwheel grafts into ``<pkg>.libs/`` with a hash in the
#: name (pyzmq 27.1.0 ``pyzmq.libs/libzmq-915d1bcb.so.5.2.5``); delocate into ``<pkg>/.dylibs/``
#: (shapely 2.1.2 ``shapely/.dylibs/libgeos.3.13.1.dylib``); delvewheel into ``<pkg>.libs/``
#: (shapely ``shapely.libs/msvcp140-90bc62d4….dll``); the MSVC runtime copied beside a DLL
#: (glfw 2.11.0 ``glfw/msvcr120.dll``).
VENDORED: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?:^|/)[^/]+\.libs/"),
    re.compile(r"(?:^|/)\.dylibs/"),
    re.compile(r"(?:^|/)(?:msvcp|msvcr|vcruntime|vcomp|concrt)\d+[^/]*\.dll$", re.IGNORECASE),
)


def role(display: str, inspection: Inspection) -> Role:
    """``display`` is the artifact's shown path (``wheel.whl!pkg/mod.abi3.so``)."""
    member = display.rsplit("!", 1)[-1].replace("\\", "/")
    if any(p.search(member) for p in VENDORED):
        return "dependency"
    name = member.rsplit("/", 1)[-1]
    if EXTENSION_NAMES.match(name) or any(e.name.startswith("PyInit_") for e in inspection.exports):
        return "extension"
    return "library"
