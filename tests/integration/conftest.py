"""Shared integration fixtures: real plugins built with ``python -m ziglang cc`` and the LLVM tools.

Everything is built once per session, all zig invocations in parallel, sharing one zig cache
(``PLUGSMITH_TEST_ZIG_CACHE``, default ``~/.cache/plugsmith/zig``). A cold cache costs
about a minute, almost all of it mingw's CRT for the two Windows targets; a warm one a few seconds.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.conftest import llvm_tool, run_tool

ZIG_CACHE = os.environ.get("PLUGSMITH_TEST_ZIG_CACHE", str(Path.home() / ".cache" / "plugsmith" / "zig"))
ZIG_TIMEOUT = 900

# One source for every format. Exports differ only where a format cannot express something:
# no TLS or absolute symbols on Windows, where the .def file decides the export list.
PLUGIN_C = r"""
#include <string.h>
#if defined(_WIN32)
#define HIDDEN
#else
#define HIDDEN __attribute__((visibility("hidden")))
__thread int plugin_tls = 1;
#if defined(__APPLE__)
__asm__(".globl _plugin_abs\n.set _plugin_abs, 0x1234");
#else
__asm__(".globl plugin_abs\n.set plugin_abs, 0x1234");
#endif
#endif
int plugin_counter = 3;
const char plugin_name[] = "demo";
int plugin_init(int x) { return x + plugin_counter; }
int plugin_run(const char *s) { return (int)strlen(s) * 2; }
int plugin_legacy(int x) { return x - 1; }
HIDDEN int plugin_secret(int x) { return x * 5; }
HIDDEN int internal_helper(int x) { return x * 3; }
"""

# Two version nodes, the second inheriting the first.
VERSION_SCRIPT = """\
PLUGIN_1.0 {
  global: plugin_init; plugin_legacy; plugin_counter; plugin_abs;
  local: *;
};
PLUGIN_2.0 {
  global: plugin_run; plugin_name; plugin_tls;
} PLUGIN_1.0;
"""

# DATA exports, an explicit ordinal, a NONAME export, a named and a NONAME forwarder.
DEF_FILE = """\
LIBRARY plugin.dll
EXPORTS
  plugin_init
  plugin_run
  plugin_legacy @20
  plugin_counter DATA
  plugin_name DATA
  plugin_secret @7 NONAME
  plugin_sleep = kernel32.Sleep
  plugin_ticks = kernel32.GetTickCount @9 NONAME
"""

MAIN_C = "int plugin_entry(void) { return 1; }\nint main(void) { return plugin_entry(); }\n"


@dataclass(frozen=True, slots=True)
class Recipe:
    key: str
    output: str
    args: tuple[str, ...]


def _recipes() -> tuple[Recipe, ...]:
    elf = ("-O2", "-shared", "-fPIC", "-s", "plugin.c", "-Wl,--version-script=plugin.map", "-Wl,-soname,libplugin.so")
    macho = ("-O2", "-shared", "-s", "plugin.c", "-Wl,-install_name,@rpath/libplugin.dylib")
    pe = ("-O2", "-shared", "-s", "plugin.c", "plugin.def", "-Wl,--out-implib,plugin.lib")
    return (
        Recipe("linux-x86_64", "libplugin.so", ("-target", "x86_64-linux-gnu.2.28", *elf)),
        Recipe("linux-aarch64", "libplugin.so", ("-target", "aarch64-linux-gnu.2.28", *elf)),
        Recipe("macos-x86_64", "libplugin.dylib", ("-target", "x86_64-macos.11.0", *macho)),
        Recipe("macos-aarch64", "libplugin.dylib", ("-target", "aarch64-macos.11.0", *macho)),
        Recipe("windows-x86_64", "plugin.dll", ("-target", "x86_64-windows-gnu", *pe)),
        Recipe("windows-aarch64", "plugin.dll", ("-target", "aarch64-windows-gnu", *pe)),
        Recipe("linux-x86_64-object", "plugin.o", ("-target", "x86_64-linux-gnu", "-O2", "-fPIC", "-c", "plugin.c")),
        Recipe("macos-aarch64-object", "plugin.o", ("-target", "aarch64-macos.11.0", "-O2", "-c", "plugin.c")),
        Recipe("macos-aarch64-executable", "plugin-host", ("-target", "aarch64-macos.11.0", "-O2", "main.c")),
    )


def zig_env() -> dict[str, str]:
    env = dict(os.environ)
    env["ZIG_GLOBAL_CACHE_DIR"] = ZIG_CACHE
    env["ZIG_LOCAL_CACHE_DIR"] = ZIG_CACHE
    return env


def _write_sources(directory: Path) -> None:
    directory.mkdir(parents=True)
    (directory / "plugin.c").write_text(PLUGIN_C)
    (directory / "plugin.map").write_text(VERSION_SCRIPT)
    (directory / "plugin.def").write_text(DEF_FILE)
    (directory / "main.c").write_text(MAIN_C)


def _build_all(root: Path, recipes: tuple[Recipe, ...]) -> dict[str, Path]:
    """Run every zig build at once (each in its own directory) and wait for all of them."""
    running = []
    for recipe in recipes:
        workdir = root / recipe.key
        _write_sources(workdir)
        command = [sys.executable, "-m", "ziglang", "cc", *recipe.args, "-o", recipe.output]
        process = subprocess.Popen(
            command, cwd=workdir, env=zig_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        running.append((recipe, process, workdir))
    failures, built = [], {}
    for recipe, process, workdir in running:
        _, stderr = process.communicate(timeout=ZIG_TIMEOUT)
        if process.returncode != 0:
            failures.append(f"{recipe.key}: zig cc exited {process.returncode}: {stderr.strip()}")
        built[recipe.key] = workdir / recipe.output
    if failures:
        pytest.fail("zig builds failed:\n" + "\n".join(failures))
    return built


# --------------------------------------------------------------------------- derived artifacts

FAT_ALIGN_LOG2 = 14


def make_fat(slices: list[bytes]) -> bytes:
    """Combine thin Mach-O images into a fat file (what lipo does): big-endian header, 2^14 alignment."""
    align = 1 << FAT_ALIGN_LOG2
    header = struct.pack(">II", 0xCAFEBABE, len(slices))
    offset = align
    entries, body = b"", b""
    for index, image in enumerate(slices):
        cputype, cpusubtype = struct.unpack_from("<ii", image, 4)
        entries += struct.pack(">iiIII", cputype, cpusubtype, offset, len(image), FAT_ALIGN_LOG2)
        last = index == len(slices) - 1  # like lipo: no padding after the last slice
        padded = image if last else image + b"\0" * (-len(image) % align)
        body += padded
        offset += len(padded)
    head = header + entries
    return head + b"\0" * (align - len(head)) + body


def patch_versym(data: bytes, symbol: str, change: Callable[[int], int]) -> bytes:
    """Rewrite ``symbol``'s .gnu.version entry with ``change(old_value)``."""
    import lief

    lief.logging.disable()
    binary = lief.ELF.parse(data)
    names = [s.name for s in binary.dynamic_symbols]
    at = binary.get_section(".gnu.version").offset + 2 * names.index(symbol)
    patched = bytearray(data)
    (value,) = struct.unpack_from("<H", patched, at)
    struct.pack_into("<H", patched, at, change(value))
    return bytes(patched)


