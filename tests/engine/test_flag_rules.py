"""platforms.FLAG_RULES: each row applied by plan.resolve (no zig), and its evidence checked with zig."""

from __future__ import annotations

import platform
import re
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from build_helpers import Project, make_project, zig_env
from tests.conftest import MACHO_LINKER_NAMES, llvm_exports, llvm_tool, missing_tool, run_tool

from plugsmith import matrix, plan
from plugsmith.errors import ConfigError
from plugsmith.platforms import ALL_FORMATS, FLAG_RULES, FlagRule

TARGET_OF = {"elf": "linux-x86_64", "macho": "macos-aarch64", "pe": "windows-x86_64"}


def sample(rule: FlagRule) -> str:
    return rule.patterns[0].replace("*", "ALL")


def resolve(project: Project, kind: str, flag: str) -> plan.Plan:
    extra = {"extra_cflags": [flag]} if kind == "cflags" else {"extra_ldflags": [flag]}
    return plan.resolve(matrix.load(project.config), env={}, **extra)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return make_project(tmp_path_factory.mktemp("rules") / "proj")


@pytest.mark.parametrize("rule", FLAG_RULES, ids=[r.patterns[0] for r in FLAG_RULES])
def test_each_rule_applies_to_its_formats_only(three: Project, rule: FlagRule) -> None:
    flag = sample(rule)
    kind = rule.kinds[0]
    covered = [TARGET_OF[f] for f in rule.formats]
    if rule.action == "reject":
        with pytest.raises(ConfigError) as caught:
            resolve(three, kind, flag)
        (error,) = caught.value.errors
        assert f"--{kind[:-1]}: {kind[:-1]} '{flag}' cannot apply to target" in str(error)
        assert rule.reason in str(error)
        for target in TARGET_OF.values():
            assert (target in str(error)) == (target in covered)
        return
    jobs = resolve(three, kind, flag).jobs
    for job in jobs:
        values = [f.value for f in getattr(job, kind)]
        assert (flag in values) == (job.target.name not in covered)


def test_a_rejected_flag_names_its_file_line_and_every_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(tmp_path / "p")
    project.extra_yaml = "overrides:\n  - select: '*'\n    ldflags: [-ldl]\n"
    project.write_config()
    monkeypatch.chdir(project.root)
    with pytest.raises(ConfigError) as caught:
        plan.resolve(matrix.load(project.config), env={})
    assert str(caught.value.errors[0]) == (
        "build_matrix.yaml:15 override '*': ldflag '-ldl' cannot apply to target windows-x86_64: a POSIX library "
        "that does not exist on Windows; put it in an override for linux/macos only")


def test_flags_no_rule_names_pass_through(three: Project) -> None:
    for job in resolve(three, "ldflags", "-Wl,--gc-sections").jobs:
        assert "-Wl,--gc-sections" in [f.value for f in job.ldflags]
    assert set(ALL_FORMATS) == set(TARGET_OF)


# -- evidence: what zig itself does with these flags -------------------------------------------
# One test per FLAG_RULES row (EVIDENCE below keeps the count honest): each runs zig and shows the
# row's ``evidence`` claim. Each link runs in a folder of its own with the same output name, since
# Mach-O's ad-hoc code signature and a DLL's export directory record the file name.

TRIPLE = {"elf": "x86_64-linux-gnu", "macho": "aarch64-macos.11.0", "pe": "x86_64-windows-gnu"}
LIBRARY = {"elf": "x.so", "macho": "x.dylib", "pe": "x.dll"}


def zigcc(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ziglang", "cc", *args], cwd=cwd, env=zig_env(),
                          capture_output=True, text=True, check=False, timeout=600)


