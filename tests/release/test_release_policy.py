"""Release policy: each check with a passing and a failing real artifact, and the ``policy:``
section of build_matrix.yaml (values, errors with file:line:col)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from release_helpers import CONTRACT_GREET, greet_path

from plugsmith import _yaml, policy
from plugsmith.cli import main
from plugsmith.contract import load as load_contract
from plugsmith.errors import ConfigError
from plugsmith.inspection import inspect_file
from plugsmith.verify import Artifact, PolicyCheck, Subject, Verdict, check
from plugsmith.verify.checks import apply


def _artifacts(subjects: list[Subject]) -> list[Artifact]:
    return [Artifact(plugin=s.plugin, target=s.target, inspection=s.inspection) for s in subjects]


def _verdict(path: Path, chosen: policy.Policy, contract: Path | None = None) -> Verdict:
    c = load_contract(contract) if contract else None
    subjects = [Subject(plugin="p", target=f"{i.os}-{i.arch}", inspection=i, contract=c) for i in inspect_file(path)]
    return apply(check(subjects), _artifacts(subjects), chosen)


def _one(path: Path, name: str, chosen: policy.Policy | None = None, contract: Path | None = None) -> PolicyCheck:
    verdict = _verdict(path, chosen or policy.Policy(), contract)
    found = [c for t in verdict.targets for c in t.policy if c.name == name]
    assert len(found) == 1, [c.name for t in verdict.targets for c in t.policy]
    return found[0]


# --------------------------------------------------------------------------- imports


def test_imports_pass_for_greet_on_every_os(greet_dist: Path) -> None:
    for target, imports in (("linux-x86_64", "nothing"), ("macos-aarch64", "/usr/lib/libSystem.B.dylib"),
                            ("windows-x86_64", "api-ms-win-crt-runtime-l1-1-0.dll")):
        result = _one(greet_path(greet_dist, target), "imports")
        assert result.passed, result.message
        assert imports in result.message


def test_an_extra_library_is_caught(extras: dict[str, Path]) -> None:
    result = _one(extras["needy"], "imports")
    assert not result.passed
    assert result.message.startswith("imports libhelper.so, not in the linux allow-list (libc.so.6, libm.so.6,")
    assert result.message.endswith("add it to policy.extra_imports.linux if intended")
    allowed = policy.from_mapping({"extra_imports": {"linux": ["libhelper.so"]}})
    assert _one(extras["needy"], "imports", allowed).passed


def test_windows_import_names_are_case_insensitive(greet_dist: Path) -> None:
    strict = policy.from_mapping({"imports": {"windows": ["kernel32.DLL", "API-MS-WIN-CRT-*.DLL"]}})
    assert _one(greet_path(greet_dist, "windows-aarch64"), "imports", strict).passed
    no_crt = policy.from_mapping({"imports": {"windows": ["kernel32.dll"]}})
    assert not _one(greet_path(greet_dist, "windows-aarch64"), "imports", no_crt).passed


# --------------------------------------------------------------------------- glibc


def test_glibc_ceiling(extras: dict[str, Path]) -> None:
    old = _one(extras["plain217"], "glibc")
    assert old.passed and old.message == "needs GLIBC_2.2.5, at or below the ceiling 2.17"
    new = _one(extras["glibc228"], "glibc")
    assert not new.passed
    assert new.message == ("needs GLIBC_2.25, above the ceiling 2.17: it will not load on systems with glibc 2.17")
    assert _one(extras["glibc228"], "glibc", policy.from_mapping({"glibc_max": "2.28"})).passed
    assert not [c for t in _verdict(extras["glibc228"], policy.from_mapping({"glibc_max": None})).targets
                for c in t.policy if c.name == "glibc"]


# --------------------------------------------------------------------------- macOS


def test_macos_minimum_ceiling(greet_dist: Path, extras: dict[str, Path]) -> None:
    ok = _one(greet_path(greet_dist, "macos-aarch64"), "macos-min")
    assert ok.passed and ok.message == "minimum macOS 11.0, at or below the ceiling 11.0"
    bad = _one(extras["macos13"], "macos-min")
    assert not bad.passed
    assert bad.message == "minimum macOS 13.0, above the ceiling 11.0: it will not load on macOS 11.0"
    assert _one(extras["macos13"], "macos-min", policy.from_mapping({"macos_min_max": "13.0"})).passed


def test_a_target_declares_its_own_ceilings(tmp_path: Path, extras: dict[str, Path]) -> None:
    """A matrix target with min_os "13.0" or glibc "2.28" is judged by what it declares, unless the
    policy section names a ceiling itself."""
    from plugsmith import matrix

    (tmp_path / "t.c").write_text("int t(void) { return 1; }\n")
    (tmp_path / "t.symbols").write_text("version 1\nt function\n")
    config = tmp_path / "build_matrix.yaml"
    base = ("version: 1\nplugins: [{name: t, sources: [t.c], contract: t.symbols}]\ntargets:\n"
            "  - {os: macos, arch: aarch64, min_os: \"13.0\"}\n  - {os: linux, arch: x86_64, glibc: \"2.28\"}\n")
    config.write_text(base)
    declared = matrix.load(config).policy
    assert (declared.target_macos_min, declared.target_glibc) == ((("macos-aarch64", "13.0"),),
                                                                  (("linux-x86_64-glibc2.28", "2.28"),))
    assert _one(extras["macos13"], "macos-min", declared).passed  # target name macos-aarch64 matches
    config.write_text(base + "policy:\n  macos_min_max: \"11.0\"\n")
    explicit = matrix.load(config).policy
    assert explicit.target_macos_min == ()
    assert not _one(extras["macos13"], "macos-min", explicit).passed


def test_install_name(greet_dist: Path, extras: dict[str, Path]) -> None:
    ok = _one(greet_path(greet_dist, "macos-x86_64"), "install-name")
    assert ok.passed and ok.message == "install name @rpath/libgreet.dylib"
    bad = _one(extras["badname"], "install-name")
    assert not bad.passed
    assert bad.message == "install name /usr/local/lib/libbadname.dylib, expected @rpath/libbadname.dylib"
    custom = policy.from_mapping({"install_name": "/usr/local/lib/{file}"})
    assert _one(extras["badname"], "install-name", custom).passed


# --------------------------------------------------------------------------- Windows


def test_debug_crt(greet_dist: Path, extras: dict[str, Path]) -> None:
    assert _one(greet_path(greet_dist, "windows-x86_64"), "debug-crt").passed
    bad = _one(extras["debug_crt"], "debug-crt")
    assert not bad.passed
    assert bad.message == "imports the debug CRT (ucrtbased.dll), which is not redistributable"
    assert not [c for t in _verdict(extras["debug_crt"], policy.from_mapping({"debug_crt": "allow"})).targets
                for c in t.policy if c.name == "debug-crt"]


def test_machine_type(greet_dist: Path, tmp_path: Path) -> None:
    ok = _one(greet_path(greet_dist, "windows-x86_64"), "arch")
    assert ok.passed and ok.message == "machine type x86_64"
    data = bytearray(greet_path(greet_dist, "windows-x86_64").read_bytes())
    pe = int.from_bytes(data[0x3C:0x40], "little")
    assert data[pe + 4:pe + 6] == (0x8664).to_bytes(2, "little")
    data[pe + 4:pe + 6] = (0xA641).to_bytes(2, "little")  # ARM64EC: a machine plugsmith does not target
    (tmp_path / "greet.dll").write_bytes(bytes(data))
    bad = _one(tmp_path / "greet.dll", "arch")
    assert not bad.passed
    assert bad.message == ("machine type arm64ec is not a windows architecture plugsmith targets "
                           "(x86_64, aarch64, x86)")


# --------------------------------------------------------------------------- map applied


def test_export_everything_is_called_out(extras: dict[str, Path]) -> None:
    bad = _one(extras["export_all"], "map-applied", contract=extras["ea_contract"])
    assert not bad.passed
    assert bad.message == ("exports 32 symbols against the contract's 2: the export map was not applied "
                           "(an 'export everything' link)")
    ok = _one(extras["export_mapped"], "map-applied", contract=extras["ea_contract"])
    assert ok.passed and ok.message == "exports 2 symbols against the contract's 2"


def test_a_single_leak_is_a_leak_not_a_missing_map(greet_dist: Path, tmp_path: Path) -> None:
    contract = tmp_path / "short.symbols"
    contract.write_text(CONTRACT_GREET.read_text().replace("greet_api_level    data\n", ""))
    verdict = _verdict(greet_path(greet_dist, "linux-x86_64"), policy.Policy(), contract)
    [result] = verdict.targets
    assert result.leaked == ("greet_api_level",)
    assert [c.passed for c in result.policy if c.name == "map-applied"] == [True]


def test_export_everything_without_contract_compares_with_the_group(extras: dict[str, Path]) -> None:
    subjects = [Subject(plugin="ea", target=name, inspection=inspect_file(extras[name])[0])
                for name in ("export_all", "export_mapped")]
    verdict = apply(check(subjects), _artifacts(subjects), policy.Policy())
    checks = {t.target: c for t in verdict.targets for c in t.policy if c.name == "map-applied"}
    assert not checks["export_all"].passed
    assert checks["export_all"].message.startswith("exports 32 symbols against the 2 of the leanest ea artifact")
    assert checks["export_mapped"].passed


# --------------------------------------------------------------------------- config


def test_policy_section_errors_are_located() -> None:
    text = ("version: 1\npolicy:\n  glibc_maks: '2.17'\n  imports:\n    linx: [libc.so.6]\n"
            "  macos_min_max: eleven\n  map_applied: {factor: 0}\n")
    doc = _yaml.loads(text, "build_matrix.yaml")
    with pytest.raises(ConfigError) as info:
        policy.from_mapping(doc.value["policy"], doc)
    assert info.value.lines() == [
        "build_matrix.yaml:3:15: policy.glibc_maks: unknown key 'glibc_maks' (did you mean 'glibc_max'?)",
        "build_matrix.yaml:5:11: policy.imports.linx: unknown OS 'linx' (did you mean 'linux'?)",
        "build_matrix.yaml:6:18: policy.macos_min_max: expected a version like \"2.17\" (quoted) or null, "
        "got 'eleven'",
        "build_matrix.yaml:7:25: policy.map_applied.factor: expected a number >= 1, got 0",
    ]


def test_policy_from_build_matrix_end_to_end(capsys, extras: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "g.c").write_text("int x;\n")
    (tmp_path / "build_matrix.yaml").write_text(
        "version: 1\nplugins:\n  - {name: rand, sources: [g.c], contract: g.symbols}\n"
        "targets: [linux-x86_64]\n")
    (tmp_path / "g.symbols").write_text("version 1\nrand_bytes function\n")
    capsys.readouterr()
    code = main(["verify", "--json", "-C", str(tmp_path), str(extras["glibc228"])])
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [(c["name"], c["passed"]) for c in data["targets"][0]["policy"] if not c["passed"]] == [("glibc", False)]
    assert data["policy"] == [{"name": "target linux-x86_64", "passed": True, "message": "linux-x86_64 is present"}]
    with (tmp_path / "build_matrix.yaml").open("a") as handle:
        handle.write("policy:\n  glibc_max: '2.28'\n")
    code = main(["verify", "--json", "-C", str(tmp_path), str(extras["glibc228"])])
    assert code == 0, capsys.readouterr()
    bad = tmp_path / "build_matrix.yaml"
    bad.write_text(bad.read_text().replace("glibc_max: '2.28'", "glibc_max: [2]"))
    capsys.readouterr()
    code = main(["verify", "-C", str(tmp_path), str(extras["glibc228"])])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == ("plugsmith: error: " + str(bad.resolve().relative_to(Path.cwd().resolve()))
                           if bad.resolve().is_relative_to(Path.cwd().resolve()) else
                           f"plugsmith: error: {bad}") + (":6:14: policy.glibc_max: expected a version like "
                                                          "\"2.17\" (quoted) or null, got [2]")


def test_no_policy_flag(capsys, extras: dict[str, Path], tmp_path: Path) -> None:
    capsys.readouterr()
    code = main(["verify", "--json", "--no-policy", "-C", str(tmp_path), str(extras["glibc228"])])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["targets"][0]["policy"] == [] and data["policy"] == []


def test_defaults_table_is_consistent() -> None:
    default = policy.Policy()
    assert default.glibc_max == policy.DEFAULTS["glibc_max"]
    assert set(dict(default.imports)) == {"linux", "macos", "windows"}
    assert default.targets is None
    assert policy.from_mapping({"targets": ["x"]}).targets == ("x",)  # the parser fills it, not dataclasses.replace


def test_policy_file_and_skip_check_without_a_project(capsys, extras: dict[str, Path], tmp_path: Path) -> None:
    """--policy FILE (the policy: schema, top level or under policy:) and --skip-check NAME work with no
    project; the report names what was skipped; a bad policy file is located like build_matrix.yaml's."""
    lib = str(extras["glibc228"])
    capsys.readouterr()
    assert main(["verify", "--json", "--no-project", lib]) == 1  # needs GLIBC_2.28 > the default 2.17
    failed = [c["name"] for t in json.loads(capsys.readouterr().out)["targets"] for c in t["policy"] if not c["passed"]]
    assert failed == ["glibc"]
    loose = tmp_path / "loose.yaml"
    loose.write_text("policy:\n  glibc_max: \"2.28\"\n")
    assert main(["verify", "--json", "--no-project", "--policy", str(loose), lib]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    top = tmp_path / "top.yaml"
    top.write_text("glibc_max: \"2.28\"\n")
    assert main(["verify", "--json", "--no-project", "--policy", str(top), lib]) == 0
    capsys.readouterr()
    assert main(["verify", "--json", "--no-project", "--skip-check", "glibc", lib]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["skipped_checks"] == ["glibc"]
    assert "glibc" not in [c["name"] for t in data["targets"] for c in t["policy"]]
    assert main(["verify", "--no-project", "--skip-check", "glibc", lib]) == 0
    assert "policy checks skipped (--skip-check): glibc" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("policy:\n  glibc_maks: \"2.28\"\n")
    assert main(["verify", "--no-project", "--policy", str(bad), lib]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"plugsmith: error: {bad}:2:15: policy.glibc_maks: unknown key 'glibc_maks' (did you mean 'glibc_max'?)"]
    assert main(["verify", "--no-project", "--skip-check", "glibcx", lib]) == 2
    assert "invalid choice: 'glibcx'" in capsys.readouterr().err
