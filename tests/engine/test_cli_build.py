"""``plugsmith build`` as a user runs it: progress lines, -v commands, one job's own error, logs."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import threading

import pytest
from build_helpers import Project, cli, zig_env
from tests.conftest import MACHO_LINKER_NAMES, llvm_exports

pytestmark = pytest.mark.slow  # every test builds the three-format project

WINDOWS_ONLY_ERROR = ('#include "common.h"\n#ifdef _WIN32\n#error this plugin does not build on windows yet\n'
                      '#endif\nint demo_b(int x) { return helper(x) * SCALE; }\n')


def test_plain_progress_and_the_no_op_summary(project: Project) -> None:
    first = cli(project.root, "build", "--no-progress", "-j2")
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == ["dist/linux-x86_64/libdemo.so", "dist/macos-aarch64/libdemo.dylib",
                                    "dist/windows-x86_64/demo.dll"]
    for artifact in first.stdout.split():  # LLVM's reading, not plugsmith's: the contract and nothing else
        linker = MACHO_LINKER_NAMES if artifact.endswith(".dylib") else frozenset()
        assert llvm_exports(project.root / artifact) == {"demo_a", "demo_b"} | linker, artifact
    assert "building demo@linux-x86_64 (x86_64-linux-gnu.2.17)" in first.stderr
    assert "[3/3]" in first.stderr
    second = cli(project.root, "build", "--no-progress")
    assert second.returncode == 0
    assert "3 of 3 jobs up to date (nothing to do; --force rebuilds)" in second.stderr
    assert "building" not in second.stderr
    forced = cli(project.root, "build", "--no-progress", "--force", "-v")
    assert forced.stderr.count("  $ ") == 12  # 3 targets x (3 compiles + 1 link)


def test_verbose_commands_are_copy_pasteable(project: Project) -> None:
    run = cli(project.root, "build", "--no-progress", "-v", "-t", "linux-x86_64")
    commands = [line[4:] for line in run.stderr.splitlines() if line.startswith("  $ ")]
    assert len(commands) == 4
    compile_cmd = next(c for c in commands if " -c " in c)
    again = subprocess.run(shlex.split(compile_cmd), cwd="/", env=zig_env(), capture_output=True, text=True,
                           check=False)
    assert again.returncode == 0, again.stdout + again.stderr


def test_a_failed_target_prints_only_its_own_compiler_error(project: Project) -> None:
    project.write("src/b.c", WINDOWS_ONLY_ERROR)
    run = cli(project.root, "build", "--no-progress", "--keep-going", "-j2")
    assert run.returncode == 3
    assert run.stderr.count("error: this plugin does not build on windows yet") == 1
    assert "plugsmith: error: demo@windows-x86_64: compiling b.c failed (zig exit 1)" in run.stderr
    assert "log: build/windows-x86_64/demo/build.log" in run.stderr
    assert "error: demo@linux" not in run.stderr and "error: demo@macos" not in run.stderr
    assert (project.dist / "linux-x86_64" / "libdemo.so").is_file()
    assert (project.dist / "macos-aarch64" / "libdemo.dylib").is_file()
    assert not (project.dist / "windows-x86_64").exists()
    log = (project.root / "build/windows-x86_64/demo/build.log").read_text()
    assert "this plugin does not build on windows yet" in log and "$ " in log


def test_without_keep_going_the_build_stops_and_says_what_was_not_built(project: Project) -> None:
    """The first job (linux, in matrix order) fails; with -j1 the other two never start."""
    project.write("src/b.c", WINDOWS_ONLY_ERROR.replace("_WIN32", "__linux__").replace("on windows", "on linux"))
    run = cli(project.root, "build", "--no-progress", "-j1")
    assert run.returncode == 3
    lines = [line for line in run.stderr.splitlines() if line.startswith("plugsmith: ")]
    assert lines == ["plugsmith: error: demo@linux-x86_64: compiling b.c failed (zig exit 1)",
                     "plugsmith: 2 job(s) not built after the failure: demo@macos-aarch64, demo@windows-x86_64 "
                     "(--keep-going builds them)"]
    assert not project.dist.exists()


def test_bad_jobs_value_is_a_usage_error(project: Project) -> None:
    run = cli(project.root, "build", "-j", "0")
    assert run.returncode == 2
    assert run.stderr.splitlines()[-1] == "plugsmith: error: argument -j/--jobs: expected at least 1 job, got 0"


def test_live_progress_on_a_terminal(project: Project) -> None:
    main, follower = os.openpty()
    chunks: list[bytes] = []

    def drain() -> None:  # read while it runs: a full pty buffer would block the build
        while True:
            try:
                data = os.read(main, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        proc = subprocess.run([sys.executable, "-m", "plugsmith", "build", "-j2"], cwd=project.root,
                              env={**zig_env(), "TERM": "xterm", "COLUMNS": "120"}, stdout=subprocess.PIPE,
                              stderr=follower, timeout=300, check=False)
    finally:
        os.close(follower)
        reader.join(timeout=10)
        os.close(main)
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0
    assert "jobs" in screen and "3/3" in screen
    assert "ok" in screen and "demo@macos-aarch64" in screen
    assert "building demo@" not in screen  # not the plain lines
