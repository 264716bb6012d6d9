"""Read release archives safely: zip (and wheels), tar, tar.gz, tar.xz and tar.zst.

Archives are recognised by content (magic bytes), never by extension. Members are copied into
a private temporary folder that the caller owns; nothing is ever written outside it:

- a member name that is absolute (``/x``, ``C:\\x``, ``\\\\host\\x``) or climbs out (``..``) is an error;
- symlinks and hard links are never created: one pointing outside the archive root, or to a
  member that is not there, is an error; one pointing inside is skipped (its target is read anyway);
- device files and FIFOs are errors;
- a member larger than ``Limits.member_bytes``, more than ``Limits.total_bytes`` unpacked in all,
  or more than ``Limits.members`` members is an error (zip and gzip bombs). Sizes are counted
  while decompressing, so a header that lies about a size does not help;
- a corrupt or truncated archive is an error;
- a header record (pax extended header, GNU long name or long link) larger than
  ``Limits.header_bytes`` is refused before it is read, a member name longer than
  ``Limits.name_chars`` or deeper than ``Limits.depth`` folders after it;
- one :class:`Budget` passed to every ``extract`` of a run bounds the run as a whole: N archives
  cannot unpack N times the total limit.

Every error is an ``InputError`` naming the archive and, where there is one, the member, in one
line of bounded length; a temporary folder that fills up is reported as such.
"""

from __future__ import annotations

import bz2
import errno
import io
import lzma
import os
import posixpath
import re
import stat
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

from plugsmith.errors import InputError, Location

if TYPE_CHECKING:  # imported where an archive is read: verifying loose files never needs them
    import tarfile

__all__ = ["ArchiveKind", "Budget", "Limits", "Member", "archive_kind", "extract", "zstd_available"]

ArchiveKind = Literal["zip", "tar", "tar.gz", "tar.xz", "tar.bz2", "tar.zst"]

_CHUNK = 1 << 16
_READ_ERRORS = frozenset({errno.EIO, errno.EACCES, errno.EPERM, errno.ENOENT, errno.EISDIR, errno.ENXIO,
                          errno.ESTALE, errno.ENOMEM})


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """Bounds against archive bombs. Defaults fit any sane plugin release with a wide margin."""

    members: int = 20_000
    member_bytes: int = 512 * 1024 * 1024
    total_bytes: int = 2 * 1024 * 1024 * 1024
    header_bytes: int = 64 * 1024  # one pax / GNU long-name record; real ones are a few hundred bytes
    name_chars: int = 4096  # PATH_MAX
    depth: int = 64  # folders in a member name


class Budget:
    """What one run (every archive one ``verify`` reads) may unpack in all: pass the same Budget
    to each :func:`extract`. Bytes count as they are written; members as they are met."""

    def __init__(self, total_bytes: int = 2 * 1024 * 1024 * 1024, members: int = 20_000) -> None:
        self.total_bytes = total_bytes
        self.members = members
        self.used_bytes = 0
        self.used_members = 0

    def take_member(self) -> bool:
        self.used_members += 1
        return self.used_members <= self.members

    def take_bytes(self, count: int) -> bool:
        self.used_bytes += count
        return self.used_bytes <= self.total_bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    name: str  # normalised name inside the archive ("linux/libgreet.so")
    path: Path  # where it was copied, inside the caller's folder


def zstd_available() -> bool:
    try:
        import zstandard  # noqa: F401
    except ImportError:
        return False
    return True


