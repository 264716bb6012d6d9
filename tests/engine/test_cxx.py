"""C++ via ``zig c++``: the example plugin exports exactly its C contract on one target per format,
with zig's static libc++ (operator new/delete and friends) kept out."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from build_helpers import REPO, ZIG_CACHE
from tests.conftest import MACHO_LINKER_NAMES, llvm_exports

from plugsmith import matrix, plan
from plugsmith.engine import build, engine
from plugsmith.inspection import inspect_file

pytestmark = pytest.mark.slow  # cold, libc++ takes ~50 s per target to build once

EXAMPLE = REPO / "examples" / "cpp-plugin"
TARGETS = ("linux-x86_64", "macos-aarch64", "windows-x86_64")
CONTRACT = {"shapes_create", "shapes_destroy", "shapes_add_circle", "shapes_add_square", "shapes_total_area",
            "shapes_describe", "shapes_abi_version"}


def copy_example(dest: Path) -> Path:
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("build", "dist"))
    return dest


def build_example(root: Path, targets: tuple[str, ...] = TARGETS) -> plan.Plan:
    resolved = plan.resolve(matrix.load(root / "build_matrix.yaml"), select=targets, env={})
    result = build(resolved, jobs=2, cache=ZIG_CACHE)
    assert result.ok, [(f.message, f.log) for f in result.failures]
    return resolved


def test_the_cpp_example_exports_exactly_its_contract(tmp_path: Path) -> None:
    resolved = build_example(copy_example(tmp_path / "shapes"))
    for job in resolved.jobs:
        (ins,) = inspect_file(job.artifact)
        linker = MACHO_LINKER_NAMES if job.format == "macho" else frozenset()
        assert ins.export_names == CONTRACT | linker, job.id
        assert llvm_exports(job.artifact) == CONTRACT | linker, job.id  # no _Z* operator from libc++


def test_without_plugsmith_new_delete_macos_leaks_libcxx_operators(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Negative twin, and the evidence for platforms.CXX_OWN_NEW_DELETE: libc++'s replaceable
    operators are default-visibility weak definitions that zig's Mach-O linker exports."""
    monkeypatch.setattr(engine, "CXX_OWN_NEW_DELETE", frozenset())
    resolved = build_example(copy_example(tmp_path / "shapes"), ("macos-aarch64",))
    (ins,) = inspect_file(resolved.jobs[0].artifact)
    leaked = ins.export_names - CONTRACT - MACHO_LINKER_NAMES
    assert {"_Znwm", "_ZdlPv"} <= leaked
    assert llvm_exports(resolved.jobs[0].artifact) - CONTRACT - MACHO_LINKER_NAMES == leaked  # LLVM sees them too


def test_the_cpp_example_is_its_own_project_not_in_the_root_matrix() -> None:
    root = (REPO / "build_matrix.yaml").read_text()
    assert "cpp-plugin" not in root and "shapes" not in root
    assert matrix.load(EXAMPLE / "build_matrix.yaml").plugins[0].language == "c++"
