"""A plugin plugsmith did not build: tests/foreign/data/plug.c linked by Debian's gcc and GNU ld
(native x86_64, aarch64 cross, and a mingw-w64 PE DLL with a .def). GNU ld writes one
``NODE@@NODE`` absolute symbol per version node; it is not an export. Every expected set is
literal and LLVM's tools are asserted to agree with it, then ``plugsmith verify`` is checked
against the same facts, with a failing twin for each check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from foreign_helpers import DATA, llvm_coff_exports, llvm_dynsyms, llvm_exports, llvm_version_defs, run
from tests.conftest import Cli, require_tool

from plugsmith.contract import load
from plugsmith.importer import import_files
from plugsmith.inspection import inspect_file

CONTRACT = DATA / "plug.symbols"
NODES = (("PLUG_1.0", ()), ("PLUG_1.1", ("PLUG_1.0",)), ("PLUG_2.0", ("PLUG_1.1",)))
VERSIONED = {"plug_open@@PLUG_1.0", "plug_close@@PLUG_1.0", "plug_counter@@PLUG_1.0", "plug_read@@PLUG_1.1",
             "plug_name@@PLUG_1.1", "plug_stat@@PLUG_2.0", "plug_flags@@PLUG_2.0"}
GNU_LD_VERSION_SYMBOLS = {"A PLUG_1.0@@PLUG_1.0", "A PLUG_1.1@@PLUG_1.1", "A PLUG_2.0@@PLUG_2.0"}
UNVERSIONED_ALL = {"T plug_open", "T plug_close", "D plug_counter", "T plug_read", "R plug_name", "T plug_stat",
                   "D plug_flags", "T plug_helper_scale", "D plug_helper_state"}
LEAKS = ["leaked: plug_helper_scale is exported by {target} ({lib}) but is not in the contract",
         "leaked: plug_helper_state is exported by {target} ({lib}) but is not in the contract"]


def gcc_lib(compiler: str, out: Path, *extra: str | Path) -> Path:
    run(compiler, "-shared", "-fPIC", "-O2", "-o", out, DATA / "plug.c", *extra)
    return out


def versioned_exports(path: Path) -> set[str]:
    """plugsmith's reading, written the way llvm-nm writes it."""
    (ins,) = inspect_file(path)
    return {e.name if e.version is None else f"{e.name}{'@@' if e.default_version else '@'}{e.version}"
            for e in ins.exports}


def lines(res_out: str) -> list[str]:
    return [line for line in res_out.splitlines() if line.startswith(("leaked: ", "missing: ", "version: "))]


@pytest.fixture(scope="module")
def libs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    gcc = require_tool("gcc", package="gcc")
    out = tmp_path_factory.mktemp("gnuld")
    gcc_lib(gcc, out / "libplug.so", f"-Wl,--version-script={DATA / 'plug.map'}")
    gcc_lib(gcc, out / "libplug-all.so")
    gcc_lib(gcc, out / "libplug-wrong.so", f"-Wl,--version-script={DATA / 'plug-wrong-node.map'}")
    gcc_lib(gcc, out / "libplug-nostat.so", "-DPLUG_WITHOUT_STAT", f"-Wl,--version-script={DATA / 'plug.map'}")
    return out


def test_version_script_lib_is_exact(libs: Path, cli: Cli) -> None:
    lib = libs / "libplug.so"
    assert llvm_dynsyms(lib) == GNU_LD_VERSION_SYMBOLS | {
        "T plug_open@@PLUG_1.0", "T plug_close@@PLUG_1.0", "D plug_counter@@PLUG_1.0", "T plug_read@@PLUG_1.1",
        "R plug_name@@PLUG_1.1", "T plug_stat@@PLUG_2.0", "D plug_flags@@PLUG_2.0"}
    assert llvm_version_defs(lib) == [("BASE", "libplug.so", ()), *(("none", n, p) for n, p in NODES)]
    assert versioned_exports(lib) == llvm_exports(lib) == VERSIONED  # the A symbols are not exports
    (ins,) = inspect_file(lib)
    assert ins.version_defs == NODES
    assert {e.name: e.kind for e in ins.exports} == {s.name: s.kind for s in load(CONTRACT).symbols}
    res = cli("verify", "--contract", str(CONTRACT), "libplug.so", cwd=libs)
    assert (res.code, lines(res.out)) == (0, []), res.out
    assert "OK: 1 artifact matches its contract" in res.out


