"""``plugsmith load`` on real artifacts: native ELF, ELF under qemu-user, PE under wine64; macOS and
Windows on Arm reported as not run. Every check has its negative twin."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import Cli
from tests.runtime.conftest import ARTIFACT, CONTRACT, NOT_RUN, RUNNABLE, TARGETS, require_runner

EXTRA = "greet_extra        function\ngreet_extra_data   data\n"


def by_target(out: str) -> dict[str, dict[str, Any]]:
    doc = json.loads(out)
    assert doc["version"] == 1
    return {r["target"]: r for r in doc["results"]}


def load(cli: Cli, root: Path, work: Path, *args: str) -> Any:
    return cli("load", "--work", str(work), *args, cwd=root)


def targets(*names: str) -> list[str]:
    return [arg for name in names for arg in ("-t", name)]


def test_every_target_loads_or_says_why_not(cli: Cli, built: Path, load_work: Path) -> None:
    for name in RUNNABLE:
        require_runner(name)
    res = load(cli, built, load_work, "--json", *targets(*TARGETS))
    assert res.code == 0, res.out + res.err
    doc = json.loads(res.out)
    assert doc["ok"] is True
    assert doc["counts"] == {"passed": 3, "failed": 0, "not-run": 2}
    results = by_target(res.out)
    assert sorted(results) == sorted(TARGETS)
    for name, runner in RUNNABLE.items():
        r = results[name]
        assert (r["status"], r["runner"], r["reason"]) == ("passed", runner, "")
        assert r["artifact"] == ARTIFACT[name]
        # every contract symbol, functions and the two data symbols, resolved by the loader itself
        assert r["resolved"] == list(CONTRACT)
        assert r["unresolved"] == []
        assert r["output"].splitlines() == [f"ok {s}" for s in CONTRACT]
    for name, reason in NOT_RUN.items():
        r = results[name]
        assert (r["status"], r["runner"], r["reason"], r["resolved"]) == ("not-run", "none", reason, [])


def test_text_report(cli: Cli, built: Path, load_work: Path) -> None:
    for name in RUNNABLE:
        require_runner(name)
    res = load(cli, built, load_work, *targets(*TARGETS))
    assert res.code == 0, res.out + res.err
    assert res.out.splitlines() == [
        "linux-x86_64: passed: 5/5 symbols resolved (native) dist/linux-x86_64/libgreet.so",
        "linux-aarch64: passed: 5/5 symbols resolved (qemu-aarch64) dist/linux-aarch64/libgreet.so",
        "macos-aarch64: not run: no macOS runtime on Linux",
        "windows-x86_64: passed: 5/5 symbols resolved (wine64) dist/windows-x86_64/greet.dll",
        "windows-aarch64: not run: no Windows-on-Arm runtime on Linux (wine runs x86 programs only)",
        "load: 3 passed, 0 failed, 2 not run (not run is not passed: --require-all makes it a failure)",
    ]


def test_require_all_makes_not_run_a_failure(cli: Cli, built: Path, load_work: Path) -> None:
    plain = load(cli, built, load_work, *targets("macos-aarch64", "windows-aarch64"))
    assert plain.code == 0
    strict = load(cli, built, load_work, "--require-all", "--json", *targets("macos-aarch64", "windows-aarch64"))
    assert strict.code == 1
    doc = json.loads(strict.out)
    assert (doc["ok"], doc["require_all"], doc["counts"]) == (False, True, {"passed": 0, "failed": 0, "not-run": 2})


@pytest.mark.parametrize("name", sorted(RUNNABLE))
def test_missing_symbol_is_reported_per_format(cli: Cli, built: Path, load_work: Path, tmp_path: Path,
                                               name: str) -> None:
    require_runner(name)
    contract = tmp_path / "greet.symbols"
    contract.write_text((built / "symbols/greet.symbols").read_text() + EXTRA)
    artifact = built / ARTIFACT[name]
    res = cli("load", "--work", str(load_work), "--json", "--contract", str(contract), str(artifact))
    assert res.code == 1, res.out + res.err
    (r,) = by_target(res.out).values()
    assert (r["target"], r["status"], r["runner"]) == (name, "failed", RUNNABLE[name])
    assert r["resolved"] == list(CONTRACT)
    assert r["unresolved"] == ["greet_extra", "greet_extra_data"]
    assert r["reason"] == "missing greet_extra, greet_extra_data"
    assert "missing greet_extra\nmissing greet_extra_data" in r["output"]
    text = cli("load", "--work", str(load_work), "--contract", str(contract), str(artifact))
    assert text.code == 1
    assert text.out.splitlines()[1:] == ["  missing greet_extra", "  missing greet_extra_data",
                                         "load: 0 passed, 1 failed, 0 not run"]
    assert text.out.startswith(f"{name}: failed: ")


def test_missing_symbol_in_the_project_contract(cli: Cli, project: Path, load_work: Path) -> None:
    require_runner("linux-x86_64")
    contract = project / "symbols/greet.symbols"
    contract.write_text(contract.read_text() + EXTRA)  # edited after the build: dist/ lacks them
    res = load(cli, project, load_work, "-t", "linux-x86_64")
    assert res.code == 1
    assert res.out.splitlines() == [
        "linux-x86_64: failed: dist/linux-x86_64/libgreet.so (native): missing greet_extra, greet_extra_data",
        "  missing greet_extra",
        "  missing greet_extra_data",
        "load: 0 passed, 1 failed, 0 not run",
    ]


#: What each loader says about a library cut to 200 bytes.
TRUNCATED = {
    "linux-x86_64": "does not load: {path}: cannot read file data",
    "linux-aarch64": "does not load: {path}: cannot read file data",
    "windows-x86_64": "does not load: LoadLibrary failed: error 193: Bad EXE format for %1.",
}


@pytest.mark.parametrize("name", sorted(TRUNCATED))
def test_truncated_library_fails_with_the_loaders_message(cli: Cli, project: Path, load_work: Path,
                                                          name: str) -> None:
    require_runner(name)
    artifact = project / ARTIFACT[name]
    artifact.write_bytes(artifact.read_bytes()[:200])
    res = load(cli, project, load_work, "--json", "-t", name)
    assert res.code == 1, res.out + res.err
    r = by_target(res.out)[name]
    assert r["status"] == "failed"
    assert r["reason"] == TRUNCATED[name].format(path=artifact.resolve())
    assert r["resolved"] == []
    assert r["unresolved"] == list(CONTRACT)


def test_truncated_artifact_named_on_the_command_line(cli: Cli, project: Path, load_work: Path) -> None:
    artifact = project / ARTIFACT["linux-x86_64"]
    artifact.write_bytes(artifact.read_bytes()[:200])
    res = cli("load", "--work", str(load_work), "--contract", str(project / "symbols/greet.symbols"), str(artifact))
    assert res.code == 1
    first = res.out.splitlines()[0]
    assert first.startswith("?: failed: ") and ": cannot tell its target: malformed ELF" in first


@pytest.mark.parametrize(("name", "env", "value", "line"), [
    ("linux-aarch64", "PLUGSMITH_QEMU_AARCH64", "",
     "linux-aarch64: not run: qemu-aarch64 not installed (PLUGSMITH_QEMU_AARCH64='') "
     "(apt-get install --no-install-recommends qemu-user)"),
    ("linux-aarch64", "PLUGSMITH_SYSROOT_AARCH64", "/nonexistent/lib/ld-linux-aarch64.so.1",
     "linux-aarch64: not run: aarch64 glibc (/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1) not installed "
     "(PLUGSMITH_SYSROOT_AARCH64='/nonexistent/lib/ld-linux-aarch64.so.1') "
     "(apt-get install --no-install-recommends libc6-arm64-cross)"),
    ("windows-x86_64", "PLUGSMITH_WINE64", "",
     "windows-x86_64: not run: wine64 not installed (PLUGSMITH_WINE64='') "
     "(apt-get install --no-install-recommends wine64)"),
])
def test_missing_tool_is_not_run_with_the_install_hint(cli: Cli, built: Path, load_work: Path,
                                                       monkeypatch: pytest.MonkeyPatch, name: str, env: str,
                                                       value: str, line: str) -> None:
    monkeypatch.setenv(env, value)
    if env.startswith("PLUGSMITH_SYSROOT_"):  # only the sysroot is missing: any executable stands in for qemu
        monkeypatch.setenv("PLUGSMITH_QEMU_AARCH64", sys.executable)
    res = load(cli, built, load_work, "-t", name)
    assert res.code == 0, res.out + res.err
    assert res.out.splitlines() == [line, "load: 0 passed, 0 failed, 1 not run (not run is not passed: "
                                          "--require-all makes it a failure)"]
    assert load(cli, built, load_work, "--require-all", "-t", name).code == 1


def test_qemu_not_on_path(cli: Cli, built: Path, load_work: Path, tmp_path: Path,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no qemu-aarch64 anywhere on PATH
    monkeypatch.delenv("PLUGSMITH_QEMU_AARCH64", raising=False)
    res = load(cli, built, load_work, "--json", "-t", "linux-aarch64")
    assert res.code == 0
    r = by_target(res.out)["linux-aarch64"]
    assert (r["status"], r["reason"]) == (
        "not-run", "qemu-aarch64 not installed (apt-get install --no-install-recommends qemu-user)")


def test_artifact_not_built(cli: Cli, example: Path, load_work: Path) -> None:
    res = load(cli, example, load_work, *targets("linux-x86_64", "macos-aarch64"))
    assert res.code == 1
    assert res.out.splitlines() == [
        "linux-x86_64: failed: dist/linux-x86_64/libgreet.so: dist/linux-x86_64/libgreet.so does not exist "
        "(run 'plugsmith build')",
        "macos-aarch64: not run: no macOS runtime on Linux",
        "load: 0 passed, 1 failed, 1 not run (not run is not passed: --require-all makes it a failure)",
    ]


def test_usage_errors(cli: Cli, built: Path, load_work: Path) -> None:
    no_contract = cli("-C", str(built), "load", str(built / ARTIFACT["linux-x86_64"]))
    assert no_contract.code == 2
    assert "ARTIFACTs need --contract FILE" in no_contract.err
    no_artifacts = cli("-C", str(built), "load", "--contract", str(built / "symbols/greet.symbols"))
    assert no_artifacts.code == 2
    assert "--contract needs ARTIFACTs to load" in no_artifacts.err
    bad_timeout = cli("-C", str(built), "load", "--timeout", "0")
    assert bad_timeout.code == 2
    assert "--timeout: expected a positive number of seconds" in bad_timeout.err
    assert "Traceback" not in no_contract.err + no_artifacts.err + bad_timeout.err


def test_unusable_work_folder_is_not_run_never_a_traceback(cli: Cli, built: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    res = cli("load", "--work", str(blocker / "sub"), "--require-all", "-t", "linux-x86_64", cwd=built)
    assert res.code == 1
    first = res.out.splitlines()[0]
    assert first.startswith("linux-x86_64: not run: cannot build the load host for x86_64-linux-gnu: ")
    assert first.endswith(": Not a directory")
    assert "Traceback" not in res.err
