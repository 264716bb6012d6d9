"""build_matrix.yaml: layering, defaults and every kind of bad input, with exact messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugsmith import matrix, plan
from plugsmith.errors import ConfigError

CONTRACT = "version 1\n[T_1.0]\nt_add function\n"


def project(tmp_path: Path, config: str, *, contract: str = CONTRACT) -> Path:
    (tmp_path / "src").mkdir(exist_ok=True)
    (tmp_path / "src" / "t.c").write_text("int t_add(int a, int b) { return a + b; }\n")
    (tmp_path / "t.symbols").write_text(contract)
    path = tmp_path / "build_matrix.yaml"
    path.write_text(config)
    return path


BASE = """version: 1
plugins:
  - name: t
    sources: [src/t.c]
    contract: t.symbols
"""


def errors_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        matrix.load(path)
    return [str(e).replace(str(path.parent) + "/", "") for e in info.value.errors]


def test_defaults_give_six_targets(tmp_path: Path) -> None:
    m = matrix.load(project(tmp_path, BASE))
    assert [t.name for t in m.targets] == [
        "linux-x86_64", "linux-aarch64", "macos-x86_64", "macos-aarch64", "windows-x86_64", "windows-aarch64"]
    assert {t.min_os for t in m.targets if t.os == "macos"} == {"11.0"}
    jobs = plan.resolve(m, env={}).jobs
    assert [j.triple for j in jobs] == ["x86_64-linux-gnu.2.17", "aarch64-linux-gnu.2.17", "x86_64-macos.11.0",
                                        "aarch64-macos.11.0", "x86_64-windows-gnu", "aarch64-windows-gnu"]
    assert [j.library for j in jobs] == ["libt.so"] * 2 + ["libt.dylib"] * 2 + ["t.dll"] * 2
    assert [j.import_library for j in jobs][-2:] == ["t.lib", "t.lib"]


def test_layering_records_each_flag_origin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = BASE + """defaults:
  cflags: [-Wall]
overrides:
  - select: linux-*
    cflags: [-DLINUX]
  - select: windows
    cflags: [-O1]
    inherit: replace
  - select: macos-aarch64
    ldflags: ["-Wl,-dead_strip"]
    inherit: prepend
"""
    m = matrix.load(project(tmp_path, config))
    jobs = {j.target.name: j for j in plan.resolve(m, env={"PLUGSMITH_CFLAGS": "-DENV"}, extra_cflags=["-DCLI"]).jobs}
    linux = jobs["linux-x86_64"].cflags
    assert [f.value for f in linux] == ["-O2", "-Wall", "-DLINUX", "-DENV", "-DCLI"]
    assert [f.origin for f in linux] == [
        "plugsmith default", "build_matrix.yaml:7 defaults.cflags", "build_matrix.yaml:9 override 'linux-*'",
        "$PLUGSMITH_CFLAGS", "--cflag"]
    assert [f.value for f in jobs["windows-aarch64"].cflags] == ["-O1", "-DENV", "-DCLI"]
    assert [f.value for f in jobs["macos-aarch64"].ldflags] == ["-Wl,-dead_strip", "-s"]
    assert [f.value for f in jobs["macos-x86_64"].ldflags] == ["-s"]


def test_include_exclude_and_target_forms(tmp_path: Path) -> None:
    config = BASE + """targets:
  - linux-x86_64-musl
  - {os: linux, arch: amd64, glibc: "2.28"}
  - {os: macos, arch: arm64, min_os: "13.0"}
  - windows-x86_64
  - windows-aarch64
