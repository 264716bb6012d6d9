"""``plugsmith init --python``: the generated ``[tool.cibuildwheel]`` makes cibuildwheel list exactly
one build identifier per matrix target (cibuildwheel run for real, offline), and it is valid under
cibuildwheel's own JSON schema (jsonschema and check-jsonschema). A matrix edited afterwards, or a
misspelt key, makes them disagree."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from cibw_helpers import (
    NEEDS_311,
    every_identifier,
    identifiers,
    pyproject,
    read_toml,
    selections,
    tool,
    tool_table,
)
from tests.conftest import Cli, tree

from plugsmith import cibw
from plugsmith import matrix as matrix_mod
from plugsmith.errors import ConfigError

pytestmark = NEEDS_311


def resource(name: str) -> Path:
    """A file of the installed cibuildwheel package (its schema, its defaults)."""
    return Path(str(resources.files("cibuildwheel") / "resources" / name))


DEFAULT_IDS = {"linux": ["cp312-manylinux_aarch64", "cp312-manylinux_x86_64"],
               "macos": ["cp312-macosx_arm64", "cp312-macosx_x86_64"],
               "windows": ["cp312-win_amd64", "cp312-win_arm64"]}
VERIFY = "plugsmith verify --no-project --contract {project}/symbols/spam.symbols"


@pytest.fixture
def project(tmp_path: Path, cli: Cli) -> Path:
    res = cli("init", "--python", str(tmp_path / "spam"), "--plugsmith-spec", "plugsmith @ git+https://example.org/p@1")
    assert res.code == 0, res.err
    return tmp_path / "spam"


def schema_errors(table: object) -> list[str]:
    validator = jsonschema.Draft7Validator(json.loads(resource("cibuildwheel.schema.json").read_text()))
    return sorted(e.message for e in validator.iter_errors(table))


def write_pyproject(project: Path) -> None:
    """Regenerate pyproject.toml from the project's current build_matrix.yaml."""
    m = matrix_mod.load(project / "build_matrix.yaml")
    (project / "pyproject.toml").write_text(cibw.pyproject(m, "plugsmith"))


def test_init_python_writes_pyproject_beside_the_normal_layout(project: Path, tmp_path: Path, cli: Cli) -> None:
    assert cli("init", str(tmp_path / "plain"), "--name", "spam", "--plugsmith-spec", "plugsmith").code == 0
    assert sorted(set(tree(project)) - set(tree(tmp_path / "plain"))) == ["ci/cibuildwheel.yml", "pyproject.toml"]
    doc = pyproject(project)
    assert doc["build-system"] == {"requires": ["plugsmith @ git+https://example.org/p@1"],
                                   "build-backend": "plugsmith.wheel.backend"}
    assert doc["project"] == {"name": "spam", "dynamic": ["version", "description", "requires-python", "license"]}


def test_identifiers_are_the_matrix_targets(project: Path) -> None:
    assert every_identifier(project) == DEFAULT_IDS
    targets = matrix_mod.load(project / "build_matrix.yaml").targets
    assert {p: list(v) for p, v in cibw.expected(targets).items()} == DEFAULT_IDS
    assert [(i.identifier, i.target) for i in cibw.identifiers(targets)] == [
        ("cp312-manylinux_x86_64", "linux-x86_64"), ("cp312-manylinux_aarch64", "linux-aarch64"),
        ("cp312-macosx_x86_64", "macos-x86_64"), ("cp312-macosx_arm64", "macos-aarch64"),
        ("cp312-win_amd64", "windows-x86_64"), ("cp312-win_arm64", "windows-aarch64")]


def test_generated_table_exactly(project: Path) -> None:
    table = tool_table(project)
    install = "python -m pip install -r {project}/plugsmith-requirements.txt"
    assert {k: v for k, v in table.items() if k not in ("linux", "macos", "windows", "overrides")} == {
        "build": ["cp312-manylinux_x86_64", "cp312-manylinux_aarch64", "cp312-macosx_x86_64", "cp312-macosx_arm64",
                  "cp312-win_amd64", "cp312-win_arm64"],
        "before-build": install, "before-test": install,
        "test-command": [f"{VERIFY} {{wheel}}", "python -c \"import spam; print(spam.library_path())\""]}
    assert table["overrides"] == [{"select": i, "environment": {"PLUGSMITH_TARGETS": t}} for i, t in [
        ("cp312-manylinux_x86_64", "linux-x86_64"), ("cp312-manylinux_aarch64", "linux-aarch64"),
        ("cp312-macosx_x86_64", "macos-x86_64"), ("cp312-macosx_arm64", "macos-aarch64"),
        ("cp312-win_amd64", "windows-x86_64"), ("cp312-win_arm64", "windows-aarch64")]]
    defaults = read_toml(resource("defaults.toml"))["tool"]["cibuildwheel"]
    for platform, archs in [("linux", ["x86_64", "aarch64"]), ("macos", ["x86_64", "arm64"]),
                            ("windows", ["AMD64", "ARM64"])]:
        # the ecosystem's repair tool first (cibuildwheel's own default, read from the installed package), then verify
        assert table[platform] == {"archs": archs, "repair-wheel-command": [
            defaults[platform]["repair-wheel-command"], f"{VERIFY} {{dest_dir}}"]}


