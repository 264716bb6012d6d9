"""The six wheels of the bundled example: names, members, WHEEL/METADATA text, every RECORD
hash recomputed here independently, and byte-for-byte reproducibility."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import stat
import zipfile
from pathlib import Path

import pytest
from wheel_helpers import Packed

from plugsmith import __version__
from plugsmith.errors import ConfigError
from plugsmith.wheel import build_wheels, check_record
from plugsmith.wheel.pack import zip_time

TAGS = {
    "linux-x86_64": "manylinux_2_17_x86_64",
    "linux-aarch64": "manylinux_2_17_aarch64",
    "macos-x86_64": "macosx_11_0_x86_64",
    "macos-aarch64": "macosx_11_0_arm64",
    "windows-x86_64": "win_amd64",
    "windows-aarch64": "win_arm64",
}
LIBRARY = {"linux": "libgreet.so", "macos": "libgreet.dylib", "windows": "greet.dll"}


def test_one_wheel_per_target_named_by_its_tag(packed: Packed) -> None:
    assert [w.name for w in packed.wheels] == [f"greet-1.0.0-py3-none-{TAGS[t.name]}.whl" for t in packed.plan.targets]
    assert sorted(p.name for p in (packed.project / "dist" / "wheels").iterdir()) == sorted(
        f"greet-1.0.0-py3-none-{tag}.whl" for tag in TAGS.values())


@pytest.mark.parametrize("target", sorted(TAGS))
def test_wheel_file_and_members_exact(packed: Packed, target: str) -> None:
    with zipfile.ZipFile(packed.wheel(target)) as z:
        infos = z.infolist()
        library = LIBRARY[target.split("-")[0]]
        assert [i.filename for i in infos] == [
            "greet/__init__.py", f"greet/{library}",
            "greet-1.0.0.dist-info/METADATA", "greet-1.0.0.dist-info/WHEEL", "greet-1.0.0.dist-info/RECORD"]
        assert z.read("greet-1.0.0.dist-info/WHEEL").decode() == (
            f"Wheel-Version: 1.0\nGenerator: plugsmith {__version__}\nRoot-Is-Purelib: false\n"
            f"Tag: py3-none-{TAGS[target]}\n")
        assert z.read("greet-1.0.0.dist-info/METADATA").decode() == (
            "Metadata-Version: 2.1\nName: greet\nVersion: 1.0.0\n"
            "Summary: Native greet libraries built by plugsmith, loaded with ctypes\nRequires-Python: >=3.8\n")
        assert z.read(f"greet/{library}") == (packed.project / "dist" / target / library).read_bytes()
        init = z.read("greet/__init__.py").decode()
        assert f"TARGET = {target!r}" in init and f"PLATFORM = {TAGS[target]!r}" in init
        assert f"LIBRARIES = {{'greet': {library!r}}}" in init
        for info in infos:
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.compress_type == zipfile.ZIP_DEFLATED
            mode = stat.S_IMODE(info.external_attr >> 16)
            assert mode == (0o755 if info.filename.endswith(library) else 0o644), info.filename


def test_import_library_is_not_shipped(packed: Packed) -> None:
    assert (packed.project / "dist" / "windows-x86_64" / "greet.lib").is_file()  # built, but for linkers only
    for wheel in packed.wheels:
        with zipfile.ZipFile(wheel) as z:
            assert not [n for n in z.namelist() if n.endswith((".lib", ".a", ".pdb", ".def", ".map", ".exp"))]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode().rstrip("=")


@pytest.mark.parametrize("target", sorted(TAGS))
def test_every_record_hash(packed: Packed, target: str) -> None:
    wheel = packed.wheel(target)
    with zipfile.ZipFile(wheel) as z:
        rows = list(csv.reader(io.StringIO(z.read("greet-1.0.0.dist-info/RECORD").decode())))
        assert [r[0] for r in rows] == z.namelist()
        for path, hashed, size in rows:
            if path == "greet-1.0.0.dist-info/RECORD":
                assert (hashed, size) == ("", "")
                continue
            data = z.read(path)
            assert hashed == f"sha256={_b64(data)}" and "=" not in hashed.removeprefix("sha256=")
            assert size == str(len(data))
    assert check_record(wheel) == ()


def test_record_checker_catches_one_changed_byte(packed: Packed, tmp_path: Path) -> None:
    source = packed.wheel("linux-x86_64")
    with zipfile.ZipFile(source) as z:
        members = [(i, z.read(i.filename)) for i in z.infolist()]
    tampered = tmp_path / source.name
    with zipfile.ZipFile(tampered, "w") as out:
        for info, data in members:
            if info.filename == "greet/libgreet.so":
                data = data[:100] + bytes([data[100] ^ 0x01]) + data[101:]
            out.writestr(info, data)
    with zipfile.ZipFile(tampered) as z:
        record = {r[0]: r[1] for r in csv.reader(io.StringIO(z.read("greet-1.0.0.dist-info/RECORD").decode()))}
        actual = f"sha256={_b64(z.read('greet/libgreet.so'))}"
    assert check_record(tampered) == (
        f"{source.name}: RECORD line 2: greet/libgreet.so: hash mismatch: RECORD says "
        f"{record['greet/libgreet.so']}, the file has {actual}",)


def test_record_checker_catches_unlisted_missing_and_bad_rows(tmp_path: Path) -> None:
    wheel = tmp_path / "x-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("x/a.py", b"a")
        z.writestr("x/b.py", b"b")
        z.writestr("x/d.py", b"d")
        z.writestr("x-1.0.dist-info/RECORD",
                   f"x/a.py,sha256={_b64(b'a')},2\nx/gone.py,sha256={_b64(b'')},0\nx/b.py,md5=abc,1\n"
                   "x-1.0.dist-info/RECORD,sha256=abc,3\n")
    assert check_record(wheel) == (
        "x-1.0-py3-none-any.whl: RECORD line 1: x/a.py: size mismatch: RECORD says 2, the file has 1 bytes",
        "x-1.0-py3-none-any.whl: RECORD line 2: x/gone.py is listed but not in the wheel",
        "x-1.0-py3-none-any.whl: RECORD line 3: x/b.py: hash 'md5=abc' is not one of sha256=, sha384=, sha512=",
        "x-1.0-py3-none-any.whl: RECORD line 4: RECORD's own entry must have an empty hash and size",
        "x-1.0-py3-none-any.whl: x/d.py is in the wheel but not in RECORD",
    )


def test_two_builds_give_identical_bytes(packed: Packed, tmp_path: Path) -> None:
    again = build_wheels(packed.plan, None, version="1.0.0", out_dir=tmp_path / "again", metadata=packed.metadata,
                         env={})
    assert [w.name for w in again] == [w.name for w in packed.wheels]
    for first, second in zip(packed.wheels, again, strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_source_date_epoch_is_honoured(packed: Packed, tmp_path: Path) -> None:
    wheels = build_wheels(packed.plan, None, version="1.0.0", out_dir=tmp_path, metadata=packed.metadata,
                          env={"SOURCE_DATE_EPOCH": "1700000000"})
    with zipfile.ZipFile(wheels[0]) as z:
        assert {i.date_time for i in z.infolist()} == {(2023, 11, 14, 22, 13, 20)}
    assert wheels[0].read_bytes() != packed.wheels[0].read_bytes()
    assert zip_time({"SOURCE_DATE_EPOCH": "0"}) == (1980, 1, 1, 0, 0, 0)  # zip cannot store 1970: clamped
    assert zip_time({}) == (1980, 1, 1, 0, 0, 0)
    with pytest.raises(ConfigError, match=r"^SOURCE_DATE_EPOCH 'yesterday': expected whole seconds since "
                                          r"1970-01-01 UTC$"):
        zip_time({"SOURCE_DATE_EPOCH": "yesterday"})


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_wheel_file_gets_the_umask_mode(packed: Packed, tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        wheels = build_wheels(packed.plan, None, version="1.0.0", out_dir=tmp_path, metadata=packed.metadata)
    finally:
        os.umask(old)
    assert {stat.S_IMODE(w.stat().st_mode) for w in wheels} == {0o666 & ~umask}
