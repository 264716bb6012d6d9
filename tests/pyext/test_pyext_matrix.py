"""kind: python-extension in build_matrix.yaml and the plan: validation with exact messages, the
contract plugsmith writes, and the artifact names per format."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyext_helpers import extension_project
from tests.conftest import REPO

from plugsmith import matrix, plan
from plugsmith.errors import ConfigError


def errors_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        matrix.load(path)
    return [str(e).replace(str(path.parent) + "/", "") for e in info.value.errors]


def test_contract_is_written_for_the_user(tmp_path: Path) -> None:
    m = matrix.load(extension_project(tmp_path))
    (spam,) = m.plugins
    assert (spam.kind, spam.abi3, spam.contract_path, spam.is_extension) == ("python-extension", "3.9", None, True)
    assert [(s.name, s.kind) for s in spam.contract.symbols] == [("PyInit_spam", "function")]


def test_plan_names_modules_per_format_without_import_library(tmp_path: Path) -> None:
    config = extension_project(tmp_path, targets=("linux-x86_64", "linux-aarch64-musl", "macos-aarch64",
                                                  "windows-x86_64", "windows-aarch64"))
    jobs = plan.resolve(matrix.load(config)).jobs
    assert [(j.target.name, j.library, j.import_library) for j in jobs] == [
        ("linux-x86_64", "spam.abi3.so", None), ("linux-aarch64-musl", "spam.abi3.so", None),
        ("macos-aarch64", "spam.abi3.so", None), ("windows-x86_64", "spam.pyd", None),
        ("windows-aarch64", "spam.pyd", None)]


def test_a_matching_contract_file_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "spam.symbols").write_text("version 1\nPyInit_spam function\n")
    m = matrix.load(extension_project(tmp_path, plugin_extra="    contract: spam.symbols\n"))
    assert m.plugins[0].contract_path == tmp_path / "spam.symbols"


def test_a_contract_file_with_other_symbols_is_refused(tmp_path: Path) -> None:
    (tmp_path / "spam.symbols").write_text("version 1\nPyInit_spam function\nspam_helper function\n")
    assert errors_of(extension_project(tmp_path, plugin_extra="    contract: spam.symbols\n")) == [
        "build_matrix.yaml:8:15: plugins[0].contract: a python-extension exports exactly 'PyInit_spam' (a function, "
        "on every target); spam.symbols lists PyInit_spam, spam_helper: fix it, or drop 'contract:' and plugsmith "
        "writes it"]


@pytest.mark.parametrize(("abi3", "message"), [
    ("3.9.1", "expected a CPython version like \"3.9\" (quoted), got '3.9.1'"),
    ("2.7", "expected a CPython version like \"3.9\" (quoted), got '2.7'"),
    ("3.1", "the stable ABI starts with CPython 3.2 (PEP 384), not 3.1"),
    ("3.14", "plugsmith's stable-ABI list ends with CPython 3.13 (src/plugsmith/python_ext/data/stable_abi.txt); "
             "3.14 is newer"),
])
def test_bad_abi3_values(tmp_path: Path, abi3: str, message: str) -> None:
    assert errors_of(extension_project(tmp_path, abi3=abi3)) == [f"build_matrix.yaml:6:11: plugins[0].abi3: {message}"]


def test_abi3_as_a_number_is_refused(tmp_path: Path) -> None:
    config = extension_project(tmp_path)
    config.write_text(config.read_text().replace('abi3: "3.9"', "abi3: 3.9"))
    assert errors_of(config) == [
        "build_matrix.yaml:6:11: plugins[0].abi3: expected a CPython version like \"3.9\" (quoted), got 3.9"]


def test_missing_abi3_unknown_kind_abi3_on_a_library_and_a_bad_module_name(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.c").write_text("int a;\n")
    (tmp_path / "a.symbols").write_text("version 1\na data\n")
    config = tmp_path / "build_matrix.yaml"
    config.write_text("version: 1\nplugins:\n"
                      "  - {name: m, kind: python-extension, sources: [src/a.c]}\n"
                      "  - {name: k, kind: python-extention, sources: [src/a.c]}\n"
                      "  - {name: lib, sources: [src/a.c], contract: a.symbols, abi3: \"3.9\"}\n"
                      "  - {name: my-mod, kind: python-extension, abi3: \"3.9\", sources: [src/a.c]}\n")
    assert errors_of(config) == [
        "build_matrix.yaml:3:5: plugins[0]: missing required key 'abi3' for kind: python-extension: the oldest "
        "CPython the module loads on, e.g. abi3: \"3.9\" (the limited API, Py_LIMITED_API=0x03090000)",
        "build_matrix.yaml:4:21: plugins[1].kind: unknown kind 'python-extention' (did you mean 'python-extension'?); "
        "known: library, python-extension",
        "build_matrix.yaml:5:58: plugins[2].abi3: abi3 applies to kind: python-extension only",
        "build_matrix.yaml:6:12: plugins[3].name: a python-extension's name is its module name, a Python identifier "
        "(letters, digits, _): 'my-mod' is not",
    ]


def test_the_example_and_a_missing_abi3_against_the_json_schema() -> None:
    import json

    import jsonschema
    import yaml

    import plugsmith

    schema = json.loads((Path(plugsmith.__file__).parent / "schemas" / "build_matrix.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    doc = yaml.safe_load((REPO / "examples" / "python-extension" / "build_matrix.yaml").read_text())
    assert [e.message for e in validator.iter_errors(doc)] == []
    del doc["plugins"][0]["abi3"]
    assert [e.message for e in validator.iter_errors(doc)] == ["'abi3' is a required property"]
    assert tuple(schema["$defs"]["plugin"]["properties"]["kind"]["enum"]) == matrix.KINDS
