"""Hostile archives, generated here: header bombs, long names, deep nesting, traversal, links,
special files, many and large members, limits across a whole run, truncation at many points,
nested archives, undecodable names, a full temporary folder. Each ends in one bounded line
naming the archive and member (or extracts exactly what it should), writes nothing outside the
destination, and the bombs stay within a 1 GiB address space in a real ``plugsmith verify``."""

from __future__ import annotations

import io
import os
import resource
import shutil
import stat
import struct
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile_helpers import MEMORY_LIMIT, SRC
from tests.conftest import tar_file, tar_link

from plugsmith.archives import Budget, Limits, extract
from plugsmith.errors import InputError

ELF = b"\x7fELF" + b"\0" * 60
MAX_LINE = 600


# -- builders -------------------------------------------------------------------------------------

def _tar_bytes(entries: list[tuple[tarfile.TarInfo, bytes | None]], fmt: int = tarfile.PAX_FORMAT) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
        for info, data in entries:
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def _compress(data: bytes, kind: str) -> bytes:
    import bz2
    import gzip
    import lzma

    return {"tar": lambda d: d, "tar.gz": lambda d: gzip.compress(d, mtime=0), "tar.xz": lzma.compress,
            "tar.bz2": bz2.compress}[kind](data)


def _file(name: str, data: bytes = ELF) -> tuple[tarfile.TarInfo, bytes]:
    return tar_file(name, data)


_link = tar_link


def _raw_header(name: str, kind: bytes, size: int) -> bytes:
    """One ustar header block declaring ``size`` bytes of ``kind`` (checksum right)."""
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = size
    return info.tobuf(format=tarfile.GNU_FORMAT)


