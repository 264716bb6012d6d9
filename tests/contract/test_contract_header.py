"""The generated export header: compiles with zig cc as C and C++ for all three formats, exports
what the contract says when linked, and stops the compiler when a source and the contract disagree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from contract_helpers import DEMO_CONTRACT, ZIG_CACHE, zig_env
from tests.conftest import Cli

from plugsmith.contract import parse
from plugsmith.header import building_macro, header_name, macro_prefix, render
from plugsmith.inspection import inspect_file
from plugsmith.platforms import linker_allowance

TRIPLES = {"linux-x86_64": "x86_64-linux-gnu", "linux-aarch64": "aarch64-linux-gnu",
           "macos-x86_64": "x86_64-macos.11.0", "windows-x86_64": "x86_64-windows-gnu"}

SOURCE = """\
#include "demo_export.h"
#ifdef __cplusplus
extern "C" {
#endif
/* the plugin's public header declares the data exports with the macros ... */
DEMO_EXPORT_demo_banner extern const char demo_banner[];
DEMO_EXPORT_demo_level extern int demo_level;
/* ... and the definitions follow */
DEMO_EXPORT_demo_banner const char demo_banner[] = "demo";
DEMO_EXPORT_demo_level int demo_level = 2;
DEMO_EXPORT_demo_add int demo_add(int a, int b) { return a + b; }
DEMO_EXPORT_demo_scale int demo_scale(int v) { return v * 3; }
DEMO_EXPORT_demo_mul int demo_mul(int a, int b) { return a * b; }
#if DEMO_HAS_demo_posix
DEMO_EXPORT_demo_posix int demo_posix(void) { return 8; }
#endif
#if DEMO_HAS_demo_win_hook
DEMO_EXPORT_demo_win_hook int demo_win_hook(void) { return 7; }
#endif
#if DEMO_HAS_demo_fast
DEMO_EXPORT_demo_fast int demo_fast(int v) { return v << 1; }
#endif
#ifdef __cplusplus
}
#endif
#define ONE(name, kind, node) +1
enum { DEMO_COUNT = 0 DEMO_SYMBOLS(ONE) };
#define NAME(name, kind, node) #name,
int demo_names(const char *const **out);
int demo_names(const char *const **out) {
    static const char *const names[] = { DEMO_SYMBOLS(NAME) };
    *out = names;
    return (int)(sizeof names / sizeof names[0]);
}
typedef int demo_expected_count[DEMO_COUNT == EXPECTED ? 1 : -1];
"""

COUNTS = {"linux-x86_64": 7, "linux-aarch64": 6, "macos-x86_64": 7, "windows-x86_64": 7}


def compile_source(tmp_path: Path, target: str, source: str, *, cplusplus: bool = False, extra: tuple[str, ...] = (),
                   building: bool = True) -> subprocess.CompletedProcess[str]:
    (tmp_path / "demo_export.h").write_text(render(parse(DEMO_CONTRACT, "symbols/demo.symbols"), plugin="demo"))
    src = tmp_path / ("demo.cpp" if cplusplus else "demo.c")
    src.write_text(source)
    args = [sys.executable, "-m", "ziglang", "c++" if cplusplus else "cc", "-target", TRIPLES[target], "-O2",
            "-Wall", "-Werror", f"-I{tmp_path}", *(["-D" + building_macro("demo")] if building else []), *extra,
            "-c", str(src), "-o", str(tmp_path / "demo.o")]
    return subprocess.run(args, capture_output=True, text=True, env=zig_env(), check=False)


def test_names() -> None:
    assert (macro_prefix("demo"), header_name("demo"), building_macro("demo")) == ("DEMO", "demo_export.h",
                                                                                    "DEMO_BUILDING")
    assert macro_prefix("my-plug.v2") == "MY_PLUG_V2" and macro_prefix("3d") == "P_3D"
    assert header_name("My-Plug") == "my_plug_export.h"


@pytest.mark.slow  # every target, as C and C++
@pytest.mark.parametrize("target", list(TRIPLES))
@pytest.mark.parametrize("cplusplus", [False, True], ids=["c", "c++"])
def test_header_compiles_as_c_and_cxx(tmp_path: Path, target: str, cplusplus: bool) -> None:
    res = compile_source(tmp_path, target, SOURCE, cplusplus=cplusplus, extra=(f"-DEXPECTED={COUNTS[target]}",))
    assert res.returncode == 0, res.stderr


def test_wrong_count_is_caught_by_the_x_macro(tmp_path: Path) -> None:
    res = compile_source(tmp_path, "linux-aarch64", SOURCE, extra=("-DEXPECTED=7",))  # no demo_fast on aarch64
    assert res.returncode == 1
    assert "demo_expected_count" in res.stderr


@pytest.mark.slow  # three targets
@pytest.mark.parametrize(("target", "line", "undeclared"), [
    ("linux-x86_64", "DEMO_EXPORT_demo_win_hook int demo_win_hook(void) { return 7; }", "DEMO_EXPORT_demo_win_hook"),
    ("windows-x86_64", "DEMO_EXPORT_demo_posix int demo_posix(void) { return 7; }", "DEMO_EXPORT_demo_posix"),
    ("linux-aarch64", "DEMO_EXPORT_demo_fast int demo_fast(int v) { return v; }", "DEMO_EXPORT_demo_fast"),
    ("linux-x86_64", "DEMO_EXPORT_demo_old int demo_old(void) { return 1; }", "DEMO_EXPORT_demo_old"),  # removed
    ("linux-x86_64", "DEMO_EXPORT_demo_typo int demo_typo(void) { return 1; }", "DEMO_EXPORT_demo_typo"),
])
def test_source_that_disagrees_with_the_contract_does_not_compile(tmp_path: Path, target: str, line: str,
                                                                  undeclared: str) -> None:
    res = compile_source(tmp_path, target, '#include "demo_export.h"\n' + line + "\n")
    assert res.returncode == 1
    assert f"error: unknown type name '{undeclared}'" in res.stderr


def test_deprecated_warns_consumers_not_the_plugin(tmp_path: Path) -> None:
    contract = parse("[V1]\nold function deprecated=V2\n[V2] inherits V1\nnew function\n", "s")
    (tmp_path / "p_export.h").write_text(render(contract, plugin="p"))
    use = '#include "p_export.h"\nP_EXPORT_old int old(void);\nint f(void) { return old(); }\n'
    (tmp_path / "use.c").write_text(use)
    base = [sys.executable, "-m", "ziglang", "cc", "-target", "x86_64-linux-gnu", "-Werror", f"-I{tmp_path}", "-c",
            str(tmp_path / "use.c"), "-o", str(tmp_path / "use.o")]
    consumer = subprocess.run(base, capture_output=True, text=True, env=zig_env(), check=False)
    assert consumer.returncode == 1
    assert "error: 'old' is deprecated: deprecated since V2 [-Werror,-Wdeprecated-declarations]" in consumer.stderr
    plugin = subprocess.run([*base, "-DP_BUILDING"], capture_output=True, text=True, env=zig_env(), check=False)
    assert plugin.returncode == 0, plugin.stderr


@pytest.mark.slow  # a Windows link: mingw's CRT, minutes when the zig cache is cold
def test_dllexport_from_the_header_links_and_exports_the_contract(tmp_path: Path) -> None:
    """Windows: with the header's dllexport and the generated .def, the DLL exports the filtered contract."""
    from plugsmith.maps import render as render_map

    res = compile_source(tmp_path, "windows-x86_64", SOURCE, extra=("-DEXPECTED=7",))
    assert res.returncode == 0, res.stderr
    contract = parse(DEMO_CONTRACT, "symbols/demo.symbols").for_target("windows-x86_64", "windows", "x86_64")
    (tmp_path / "demo.def").write_text(render_map("pe", contract, library="demo.dll"))
    link = subprocess.run([sys.executable, "-m", "ziglang", "cc", "-target", TRIPLES["windows-x86_64"], "-shared",
                           "-s", "-o", str(tmp_path / "demo.dll"), str(tmp_path / "demo.o"), str(tmp_path / "demo.def"),
                           f"-Wl,--out-implib,{tmp_path / 'demo.lib'}"],
                          capture_output=True, text=True, env=zig_env(), check=False)
    assert link.returncode == 0, link.stdout + link.stderr
    (ins,) = inspect_file(tmp_path / "demo.dll")
    names = {e.name for e in ins.exports if e.name not in linker_allowance("pe")}
    assert names == {"demo_add", "demo_banner", "demo_scale", "demo_level", "#9", "demo_fast", "demo_mul"}


