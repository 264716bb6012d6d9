"""Two builds at once, Ctrl-C, SIGTERM and kill -9 against a real ``python -m plugsmith build``.

The project has enough sources (24 x 3 targets) that a build takes a few seconds; each test
stops it at a moment picked from its own progress output (the k-th zig command), then reads
every file left in dist/ with lief."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from build_helpers import SRC, Project, build_api, cli, zig_env

from plugsmith.engine.lock import LockTimeout, hold
from plugsmith.inspection import inspect_file

pytestmark = pytest.mark.slow

MANY = {f"src/u{i:02d}.c": f'#include "common.h"\nint unit_{i}(int x) {{ return helper(x) + {i}; }}\n'
        for i in range(22)}
MANY.update({"src/a.c": '#include "common.h"\n#include "a.h"\nint demo_a(int x) { return helper(x) + A_OFFSET; }\n',
             "src/b.c": '#include "common.h"\nint demo_b(int x) { return unit_0(x) * SCALE; }\n',
             "src/helper.c": '#include "common.h"\nint helper(int x) { return x + 1; }\n'})


@pytest.fixture
def big(project_factory: Callable[..., Project]) -> Project:
    p = project_factory("big", sources=MANY)
    p.write("include/common.h", "#ifndef COMMON_H\n#define COMMON_H\n#define SCALE 3\nint helper(int x);\n"
            "int unit_0(int x);\n#endif\n")
    return p


def start(project: Project, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "plugsmith", "build", "--no-progress", "-v", "-j2", *args],
                            cwd=project.root, env=zig_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def wait_for(proc: subprocess.Popen[str], predicate: Callable[[str], bool], count: int = 1) -> list[str]:
    seen: list[str] = []
    hits = 0
    assert proc.stderr is not None
    for line in proc.stderr:
        seen.append(line)
        if predicate(line):
            hits += 1
            if hits >= count:
                return seen
    raise AssertionError("the build ended before the moment to stop it:\n" + "".join(seen))


def finish(proc: subprocess.Popen[str], timeout: float) -> None:
    """Wait for a running build while reading its stderr: with -v a big build writes more than a
    pipe holds, and a build blocked on a full pipe would never release its lock."""
    assert proc.stderr is not None and proc.stdout is not None
    stream = proc.stderr
    reader = threading.Thread(target=lambda: stream.read(), daemon=True)
    reader.start()
    proc.wait(timeout=timeout)
    reader.join(timeout=timeout)
    proc.stdout.close()
    proc.stderr.close()


def is_command(line: str) -> bool:
    return line.startswith("  $ ")


def is_link(line: str) -> bool:
    return is_command(line) and " -shared " in line


def zig_processes_of(root: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if str(root).encode() in cmdline and b"plugsmith" not in cmdline.split(b"\0")[-1]:
            found.append(int(entry.name))
    return [pid for pid in found if pid != os.getpid()]


def assert_dist_complete(project: Project) -> int:
    """Every file in dist/ is a whole binary lief reads; no scratch file. Returns how many."""
    count = 0
    if not project.dist.exists():
        return 0
    for path in sorted(project.dist.rglob("*")):
        if path.is_dir():
            continue
        assert not path.name.startswith("."), f"scratch file left in dist: {path}"
        if path.suffix == ".lib":
            assert path.read_bytes().startswith(b"!<arch>\n"), path
            continue
        if path.name.endswith(".build.json"):  # a record only beside the artifact it describes
            artifact = path.with_name(path.name.removesuffix(".build.json"))
            assert json.loads(path.read_text())["artifact"]["sha256"] == \
                hashlib.sha256(artifact.read_bytes()).hexdigest(), path
            continue
        (ins,) = inspect_file(path)
        assert {"demo_a", "demo_b"} == ins.export_names - {"_mh_dylib_header", "__dso_handle"}, path
        count += 1
    return count


def assert_no_scratch(project: Project) -> None:
    leftovers = [p for p in (project.root / "build").rglob("*")
                 if p.name.startswith("link-") or p.name.endswith(".tmp")]
    assert leftovers == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupt_stops_every_zig_and_leaves_no_partial_artifact(big: Project, sig: int) -> None:
    proc = start(big)
    wait_for(proc, is_command, count=12)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "plugsmith: interrupted" in err
    time.sleep(0.2)
    assert zig_processes_of(big.root) == []
    assert_dist_complete(big)
    assert_no_scratch(big)
    assert build_api(big).result.ok
    assert assert_dist_complete(big) == 3


@pytest.mark.parametrize("moment", ["early", "middle", "at-link"])
def test_kill_9_at_any_moment_leaves_only_complete_artifacts(big: Project, moment: str) -> None:
    build_api(big)  # artifacts from before
    big.write("include/a.h", "#ifndef A_H\n#define A_H\n#define A_OFFSET 12\n#endif\n")
    big.write("include/common.h", "#ifndef COMMON_H\n#define COMMON_H\n#define SCALE 5\nint helper(int x);\n"
              "int unit_0(int x);\n#endif\n")
    proc = start(big)
    if moment == "early":
        wait_for(proc, is_command, count=2)
    elif moment == "middle":
        wait_for(proc, is_command, count=30)
    else:
        wait_for(proc, is_link, count=1)
    proc.kill()
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert assert_dist_complete(big) == 3  # the artifacts from before, or the new ones
    after = build_api(big)
    assert after.result.ok
    assert_no_scratch(big)
    assert assert_dist_complete(big) == 3
    assert build_api(big).commands == []


def test_a_second_build_waits_for_the_first_with_a_message(big: Project) -> None:
    first = start(big)
    wait_for(first, is_command, count=1)
    waiter = threading.Thread(target=finish, args=(first, 120), daemon=True)
    waiter.start()
    second = cli(big.root, "build", "--no-progress")
    waiter.join(timeout=120)
    assert first.returncode == 0
    assert second.returncode == 0, second.stderr
    assert "waiting for another plugsmith build in this project to finish (pid " in second.stderr
    assert "up to date" in second.stderr


def test_the_lock_with_no_wait_fails_with_a_clear_message(project: Project) -> None:
    from plugsmith import matrix, plan
    from plugsmith.engine import build
    from plugsmith.errors import EXIT_LOCKED

    resolved = plan.resolve(matrix.load(project.config), env={})
    with hold(project.root / "build"), pytest.raises(LockTimeout, match=r"another plugsmith build is running in "
                                                     r"this project \(pid \d+, lock .*\.plugsmith\.lock\)") as info:
        build(resolved, jobs=1, lock_timeout=0)
    assert info.value.exit_code == EXIT_LOCKED == 75
    assert build(resolved, jobs=2, lock_timeout=0).ok  # released


def test_the_lock_is_released_when_its_holder_is_killed(project: Project) -> None:
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from pathlib import Path; "
                               "from plugsmith.engine.lock import hold\n"
                               "with hold(Path(sys.argv[1])):\n  print('held', flush=True); time.sleep(60)",
                               str(project.root / "build")], env={**os.environ, "PYTHONPATH": str(SRC)},
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    with pytest.raises(LockTimeout, match="another plugsmith build"), hold(project.root / "build", timeout=0):
        pass
    holder.kill()
    holder.communicate()
    with hold(project.root / "build", timeout=0):
        pass
