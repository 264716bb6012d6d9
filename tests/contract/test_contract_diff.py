"""``plugsmith diff`` on contracts and reports (no build): one case per kind of change, its semver
verdict and abidiff-style exit bits, and the error and usage exits."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest
from tests.conftest import Cli

from plugsmith.abidiff import diff_paths

BASE = """\
version 1
[P_1.0]
p_add     function  ordinal=1
p_value   data      ordinal=2
p_hook    function  ordinal=3 noname
p_posix   function  only=linux,macos
"""

#: (name, new contract, expected (change, symbol, old, new, incompatible) set, verdict, exit)
CASES = [
    ("same", BASE, set(), "patch", 0),
    ("added", BASE + "[P_1.1] inherits P_1.0\np_new function\n",
     {("added", "p_new", None, "p_new", False)}, "minor", 4),
    ("removed", BASE.replace("p_add     function  ordinal=1\n", ""),
     {("removed", "p_add", "p_add", None, True)}, "major", 12),
    ("removed-deliberately", BASE.replace("ordinal=1", "ordinal=1 removed=P_2.0") + "[P_2.0] inherits P_1.0\n",
     {("removed", "p_add", "p_add", None, True)}, "major", 12),
    ("kind", BASE.replace("p_value   data", "p_value   function"),
     {("kind", "p_value", "data", "function", True)}, "major", 12),
    ("version", BASE.replace("p_posix   function  only=linux,macos\n", "") + "[P_1.1] inherits P_1.0\n"
     "p_posix   function  only=linux,macos\n", {("version", "p_posix", "P_1.0", "P_1.1", True)}, "major", 12),
    ("ordinal", BASE.replace("ordinal=1", "ordinal=9"), {("ordinal", "p_add", "1", "9", True)}, "major", 12),
    ("noname", BASE.replace("ordinal=3 noname", "ordinal=3"),
     {("noname", "p_hook", "ordinal 3 only (NONAME)", "by name", True)}, "major", 12),
    ("condition", BASE.replace("only=linux,macos", "only=linux"),
     {("removed", "p_posix", "p_posix", None, True)}, "major", 12),
]


def run(tmp_path: Path, new: str, *extra: str) -> tuple[int, dict]:
    from plugsmith.cli import main

    (tmp_path / "old.symbols").write_text(BASE)
    (tmp_path / "new.symbols").write_text(new)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(["diff", str(tmp_path / "old.symbols"), str(tmp_path / "new.symbols"), "--json", *extra])
    return code, json.loads(buffer.getvalue())


@pytest.mark.parametrize(("name", "new", "expected", "verdict", "code"), CASES, ids=[c[0] for c in CASES])
def test_each_kind_of_change(tmp_path: Path, name: str, new: str, expected: set, verdict: str, code: int) -> None:
    exit_code, data = run(tmp_path, new)
    assert (exit_code, data["verdict"], data["exit"]) == (code, verdict, code)
    assert {(c["change"], c["symbol"], c["old"], c["new"], c["incompatible"]) for c in data["changes"]} == expected
    assert data["targets"] == ["linux-x86_64", "linux-aarch64", "macos-x86_64", "macos-aarch64", "windows-x86_64",
                               "windows-aarch64"]


def test_changes_are_per_target_and_format(tmp_path: Path) -> None:
    _, data = run(tmp_path, BASE.replace("ordinal=1", "ordinal=9"))
    assert sorted(c["target"] for c in data["changes"]) == ["windows-aarch64", "windows-x86_64"]
    _, data = run(tmp_path, BASE.replace("p_posix   function  only=linux,macos\n", "") +
                  "[P_1.1] inherits P_1.0\np_posix   function  only=linux,macos\n")
    assert sorted(c["target"] for c in data["changes"]) == ["linux-aarch64", "linux-x86_64"]  # ELF only


def test_deliberate_removal_is_noted(tmp_path: Path) -> None:
    _, data = run(tmp_path, BASE.replace("ordinal=1", "ordinal=1 removed=P_2.0") + "[P_2.0] inherits P_1.0\n")
    assert {c["note"] for c in data["changes"]} == {"marked removed=P_2.0 in the new contract"}


def test_target_filter(tmp_path: Path) -> None:
    code, data = run(tmp_path, BASE.replace("ordinal=1", "ordinal=9"), "--target", "linux-*")
    assert (code, data["verdict"], data["targets"]) == (0, "patch", ["linux-x86_64", "linux-aarch64"])


def test_terminal_output_folds_targets(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "old.symbols").write_text(BASE)
    (tmp_path / "new.symbols").write_text(BASE.replace("p_value   data", "p_value   function")
                                          + "[P_1.1] inherits P_1.0\np_new function\n")
    res = cli("diff", "old.symbols", "new.symbols", cwd=tmp_path)
    assert res.code == 12
    assert res.out.splitlines() == [
        "compatible: old: added p_new (all targets)",
        "INCOMPATIBLE: old: kind of p_value: data -> function (all targets)",
        "MAJOR: 12 changes from old.symbols to new.symbols on 6 targets",
    ]


def test_contract_json_form_is_a_valid_side(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "old.symbols").write_text(BASE)
    res = cli("symbols", "show", "old.symbols", "--json", cwd=tmp_path)
    (tmp_path / "old.json").write_text(res.out)
    assert diff_paths(tmp_path / "old.json", tmp_path / "old.symbols").verdict == "patch"


def test_malformed_contract_is_usage_exit_2(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "old.symbols").write_text(BASE)
    (tmp_path / "new.symbols").write_text("p_add function\np_add data\n")
    res = cli("diff", "old.symbols", "new.symbols", cwd=tmp_path)
    assert res.code == 2
    assert "plugsmith: error: new.symbols:2:1: name: duplicate symbol 'p_add' (first on line 1)" in res.err


@pytest.mark.parametrize(("args", "message"), [
    (("diff", "old.symbols"), "the following arguments are required: NEW"),
    (("diff", "old.symbols", "nothere"), "nothere: no such file or folder"),
    (("diff", "old.symbols", "old.symbols", "--ordinals", "some"), "invalid choice: 'some'"),
    (("diff", "old.symbols", "bad.json"), "bad.json: invalid JSON"),
    (("diff", "old.symbols", "other.json"), "other.json: JSON is neither a verify report nor a contract"),
])
def test_usage_errors_exit_2(tmp_path: Path, cli: Cli, args: tuple[str, ...], message: str) -> None:
    (tmp_path / "old.symbols").write_text(BASE)
    (tmp_path / "bad.json").write_text("{nope")
    (tmp_path / "other.json").write_text('{"hello": 1}')
    res = cli(*args, cwd=tmp_path)
    assert res.code == 2 and message in res.err


def test_corrupt_artifact_is_error_exit_1(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "old.symbols").write_text(BASE)
    (tmp_path / "libp.so").write_bytes(b"\x7fELF\x02\x01\x01" + b"\0" * 20)  # ELF magic, truncated headers
    res = cli("diff", "old.symbols", "libp.so", cwd=tmp_path)
    assert res.code == 2 and "plugsmith: error: libp.so: malformed ELF: truncated" in res.err


def test_report_side_compares_names_only(tmp_path: Path) -> None:
    report = {"version": 1, "ok": True, "targets": [
        {"plugin": "p", "target": "linux-x86_64", "format": "elf",
         "exported": ["p_add", "p_value", "p_hook", "p_posix"]},
        {"plugin": "p", "target": "windows-x86_64", "format": "pe", "exported": ["p_add", "p_value", "#3"]},
    ]}
    (tmp_path / "report.json").write_text(json.dumps(report))
    (tmp_path / "new.symbols").write_text(BASE.replace("p_value   data", "p_value   function"))
    diff = diff_paths(tmp_path / "report.json", tmp_path / "new.symbols")
    assert diff.targets == ("linux-x86_64", "windows-x86_64")
    assert diff.verdict == "patch"  # a report knows no kinds; NONAME #3 is matched to p_hook by its ordinal
