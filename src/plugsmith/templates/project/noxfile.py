"""Sessions for this plugin project (https://nox.thea.codes): `nox -s run`, `nox -s tests`."""

from __future__ import annotations

import nox

nox.options.sessions = ["run"]


@nox.session
def run(session: nox.Session) -> None:
    """Build every target and verify the exports (pass options after --, e.g. -- -t linux)."""
    session.install("plugsmith")
    session.run("plugsmith", "run", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """The project's tests: build, verify, and call the plugin where this machine can run it."""
    session.install("plugsmith", "pytest")
    session.run("pytest", *session.posargs)
