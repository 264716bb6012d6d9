"""``plugsmith init``: write a new plugin project with the same layout as plugsmith's own example.

The templates under ``plugsmith/templates/project`` are the repository's example project with
the plugin name replaced by ``__name__`` (and ``__NAME__`` for the upper-case form); a test
checks that ``plugsmith init --name greet`` reproduces the repository's own files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from plugsmith import _fs
from plugsmith.errors import ConfigError

_NAME = re.compile(r"[a-z][a-z0-9_]{0,40}\Z")


@dataclass(frozen=True, slots=True)
class NewFile:
    path: Path  # relative to the project folder
    text: str

if TYPE_CHECKING:
    from importlib.abc import Traversable


def default_name(folder: Path) -> str:
    name = re.sub(r"[^a-z0-9_]+", "_", folder.resolve().name.lower()).strip("_")
    if not name or not name[0].isalpha():
        name = "plugin" + (f"_{name}" if name else "")
    return name[:40]


def render(name: str) -> list[NewFile]:
    if not _NAME.match(name):
        raise ConfigError(f"--name '{name}': a plugin name is a lower-case C identifier (a-z, 0-9, _), "
                          "because it prefixes every exported symbol")
    root = resources.files("plugsmith") / "templates" / "project"
    out: list[NewFile] = []
    for path, text in _walk(root, Path()):
        rel = Path(str(path).replace("__name__", name))
        if rel.name == "gitignore.tmpl":  # a real .gitignore in the package would hide files from git
            rel = rel.with_name(".gitignore")
        out.append(NewFile(rel, text.replace("__NAME__", name.upper()).replace("__name__", name)))
    return sorted(out, key=lambda f: str(f.path))


def _walk(node: Traversable, rel: Path) -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    for child in node.iterdir():
        if child.name == "__pycache__":
            continue
        if child.is_dir():
            found += _walk(child, rel / child.name)
        else:
            found.append((rel / child.name, child.read_text(encoding="utf-8")))
    return found


def write(folder: Path, files: list[NewFile], *, force: bool = False) -> list[Path]:
    """Write every file, or none: existing files are an error unless ``force``."""
    clashes = [f.path for f in files if (folder / f.path).exists()]
    if clashes and not force:
        listed = ", ".join(str(p) for p in clashes[:5]) + (" ..." if len(clashes) > 5 else "")
        raise ConfigError(f"{folder}: would overwrite {len(clashes)} existing file(s): {listed} "
                          "(nothing was written; use --force to overwrite)")
    written = []
    for f in files:
        dest = folder / f.path
        _fs.write_text(dest, f.text)
        written.append(dest)
    return written
