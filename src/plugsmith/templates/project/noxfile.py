"""Sessions for a plugsmith plugin project (https://nox.thea.codes). `nox -l` lists them.

    nox                                      # run: build every target, verify, report
    nox -s "build(target='linux-x86_64')"    # one target: build it and check its exports
    nox -s verify -- --html report.html      # verify everything in dist/ (after the builds)
    nox -s load                              # dlopen/LoadLibrary what can run on this machine
    nox -s release                           # build all, verify; artifacts, reports, SHA256SUMS, provenance in release/
    nox -s tests                             # pytest tests/
    nox -s lint                              # config and contract checks, ruff on the Python files

plugsmith comes from the pin the project controls, not from a package index: $PLUGSMITH_SPEC
(pip arguments, e.g. "plugsmith @ git+https://host/plugsmith@<commit>" or a local path), else
plugsmith-requirements.txt (written by `plugsmith init`). Every session uses one environment,
.nox/plugsmith (reinstalled when the pin changes), and one zig cache, $PLUGSMITH_ZIG_CACHE
(default ~/.cache/plugsmith/zig), so each target's C runtime is built once per machine.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import nox

nox.options.sessions = ["run"]

HERE = Path(__file__).resolve().parent
PIN_FILE = HERE / "plugsmith-requirements.txt"
TOOL_ENV = HERE / ".nox" / "plugsmith"
TOOL_BIN = TOOL_ENV / ("Scripts" if os.name == "nt" else "bin")
ZIG_CACHE = os.environ.get("PLUGSMITH_ZIG_CACHE") or str(Path.home() / ".cache" / "plugsmith" / "zig")
ENV = {"PLUGSMITH_ZIG_CACHE": ZIG_CACHE, "PLUGSMITH_TEST_ZIG_CACHE": ZIG_CACHE}
RELEASE = "release"
TOOLS = ("pytest", "ruff")  # installed beside plugsmith for `tests` and `lint`
#: plugsmith's default targets: the build(target=...) list until plugsmith is installed to read the matrix.
DEFAULT_TARGETS = ("linux-x86_64", "linux-aarch64", "macos-x86_64", "macos-aarch64", "windows-x86_64",
                   "windows-aarch64")


def plugsmith_spec() -> list[str]:
    """pip arguments that install plugsmith: $PLUGSMITH_SPEC, else the pin file."""
    spec = os.environ.get("PLUGSMITH_SPEC", "").strip()
    if spec:
        return shlex.split(spec)
    if PIN_FILE.is_file():
        return ["-r", str(PIN_FILE)]
    raise SystemExit(f"nox: no PLUGSMITH_SPEC and no {PIN_FILE.name}: say where plugsmith comes from, e.g. "
                     "PLUGSMITH_SPEC='plugsmith @ git+https://host/plugsmith@<commit>' or a local path")


def _plugsmith_command() -> list[str] | None:
    """How to run an installed plugsmith without nox: the shared environment, then PATH, then this Python."""
    for exe in (TOOL_BIN / "plugsmith", TOOL_BIN / "plugsmith.exe"):
        if exe.is_file():
            return [str(exe)]
    found = shutil.which("plugsmith")
    if found:
        return [found]
    try:
        import plugsmith  # noqa: F401  # nox installed beside plugsmith
    except ImportError:
        return None
    return [sys.executable, "-m", "plugsmith"]


def matrix_targets() -> list[str]:
    """The target names of build_matrix.yaml, from `plugsmith targets --ci-matrix`."""
    command = _plugsmith_command()
    if command is None:
        return list(DEFAULT_TARGETS)
    try:
        out = subprocess.run([*command, "targets", "--ci-matrix", "-C", str(HERE)], capture_output=True, text=True,
                             timeout=120, check=True).stdout
        return [row["target"] for row in json.loads(out)["include"]]
    except (OSError, subprocess.SubprocessError, ValueError, KeyError):
        return list(DEFAULT_TARGETS)  # a broken matrix: `nox -s lint` or any session will name the problem


def _exe(name: str) -> str:
    return str(TOOL_BIN / (name + (".exe" if os.name == "nt" else "")))


def tool_env(session: nox.Session) -> None:
    """Create or refresh .nox/plugsmith: plugsmith from the pin, pytest and ruff. Reinstalled only
    when $PLUGSMITH_SPEC or the pin file changes (`nox -s lint -- ...` etc. reuse it)."""
    pin_text = PIN_FILE.read_text(encoding="utf-8") if PIN_FILE.is_file() else ""
    wanted = "\n".join([*plugsmith_spec(), *TOOLS, pin_text])
    stamp = TOOL_ENV / "plugsmith-spec.txt"
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == wanted:
        return
    if not Path(_exe("python")).is_file():
        session.run(sys.executable, "-m", "venv", str(TOOL_ENV), external=True)
    session.run(_exe("python"), "-m", "pip", "install", "--quiet", *plugsmith_spec(), *TOOLS, external=True)
    stamp.write_text(wanted, encoding="utf-8")


def plugsmith(session: nox.Session, *args: str) -> None:
    tool_env(session)
    session.run(_exe("plugsmith"), *args, env=ENV, external=True)


@nox.session(venv_backend="none")
def run(session: nox.Session) -> None:
    """Build every target, verify the exports and the release policy (options after --, e.g. -- -t linux)."""
    plugsmith(session, "run", *session.posargs)


@nox.session(venv_backend="none")
@nox.parametrize("target", matrix_targets())
def build(session: nox.Session, target: str) -> None:
    """Build one target into dist/ and check its exports (what a CI build job runs)."""
    plugsmith(session, "run", "--target", target, *session.posargs)


@nox.session(venv_backend="none")
def verify(session: nox.Session) -> None:
    """Verify every artifact in dist/ against the contracts, and across targets (after the builds)."""
    plugsmith(session, "verify", *session.posargs)


@nox.session(venv_backend="none")
def load(session: nox.Session) -> None:
    """Load each artifact this machine can run and resolve every contract symbol."""
    plugsmith(session, "load", *session.posargs)


@nox.session(venv_backend="none")
def release(session: nox.Session) -> None:
    """Build every target and verify; release/ gets the artifacts, JUnit/Markdown/HTML reports,
    SHA256SUMS (check with `cd release && sha256sum -c SHA256SUMS`) and the provenance manifest."""
    out = HERE / RELEASE
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    plugsmith(session, "run", "--junit", f"{RELEASE}/report.xml", "--markdown", f"{RELEASE}/report.md",
              "--html", f"{RELEASE}/report.html", *session.posargs)
    for folder in sorted((HERE / "dist").iterdir()):
        if folder.is_dir():
            shutil.copytree(folder, out / folder.name)
    with session.chdir(out):
        plugsmith(session, "checksums", "-C", str(HERE), ".", "-o", "SHA256SUMS", "--manifest", "provenance.json")
    session.log(f"release: {out}")


@nox.session(venv_backend="none")
def tests(session: nox.Session) -> None:
    """pytest with plugsmith and this project's test requirements (options after --)."""
    tool_env(session)
    session.run(_exe("pytest"), *session.posargs, env=ENV, external=True)


@nox.session(venv_backend="none")
def lint(session: nox.Session) -> None:
    """The build matrix and contracts load cleanly; ruff on the Python files."""
    tool_env(session)
    session.run(_exe("plugsmith"), "targets", "--json", env=ENV, external=True, silent=True)
    paths = [p for p in ("noxfile.py", "tests", "src") if (HERE / p).exists()]
    session.run(_exe("ruff"), "check", *paths, *session.posargs, external=True)


if (HERE / "benchmarks").is_dir():

    @nox.session(venv_backend="none")
    def benchmarks(session: nox.Session) -> None:
        """Speed targets from benchmarks/, printed as ratios against a baseline measured in the same run."""
        tool_env(session)
        for script in sorted((HERE / "benchmarks").glob("bench_*.py")):
            session.run(_exe("python"), str(script), *session.posargs, env=ENV, external=True)
