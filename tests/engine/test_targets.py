"""The targets beyond the six defaults, each built with zig and read back with lief.

Cold, these cost ~80 s of zig time (glibc/musl stubs, the 32-bit mingw CRT); warm, seconds."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from build_helpers import SOURCES, Project, build_api
from tests.conftest import MACHO_LINKER_NAMES, llvm_exports

from plugsmith import matrix
from plugsmith.errors import ConfigError
from plugsmith.inspection import inspect_file

EXTRA = {
    # getrandom is GLIBC_2.25: the pinned 2.28 build must need exactly that, nothing newer; unpinned
    # Linux targets build against the default pin (2.17, riscv64 2.27), which has no getrandom
    "src/sys.c": ('#include "common.h"\n#include <stdlib.h>\n'
                  '#if defined(__linux__) && (!defined(__GLIBC__) || __GLIBC_MINOR__ >= 25)\n#include <sys/random.h>\n'
                  'int demo_entropy(void) { char b[4]; return (int)getrandom(b, sizeof b, 0); }\n#else\n'
                  'int demo_entropy(void) { return 4; }\n#endif\n'),
    # stdcall on 32-bit Windows decorates the object symbol as _demo_std@8; the .def names it plainly
    "src/std.c": ('#if defined(_WIN32) && defined(__i386__)\n#define CALL __stdcall\n#else\n#define CALL\n#endif\n'
                  'int CALL demo_std(int a, int b) { return a - b; }\n'),
}
CONTRACT = "version 1\n[DEMO_1.0]\ndemo_a function\ndemo_b function\ndemo_entropy function\ndemo_std function\n"
MORE = ('{os: linux, arch: x86_64, glibc: "2.28"}', "linux-x86_64-musl", "linux-riscv64", "linux-armv7",
        "windows-x86", '{os: macos, arch: x86_64, min_os: "12.0"}', "linux-x86")
EXPECT = {"demo_a", "demo_b", "demo_entropy", "demo_std"}
EF_ARM_ABI_FLOAT_HARD = 0x400


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Project:
    from build_helpers import make_project

    project = make_project(tmp_path_factory.mktemp("targets") / "proj", MORE, sources={**SOURCES, **EXTRA})
    project.write("demo.symbols", CONTRACT)
    run = build_api(project)
    assert run.result.ok, [(f.message, f.log) for f in run.result.failures]
    return project


def one(project: Project, target: str, name: str) -> object:
    (ins,) = inspect_file(project.dist / target / name)
    linker = MACHO_LINKER_NAMES if name.endswith(".dylib") else frozenset()
    assert ins.export_names == EXPECT | linker
    assert llvm_exports(project.dist / target / name) == EXPECT | linker  # the oracle agrees
    return ins


pytestmark = pytest.mark.slow


def test_linux_with_a_pinned_glibc(built: Project) -> None:
    ins = one(built, "linux-x86_64-glibc2.28", "libdemo.so")
    assert ins.arch == "x86_64"
    assert ins.glibc_max == "2.25"
    assert "libc.so.6" in ins.imports


def test_linux_musl(built: Project) -> None:
    ins = one(built, "linux-x86_64-musl", "libdemo.so")
    assert ins.glibc_max is None
    assert ins.imports == ("libc.so",)


def test_linux_riscv64(built: Project) -> None:
    assert one(built, "linux-riscv64", "libdemo.so").arch == "riscv64"


def test_linux_x86_32_bit(built: Project) -> None:
    ins = one(built, "linux-x86", "libdemo.so")
    assert ins.arch == "x86"
    assert (built.dist / "linux-x86" / "libdemo.so").read_bytes()[4] == 1  # ELFCLASS32


def test_linux_armv7_hard_float(built: Project) -> None:
    path = built.dist / "linux-arm" / "libdemo.so"
    assert one(built, "linux-arm", "libdemo.so").arch == "arm"
    data = path.read_bytes()
    assert data[4] == 1  # ELFCLASS32
    (e_flags,) = struct.unpack_from("<I", data, 0x24)
    assert e_flags & EF_ARM_ABI_FLOAT_HARD


def test_windows_x86_exports_undecorated_names(built: Project) -> None:
    ins = one(built, "windows-x86", "demo.dll")
    assert ins.arch == "x86"
    assert {e.name for e in ins.exports} == EXPECT  # undecorated: no _demo_std@8
    # the import library keeps the decorations callers' objects ask for
    implib = (built.dist / "windows-x86" / "demo.lib").read_bytes()
    assert b"__imp__demo_std@8" in implib and b"__imp__demo_a\0" in implib


def test_macos_with_a_chosen_minimum(built: Project) -> None:
    ins = one(built, "macos-x86_64", "libdemo.dylib")
    assert ins.min_os == "12.0"


def test_every_new_target_is_up_to_date_on_a_second_build(built: Project) -> None:
    assert build_api(built).commands == []


SUPPORTED = ("supported: linux-x86_64, linux-aarch64, linux-riscv64, linux-arm, linux-x86, macos-x86_64, "
             "macos-aarch64, windows-x86_64, windows-aarch64, windows-x86")
REJECTED = {
    "linux-sparc": f"9:5: targets[0]: unknown target 'linux-sparc' (did you mean 'linux-arm'?); {SUPPORTED}",
    "{os: macos, arch: riscv64}": f"9:23: targets[0].arch: unknown arch 'riscv64' for macos; {SUPPORTED}",
    "windows-x86_64-musl": ("9:5: targets[0]: unknown target 'windows-x86_64-musl' (did you mean 'windows-x86_64'?); "
                            f"{SUPPORTED}"),
}


@pytest.mark.parametrize("entry", list(REJECTED))
def test_unsupported_combinations_are_rejected_at_load_with_the_list(
        project_factory: Callable[..., Project], entry: str) -> None:
    project = project_factory("bad", targets=(entry,))
    with pytest.raises(ConfigError) as caught:
        matrix.load(project.config)
    assert str(caught.value) == f"{project.config}:{REJECTED[entry]}"
    assert Path(project.config).is_file()


def test_unpinned_linux_targets_link_against_the_default_pin(built: Project) -> None:
    """Without a pin, linux-x86 and linux-arm get glibc 2.17 (getrandom is not there: the fallback is
    built), riscv64 gets 2.27 (the oldest zig provides for it; getrandom is)."""
    assert one(built, "linux-riscv64", "libdemo.so").glibc_max == "2.27"
    x86 = one(built, "linux-x86", "libdemo.so")
    assert (x86.glibc_max, x86.imports) == (None, ())  # the 2.17 fallback calls nothing in libc