@pytest.fixture(scope="module")
def objects(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("evidence")
    (root / "x.c").write_text("int ev_one(int x) { return x + 1; }\nint ev_two(int x) { return x + 2; }\n")
    (root / "x.map").write_text("{ global: ev_one; local: *; };\n")
    (root / "x.def").write_text("EXPORTS\n    ev_one\n")
    for fmt, triple in TRIPLE.items():
        res = zigcc("-target", triple, "-O2", "-fPIC", "-c", "x.c", "-o", f"{fmt}.o", cwd=root)
        assert res.returncode == 0, res.stderr
    return root


def link(root: Path, fmt: str, folder: str, *extra: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Link ``fmt``.o as plugsmith does (LINK_FLAGS' rows spelled out) plus ``extra``, in ``root/folder``."""
    base = {"elf": (f"-Wl,--version-script={root / 'x.map'}", "-Wl,-z,defs"),
            "macho": ("-Wl,-install_name,@rpath/x.dylib",),
            "pe": (str(root / "x.def"), "-Wl,/Brepro")}[fmt]
    work = root / folder
    work.mkdir()
    res = zigcc("-target", TRIPLE[fmt], "-shared", "-s", "-o", LIBRARY[fmt], str(root / f"{fmt}.o"), *base, *extra,
                cwd=work)
    return res, work / LIBRARY[fmt]


def same_bytes_with_and_without(root: Path, fmt: str, flag: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Link without and with ``flag``: both succeed and the library is byte-identical."""
    name = re.sub(r"[^A-Za-z0-9]+", "_", flag)
    res, plain = link(root, fmt, f"{fmt}-without{name}")
    assert res.returncode == 0, res.stderr
    res, flagged = link(root, fmt, f"{fmt}-with{name}", flag)
    assert res.returncode == 0, res.stderr
    assert flagged.read_bytes() == plain.read_bytes()
    return res, flagged


@pytest.mark.slow
def test_evidence_zig_rejects_exclude_libs(objects: Path) -> None:
    res, built = link(objects, "elf", "exclude-libs", "-Wl,--exclude-libs,ALL")
    assert res.returncode == 1
    assert "error: unsupported linker arg: --exclude-libs" in res.stderr
    assert not built.exists()


@pytest.mark.slow
def test_evidence_zig_ignores_exported_symbols_list_on_macho(objects: Path) -> None:
    (objects / "only-one.txt").write_text("_ev_one\n")
    res, built = link(objects, "macho", "exported-list", f"-Wl,-exported_symbols_list,{objects / 'only-one.txt'}")
    assert res.returncode == 0, res.stderr
    assert llvm_exports(built) == {"ev_one", "ev_two"} | MACHO_LINKER_NAMES  # the list asked for ev_one only


@pytest.mark.slow
def test_evidence_a_second_version_script_widens_the_contracts(objects: Path) -> None:
    (objects / "wide.map").write_text("{ global: ev_two; };\n")
    res, plain = link(objects, "elf", "one-script")
    assert res.returncode == 0, res.stderr
    res, widened = link(objects, "elf", "two-scripts", f"-Wl,--version-script={objects / 'wide.map'}")
    assert res.returncode == 0, res.stderr
    assert (llvm_exports(plain), llvm_exports(widened)) == ({"ev_one"}, {"ev_one", "ev_two"})


def soname(path: Path) -> list[str]:
    table = run_tool([llvm_tool("llvm-readobj"), "--dynamic-table", str(path)])
    return re.findall(r"SONAME\s+Library soname: \[(.+)\]", table)


@pytest.mark.slow
def test_evidence_the_last_soname_wins(objects: Path) -> None:
    res, built = link(objects, "elf", "soname", "-Wl,-soname,libx.so", "-Wl,-soname,libuser.so")
    assert res.returncode == 0, res.stderr
    assert soname(built) == ["libuser.so"]
    res, built = link(objects, "elf", "soname-plugsmith", "-Wl,-soname,libx.so")
    assert soname(built) == ["libx.so"]


@pytest.mark.slow
@pytest.mark.parametrize("flag", ["-Wl,--no-undefined", "-Wl,-z,defs", "-static-libgcc", "-Wl,-O1"])
def test_evidence_dropped_elf_flags_change_no_byte(objects: Path, flag: str) -> None:
    res, _ = same_bytes_with_and_without(objects, "elf", flag)
    if flag == "-Wl,-O1":
        assert "ignoring deprecated linker optimization setting" in res.stderr


@pytest.mark.slow
def test_evidence_rpath_is_accepted_and_ignored_for_a_dll(objects: Path) -> None:
    same_bytes_with_and_without(objects, "pe", "-Wl,-rpath,/opt/plugins")


@pytest.mark.slow
def test_evidence_zig_has_no_libdl_for_windows(objects: Path) -> None:
    res, built = link(objects, "pe", "ldl", "-ldl")
    assert res.returncode == 1
    assert 'unable to find dynamic system library "dl"' in res.stderr
    assert not built.exists()


FEATURES = {"sse4_2": "__SSE4_2__", "popcnt": "__POPCNT__", "avx": "__AVX__", "avx2": "__AVX2__",
            "bmi2": "__BMI2__", "avx512f": "__AVX512F__"}


@pytest.mark.slow
def test_evidence_native_is_the_build_machines_cpu(objects: Path) -> None:
    """-march=native with -target x86_64-linux-gnu enables what this machine's CPU has (its
    /proc/cpuinfo flags), where the plain target is baseline x86_64 (none of these features)."""
    if platform.machine() != "x86_64" or not Path("/proc/cpuinfo").is_file():
        missing_tool("the -march=native evidence needs an x86_64 Linux host (CI is one)")  # a host fact
    flags = set(next(line for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("flags")).split(":", 1)[1].split())
    host = {macro for flag, macro in FEATURES.items() if flag in flags}
    assert host, "this x86_64 host has none of the features the test looks for"
    (objects / "empty.c").write_text("")

    def macros(*extra: str) -> set[str]:
        res = zigcc("-target", TRIPLE["elf"], *extra, "-dM", "-E", "empty.c", cwd=objects)
        assert res.returncode == 0, res.stderr
        return {m for m in FEATURES.values() if f"#define {m} 1" in res.stdout.splitlines()}

    assert macros() == set()
    assert macros("-march=native") == host


@pytest.mark.slow
def test_evidence_the_triple_sets_the_macos_minimum(objects: Path) -> None:
    _, built = same_bytes_with_and_without(objects, "macho", "-mmacosx-version-min=13.0")
    headers = run_tool([llvm_tool("llvm-objdump"), "--macho", "--private-headers", str(built)])
    assert re.findall(r"minos (\S+)", headers) == ["11.0"]  # the triple's, not the flag's 13.0


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["elf", "macho"])
def test_evidence_subsystem_is_accepted_and_ignored_off_windows(objects: Path, fmt: str) -> None:
    same_bytes_with_and_without(objects, fmt, "-Wl,--subsystem,windows")


#: Each FLAG_RULES row (by its first pattern) and the tests above that show its evidence.
EVIDENCE = {
    "-Wl,--exclude-libs*": [test_evidence_zig_rejects_exclude_libs],
    "-Wl,--version-script*": [test_evidence_zig_ignores_exported_symbols_list_on_macho,
                              test_evidence_a_second_version_script_widens_the_contracts],
    "-Wl,-soname*": [test_evidence_the_last_soname_wins],
    "-Wl,--no-undefined": [test_evidence_dropped_elf_flags_change_no_byte],
    "-Wl,-rpath*": [test_evidence_rpath_is_accepted_and_ignored_for_a_dll],
    "-ldl": [test_evidence_zig_has_no_libdl_for_windows],
    "-march=native": [test_evidence_native_is_the_build_machines_cpu],
    "-mmacosx-version-min=*": [test_evidence_the_triple_sets_the_macos_minimum],
    "-Wl,--subsystem*": [test_evidence_subsystem_is_accepted_and_ignored_off_windows],
}


def test_every_flag_rule_has_its_evidence_test() -> None:
    assert list(EVIDENCE) == [rule.patterns[0] for rule in FLAG_RULES]


# -- LINK_FLAGS' /Brepro: without it two links of the same DLL differ --------------------------

def coff_timestamp_offset(data: bytes) -> int:
    (pe_offset,) = struct.unpack_from("<I", data, 0x3C)
    return pe_offset + 8  # PE signature (4), Machine (2), NumberOfSections (2), then TimeDateStamp


@pytest.mark.slow
def test_evidence_without_brepro_two_links_differ_in_the_timestamp(objects: Path) -> None:
    """The claim in LINK_FLAGS' comment: the COFF TimeDateStamp is the link time unless /Brepro."""
    builds = []
    for n in range(2):
        work = objects / f"no-brepro-{n}"
        work.mkdir()
        res = zigcc("-target", TRIPLE["pe"], "-shared", "-s", "-o", "x.dll", str(objects / "pe.o"),
                    str(objects / "x.def"), cwd=work)
        assert res.returncode == 0, res.stderr
        builds.append((work / "x.dll").read_bytes())
        time.sleep(1.1)  # the stamp counts seconds: the second link is a different second
    first, second = builds
    at = coff_timestamp_offset(first)
    assert len(first) == len(second)
    assert {i for i in range(len(first)) if first[i] != second[i]} <= set(range(at, at + 4))
    assert first[at:at + 4] != second[at:at + 4]


@pytest.mark.slow
def test_evidence_with_brepro_two_links_are_identical(objects: Path) -> None:
    first = link(objects, "pe", "brepro-0")
    time.sleep(1.1)
    second = link(objects, "pe", "brepro-1")
    assert first[0].returncode == second[0].returncode == 0
    assert first[1].read_bytes() == second[1].read_bytes()
