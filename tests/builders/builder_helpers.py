"""Helpers for the project-builder tests: copies of examples/cmake-plugin and examples/meson-plugin,
the exports of what they built, and a PATH of logging shims that counts build-tool processes."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from tests.conftest import Cli

from plugsmith.engine.builders import find_tool
from plugsmith.inspection import inspect_file

REPO = Path(__file__).resolve().parents[2]
CMAKE_EXAMPLE = REPO / "examples" / "cmake-plugin"
MESON_EXAMPLE = REPO / "examples" / "meson-plugin"
SIX = ("linux-x86_64", "linux-aarch64", "macos-x86_64", "macos-aarch64", "windows-x86_64", "windows-aarch64")
MIXER = frozenset({"mixer_version", "mixer_mix", "mixer_channels"})
ECHO = frozenset({"echo_name", "echo_process", "echo_reset"})
#: Names zig's Mach-O linker adds to every dylib (platforms.FORMATS["macho"].linker_synthesized).
MACHO_EXTRA = frozenset({"_mh_dylib_header", "__dso_handle"})
ARTIFACTS = {"linux": "lib{}.so", "macos": "lib{}.dylib", "windows": "{}.dll"}


def copy_project(example: Path, dest: Path) -> Path:
    """The example's sources (never a build/ or dist/ of an earlier run)."""
    shutil.copytree(example, dest, ignore=shutil.ignore_patterns("build", "dist"))
    return dest


def artifact(root: Path, target: str, name: str) -> Path:
    return root / "dist" / target / ARTIFACTS[target.split("-")[0]].format(name)


def exports(path: Path) -> frozenset[str]:
    (ins,) = inspect_file(path)
    return ins.export_names


def expected(target: str, contract: frozenset[str]) -> frozenset[str]:
    return contract | MACHO_EXTRA if target.startswith("macos") else contract


def assert_loads(cli: Cli, root: Path, work: Path, contract: frozenset[str]) -> None:
    """``plugsmith load`` on the project's dist/: passed on every target this machine can run
    (native, qemu-aarch64, wine64) with every contract symbol resolved; the others not run."""
    from tests.runtime.conftest import RUNNABLE, require_runner

    for name in RUNNABLE:
        require_runner(name)
    res = cli("load", "--work", str(work), "--json", cwd=root)
    assert res.code == 0, res.out + res.err
    results = {r["target"]: r for r in json.loads(res.out)["results"]}
    for name, runner in RUNNABLE.items():
        assert (results[name]["status"], results[name]["runner"]) == ("passed", runner)
        assert sorted(results[name]["resolved"]) == sorted(contract)
    assert {results[n]["status"] for n in SIX if n not in RUNNABLE} == {"not-run"}


def shim_path(folder: Path, log: Path, tools: tuple[str, ...] = ("cmake", "meson", "ninja")) -> str:
    """A PATH whose first folder holds a shim per tool that logs its name to ``log`` and runs the
    real tool: proof of which build-tool processes a build started."""
    folder.mkdir(parents=True, exist_ok=True)
    for tool in tools:
        real = find_tool(tool)
        assert real is not None, f"{tool} not installed"
        script = folder / tool
        script.write_text(f'#!/bin/sh\necho {tool} >> "{log}"\nexec "{real}" "$@"\n')
        script.chmod(0o755)
    return f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"


def assert_six_exact(cli: Cli, root: Path, plugin: str, names: frozenset[str]) -> None:
    """Each of the six default targets' artifact exports exactly the contract (LLVM's tools), and
    ``plugsmith verify`` in the project agrees."""
    for target in SIX:
        assert exports(artifact(root, target, plugin)) == expected(target, names), target
    res = cli("verify", cwd=root)
    assert res.code == 0, res.out + res.err
    assert res.out.splitlines()[-1] == "OK: 6 artifacts match their contract and each other"
