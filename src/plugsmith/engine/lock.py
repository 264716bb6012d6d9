"""One build at a time per project: an advisory lock on ``BUILD_DIR/.plugsmith.lock``.

A second ``plugsmith build`` in the same project waits for the first (saying so, with the
holder's pid) and then finds its outputs up to date; the kernel releases the lock when the
holder exits, even on ``kill -9``, so there is never a stale lock to delete by hand.

The build passes the lock's file descriptor to every zig it starts (zig runs in its own
session so Ctrl-C can stop it as a group, and so outlives a ``kill -9`` of plugsmith). The
lock is therefore held until the last zig of a killed build has exited too: the next build
never sweeps scratch files an orphaned zig is still writing.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from plugsmith.errors import EXIT_LOCKED, PlugsmithError

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows hosts build without the lock
    fcntl = None  # type: ignore[assignment]  # the module or None: checked before every use

LOCK_NAME = ".plugsmith.lock"


class LockTimeout(PlugsmithError):
    """Another build holds the lock past the timeout: nothing failed, try again later."""

    exit_code = EXIT_LOCKED


@dataclass(frozen=True, slots=True)
class Held:
    path: Path
    fd: int  # pass to child processes (``pass_fds``) to keep the lock until they exit


@contextlib.contextmanager
def hold(build_dir: Path, *, timeout: float | None = None,
         on_wait: Callable[[str], None] | None = None) -> Iterator[Held]:
    """Hold the project's build lock for the ``with`` body. Waits (polling, so Ctrl-C works) while
    another process holds it; ``timeout`` None waits for ever, 0 fails at once."""
    build_dir.mkdir(parents=True, exist_ok=True)
    path = build_dir / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if fcntl is not None:
            _acquire(fd, path, timeout, on_wait)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield Held(path, fd)
    finally:
        os.close(fd)  # closing releases the lock


def _acquire(fd: int, path: Path, timeout: float | None, on_wait: Callable[[str], None] | None) -> None:
    start = time.monotonic()
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        holder = _holder(path)
        if timeout is not None and time.monotonic() - start >= timeout:
            raise LockTimeout(f"another plugsmith build is running in this project ({holder}, lock {path}); "
                              "wait for it to finish, then run again")
        if not told and on_wait is not None:
            on_wait(f"waiting for another plugsmith build in this project to finish ({holder}, lock {path})")
            told = True
        time.sleep(0.1)


def _holder(path: Path) -> str:
    try:
        pid = path.read_text(encoding="ascii").strip()
    except OSError:
        pid = ""
    if not pid.isdigit():
        return "pid unknown"
    alive = True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        alive = False
    except OSError:
        pass
    return f"pid {pid}" if alive else f"pid {pid}, which was killed; zig processes it started are finishing"
