"""The plugin builds for every target and exports exactly symbols/__name__.symbols."""

from __future__ import annotations

import ctypes
import json
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def verdict() -> dict:
    proc = subprocess.run([sys.executable, "-m", "plugsmith", "run", "--json"], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return json.loads(proc.stdout)


def test_every_target_exports_the_contract(verdict: dict) -> None:
    assert verdict["ok"] is True
    assert all(not t["leaked"] and not t["missing"] for t in verdict["targets"])


@pytest.mark.skipif(sys.platform != "linux" or platform.machine() != "x86_64", reason="runs on x86_64 Linux")
def test_the_linux_plugin_runs(verdict: dict) -> None:
    lib = ctypes.CDLL(str(ROOT / "dist/linux-x86_64/lib__name__.so"))
    assert lib.__name___add(2, 3) == 5
