"""Atomic file output: write to a temporary name in the destination folder, then rename.

Files get the mode any other tool would give them, 0o666 (0o777 for scripts) less the umask:
``tempfile.mkstemp`` creates 0o600 files, which made reports, SHA256SUMS and ``plugsmith init``'s
files private whatever the user's umask said.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import tempfile
from pathlib import Path

#: Bigger user files (configs, contracts) are refused unread: they can only be a mistake or an
#: attack, and every later check then runs on bounded input.
USER_TEXT_LIMIT = 64 * 1024 * 1024
FILE_MODE = 0o666
EXECUTABLE_MODE = 0o777


def display_path(path: Path) -> str:
    """How plugsmith names a path in messages: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_user_text(path: Path, name: str, what: str = "file", *, limit: int = USER_TEXT_LIMIT) -> str:
    """Read a file the user named as UTF-8; a missing, unreadable, oversized or undecodable one is a
    ConfigError naming it (at line:col for a bad byte)."""
    from plugsmith.errors import ConfigError, Location

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO must not block us
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ConfigError(f"{what} is not a regular file", location=Location(name))
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise ConfigError(f"{what} not found", location=Location(name)) from None
    except IsADirectoryError:
        raise ConfigError(f"{what} is a folder, not a file", location=Location(name)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {what}: {exc.strerror or exc}", location=Location(name)) from None
    if len(data) > limit:
        raise ConfigError(f"{what} is larger than {limit} bytes: refusing to read it", location=Location(name))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[start:exc.start].decode("utf-8", "replace")) + 1
        raise ConfigError(f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded",
                          location=Location(name, line, column)) from None


def current_umask() -> int:
    """The process umask, read without changing it.

    ``os.umask(0)`` followed by a restore is the usual trick, but for that moment every file another
    thread creates is world-writable; Linux (4.7+) shows the value in /proc/self/status. Elsewhere a
    probe file created with mode 0o777 carries the umask in the bits the kernel removed.
    """
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8) & 0o777

    with tempfile.TemporaryDirectory(prefix="plugsmith-umask-") as folder:
        probe = Path(folder) / "probe"
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o777))
        return ~probe.stat().st_mode & 0o777


def file_mode(*, executable: bool = False) -> int:
    """The mode a new file gets: 0o666 (0o777 when ``executable``) less the umask."""
    return (EXECUTABLE_MODE if executable else FILE_MODE) & ~current_umask()


def write_text(path: Path, text: str, *, executable: bool = False) -> None:
    """UTF-8; a file name that is not valid UTF-8 (a lone surrogate in ``text``) keeps its bytes."""
    write_bytes(path, text.encode("utf-8", "surrogateescape"), executable=executable)


def write_bytes(path: Path, data: bytes, *, executable: bool = False) -> None:
    """Write ``data`` whole or not at all, with the umask's mode (see the module docstring)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 would hide reports and wheels from other users
            handle.write(data)
        os.chmod(tmp, file_mode(executable=executable))  # before the rename: never seen with another mode
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    """The process umask, read without changing it where Linux allows (os.umask can only swap)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
