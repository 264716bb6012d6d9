"""The runner table (policy as data) and the decision it drives, without running anything; and the
runtime stage called directly on real artifacts."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.runtime.conftest import ARTIFACT, CONTRACT, require_runner, target

from plugsmith.contract import load as load_contract
from plugsmith.inspection import inspect_file
from plugsmith.platforms import ARCHES
from plugsmith.runtime import RUNNERS, Loader, LoadTarget, NotRunnable, Runnable, choose, host_source

X86 = ("linux", "x86_64")


def test_every_buildable_target_has_a_runner_row() -> None:
    pairs = {(r.os, r.arch) for r in RUNNERS}
    assert {(a.os, a.arch) for a in ARCHES} <= pairs
    for row in RUNNERS:
        assert row.evidence, row
        assert (row.not_run is None) == (row.host is not None and row.host_triple is not None), row
        keys = {t.key for t in row.tools}
        assert all(t.packages for t in row.tools), row
        placeholders = {part[1:-1] for part in row.command if part.startswith("{")}
        assert placeholders <= keys | {"host", "lib"}, row


def test_choose_native_emulated_and_impossible() -> None:
    env = {"PATH": "/usr/bin:/bin"}
    native = choose(target("linux-x86_64"), machine=X86, env=env)
    assert isinstance(native, Runnable) and native.name == "native" and native.tools == ()
    assert native.argv(Path("/h"), "/l.so") == ["/h", "/l.so"]
    on_arm = choose(target("linux-aarch64"), machine=("linux", "aarch64"), env=env)
    assert isinstance(on_arm, Runnable) and on_arm.name == "native"
    assert choose(target("macos-aarch64"), machine=X86, env=env) == NotRunnable(reason="no macOS runtime on Linux")
    assert choose(target("windows-x86"), machine=X86, env=env) == NotRunnable(
        reason="32-bit Windows needs wine32 (i386 multiarch); plugsmith load does not set that up")
    assert choose(target("linux-x86_64"), machine=("macos", "aarch64"), env=env) == NotRunnable(
        reason="plugsmith load runs on Linux only (this is macos-aarch64)")
    musl = LoadTarget(name="linux-x86_64-musl", os="linux", arch="x86_64", libc="musl")
    assert choose(musl, machine=X86, env=env) == NotRunnable(
        reason="musl artifacts are not run yet (the host programs use glibc)")
    assert choose(target("linux-sparc64"), machine=X86, env=env) == NotRunnable(reason="no runner for linux-sparc64")


def test_choose_reports_every_missing_tool_with_its_packages(tmp_path: Path) -> None:
    decision = choose(target("linux-riscv64"), machine=X86,
                      env={"PATH": str(tmp_path), "PLUGSMITH_SYSROOT_RISCV64": ""})
    assert decision == NotRunnable(
        reason="qemu-riscv64 and riscv64 glibc (/usr/riscv64-linux-gnu/lib/ld-linux-riscv64-lp64d.so.1) not "
               "installed (PLUGSMITH_SYSROOT_RISCV64='') "
               "(apt-get install --no-install-recommends libc6-riscv64-cross qemu-user)")


def test_env_override_points_at_another_tool(tmp_path: Path) -> None:
    fake = tmp_path / "my-qemu"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    loader = tmp_path / "sys" / "lib" / "ld-linux-aarch64.so.1"
    loader.parent.mkdir(parents=True)
    loader.write_bytes(b"")
    decision = choose(target("linux-aarch64"), machine=X86,
                      env={"PATH": "", "PLUGSMITH_QEMU_AARCH64": str(fake), "PLUGSMITH_SYSROOT_AARCH64": str(loader)})
    assert isinstance(decision, Runnable)
    assert decision.argv(Path("/h"), "/l.so") == [str(fake), "-L", str(tmp_path / "sys"), "/h", "/l.so"]


def test_host_sources_use_the_platform_loader() -> None:
    assert "dlopen(argv[1], RTLD_NOW" in host_source("dl") and "dlsym(" in host_source("dl")
    assert "LoadLibraryA(argv[1])" in host_source("win32") and "GetProcAddress(" in host_source("win32")


@pytest.mark.parametrize("name", ["linux-x86_64", "linux-aarch64"])
def test_loader_direct_resolves_data_and_functions(built: Path, load_work: Path, name: str) -> None:
    require_runner(name)
    os_name, arch = name.split("-")
    contract = load_contract(built / "symbols/greet.symbols").for_target(name, os_name, arch)
    artifact = built / ARTIFACT[name]
    result = Loader(load_work).load(artifact, inspect_file(artifact)[0], contract, target(name), plugin="greet")
    assert (result.status, result.resolved, result.unresolved, result.reason) == ("passed", CONTRACT, (), "")
    kinds = {s.name: s.kind for s in contract.symbols}
    assert [n for n in result.resolved if kinds[n] == "data"] == ["greet_banner", "greet_api_level"]
    assert result.ok and result.command[-5:] == CONTRACT


def test_loader_with_another_arch_library_fails(built: Path, load_work: Path) -> None:
    """An x86_64 .so handed to the aarch64 loader: glibc refuses it (and says so in its own words)."""
    require_runner("linux-aarch64")
    os_name, arch = "linux", "aarch64"
    contract = load_contract(built / "symbols/greet.symbols").for_target("linux-aarch64", os_name, arch)
    artifact = built / ARTIFACT["linux-x86_64"]
    result = Loader(load_work).load(artifact, None, contract, target("linux-aarch64"))
    assert result.status == "failed"
    assert result.reason.startswith(f"does not load: {artifact.resolve()}: ")
    assert result.unresolved == CONTRACT and result.resolved == ()
