"""Run zig (the ``ziglang`` PyPI package) as ``python -m ziglang``: one helper, argument lists only.

Every zig process starts in its own session (process group) and is registered with a
:class:`ZigProcesses`, so an interrupted build can stop each zig and the clang/lld children it
spawned (``python -m ziglang`` execs zig on POSIX, zig then runs clang as a child).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from plugsmith.errors import BuildError

CACHE_ENV = "PLUGSMITH_ZIG_CACHE"


@dataclass(frozen=True, slots=True)
class Result:
    argv: tuple[str, ...]
    returncode: int
    output: str
    timed_out: bool = False  # stopped after the runner's timeout (returncode is then the kill's)


#: Seconds ``zig version`` may take (it reads no source; a hang means a broken install or cache).
VERSION_TIMEOUT = 120.0


class Cancelled(Exception):
    """The build is being stopped: no new zig process starts."""


def zig_argv() -> list[str]:
    if importlib.util.find_spec("ziglang") is None:
        raise BuildError("zig not found: the 'ziglang' package is not installed in this Python "
                         f"({sys.executable}); run: {sys.executable} -m pip install ziglang")
    return [sys.executable, "-m", "ziglang"]


def default_cache() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "plugsmith" / "zig"


def environment(cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["ZIG_GLOBAL_CACHE_DIR"] = str(cache)
    env["ZIG_LOCAL_CACHE_DIR"] = str(cache)
    return env


@functools.lru_cache(maxsize=1)
def version() -> str:
    argv = [*zig_argv(), "version"]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, errors="replace", check=False,
                              timeout=VERSION_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise BuildError(f"'{shlex.join(argv)}' did not finish within {VERSION_TIMEOUT:.0f}s") from None
    except OSError as exc:
        raise BuildError(f"cannot start zig: {exc.strerror or exc}") from None
    if proc.returncode != 0:
        raise BuildError(f"'{shlex.join(argv)}' failed: {proc.stderr.strip() or proc.returncode}")
    return proc.stdout.strip()


def binary() -> Path:
    """The zig executable inside the ``ziglang`` package (``python -m ziglang`` execs it)."""
    zig_argv()
    spec = importlib.util.find_spec("ziglang")
    assert spec is not None and spec.origin  # zig_argv checked it
    return Path(spec.origin).parent / ("zig.exe" if os.name == "nt" else "zig")


@functools.lru_cache(maxsize=1)
def identity() -> str:
    """What identifies the zig in use, for fingerprints, without starting zig (a no-op build runs
    no process, and importing importlib.metadata alone costs 12 ms): the zig binary's path, size
    and mtime, so an upgraded, reinstalled or swapped zig counts as a change."""
    path = binary()
    try:
        st = path.stat()
    except OSError:
        return f"ziglang {path} (no binary)"
    return f"ziglang {path} {st.st_size}:{st.st_mtime_ns}"


class ZigProcesses:
    """Starts zig processes and can stop every one still running (Ctrl-C, SIGTERM, first failure).
    A process running longer than ``timeout`` seconds is stopped (its whole process group) and
    its result says ``timed_out``: one stuck step (e.g. an unusable cache folder) cannot hang
    the build."""

    def __init__(self, cache: Path, *, keep_fds: tuple[int, ...] = (), timeout: float | None = None) -> None:
        self.cache = cache
        self.keep_fds = keep_fds
        self.timeout = timeout
        self.env = environment(cache)
        self._live: set[subprocess.Popen[str]] = set()
        self._lock = threading.Lock()
        self.cancelled = threading.Event()

    def run(self, args: list[str], *, cwd: Path | None = None) -> Result:
        return self.exec((*zig_argv(), *args), cwd=cwd, what="zig")

    def exec(self, argv: tuple[str, ...], *, cwd: Path | None = None, env: dict[str, str] | None = None,
             what: str = "") -> Result:
        """Run any program (a project's build tool: cmake, meson, go) like zig: in its own process
        group, stopped on cancel and after the timeout. ``env`` adds to zig's environment."""
        with self._lock:
            if self.cancelled.is_set():
                raise Cancelled
            try:
                proc = subprocess.Popen(
                    argv, cwd=cwd, env={**self.env, **(env or {})}, stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT, text=True, errors="replace", start_new_session=True,
                    pass_fds=self.keep_fds,
                )
            except OSError as exc:
                raise BuildError(f"cannot start {what or argv[0]}: {exc}") from None
            self._live.add(proc)
        timed_out = False
        try:
            try:
                output, _ = proc.communicate(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                _signal_group(proc, signal.SIGKILL)
                try:
                    output, _ = proc.communicate(timeout=30)
                except subprocess.TimeoutExpired:  # a grandchild kept the pipe open: stop reading
                    proc.kill()
                    output = ""
        finally:
            with self._lock:
                self._live.discard(proc)
        if self.cancelled.is_set():
            raise Cancelled
        return Result(argv=argv, returncode=proc.returncode, output=output or "", timed_out=timed_out)

    def stop_all(self, grace: float = 2.0) -> None:
        """Refuse new processes; SIGTERM every running zig's process group, SIGKILL after ``grace``."""
        with self._lock:
            self.cancelled.set()
            live = list(self._live)
        for proc in live:
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in live:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
        for proc in live:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=grace)

    @property
    def running(self) -> int:
        with self._lock:
            return len(self._live)


def _signal_group(proc: subprocess.Popen[str], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, sig)
        else:  # pragma: no cover - Windows hosts
            proc.kill()


def display(argv: tuple[str, ...] | list[str]) -> str:
    """A copy-pasteable command line."""
    return shlex.join(argv)
