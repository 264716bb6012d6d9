"""The noxfile `plugsmith init` writes works in a fresh folder where no package index has plugsmith:
it installs plugsmith from the project's pin, lists one build session per matrix target, runs one
for real, and `nox -s release` leaves a release folder that `sha256sum -c` accepts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import REPO, Cli, tree

pytest.importorskip("nox", reason="nox is in plugsmith's [test] extra: pip install -e '.[test]'")

TARGETS = ["linux-x86_64", "linux-aarch64", "macos-x86_64", "macos-aarch64", "windows-x86_64", "windows-aarch64"]
SESSIONS = ["run", *(f"build(target='{t}')" for t in TARGETS), "verify", "load", "release", "tests", "lint"]


def _source_copy(dest: Path) -> Path:
    """plugsmith's source without the worktree's build outputs or venv: pip builds it in a folder of its own."""
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO / name, dest / name)
    shutil.copytree(REPO / "src", dest / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return dest


def _nox(project: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PLUGSMITH_SPEC"}
    return subprocess.run([sys.executable, "-m", "nox", *args], cwd=project, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


@pytest.fixture
def project(tmp_path: Path, cli: Cli) -> Path:
    (tmp_path / "plugsmith-src").mkdir()
    source = _source_copy(tmp_path / "plugsmith-src")
    res = cli("init", str(tmp_path / "proj"), "--name", "greet", "--plugsmith-spec", f"plugsmith @ {source.as_uri()}")
    assert res.code == 0, res.err
    return tmp_path / "proj"


def test_the_listing_has_one_build_session_per_matrix_target(project: Path) -> None:
    res = _nox(project, "--json", "-l", "-s", "run", "build", "verify", "load", "release", "tests", "lint")
    assert res.returncode == 0, res.stderr
    listed = json.loads(res.stdout)
    assert [s["session"] for s in listed] == SESSIONS
    assert [s["call_spec"] for s in listed if s["name"] == "build"] == [{"target": t} for t in TARGETS]
    plain = _nox(project, "-l")
    assert plain.returncode == 0, plain.stderr
    assert "* run -> " in plain.stdout
    assert "- build(target='windows-aarch64') -> " in plain.stdout


def test_the_listing_follows_the_matrix(project: Path) -> None:
    matrix = project / "build_matrix.yaml"
    text = matrix.read_text()
    start = text.index("targets:\n")
    end = text.index("\n\n", start)
    matrix.write_text(text[:start] + "targets:\n  - linux-x86_64\n  - windows-aarch64" + text[end:])
    res = _nox(project, "--json", "-l", "-k", "build")
    assert res.returncode == 0, res.stderr
    assert [s["session"] for s in json.loads(res.stdout)] == ["build(target='linux-x86_64')",
                                                               "build(target='windows-aarch64')"]


@pytest.mark.slow
def test_a_per_target_session_and_a_release_run_for_real(project: Path) -> None:
    res = _nox(project, "-s", "build(target='linux-x86_64')")
    assert res.returncode == 0, res.stderr[-4000:]
    assert "Session build(target='linux-x86_64') was successful" in res.stderr
    assert tree(project / "dist") == ["linux-x86_64/libgreet.so", "linux-x86_64/libgreet.so.build.json"]
    # plugsmith came from the pin (a local folder), not from an index.
    direct = next((project / ".nox/plugsmith").rglob("plugsmith-*.dist-info/direct_url.json"))
    assert json.loads(direct.read_text())["url"] == (project.parent / "plugsmith-src").as_uri()

    res = _nox(project, "-s", "release", "--", "-t", "linux-x86_64", "-t", "windows-x86_64")
    assert res.returncode == 0, res.stderr[-4000:]
    release = project / "release"
    assert tree(release) == ["SHA256SUMS", "linux-x86_64/libgreet.so", "linux-x86_64/libgreet.so.build.json",
                             "provenance.json", "report.html", "report.md", "report.xml", "windows-x86_64/greet.dll",
                             "windows-x86_64/greet.dll.build.json", "windows-x86_64/greet.lib"]
    sums = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=release, capture_output=True, text=True,
                          timeout=60, check=False)
    assert sums.returncode == 0, sums.stdout + sums.stderr
    # SHA256SUMS lists every shipped file: the binaries and the import library beside its DLL.
    assert sorted(sums.stdout.splitlines()) == ["linux-x86_64/libgreet.so: OK", "windows-x86_64/greet.dll: OK",
                                                "windows-x86_64/greet.lib: OK"]
    # The negative twin: a changed artifact fails the check.
    (release / "linux-x86_64/libgreet.so").write_bytes(b"not the build")
    sums = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=release, capture_output=True, text=True,
                          timeout=60, check=False)
    assert sums.returncode == 1
    assert "linux-x86_64/libgreet.so: FAILED" in sums.stdout


def test_a_missing_pin_is_named(project: Path) -> None:
    (project / "plugsmith-requirements.txt").unlink()
    res = _nox(project, "-s", "verify")
    assert res.returncode != 0
    assert ("nox: no PLUGSMITH_SPEC and no plugsmith-requirements.txt: say where plugsmith comes from"
            in res.stderr + res.stdout)
