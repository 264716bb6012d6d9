"""Developer sessions for this repository, which is also plugsmith's example plugin project.

    nox -s example              # build all six targets of the example and verify them
    nox -s example -- -t linux  # pass options to `plugsmith run`
    nox -s tests                # the whole test suite (what .ci/run runs)
    nox -s tests -- -k matrix   # a subset
    nox -s lint                 # ruff
    nox -s benchmarks           # speed targets, printed as ratios

Every session shares one zig cache (PLUGSMITH_ZIG_CACHE, default ~/.cache/plugsmith/zig), so
the per-target C runtime is built once per machine.
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = True

ZIG_CACHE = os.environ.get("PLUGSMITH_ZIG_CACHE", str(Path.home() / ".cache" / "plugsmith" / "zig"))
ENV = {"PLUGSMITH_ZIG_CACHE": ZIG_CACHE, "PLUGSMITH_TEST_ZIG_CACHE": ZIG_CACHE}


@nox.session
def example(session: nox.Session) -> None:
    """plugsmith run on the bundled example (all targets, or those given after --)."""
    session.install("-e", ".")
    session.run("plugsmith", "run", *session.posargs, env=ENV)


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite with real zig builds and lief inspections."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs, env=ENV)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run("ruff", "check", "src", "tests", "noxfile.py")


@nox.session
def benchmarks(session: nox.Session) -> None:
    """Speed targets from benchmarks/, printed as ratios against a baseline measured in the same run."""
    session.install("-e", ".")
    for script in sorted(Path("benchmarks").glob("bench_*.py")):
        session.run("python", str(script), *session.posargs, env=ENV)
