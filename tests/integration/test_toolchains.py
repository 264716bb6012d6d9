"""plugsmith toolchains: the generated CMake toolchain builds the example, and verify judges it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import Cli, require_tool

CMAKE_PROJECT = """cmake_minimum_required(VERSION 3.20)
project(greet C)
add_library(greet SHARED plugins/greet/greet.c plugins/greet/util.c)
target_include_directories(greet PRIVATE plugins/greet/include)
if(EXPORT_MAP)
  target_link_options(greet PRIVATE "-Wl,--version-script=${EXPORT_MAP}")
endif()
"""


def test_flags_json_and_wrappers(example: Path, cli: Cli) -> None:
    res = cli("-C", str(example), "toolchains", "-t", "linux-aarch64")
    assert res.code == 0, res.err
    folder = example / "toolchains/linux-aarch64"
    assert sorted(p.name for p in folder.iterdir()) == [
        "flags.json", "meson-cross.ini", "toolchain.cmake", "zig-ar", "zig-c++", "zig-cc", "zig-ranlib", "zig-rc"]
    flags = json.loads((folder / "flags.json").read_text())
    assert flags["triple"] == "aarch64-linux-gnu.2.17"
    greet = flags["plugins"]["greet"]
    assert greet["export_flags"] == ["-Wl,--version-script=<greet.map>", "-Wl,-soname,libgreet.so", "-Wl,-z,defs"]
    assert [f["flag"] for f in greet["cflags"]] == ["-O2", "-Wall", "-Werror", "-fstack-protector-strong"]
    proc = subprocess.run([str(folder / "zig-cc"), "--version"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "clang version" in proc.stdout
    assert "system = 'linux'" in (folder / "meson-cross.ini").read_text()


def test_cmake_build_with_generated_toolchain_is_verified(example: Path, cli: Cli) -> None:
    cmake = require_tool("cmake", package="cmake")
    (example / "CMakeLists.txt").write_text(CMAKE_PROJECT)
    assert cli("-C", str(example), "toolchains", "-t", "linux-x86_64").code == 0
    assert cli("-C", str(example), "maps", "-t", "linux-x86_64", "-o", str(example / "maps")).code == 0
    toolchain = example / "toolchains/linux-x86_64/toolchain.cmake"
    for name, extra in (("mapped", [f"-DEXPORT_MAP={example / 'maps/linux-x86_64/greet.map'}"]), ("plain", [])):
        build = example / name
        subprocess.run([cmake, "-S", str(example), "-B", str(build), f"--toolchain={toolchain}", *extra],
                       check=True, capture_output=True, timeout=600)
        subprocess.run([cmake, "--build", str(build)], check=True, capture_output=True, timeout=600)
    contract = str(example / "symbols/greet.symbols")
    res = cli("verify", "--json", "--no-project", "--contract", contract, str(example / "mapped/libgreet.so"))
    assert res.code == 0, res.out
    # Without the generated map CMake's library exports the internal helpers and has no versions.
    res = cli("verify", "--json", "--no-project", "--contract", contract, str(example / "plain/libgreet.so"))
    assert res.code == 1
    (target,) = json.loads(res.out)["targets"]
    assert target["leaked"] == ["util_calls", "util_clamp", "util_factor"]
    assert [m["symbol"] for m in target["version_mismatches"]] == [
        "greet_add", "greet_api_level", "greet_banner", "greet_scale", "greet_version"]
