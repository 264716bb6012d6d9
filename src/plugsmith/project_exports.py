"""Find the export files a CMake or Meson project keeps by hand, for ``plugsmith symbols import DIR``.

The first step of adopting plugsmith: the version script (Linux), exported symbols list (macOS)
and module-definition file (Windows) that ``CMakeLists.txt``/``*.cmake``/``meson.build`` name
(``--version-script=``, ``-exported_symbols_list,``, a ``.def`` among the sources,
``vs_module_defs:``) are found and imported together into one contract.

Names are read from the build files' text: ``${CMAKE_CURRENT_SOURCE_DIR}`` and
``${CMAKE_CURRENT_LIST_DIR}`` (and a relative name) mean the folder of the file naming it,
``${CMAKE_SOURCE_DIR}`` and ``${PROJECT_SOURCE_DIR}`` the project's folder. A name that does not
resolve to an existing file is not an export file of this project and is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BUILD_FILES", "Found", "find"]

BUILD_FILES = ("CMakeLists.txt", "meson.build")
BUILD_SUFFIXES = (".cmake",)
#: What an export file is called (``.txt`` is left out: every CMakeLists.txt would match).
EXPORT_SUFFIXES = (".map", ".ver", ".lds", ".version", ".exp", ".exports", ".sym", ".def")
_WORD = re.compile(r"[^\s\"'()\[\],;=+]+")
_LIST_DIR = ("${CMAKE_CURRENT_SOURCE_DIR}", "${CMAKE_CURRENT_LIST_DIR}")
_ROOT = ("${CMAKE_SOURCE_DIR}", "${PROJECT_SOURCE_DIR}")


@dataclass(frozen=True, slots=True)
class Found:
    path: Path
    named_at: str  # build file:line that names it


def find(project: Path) -> list[Found]:
    """Every existing export file the project's build files name, in the order they are named."""
    from plugsmith.engine.builders import project_files

    project = project.resolve()
    found: dict[Path, Found] = {}
    for build_file in project_files(project):
        if build_file.name not in BUILD_FILES and build_file.suffix not in BUILD_SUFFIXES:
            continue
        try:
            lines = build_file.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for number, line in enumerate(lines, 1):
            for word in _WORD.findall(line.split("#", 1)[0]):
                path = _resolve(word, build_file.parent, project)
                if path is not None and path not in found:
                    found[path] = Found(path, f"{build_file.relative_to(project).as_posix()}:{number}")
    return list(found.values())


def _resolve(word: str, folder: Path, project: Path) -> Path | None:
    if not word.lower().endswith(EXPORT_SUFFIXES):
        return None
    word = word.rsplit(",", 1)[-1]  # LINKER:-exported_symbols_list,FILE
    for var in _LIST_DIR:
        word = word.replace(var, str(folder))
    for var in _ROOT:
        word = word.replace(var, str(project))
    if "${" in word or "@" in word:
        return None
    path = Path(word) if Path(word).is_absolute() else folder / word
    return path.resolve() if path.is_file() else None
