"""The JSON Schemas shipped in plugsmith/schemas/: valid schemas, in step with the loaders they
describe, accepting every real file and output, rejecting what the loaders reject."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from contract_helpers import DEMO_CONTRACT, write_project
from tests.conftest import REPO, Cli

import plugsmith
from plugsmith import matrix
from plugsmith.contract import parse, to_data
from plugsmith.errors import ConfigError
from plugsmith.wheel.config import WHEEL_KEYS

SCHEMAS = Path(plugsmith.__file__).parent / "schemas"


def schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / name).read_text())


def errors(name: str, instance: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema(name))
    return sorted(e.message for e in validator.iter_errors(instance))


@pytest.mark.parametrize("name", ["build_matrix.schema.json", "contract.schema.json", "diff.schema.json"])
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    jsonschema.Draft202012Validator.check_schema(schema(name))


def test_build_matrix_schema_mirrors_matrix_keys() -> None:
    s = schema("build_matrix.schema.json")
    assert tuple(s["properties"]) == matrix.TOP_KEYS
    assert tuple(s["$defs"]["plugin"]["properties"]) == matrix.PLUGIN_KEYS
    assert tuple(s["$defs"]["target"]["oneOf"][1]["properties"]) == matrix.TARGET_KEYS
    assert tuple(s["$defs"]["flags"]["properties"]) == matrix.FLAG_KEYS
    assert tuple(s["$defs"]["override"]["properties"]) == matrix.OVERRIDE_KEYS
    assert tuple(s["$defs"]["override"]["properties"]["inherit"]["enum"]) == matrix.INHERIT_RULES
    assert tuple(s["$defs"]["plugin"]["properties"]["language"]["enum"]) == matrix.LANGUAGES
    assert tuple(s["$defs"]["wheel"]["properties"]) == WHEEL_KEYS
    assert s["properties"]["policy"] == {"type": "object", "description": s["properties"]["policy"]["description"]}


def test_example_build_matrix_is_valid() -> None:
    assert errors("build_matrix.schema.json", yaml.safe_load((REPO / "build_matrix.yaml").read_text())) == []


def test_test_projects_are_valid(tmp_path: Path) -> None:
    project = write_project(tmp_path)
    assert errors("build_matrix.schema.json", yaml.safe_load(project.config.read_text())) == []
    matrix.load(project.config)  # and the loader agrees


def test_files_plugsmith_init_writes_are_valid(tmp_path: Path, cli: Cli) -> None:
    templates = sorted((Path(plugsmith.__file__).parent / "templates").rglob("build_matrix.yaml*"))
    from plugsmith.cli import COMMANDS

    assert "init" in {m.NAME for m in COMMANDS}
    assert templates != [], "no build_matrix.yaml template shipped"
    for template in templates:
        text = template.read_text().replace("__NAME__", "DEMO").replace("__name__", "demo")  # as init renders it
        assert errors("build_matrix.schema.json", yaml.safe_load(text)) == [], template
    res = cli("init", cwd=tmp_path)
    assert res.code == 0, res.err
    written = tmp_path / "build_matrix.yaml"
    assert errors("build_matrix.schema.json", yaml.safe_load(written.read_text())) == []


BAD_MATRICES = [
    ("unknown top key", {"plugin": []}, "Additional properties are not allowed ('plugin' was unexpected)"),
    ("version 2", {"version": 2}, "1 was expected"),
    ("unknown plugin key", {"plugins": [{"name": "demo", "sources": ["src/demo.c"],
                                         "contract": "symbols/demo.symbols", "source": "x"}]},
     "Additional properties are not allowed ('source' was unexpected)"),
    ("bad inherit", {"overrides": [{"select": "linux-*", "inherit": "merge"}]},
     "'merge' is not one of ['append', 'prepend', 'replace']"),
    ("bad target", {"targets": ["linux-x68_64"]}, "'linux-x68_64' is not valid under any of the given schemas"),
    ("unknown wheel key", {"wheel": {"verison": "1.0"}},
     "Additional properties are not allowed ('verison' was unexpected)"),
    ("bad language", {"plugins": [{"name": "demo", "sources": ["src/demo.c"], "contract": "symbols/demo.symbols",
                                   "language": "rust"}]}, "'rust' is not one of ['c', 'c++']"),
]


@pytest.mark.parametrize(("case", "change", "message"), BAD_MATRICES, ids=[b[0] for b in BAD_MATRICES])
def test_schema_and_loader_both_reject(tmp_path: Path, case: str, change: dict[str, Any], message: str) -> None:
    project = write_project(tmp_path)
    data = yaml.safe_load(project.config.read_text())
    data.update(change)
    found = errors("build_matrix.schema.json", data)
    assert found == [message]
    project.config.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError):
        matrix.load(project.config)


def test_policy_is_free_form(tmp_path: Path) -> None:
    data = yaml.safe_load(write_project(tmp_path).config.read_text())
    data["policy"] = {"anything": [1, {"nested": True}]}
    assert errors("build_matrix.schema.json", data) == []


def test_contract_json_is_valid(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "demo.symbols").write_text(DEMO_CONTRACT)
    for extra in ((), ("--target", "windows-x86_64")):
        res = cli("symbols", "show", "demo.symbols", "--json", *extra, cwd=tmp_path)
        assert errors("contract.schema.json", json.loads(res.out)) == []


def test_contract_schema_rejects_bad_values() -> None:
    data = to_data(parse(DEMO_CONTRACT, "d"))
    data["symbols"][0]["ordinal"] = 0
    data["symbols"][1]["kind"] = "variable"
    data["symbols"][2]["name"] = "9x"
    assert len(errors("contract.schema.json", data)) == 3


def test_diff_json_is_valid(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "old.symbols").write_text(DEMO_CONTRACT)
    (tmp_path / "new.symbols").write_text(DEMO_CONTRACT.replace("demo_level      data", "demo_level      function")
                                          + "[DEMO_3.0] inherits DEMO_2.0\ndemo_new function\n")
    res = cli("diff", "old.symbols", "new.symbols", "--json", cwd=tmp_path)
    assert res.code == 12 and errors("diff.schema.json", json.loads(res.out)) == []