def _zip_bytes(members: dict[str, bytes], *, links: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return buf.getvalue()


SUFFIX = {"zip": ".zip", "tar": ".tar", "tar.gz": ".tar.gz", "tar.xz": ".tar.xz", "tar.bz2": ".tar.bz2"}


def _error(tmp_path: Path, data: bytes, kind: str, limits: Limits | None = None) -> tuple[Path, str]:
    archive = tmp_path / f"hostile{SUFFIX[kind]}"
    archive.write_bytes(data)
    dest = tmp_path / "out"
    dest.mkdir()
    before = set(tmp_path.parent.iterdir())
    with pytest.raises(InputError) as info:
        extract(archive, dest, limits)
    message = str(info.value)
    assert "\n" not in message and len(message) < MAX_LINE, message
    assert set(tmp_path.parent.iterdir()) == before  # nothing written beside the test folder
    for path in dest.rglob("*"):
        assert dest.resolve() in path.resolve().parents and not path.is_symlink()
    return archive, message


# -- header records and names ---------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["tar", "tar.gz", "tar.xz"])
def test_huge_pax_header_is_refused_unread(tmp_path: Path, kind: str) -> None:
    data = _raw_header("././@PaxHeader", tarfile.XHDTYPE, 3_900_000_000) + b"0" * 4096
    archive, message = _error(tmp_path, _compress(data, kind), kind)
    assert message == (f"{archive}: a pax header record of 3900000000 bytes, over the 65536-byte "
                       "header limit: refusing to read it")


@pytest.mark.parametrize("kind", ["tar", "tar.gz", "tar.bz2"])
def test_gnu_long_name_of_50_mb_is_refused_unread(tmp_path: Path, kind: str) -> None:
    data = _raw_header("././@LongLink", tarfile.GNUTYPE_LONGNAME, 50 * 1024 * 1024) + b"a" * 8192
    archive, message = _error(tmp_path, _compress(data, kind), kind)
    assert message == (f"{archive}: a GNU long-name record of 52428800 bytes, over the 65536-byte "
                       "header limit: refusing to read it")


def test_real_pax_header_over_the_limit(tmp_path: Path) -> None:
    info, data = _file("lib.so")
    info.pax_headers = {"comment": "x" * 100_000}
    archive, message = _error(tmp_path, _compress(_tar_bytes([(info, data)]), "tar.gz"), "tar.gz")
    assert message.startswith(f"{archive}: ")
    assert "pax header record of 100" in message and "over the 65536-byte header limit" in message


def test_gnu_long_link_over_the_limit(tmp_path: Path) -> None:
    data = _raw_header("././@LongLink", tarfile.GNUTYPE_LONGLINK, 70_000) + b"a" * 70_144
    archive, message = _error(tmp_path, data, "tar")
    assert message == (f"{archive}: a GNU long-link record of 70000 bytes, over the 65536-byte header limit: "
                       "refusing to read it")


@pytest.mark.parametrize("fmt", [tarfile.PAX_FORMAT, tarfile.GNU_FORMAT])
def test_name_over_4096_characters(tmp_path: Path, fmt: int) -> None:
    name = "n" * 5000
    archive, message = _error(tmp_path, _tar_bytes([_file(name)], fmt), "tar")
    assert message == (f"{archive}!{'n' * 200}...(5000 characters): member name of 5000 characters, over the "
                       "4096-character limit")


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_nesting_1200_folders(tmp_path: Path, kind: str) -> None:
    name = "d/" * 1200 + "lib.so"
    data = _tar_bytes([_file(name)]) if kind == "tar" else _zip_bytes({name: ELF})
    archive, message = _error(tmp_path, data, kind)
    assert message == f"{archive}!{name[:200]}...(2406 characters): member nested 1201 folders deep, over the " \
                      "64-folder limit"


# -- names that leave the folder ------------------------------------------------------------------

ESCAPES = [("../evil.so", "path traversal"), ("a/../../evil.so", "path traversal"), ("/etc/evil.so", "absolute path"),
           ("C:\\evil.dll", "absolute path"), ("\\\\host\\share\\evil.dll", "absolute path"),
           ("a\\..\\..\\evil.dll", "path traversal")]


@pytest.mark.parametrize("kind", ["tar", "zip"])
@pytest.mark.parametrize(("name", "what"), ESCAPES)
def test_escaping_names(tmp_path: Path, kind: str, name: str, what: str) -> None:
    data = _tar_bytes([_file("ok.so"), _file(name)]) if kind == "tar" else _zip_bytes({"ok.so": ELF, name: ELF})
    archive, message = _error(tmp_path, data, kind)
    assert message.startswith(f"{archive}!{name}: {what}")
    assert not (tmp_path / "evil.so").exists() and not (tmp_path / "evil.dll").exists()


# -- links ------------------------------------------------------------------------------------------

LINKS = [("../../etc/passwd", "symlink to '../../etc/passwd' points outside the archive"),
         ("/etc/passwd", "symlink to absolute path '/etc/passwd' points outside the archive"),
         ("missing.so", "symlink to 'missing.so', which is not a file in the archive")]


@pytest.mark.parametrize("kind", ["tar", "zip"])
@pytest.mark.parametrize(("target", "message"), LINKS)
def test_symlinks(tmp_path: Path, kind: str, target: str, message: str) -> None:
    if kind == "tar":
        data = _tar_bytes([_file("real.so"), _link("lib/libx.so", target, tarfile.SYMTYPE)])
    else:
        data = _zip_bytes({"real.so": ELF}, links={"lib/libx.so": target})
    archive, got = _error(tmp_path, data, kind)
    assert got == f"{archive}!lib/libx.so: {message}"


@pytest.mark.parametrize(("target", "message"), [
    ("/etc/passwd", "hard link to '/etc/passwd' points outside the archive"),  # the real target, '/' kept
    ("../outside.so", "hard link to '../outside.so' points outside the archive"),
    ("etc/shadow", "hard link to 'etc/shadow', which is not a file in the archive"),
    ("\\\\host\\x", "hard link to '\\\\\\\\host\\\\x' points outside the archive"),
])
def test_hard_links_described_with_their_real_target(tmp_path: Path, target: str, message: str) -> None:
    archive, got = _error(tmp_path, _tar_bytes([_link("libx.so", target, tarfile.LNKTYPE)]), "tar")
    assert got == f"{archive}!libx.so: {message}"


@pytest.mark.parametrize("kind", [tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE])
def test_special_files(tmp_path: Path, kind: bytes) -> None:
    info = tarfile.TarInfo("dev/x")
    info.type = kind
    archive, message = _error(tmp_path, _tar_bytes([(info, None)]), "tar")
    assert message == f"{archive}!dev/x: special file (device, FIFO) in an archive of plugins"


# -- counts and sizes -----------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_too_many_members(tmp_path: Path, kind: str) -> None:
    names = [f"m{i:03d}.so" for i in range(51)]
    data = _tar_bytes([_file(n, b"x") for n in names]) if kind == "tar" else _zip_bytes(dict.fromkeys(names, b"x"))
    archive, message = _error(tmp_path, data, kind, Limits(members=50))
    if kind == "zip":  # the end-of-central-directory record declares the count: refused before reading names
        assert message == f"{archive}: declares 51 members, more than 50: refusing a possible archive bomb " \
                          "(member-count limit)"
    else:
        assert message == f"{archive}!m050.so: more than 50 members: refusing a possible archive bomb " \
                          "(member-count limit)"


def test_zip_declaring_more_entries_than_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    data = bytearray(_zip_bytes({"a.so": ELF}))
    at = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, at + 8, 65_000, 65_000)
    archive, message = _error(tmp_path, bytes(data), "zip")
    assert message == f"{archive}: declares 65000 members, more than 20000: refusing a possible archive bomb " \
                      "(member-count limit)"