exclude: [windows-aarch64]
"""
    m = matrix.load(project(tmp_path, config))
    assert [t.name for t in m.targets] == ["linux-x86_64-musl", "linux-x86_64-glibc2.28", "macos-aarch64",
                                           "windows-x86_64"]
    triples = [j.triple for j in plan.resolve(m, env={}).jobs]
    assert triples == ["x86_64-linux-musl", "x86_64-linux-gnu.2.28", "aarch64-macos.13.0", "x86_64-windows-gnu"]


def test_include_adds_to_the_defaults(tmp_path: Path) -> None:
    config = BASE + "include:\n  - linux-x86_64-musl\n  - {os: windows, arch: x86}\nexclude: [macos-*]\n"
    m = matrix.load(project(tmp_path, config))
    assert [t.name for t in m.targets] == ["linux-x86_64", "linux-aarch64", "windows-x86_64", "windows-aarch64",
                                           "linux-x86_64-musl", "windows-x86"]
    assert errors_of(project(tmp_path, BASE + "include: [linux-x86_64]\n")) == [
        "build_matrix.yaml:6:11: include[0]: duplicate target 'linux-x86_64'"]


def test_select_on_the_command_line(tmp_path: Path) -> None:
    m = matrix.load(project(tmp_path, BASE))
    assert [j.target.name for j in plan.resolve(m, select=["macos"], env={}).jobs] == ["macos-x86_64", "macos-aarch64"]
    with pytest.raises(ConfigError, match=r"--target 'bsd-\*' matches no target"):
        plan.resolve(m, select=["bsd-*"], env={})


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("version: 1\nplugins: [\n",
         ["build_matrix.yaml:3:1: invalid YAML: expected the node content, but found '<stream end>'"]),
        (BASE + "targetz: [linux-x86_64]\n",
         ["build_matrix.yaml:6:1: targetz: unknown key 'targetz' (did you mean 'targets'?)"]),
        (BASE.replace("sources: [src/t.c]", "sources: 5"),
         ["build_matrix.yaml:4:14: plugins[0].sources: expected a list of strings, got a number"]),
        (BASE + "targets: [linux-aarch46]\n",
         ["build_matrix.yaml:6:11: targets[0]: unknown target 'linux-aarch46' (did you mean 'linux-aarch64'?); "
          "supported: linux-x86_64, linux-aarch64, linux-riscv64, linux-arm, linux-x86, macos-x86_64, "
          "macos-aarch64, windows-x86_64, windows-aarch64, windows-x86"]),
        (BASE + "targets:\n  - {os: linux, arch: aarch46}\n",
         ["build_matrix.yaml:7:23: targets[0].arch: unknown arch 'aarch46' for linux (did you mean 'aarch64'?); "
          "supported: linux-x86_64, linux-aarch64, linux-riscv64, linux-arm, linux-x86, macos-x86_64, "
          "macos-aarch64, windows-x86_64, windows-aarch64, windows-x86"]),
        (BASE + "targets:\n  - {os: beos, arch: x86_64}\n",
         ["build_matrix.yaml:7:10: targets[0].os: unknown os 'beos'; known: linux, macos, windows"]),
        (BASE.replace("src/t.c", "src/nope.c"),
         ["build_matrix.yaml:4:15: plugins[0].sources[0]: file not found: src/nope.c"]),
        (BASE.replace("t.symbols", "nope.symbols"),
         ["build_matrix.yaml:5:15: plugins[0].contract: file not found: nope.symbols"]),
        ("plugins: []\n", ["build_matrix.yaml:1:1: missing 'version: 1' (the format version of this file)",
                           "build_matrix.yaml:1:10: plugins: expected a non-empty list of plugins, got a list"]),
        (BASE.replace("version: 1", "version: 7"),
         ["build_matrix.yaml:1:10: version: unsupported version 7; this plugsmith reads (1,)"]),
        (BASE + "exclude: [freebsd-*]\n",
         ["build_matrix.yaml:6:11: exclude[0]: exclude 'freebsd-*' matches no target (targets: linux-x86_64, "
          "linux-aarch64, macos-x86_64, macos-aarch64, windows-x86_64, windows-aarch64)"]),
        (BASE + "overrides:\n  - select: sun-*\n    cflags: [-O3]\n",
         ["build_matrix.yaml:7:13: overrides[0].select: select 'sun-*' matches no target (targets: linux-x86_64, "
          "linux-aarch64, macos-x86_64, macos-aarch64, windows-x86_64, windows-aarch64)"]),
        (BASE + "overrides:\n  - select: linux\n    inherit: merge\n",
         ["build_matrix.yaml:8:14: overrides[0].inherit: unknown inherit rule 'merge'"]),
        (BASE + "  - name: t\n    sources: [src/t.c]\n    contract: t.symbols\n",
         ["build_matrix.yaml:6:11: plugins[1].name: duplicate plugin name 't'"]),
        (BASE + "version: 1\n", ["build_matrix.yaml:6:1: version: duplicate key 'version'"]),
        (BASE + "targets:\n  - {os: macos, arch: x86_64, min_os: 11}\n",
         ['build_matrix.yaml:7:39: targets[0].min_os: expected a version string like "2.28" (quoted), got 11']),
    ],
    ids=["yaml-syntax", "unknown-key", "wrong-type", "unknown-target", "unknown-arch", "unknown-os", "missing-source",
         "missing-contract", "two-errors", "bad-version", "exclude-nothing", "select-nothing", "inherit-rule",
         "duplicate-plugin", "duplicate-key", "unquoted-version"],
)
def test_bad_config_is_named_precisely(tmp_path: Path, config: str, expected: list[str]) -> None:
    assert errors_of(project(tmp_path, config)) == expected


def test_unquoted_comma_flag_is_explained(tmp_path: Path) -> None:
    config = BASE + "defaults:\n  ldflags: [-Wl,-z,defs]\n"
    assert errors_of(project(tmp_path, config)) == [
        "build_matrix.yaml:7:13: defaults.ldflags[0]: '-Wl' alone is not a flag: in a YAML [a, b] list a comma "
        "starts a new item, so quote the flag: \"-Wl,...\""]


def test_bad_contract_is_reported_through_the_matrix(tmp_path: Path) -> None:
    contract = "version 1\n[T_1.0]\nt_add function\nt_add function\n9bad data\n"
    assert errors_of(project(tmp_path, BASE, contract=contract)) == [
        "t.symbols:4:1: name: duplicate symbol 't_add' (first on line 3)",
        "t.symbols:5:1: name: invalid symbol name '9bad' (a C identifier is expected)",
    ]


def test_unpinned_linux_targets_get_the_policy_ceiling_as_pin(tmp_path: Path) -> None:
    """The default glibc pin and the default policy ceiling agree (platforms.DEFAULT_GLIBC); riscv64
    starts where zig's glibc does; an explicit pin names the target and is its ceiling."""
    m = matrix.load(project(tmp_path, BASE.replace("plugins:", "targets: [linux-x86_64, linux-riscv64, "
                                                   "{os: linux, arch: x86_64, glibc: \"2.28\"}, linux-x86_64-musl]\n"
                                                   "plugins:")))
    assert [(t.name, t.glibc) for t in m.targets] == [("linux-x86_64", "2.17"), ("linux-riscv64", "2.27"),
                                                      ("linux-x86_64-glibc2.28", "2.28"), ("linux-x86_64-musl", None)]
    assert m.policy.glibc_max == "2.17"
    assert dict(m.policy.target_glibc) == {"linux-x86_64": "2.17", "linux-riscv64": "2.27",
                                           "linux-x86_64-glibc2.28": "2.28"}


def test_a_glibc_pin_older_than_zig_has_is_refused(tmp_path: Path) -> None:
    path = project(tmp_path, BASE.replace("plugins:", "targets: [{os: linux, arch: riscv64, glibc: \"2.17\"}]\n"
                                          "plugins:"))
    assert errors_of(path) == [
        "build_matrix.yaml:2:45: targets[0].glibc: glibc 2.17 is older than zig can build for linux-riscv64 "
        "(supported: 2.27 to 2.44)"]
