"""Inputs of ``plugsmith verify``: folders, archives and wheels from several runners, grouping,
fat Mach-O slices, missing platforms, and every hostile or broken input."""

from __future__ import annotations

import io
import json
import shutil
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest
from release_helpers import SIX, greet_path
from tests.conftest import tar_file, tar_link, write_wheel

from plugsmith.archives import Limits, extract
from plugsmith.cli import main
from plugsmith.errors import InputError

CONTRACT = str(Path(__file__).resolve().parents[2] / "symbols" / "greet.symbols")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def verify_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:
    code, out, err = run(capsys, "verify", "--json", *args)
    return code, (json.loads(out) if out.strip() else {}), err


def _zip(dest: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return dest


def _tar(dest: Path, mode: str, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(dest, mode) as tf:
        for info, data in members:
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return dest


_file, _link = tar_file, tar_link


# --------------------------------------------------------------------------- runners


@pytest.fixture(scope="module")
def runners(greet_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six targets as three CI runners hand them over: a Linux folder, a macOS zip, a Windows
    tar.xz, and a wheel and a tar.zst repeating two of them elsewhere."""
    root = tmp_path_factory.mktemp("runners")
    linux = root / "release" / "linux-runner"
    for target in ("linux-x86_64", "linux-aarch64"):
        dest = linux / target
        dest.mkdir(parents=True)
        shutil.copy2(greet_path(greet_dist, target), dest)
    (linux / "README.txt").write_text("built on the linux runner\n")
    with zipfile.ZipFile(root / "release" / "macos-runner.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for target in ("macos-x86_64", "macos-aarch64"):
            zf.write(greet_path(greet_dist, target), f"{target}/libgreet.dylib")
    with tarfile.open(root / "release" / "windows-runner.tar.xz", "w:xz") as tf:
        for target in ("windows-x86_64", "windows-aarch64"):
            tf.add(greet_path(greet_dist, target), f"{target}/greet.dll")
    return root / "release"


def test_folder_mixing_six_targets_from_three_runners(capsys, runners: Path, tmp_path: Path) -> None:
    code, data, err = verify_json(capsys, str(runners), "--contract", CONTRACT, "-C", str(tmp_path),
                                  *[f"--expect={t}" for t in SIX])
    assert code == 0, err
    assert sorted(t["target"] for t in data["targets"]) == sorted(SIX)
    assert {t["plugin"] for t in data["targets"]} == {"greet"}
    by_target = {t["target"]: t["artifact"] for t in data["targets"]}
    assert by_target["macos-aarch64"].endswith("macos-runner.zip!macos-aarch64/libgreet.dylib")
    assert by_target["windows-x86_64"].endswith("windows-runner.tar.xz!windows-x86_64/greet.dll")
    assert all(t["exported"] == ["greet_add", "greet_api_level", "greet_banner", "greet_scale", "greet_version"]
               for t in data["targets"])
    assert [c["passed"] for c in data["policy"]] == [True] * 6


def test_missing_platform_is_a_failure(capsys, runners: Path, tmp_path: Path) -> None:
    only_linux = runners / "linux-runner"
    code, data, _ = verify_json(capsys, str(only_linux), "--contract", CONTRACT, "-C", str(tmp_path),
                                *[f"--expect={t}" for t in SIX])
    assert code == 1
    failed = {c["name"]: c["message"] for c in data["policy"] if not c["passed"]}
    assert set(failed) == {f"target {t}" for t in SIX if not t.startswith("linux")}
    assert failed["target windows-aarch64"] == ("expected target windows-aarch64 is missing: no artifact for it "
                                                "was given")


def test_expected_targets_default_to_the_matrix(capsys, runners: Path, tmp_path: Path) -> None:
    (tmp_path / "build_matrix.yaml").write_text(
        "version: 1\nplugins:\n  - {name: greet, sources: [g.c], contract: g.symbols}\n"
        "targets: [linux-x86_64, macos-aarch64, windows-x86_64, linux-riscv64]\n")
    (tmp_path / "g.c").write_text("int x;\n")
    shutil.copy(CONTRACT, tmp_path / "g.symbols")
    code, data, _ = verify_json(capsys, str(runners), "-C", str(tmp_path))
    assert code == 1
    assert [(c["name"], c["passed"]) for c in data["policy"]] == [
        ("target linux-x86_64", True), ("target macos-aarch64", True), ("target windows-x86_64", True),
        ("target linux-riscv64", False)]


def test_wheel_and_tar_zst_and_tar_gz_are_read(capsys, greet_dist: Path, tmp_path: Path) -> None:
    import zstandard  # a test extra (pyproject): never a skip

    wheel = tmp_path / "greet-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"
    write_wheel(wheel, {"greet/greet.cpython-311-x86_64-linux-gnu.so": greet_path(greet_dist, "linux-x86_64"),
                        "greet/__init__.py": b"from ._greet import *\n"})
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tf:
        tf.add(greet_path(greet_dist, "macos-x86_64"), "mac/libgreet.dylib")
    (tmp_path / "mac.tar.zst").write_bytes(zstandard.ZstdCompressor().compress(raw.getvalue()))
    with tarfile.open(tmp_path / "win.tar.gz", "w:gz") as tf:
        tf.add(greet_path(greet_dist, "windows-aarch64"), "win/greet.dll")
    code, data, err = verify_json(capsys, str(wheel), str(tmp_path / "mac.tar.zst"), str(tmp_path / "win.tar.gz"),
                                  "--contract", CONTRACT, "-C", str(tmp_path))
    assert code == 0, err
    assert [(t["plugin"], t["target"]) for t in data["targets"]] == [
        ("greet", "linux-x86_64"), ("greet", "macos-x86_64"), ("greet", "windows-aarch64")]
    assert data["targets"][0]["artifact"].endswith(".whl!greet/greet.cpython-311-x86_64-linux-gnu.so")


def test_fat_macho_gives_one_result_per_slice(capsys, fat_greet: Path, tmp_path: Path) -> None:
    code, data, err = verify_json(capsys, str(fat_greet), "--contract", CONTRACT, "-C", str(tmp_path))
    assert code == 0, err
    assert [(t["target"], t["arch"], t["artifact"]) for t in data["targets"]] == [
        ("macos-x86_64", "x86_64", str(fat_greet)), ("macos-aarch64", "aarch64", str(fat_greet))]


def test_target_map_renames_and_checks_the_expected_arch(capsys, runners: Path, tmp_path: Path) -> None:
    (tmp_path / "build_matrix.yaml").write_text(
        "version: 1\nplugins:\n  - {name: greet, sources: [g.c], contract: g.symbols}\n"
        "targets: [{os: linux, arch: x86_64, name: centos7}, {os: linux, arch: aarch64, name: graviton}]\n")
    (tmp_path / "g.c").write_text("int x;\n")
    shutil.copy(CONTRACT, tmp_path / "g.symbols")
    linux = runners / "linux-runner"
    code, data, err = verify_json(capsys, str(linux), "-C", str(tmp_path), "--target-map=linux-x86_64=centos7",
                                  "--target-map=*linux-aarch64/*=graviton")
    assert code == 0, err
    assert sorted(t["target"] for t in data["targets"]) == ["centos7", "graviton"]
    # a wrong mapping is caught: the aarch64 artifact is not what centos7 (x86_64) expects
    code, data, _ = verify_json(capsys, str(linux), "-C", str(tmp_path), "--target-map=*=centos7")
    assert code == 1
    problems = [p for t in data["targets"] for p in t["problems"]]
    assert problems == ["wrong architecture: centos7:linux-aarch64 expects x86_64, artifact is aarch64"]


def test_bad_target_map_is_a_usage_error(capsys, runners: Path) -> None:
    code, _, err = run(capsys, "verify", str(runners), "--target-map", "nonsense")
    assert code == 2
    assert "--target-map 'nonsense': expected GLOB=TARGET" in err


# --------------------------------------------------------------------------- hostile archives


def _extract_error(archive: Path, tmp_path: Path, limits: Limits | None = None) -> str:
    dest = tmp_path / "out"
    dest.mkdir(parents=True)
    with pytest.raises(InputError) as info:
        extract(archive, dest, limits)
    return str(info.value)


HOSTILE_NAMES = [("../evil.so", "path traversal"), ("a/../../evil.so", "path traversal"),
                 ("/etc/evil.so", "absolute path"), ("C:\\evil.dll", "absolute path"),
                 ("..\\..\\evil.dll", "path traversal")]


@pytest.mark.parametrize(("name", "what"), HOSTILE_NAMES)
def test_zip_member_escaping_is_refused(tmp_path: Path, name: str, what: str) -> None:
    archive = _zip(tmp_path / "bad.zip", {"ok.txt": b"x", name: b"\x7fELF"})
    message = _extract_error(archive, tmp_path)
    assert message.startswith(f"{archive}!{name}: {what}")
    assert not (tmp_path / "evil.so").exists() and not (tmp_path.parent / "evil.so").exists()


@pytest.mark.parametrize(("name", "what"), HOSTILE_NAMES[:3])
def test_tar_member_escaping_is_refused(tmp_path: Path, name: str, what: str) -> None:
    archive = _tar(tmp_path / "bad.tar.gz", "w:gz", [_file(name, b"\x7fELF")])
    assert _extract_error(archive, tmp_path).startswith(f"{archive}!{name}: {what}")


def test_tar_symlink_out_is_refused(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "bad.tar.gz", "w:gz", [_link("lib/libgreet.so", "../../etc/passwd", tarfile.SYMTYPE)])
    assert _extract_error(archive, tmp_path) == (f"{archive}!lib/libgreet.so: symlink to '../../etc/passwd' "
                                                 "points outside the archive")


def test_tar_absolute_symlink_is_refused(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "bad.tar", "w", [_link("libgreet.so", "/etc/passwd", tarfile.SYMTYPE)])
    assert _extract_error(archive, tmp_path) == (f"{archive}!libgreet.so: symlink to absolute path '/etc/passwd' "
                                                 "points outside the archive")


def test_tar_hard_link_out_is_refused(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "bad.tar.xz", "w:xz", [_link("libgreet.so", "../outside.so", tarfile.LNKTYPE)])
    assert _extract_error(archive, tmp_path) == (f"{archive}!libgreet.so: hard link to '../outside.so' points "
                                                 "outside the archive")


def test_tar_hard_link_to_absent_member_is_refused(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "bad.tar", "w", [_link("libgreet.so", "etc/shadow", tarfile.LNKTYPE)])
    assert _extract_error(archive, tmp_path) == (f"{archive}!libgreet.so: hard link to 'etc/shadow', which is not "
                                                 "a file in the archive")


def test_links_inside_the_archive_are_skipped_not_followed(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "ok.tar", "w", [_file("v1/libx.so", b"data"), _link("libx.so", "v1/libx.so",
                                                                                   tarfile.SYMTYPE),
                                             _link("hard.so", "v1/libx.so", tarfile.LNKTYPE)])
    dest = tmp_path / "out"
    dest.mkdir()
    assert [m.name for m in extract(archive, dest)] == ["v1/libx.so"]
    assert not any(p.is_symlink() for p in dest.rglob("*"))


def test_zip_symlink_out_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("libgreet.so")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "../../../etc/passwd")
    assert _extract_error(archive, tmp_path) == (f"{archive}!libgreet.so: symlink to '../../../etc/passwd' points "
                                                 "outside the archive")


def test_tar_device_file_is_refused(tmp_path: Path) -> None:
    info = tarfile.TarInfo("dev/sda")
    info.type = tarfile.BLKTYPE
    archive = _tar(tmp_path / "bad.tar", "w", [(info, None)])
    assert _extract_error(archive, tmp_path) == f"{archive}!dev/sda: special file (device, FIFO) in an archive of " \
                                                "plugins"


def test_bomb_by_size_zip(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "bomb.zip", {"libgreet.so": b"\0" * (4 << 20)})
    assert archive.stat().st_size < 64 << 10
    message = _extract_error(archive, tmp_path, Limits(member_bytes=1 << 20))
    assert message == (f"{archive}!libgreet.so: declares {4 << 20} bytes, over the {1 << 20}-byte member limit "
                       "(archive bomb?)")


def test_bomb_by_total_size_tar_gz(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "bomb.tar.gz", "w:gz", [_file(f"part{i}.bin", b"\0" * (1 << 20)) for i in range(8)])
    message = _extract_error(archive, tmp_path, Limits(total_bytes=3 << 20))
    assert message.startswith(f"{archive}!part3.bin: ") and "total size limit" in message


def test_bomb_by_member_count(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "many.zip", {f"f{i}.txt": b"" for i in range(50)})
    message = _extract_error(archive, tmp_path, Limits(members=10))
    # the end-of-central-directory record declares the count: refused before the names are read
    assert message == f"{archive}: declares 50 members, more than 10: refusing a possible archive bomb " \
                      "(member-count limit)"
    tar = _tar(tmp_path / "many.tar.gz", "w:gz", [_file(f"f{i}.txt", b"") for i in range(50)])
    assert _extract_error(tar, tmp_path / "t", Limits(members=10)).startswith(f"{tar}!f10.txt: more than 10 members")


def test_lying_zip_header_is_caught_while_decompressing(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "liar.zip", {"libgreet.so": b"\0" * (3 << 20)})
    data = bytearray(archive.read_bytes())
    real = (3 << 20).to_bytes(4, "little")
    assert data.count(real) == 2  # local and central headers
    archive.write_bytes(bytes(data).replace(real, (100).to_bytes(4, "little")))
    message = _extract_error(archive, tmp_path, Limits(member_bytes=1 << 20))
    # zipfile stops at the 100 bytes the header claims and finds the CRC wrong: caught, one line
    assert message == f"{archive}!libgreet.so: corrupt zip archive: BadZipFile: Bad CRC-32 for file 'libgreet.so'"


def test_duplicate_member_is_refused(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "dup.tar", "w", [_file("libgreet.so", b"a"), _file("libgreet.so", b"b")])
    assert _extract_error(archive, tmp_path) == (f"{archive}!libgreet.so: duplicate member: the archive holds two "
                                                 "files with this name")


@pytest.mark.parametrize("suffix", [".zip", ".tar.gz", ".tar.xz"])
def test_truncated_archive_is_a_clear_input_error(capsys, greet_dist: Path, tmp_path: Path, suffix: str) -> None:
    good = tmp_path / f"good{suffix}"
    if suffix == ".zip":
        _zip(good, {"libgreet.so": greet_path(greet_dist, "linux-x86_64").read_bytes()})
    else:
        _tar(good, f"w:{suffix.rsplit('.', 1)[1]}", [_file("libgreet.so",
                                                             greet_path(greet_dist, "linux-x86_64").read_bytes())])
    bad = tmp_path / f"cut{suffix}"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    code, out, err = run(capsys, "verify", str(bad))
    assert code == 2 and out == ""
    assert err.startswith(f"plugsmith: error: {bad}") and "corrupt" in err and "Traceback" not in err


def test_empty_and_fake_binaries_in_a_folder_are_findings(capsys, greet_dist: Path, tmp_path: Path) -> None:
    folder = tmp_path / "rel"
    folder.mkdir()
    shutil.copy2(greet_path(greet_dist, "linux-x86_64"), folder)
    (folder / "libempty.so").write_bytes(b"")
    (folder / "libtext.dylib").write_text("not a library\n")
    (folder / "notes.txt").write_text("ignored\n")
    code, data, _ = verify_json(capsys, str(folder), "--contract", CONTRACT, "-C", str(tmp_path))
    assert code == 1
    assert data["problems"] == [f"{tmp_path / 'rel' / 'libempty.so'}: named like a shared library but is empty",
                                f"{tmp_path / 'rel' / 'libtext.dylib'}: named like a shared library but is not an "
                                "ELF, Mach-O or PE binary"]
    assert [t["target"] for t in data["targets"]] == ["linux-x86_64"]


def test_empty_file_named_explicitly_is_an_input_error(capsys, tmp_path: Path) -> None:
    (tmp_path / "libgreet.so").write_bytes(b"")
    code, out, err = run(capsys, "verify", str(tmp_path / "libgreet.so"))
    assert (code, out) == (2, "")
    assert err.strip() == f"plugsmith: error: {tmp_path / 'libgreet.so'}: an empty file"


def test_truncated_and_fake_binaries_inside_an_archive_are_findings(capsys, greet_dist: Path, tmp_path: Path) -> None:
    dll = greet_path(greet_dist, "windows-x86_64").read_bytes()
    so = greet_path(greet_dist, "linux-x86_64").read_bytes()
    archive = _zip(tmp_path / "broken.zip", {"win/greet.dll": dll[: len(dll) // 3], "linux/libgreet.so": so,
                                             "mac/libgreet.dylib": b"#!/bin/sh\necho hi\n", "empty/greet.dll": b""})
    code, data, err = verify_json(capsys, str(archive), "--contract", CONTRACT, "-C", str(tmp_path))
    assert code == 1, err
    problems = sorted(data["problems"])
    assert problems[0] == f"{archive}!empty/greet.dll: named like a shared library but is empty"
    assert problems[1] == (f"{archive}!mac/libgreet.dylib: named like a shared library but is not an ELF, Mach-O "
                           "or PE binary")
    assert problems[2].startswith(f"{archive}!win/greet.dll: malformed PE: truncated")
    assert [t["target"] for t in data["targets"]] == ["linux-x86_64"]


def test_empty_archive_is_nothing_to_verify(capsys, tmp_path: Path) -> None:
    archive = _zip(tmp_path / "empty.zip", {})
    code, data, _ = verify_json(capsys, str(archive), "-C", str(tmp_path))
    assert code == 1
    assert data["problems"] == ["nothing to verify: no artifacts were given or found"]


def test_truncated_binary_named_explicitly_is_an_input_error(capsys, greet_dist: Path, tmp_path: Path) -> None:
    data = greet_path(greet_dist, "macos-x86_64").read_bytes()
    cut = tmp_path / "libgreet.dylib"
    cut.write_bytes(data[:4000])
    code, out, err = run(capsys, "verify", str(cut))
    assert (code, out) == (2, "")
    assert err.startswith(f"plugsmith: error: {cut}: malformed Mach-O: truncated") and "Traceback" not in err


def test_project_config_applies_when_found(capsys, greet_dist: Path, tmp_path: Path, monkeypatch) -> None:
    """A project found in the current folder (or named with -C/-c) judges ARTIFACTs with its contract,
    policy and expected targets; --no-project checks parity and the default policy only."""
    (tmp_path / "build_matrix.yaml").write_text(
        "version: 1\nplugins:\n  - {name: greet, sources: [g.c], contract: g.symbols}\n"
        "targets: [linux-x86_64, linux-aarch64]\n")
    (tmp_path / "g.c").write_text("int x;\n")
    shutil.copy(CONTRACT, tmp_path / "g.symbols")
    monkeypatch.chdir(tmp_path)
    lib = str(greet_path(greet_dist, "linux-x86_64"))
    code, data, _ = verify_json(capsys, lib, "--no-project")
    assert (code, data["policy"], data["contract"]) == (0, [], None)
    assert data["targets"][0]["checked_against_contract"] is False
    for named in ((), ("-C", "."), ("-c", "build_matrix.yaml")):
        code, data, _ = verify_json(capsys, lib, *named)
        assert (code, data["contract"]) == (1, "g.symbols"), named
        assert data["targets"][0]["checked_against_contract"] is True
        assert [(c["name"], c["passed"]) for c in data["policy"]] == [("target linux-x86_64", True),
                                                                       ("target linux-aarch64", False)]


def test_binaries_are_found_by_content_not_name(capsys, greet_dist: Path, tmp_path: Path) -> None:
    folder = tmp_path / "odd"
    folder.mkdir()
    shutil.copy2(greet_path(greet_dist, "windows-aarch64"), folder / "payload.bin")
    shutil.copy2(greet_path(greet_dist, "linux-aarch64"), folder / "greet")
    _zip(tmp_path / "odd.zip", {"x/README": greet_path(greet_dist, "macos-aarch64").read_bytes()})
    code, data, err = verify_json(capsys, str(folder), str(tmp_path / "odd.zip"), "--contract", CONTRACT,
                                  "-C", str(tmp_path))
    assert sorted((t["target"], Path(t["artifact"].split("!")[-1]).name) for t in data["targets"]) == [
        ("linux-aarch64", "greet"), ("macos-aarch64", "README"), ("windows-aarch64", "payload.bin")]
    assert code == 0, err  # a release built elsewhere owes no particular install name...
    # ...but a policy that asks for plugsmith's sees that a dylib renamed after linking no longer matches it
    policy = tmp_path / "policy.yaml"
    policy.write_text('install_name: "@rpath/{file}"\n')
    code, data, err = verify_json(capsys, str(folder), str(tmp_path / "odd.zip"), "--contract", CONTRACT,
                                  "-C", str(tmp_path), "--policy", str(policy))
    assert code == 1, err
    failed = [(t["target"], c["name"], c["message"]) for t in data["targets"] for c in t["policy"] if not c["passed"]]
    assert failed == [("macos-aarch64", "install-name", "install name @rpath/libgreet.dylib, expected @rpath/README")]