def archive_kind(path: Path) -> ArchiveKind | None:
    """The archive kind of ``path`` by its first bytes (None: not an archive). Never raises."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(512)
    except OSError:
        return None
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if head[:2] == b"\x1f\x8b":
        return "tar.gz"
    if head[:6] == b"\xfd7zXZ\x00":
        return "tar.xz"
    if head[:3] == b"BZh":
        return "tar.bz2"
    if head[:4] == b"\x28\xb5\x2f\xfd":
        return "tar.zst"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    return None


def extract(archive: Path, dest: Path, limits: Limits | None = None, budget: Budget | None = None) -> list[Member]:
    """Copy every regular file of ``archive`` into ``dest`` (an empty private folder).

    ``budget``: the run's budget, shared by every call of one run (None: this archive alone,
    bounded by ``limits.total_bytes``)."""
    limits = limits or Limits()
    budget = budget if budget is not None else Budget(limits.total_bytes, limits.members)
    kind = archive_kind(archive)
    if kind is None:
        raise _error(archive, None, "not a zip, tar, tar.gz, tar.xz, tar.bz2 or tar.zst archive")
    if kind == "tar.zst" and not zstd_available():
        raise _error(archive, None, "a zstd-compressed archive: install the 'zstandard' package to read it")
    import tarfile
    import zipfile

    sink = _Sink(archive, dest.resolve(), limits, budget)
    try:
        if kind == "zip":
            _zip(archive, sink)
        else:
            _tar(archive, kind, sink)
    except InputError:
        raise
    except _HeaderTooLarge as exc:
        raise _error(archive, sink.current, f"a {exc.what} record of {exc.size} bytes, over the "
                     f"{limits.header_bytes}-byte header limit: refusing to read it") from None
    except MemoryError:
        raise _error(archive, sink.current, "reading it needs more memory than this process has") from None
    except OSError as exc:
        if exc.errno in _READ_ERRORS:  # the system, not the data (an EINVAL seek is corrupt data)
            raise _error(archive, None, f"cannot read: {exc.strerror}") from exc
        raise _error(archive, sink.current, f"corrupt {kind} archive: {type(exc).__name__}: {exc}") from exc
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error, lzma.LZMAError, ValueError,
            RuntimeError, NotImplementedError, struct.error, RecursionError) as exc:
        raise _error(archive, sink.current, f"corrupt {kind} archive: {type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # zstandard.ZstdError and friends; never a traceback on user input
        raise _error(archive, None, f"corrupt {kind} archive: {type(exc).__name__}: {exc}") from exc
    return sink.members


# --------------------------------------------------------------------------- names


_DRIVE = re.compile(r"^[A-Za-z]:")


def _safe_name(archive: Path, raw: str, limits: Limits) -> str:
    """Normalise a member name; raise unless it stays inside the archive root."""
    if "\0" in raw:
        raise _error(archive, raw, "member name contains a NUL byte")
    if len(raw) > limits.name_chars:
        raise _error(archive, raw, f"member name of {len(raw)} characters, over the {limits.name_chars}-character "
                     "limit")
    name = raw.replace("\\", "/")
    if name.startswith("/") or _DRIVE.match(name):
        raise _error(archive, raw, "absolute path: refusing to read a member that names a place outside the archive")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise _error(archive, raw, "path traversal: '..' climbs out of the archive")
    if len(parts) > limits.depth:
        raise _error(archive, raw, f"member nested {len(parts)} folders deep, over the {limits.depth}-folder limit")
    return "/".join(parts)


def _link_target(archive: Path, member: str, link: str, what: str) -> str:
    """Resolve a link target relative to the member's folder; raise if it leaves the archive root."""
    link = link.replace("\\", "/")
    if link.startswith("/") or _DRIVE.match(link):
        raise _error(archive, member, f"{what} to absolute path {_clip(link)!r} points outside the archive")
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(member), link))
    if joined == ".." or joined.startswith("../"):
        raise _error(archive, member, f"{what} to {_clip(link)!r} points outside the archive")
    return joined


# --------------------------------------------------------------------------- output