def test_table_is_valid_under_cibuildwheels_schema(project: Path) -> None:
    assert schema_errors(tool_table(project)) == []
    wrapper = project.parent / "wrap.json"
    wrapper.write_text(json.dumps({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
                                   "properties": {"tool": {"type": "object", "properties": {
                                       "cibuildwheel": {"$ref": resource("cibuildwheel.schema.json").as_uri()}}}}}))
    done = tool("check-jsonschema", "--schemafile", str(wrapper), str(project / "pyproject.toml"))
    assert (done.returncode, done.stdout.strip()) == (0, "ok -- validation done"), done.stderr


def test_a_misspelt_key_fails_the_schema_and_cibuildwheel(project: Path) -> None:
    path = project / "pyproject.toml"
    path.write_text(path.read_text().replace("\ntest-command = ", "\ntest-cmd = "))
    assert schema_errors(tool_table(project)) == ["Additional properties are not allowed ('test-cmd' was unexpected)"]
    done = tool("cibuildwheel", "--print-build-identifiers", "--platform", "linux", cwd=project)
    assert done.returncode == 2
    assert "Option 'test-cmd' not supported in a config file. Perhaps you meant 'test-command'?" in done.stderr


def test_a_wrong_type_fails_the_schema(project: Path) -> None:
    table = tool_table(project)
    assert schema_errors({**table, "build": 3}) == ["3 is not valid under any of the given schemas"]


def test_matrix_edited_after_init_disagrees_until_regenerated(project: Path) -> None:
    config = project / "build_matrix.yaml"
    config.write_text(config.read_text().replace("  - linux-aarch64\n",
                                                 "  - linux-aarch64\n  - {os: linux, arch: x86_64, libc: musl}\n"))
    want = list(cibw.expected(matrix_mod.load(config).targets)["linux"])
    assert want == ["cp312-manylinux_aarch64", "cp312-manylinux_x86_64", "cp312-musllinux_x86_64"]
    assert identifiers(project, "linux") == DEFAULT_IDS["linux"] != want  # the stale table misses the musl target
    write_pyproject(project)
    assert identifiers(project, "linux") == want
    assert schema_errors(tool_table(project)) == []


def test_other_platforms_and_a_missing_os(project: Path) -> None:
    config = project / "build_matrix.yaml"
    text = config.read_text()
    start, end = text.index("targets:\n"), text.index("\ndefaults:")
    config.write_text(text[:start] + "targets:\n  - {os: linux, arch: x86_64, libc: musl}\n  - linux-arm\n"
                      "  - {os: linux, arch: x86, libc: musl}\n  - linux-x86\n  - windows-x86\n" + text[end:])
    write_pyproject(project)
    assert every_identifier(project) == {"linux": ["cp312-manylinux_armv7l", "cp312-manylinux_i686",
                                                   "cp312-musllinux_i686", "cp312-musllinux_x86_64"],
                                         "macos": [], "windows": ["cp312-win32"]}
    table = tool_table(project)
    assert table["build"] == ["cp312-musllinux_x86_64", "cp312-manylinux_armv7l", "cp312-musllinux_i686",
                              "cp312-manylinux_i686", "cp312-win32"]
    assert table["linux"]["archs"] == ["x86_64", "armv7l", "i686"] and "macos" not in table
    assert schema_errors(table) == []


def test_two_glibc_pins_of_one_arch_are_refused(project: Path) -> None:
    config = project / "build_matrix.yaml"
    config.write_text(config.read_text().replace("  - linux-aarch64\n",
                                                 "  - linux-aarch64\n  - {os: linux, arch: x86_64, glibc: \"2.28\"}\n"))
    with pytest.raises(ConfigError) as info:
        write_pyproject(project)
    assert str(info.value) == ("targets linux-x86_64 and linux-x86_64-glibc2.28: both would be cibuildwheel's "
                               "cp312-manylinux_x86_64; keep one of them for the cibuildwheel build")


