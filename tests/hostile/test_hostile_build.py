"""Hostile conditions around real builds (real zig, the shared cache): a failed rebuild removes
the stale artifact, a full disk and a read-only dist/ end in one line and exit 3 with dist/
consistent, a folder name that is not UTF-8 builds and every report writes it, a step that never
ends is stopped after step_timeout, SIGTERM/SIGINT at several moments exit 130 with a line, and
a closed stdout keeps the verdict's exit code."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hostile_helpers import CONTRACT, SOURCE, SRC, config

TIMEOUT = 300  # generous: a cold zig cache compiles a target's libc first


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(SRC), NO_COLOR="1")


def plugsmith(*args: str | Path, cwd: Path | bytes, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "plugsmith", *map(str, args)], cwd=cwd, env=_env(),
                          capture_output=True, text=True, errors="replace", timeout=timeout, check=False)


def make(root: Path, targets: str = "[linux-x86_64]", top_extra: str = "") -> Path:
    (root / "src").mkdir(parents=True)
    (root / "src" / "hp.c").write_text(SOURCE)
    (root / "hp.symbols").write_text(CONTRACT)
    (root / "build_matrix.yaml").write_text(config(targets=targets, top_extra=top_extra))
    return root


def build(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return plugsmith("build", "--no-progress", "-j", "1", *extra, cwd=root)


def dist_files(root: Path) -> list[str]:
    dist = root / "dist"
    return sorted(str(p.relative_to(dist)) for p in dist.rglob("*") if p.is_file()) if dist.is_dir() else []


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("plugsmith: error: ")]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make(tmp_path / "proj")


# -- stale artifacts --------------------------------------------------------------------------------

def test_a_failed_rebuild_removes_the_stale_artifact(tmp_path: Path) -> None:
    root = make(tmp_path / "proj", "[linux-x86_64, windows-x86_64]")
    first = build(root)
    assert first.returncode == 0, first.stderr
    assert dist_files(root) == ["linux-x86_64/libhp.so", "linux-x86_64/libhp.so.build.json", "windows-x86_64/hp.dll",
                                "windows-x86_64/hp.dll.build.json", "windows-x86_64/hp.lib"]
    assert plugsmith("verify", cwd=root).returncode == 0
    (root / "src" / "hp.c").write_text(SOURCE + "int broken(void) { return nope; }\n")
    second = build(root, "-k")
    assert second.returncode == 3, second.stderr
    assert "Traceback" not in second.stderr
    assert dist_files(root) == []  # neither the old .so, nor the old .dll with its .lib, nor their build records
    verify = plugsmith("verify", cwd=root)
    assert verify.returncode != 0  # nothing stale passes for current
    (root / "src" / "hp.c").write_text(SOURCE)
    assert build(root).returncode == 0
    assert dist_files(root) == ["linux-x86_64/libhp.so", "linux-x86_64/libhp.so.build.json", "windows-x86_64/hp.dll",
                                "windows-x86_64/hp.dll.build.json", "windows-x86_64/hp.lib"]


# -- disk full and read-only dist/ ------------------------------------------------------------------

def _mount(*args: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return subprocess.run(["mount", *args], capture_output=True, timeout=30, check=False).returncode == 0


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30, check=False)


def _shim(root: Path, errno_name: str) -> dict[str, str]:
    """Without root (no mount): a sitecustomize that makes every rename or copy into dist/ fail
    with ``errno_name``, the way a full or read-only file system does."""
    shim = root.parent / "shim"
    shim.mkdir(exist_ok=True)
    (shim / "sitecustomize.py").write_text(
        "import errno, os, shutil\n"
        f"_DIST = {str(root / 'dist')!r}\n"
        f"_ERR = errno.{errno_name}\n"
        "_replace, _copy = os.replace, shutil.copyfile\n"
        "def _bad(dst):\n"
        "    return os.fspath(dst).startswith(_DIST)\n"
        "def replace(src, dst, **kw):\n"
        "    if _bad(dst):\n"
        "        raise OSError(_ERR, os.strerror(_ERR), os.fspath(src), None, os.fspath(dst))\n"
        "    return _replace(src, dst, **kw)\n"
        "def copyfile(src, dst, **kw):\n"
        "    if _bad(dst):\n"
        "        raise OSError(_ERR, os.strerror(_ERR), os.fspath(dst))\n"
        "    return _copy(src, dst, **kw)\n"
        "os.replace, shutil.copyfile = replace, copyfile\n")
    return {"PYTHONPATH": f"{shim}{os.pathsep}{SRC}"}


def test_disk_full_gives_one_line_exit_3_and_a_consistent_dist(tmp_path: Path) -> None:
    root = make(tmp_path / "proj", "[linux-x86_64, windows-x86_64]")
    dist = root / "dist"
    dist.mkdir()
    mounted = _mount("-t", "tmpfs", "-o", "size=12k", "tmpfs", str(dist))
    try:
        if mounted:
            proc = build(root, "-k")
        else:
            env = dict(_env(), **_shim(root, "ENOSPC"))
            proc = subprocess.run([sys.executable, "-m", "plugsmith", "build", "--no-progress", "-j", "1", "-k"],
                                  cwd=root, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)
        files = dist_files(root)
        leftovers = [p.name for p in dist.rglob(".*")]
    finally:
        if mounted:
            _umount(dist)
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = errors(proc.stderr)
    assert lines, proc.stderr
    for line in lines:  # the file being made, never its scratch name
        assert re.fullmatch(rf"plugsmith: error: hp@(linux|windows)-x86_64: cannot write {re.escape(str(dist))}/"
                            r"(linux|windows)-x86_64/(libhp\.so|hp\.dll|hp\.lib)(\.build\.json)?: "
                            r"No space left on device", line), line
    assert leftovers == []  # no scratch file
    # consistent: an import library and a build record only beside their artifact, every artifact complete
    assert ("windows-x86_64/hp.lib" in files) == ("windows-x86_64/hp.dll" in files), files
    for artifact in ("linux-x86_64/libhp.so", "windows-x86_64/hp.dll"):
        assert (f"{artifact}.build.json" in files) == (artifact in files), files


def test_read_only_dist_gives_one_line_and_names_the_stale_artifact(tmp_path: Path) -> None:
    root = make(tmp_path / "proj")
    assert build(root).returncode == 0
    target = root / "dist" / "linux-x86_64"
    (root / "src" / "hp.c").write_text(SOURCE + "int hp_more(void) { return 1; }\n")
    mounted = _mount("--bind", str(target), str(target)) and _mount("-o", "remount,ro,bind", str(target))
    chmodded = False
    try:
        if not mounted:
            if os.geteuid() == 0:
                pytest.skip("root without mount: permissions do not stop root, and no read-only mount is possible")
            target.chmod(0o555)
            chmodded = True
        proc = build(root)
    finally:
        if mounted:
            _umount(target)
        if chmodded:
            target.chmod(0o755)
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    (line,) = errors(proc.stderr)
    reason = "Read-only file system" if mounted else "Permission denied"
    assert line.startswith(f"plugsmith: error: hp@linux-x86_64: cannot write {target}/"), line
    assert line.endswith(f": {reason}; the previous {target / 'libhp.so'} could not be removed ({reason}): it is "
                         "stale, do not ship it"), line


# -- names that are not UTF-8 -------------------------------------------------------------------------

def test_a_project_folder_whose_name_is_not_utf8_builds_and_reports(tmp_path: Path) -> None:
    root_bytes = os.fsencode(tmp_path) + b"/proj-\xff\xfe"
    os.mkdir(root_bytes)
    root = Path(os.fsdecode(root_bytes))
    make(root / "p")
    root = root / "p"
    proc = build(root)
    assert proc.returncode == 0, proc.stderr
    assert dist_files(root) == ["linux-x86_64/libhp.so", "linux-x86_64/libhp.so.build.json"]
    again = build(root)
    assert again.returncode == 0 and "up to date" in again.stderr, again.stderr  # the depfile's paths kept
    out = tmp_path / "reports"
    out.mkdir()
    # from tmp_path, the artifact is shown as proj-\xff\xfe/p/dist/...: the name reaches every report
    verify = plugsmith("verify", "--contract", root / "hp.symbols", "--junit", out / "j.xml", "--markdown",
                       out / "r.md", "--html", out / "r.html", "--sha256sums", out / "SHA256SUMS", "--provenance",
                       out / "prov.json", "--json", root / "dist", cwd=tmp_path)
    assert verify.returncode == 0, verify.stderr
    for name in ("j.xml", "r.md", "r.html", "prov.json"):
        (out / name).read_bytes().decode("utf-8")  # every report is valid UTF-8 text
    ET.parse(out / "j.xml")  # well-formed
    data = json.loads(verify.stdout)
    assert data["ok"] is True
    assert data["targets"][0]["artifact"] == "proj-\\xff\\xfe/p/dist/linux-x86_64/libhp.so"
    for name in ("r.html", "r.md"):
        assert "proj-\\xff\\xfe/p/dist/linux-x86_64/libhp.so" in (out / name).read_text(), name
    # SHA256SUMS keeps the name's own bytes, as sha256sum writes and reads them
    assert b"  proj-\xff\xfe/p/dist/linux-x86_64/libhp.so\n" in (out / "SHA256SUMS").read_bytes()


# -- a step that never ends -------------------------------------------------------------------------

def test_a_step_that_never_ends_is_stopped_and_named(tmp_path: Path) -> None:
    root = make(tmp_path / "proj", top_extra="step_timeout: 3\n")
    os.mkfifo(root / "src" / "never.h")  # reading it blocks forever: the compiler hangs
    (root / "src" / "hp.c").write_text('#include "never.h"\n' + SOURCE)
    started = time.monotonic()
    proc = build(root)
    took = time.monotonic() - started
    assert proc.returncode == 3, proc.stderr
    (line,) = errors(proc.stderr)
    assert line.startswith("plugsmith: error: hp@linux-x86_64: compiling hp.c failed: stopped after 3s "
                           "(step_timeout:"), line
    assert took < 120
    assert dist_files(root) == []
    assert _processes_naming(root) == []  # the compiler was stopped with its process group


def _processes_naming(path: Path) -> list[int]:
    """Processes whose command line names ``path`` (from /proc: no pgrep needed)."""
    needle = os.fsencode(path)
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path("/proc", entry, "cmdline").read_bytes()
        except OSError:
            continue
        if needle in cmdline:
            found.append(int(entry))
    return found


def test_without_a_timeout_setting_the_default_applies(tmp_path: Path) -> None:
    from plugsmith import matrix

    root = make(tmp_path / "proj")
    assert matrix.load(root / "build_matrix.yaml").step_timeout == matrix.DEFAULT_STEP_TIMEOUT


# -- signals ------------------------------------------------------------------------------------------

def _caught(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("SigCgt:"):
                return int(line.split()[1], 16)
    except OSError:
        pass
    return 0


def _wait_for_handlers(proc: subprocess.Popen[str]) -> None:
    """Until the process catches SIGINT and SIGTERM: the first moment plugsmith can answer one
    (before it, the interpreter is still starting and the default action applies)."""
    want = (1 << (signal.SIGINT - 1)) | (1 << (signal.SIGTERM - 1))
    deadline = time.monotonic() + 60
    while _caught(proc.pid) & want != want:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.0005)


def _start(root: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "plugsmith", *args], cwd=root, env=_env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "sigint"])
@pytest.mark.parametrize("command", ["targets", "build", "verify"])
def test_a_signal_while_starting_exits_130_with_a_line(project: Path, sig: int, command: str) -> None:
    proc = _start(project, command, *(("--no-progress",) if command == "build" else ()))
    _wait_for_handlers(proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.endswith("plugsmith: interrupted\n") and "Traceback" not in err, err


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "sigint"])
@pytest.mark.parametrize("twice", [False, True], ids=["once", "twice"])
def test_a_signal_during_the_build_exits_130_with_a_line(tmp_path: Path, sig: int, twice: bool) -> None:
    root = make(tmp_path / "proj", "[linux-x86_64, linux-aarch64]")
    (root / "src" / "hp.c").write_text(SOURCE + f"// {time.time_ns()}: a fresh source, so zig has work\n")
    proc = _start(root, "build", "--no-progress", "-j", "1", "--force")
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert line.startswith("[0/2] building"), line
    proc.send_signal(sig)
    if twice:
        time.sleep(0.01)
        proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.endswith("plugsmith: interrupted\n") and "Traceback" not in err, err
    assert not any((root / "dist").rglob(".*"))  # no scratch file in dist/


def test_without_the_handler_a_signal_would_kill_silently(project: Path) -> None:
    """The negative: a Python process without plugsmith's handler dies by the signal (-15), with
    nothing on stderr, which is what the handler prevents."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; print('ready', flush=True); time.sleep(60)"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGTERM and err == ""