def hide_elf_version(data: bytes, symbol: str) -> bytes:
    """Set the hidden bit (0x8000) of ``symbol``'s version: ``name@@V`` becomes ``name@V``."""
    return patch_versym(data, symbol, lambda value: value | 0x8000)


LC_BUILD_VERSION, LC_VERSION_MIN_MACOSX = 0x32, 0x24


def use_version_min(data: bytes, major: int, minor: int, patch: int) -> bytes:
    """Replace a 64-bit Mach-O's LC_BUILD_VERSION (32 bytes) by LC_VERSION_MIN_MACOSX (16 bytes)."""
    ncmds, sizeofcmds = struct.unpack_from("<II", data, 16)
    position = 32
    for _ in range(ncmds):
        cmd, cmdsize = struct.unpack_from("<II", data, position)
        if cmd == LC_BUILD_VERSION:
            break
        position += cmdsize
    else:
        raise AssertionError("no LC_BUILD_VERSION")
    assert cmdsize == 32, cmdsize
    (sdk,) = struct.unpack_from("<I", data, position + 16)
    version = (major << 16) | (minor << 8) | patch
    replacement = struct.pack("<IIII", LC_VERSION_MIN_MACOSX, 16, version, sdk)
    end_of_commands = 32 + sizeofcmds
    commands = data[32:position] + replacement + data[position + cmdsize : end_of_commands] + b"\0" * 16
    header = bytearray(data[:32])
    struct.pack_into("<I", header, 20, sizeofcmds - 16)
    return bytes(header) + commands + data[end_of_commands:]


@pytest.fixture(scope="session")
def plugin_artifacts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every test plugin, keyed ``<os>-<arch>[-variant]``."""
    root = tmp_path_factory.mktemp("plugins")
    built = _build_all(root, _recipes())
    derived = root / "derived"
    derived.mkdir()
    fat = derived / "libplugin-universal.dylib"
    fat.write_bytes(make_fat([built["macos-x86_64"].read_bytes(), built["macos-aarch64"].read_bytes()]))
    built["macos-universal"] = fat
    hidden = derived / "libplugin-hidden.so"
    hidden.write_bytes(hide_elf_version(built["linux-x86_64"].read_bytes(), "plugin_legacy"))
    built["linux-x86_64-hidden-version"] = hidden
    old = derived / "libplugin-version-min.dylib"
    old.write_bytes(use_version_min(built["macos-x86_64"].read_bytes(), 10, 13, 2))
    built["macos-x86_64-version-min"] = old
    return built


@pytest.fixture(scope="session")
def versym_patcher() -> Callable[[bytes, str, Callable[[int], int]], bytes]:
    """:func:`patch_versym`, for tests that corrupt an ELF's symbol versions."""
    return patch_versym


# --------------------------------------------------------------------------- LLVM tools


@dataclass(frozen=True, slots=True)
class LlvmTools:
    nm: str
    objdump: str
    readobj: str

    def run(self, tool: str, *args: str | Path) -> str:
        return run_tool([getattr(self, tool), *map(str, args)])


@pytest.fixture(scope="session")
def llvm() -> LlvmTools:
    """llvm-nm/llvm-objdump/llvm-readobj through the one tool gate (tests/conftest.py)."""
    return LlvmTools(nm=llvm_tool("llvm-nm"), objdump=llvm_tool("llvm-objdump"), readobj=llvm_tool("llvm-readobj"))