def test_init_python_writes_nothing_on_a_clash(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "pyproject.toml").write_text("mine\n")
    res = cli("init", "--python", str(tmp_path), "--name", "x")
    assert res.code == 2
    assert "would overwrite 1 existing file(s): pyproject.toml" in res.err
    assert tree(tmp_path) == ["pyproject.toml"]


def test_a_contract_outside_the_project_is_refused(project: Path) -> None:
    """cibuildwheel copies only the project folder into its Linux container: the verify line could not read it."""
    shared = project.parent / "shared"
    shared.mkdir()
    (project / "symbols" / "spam.symbols").rename(shared / "spam.symbols")
    config = project / "build_matrix.yaml"
    config.write_text(config.read_text().replace("contract: symbols/spam.symbols", "contract: ../shared/spam.symbols")
                      + "allow_outside: [../shared]\n")
    with pytest.raises(ConfigError) as info:
        write_pyproject(project)
    assert str(info.value) == (f"{shared / 'spam.symbols'}: outside the project folder {project}; cibuildwheel sees "
                               "only the project (in its Linux container too), so the verify step could not read it")


def test_pyproject_only_regenerates_from_the_matrix_in_place(project: Path, cli: Cli) -> None:
    config = project / "build_matrix.yaml"
    config.write_text(config.read_text().replace("  - windows-aarch64\n", ""))
    before = tree(project)
    res = cli("init", "--pyproject-only", str(project), "--plugsmith-spec", "plugsmith")
    assert res.code == 2
    assert "would overwrite 1 existing file(s): pyproject.toml (nothing was written; use --force" in res.err
    res = cli("init", "--pyproject-only", "--force", str(project), "--plugsmith-spec", "plugsmith")
    assert res.code == 0, res.err
    assert res.out.splitlines()[0] == f"{project / 'pyproject.toml'}"
    assert tree(project) == before
    assert identifiers(project, "windows") == ["cp312-win_amd64"]
    assert pyproject(project)["build-system"]["requires"] == ["plugsmith"]


def test_pyproject_only_needs_a_matrix(tmp_path: Path, cli: Cli) -> None:
    res = cli("init", "--pyproject-only", str(tmp_path))
    assert res.code == 2
    assert "build_matrix.yaml: file not found" in res.err
    assert tree(tmp_path) == []


def workflow(project: Path) -> dict[str, Any]:
    doc = yaml.safe_load((project / "ci" / "cibuildwheel.yml").read_text())
    assert isinstance(doc, dict)
    return doc


def test_the_workflow_passes_githubs_schema_and_zizmor(project: Path) -> None:
    path = str(project / "ci" / "cibuildwheel.yml")
    done = tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", path)
    assert (done.returncode, done.stdout.strip()) == (0, "ok -- validation done"), done.stdout + done.stderr
    done = tool("zizmor", "--offline", "--persona=pedantic", "--no-progress", "--format", "plain", path)
    assert done.returncode == 0 and "No findings to report" in done.stdout, done.stdout + done.stderr


@pytest.mark.slow  # fourteen cibuildwheel runs
def test_the_workflows_runners_build_every_target_once(project: Path) -> None:
    """Each job of ci/cibuildwheel.yml is cibuildwheel with CIBW_PLATFORM and CIBW_ARCHS from its matrix
    row: run those selections here, as the jobs would, and every target comes out of exactly one job.
    A runner for a machine or libc the matrix does not build (ppc64le, universal2, win32) builds nothing."""
    jobs = workflow(project)["jobs"]
    assert jobs["wheels"]["env"] == {"CIBW_PLATFORM": "${{ matrix.platform }}", "CIBW_ARCHS": "${{ matrix.arch }}"}
    rows = [(r["platform"], r["arch"]) for r in jobs["wheels"]["strategy"]["matrix"]["include"]]
    assert rows == [("linux", "x86_64"), ("linux", "aarch64"), ("macos", "x86_64"), ("macos", "arm64"),
                    ("windows", "AMD64"), ("windows", "ARM64")]
    others = [("linux", "ppc64le"), ("macos", "universal2"), ("windows", "x86")]
    found = selections(project, [{"CIBW_PLATFORM": p, "CIBW_ARCHS": a} for p, a in rows + others])
    assert found == [["cp312-manylinux_x86_64"], ["cp312-manylinux_aarch64"], ["cp312-macosx_x86_64"],
                     ["cp312-macosx_arm64"], ["cp312-win_amd64"], ["cp312-win_arm64"], [], [], []]
    config = project / "build_matrix.yaml"  # a matrix without Windows on arm: that runner builds nothing
    config.write_text(config.read_text().replace("  - windows-aarch64\n", ""))
    write_pyproject(project)
    assert selections(project, [{"CIBW_PLATFORM": "windows", "CIBW_ARCHS": "ARM64"}]) == [[]]
