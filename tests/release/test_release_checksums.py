"""SHA256SUMS and the provenance manifest: written atomically, read back by ``--check``, which
proves a later set is unchanged and names what changed, went missing or is new."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from release_helpers import CONTRACT_GREET, SIX, greet_path

from plugsmith.cli import main


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def release(greet_dist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A release folder (cwd = its parent, so names are relative): 4 files and a zip of 2."""
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "rel"
    for target in SIX[:4]:
        (root / target).mkdir(parents=True)
        shutil.copy2(greet_path(greet_dist, target), root / target)
    with zipfile.ZipFile(root / "windows.zip", "w") as zf:
        for target in SIX[4:]:
            zf.write(greet_path(greet_dist, target), f"{target}/greet.dll")
    return root


def test_checksums_match_sha256sum_and_name_archive_members(capsys, release: Path) -> None:
    code, out, err = _run(capsys, "checksums", "rel")
    assert code == 0, err
    lines = out.splitlines()
    plain = [line.split("  ", 1)[1] for line in lines if not line.startswith("#")]
    assert plain == sorted(plain) and len(plain) == 5  # four binaries and the zip itself
    assert plain[-1] == "rel/windows.zip"
    assert lines[5] == ("# Members of archives (ARCHIVE!MEMBER): 'sha256sum -c' skips these lines, the archive's "
                        "own line covers their bytes; 'plugsmith checksums --check SHA256SUMS ARCHIVE...' checks "
                        "each member.")
    members = [line[1:].split("  ", 1)[1] for line in lines[6:]]
    assert members == ["rel/windows.zip!windows-aarch64/greet.dll", "rel/windows.zip!windows-x86_64/greet.dll"]
    check = subprocess.run(["sha256sum", "-c", "--strict", "-"], input=out, capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(": OK\n") == 5
    member = next(line for line in lines if line.endswith("windows-aarch64/greet.dll"))
    with zipfile.ZipFile(release / "windows.zip") as zf:
        assert member[1:65] == hashlib.sha256(zf.read("windows-aarch64/greet.dll")).hexdigest()


def test_statement_keeps_what_the_old_manifest_offered(capsys, release: Path, tmp_path: Path) -> None:
    """Where each field of the old ``"version": 1`` manifest went (docs/verify.md has the table)."""
    manifest = tmp_path / "out" / "provenance.json"
    code, _, err = _run(capsys, "checksums", "rel", "--contract", str(CONTRACT_GREET), "-o", "SHA256SUMS",
                        "--manifest", str(manifest))
    assert code == 0, err
    data = json.loads(manifest.read_text())
    assert data["_type"] == "https://in-toto.io/Statement/v1"
    assert data["predicate"]["runDetails"]["builder"]["version"]["plugsmith"]  # was "generator"
    assert data["predicate"]["buildDefinition"]["internalParameters"]["zig_version"] == "0.17.1"
    assert data["predicate"]["buildDefinition"]["externalParameters"]["contract"]["sha256"] == \
        hashlib.sha256(CONTRACT_GREET.read_bytes()).hexdigest()
    first = data["subject"][0]
    assert first["name"] == "rel/linux-aarch64/libgreet.so"
    assert first["annotations"] == {
        "kind": "binary", "size": (release / "linux-aarch64" / "libgreet.so").stat().st_size,
        "slices": [{"plugin": "greet", "target": "linux-aarch64", "arch": "aarch64", "format": "elf", "exported": 5,
                    "ok": True}]}
    assert len(data["subject"]) == 7  # six binaries and the zip
    sums = (tmp_path / "SHA256SUMS").read_text().splitlines()
    assert {line.lstrip("#").split("  ", 1)[1]: line.lstrip("#")[:64] for line in sums if line[:2] != "# "} == {
        s["name"]: s["digest"]["sha256"] for s in data["subject"]}


def test_check_still_reads_an_old_manifest(capsys, release: Path, tmp_path: Path) -> None:
    code, out, _ = _run(capsys, "checksums", "rel")
    old = {"version": 1, "artifacts": [{"name": line.lstrip("#").split("  ", 1)[1], "sha256": line.lstrip("#")[:64]}
                                       for line in out.splitlines() if line[:2] != "# "]}
    (tmp_path / "old.json").write_text(json.dumps(old))
    code, out, _ = _run(capsys, "checksums", "rel", "--check", "old.json")
    assert (code, out) == (0, "OK: 7 artifacts checked against old.json, all unchanged\n")


def test_check_proves_nothing_changed_then_names_each_change(capsys, release: Path, tmp_path: Path) -> None:
    assert _run(capsys, "checksums", "rel", "-o", "SHA256SUMS", "--manifest", "prov.json")[0] == 0
    for recorded in ("SHA256SUMS", "prov.json"):
        code, out, _ = _run(capsys, "checksums", "rel", "--check", recorded)
        assert code == 0
        assert out.strip() == f"OK: 7 artifacts checked against {recorded}, all unchanged"
    so = release / "linux-x86_64" / "libgreet.so"
    so.write_bytes(so.read_bytes()[:-1] + b"\x01")
    (release / "macos-x86_64" / "libgreet.dylib").unlink()
    shutil.copy2(release / "linux-aarch64" / "libgreet.so", release / "libextra.so")
    code, out, _ = _run(capsys, "checksums", "rel", "--check", "SHA256SUMS")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("changed: rel/linux-x86_64/libgreet.so: sha256 ")
    assert lines[1:] == ["missing: rel/macos-x86_64/libgreet.dylib is recorded but was not given",
                         "new: rel/libextra.so is not recorded",
                         "FAILED: 7 artifacts checked against SHA256SUMS, 3 differ"]


def test_verify_writes_sums_and_provenance_atomically(capsys, release: Path, tmp_path: Path) -> None:
    code, _, _ = _run(capsys, "verify", "rel", "--contract", str(CONTRACT_GREET), "--sha256sums", "out/SUMS",
                      "--provenance", "out/prov.json", "-C", str(tmp_path))
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["SUMS", "prov.json"]  # no temp files left
    assert len([line for line in (tmp_path / "out" / "SUMS").read_text().splitlines() if line[:2] != "# "]) == 7
    assert _run(capsys, "checksums", "rel", "--check", "out/prov.json")[0] == 0


def test_bad_sums_file_is_a_located_input_error(capsys, release: Path, tmp_path: Path) -> None:
    (tmp_path / "SUMS").write_text("0" * 64 + "  rel/a.so\nnot a line\n")
    code, out, err = _run(capsys, "checksums", "rel", "--check", "SUMS")
    assert (code, out) == (2, "")
    assert err.strip() == "plugsmith: error: SUMS:2:1: expected '<64 hex digits>  <name>'"
    (tmp_path / "prov.json").write_text('{"artifacts": [{"name": 1}]}')
    code, _, err = _run(capsys, "checksums", "rel", "--check", "prov.json")
    assert code == 2 and err.startswith("plugsmith: error: prov.json: not a plugsmith provenance statement or manifest")
