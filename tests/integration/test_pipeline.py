"""The main job end to end on the bundled example: real zig builds, real lief, exact verdicts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import MACHO_LINKER_NAMES, REPO, Cli, copy_example, llvm_exports, missing_tool, tree

SIX = ["linux-x86_64", "linux-aarch64", "macos-x86_64", "macos-aarch64", "windows-x86_64", "windows-aarch64"]
CONTRACT = ["greet_add", "greet_api_level", "greet_banner", "greet_scale", "greet_version"]
ARTIFACTS = {
    "linux-x86_64": "libgreet.so", "linux-aarch64": "libgreet.so", "macos-x86_64": "libgreet.dylib",
    "macos-aarch64": "libgreet.dylib", "windows-x86_64": "greet.dll", "windows-aarch64": "greet.dll",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example, built once for all six targets by the real command a user runs."""
    root = copy_example(tmp_path_factory.mktemp("built") / "example")
    proc = subprocess.run([sys.executable, "-m", "plugsmith", "run", "--json"], cwd=root, capture_output=True,
                          text=True, check=False, env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 0, proc.stderr + proc.stdout
    (root / "verdict.json").write_text(proc.stdout)
    return root


def test_run_builds_and_verifies_all_six_targets(built: Path) -> None:
    report = json.loads((built / "verdict.json").read_text())
    assert report["ok"] is True
    assert report["asymmetric"] == []
    assert [t["target"] for t in report["targets"]] == SIX
    for t in report["targets"]:
        assert t["exported"] == CONTRACT, t["target"]
        assert (t["leaked"], t["missing"], t["problems"]) == ([], [], [])
        assert t["allowed"] == (["__dso_handle", "_mh_dylib_header"] if t["format"] == "macho" else [])
    assert [(t["format"], t["arch"]) for t in report["targets"]] == [
        ("elf", "x86_64"), ("elf", "aarch64"), ("macho", "x86_64"), ("macho", "aarch64"), ("pe", "x86_64"),
        ("pe", "aarch64")]
    assert tree(built / "dist") == sorted([f"{t}/{a}" for t, a in ARTIFACTS.items()]
                                          + [f"{t}/{a}.build.json" for t, a in ARTIFACTS.items()]
                                          + ["windows-x86_64/greet.lib", "windows-aarch64/greet.lib"])


@pytest.mark.parametrize("target", SIX)
def test_llvm_sees_exactly_the_contract_on_every_target(built: Path, target: str) -> None:
    """The oracle for plugsmith's own builds (the Mach-O private-extern path above all): LLVM's
    tools, not lief, read each artifact."""
    linker = MACHO_LINKER_NAMES if target.startswith("macos") else frozenset()
    assert llvm_exports(built / "dist" / target / ARTIFACTS[target]) == frozenset(CONTRACT) | linker


def test_artifacts_carry_platform_names(built: Path) -> None:
    from plugsmith.inspection import inspect_file

    (so,) = inspect_file(built / "dist/linux-aarch64/libgreet.so")
    assert so.soname == "libgreet.so"
    assert {e.name: e.version for e in so.exports} == {
        "greet_add": "GREET_1.0", "greet_version": "GREET_1.0", "greet_banner": "GREET_1.0",
        "greet_scale": "GREET_1.1", "greet_api_level": "GREET_1.1"}
    (dylib,) = inspect_file(built / "dist/macos-aarch64/libgreet.dylib")
    assert dylib.soname == "@rpath/libgreet.dylib"
    assert dylib.min_os == "11.0"
    (dll,) = inspect_file(built / "dist/windows-x86_64/greet.dll")
    assert {e.name: e.kind for e in dll.exports} == {
        "greet_add": "function", "greet_version": "function", "greet_scale": "function", "greet_banner": "data",
        "greet_api_level": "data"}


def test_verify_dist_again_and_with_explicit_contract(built: Path, cli: Cli) -> None:
    res = cli("verify", cwd=built)
    assert res.code == 0, res.err
    assert res.out.strip().splitlines()[-1] == "OK: 6 artifacts match their contract and each other"
    assert ("note: macos-x86_64, macos-aarch64: macho has no symbol versions: contract nodes GREET_1.0, GREET_1.1 "
            "are recorded, not checked") in res.out
    assert "note: windows-x86_64, windows-aarch64: pe has no symbol versions" in res.out
    res = cli("verify", "--contract", "symbols/greet.symbols", "dist", "--json", cwd=built)
    assert res.code == 0, res.out
    report = json.loads(res.out)
    assert sorted(t["target"] for t in report["targets"]) == sorted(SIX)
    assert report["contract"] == "symbols/greet.symbols"


def test_parity_only_catches_an_asymmetry(built: Path, cli, tmp_path: Path) -> None:
    other = copy_example(tmp_path / "other")
    src = other / "plugins/greet/greet.c"
    src.write_text(src.read_text() + "\nint greet_extra(void) { return 7; }\n")
    (other / "symbols/greet.symbols").write_text(
        (other / "symbols/greet.symbols").read_text() + "greet_extra function only=linux\n")
    res = cli("build", "-t", "linux-x86_64", cwd=other)
    assert res.code == 0, res.err
    res = cli("verify", "--json", str(built / "dist/macos-aarch64"), str(other / "dist/linux-x86_64"), cwd=tmp_path)
    assert res.code == 1
    report = json.loads(res.out)
    assert report["asymmetric"] == [{"plugin": "greet", "symbol": "greet_extra", "exported_by": ["linux-x86_64"],
                                     "missing_from": ["macos-aarch64"], "cause": "accident"}]
    assert all(t["checked_against_contract"] is False for t in report["targets"])


def _leaky(root: Path) -> None:
    src = root / "plugins/greet/util.c"
    src.write_text(src.read_text() + "\nint greet_debug_dump(void) { return util_calls; }\n")


@pytest.mark.slow  # several targets
def test_leaked_symbol_is_named_on_every_target(tmp_path: Path, cli: Cli) -> None:
    root = copy_example(tmp_path / "leak")
    _leaky(root)
    # A function with default visibility that the contract does not list: the maps must hide it
    # everywhere, so the build passes and verification is clean...
    res = cli("run", "--json", cwd=root)
    assert res.code == 0, res.err
    for target, lib in ARTIFACTS.items():  # LLVM agrees: hidden on every format (Mach-O: private extern)
        linker = MACHO_LINKER_NAMES if target.startswith("macos") else frozenset()
        assert llvm_exports(root / "dist" / target / lib) == frozenset(CONTRACT) | linker, target
    # ...and when the maps are bypassed (an export-everything link), verify names it per target.
    for target in ("linux-x86_64", "windows-x86_64"):
        lib = ARTIFACTS[target]
        _export_everything(root, target, lib)
    res = cli("verify", "--json", cwd=root)
    assert res.code == 1
    report = {t["target"]: t for t in json.loads(res.out)["targets"]}
    leaked = ["greet_debug_dump", "util_calls", "util_clamp", "util_factor"]
    mingw = ["_CRT_INIT", "__mingw_module_is_dll", "atexit"]  # mingw's CRT, exported too without a .def
    assert {t: r["leaked"] for t, r in report.items()} == {
        "linux-x86_64": leaked, "linux-aarch64": [], "macos-x86_64": [], "macos-aarch64": [],
        "windows-x86_64": sorted(mingw + leaked), "windows-aarch64": []}
    res = cli("verify", cwd=root)
    assert "leaked: greet_debug_dump is exported by linux-x86_64 (" in res.out
    assert res.out.strip().splitlines()[-1].startswith("FAILED: 2 of 6 artifacts differ from the contract")


def _export_everything(root: Path, target: str, lib: str) -> None:
    """Relink one target by hand without its export map, as a broken build script would."""
    triple = {"linux-x86_64": "x86_64-linux-gnu", "windows-x86_64": "x86_64-windows-gnu"}[target]
    srcs = [str(root / "plugins/greet/greet.c"), str(root / "plugins/greet/util.c")]
    out = root / "dist" / target / lib
    subprocess.run([sys.executable, "-m", "ziglang", "cc", "-target", triple, "-O2", "-shared", "-fPIC", "-s",
                    f"-I{root / 'plugins/greet/include'}", "-o", str(out), *srcs], check=True, capture_output=True)


def test_macos_leak_is_caught_when_pext_is_bypassed(tmp_path: Path, cli: Cli) -> None:
    root = copy_example(tmp_path / "mleak")
    _leaky(root)
    out = root / "dist/macos-x86_64/libgreet.dylib"
    out.parent.mkdir(parents=True)
    srcs = [str(root / "plugins/greet/greet.c"), str(root / "plugins/greet/util.c")]
    subprocess.run([sys.executable, "-m", "ziglang", "cc", "-target", "x86_64-macos.11.0", "-O2", "-shared", "-s",
                    f"-I{root / 'plugins/greet/include'}", "-o", str(out), *srcs], check=True, capture_output=True)
    res = cli("verify", "--json", "-t", "macos-x86_64", cwd=root)
    assert res.code == 1
    (t,) = json.loads(res.out)["targets"]
    assert t["leaked"] == ["greet_debug_dump", "util_calls", "util_clamp", "util_factor"]
    assert t["missing"] == []
    assert llvm_exports(out) == frozenset(
        [*CONTRACT, "greet_debug_dump", "util_calls", "util_clamp", "util_factor", *MACHO_LINKER_NAMES])


@pytest.mark.slow  # several targets
def test_missing_contract_symbol_fails_each_format_clearly(tmp_path: Path, cli: Cli) -> None:
    root = copy_example(tmp_path / "missing")
    symbols = root / "symbols/greet.symbols"
    symbols.write_text(symbols.read_text() + "greet_forgotten function\n")
    for target in ("linux-x86_64", "windows-x86_64"):
        res = cli("build", "-t", target, cwd=root)
        assert res.code == 3, res.err
        assert (f"plugsmith: error: greet@{target}: link failed: contract symbol 'greet_forgotten' is not "
                "defined by any source of this plugin") in res.err
        assert tree(root / "dist" / target) == []
    # Mach-O links without complaint (zig cannot be told what to export), so verify names it.
    res = cli("run", "--json", "-t", "macos-aarch64", cwd=root)
    assert res.code == 1
    (t,) = json.loads(res.out)["targets"]
    assert (t["missing"], t["leaked"]) == (["greet_forgotten"], [])


def test_wrong_arch_and_corrupt_artifacts(built: Path, tmp_path: Path, cli: Cli) -> None:
    root = tmp_path / "swap"
    shutil.copytree(built, root)
    shutil.copy2(root / "dist/linux-x86_64/libgreet.so", root / "dist/linux-aarch64/libgreet.so")
    res = cli("verify", "--json", cwd=root)
    assert res.code == 1
    report = {t["target"]: t for t in json.loads(res.out)["targets"]}
    assert report["linux-aarch64"]["problems"] == [
        "wrong architecture: linux-aarch64 expects aarch64, artifact is x86_64"]
    shutil.copy2(root / "dist/windows-x86_64/greet.dll", root / "dist/macos-x86_64/libgreet.dylib")
    res = cli("verify", "--json", "-t", "macos-x86_64", cwd=root)
    (t,) = json.loads(res.out)["targets"]
    assert t["problems"] == ["wrong format: macos-x86_64 expects macho, artifact is pe"]

    data = (built / "dist/linux-x86_64/libgreet.so").read_bytes()
    (root / "dist/linux-x86_64/libgreet.so").write_bytes(data[: len(data) // 2])
    res = cli("verify", "-t", "linux-x86_64", cwd=root)
    assert res.code == 2
    assert res.err.startswith("plugsmith: error: ")
    assert "libgreet.so" in res.err
    assert "Traceback" not in res.err


def test_missing_artifact_is_a_failure(tmp_path: Path, cli: Cli) -> None:
    root = copy_example(tmp_path / "nothing")
    res = cli("verify", "-t", "linux-x86_64", cwd=root)
    assert res.code == 1
    assert "greet@linux-x86_64: artifact dist/linux-x86_64/libgreet.so does not exist (run 'plugsmith build')" \
        in res.out


@pytest.mark.slow  # several targets
def test_compile_error_shows_compiler_message_and_leaves_nothing(tmp_path: Path, cli: Cli) -> None:
    root = copy_example(tmp_path / "broken")
    (root / "plugins/greet/util.c").write_text("int util_clamp(int v) { return v +; }\n")
    res = cli("build", "-t", "linux-x86_64", "-t", "windows-aarch64", "-k", cwd=root)
    assert res.code == 3
    assert "plugsmith: error: greet@linux-x86_64: compiling util.c failed (zig exit 1)" in res.err
    assert "util.c:1:35: error: expected expression" in res.err
    assert tree(root / "dist") == []


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("build_matrix.yaml", "contract: symbols/greet.symbols", "contract: symbols/greet.symbols\n    colour: red"),
         "build_matrix.yaml:{line+1}:5: plugins[0].colour: unknown key 'colour'"),
        (("symbols/greet.symbols", "greet_scale        function", "greet_scale        fucntion"),
         "symbols/greet.symbols:{line}:20: kind: unknown kind 'fucntion' (did you mean 'function'?)"),
        (("symbols/greet.symbols", "greet_scale        function", "greet_add function"),
         "symbols/greet.symbols:{line}:1: name: duplicate symbol 'greet_add' (first on line "),
        (("symbols/greet.symbols", "greet_scale        function", "greet-scale function"),
         "symbols/greet.symbols:{line}:1: name: invalid symbol name 'greet-scale' (a C identifier is expected)"),
        (("build_matrix.yaml", "plugins/greet/util.c]", "plugins/greet/gone.c]"),
         "build_matrix.yaml:{line}:38: plugins[0].sources[1]: file not found: plugins/greet/gone.c"),
        (("build_matrix.yaml", "  - windows-aarch64", "  - windows-aarch46"),
         "build_matrix.yaml:{line}:5: targets[5]: unknown target 'windows-aarch46' (did you mean 'windows-aarch64'?)"),
        (("build_matrix.yaml", "version: 1", "version: [1"), "build_matrix.yaml:{line+1}:8: invalid YAML:"),
    ],
    ids=["unknown-key", "bad-kind", "duplicate-symbol", "invalid-symbol", "missing-source", "unknown-target", "yaml"],
)
@pytest.mark.parametrize("command", ["run", "build", "maps", "targets"])
def test_bad_input_exits_2_and_writes_nothing(tmp_path: Path, cli: Cli, edit: tuple[str, str, str], message: str,
                                              command: str) -> None:
    root = copy_example(tmp_path / "bad")
    path, old, new = edit
    text = (root / path).read_text()
    assert old in text
    line = text[: text.index(old)].count("\n") + 1
    (root / path).write_text(text.replace(old, new, 1))
    message = message.replace("{line+1}", str(line + 1)).replace("{line}", str(line))
    before = tree(root)
    res = cli(command, cwd=root)
    assert res.code == 2
    first = res.err.splitlines()[0]
    assert first.startswith(f"plugsmith: error: {message}"), res.err
    assert "Traceback" not in res.err
    assert tree(root) == before