def test_without_version_script_every_helper_leaks(libs: Path, cli: Cli) -> None:
    lib = libs / "libplug-all.so"
    assert llvm_dynsyms(lib) == UNVERSIONED_ALL and llvm_version_defs(lib) == []
    res = cli("verify", "--contract", str(CONTRACT), lib.name, cwd=libs)
    assert res.code == 1
    versions = [f"version: {n} in linux-x86_64 ({lib.name}) has version (unversioned), the contract says {node}"
                for n, node in [("plug_close", "PLUG_1.0"), ("plug_counter", "PLUG_1.0"), ("plug_flags", "PLUG_2.0"),
                                ("plug_name", "PLUG_1.1"), ("plug_open", "PLUG_1.0"), ("plug_read", "PLUG_1.1"),
                                ("plug_stat", "PLUG_2.0")]]
    assert lines(res.out) == [m.format(target="linux-x86_64", lib=lib.name) for m in LEAKS] + versions


def test_symbol_in_the_wrong_node(libs: Path, cli: Cli) -> None:
    lib = libs / "libplug-wrong.so"
    assert "T plug_stat@@PLUG_1.1" in llvm_dynsyms(lib)
    assert llvm_exports(lib) == versioned_exports(lib) == VERSIONED - {"plug_stat@@PLUG_2.0"} | {
        "plug_stat@@PLUG_1.1"}
    res = cli("verify", "--contract", str(CONTRACT), lib.name, cwd=libs)
    assert (res.code, lines(res.out)) == (
        1, [f"version: plug_stat in linux-x86_64 ({lib.name}) has version PLUG_1.1, the contract says PLUG_2.0"])


def test_missing_symbol(libs: Path, cli: Cli) -> None:
    """GNU ld, unlike lld, accepts a version script naming a symbol the link does not define."""
    lib = libs / "libplug-nostat.so"
    assert llvm_exports(lib) == versioned_exports(lib) == VERSIONED - {"plug_stat@@PLUG_2.0"}
    res = cli("verify", "--contract", str(CONTRACT), lib.name, cwd=libs)
    assert (res.code, lines(res.out)) == (
        1, [f"missing: plug_stat is in the contract but not exported by linux-x86_64 ({lib.name})"])


def test_aarch64_cross_gcc(tmp_path: Path, cli: Cli) -> None:
    gcc = require_tool("aarch64-linux-gnu-gcc", package="gcc-aarch64-linux-gnu libc6-dev-arm64-cross")
    good = gcc_lib(gcc, tmp_path / "libplug.so", f"-Wl,--version-script={DATA / 'plug.map'}")
    bad = gcc_lib(gcc, tmp_path / "libplug-all.so")
    assert llvm_dynsyms(good) == GNU_LD_VERSION_SYMBOLS | {
        "T plug_open@@PLUG_1.0", "T plug_close@@PLUG_1.0", "D plug_counter@@PLUG_1.0", "T plug_read@@PLUG_1.1",
        "R plug_name@@PLUG_1.1", "T plug_stat@@PLUG_2.0", "D plug_flags@@PLUG_2.0"}
    assert llvm_dynsyms(bad) == UNVERSIONED_ALL
    (ins,) = inspect_file(good)
    assert (ins.arch, ins.version_defs, versioned_exports(good)) == ("aarch64", NODES, VERSIONED)
    assert [(n, p) for f, n, p in llvm_version_defs(good) if f != "BASE"] == list(NODES)
    res = cli("verify", "--contract", str(CONTRACT), good.name, cwd=tmp_path)
    assert (res.code, lines(res.out)) == (0, []), res.out
    res = cli("verify", "--contract", str(CONTRACT), "--no-policy", bad.name, cwd=tmp_path)
    assert res.code == 1
    assert lines(res.out)[:2] == [m.format(target="linux-aarch64", lib=bad.name) for m in LEAKS]


MINGW_EXPORTS = {"1 plug_close", "2 plug_counter", "3 plug_flags", "4 plug_name", "5 plug_open", "6 plug_read",
                 "7 plug_stat"}


@pytest.fixture(scope="module")
def dlls(tmp_path_factory: pytest.TempPathFactory) -> Path:
    gcc = require_tool("x86_64-w64-mingw32-gcc", package="gcc-mingw-w64-x86-64")
    out = tmp_path_factory.mktemp("mingw")
    run(gcc, "-shared", "-O2", "-o", out / "plug.dll", DATA / "plug.c", DATA / "plug.def",
        f"-Wl,--output-def={out / 'plug-gnu-ld.def'}")
    run(gcc, "-shared", "-O2", "-o", out / "plug-all.dll", DATA / "plug.c")
    return out


def test_mingw_dll_with_def_is_exact(dlls: Path, cli: Cli) -> None:
    dll = dlls / "plug.dll"
    assert llvm_coff_exports(dll) == MINGW_EXPORTS
    (ins,) = inspect_file(dll)
    assert {f"{e.ordinal} {e.name}" for e in ins.exports} == MINGW_EXPORTS
    assert {e.name: e.kind for e in ins.exports} == {s.name: s.kind for s in load(CONTRACT).symbols}
    res = cli("verify", "--contract", str(CONTRACT), dll.name, cwd=dlls)
    assert (res.code, lines(res.out)) == (0, []), res.out


