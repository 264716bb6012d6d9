"""pip installs the linux-x86_64 wheel into a fresh venv, and the loader calls through the
contract there; pip refuses the Windows wheel on this machine."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import pytest
from wheel_helpers import Packed

PIP_TIMEOUT = 300

CALL = """
import ctypes, greet
lib = greet.load()
lib.greet_add.argtypes = (ctypes.c_int, ctypes.c_int)
lib.greet_add.restype = ctypes.c_int
print(lib.greet_add(40, 2))
print(ctypes.string_at(ctypes.addressof(ctypes.c_char.in_dll(lib, "greet_banner"))).decode())
print(greet.library_path().name, greet.library_path().parent.name, greet.TARGET, greet.PLATFORM)
"""


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True, timeout=PIP_TIMEOUT)
    return root / "bin" / "python"


def _pip(python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), "-m", "pip", "install", "--no-index", "--no-deps",
                           "--disable-pip-version-check", *args], capture_output=True, text=True, timeout=PIP_TIMEOUT)


@pytest.mark.skipif(sys.platform != "linux" or platform.machine() != "x86_64", reason="needs a linux x86_64 host")
def test_pip_installs_and_load_calls_the_contract(packed: Packed, venv: Path) -> None:
    res = _pip(venv, str(packed.wheel("linux-x86_64")))
    assert res.returncode == 0, res.stdout + res.stderr
    run = subprocess.run([str(venv), "-c", CALL], capture_output=True, text=True, timeout=60, cwd=venv.parent)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["42", "greet example plugin",
                                       "libgreet.so greet linux-x86_64 manylinux_2_17_x86_64"]
    show = subprocess.run([str(venv), "-m", "pip", "show", "-f", "greet"], capture_output=True, text=True,
                          timeout=60)
    assert "Version: 1.0.0" in show.stdout.splitlines()


def test_pip_refuses_the_windows_wheel(packed: Packed, venv: Path) -> None:
    wheel = packed.wheel("windows-x86_64")
    res = _pip(venv, str(wheel))
    assert res.returncode != 0
    assert f"{wheel.name} is not a supported wheel on this platform" in res.stdout + res.stderr
