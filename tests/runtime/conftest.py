"""Fixtures for ``plugsmith load``: the example built once per session for five targets, one work
folder (host programs, wine prefix) shared by every test, and a gate for qemu / wine."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from tests.conftest import copy_example, missing_tool

from plugsmith.cli import main
from plugsmith.runtime import LoadTarget, NotRunnable, choose

#: The targets the session builds: one per runner kind, plus two that cannot run on Linux.
TARGETS = ("linux-x86_64", "linux-aarch64", "windows-x86_64", "macos-aarch64", "windows-aarch64")
#: Runnable here (given the tools): target -> runner name.
RUNNABLE = {"linux-x86_64": "native", "linux-aarch64": "qemu-aarch64", "windows-x86_64": "wine64"}
NOT_RUN = {"macos-aarch64": "no macOS runtime on Linux",
           "windows-aarch64": "no Windows-on-Arm runtime on Linux (wine runs x86 programs only)"}
CONTRACT = ("greet_add", "greet_version", "greet_banner", "greet_scale", "greet_api_level")
ARTIFACT = {"linux-x86_64": "dist/linux-x86_64/libgreet.so", "linux-aarch64": "dist/linux-aarch64/libgreet.so",
            "windows-x86_64": "dist/windows-x86_64/greet.dll", "macos-aarch64": "dist/macos-aarch64/libgreet.dylib",
            "windows-aarch64": "dist/windows-aarch64/greet.dll"}


def target(name: str) -> LoadTarget:
    os_name, arch = name.split("-", 1)
    return LoadTarget(name=name, os=os_name, arch=arch)


def require_runner(name: str) -> None:
    """qemu / wine absent: the one tool gate (fails whenever CI is set, skips elsewhere)."""
    decision = choose(target(name), env={k: v for k, v in os.environ.items() if not k.startswith("PLUGSMITH_")})
    if isinstance(decision, NotRunnable):
        missing_tool(f"{name} cannot run on this machine: {decision.reason}")


@pytest.fixture(scope="session")
def load_work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Host programs and the wine prefix, shared by the session (wine's first start takes seconds)."""
    return tmp_path_factory.mktemp("load-work")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example project, built once for TARGETS. Tests that change it copy it first (``project``)."""
    root = copy_example(tmp_path_factory.mktemp("built") / "example")
    args = ["-C", str(root), "build", "--no-progress"]
    for name in TARGETS:
        args += ["-t", name]
    code = main(args)
    assert code == 0, "building the example failed"
    return root


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    """A private copy of the built example (sources, contract, dist/), safe to edit or damage."""
    dest = tmp_path / "example"
    shutil.copytree(built, dest, ignore=shutil.ignore_patterns("build"))
    return dest


@pytest.fixture(autouse=True)
def _no_wineprefix(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests choose the wine prefix through --work / Loader(work); a user's WINEPREFIX must not leak in."""
    monkeypatch.delenv("WINEPREFIX", raising=False)
