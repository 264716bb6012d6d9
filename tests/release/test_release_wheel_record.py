"""A wheel's RECORD is checked by verify: every member hashed and sized as RECORD says, every
member listed, every listed file present, a sha256-or-stronger hash (the binary distribution
format; what ``installer`` enforces when pip installs the wheel). Each rule has a failing twin."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

import pytest
from tests.conftest import write_wheel
from tests.release.release_helpers import greet_path
from tests.release.test_release_inputs import CONTRACT, verify_json

MEMBER = "greet/libgreet.so"
WHEEL = "greet-1.0-py3-none-manylinux_2_17_x86_64.whl"


def _wheel(tmp_path: Path, greet_dist: Path) -> Path:
    return write_wheel(tmp_path / WHEEL, {MEMBER: greet_path(greet_dist, "linux-x86_64"),
                                          "greet/__init__.py": b"\n"})


def _rewrite(wheel: Path, edit: dict[str, bytes | None]) -> None:
    """Replace (bytes) or remove (None) members of ``wheel``, RECORD left as it was."""
    with zipfile.ZipFile(wheel) as zin:
        members = {n: zin.read(n) for n in zin.namelist()}
    for name, data in edit.items():
        if data is None:
            members.pop(name)
        else:
            members[name] = data
    with zipfile.ZipFile(wheel, "w") as zout:
        for name, data in members.items():
            zout.writestr(name, data)


def _record(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as zf:
        return zf.read("greet-1.0.dist-info/RECORD")


def _b64(data: bytes, algorithm: str) -> str:
    return base64.urlsafe_b64encode(hashlib.new(algorithm, data).digest()).rstrip(b"=").decode()


def test_a_consistent_wheel_passes(capsys: pytest.CaptureFixture[str], greet_dist: Path, tmp_path: Path) -> None:
    code, data, err = verify_json(capsys, str(_wheel(tmp_path, greet_dist)), "--contract", CONTRACT,
                                  "-C", str(tmp_path))
    assert (code, data["problems"]) == (0, []), err


def test_a_changed_member_is_named(capsys: pytest.CaptureFixture[str], greet_dist: Path, tmp_path: Path) -> None:
    wheel = _wheel(tmp_path, greet_dist)
    original = greet_path(greet_dist, "linux-x86_64").read_bytes()
    changed = original[:-1] + bytes([original[-1] ^ 1])  # one bit of the last byte: still a loadable ELF
    _rewrite(wheel, {MEMBER: changed})
    code, data, _ = verify_json(capsys, str(wheel), "--contract", CONTRACT, "-C", str(tmp_path))
    line = next(i for i, row in enumerate(_record(wheel).decode().splitlines(), 1) if row.startswith(MEMBER))
    assert code == 1
    assert data["problems"] == [
        f"{wheel}: RECORD line {line}: {MEMBER}: hash mismatch: RECORD says sha256={_b64(original, 'sha256')}, "
        f"the file has sha256={_b64(changed, 'sha256')}"]


def test_unlisted_and_missing_members_are_named(capsys: pytest.CaptureFixture[str], greet_dist: Path,
                                                tmp_path: Path) -> None:
    wheel = _wheel(tmp_path, greet_dist)
    _rewrite(wheel, {"greet/__init__.py": None, "greet/extra.so.txt": b"x"})
    code, data, _ = verify_json(capsys, str(wheel), "--contract", CONTRACT, "-C", str(tmp_path))
    line = next(i for i, row in enumerate(_record(wheel).decode().splitlines(), 1) if row.startswith("greet/__init__"))
    assert code == 1
    assert data["problems"] == [f"{wheel}: RECORD line {line}: greet/__init__.py is listed but not in the wheel",
                                f"{wheel}: greet/extra.so.txt is in the wheel but not in RECORD"]


def test_weak_hash_and_missing_record(capsys: pytest.CaptureFixture[str], greet_dist: Path, tmp_path: Path) -> None:
    wheel = _wheel(tmp_path, greet_dist)
    record = _record(wheel).decode()
    init = next(row for row in record.splitlines() if row.startswith("greet/__init__"))
    md5 = _b64(b"\n", "md5")
    weak = f"greet/__init__.py,md5={md5},1"
    _rewrite(wheel, {"greet-1.0.dist-info/RECORD": record.replace(init, weak).encode()})
    code, data, _ = verify_json(capsys, str(wheel), "--contract", CONTRACT, "-C", str(tmp_path))
    line = record.splitlines().index(init) + 1
    assert code == 1
    assert data["problems"] == [f"{wheel}: RECORD line {line}: greet/__init__.py: hash 'md5={md5}' "
                                "is not one of sha256=, sha384=, sha512="]
    _rewrite(wheel, {"greet-1.0.dist-info/RECORD": None})
    code, data, _ = verify_json(capsys, str(wheel), "--contract", CONTRACT, "-C", str(tmp_path))
    assert (code, data["problems"]) == (1, [f"{wheel}: expected one <name>-<version>.dist-info/RECORD, found 0"])
