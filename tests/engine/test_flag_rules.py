"""platforms.FLAG_RULES: each row applied by plan.resolve (no zig), and its evidence checked with zig."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from build_helpers import Project, make_project, zig_env

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

def zigcc(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ziglang", "cc", *args], cwd=cwd, env=zig_env(),
                          capture_output=True, text=True, check=False, timeout=600)


@pytest.fixture(scope="module")
def objects(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("evidence")
    (root / "x.c").write_text("int ev_one(int x) { return x + 1; }\n")
    (root / "x.map").write_text("{ global: ev_one; local: *; };\n")
    (root / "x.def").write_text("EXPORTS\n    ev_one\n")
    for triple in ("x86_64-linux-gnu", "x86_64-windows-gnu"):
        assert zigcc("-target", triple, "-O2", "-fPIC", "-c", "x.c", "-o", f"{triple}.o", cwd=root).returncode == 0
    return root


def link_elf(root: Path, *extra: str, out: str = "x.so") -> subprocess.CompletedProcess[str]:
    return zigcc("-target", "x86_64-linux-gnu", "-shared", "-s", "-o", out, "x86_64-linux-gnu.o",
                 "-Wl,--version-script=x.map", "-Wl,-z,defs", *extra, cwd=root)


def test_evidence_zig_rejects_exclude_libs(objects: Path) -> None:
    res = link_elf(objects, "-Wl,--exclude-libs,ALL", out="bad.so")
    assert res.returncode != 0
    assert "unsupported linker arg: --exclude-libs" in res.stdout + res.stderr


def test_evidence_zig_has_no_libdl_for_windows(objects: Path) -> None:
    res = zigcc("-target", "x86_64-windows-gnu", "-shared", "-s", "-o", "x.dll", "x86_64-windows-gnu.o", "x.def",
                "-ldl", cwd=objects)
    assert res.returncode != 0
    assert 'unable to find dynamic system library "dl"' in res.stdout + res.stderr


@pytest.mark.parametrize("flag", ["-Wl,--no-undefined", "-static-libgcc", "-Wl,-O1"])
def test_evidence_dropped_elf_flags_change_no_byte(objects: Path, flag: str) -> None:
    assert link_elf(objects, out="base.so").returncode == 0
    assert link_elf(objects, flag, out="with.so").returncode == 0
    assert (objects / "base.so").read_bytes() == (objects / "with.so").read_bytes()


def test_evidence_pe_timestamp_needs_brepro(objects: Path) -> None:
    """The /Brepro row of LINK_FLAGS: the COFF TimeDateStamp is a content hash, not the clock."""
    import struct

    res = zigcc("-target", "x86_64-windows-gnu", "-shared", "-s", "-o", "r.dll", "x86_64-windows-gnu.o", "x.def",
                "-Wl,/Brepro", cwd=objects)
    assert res.returncode == 0, res.stdout + res.stderr
    data = (objects / "r.dll").read_bytes()
    (pe_offset,) = struct.unpack_from("<I", data, 0x3C)
    (stamp,) = struct.unpack_from("<I", data, pe_offset + 8)
    import time

    assert abs(stamp - time.time()) > 365 * 86400  # not a recent link time
