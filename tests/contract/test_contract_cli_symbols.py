"""``plugsmith symbols check|show`` and malformed contracts through the CLI: one line per error as
``file:line:col: field: message``, exit 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from contract_helpers import DEMO_CONTRACT, write_project
from test_contract_parse import MALFORMED
from tests.conftest import Cli


@pytest.mark.parametrize(("text", "expected"), MALFORMED)
def test_symbols_check_reports_each_malformed_case(tmp_path: Path, cli: Cli, text: str,
                                                   expected: list[str]) -> None:
    (tmp_path / "bad.symbols").write_text(text)
    res = cli("symbols", "check", "bad.symbols", cwd=tmp_path)
    assert res.code == 2
    assert [line for line in res.err.splitlines() if line.startswith("plugsmith: error: ")] == [
        f"plugsmith: error: {line}" for line in expected]
    assert "Traceback" not in res.err and res.out == ""


def test_symbols_check_ok(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "demo.symbols").write_text(DEMO_CONTRACT)
    res = cli("symbols", "check", "demo.symbols", cwd=tmp_path)
    assert (res.code, res.out) == (0, "demo.symbols: ok: 8 symbols in 3 version nodes, 1 removed\n")


def test_symbols_check_missing_file(tmp_path: Path, cli: Cli) -> None:
    res = cli("symbols", "check", "nope.symbols", cwd=tmp_path)
    assert res.code == 2 and "plugsmith: error: nope.symbols: symbols file not found" in res.err


def test_malformed_contract_named_by_the_build_matrix_fails_every_command(tmp_path: Path, cli: Cli) -> None:
    write_project(tmp_path, contract="[DEMO_1.0]\ndemo_add function\ndemo_add data\n", targets=("linux-x86_64",))
    for command in ("targets", "maps", "build", "run"):
        res = cli(command, "-C", str(tmp_path), cwd=tmp_path)
        assert res.code == 2, command
        assert "symbols/demo.symbols:3:1: name: duplicate symbol 'demo_add' (first on line 2)" in res.err
    assert not (tmp_path / "dist").exists() and not (tmp_path / "build").exists()


def test_symbols_show_per_target(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "demo.symbols").write_text(DEMO_CONTRACT)
    res = cli("symbols", "show", "demo.symbols", "--target", "windows-x86_64", "--json", cwd=tmp_path)
    assert res.code == 0
    data = json.loads(res.out)
    assert data["target"] == "windows-x86_64"
    assert [s["name"] for s in data["symbols"]] == ["demo_add", "demo_banner", "demo_scale", "demo_level",
                                                    "demo_win_hook", "demo_fast", "demo_mul"]
    text = cli("symbols", "show", "demo.symbols", cwd=tmp_path).out
    assert "demo_old       function   ordinal=3 deprecated=DEMO_1.1 removed=DEMO_2.0" in text


def test_symbols_show_bad_target(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "demo.symbols").write_text(DEMO_CONTRACT)
    res = cli("symbols", "show", "demo.symbols", "--target", "beos", cwd=tmp_path)
    assert res.code == 2 and "--target 'beos': expected OS-ARCH" in res.err


def test_symbols_without_action_is_usage_error(cli: Cli) -> None:
    res = cli("symbols")
    assert res.code == 2 and "name an action: check, show or import" in res.err