@pytest.mark.parametrize("kind", ["tar", "tar.gz", "tar.xz", "tar.bz2", "zip"])
def test_member_over_the_size_limit(tmp_path: Path, kind: str) -> None:
    big = b"\0" * 200_000
    data = _zip_bytes({"big.so": big}) if kind == "zip" else _compress(_tar_bytes([_file("big.so", big)]), kind)
    archive, message = _error(tmp_path, data, kind, Limits(member_bytes=100_000))
    assert message in (f"{archive}!big.so: declares 200000 bytes, over the 100000-byte member limit (archive bomb?)",
                       f"{archive}!big.so: unpacks to more than 100000 bytes (member size limit; archive bomb?)")


def test_zip_lying_about_its_size_is_counted_while_unpacking(tmp_path: Path) -> None:
    data = bytearray(_zip_bytes({"big.so": b"\0" * 200_000}))
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # uncompressed size: local and central
        at = data.find(sig)
        struct.pack_into("<I", data, at + offset, 10)
    archive, message = _error(tmp_path, bytes(data), "zip", Limits(member_bytes=100_000))
    assert message.startswith(f"{archive}!big.so: ")


@pytest.mark.parametrize("kind", ["tar.gz", "zip"])
def test_archive_total_over_the_limit(tmp_path: Path, kind: str) -> None:
    members = {f"m{i}.so": b"\1" * 40_000 for i in range(3)}
    data = _zip_bytes(members) if kind == "zip" else _compress(_tar_bytes([_file(n, d) for n, d in members.items()]),
                                                               kind)
    archive, message = _error(tmp_path, data, kind, Limits(total_bytes=100_000))
    assert message == f"{archive}!m2.so: archive unpacks to more than 100000 bytes in all (total size limit; archive " \
                      "bomb?)"


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_duplicate_members(tmp_path: Path, kind: str) -> None:
    if kind == "tar":
        data = _tar_bytes([_file("a.so"), _file("./a.so")])
    else:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf, pytest.warns(UserWarning):
            zf.writestr("a.so", ELF)
            zf.writestr("a.so", ELF)
        data = buf.getvalue()
    archive, message = _error(tmp_path, data, kind)
    assert message == f"{archive}!a.so: duplicate member: the archive holds two files with this name"


# -- limits across a whole run --------------------------------------------------------------------

def _three_archives(tmp_path: Path, kind: str) -> list[Path]:
    out = []
    for i in range(3):
        path = tmp_path / f"r{i}{SUFFIX[kind]}"
        members = {f"r{i}.so": bytes([i]) * 40_000}
        path.write_bytes(_zip_bytes(members) if kind == "zip" else _tar_bytes([_file(n, d) for n, d in
                                                                               members.items()]))
        out.append(path)
    return out


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_one_budget_bounds_a_whole_run(tmp_path: Path, kind: str) -> None:
    """Each archive is under the per-archive limit; together they are over the run's budget."""
    archives = _three_archives(tmp_path, kind)
    budget = Budget(total_bytes=100_000, members=100)
    for i, archive in enumerate(archives[:2]):
        dest = tmp_path / f"o{i}"
        dest.mkdir()
        assert [m.name for m in extract(archive, dest, Limits(total_bytes=100_000), budget)] == [f"r{i}.so"]
    dest = tmp_path / "o2"
    dest.mkdir()
    with pytest.raises(InputError) as info:
        extract(archives[2], dest, Limits(total_bytes=100_000), budget)
    assert str(info.value) == (f"{archives[2]}!r2.so: the archives of this run unpack to more than 100000 bytes in "
                               "all (run-wide limit; archive bomb?)")


