"""Signals and a closed stdout, handled the same way from the first instruction to the last.

- SIGINT and SIGTERM while a command works raise ``KeyboardInterrupt`` in the main thread, so
  every ``finally`` runs (the build stops its zig processes, scratch files go) and ``main``
  prints ``plugsmith: interrupted`` and returns 130.
- Before that (while Python imports plugsmith) and after it (while the verdict is flushed), a
  signal cannot unwind anything useful: the handler writes the line itself and ends the process
  with 130 at once. The ``plugsmith`` process then ends itself (:func:`exit_now`) rather than
  run the interpreter's shutdown, where Python puts the default handlers back.
- A signal that arrives before Python runs plugsmith's first line (interpreter start-up, a few
  milliseconds) gets the system's default action: nothing in the program can answer it.
- A second signal while the first one unwinds ends the process the same way.
- A reader that closes stdout early (``plugsmith verify | head -1``) makes writes fail with
  EPIPE; stdout then goes to /dev/null and the command finishes with its own exit code.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from typing import IO, Any

EXIT_INTERRUPTED = 130  # plugsmith.errors.EXIT_INTERRUPTED, without importing anything
_LINE = b"plugsmith: interrupted\n"


class _State:
    working = 0  # depth of working() blocks
    unwinding = False  # a KeyboardInterrupt from a signal is on its way up
    said = False


def is_entry() -> bool:
    """True when this process is the ``plugsmith`` command (console script or ``python -m
    plugsmith``), not a program that imported plugsmith.cli (a test, an IDE)."""
    argv0 = sys.argv[0] if sys.argv else ""
    return os.path.basename(argv0) in ("plugsmith", "plugsmith.exe") or argv0.endswith(
        os.path.join("plugsmith", "__main__.py"))


def install(*, only_entry: bool = False) -> dict[int, Any]:
    """Install the handler for SIGINT and SIGTERM (main thread only; idempotent); return the
    handlers it replaced. ``only_entry``: only when this process is the plugsmith command."""
    previous: dict[int, Any] = {}
    if threading.current_thread() is not threading.main_thread() or (only_entry and not is_entry()):
        return previous
    for sig in (signal.SIGINT, signal.SIGTERM):
        current = signal.getsignal(sig)
        if current is not _handler:
            previous[sig] = current
            signal.signal(sig, _handler)
    return previous


def restore(previous: dict[int, Any]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def _handler(signum: int, frame: object) -> None:
    if _State.working and not _State.unwinding:
        _State.unwinding = True
        raise KeyboardInterrupt
    _die()


def _die() -> None:
    if not _State.said:
        with contextlib.suppress(OSError):
            os.write(2, _LINE)
    os._exit(EXIT_INTERRUPTED)


def say_interrupted() -> None:
    """The one line for an interruption caught by ``main``."""
    if not _State.said:
        _State.said = True
        with contextlib.suppress(OSError):
            os.write(2, _LINE)


@contextlib.contextmanager
def working() -> Iterator[None]:
    """While inside, a signal unwinds the command (KeyboardInterrupt); outside, it ends the process."""
    if not _State.working:
        _State.unwinding = _State.said = False
    _State.working += 1
    try:
        yield
    finally:
        _State.working -= 1


class _PipeSafe:
    """stdout that turns EPIPE into silence: the rest of the output goes to /dev/null."""

    def __init__(self, inner: IO[str]) -> None:
        self._inner = inner
        self.broken = False

    def _drop(self) -> None:
        self.broken = True
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._inner.fileno())
            os.close(devnull)

    def write(self, text: str) -> int:
        try:
            return self._inner.write(text)
        except BrokenPipeError:
            self._drop()
            return len(text)

    def flush(self) -> None:
        try:
            self._inner.flush()
        except BrokenPipeError:
            self._drop()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def guard_stdout() -> None:
    """stdout survives a closed pipe, and writes a file name that is not UTF-8 as its own bytes
    (like ``ls`` and ``sha256sum``) instead of raising UnicodeEncodeError after the verdict."""
    if sys.stdout is None or isinstance(sys.stdout, _PipeSafe):
        return
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        with contextlib.suppress(ValueError, OSError):
            reconfigure(errors="surrogateescape")
    sys.stdout = _PipeSafe(sys.stdout)  # type: ignore[assignment,unused-ignore]  # a TextIO in all but name


def exit_now(code: int) -> None:
    """End the ``plugsmith`` process with ``code`` once its output is flushed. Returning to the
    interpreter would run its shutdown, which joins worker threads with the default signal
    handlers back in place: a signal then would kill the process silently (-2, -15)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    os._exit(code)


def finish_stdout() -> None:
    """Flush now, so a closed pipe is noticed here and not as an error at interpreter exit."""
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
