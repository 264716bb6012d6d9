"""Every file plugsmith writes gets the umask's mode, like any other tool's output: 0o666 less the
umask (0o777 for the toolchain wrappers). Each command runs in a subprocess so the umask is its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from plugsmith import _fs

#: What plugsmith itself writes, by the command that writes it (paths relative to the project).
WRITTEN = {
    "init": ["build_matrix.yaml", "noxfile.py", ".gitignore", "ci/github-actions.yml", "symbols/greet.symbols",
             "plugins/greet/greet.c", "tests/test_greet.py", "toolchains/README.md"],
    "run": ["r/j.xml", "r/m.md", "r/h.html", "r/SHA256SUMS", "r/provenance.json",
            "build/linux-x86_64/greet/link.json", "build/linux-x86_64/greet/greet.map",
            "dist/linux-x86_64/libgreet.so.build.json"],
    "checksums": ["c/SHA256SUMS", "c/provenance.json"],
    "maps": ["m/linux-x86_64/greet.map"],
    "header": ["h/greet_export.h"],
    "toolchains": ["tc/linux-x86_64/toolchain.cmake", "tc/linux-x86_64/meson-cross.ini",
                   "tc/linux-x86_64/flags.json"],
}
EXECUTABLES = ["tc/linux-x86_64/zig-cc", "tc/linux-x86_64/zig-ar"]


def _plugsmith(umask: int, cwd: Path, *args: str) -> None:
    res = subprocess.run([sys.executable, "-m", "plugsmith", *args], cwd=cwd, umask=umask, capture_output=True,
                         text=True, timeout=600, check=False)
    assert res.returncode == 0, f"plugsmith {' '.join(args)}: {res.stderr}"


@pytest.mark.parametrize(("umask", "mode", "exe_mode"), [(0o022, 0o644, 0o755), (0o077, 0o600, 0o700),
                                                         (0o002, 0o664, 0o775)],
                         ids=["umask022", "umask077", "umask002"])
def test_every_written_file_has_the_umask_mode(tmp_path: Path, umask: int, mode: int, exe_mode: int) -> None:
    _plugsmith(umask, tmp_path, "init", "p", "--name", "greet")
    project = tmp_path / "p"
    _plugsmith(umask, project, "run", "-t", "linux-x86_64", "--no-progress", "--junit", "r/j.xml",
               "--markdown", "r/m.md", "--html", "r/h.html", "--sha256sums", "r/SHA256SUMS",
               "--provenance", "r/provenance.json")
    _plugsmith(umask, project, "checksums", "-t", "linux-x86_64", "-o", "c/SHA256SUMS",
               "--manifest", "c/provenance.json")
    _plugsmith(umask, project, "maps", "-t", "linux-x86_64", "-o", "m")
    _plugsmith(umask, project, "header", "-o", "h")
    _plugsmith(umask, project, "toolchains", "-t", "linux-x86_64", "-o", "tc")
    modes = {rel: oct((project / rel).stat().st_mode & 0o777) for files in WRITTEN.values() for rel in files}
    assert modes == {rel: oct(mode) for rel in modes}
    exe = {rel: oct((project / rel).stat().st_mode & 0o777) for rel in EXECUTABLES}
    assert exe == {rel: oct(exe_mode) for rel in EXECUTABLES}
    leftovers = sorted(str(p.relative_to(project)) for p in project.rglob("*.tmp"))
    assert leftovers == []


def test_current_umask_reads_without_changing_it() -> None:
    code = ("import os; os.umask(0o027); from plugsmith import _fs; "
            "print(oct(_fs.current_umask()), oct(_fs.file_mode()), oct(_fs.file_mode(executable=True)), "
            "oct(os.umask(0)))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert res.stdout.split() == ["0o27", "0o640", "0o750", "0o27"]


def test_the_old_mkstemp_mode_is_what_the_test_catches(tmp_path: Path) -> None:
    """Negative twin: a file made as mkstemp makes it (0o600) is not what a 022 umask asks for."""
    import tempfile

    fd, name = tempfile.mkstemp(dir=tmp_path)
    os.close(fd)
    assert Path(name).stat().st_mode & 0o777 == 0o600
    old = os.umask(0o022)
    try:
        assert _fs.file_mode() == 0o644
        _fs.write_text(tmp_path / "x.txt", "x\n")
    finally:
        os.umask(old)
    assert (tmp_path / "x.txt").stat().st_mode & 0o777 == 0o644