def test_without_a_shared_budget_each_archive_stands_alone(tmp_path: Path) -> None:
    """The negative: the same three archives each extract when no budget is shared."""
    for i, archive in enumerate(_three_archives(tmp_path, "tar")):
        dest = tmp_path / f"o{i}"
        dest.mkdir()
        assert len(extract(archive, dest, Limits(total_bytes=100_000))) == 1


def test_run_budget_counts_members_too(tmp_path: Path) -> None:
    budget = Budget(total_bytes=10**9, members=5)
    archive = tmp_path / "m.tar"
    archive.write_bytes(_tar_bytes([_file(f"m{i}.so", b"x") for i in range(3)]))
    (tmp_path / "o0").mkdir()
    extract(archive, tmp_path / "o0", None, budget)
    (tmp_path / "o1").mkdir()
    with pytest.raises(InputError) as info:
        extract(archive, tmp_path / "o1", None, budget)
    assert str(info.value) == f"{archive}!m2.so: the archives of this run hold more than 5 members in all " \
                              "(run-wide limit)"


def test_verify_gathering_shares_one_budget(tmp_path: Path) -> None:
    """artifacts.gather (what verify runs) passes one budget to every archive it opens."""
    from plugsmith.verify.collect import gather

    archives = _three_archives(tmp_path, "zip")
    work = tmp_path / "work"
    with pytest.raises(InputError) as info:
        gather(archives, work, Limits(total_bytes=100_000))
    assert "the archives of this run unpack to more than 100000 bytes in all" in str(info.value)


# -- truncation, nesting, encodings ---------------------------------------------------------------

def _good(kind: str) -> bytes:
    members = {"lib/a.so": os.urandom(3000), "lib/b.so": os.urandom(3000)}
    if kind == "zip":
        return _zip_bytes(members)
    return _compress(_tar_bytes([_file(n, d) for n, d in members.items()]), kind)


@pytest.mark.parametrize("kind", ["zip", "tar.gz", "tar.xz", "tar.bz2"])
@pytest.mark.parametrize("fraction", [0.1, 0.3, 0.5, 0.7, 0.95])
def test_truncated(tmp_path: Path, kind: str, fraction: float) -> None:
    data = _good(kind)
    cut = data[: max(8, int(len(data) * fraction))]
    archive, message = _error(tmp_path, cut, kind)
    assert message.startswith(f"{archive}") and "corrupt " in message, message


def test_truncated_plain_tar_inside_a_member(tmp_path: Path) -> None:
    data = _tar_bytes([_file("a.so", b"\1" * 5000)])
    archive, message = _error(tmp_path, data[:2000], "tar")
    assert message.startswith(f"{archive}!a.so: corrupt tar archive: "), message


def test_nested_archive_is_not_opened(tmp_path: Path) -> None:
    inner = _zip_bytes({"inner.so": ELF})
    archive = tmp_path / "outer.tar"
    archive.write_bytes(_tar_bytes([_file("inner.zip", inner), _file("lib.so")]))
    dest = tmp_path / "out"
    dest.mkdir()
    assert sorted(m.name for m in extract(archive, dest)) == ["inner.zip", "lib.so"]
    assert not (dest / "inner.so").exists()


def test_undecodable_member_name_is_kept_as_bytes(tmp_path: Path) -> None:
    raw = "lib\udcffx.so"  # the byte 0xff, as Python carries it
    archive = tmp_path / "names.tar"
    with tarfile.open(archive, "w", format=tarfile.GNU_FORMAT, encoding="utf-8", errors="surrogateescape") as tf:
        info, data = _file(raw)
        tf.addfile(info, io.BytesIO(data))
    dest = tmp_path / "out"
    dest.mkdir()
    members = extract(archive, dest)
    assert [m.name for m in members] == [raw]
    assert os.listdir(os.fsencode(dest)) == [b"lib\xffx.so"]


def test_control_characters_in_names_stay_on_one_line(tmp_path: Path) -> None:
    archive, message = _error(tmp_path, _tar_bytes([_file("a\nb\x1b[31m/../../x.so")]), "tar")
    assert message == f"{archive}!a\\x0ab\\x1b[31m/../../x.so: path traversal: '..' climbs out of the archive"


# -- a full temporary folder ----------------------------------------------------------------------

