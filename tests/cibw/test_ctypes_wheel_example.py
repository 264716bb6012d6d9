"""examples/ctypes-wheel: a ctypes plugin wheel for all six default targets, built with
``plugsmith wheel`` from a copy of the example; every wheel verifies against the contract; pip
installs the linux-x86_64 wheel into a fresh venv (``--no-index``) and Python calls the library
through the contract, checked against zlib; cibuildwheel lists one identifier per target."""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cibw_helpers import NEEDS_311, TIMEOUT, every_identifier, run_command
from tests.conftest import REPO

pytestmark = pytest.mark.slow  # six targets built with zig

EXAMPLE = REPO / "examples" / "ctypes-wheel"
BUILD_TIMEOUT = 900
TAGS = {"linux-x86_64": "manylinux_2_17_x86_64", "linux-aarch64": "manylinux_2_17_aarch64",
        "macos-x86_64": "macosx_11_0_x86_64", "macos-aarch64": "macosx_11_0_arm64",
        "windows-x86_64": "win_amd64", "windows-aarch64": "win_arm64"}
CONTRACT = ["chksum_abi_level", "chksum_adler32", "chksum_crc32", "chksum_version"]
CALL = """
import ctypes, zlib, chksum
lib = chksum.load()
for name in ("chksum_adler32", "chksum_crc32"):
    fn = getattr(lib, name)
    fn.argtypes = (ctypes.c_uint32, ctypes.c_char_p, ctypes.c_size_t)
    fn.restype = ctypes.c_uint32
lib.chksum_version.restype = ctypes.c_char_p
data = b"The quick brown fox jumps over the lazy dog" * 100
print(hex(lib.chksum_adler32(1, b"Wikipedia", 9)), hex(lib.chksum_crc32(0, b"123456789", 9)))
n = len(data)
print(lib.chksum_adler32(1, data, n) == zlib.adler32(data), lib.chksum_crc32(0, data, n) == zlib.crc32(data))
print(lib.chksum_version().decode(), ctypes.c_int.in_dll(lib, "chksum_abi_level").value, chksum.TARGET, chksum.PLATFORM)
try:
    lib.crc_table_entry
except AttributeError:
    print("crc_table_entry is not exported")
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("example") / "ctypes-wheel"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("build", "dist"))
    done = run_command(["plugsmith", "wheel"], cwd=root, timeout=BUILD_TIMEOUT)
    assert done.returncode == 0, done.stderr
    return root


def wheel(project: Path, target: str) -> Path:
    return project / "dist" / "wheels" / f"chksum_plugin-1.0.0-py3-none-{TAGS[target]}.whl"


def test_six_wheels_verify_against_the_contract(project: Path) -> None:
    wheels = sorted((project / "dist" / "wheels").iterdir())
    assert wheels == sorted(wheel(project, t) for t in TAGS)
    done = run_command(["plugsmith", "verify", "--json", *(str(w) for w in wheels)], cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert {t["target"]: sorted(t["exported"]) for t in report["targets"]} == dict.fromkeys(TAGS, CONTRACT)
    assert all(c["passed"] for t in report["targets"] for c in t["policy"])


def test_a_contract_with_one_more_symbol_names_it_missing_everywhere(project: Path, tmp_path: Path) -> None:
    contract = tmp_path / "more.symbols"
    contract.write_text((project / "symbols" / "chksum.symbols").read_text() + "chksum_crc32c       function\n")
    done = run_command(["plugsmith", "verify", "--no-project", "--json", "--contract", str(contract),
                        *(str(wheel(project, t)) for t in TAGS)], cwd=tmp_path)
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert {t["target"]: t["missing"] for t in report["targets"]} == {t: ["chksum_crc32c"] for t in TAGS}


def test_pip_installs_the_linux_wheel_and_python_calls_the_contract(project: Path, tmp_path: Path) -> None:
    if sys.platform != "linux" or platform.machine() != "x86_64":
        pytest.skip("needs a linux x86_64 host")
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True, timeout=TIMEOUT)
    python = str(tmp_path / "venv" / "bin" / "python")
    done = subprocess.run([python, "-m", "pip", "install", "--no-index", "--disable-pip-version-check",
                           str(wheel(project, "linux-x86_64"))], capture_output=True, text=True, timeout=TIMEOUT,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    run = subprocess.run([python, "-c", CALL], cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT,
                         check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["0x11e60398 0xcbf43926", "True True",
                                       "chksum 1.0.0 1 linux-x86_64 manylinux_2_17_x86_64",
                                       "crc_table_entry is not exported"]


@NEEDS_311
def test_cibuildwheel_lists_one_identifier_per_target(project: Path) -> None:
    done = run_command(["plugsmith", "init", "--pyproject-only", "--plugsmith-spec", "plugsmith", str(project)],
                       cwd=project)
    assert done.returncode == 0, done.stderr
    assert every_identifier(project) == {
        "linux": ["cp312-manylinux_aarch64", "cp312-manylinux_x86_64"],
        "macos": ["cp312-macosx_arm64", "cp312-macosx_x86_64"],
        "windows": ["cp312-win_amd64", "cp312-win_arm64"]}
