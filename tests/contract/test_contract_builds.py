"""Real builds of the multi-version demo plugin (linux x86_64 + aarch64, macOS x86_64, Windows
x86_64) prove the contract semantics end to end: ``name@@NODE`` on ELF, conditional symbols only
on their targets, fixed ordinals and NONAME on the DLL, DATA exports, removed symbols gone. Each
check has a negative twin: the same artifacts verified against a contract that says otherwise."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from contract_helpers import DEMO_CONTRACT, TARGETS, Project, zig_env
from tests.conftest import MACHO_LINKER_NAMES, Cli, llvm_exports, llvm_tool, run_tool

from plugsmith.contract import parse
from plugsmith.inspection import inspect_file
from plugsmith.maps import render
from plugsmith.platforms import linker_allowance
from plugsmith.verify import Subject, TargetResult, Verdict, check

EXPECTED = {
    "linux-x86_64": {"demo_add", "demo_banner", "demo_scale", "demo_level", "demo_posix", "demo_fast", "demo_mul"},
    "linux-aarch64": {"demo_add", "demo_banner", "demo_scale", "demo_level", "demo_posix", "demo_mul"},
    "macos-x86_64": {"demo_add", "demo_banner", "demo_scale", "demo_level", "demo_posix", "demo_fast", "demo_mul"},
    "windows-x86_64": {"demo_add", "demo_banner", "demo_scale", "demo_level", "#9", "demo_fast", "demo_mul"},
}
NODES = {"demo_add": "DEMO_1.0", "demo_banner": "DEMO_1.0", "demo_scale": "DEMO_1.1", "demo_level": "DEMO_1.1",
         "demo_posix": "DEMO_1.1", "demo_fast": "DEMO_2.0", "demo_mul": "DEMO_2.0"}


def exports(project: Project, target: str) -> dict[str, object]:
    (ins,) = inspect_file(project.artifact(target))
    allowance = linker_allowance(ins.format)
    return {e.name: e for e in ins.exports if e.name not in allowance}


def verify_with(project: Project, contract_text: str) -> Verdict:
    contract = parse(contract_text, "symbols/demo.symbols")
    subjects = []
    for target in TARGETS:
        os_name, arch = target.split("-")
        for ins in inspect_file(project.artifact(target)):
            subjects.append(Subject(plugin="demo", target=target, inspection=ins, contract=contract,
                                    expect_os=os_name, expect_arch=arch))
    return check(subjects)


def result(verdict: Verdict, target: str) -> TargetResult:
    return next(t for t in verdict.targets if t.target == target)


@pytest.mark.parametrize("target", TARGETS)
def test_each_target_exports_exactly_its_filtered_contract(demo_release: Project, target: str) -> None:
    assert set(exports(demo_release, target)) == EXPECTED[target]
    # the oracle: LLVM's reading of the same file, with what zig's Mach-O linker adds spelled out here
    linker = MACHO_LINKER_NAMES if target.startswith("macos") else frozenset()
    assert llvm_exports(demo_release.artifact(target)) == EXPECTED[target] | linker


@pytest.mark.parametrize("target", ["linux-x86_64", "linux-aarch64"])
def test_elf_exports_carry_their_node_as_default_version(demo_release: Project, target: str) -> None:
    found = exports(demo_release, target)
    assert {n: (e.version, e.default_version) for n, e in found.items()} == {  # type: ignore[attr-defined]
        n: (NODES[n], True) for n in EXPECTED[target]}


def test_elf_versions_seen_by_llvm_readelf(demo_release: Project) -> None:
    out = run_tool([llvm_tool("llvm-readelf"), "--dyn-syms", "--version-info",
                    str(demo_release.artifact("linux-x86_64"))])
    assert set(re.findall(r"\b(demo_\w+@@DEMO_[\d.]+)", out)) == {f"{n}@@{NODES[n]}" for n in EXPECTED["linux-x86_64"]}
    # one version definition per node; lld (zig's linker) takes the chained script but writes no
    # predecessor entries (vd_cnt 1), as measured here: the chain is not visible in the binary.
    defs = re.findall(r"Flags: none\s+Index: \d+\s+Cnt: (\d+)\s+Name: (\S+)", out)
    assert defs == [("1", "DEMO_1.0"), ("1", "DEMO_1.1"), ("1", "DEMO_2.0")]


def test_dll_has_fixed_ordinals_and_a_noname_export(demo_release: Project) -> None:
    found = exports(demo_release, "windows-x86_64")
    ordinals = {n: e.ordinal for n, e in found.items()}  # type: ignore[attr-defined]
    # NONAME demo_win_hook is "#9" (by ordinal only); 3 (demo_old, removed) stays reserved
    # the unpinned ones take the next free ordinals after the highest pinned one
    assert ordinals == {"demo_add": 1, "demo_banner": 2, "demo_scale": 4, "#9": 9, "demo_fast": 10,
                        "demo_level": 11, "demo_mul": 12}


def test_dll_ordinals_seen_by_llvm_readobj(demo_release: Project) -> None:
    out = run_tool([llvm_tool("llvm-readobj"), "--coff-exports", str(demo_release.artifact("windows-x86_64"))])
    entries = re.findall(r"Ordinal: (\d+)\s+Name: (\S*)\s+RVA: (0x[0-9A-F]+)", out)
    live = {int(o): name for o, name, rva in entries if rva != "0x0"}
    assert live == {1: "demo_add", 2: "demo_banner", 4: "demo_scale", 9: "", 10: "demo_fast", 11: "demo_level",
                    12: "demo_mul"}


@pytest.mark.parametrize("target", ["linux-x86_64", "macos-x86_64", "windows-x86_64"])
def test_data_symbols_are_data_exports(demo_release: Project, target: str) -> None:
    found = exports(demo_release, target)
    kinds = {n: e.kind for n, e in found.items()}  # type: ignore[attr-defined]
    assert kinds["demo_banner"] == kinds["demo_level"] == "data"
    assert kinds["demo_add"] == kinds["demo_mul"] == "function"


def test_removed_symbol_is_built_but_exported_nowhere(demo_release: Project) -> None:
    for target in TARGETS:
        assert "demo_old" not in exports(demo_release, target)


def test_verify_accepts_the_release_and_names_contract_asymmetries(demo_release: Project) -> None:
    verdict = verify_with(demo_release, DEMO_CONTRACT)
    assert verdict.ok, verdict
    assert {(a.symbol, a.cause) for a in verdict.asymmetric} == {
        ("demo_fast", "contract"), ("demo_posix", "contract"), ("demo_win_hook", "contract")}
    pe = result(verdict, "windows-x86_64")
    assert "demo_win_hook" in pe.exported and pe.ordinal_mismatches == ()
    assert pe.notes == ("pe has no symbol versions: contract nodes DEMO_1.0, DEMO_1.1, DEMO_2.0 are recorded, "
                        "not checked",)
    assert dict(pe.nodes)["demo_win_hook"] == "DEMO_1.1"
    assert result(verdict, "linux-x86_64").notes == ()


# ---- negative twins: the same artifacts, a contract that says otherwise


def test_wrong_ordinal_is_an_ordinal_mismatch_on_the_dll_only(demo_release: Project) -> None:
    verdict = verify_with(demo_release, DEMO_CONTRACT.replace("demo_add        function  ordinal=1",
                                                              "demo_add        function  ordinal=5"))
    assert not verdict.ok
    mismatches = [(m.symbol, m.expected, m.actual) for m in result(verdict, "windows-x86_64").ordinal_mismatches]
    assert mismatches == [("demo_add", "ordinal 5", "ordinal 1")]
    assert all(result(verdict, t).ok for t in TARGETS if t != "windows-x86_64")


def test_noname_claimed_for_a_named_export_is_a_mismatch(demo_release: Project) -> None:
    verdict = verify_with(demo_release, DEMO_CONTRACT.replace("demo_scale      function  ordinal=4",
                                                              "demo_scale      function  ordinal=4 noname"))
    mismatches = [(m.symbol, m.expected, m.actual) for m in result(verdict, "windows-x86_64").ordinal_mismatches]
    assert mismatches == [("demo_scale", "NONAME (exported by ordinal only)", "exported by name (ordinal 4)")]


def test_nameless_export_of_a_named_symbol_is_a_mismatch(demo_release: Project) -> None:
    verdict = verify_with(demo_release, DEMO_CONTRACT.replace("ordinal=9 noname", "ordinal=9"))
    pe = result(verdict, "windows-x86_64")
    assert [(m.symbol, m.expected, m.actual) for m in pe.ordinal_mismatches] == [
        ("demo_win_hook", "exported by name", "NONAME (ordinal 9 only)")]


def test_nameless_export_the_contract_does_not_explain_is_leaked(demo_release: Project) -> None:
    verdict = verify_with(demo_release, DEMO_CONTRACT.replace("ordinal=9 noname", "ordinal=8 noname"))
    pe = result(verdict, "windows-x86_64")
    assert pe.missing == ("demo_win_hook",) and pe.leaked == ("#9",)


def test_moved_node_is_a_version_mismatch_on_elf_only(demo_release: Project) -> None:
    moved = DEMO_CONTRACT.replace("demo_mul        function\n", "").replace(
        "demo_level      data\n", "demo_level      data\ndemo_mul        function\n")
    verdict = verify_with(demo_release, moved)
    for target in ("linux-x86_64", "linux-aarch64"):
        assert [(m.symbol, m.expected, m.actual) for m in result(verdict, target).version_mismatches] == [
            ("demo_mul", "DEMO_1.1", "DEMO_2.0")]
    assert result(verdict, "macos-x86_64").ok and result(verdict, "windows-x86_64").ok


@pytest.mark.parametrize("target", TARGETS)
def test_wrong_kind_is_a_kind_mismatch_on_every_format(demo_release: Project, target: str) -> None:
    verdict = verify_with(demo_release, DEMO_CONTRACT.replace("demo_level      data", "demo_level      function"))
    assert [(m.symbol, m.expected, m.actual) for m in result(verdict, target).kind_mismatches] == [
        ("demo_level", "function", "data")]


def test_symbol_marked_removed_but_still_exported_is_leaked_with_a_note(demo_release: Project) -> None:
    text = DEMO_CONTRACT.replace("demo_mul        function", "demo_mul        function  removed=DEMO_3.0")
    verdict = verify_with(demo_release, text + "\n[DEMO_3.0] inherits DEMO_2.0\n")
    linux = result(verdict, "linux-x86_64")
    assert linux.leaked == ("demo_mul",)
    assert linux.notes == ("demo_mul is exported but the contract marks it removed=DEMO_3.0",)


def test_dropped_condition_makes_an_accidental_asymmetry(demo_release: Project) -> None:
    verdict = verify_with(demo_release, DEMO_CONTRACT.replace("demo_posix      function  only=linux,macos",
                                                              "demo_posix      function"))
    assert result(verdict, "windows-x86_64").missing == ("demo_posix",)
    assert ("demo_posix", "accident") in {(a.symbol, a.cause) for a in verdict.asymmetric}


def test_cli_verify_on_the_release(demo_release: Project, cli: Cli) -> None:
    res = cli("verify", "-C", str(demo_release.root), "--json")
    assert res.code == 0, res.err


def test_nodes_left_empty_on_a_target_still_link(tmp_path: Path) -> None:
    """A node whose symbols are all conditional to other targets is written empty; lld accepts it."""
    contract = parse("[V1]\nw function only=windows\n[V2] inherits V1\na function\n[V3] inherits V2\n"
                     "w2 function only=windows\n", "s").for_target("linux-x86_64", "linux", "x86_64")
    (tmp_path / "e.map").write_text(render("elf", contract, library="libe.so"))
    (tmp_path / "e.c").write_text("int a(void) { return 1; }\nint hidden(void) { return 2; }\n")
    subprocess.run([sys.executable, "-m", "ziglang", "cc", "-target", "x86_64-linux-gnu", "-shared", "-fPIC", "-o",
                    str(tmp_path / "libe.so"), str(tmp_path / "e.c"), f"-Wl,--version-script={tmp_path / 'e.map'}"],
                   check=True, capture_output=True, env=zig_env())
    (ins,) = inspect_file(tmp_path / "libe.so")
    assert [(e.name, e.version) for e in ins.exports] == [("a", "V2")]