def test_mingw_dll_without_def_exports_everything(dlls: Path, cli: Cli) -> None:
    dll = dlls / "plug-all.dll"
    assert llvm_coff_exports(dll) == {"1 plug_close", "2 plug_counter", "3 plug_flags", "4 plug_helper_scale",
                                      "5 plug_helper_state", "6 plug_name", "7 plug_open", "8 plug_read",
                                      "9 plug_stat"}
    res = cli("verify", "--contract", str(CONTRACT), dll.name, cwd=dlls)
    assert (res.code, lines(res.out)) == (1, [m.format(target="windows-x86_64", lib=dll.name) for m in LEAKS])


def test_import_gnu_ld_def_and_version_script_keeps_inherits(dlls: Path) -> None:
    """GNU ld's own .def (--output-def: quoted LIBRARY, BASE=, ordinals, DATA) with the version
    script: the contract has plug.symbols' nodes, parents, kinds and GNU ld's ordinals."""
    made = dlls / "plug-gnu-ld.def"
    head = made.read_text().splitlines()
    assert re.fullmatch(r'LIBRARY "plug\.dll" BASE=0x[0-9a-f]+', head[0]) and head[1:3] == ["EXPORTS",
                                                                                         "    plug_close @1"]
    result = import_files([DATA / "plug.map", made], display=lambda p: p.name)
    assert (result.disagreements, result.notes) == ((), ())
    c = result.contract
    assert [(n.name, n.parent) for n in c.nodes] == [(n, p[0] if p else None) for n, p in NODES]
    want = load(CONTRACT)
    assert {(s.name, s.kind, s.node) for s in c.symbols} == {(s.name, s.kind, s.node) for s in want.symbols}
    assert {f"{s.ordinal} {s.name}" for s in c.symbols} == MINGW_EXPORTS


def test_import_elf_binary_keeps_inherits(libs: Path, cli: Cli) -> None:
    res = cli("symbols", "import", "libplug.so", cwd=libs)
    assert res.code == 0 and res.err == ""
    assert [line for line in res.out.splitlines() if line.startswith("[")] == [
        "[PLUG_1.0]", "[PLUG_1.1] inherits PLUG_1.0", "[PLUG_2.0] inherits PLUG_1.1"]
    result = import_files([libs / "libplug.so", DATA / "plug.map"], display=lambda p: p.name)
    assert (result.disagreements, result.notes) == ((), ())
    want = load(CONTRACT)
    assert {(s.name, s.kind, s.node) for s in result.contract.symbols} == {
        (s.name, s.kind, s.node) for s in want.symbols}
    # the negative twin: a script whose parents differ from the binary's version definitions
    other = libs / "flat.map"
    other.write_text((DATA / "plug.map").read_text().replace("} PLUG_1.1;", "} PLUG_1.0;"))
    result = import_files([libs / "libplug.so", other], display=lambda p: p.name)
    assert result.disagreements == (
        "version node 'PLUG_2.0': parent 'PLUG_1.1' in libplug.so, 'PLUG_1.0' in flat.map",)


def test_import_reports_non_default_versions(tmp_path: Path, cli: Cli) -> None:
    gcc = require_tool("gcc", package="gcc")
    lib = tmp_path / "libcompat.so"
    run(gcc, "-shared", "-fPIC", "-O2", "-o", lib, DATA / "compat.c", f"-Wl,--version-script={DATA / 'compat.map'}")
    assert llvm_dynsyms(lib) == {"A COMPAT_1.0@@COMPAT_1.0", "A COMPAT_2.0@@COMPAT_2.0", "T compat_open@@COMPAT_1.0",
                                 "T compat_read@@COMPAT_2.0", "T compat_read@COMPAT_1.0",
                                 "T compat_legacy@COMPAT_1.0"}
    assert versioned_exports(lib) == llvm_exports(lib)
    res = cli("symbols", "import", lib.name, cwd=tmp_path)
    assert res.code == 0
    assert res.err.splitlines() == [
        "note: libcompat.so: only present as non-default versions (old binaries still bind to them; a contract "
        "cannot express symbol aliases): not imported: compat_legacy@COMPAT_1.0",
        "note: libcompat.so: non-default aliases of symbols imported under their default version (a contract "
        "cannot express symbol aliases): not imported: compat_read@COMPAT_1.0"]
    assert res.out.split("version 1\n")[1] == ("\n[COMPAT_1.0]\ncompat_open  function\n\n"
                                               "[COMPAT_2.0] inherits COMPAT_1.0\ncompat_read  function\n")
