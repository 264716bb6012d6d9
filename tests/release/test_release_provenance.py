"""Provenance tied to the build: each artifact's build record travels beside it in dist/ and into
the in-toto Statement (validated against the in-toto Statement v1 and SLSA provenance v1 schemas
in tests/data/schemas), SHA256SUMS is checked by the real ``sha256sum -c``, and
``verify --provenance-check`` refuses a release mixed from builds with different flags, contracts
or toolchains. Every build here is a real zig build of the example plugin."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource
from release_helpers import CACHE, REPO
from tests.conftest import Cli, copy_example, require_tool

from plugsmith import matrix, plan
from plugsmith.engine import build, zig

pytestmark = pytest.mark.slow  # four real builds of two targets

TARGETS = ("linux-x86_64", "windows-x86_64")
SCHEMAS = REPO / "tests" / "data" / "schemas"


@dataclass(frozen=True)
class Builds:
    plain: Path  # dist/ of the example as it is
    flags: Path  # dist/ of the example built with --cflag -Os
    contract: Path  # dist/ of the example whose contract gained a comment line (same symbols)


def _build(root: Path, *, extra_cflags: tuple[str, ...] = ()) -> Path:
    result = build(plan.resolve(matrix.load(root / "build_matrix.yaml"), select=TARGETS, extra_cflags=extra_cflags),
                   jobs=2, cache=Path(CACHE))
    assert result.ok, [f.message for f in result.failures]
    return root / "dist"


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    base = tmp_path_factory.mktemp("prov")
    other = copy_example(base / "contract")
    symbols = other / "symbols" / "greet.symbols"
    symbols.write_text(symbols.read_text() + "# a comment: same symbols, another file\n")
    return Builds(plain=_build(copy_example(base / "plain")),
                  flags=_build(copy_example(base / "flags"), extra_cflags=("-Os",)),
                  contract=_build(other))


def _release(dest: Path, linux_from: Path, windows_from: Path) -> Path:
    """A release folder: dist/<target>/ of each target copied whole (records and import library too)."""
    shutil.copytree(linux_from / "linux-x86_64", dest / "linux-x86_64")
    shutil.copytree(windows_from / "windows-x86_64", dest / "windows-x86_64")
    return dest


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_each_artifact_carries_its_build_record(builds: Builds) -> None:
    dist = builds.plain
    assert sorted(p.relative_to(dist).as_posix() for p in dist.rglob("*") if p.is_file()) == [
        "linux-x86_64/libgreet.so", "linux-x86_64/libgreet.so.build.json",
        "windows-x86_64/greet.dll", "windows-x86_64/greet.dll.build.json", "windows-x86_64/greet.lib"]
    record = json.loads((dist / "windows-x86_64" / "greet.dll.build.json").read_text())
    project = dist.parent
    assert record["triple"] == "x86_64-windows-gnu" and record["target"] == "windows-x86_64"
    assert record["toolchain"]["zig"] == zig.version()
    assert record["artifact"] == {"name": "greet.dll", "sha256": _sha(dist / "windows-x86_64" / "greet.dll")}
    assert record["import_library"] == {"name": "greet.lib", "sha256": _sha(dist / "windows-x86_64" / "greet.lib")}
    assert record["contract"] == {"path": "symbols/greet.symbols",
                                  "sha256": _sha(project / "symbols" / "greet.symbols")}
    assert [s["path"] for s in record["sources"]] == ["plugins/greet/greet.c", "plugins/greet/include/greet.h",
                                                      "plugins/greet/util.c", "plugins/greet/util.h"]
    assert all(s["sha256"] == _sha(project / s["path"]) for s in record["sources"])
    assert record["cflags"] == [{"value": "-O2", "origin": "plugsmith default"},
                                {"value": "-Wall", "origin": "build_matrix.yaml:22 defaults.cflags"},
                                {"value": "-Werror", "origin": "build_matrix.yaml:22 defaults.cflags"}]
    assert record["settings"]["extra"] == {"cflags": [], "ldflags": []}
    flagged = json.loads((builds.flags / "linux-x86_64" / "libgreet.so.build.json").read_text())
    assert flagged["cflags"][-1] == {"value": "-Os", "origin": "--cflag"}
    assert flagged["settings"]["extra"] == {"cflags": ["-Os"], "ldflags": []}


def test_an_up_to_date_build_restores_a_deleted_record(builds: Builds) -> None:
    record = builds.plain / "linux-x86_64" / "libgreet.so.build.json"
    before = record.read_bytes()
    record.unlink()
    result = build(plan.resolve(matrix.load(builds.plain.parent / "build_matrix.yaml"), select=TARGETS), jobs=2,
                   cache=Path(CACHE))
    assert result.ok and result.commands == 0  # nothing was compiled or linked
    assert record.read_bytes() == before


def _validators() -> tuple[jsonschema.Draft202012Validator, jsonschema.Draft202012Validator]:
    statement = json.loads((SCHEMAS / "in-toto-statement-v1.schema.json").read_text())
    predicate = json.loads((SCHEMAS / "slsa-provenance-v1.schema.json").read_text())
    registry: Registry[Any] = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in (statement, predicate))
    for s in (statement, predicate):
        jsonschema.Draft202012Validator.check_schema(s)
    return (jsonschema.Draft202012Validator(statement, registry=registry),
            jsonschema.Draft202012Validator(predicate, registry=registry))


def _errors(validator: jsonschema.Draft202012Validator, data: Any) -> list[str]:
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data))


def test_statement_is_in_toto_v1_with_a_slsa_v1_predicate(builds: Builds, tmp_path: Path, cli: Cli) -> None:
    rel = _release(tmp_path / "rel", builds.plain, builds.plain)
    res = cli("checksums", "rel", "--manifest", "prov.json", "-o", "SHA256SUMS", cwd=tmp_path)
    assert res.code == 0, res.err
    data = json.loads((tmp_path / "prov.json").read_text())
    statement, predicate = _validators()
    assert _errors(statement, data) == []
    assert _errors(predicate, data["predicate"]) == []
    assert data["_type"] == "https://in-toto.io/Statement/v1"
    assert data["predicateType"] == "https://slsa.dev/provenance/v1"
    assert [(s["name"], s["digest"]["sha256"], s["annotations"]["kind"]) for s in data["subject"]] == [
        ("rel/linux-x86_64/libgreet.so", _sha(rel / "linux-x86_64" / "libgreet.so"), "binary"),
        ("rel/windows-x86_64/greet.dll", _sha(rel / "windows-x86_64" / "greet.dll"), "binary"),
        ("rel/windows-x86_64/greet.lib", _sha(rel / "windows-x86_64" / "greet.lib"), "import-library")]
    assert data["subject"][0]["annotations"] == {"kind": "binary", "size": (rel / "linux-x86_64" / "libgreet.so").stat(
    ).st_size, "slices": [{"plugin": "greet", "target": "linux-x86_64", "arch": "x86_64", "format": "elf",
                           "exported": 5, "ok": True}]}  # no project, no contract: parity only
    definition = data["predicate"]["buildDefinition"]
    builds_in = definition["externalParameters"]["builds"]
    assert sorted(builds_in) == ["rel/linux-x86_64/libgreet.so", "rel/windows-x86_64/greet.dll"]
    assert builds_in["rel/windows-x86_64/greet.dll"] == json.loads(
        (rel / "windows-x86_64" / "greet.dll.build.json").read_text())
    assert definition["internalParameters"]["zig_version"] == zig.version()
    assert {d["name"] for d in definition["resolvedDependencies"]} == {
        "plugins/greet/greet.c", "plugins/greet/include/greet.h", "plugins/greet/util.c", "plugins/greet/util.h",
        "symbols/greet.symbols", "zig"}
    assert [(b["name"], b["digest"]["sha256"]) for b in data["predicate"]["runDetails"]["byproducts"]] == [
        ("rel/linux-x86_64/libgreet.so.build.json", _sha(rel / "linux-x86_64" / "libgreet.so.build.json")),
        ("rel/windows-x86_64/greet.dll.build.json", _sha(rel / "windows-x86_64" / "greet.dll.build.json"))]
    # the schemas can fail: a subject without a digest, an older _type, a builder without id
    del data["subject"][0]["digest"]
    data["_type"] = "https://in-toto.io/Statement/v0.1"
    found = _errors(statement, data)
    assert found[:2] == ["_type: 'https://in-toto.io/Statement/v1' was expected",
                         "subject/0: 'digest' is a required property"]
    assert len(found) == 3 and found[2].endswith("is not valid under any of the given schemas")  # no uri/digest/content
    del data["predicate"]["runDetails"]["builder"]["id"]
    assert _errors(predicate, data["predicate"]) == ["runDetails/builder: 'id' is a required property"]


def test_sha256sums_pass_the_real_sha256sum_and_fail_after_a_byte_flip(builds: Builds, tmp_path: Path,
                                                                       cli: Cli) -> None:
    sha256sum = require_tool("sha256sum", package="coreutils")
    rel = _release(tmp_path / "rel", builds.plain, builds.plain)
    with zipfile.ZipFile(rel / "windows.zip", "w") as zf:
        for name in ("greet.dll", "greet.lib", "greet.dll.build.json"):
            zf.write(rel / "windows-x86_64" / name, f"windows-x86_64/{name}")
    shutil.rmtree(rel / "windows-x86_64")
    assert cli("checksums", "rel", "-o", "SHA256SUMS", cwd=tmp_path).code == 0
    lines = (tmp_path / "SHA256SUMS").read_text().splitlines()
    assert [line[66:] for line in lines if not line.startswith("#")] == ["rel/linux-x86_64/libgreet.so",
                                                                         "rel/windows.zip"]
    assert [line[67:] for line in lines if line.startswith("#") and line[1:2] != " "] == [
        "rel/windows.zip!windows-x86_64/greet.dll", "rel/windows.zip!windows-x86_64/greet.lib"]
    check = subprocess.run([sha256sum, "-c", "--strict", "SHA256SUMS"], cwd=tmp_path, capture_output=True,
                           text=True, check=False, timeout=60)
    assert (check.returncode, check.stdout) == (0, "rel/linux-x86_64/libgreet.so: OK\nrel/windows.zip: OK\n")
    res = cli("checksums", "rel", "--check", "SHA256SUMS", cwd=tmp_path)
    assert (res.code, res.out) == (0, "OK: 4 artifacts checked against SHA256SUMS, all unchanged\n")
    so = rel / "linux-x86_64" / "libgreet.so"
    data = bytearray(so.read_bytes())
    data[100] ^= 0xFF
    so.write_bytes(bytes(data))
    check = subprocess.run([sha256sum, "-c", "--strict", "SHA256SUMS"], cwd=tmp_path, capture_output=True,
                           text=True, check=False, timeout=60)
    assert check.returncode == 1
    assert check.stdout == "rel/linux-x86_64/libgreet.so: FAILED\nrel/windows.zip: OK\n"


def _provenance_check(cli: Cli, cwd: Path) -> tuple[int, list[str]]:
    assert cli("checksums", "rel", "--manifest", "prov.json", cwd=cwd).code == 0
    res = cli("verify", "rel", "--provenance-check", "prov.json", "--no-project", "--json", cwd=cwd)
    return res.code, json.loads(res.out)["problems"]


def test_a_release_from_one_build_passes(builds: Builds, tmp_path: Path, cli: Cli) -> None:
    _release(tmp_path / "rel", builds.plain, builds.plain)
    assert _provenance_check(cli, tmp_path) == (0, [])


def test_a_release_mixing_builds_with_different_flags_is_refused(builds: Builds, tmp_path: Path, cli: Cli) -> None:
    _release(tmp_path / "rel", builds.plain, builds.flags)
    assert _provenance_check(cli, tmp_path) == (1, [
        "provenance: rel/windows-x86_64/greet.dll: different flags: build-wide flags ($PLUGSMITH_CFLAGS/LDFLAGS, "
        "--cflag/--ldflag) {cflags: [-Os]}, rel/linux-x86_64/libgreet.so was built with (none)"])


def test_a_release_mixing_contracts_is_refused(builds: Builds, tmp_path: Path, cli: Cli) -> None:
    _release(tmp_path / "rel", builds.contract, builds.plain)
    plain = _sha(builds.plain.parent / "symbols" / "greet.symbols")[:12]
    other = _sha(builds.contract.parent / "symbols" / "greet.symbols")[:12]
    assert _provenance_check(cli, tmp_path) == (1, [
        f"provenance: rel/windows-x86_64/greet.dll: different contract: symbols/greet.symbols sha256 {plain}…, "
        f"rel/linux-x86_64/libgreet.so was built from sha256 {other}…"])


def test_same_build_reads_the_records_beside_the_artifacts(builds: Builds, tmp_path: Path, cli: Cli) -> None:
    """``--same-build`` (the CI verify job): no statement, the .build.json files themselves."""
    rel = _release(tmp_path / "rel", builds.plain, builds.plain)
    res = cli("verify", "rel", "--same-build", "--no-project", cwd=tmp_path)
    assert res.code == 0, res.out
    shutil.rmtree(rel)
    _release(rel, builds.plain, builds.flags)
    res = cli("verify", "rel", "--same-build", "--no-project", "--json", cwd=tmp_path)
    assert res.code == 1
    assert json.loads(res.out)["problems"] == [
        "provenance: rel/windows-x86_64/greet.dll: different flags: build-wide flags ($PLUGSMITH_CFLAGS/LDFLAGS, "
        "--cflag/--ldflag) {cflags: [-Os]}, rel/linux-x86_64/libgreet.so was built with (none)"]
    (rel / "linux-x86_64" / "libgreet.so.build.json").unlink()
    res = cli("verify", "rel", "--same-build", "--no-project", "--json", cwd=tmp_path)
    assert res.code == 1
    assert json.loads(res.out)["problems"] == [
        "provenance: rel/linux-x86_64/libgreet.so: no build record for it in this release (not built by plugsmith, "
        "or its .build.json was not shipped beside it)"]


def test_the_project_build_and_run_write_a_statement_that_checks(builds: Builds, cli: Cli) -> None:
    project = builds.plain.parent
    res = cli("run", "-t", "linux-x86_64", "-t", "windows-x86_64", "--no-progress", "--provenance", "out/prov.json",
              cwd=project)
    assert res.code == 0, res.err
    data = json.loads((project / "out" / "prov.json").read_text())
    assert [s["name"] for s in data["subject"]] == ["dist/linux-x86_64/libgreet.so", "dist/windows-x86_64/greet.dll",
                                                    "dist/windows-x86_64/greet.lib"]
    assert sorted(data["predicate"]["buildDefinition"]["externalParameters"]["builds"]) == [
        "dist/linux-x86_64/libgreet.so", "dist/windows-x86_64/greet.dll"]
    res = cli("verify", "-t", "linux-x86_64", "-t", "windows-x86_64", "--provenance-check", "out/prov.json",
              "--same-build", cwd=project)
    assert res.code == 0, res.out


def test_a_different_toolchain_is_named(builds: Builds, tmp_path: Path, cli: Cli) -> None:
    """One zig is installed here, so the other toolchain is written into the record by hand."""
    rel = _release(tmp_path / "rel", builds.plain, builds.plain)
    record_path = rel / "windows-x86_64" / "greet.dll.build.json"
    record = json.loads(record_path.read_text())
    record["toolchain"]["zig"] = "0.16.0"
    record_path.write_text(json.dumps(record))
    assert _provenance_check(cli, tmp_path) == (1, [
        f"provenance: rel/windows-x86_64/greet.dll: different toolchain: zig 0.16.0, rel/linux-x86_64/libgreet.so "
        f"was built with zig {zig.version()}"])


def test_artifacts_that_are_not_the_statements_subjects(builds: Builds, tmp_path: Path, cli: Cli) -> None:
    rel = _release(tmp_path / "rel", builds.plain, builds.plain)
    assert cli("checksums", "rel", "--manifest", "prov.json", cwd=tmp_path).code == 0
    shutil.copy2(builds.flags / "linux-x86_64" / "libgreet.so", rel / "linux-x86_64" / "libgreet.so")
    changed = _sha(rel / "linux-x86_64" / "libgreet.so")
    recorded = _sha(builds.plain / "linux-x86_64" / "libgreet.so")
    assert changed != recorded  # -Os gives other bytes
    res = cli("verify", "rel", "--provenance-check", "prov.json", "--no-project", "--json", cwd=tmp_path)
    assert res.code == 1
    assert json.loads(res.out)["problems"] == [
        f"provenance: rel/linux-x86_64/libgreet.so: sha256 {changed}, prov.json records {recorded}"]


def test_subjects_match_by_digest_from_another_folder_and_a_stranger_is_named(builds: Builds, tmp_path: Path,
                                                                             cli: Cli) -> None:
    rel = _release(tmp_path / "rel", builds.plain, builds.plain)
    assert cli("checksums", "rel", "--manifest", "prov.json", cwd=tmp_path).code == 0
    res = cli("verify", ".", "--provenance-check", "../prov.json", "--no-project", cwd=rel)  # other names
    assert res.code == 0, res.out
    (rel / "extra").mkdir()
    shutil.copy2(builds.flags / "linux-x86_64" / "libgreet.so", rel / "extra" / "libgreet.so")
    res = cli("verify", ".", "--provenance-check", "../prov.json", "--no-project", "--json", cwd=rel)
    assert res.code == 1
    assert json.loads(res.out)["problems"] == [
        f"provenance: extra/libgreet.so: not a subject of ../prov.json (sha256 {_sha(rel / 'extra' / 'libgreet.so')})"]


def test_records_and_import_libraries_are_not_artifacts(builds: Builds, tmp_path: Path, cli: Cli) -> None:
    rel = _release(tmp_path / "rel", builds.plain, builds.plain)
    named = sorted(str(p.relative_to(tmp_path)) for p in rel.rglob("*") if p.is_file())
    assert len(named) == 5
    res = cli("verify", *named, "--contract", str(REPO / "symbols" / "greet.symbols"), "--no-project", "--json",
              cwd=tmp_path)
    assert res.code == 0, res.out
    assert [t["artifact"] for t in json.loads(res.out)["targets"]] == ["rel/linux-x86_64/libgreet.so",
                                                                       "rel/windows-x86_64/greet.dll"]


@pytest.mark.parametrize(("content", "message"), [
    ("SHA256SUMS, not JSON\n", "prov.json: not JSON: Expecting value: line 1 column 1 (char 0)"),
    ('{"_type": "https://in-toto.io/Statement/v1", "subject": [], "predicateType": "https://example.com/x"}',
     "prov.json: not an in-toto Statement v1 with predicateType https://slsa.dev/provenance/v1"),
])
def test_a_file_that_is_not_a_statement_is_bad_input(builds: Builds, tmp_path: Path, cli: Cli, content: str,
                                                     message: str) -> None:
    _release(tmp_path / "rel", builds.plain, builds.plain)
    (tmp_path / "prov.json").write_text(content)
    res = cli("verify", "rel", "--provenance-check", "prov.json", "--no-project", cwd=tmp_path)
    assert (res.code, res.out, res.err) == (2, "", f"plugsmith: error: {message}\n")
