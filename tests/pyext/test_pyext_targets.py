"""examples/python-extension for the six default targets (slow): every module exports exactly
PyInit_spam (plus the names the Mach-O linker adds), takes exactly the example's CPython names from
where its format says (ELF and Mach-O: the interpreter, undefined; Windows: python3.dll), and verifies.
Runtime: the linux-x86_64 wheel is pip-installed into a fresh venv and called; the linux-aarch64
module runs under qemu-aarch64 in Debian's arm64 python3 (scripts/fetch-arm64-python). macOS and
Windows modules cannot run on this machine: they are checked statically only."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pyext_helpers import EXAMPLE_PY_NAMES, SixTargets
from tests.conftest import MACHO_LINKER_NAMES, Cli, llvm_exports, missing_tool, require_tool

from plugsmith import matrix as matrix_mod
from plugsmith import plan as plan_mod
from plugsmith.engine import build
from plugsmith.errors import EXIT_OK
from plugsmith.inspection import inspect_file
from plugsmith.wheel import build_wheels, check_record, resolve

CALL = "import spam; print(spam.add(40, 2)); print(spam.greet('arm')); print(spam.__abi__)"
ARM64_PYTHON = Path(os.environ.get("PLUGSMITH_ARM64_PYTHON", Path.home() / ".cache/plugsmith/python-arm64"))
UCRT_AND_KERNEL = {"api-ms-win-crt-runtime-l1-1-0.dll", "KERNEL32.dll", "api-ms-win-crt-stdio-l1-1-0.dll",
                   "api-ms-win-crt-heap-l1-1-0.dll"}
TARGETS = ("linux-x86_64", "linux-aarch64", "macos-x86_64", "macos-aarch64", "windows-x86_64", "windows-aarch64")


@pytest.mark.parametrize("target", TARGETS)
def test_exports_exactly_pyinit_and_imports_exactly_the_examples_python_names(pyext_six: SixTargets,
                                                                             target: str) -> None:
    path = pyext_six.module(target)
    (ins,) = inspect_file(path)
    linker = MACHO_LINKER_NAMES if ins.format == "macho" else frozenset()
    assert ins.export_names == {"PyInit_spam"} | linker
    assert llvm_exports(path) - linker == {"PyInit_spam"}
    python_names = sorted(name for library, name in ins.undefined if library in ("", "python3.dll"))
    assert python_names == EXAMPLE_PY_NAMES
    if ins.format == "elf":
        assert (path.name, ins.imports) == ("spam.abi3.so", ())  # no libpython, nothing else either
    elif ins.format == "macho":
        assert (path.name, ins.file_type, ins.soname, ins.min_os, ins.imports) == (
            "spam.abi3.so", "dylib", "@rpath/spam.abi3.so", "11.0", ("/usr/lib/libSystem.B.dylib",))
    else:
        assert path.name == "spam.pyd"
        assert set(ins.imports) == {"python3.dll"} | UCRT_AND_KERNEL
        # no import library of its own: the module and its build record only
        assert sorted(path.parent.iterdir()) == [path, path.with_name(path.name + ".build.json")]


def test_the_release_verifies_as_modules_and_as_wheels(pyext_six: SixTargets, cli: Cli) -> None:
    res = cli("verify", cwd=pyext_six.project)
    assert res.code == EXIT_OK, res.out
    assert res.out.splitlines()[0] == "OK: 6 artifacts match their contract and each other"
    res = cli("verify", *map(str, pyext_six.wheels))
    assert res.code == EXIT_OK, res.out
    assert [w.name for w in pyext_six.wheels] == [
        "spam-1.0.0-cp39-abi3-manylinux_2_17_x86_64.whl", "spam-1.0.0-cp39-abi3-manylinux_2_17_aarch64.whl",
        "spam-1.0.0-cp39-abi3-macosx_11_0_x86_64.whl", "spam-1.0.0-cp39-abi3-macosx_11_0_arm64.whl",
        "spam-1.0.0-cp39-abi3-win_amd64.whl", "spam-1.0.0-cp39-abi3-win_arm64.whl"]
    for wheel, target in zip(pyext_six.wheels, TARGETS, strict=True):
        assert check_record(wheel) == ()
        with zipfile.ZipFile(wheel) as archive:
            module = pyext_six.module(target)
            assert archive.read(module.name) == module.read_bytes()


@pytest.mark.skipif(sys.platform != "linux" or platform.machine() != "x86_64", reason="needs a linux x86_64 host")
def test_pip_installs_the_linux_x86_64_wheel_and_python_calls_the_module(pyext_six: SixTargets,
                                                                         tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = str(venv / "bin" / "python")
    pip = [python, "-m", "pip", "install", "--no-index", "--no-deps", "--disable-pip-version-check"]
    res = subprocess.run([*pip, str(pyext_six.wheel("manylinux_2_17_x86_64"))], capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    run = subprocess.run([python, "-c", CALL.replace("'arm'", "'pip'")], capture_output=True, text=True, timeout=60,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["42", "hello, pip", "abi3 (Py_LIMITED_API 3.9)"]
    refused = subprocess.run([*pip, str(pyext_six.wheel("win_amd64"))], capture_output=True, text=True, timeout=300)
    assert refused.returncode != 0
    assert "is not a supported wheel on this platform" in refused.stdout + refused.stderr


def test_debians_arm64_python_imports_the_linux_aarch64_module_under_qemu(pyext_six: SixTargets) -> None:
    qemu = require_tool("qemu-aarch64", package="qemu-user")
    if not (Path("/usr/aarch64-linux-gnu/lib") / "ld-linux-aarch64.so.1").exists():
        missing_tool("/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 not found (apt-get install libc6-arm64-cross)")
    python = next(iter(sorted((ARM64_PYTHON / "usr" / "bin").glob("python3.*"))), None)
    if python is None:
        missing_tool(f"no Debian arm64 python3 under {ARM64_PYTHON} (run scripts/fetch-arm64-python)")
    assert python is not None
    libs = f"{ARM64_PYTHON}/lib/aarch64-linux-gnu:{ARM64_PYTHON}/usr/lib/aarch64-linux-gnu"
    run = subprocess.run([qemu, "-L", "/usr/aarch64-linux-gnu", "-E", f"LD_LIBRARY_PATH={libs}",
                          "-E", f"PYTHONHOME={ARM64_PYTHON}/usr",
                          "-E", f"PYTHONPATH={pyext_six.module('linux-aarch64').parent}", str(python), "-c",
                          CALL + "; import platform; print(platform.machine())"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["42", "hello, arm", "abi3 (Py_LIMITED_API 3.9)", "aarch64"]


def test_modules_and_wheels_are_byte_identical_from_another_checkout(pyext_six: SixTargets, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / "checkout"
    shutil.copytree(pyext_six.project, other, ignore=shutil.ignore_patterns("dist", "build"))
    plan = plan_mod.resolve(matrix_mod.load(other / "build_matrix.yaml"))
    result = build(plan, jobs=2)
    assert result.ok
    wheels = build_wheels(plan, result, version="1.0.0", out_dir=other / "dist" / "wheels", env={},
                          metadata=resolve(plan.matrix.wheel, plan.matrix.project, extensions_only=True))
    for target in TARGETS:
        mine = next(j.artifact for j in plan.jobs if j.target.name == target)
        assert mine.read_bytes() == pyext_six.module(target).read_bytes(), target
    assert [w.read_bytes() for w in wheels] == [w.read_bytes() for w in pyext_six.wheels]