def _small_tmpfs(path: Path, size: str) -> Callable[[], None] | None:
    """Mount a tmpfs of ``size`` at ``path`` (root only); the unmount function, or None."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return None
    path.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True,
                          timeout=30, check=False)
    if proc.returncode != 0:
        return None
    return lambda: subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30, check=False)


def test_full_temporary_folder_is_reported_as_such(tmp_path: Path) -> None:
    archive = tmp_path / "fits.tar.gz"
    archive.write_bytes(_compress(_tar_bytes([_file("big.so", os.urandom(400_000))]), "tar.gz"))
    unmount = _small_tmpfs(tmp_path / "small", "128k")
    if unmount is not None:
        try:
            with pytest.raises(InputError) as info:
                extract(archive, tmp_path / "small")
        finally:
            unmount()
        assert str(info.value) == (f"{archive}!big.so: cannot unpack into {tmp_path / 'small'}: the temporary folder "
                                   "is full")
        return
    # no mount (not root): RLIMIT_FSIZE in a child makes the write fail (EFBIG), not a corrupt archive
    code = ("import resource, signal, sys; from pathlib import Path; from plugsmith.archives import extract;"
            "signal.signal(signal.SIGXFSZ, signal.SIG_IGN); resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536));"
            f"d = Path({str(tmp_path / 'small')!r}); d.mkdir(); extract(Path({str(archive)!r}), d)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False,
                          env=dict(os.environ, PYTHONPATH=str(SRC)))
    assert "cannot unpack into" in proc.stderr and "File too large" in proc.stderr, proc.stderr


# -- bombs under a memory limit, through the real command -------------------------------------------

@pytest.mark.parametrize("bomb", ["pax", "gnu-long-name"])
def test_header_bombs_in_a_real_verify_stay_within_1_gib(tmp_path: Path, bomb: str) -> None:
    """The issue's 1.9 MB tar.gz whose one pax header reached 3.9 GB: here a real header of
    2 GB of zeros (compressed to ~2 MB), read by ``plugsmith verify`` under RLIMIT_AS = 1 GiB."""
    import zlib

    kind = tarfile.XHDTYPE if bomb == "pax" else tarfile.GNUTYPE_LONGNAME
    size = 2_000_000_000
    archive = tmp_path / "bomb.tar.gz"
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    with archive.open("wb") as out:
        out.write(comp.compress(_raw_header("././@PaxHeader", kind, size)))
        block = b"\0" * (1 << 20)
        for _ in range(size // len(block)):
            out.write(comp.compress(block))
        out.write(comp.flush())
    assert archive.stat().st_size < 4_000_000

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    proc = subprocess.run([sys.executable, "-m", "plugsmith", "verify", str(archive)], capture_output=True, text=True,
                          timeout=120, check=False, preexec_fn=limit,
                          env=dict(os.environ, PYTHONPATH=str(SRC), NO_COLOR="1"))
    what = "pax header" if bomb == "pax" else "GNU long-name"
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == (f"plugsmith: error: {archive}: a {what} record of {size} bytes, over the "
                           "65536-byte header limit: refusing to read it\n")


def _deep_tree(root: Path, levels: int) -> None:
    """``levels`` nested folders, made through folder descriptors (os.makedirs and Path.mkdir
    recurse, and would hit Python's recursion limit themselves)."""
    os.mkdir(root)
    fd = os.open(root, os.O_RDONLY)
    for _ in range(levels):
        os.mkdir("d", dir_fd=fd)
        inner = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    leaf = os.open("x.so", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
    os.write(leaf, ELF)
    os.close(leaf)
    os.close(fd)


def _remove_deep_tree(root: Path, levels: int) -> None:
    """Remove it deepest first, without recursion (shutil.rmtree recurses per level)."""
    fds = [os.open(root, os.O_RDONLY)]
    for _ in range(levels):
        fds.append(os.open("d", os.O_RDONLY, dir_fd=fds[-1]))
    os.unlink("x.so", dir_fd=fds[-1])
    for i in range(levels, 0, -1):
        os.close(fds[i])
        os.rmdir("d", dir_fd=fds[i - 1])
    os.close(fds[0])
    os.rmdir(root)


def test_a_folder_nested_1200_levels_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    """Outside archives, verify walks folders itself, with its own stack and the archives' depth
    limit: one line naming the folder and exit 2."""
    deep = tmp_path / "deep"
    _deep_tree(deep, 1200)
    try:
        proc = subprocess.run([sys.executable, "-m", "plugsmith", "verify", "deep"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120, check=False,
                              env=dict(os.environ, PYTHONPATH=str(SRC), NO_COLOR="1"))
    finally:
        _remove_deep_tree(deep, 1200)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr == "plugsmith: error: deep: nested deeper than 64 folders\n"