class _Sink:
    """Writes members under ``dest``, counting members and bytes against the limits."""

    def __init__(self, archive: Path, dest: Path, limits: Limits, budget: Budget) -> None:
        self.archive = archive
        self.dest = dest
        self.limits = limits
        self.budget = budget
        self.members: list[Member] = []
        self.names: set[str] = set()
        self.count = 0
        self.total = 0
        self.current: str | None = None

    def entry(self, raw: str) -> str:
        self.current = raw
        self.count += 1
        if self.count > self.limits.members:
            raise _error(self.archive, raw, f"more than {self.limits.members} members: refusing a possible "
                         "archive bomb (member-count limit)")
        if not self.budget.take_member():
            raise _error(self.archive, raw, f"the archives of this run hold more than {self.budget.members} "
                         "members in all (run-wide limit)")
        return _safe_name(self.archive, raw, self.limits)

    def declared(self, name: str, size: int) -> None:
        if size > self.limits.member_bytes:
            raise _error(self.archive, name, f"declares {size} bytes, over the {self.limits.member_bytes}-byte "
                         "member limit (archive bomb?)")

    def write(self, name: str, stream: IO[bytes]) -> None:
        if not name:
            return
        if name in self.names:
            raise _error(self.archive, name, "duplicate member: the archive holds two files with this name")
        target = self.dest.joinpath(*name.split("/"))
        if self.dest not in target.parents:  # belt and braces: _safe_name already refused this
            raise _error(self.archive, name, "member would be written outside the temporary folder")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except OSError as exc:
            raise _error(self.archive, name, f"cannot unpack: {exc.strerror or exc}") from exc
        written = 0
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(_CHUNK):
                written += len(chunk)
                self.total += len(chunk)
                if written > self.limits.member_bytes:
                    raise _error(self.archive, name, f"unpacks to more than {self.limits.member_bytes} bytes "
                                 "(member size limit; archive bomb?)")
                if self.total > self.limits.total_bytes:
                    raise _error(self.archive, name, f"archive unpacks to more than {self.limits.total_bytes} "
                                 "bytes in all (total size limit; archive bomb?)")
                if not self.budget.take_bytes(len(chunk)):
                    raise _error(self.archive, name, f"the archives of this run unpack to more than "
                                 f"{self.budget.total_bytes} bytes in all (run-wide limit; archive bomb?)")
                self._put(out, chunk, name)
        self.names.add(name)
        self.members.append(Member(name=name, path=target))

    def _put(self, out: IO[bytes], chunk: bytes, name: str) -> None:
        """Write, telling a full or broken temporary folder apart from a corrupt archive."""
        try:
            out.write(chunk)
        except OSError as exc:
            what = "the temporary folder is full" if exc.errno == errno.ENOSPC else f"cannot write: {exc.strerror}"
            raise _error(self.archive, name, f"cannot unpack into {self.dest}: {what}") from exc


# --------------------------------------------------------------------------- zip


def _zip(archive: Path, sink: _Sink) -> None:
    import zipfile

    declared = _zip_entries(archive)
    if declared is not None and declared > sink.limits.members:
        raise _error(archive, None, f"declares {declared} members, more than {sink.limits.members}: refusing a "
                     "possible archive bomb (member-count limit)")
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
        if len(infos) > sink.limits.members:
            raise _error(archive, infos[sink.limits.members].filename, f"more than {sink.limits.members} "
                         "members: refusing a possible archive bomb (member-count limit)")
        links: list[tuple[str, str]] = []
        for info in infos:
            name = sink.entry(info.filename)
            kind = stat.S_IFMT(info.external_attr >> 16)  # 0: no Unix type recorded (a plain file)
            if info.is_dir() or kind == stat.S_IFDIR:
                continue
            if kind == stat.S_IFLNK:
                if info.file_size > 4096:
                    raise _error(archive, info.filename, "symlink with an over-long target")
                links.append((name, zf.read(info).decode("utf-8", "replace")))
                continue
            if kind not in (0, stat.S_IFREG):
                mode = info.external_attr >> 16
                raise _error(archive, info.filename, f"special file (mode {mode:o}) in an archive of plugins")
            sink.declared(info.filename, info.file_size)
            with zf.open(info) as stream:
                sink.write(name, stream)
        for name, link in links:
            _check_link(archive, name, link, sink.names, "symlink")


def _zip_entries(archive: Path) -> int | None:
    """The entry count the end-of-central-directory record declares, read before zipfile loads
    the whole central directory into memory (None: no plain record found, zipfile decides)."""
    try:
        with open(archive, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 65_557))
            tail = handle.read()
    except OSError:
        return None
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    count = int(struct.unpack_from("<H", tail, at + 10)[0])
    return None if count == 0xFFFF else count  # 0xFFFF: zip64 keeps the real count elsewhere


# --------------------------------------------------------------------------- tar


class _HeaderTooLarge(Exception):
    def __init__(self, what: str, size: int) -> None:
        super().__init__(what)
        self.what = what
        self.size = size