def test_cli_header_for_the_project_and_for_a_file(tmp_path: Path, example: Path, cli: Cli) -> None:
    res = cli("header", "-C", str(example), "-o", str(tmp_path / "inc"), cwd=example)
    assert res.code == 0 and (tmp_path / "inc" / "greet_export.h").is_file()
    assert "#define GREET_EXPORT_greet_add GREET_API" in (tmp_path / "inc" / "greet_export.h").read_text()
    (tmp_path / "demo.symbols").write_text(DEMO_CONTRACT)
    res = cli("header", "--contract", "demo.symbols", "--print", cwd=tmp_path)
    assert res.code == 0 and "#define DEMO_EXPORT_demo_mul DEMO_API" in res.out
    res = cli("header", "--contract", "nope.symbols", cwd=tmp_path)
    assert res.code == 2 and "nope.symbols: symbols file not found" in res.err


def test_zig_cache_is_the_shared_one() -> None:
    assert zig_env()["ZIG_GLOBAL_CACHE_DIR"] == str(ZIG_CACHE)


def test_write_helper_is_atomic_and_stable(tmp_path: Path) -> None:
    from plugsmith.header import compile_flags, write

    contract = parse(DEMO_CONTRACT, "symbols/demo.symbols")
    path = write(contract, plugin="demo", work_dir=tmp_path)
    assert path == tmp_path / "include" / "demo_export.h"
    stamp = path.stat().st_mtime_ns
    assert write(contract, plugin="demo", work_dir=tmp_path) == path and path.stat().st_mtime_ns == stamp
    assert compile_flags(tmp_path, "demo") == (f"-I{tmp_path / 'include'}", "-DDEMO_BUILDING")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["demo_export.h", "include"]


