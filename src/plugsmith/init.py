"""``plugsmith init``: write a new plugin project with the same layout as plugsmith's own example.

The templates under ``plugsmith/templates/project`` are the repository's example project with
the plugin name replaced by ``__name__`` (and ``__NAME__`` for the upper-case form); a test
checks that ``plugsmith init --name greet`` reproduces the repository's own files.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING

from plugsmith import _fs
from plugsmith.errors import ConfigError

_NAME = re.compile(r"[a-z][a-z0-9_]{0,40}\Z")

#: The file of a new project that says where its noxfile, CI workflows and action get plugsmith from
#: (a pip requirements file; $PLUGSMITH_SPEC overrides it).
PIN_FILE = "plugsmith-requirements.txt"


@dataclass(frozen=True, slots=True)
class NewFile:
    path: Path  # relative to the project folder
    text: str

if TYPE_CHECKING:
    from importlib.abc import Traversable

    from plugsmith.matrix import Matrix


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


def pinned_requirement() -> str:
    """The requirement that reinstalls the plugsmith running now, from how it was installed
    (PEP 610's direct_url.json): ``plugsmith @ git+URL@COMMIT`` for a VCS install, ``plugsmith @
    file:///PATH`` for a local folder or wheel, ``plugsmith==VERSION`` only when it came from an index."""
    try:
        dist = metadata.distribution("plugsmith")
    except metadata.PackageNotFoundError:  # running from a source tree without installing
        return f"plugsmith @ {Path(__file__).resolve().parents[2].as_uri()}"
    raw = dist.read_text("direct_url.json")
    if not raw:
        return f"plugsmith=={dist.version}"
    info = json.loads(raw)
    url = str(info.get("url", ""))
    vcs = info.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") and vcs.get("commit_id"):
        sub = info.get("subdirectory")
        return f"plugsmith @ {vcs['vcs']}+{url}@{vcs['commit_id']}" + (f"#subdirectory={sub}" if sub else "")
    return f"plugsmith @ {url}"


def pin_file(requirement: str) -> NewFile:
    """plugsmith-requirements.txt holding ``requirement`` (what ``--plugsmith-spec`` names)."""
    if not requirement.strip() or "\n" in requirement:
        raise ConfigError(f"--plugsmith-spec {requirement!r}: expected one pip requirement, e.g. "
                          "'plugsmith @ git+https://host/plugsmith@<commit>' or a local path")
    text = ("# Where this project's noxfile, CI workflows and action install plugsmith from (a pip requirements\n"
            "# file; $PLUGSMITH_SPEC overrides it). Pin a commit or a path you control, not a name on an index.\n"
            f"{requirement.strip()}\n")
    return NewFile(Path(PIN_FILE), text)


def project_files(folder: Path, name: str, requirement: str, *, python: bool = False,
                  pyproject_only: bool = False) -> list[NewFile]:
    """What ``plugsmith init`` writes into ``folder``, sorted: the project layout and its pin (plus
    pyproject.toml with ``python``), or only pyproject.toml from the matrix already there."""
    if pyproject_only:
        from plugsmith import matrix

        return [pyproject_file(matrix.load(folder / matrix.CONFIG_NAME), requirement)]
    files = [*render(name), pin_file(requirement)]
    if python:
        files += python_files(files, requirement)
    return sorted(files, key=lambda f: str(f.path))


def python_files(files: list[NewFile], requirement: str) -> list[NewFile]:
    """``pyproject.toml`` for the project ``files`` make (``--python``): plugsmith's wheel build backend
    and a ``[tool.cibuildwheel]`` table matching the project's build matrix (:mod:`plugsmith.cibw`);
    and ``ci/cibuildwheel.yml``, a GitHub workflow running cibuildwheel on one runner per OS and
    machine, then verifying every wheel together. The matrix is read back from a private copy of
    ``files``, so the table agrees with what is written."""
    import tempfile

    from plugsmith import matrix

    with tempfile.TemporaryDirectory(prefix="plugsmith-init-") as work:
        for f in files:
            _fs.write_text(Path(work) / f.path, f.text)
        made = pyproject_file(matrix.load(Path(work) / "build_matrix.yaml"), requirement)
    root = resources.files("plugsmith") / "templates" / "python"
    return [made, *(NewFile(path, text) for path, text in _walk(root, Path()))]


def pyproject_file(project: Matrix, requirement: str) -> NewFile:
    """``pyproject.toml`` for an existing project's matrix (``--pyproject-only``)."""
    from plugsmith import cibw

    return NewFile(Path("pyproject.toml"), cibw.pyproject(project, requirement))


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