# -- a closed stdout ------------------------------------------------------------------------------------

@pytest.fixture
def built(tmp_path: Path) -> Path:
    root = make(tmp_path / "proj")
    assert build(root).returncode == 0
    return root


def _closed_stdout(root: Path, *args: str) -> tuple[int, str]:
    """Run with a stdout whose reader is gone: every write fails with EPIPE (``| head -0``)."""
    read, write = os.pipe()
    os.close(read)
    try:
        proc = subprocess.run([sys.executable, "-m", "plugsmith", *args], cwd=root, env=_env(), stdout=write,
                              stderr=subprocess.PIPE, text=True, timeout=120, check=False)
    finally:
        os.close(write)
    return proc.returncode, proc.stderr


@pytest.mark.parametrize("as_json", [False, True], ids=["terminal", "json"])
def test_a_closed_stdout_keeps_the_passing_code(built: Path, as_json: bool) -> None:
    code, err = _closed_stdout(built, "verify", *(("--json",) if as_json else ()))
    assert code == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err, err


def test_a_closed_stdout_keeps_the_failing_code(built: Path) -> None:
    (built / "hp.symbols").write_text(CONTRACT + "hp_missing function\n")
    code, err = _closed_stdout(built, "verify")
    assert code == 1, err
    assert "Traceback" not in err, err


def test_head_1_reads_the_verdict_line(built: Path) -> None:
    """``plugsmith verify | head -1``: the first line is the verdict, and the code is kept."""
    proc = _start(built, "verify")
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    assert first.startswith("OK: 1 artifact"), first
    assert proc.wait(timeout=120) == 0
    proc.stderr.close()
