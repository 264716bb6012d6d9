"""Plugins built by their project's own build (``builder: cmake | meson | go``).

The engine treats such a plugin like a zig one: one job per target, through the same scheduler,
progress events, ``build.log``, build lock, fingerprint record (``link.json``: the project's
files, the export map, the static libraries, the options and tools) and atomic landing in
``dist/<target>/``. Only the job's one step differs: the builder runs the project's build through
zig wrappers (:mod:`.wrappers`) that apply the contract when they link the plugin, and returns
where the library landed.

A builder is a module listed in :data:`REGISTRY` whose ``BUILDER`` satisfies :class:`Builder`.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from plugsmith.errors import ConfigError

if TYPE_CHECKING:
    from plugsmith.engine import zig
    from plugsmith.plan import Job, Plan

__all__ = ["REGISTRY", "Builder", "Built", "Context", "Steps", "builder_of", "find_tool", "project_files",
           "require", "tool_identity"]

#: Builder name -> module holding ``BUILDER``. zig is the engine itself.
REGISTRY: dict[str, str] = {
    "cmake": "plugsmith.engine.builders.cmake",
    "meson": "plugsmith.engine.builders.meson",
    "go": "plugsmith.engine.builders.go",
}

#: Folder names never part of a project's inputs (version control, caches, build trees).
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", ".nox", ".tox"})


class Steps(Protocol):
    """What a builder reports to its job (the engine's per-job state)."""

    def begin(self, step: str) -> None: ...
    def ran(self, res: zig.Result) -> None: ...
    def fail(self, what: str, res: zig.Result | None = None, *, hint: str = "") -> bool: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Built:
    """Where the project's build left the plugin (landing in dist/ is the engine's job)."""

    library: Path
    import_library: Path | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    job: Job
    root: Path  # the project (build_matrix.yaml's folder)
    build_dir: Path  # the matrix's build folder (skipped when fingerprinting a project at the root)
    dist: Path
    map_path: Path  # the job's export map, already written
    runner: zig.ZigProcesses
    steps: Steps
    timeout: float

    def run(self, step: str, argv: list[str], *, cwd: Path | None = None,
            env: dict[str, str] | None = None) -> zig.Result | None:
        """Run one command of the builder, logged in the job's build.log; None once cancelled."""
        from plugsmith.engine import zig

        self.steps.begin(step)
        try:
            res = self.runner.exec(tuple(argv), cwd=cwd, env=env)
        except zig.Cancelled:
            return None
        self.steps.ran(res)
        return res


class Builder(Protocol):
    name: str

    def missing(self) -> str | None:
        """None when the tools are installed, else one line naming what to install."""

    def identity(self) -> list[str]:
        """What identifies the tools in use, for the fingerprint, without starting a process."""

    def inputs(self, job: Job, skip: tuple[Path, ...]) -> list[Path]:
        """The project's files (not under ``skip``): a change to any of them rebuilds the plugin."""

    def build(self, ctx: Context) -> Built | None:
        """Build the plugin for ``ctx.job``; None after ``ctx.steps.fail``."""


def builder_of(name: str) -> Builder:
    module = importlib.import_module(REGISTRY[name])
    builder: Builder = module.BUILDER
    return builder


def require(plan: Plan) -> None:
    """Before anything runs: every builder the plan uses is installed (exit 2, one line)."""
    problems = []
    for name in dict.fromkeys(job.builder for job in plan.jobs if job.builder != "zig"):
        problem = (builder_of(name).missing() if name in REGISTRY
                   else f"builder: {name} is not available in this plugsmith")
        if problem:
            plugins = sorted({j.plugin.name for j in plan.jobs if j.builder == name})
            problems.append(ConfigError(f"{problem} (needed by builder: {name} of plugin {', '.join(plugins)})"))
    if problems:
        raise ConfigError(problems[0].message, errors=tuple(problems))


def find_tool(name: str, *, module: str | None = None) -> str | None:
    """``name`` on PATH, else beside this Python (a venv's scripts folder), else None."""
    found = shutil.which(name)
    if found:
        return found
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return None


def tool_identity(path: str) -> str:
    """A tool's path, size and mtime (the binary a script or symlink leads to)."""
    real = Path(path).resolve()
    try:
        st = real.stat()
    except OSError:
        return f"{path} (missing)"
    return f"{real} {st.st_size}:{st.st_mtime_ns}"


def project_files(folder: Path, *, skip: Iterable[Path] = ()) -> list[Path]:
    """Every file under ``folder`` in a stable order, without version control and build folders
    (``skip``: the matrix's build and dist folders, when they sit inside the project)."""
    skipped = {os.path.normpath(p) for p in skip}
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS
                             and os.path.normpath(os.path.join(dirpath, d)) not in skipped
                             and not os.path.isfile(os.path.join(dirpath, d, "CMakeCache.txt"))
                             and not os.path.isdir(os.path.join(dirpath, d, "meson-private")))
        found += [Path(dirpath) / f for f in sorted(filenames)]
    return found
