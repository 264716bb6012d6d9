"""``builder:`` and its fields in build_matrix.yaml: what loads, and every bad input with its exact
file:line:col message; the JSON schema agrees with the loader."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml
from tests.conftest import Cli

import plugsmith
from plugsmith import matrix, plan
from plugsmith.errors import ConfigError

CONTRACT = "version 1\n[T_1.0]\nt_add function\n"


def project(tmp_path: Path, plugin: str, *, files: dict[str, str] | None = None) -> Path:
    (tmp_path / "t.symbols").write_text(CONTRACT)
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "CMakeLists.txt").write_text("project(t C)\n")
    (tmp_path / "proj" / "meson.build").write_text("project('t', 'c')\n")
    for name, text in (files or {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    path = tmp_path / "build_matrix.yaml"
    path.write_text("version: 1\ntargets: [linux-x86_64, macos-aarch64]\nplugins:\n  - name: t\n"
                    "    contract: t.symbols\n" + plugin)
    return path


def errors_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        matrix.load(path)
    return [str(e).replace(str(path.parent) + "/", "") for e in info.value.errors]


def schema_errors(path: Path) -> list[str]:
    schema = yaml.safe_load((Path(plugsmith.__file__).parent / "schemas" / "build_matrix.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    return [e.message for e in validator.iter_errors(yaml.safe_load(path.read_text()))]


def test_cmake_plugin_loads_and_plans(tmp_path: Path) -> None:
    path = project(tmp_path, "    builder: cmake\n    source_dir: proj\n    cmake_target: tplug\n"
                             "    options: {BUILD_TESTING: false, LEVEL: 3, NAME: x}\n")
    m = matrix.load(path)
    p = m.plugins[0]
    assert (p.builder, p.sources, p.static_libs) == ("cmake", (), ())
    assert p.project is not None
    assert (p.project.source_dir, p.project.target) == (tmp_path / "proj", "tplug")
    assert p.project.options == (("BUILD_TESTING", "OFF"), ("LEVEL", "3"), ("NAME", "x"))
    assert [j.builder for j in plan.resolve(m, env={}).jobs] == ["cmake", "cmake"]
    assert schema_errors(path) == []


def test_meson_booleans_and_default_target(tmp_path: Path) -> None:
    m = matrix.load(project(tmp_path, "    builder: meson\n    source_dir: proj\n    options: {tests: true}\n"))
    assert m.plugins[0].project is not None
    assert (m.plugins[0].project.target, m.plugins[0].project.options) == (None, (("tests", "true"),))


def test_zig_is_the_default_and_static_libs_expand_per_target(tmp_path: Path) -> None:
    files = {"src/t.c": "int t_add(int a, int b) { return a + b; }\n",
             "vendor/linux-x86_64/libv.a": "!<arch>\n", "vendor/macos-aarch64/libv.a": "!<arch>\n"}
    path = project(tmp_path, "    sources: [src/t.c]\n    static_libs: [\"vendor/{target}/libv.a\"]\n", files=files)
    m = matrix.load(path)
    assert (m.plugins[0].builder, m.plugins[0].static_libs) == ("zig", ("vendor/{target}/libv.a",))
    jobs = plan.resolve(m, env={}).jobs
    assert [j.static_libs for j in jobs] == [(tmp_path / "vendor/linux-x86_64/libv.a",),
                                             (tmp_path / "vendor/macos-aarch64/libv.a",)]
    assert schema_errors(path) == []


@pytest.mark.parametrize(("plugin", "expected"), [
    ("    builder: cmkae\n    source_dir: proj\n",
     "build_matrix.yaml:6:14: plugins[0].builder: unknown builder 'cmkae' (did you mean 'cmake'?); "
     "known: zig, cmake, meson, go"),
    ("    builder: meson\n    source_dir: proj\n    cmake_target: x\n",
     "build_matrix.yaml:8:19: plugins[0].cmake_target: 'cmake_target' applies to builder: cmake only "
     "(this plugin has builder: meson)"),
    ("    builder: cmake\n    source_dir: proj\n    sources: [a.c]\n",
     "build_matrix.yaml:8:14: plugins[0].sources: 'sources' applies to builder: zig only "
     "(this plugin has builder: cmake)"),
    ("    builder: cmake\n",
     "build_matrix.yaml:4:5: plugins[0]: missing required key 'source_dir' (builder: cmake)"),
    ("    include_dirs: [proj]\n",
     "build_matrix.yaml:4:5: plugins[0]: missing required key 'sources'"),
    ("    builder: cmake\n    source_dir: nothere\n",
     "build_matrix.yaml:7:17: plugins[0].source_dir: directory not found: nothere"),
    ("    builder: cmake\n    source_dir: .\n",
     "build_matrix.yaml:7:17: plugins[0].source_dir: no CMakeLists.txt in . "
     "(builder: cmake needs the project's top folder)"),
    ("    builder: cmake\n    source_dir: proj\n    options: [A=1]\n",
     "build_matrix.yaml:8:14: plugins[0].options: expected a mapping of option names to values, "
     "e.g. {BUILD_TESTING: OFF}"),
    ("    builder: cmake\n    source_dir: proj\n    cmake_target: two words\n",
     "build_matrix.yaml:8:19: plugins[0].cmake_target: expected a target name (no spaces)"),
    ("    builder: go\n",
     "build_matrix.yaml:4:5: plugins[0]: missing required key 'package' (builder: go)"),
    ("    builder: cmake\n    source_dir: proj\n    static_libs: [\"vendor/{target}/libv.a\"]\n",
     "build_matrix.yaml:8:19: plugins[0].static_libs[0]: file not found: vendor/linux-x86_64/libv.a"),
    ("    builder: cmake\n    source_dir: proj\n    static_libs: [\"vendor/{triple}/libv.a\"]\n",
     "build_matrix.yaml:8:19: plugins[0].static_libs[0]: unknown placeholder in 'vendor/{triple}/libv.a'; "
     "known: {target}, {os}, {arch}"),
])
def test_bad_builder_fields(tmp_path: Path, plugin: str, expected: str) -> None:
    path = project(tmp_path, plugin)
    assert errors_of(path) == [expected]
    # what only the loader can know (files on disk, placeholders) passes the schema; the rest both reject
    loader_only = any(word in expected for word in ("not found", "no CMakeLists", "placeholder"))
    assert (schema_errors(path) == []) is loader_only


def test_static_lib_missing_for_one_target_names_it(tmp_path: Path) -> None:
    files = {"vendor/linux-x86_64/libv.a": "!<arch>\n"}
    path = project(tmp_path, "    builder: cmake\n    source_dir: proj\n    static_libs: vendor/{target}/libv.a\n",
                   files=files)
    assert errors_of(path) == [
        "build_matrix.yaml:8:18: plugins[0].static_libs[0]: file not found: vendor/macos-aarch64/libv.a"]


def test_the_examples_load_and_match_the_schema() -> None:
    from tests.builders.builder_helpers import CMAKE_EXAMPLE, MESON_EXAMPLE

    for folder, builder in ((CMAKE_EXAMPLE, "cmake"), (MESON_EXAMPLE, "meson")):
        assert schema_errors(folder / "build_matrix.yaml") == []
        m = matrix.load(folder / "build_matrix.yaml")
        assert [(p.builder, p.project.source_dir if p.project else None) for p in m.plugins] == [
            (builder, folder.resolve())]


def test_targets_says_who_builds_each_job(cli: Cli) -> None:
    """``plugsmith targets`` names the builder (and an extension's kind) per job, table and JSON."""
    import json

    from tests.builders.builder_helpers import CMAKE_EXAMPLE

    res = cli("targets", "--json", "-t", "linux-x86_64", cwd=CMAKE_EXAMPLE)
    assert res.code == 0, res.err
    assert [(j["plugin"], j["builder"], j["kind"]) for j in json.loads(res.out)["jobs"]] == [
        ("mixer", "cmake", "library")]
    res = cli("targets", "-t", "windows-x86_64", cwd=CMAKE_EXAMPLE)
    assert res.code == 0, res.err
    row = next(line for line in res.out.splitlines() if "windows-x86_64" in line and "mixer.dll" in line)
    assert [cell.strip() for cell in row.strip("│ ").split("│")][:5] == [
        "mixer", "windows-x86_64", "x86_64-windows-gnu", "pe", "cmake"]
