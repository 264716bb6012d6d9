"""The ``__init__.py`` of a plugin wheel: a few lines that find the wheel's own library and open it.

The wheel is platform-specific, so the file knows its one target's library names; nothing is
searched at run time and no other package is needed (ctypes ships with CPython).
"""

from __future__ import annotations

from collections.abc import Mapping

_TEMPLATE = '''"""{summary}

Native libraries built by plugsmith for {target} (wheel platform {platform}).
``load()`` opens one with ctypes; ``library_path()`` is its file, for cffi's ``ffi.dlopen()``.
"""

from __future__ import annotations

import ctypes
from pathlib import Path

__all__ = ["LIBRARIES", "PLATFORM", "TARGET", "library_path", "load"]
__version__ = {version!r}

#: The plugsmith target these libraries were built for, and the wheel's platform tag.
TARGET = {target!r}
PLATFORM = {platform!r}

#: Plugin name -> library file next to this module.
LIBRARIES = {libraries!r}

_HERE = Path(__file__).resolve().parent


def library_path(name: str | None = None) -> Path:
    """The library file of plugin ``name`` (may be omitted when the package holds one plugin)."""
    if name is None:
        if len(LIBRARIES) != 1:
            raise ValueError(f"this package holds {{len(LIBRARIES)}} plugins ({{', '.join(LIBRARIES)}}); name one")
        name = next(iter(LIBRARIES))
    try:
        return _HERE / LIBRARIES[name]
    except KeyError:
        raise LookupError(f"no plugin {{name!r}} in this package; it holds: {{', '.join(LIBRARIES)}}") from None


def load(name: str | None = None) -> ctypes.CDLL:
    """Open plugin ``name`` with ctypes; declare argtypes/restype on its functions before calling them."""
    return ctypes.CDLL(str(library_path(name)))
'''


def render(*, summary: str, version: str, target: str, platform: str, libraries: Mapping[str, str]) -> str:
    """The package's ``__init__.py`` (``libraries``: plugin name -> file name beside it)."""
    first_line = " ".join(summary.split()).replace('"""', "'''").replace("\\", "\\\\")
    return _TEMPLATE.format(summary=first_line, version=version, target=target, platform=platform,
                            libraries=dict(sorted(libraries.items())))