def _tarinfo_class(limits: Limits) -> type[tarfile.TarInfo]:
    """tarfile reads a header record (pax, GNU long name) whole into memory before looking at it:
    check its declared size first. ``_proc_member`` is where TarInfo dispatches every record."""
    import tarfile

    header_kinds = {tarfile.GNUTYPE_LONGNAME: "GNU long-name", tarfile.GNUTYPE_LONGLINK: "GNU long-link",
                    tarfile.XHDTYPE: "pax header", tarfile.XGLTYPE: "pax global header",
                    tarfile.SOLARIS_XHDTYPE: "Solaris pax header"}

    class _Bounded(tarfile.TarInfo):
        def _proc_member(self, tf: tarfile.TarFile) -> tarfile.TarInfo:
            if self.type in header_kinds and self.size > limits.header_bytes:
                raise _HeaderTooLarge(header_kinds[self.type], self.size)
            return super()._proc_member(tf)  # type: ignore[misc,no-any-return]  # tarfile's private hook, untyped

    return _Bounded


def _decompressed(raw: IO[bytes], kind: ArchiveKind) -> IO[bytes]:
    if kind == "tar.gz":
        import gzip

        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]  # typeshed: GzipFile is not IO[bytes]
    if kind == "tar.xz":
        return lzma.LZMAFile(raw)
    if kind == "tar.bz2":
        return bz2.BZ2File(raw)
    if kind == "tar.zst":
        import zstandard

        reader: IO[bytes] = zstandard.ZstdDecompressor().stream_reader(raw, closefd=False)
        return reader
    return raw


class _Counting(io.RawIOBase):
    """Counts decompressed bytes seen by tarfile, so headers and padding count towards the limit."""

    def __init__(self, inner: IO[bytes], sink: _Sink) -> None:
        self.inner = inner
        self.sink = sink
        self.seen = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]  # RawIOBase takes any buffer
        data = self.inner.read(len(buffer))
        self.seen += len(data)
        if self.seen > self.sink.limits.total_bytes + self.sink.limits.members * 1024:
            raise _error(self.sink.archive, self.sink.current, f"unpacks to more than "
                         f"{self.sink.limits.total_bytes} bytes (total size limit; archive bomb?)")
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.inner.close()
        super().close()


def _tar(archive: Path, kind: ArchiveKind, sink: _Sink) -> None:
    import tarfile

    with open(archive, "rb") as raw, _Counting(_decompressed(raw, kind), sink) as counted, \
            tarfile.open(fileobj=counted, mode="r|", tarinfo=_tarinfo_class(sink.limits)) as tf:
        links: list[tuple[str, str, str]] = []
        for info in _members(tf):
            name = sink.entry(info.name)
            if info.isdir():
                continue
            if info.issym() or info.islnk():
                links.append((name, info.linkname, "symlink" if info.issym() else "hard link"))
                continue
            if not info.isreg():
                raise _error(archive, info.name, "special file (device, FIFO) in an archive of plugins")
            sink.declared(info.name, info.size)
            stream = tf.extractfile(info)
            if stream is not None:
                sink.write(name, stream)
        for name, link, what in links:
            if what == "hard link":  # tar hard links name a member from the archive root
                target = _hard_target(archive, name, link)
                if target not in sink.names:
                    raise _error(archive, name, f"hard link to {_clip(link)!r}, which is not a file in the archive")
                continue
            _check_link(archive, name, link, sink.names, what)


def _members(tf: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    while True:
        info = tf.next()
        if info is None:
            return
        yield info


def _hard_target(archive: Path, member: str, link: str) -> str:
    """The member a hard link names (from the archive root); messages show the link as written."""
    parts = link.replace("\\", "/").split("/")
    if link.startswith(("/", "\\")) or _DRIVE.match(link) or ".." in parts:
        raise _error(archive, member, f"hard link to {_clip(link)!r} points outside the archive")
    return "/".join(p for p in parts if p not in ("", "."))


def _check_link(archive: Path, name: str, link: str, names: set[str], what: str) -> None:
    target = _link_target(archive, name, link, what)
    if target not in names and not any(n.startswith(target + "/") for n in names):
        raise _error(archive, name, f"{what} to {_clip(link)!r}, which is not a file in the archive")


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


_NAME_SHOWN = 200  # characters of a hostile member name or link shown in a message
_MESSAGE_SHOWN = 400


def _clip(text: str, limit: int = _NAME_SHOWN) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}...({len(text)} characters)"


def _error(archive: Path, member: str | None, message: str) -> InputError:
    """One line of bounded length, always: control characters in a hostile member name are shown
    escaped, a long name or message is cut."""
    if member:
        member = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", _clip(member))
    where = f"{archive}!{member}" if member else str(archive)
    return InputError(_clip(" ".join(message.split()), _MESSAGE_SHOWN), location=Location(where))