def test_readme_commands_exist_and_help_works() -> None:
    readme = (REPO / "README.md").read_text()
    assert "./scripts/example" in readme
    assert "./scripts/test" in readme
    proc = subprocess.run([sys.executable, "-m", "plugsmith", "run", "--help"], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0
    assert "--target GLOB" in proc.stdout


def test_linux_x86_64_artifact_loads_and_runs(built: Path) -> None:
    """The one target this machine runs natively: dlopen it and call through the contract."""
    import ctypes
    import platform

    if platform.machine() != "x86_64" or sys.platform != "linux":
        # A host fact, not a tool, but gated the same way: CI runs on x86_64 Linux, so there
        # this test must run; elsewhere it skips.
        missing_tool("runtime check needs an x86_64 Linux host")
    lib = ctypes.CDLL(str(built / "dist/linux-x86_64/libgreet.so"))
    lib.greet_version.restype = ctypes.c_char_p
    assert lib.greet_add(2, 3) == 5
    assert lib.greet_scale(7) == 21
    assert lib.greet_version() == b"1.1.0"
    assert ctypes.c_int.in_dll(lib, "greet_api_level").value == 2
    assert ctypes.c_char_p(ctypes.addressof(ctypes.c_char.in_dll(lib, "greet_banner"))).value == b"greet example plugin"
    with pytest.raises(AttributeError):
        lib.util_clamp  # noqa: B018 - hidden by the version script