@pytest.mark.slow  # builds every target
def test_build_pipeline_with_the_header_hook(tmp_path: Path) -> None:
    """The convention the build stage hooks in, simulated with include_dirs/defines: sources that mark
    their exports with the header's macros build for every format and verify against the contract."""
    from contract_helpers import TARGETS, build_project, write_project

    from plugsmith import matrix, plan
    from plugsmith.header import write
    from plugsmith.verify import Subject, check

    project = write_project(tmp_path, source=SOURCE.replace("EXPECTED", "DEMO_COUNT"))
    write(parse(DEMO_CONTRACT, "symbols/demo.symbols"), plugin="demo", work_dir=tmp_path)
    config = project.config.read_text().replace(
        "    contract: symbols/demo.symbols\n",
        "    contract: symbols/demo.symbols\n    include_dirs: [include]\n    defines: [DEMO_BUILDING]\n")
    project.config.write_text(config)
    build_project(project)
    resolved = plan.resolve(matrix.load(project.config), env={})
    subjects = [Subject(plugin="demo", target=j.target.name, inspection=ins, contract=j.plugin.contract,
                        expect_os=j.target.os, expect_arch=j.target.arch)
                for j in resolved.jobs for ins in inspect_file(j.artifact)]
    verdict = check(subjects)
    assert verdict.ok and len(verdict.targets) == len(TARGETS)


@pytest.mark.parametrize(("triple", "expected"), [("x86_64-linux-musl", "musl"), ("x86_64-linux-gnu", "gnu"),
                                                  ("aarch64-linux-musl", "none")])
def test_libc_conditions_tell_musl_from_glibc(tmp_path: Path, triple: str, expected: str) -> None:
    """``only=linux-x86_64-musl`` / ``only=linux except=linux-*-musl``: the header includes <features.h>
    and tests __GLIBC__, so the compiler sees exactly the symbols of that C library (and arch)."""
    contract = parse("version 1\nlx_any function only=linux\nlx_musl function only=linux-x86_64-musl\n"
                     "lx_gnu function only=linux except=linux-*-musl\n", "symbols/lx.symbols")
    header = render(contract, plugin="lx")
    assert "#  include <features.h>" in header
    (tmp_path / "lx_export.h").write_text(header)
    (tmp_path / "probe.c").write_text(
        '#include "lx_export.h"\n'
        "#if LX_HAS_lx_musl && LX_HAS_lx_gnu\nconst char *which = \"both\";\n"
        "#elif LX_HAS_lx_musl\nconst char *which = \"musl\";\n#elif LX_HAS_lx_gnu\nconst char *which = \"gnu\";\n"
        "#else\nconst char *which = \"none\";\n#endif\n"
        "#if !LX_HAS_lx_any\n#error lx_any is on every Linux target\n#endif\n")
    done = subprocess.run([sys.executable, "-m", "ziglang", "cc", "-target", triple, "-E", "-P", f"-I{tmp_path}",
                           str(tmp_path / "probe.c")], capture_output=True, text=True, env=zig_env(), check=False,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert f'const char *which = "{expected}";' in done.stdout


def test_libc_conditions_render_without_features_h_when_unused() -> None:
    header = render(parse("version 1\na function only=linux\n", "s"), plugin="p")
    assert "features.h" not in header
    assert "#if defined(__linux__)\n#define P_EXPORT_a" in header
