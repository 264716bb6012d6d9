"""Glibc pins and macOS minimums zig cannot honour are refused when the matrix loads, by every
command that loads it, before anything is compiled; the limits are rows in platforms.py, and the
rows are checked against zig's own files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import Cli, copy_example, tree

from plugsmith import matrix
from plugsmith.errors import ConfigError
from plugsmith.platforms import OS_ROWS, arch_row


def _zig_lib() -> Path:
    import ziglang

    return Path(ziglang.__file__).parent / "lib"


def _abilists_versions(data: bytes) -> list[tuple[int, ...]]:
    """The glibc versions in zig's ``abilists``: a count of library names (NUL-terminated), then a
    count of versions, each three bytes (major, minor, patch)."""
    pos = 1
    for _ in range(data[0]):
        pos = data.index(b"\0", pos) + 1
    count = data[pos]
    return [tuple(data[pos + 1 + 3 * i: pos + 4 + 3 * i]) for i in range(count)]


def test_glibc_ceiling_is_the_newest_glibc_zig_ships() -> None:
    versions = _abilists_versions((_zig_lib() / "libc" / "glibc" / "abilists").read_bytes())
    newest = max(versions)
    assert OS_ROWS["linux"].glibc_newest == f"{newest[0]}.{newest[1]}"
    assert (2, 17, 0) in versions  # the default pin is one zig has


def test_macos_ceiling_is_zigs_sdk() -> None:
    sdk = json.loads((_zig_lib() / "libc" / "darwin" / "SDKSettings.json").read_text())
    assert OS_ROWS["macos"].min_os_newest == sdk["Version"]


def test_arch_floors() -> None:
    assert [(arch_row("macos", a).macos_floor) for a in ("x86_64", "aarch64")] == ["10.4", "11.0"]  # type: ignore[union-attr]


BASE = """version: 1
plugins:
  - name: t
    sources: [t.c]
    contract: t.symbols
targets:
"""


def _load(tmp_path: Path, target: str) -> list[str | None]:
    (tmp_path / "t.c").write_text("int t_add(int a, int b) { return a + b; }\n")
    (tmp_path / "t.symbols").write_text("version 1\n[T_1.0]\nt_add function\n")
    path = tmp_path / "build_matrix.yaml"
    path.write_text(BASE + f"  - {target}\n")
    try:
        m = matrix.load(path)
    except ConfigError as exc:
        return [str(e).replace(str(tmp_path) + "/", "") for e in exc.errors]
    return [t.glibc or t.min_os for t in m.targets]


@pytest.mark.parametrize(("target", "message"), [
    ('{os: macos, arch: aarch64, min_os: "10.9"}',
     "targets[0].min_os: macOS 10.9 is older than zig can build for macos-aarch64 (supported: 11.0 to 27.0)"),
    ('{os: macos, arch: aarch64, min_os: "10.15.7"}',
     "targets[0].min_os: macOS 10.15.7 is older than zig can build for macos-aarch64 (supported: 11.0 to 27.0)"),
    ('{os: macos, arch: x86_64, min_os: "10.3"}',
     "targets[0].min_os: macOS 10.3 is older than zig can build for macos-x86_64 (supported: 10.4 to 27.0)"),
    ('{os: macos, arch: x86_64, min_os: "28.0"}',
     "targets[0].min_os: macOS 28.0 is newer than zig can build for macos-x86_64 (supported: 10.4 to 27.0)"),
    ('{os: linux, arch: x86_64, glibc: "2.99"}',
     "targets[0].glibc: glibc 2.99 is newer than zig can build for linux-x86_64 (supported: 2.17 to 2.44)"),
    ('{os: linux, arch: aarch64, glibc: "2.45"}',
     "targets[0].glibc: glibc 2.45 is newer than zig can build for linux-aarch64 (supported: 2.17 to 2.44)"),
    ('{os: linux, arch: x86_64, glibc: "2.16"}',
     "targets[0].glibc: glibc 2.16 is older than zig can build for linux-x86_64 (supported: 2.17 to 2.44)"),
])
def test_out_of_range_is_refused_with_the_range(tmp_path: Path, target: str, message: str) -> None:
    column = 5 + target.index(": \"", target.index("min_os" if "min_os" in target else "glibc")) + 2
    assert _load(tmp_path, target) == [f"build_matrix.yaml:7:{column}: {message}"]


@pytest.mark.parametrize(("target", "value"), [
    ('{os: macos, arch: aarch64, min_os: "11.0"}', "11.0"),
    ('{os: macos, arch: x86_64, min_os: "10.4"}', "10.4"),
    ('{os: macos, arch: aarch64, min_os: "27.0"}', "27.0"),
    ('{os: linux, arch: x86_64, glibc: "2.44"}', "2.44"),
    ('{os: linux, arch: riscv64, glibc: "2.27"}', "2.27"),
    ('{os: linux, arch: x86_64, glibc: "2.17"}', "2.17"),
])
def test_the_boundaries_load(tmp_path: Path, target: str, value: str) -> None:
    assert _load(tmp_path, target) == [value]


BAD = ('  - {os: macos, arch: aarch64, min_os: "10.9"}\n', '  - {os: linux, arch: x86_64, glibc: "2.99"}\n')


@pytest.mark.parametrize("command", [["targets"], ["maps", "--print"], ["build"], ["run"], ["header", "--print"]])
@pytest.mark.parametrize("bad", BAD)
def test_every_command_that_loads_the_matrix_stops_before_work(tmp_path: Path, cli: Cli, command: list[str],
                                                               bad: str) -> None:
    root = copy_example(tmp_path / "p")
    config = root / "build_matrix.yaml"
    text = config.read_text()
    config.write_text(text.replace("  - windows-aarch64\n", "  - windows-aarch64\n" + bad))
    line = text[:text.index("  - windows-aarch64\n")].count("\n") + 2
    res = cli(*command, cwd=root)
    field = "min_os" if "min_os" in bad else "glibc"
    assert res.code == 2, res.err
    assert res.out == ""
    assert res.err.startswith(f"plugsmith: error: build_matrix.yaml:{line}:{bad.index(field) + len(field) + 3}: "
                              f"targets[6].{field}: ")
    assert "(supported: " in res.err and len(res.err.strip().splitlines()) == 1
    assert tree(root / "build") == [] and tree(root / "dist") == []  # nothing compiled, nothing written


def test_the_boundary_plans_with_the_pins_it_asked_for(tmp_path: Path, cli: Cli) -> None:
    """Positive at the edge, through the command line: zig's newest glibc and arm64's first macOS."""
    root = copy_example(tmp_path / "p")
    config = root / "build_matrix.yaml"
    start = config.read_text().index("targets:")
    end = config.read_text().index("\ndefaults:")
    config.write_text(config.read_text()[:start] + 'targets:\n  - {os: linux, arch: x86_64, glibc: "2.44"}\n'
                      '  - {os: macos, arch: aarch64, min_os: "11.0"}\n' + config.read_text()[end:])
    res = cli("targets", cwd=root)
    assert res.code == 0, res.err
    assert "x86_64-linux-gnu.2.44" in res.out and "aarch64-macos.11.0" in res.out
