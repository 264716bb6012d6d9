"""Conventions every sub-command keeps: -C/-c everywhere, PLUGSMITH_TARGETS and PLUGSMITH_JOBS, the
build matrix found in a parent folder, per-command help with that command's own exit codes."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from tests.conftest import Cli, copy_example, tree

from plugsmith.cli import build_parser

GREET = ["greet_add", "greet_api_level", "greet_banner", "greet_scale", "greet_version"]


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    out: dict[str, argparse.ArgumentParser] = dict(sub.choices)
    symbols = next(a for a in sub.choices["symbols"]._actions if isinstance(a, argparse._SubParsersAction))
    out |= {f"symbols {name}": p for name, p in symbols.choices.items()}
    return out


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {o for a in parser._actions for o in a.option_strings}


def test_every_command_accepts_directory_and_config() -> None:
    missing = {name: sorted({"-C", "--directory", "-c", "--config"} - _options(p))
               for name, p in _subparsers().items() if name != "symbols"}
    # init writes the matrix rather than reading one: -C only.
    assert {k: v for k, v in missing.items() if v} == {"init": ["--config", "-c"]}


def test_verify_load_checksums_do_not_offer_build_flags() -> None:
    parsers = _subparsers()
    for name in ("verify", "load", "checksums", "diff", "symbols check"):
        assert _options(parsers[name]) & {"--cflag", "--ldflag", "-j", "--jobs", "--force", "-k"} == set(), name
    for name in ("build", "run"):
        assert {"--cflag", "--ldflag", "-j"} <= _options(parsers[name]), name


def test_symbols_check_with_directory(example: Path, tmp_path: Path, cli: Cli) -> None:
    res = cli("symbols", "check", "-C", str(example), cwd=tmp_path)
    assert (res.code, res.err) == (0, "")
    assert res.out == "example/symbols/greet.symbols: ok: 5 symbols in 2 version nodes\n"
    res = cli("symbols", "check", "-C", str(example), "symbols/greet.symbols", cwd=tmp_path)
    assert res.out == "example/symbols/greet.symbols: ok: 5 symbols in 2 version nodes\n"
    res = cli("symbols", "show", "-c", str(example / "build_matrix.yaml"), "--json", cwd=tmp_path)
    assert res.code == 0, res.err
    assert sorted(s["name"] for s in json.loads(res.out)["symbols"]) == GREET


@pytest.mark.parametrize("argv", [["symbols", "check", "a.symbols"], ["verify", "a.so"], ["targets"],
                                  ["diff", "a.symbols", "b.symbols"]], ids=["symbols", "verify", "targets", "diff"])
def test_directory_that_does_not_exist(tmp_path: Path, cli: Cli, argv: list[str]) -> None:
    res = cli(*argv, "-C", str(tmp_path / "nope"), cwd=tmp_path)
    assert res.code == 2
    assert res.err == f"plugsmith: error: -C {tmp_path / 'nope'}: no such folder\n"


def test_diff_with_directory_and_config(example: Path, tmp_path: Path, cli: Cli) -> None:
    res = cli("diff", "-C", str(example), "symbols/greet.symbols", "symbols/greet.symbols", cwd=tmp_path)
    assert res.code == 0, res.err
    assert res.out.endswith("PATCH: 0 changes from example/symbols/greet.symbols to "
                            "example/symbols/greet.symbols on 6 targets\n")
    # -c names the project whose one contract NEW was built from; two contracts need --new-contract.
    (example / "symbols/other.symbols").write_text((example / "symbols/greet.symbols").read_text())
    two = example / "two.yaml"
    two.write_text((example / "build_matrix.yaml").read_text().replace(
        "plugins:\n", "plugins:\n  - {name: other, sources: [plugins/greet/greet.c], "
        "include_dirs: [plugins/greet/include], contract: symbols/other.symbols}\n"))
    contract = str(example / "symbols/greet.symbols")
    res = cli("diff", "-c", str(two), contract, contract, cwd=tmp_path)
    assert (res.code, res.out) == (2, "")
    assert res.err == f"plugsmith: error: -c {two}: the project has 2 contracts; name NEW's with --new-contract\n"
    res = cli("diff", "-c", str(example / "build_matrix.yaml"), contract, contract, cwd=tmp_path)
    assert res.code == 0, res.err


def test_config_is_found_in_a_parent_folder(example: Path, cli: Cli) -> None:
    deep = example / "plugins" / "greet"
    res = cli("targets", "--ci-matrix", cwd=deep)
    assert res.code == 0, res.err
    assert [row["target"] for row in json.loads(res.out)["include"]] == [
        "linux-x86_64", "linux-aarch64", "macos-x86_64", "macos-aarch64", "windows-x86_64", "windows-aarch64"]
    res = cli("maps", "--print", "-t", "linux-x86_64", cwd=deep)
    assert res.code == 0, res.err
    assert "greet_add;" in res.out


def test_no_config_anywhere_is_named(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    res = cli("targets", cwd=tmp_path / "a" / "b")
    assert res.code == 2
    assert res.err == ("plugsmith: error: build_matrix.yaml: no build_matrix.yaml here or in a parent folder; "
                       "run 'plugsmith init' to create one, or pass -C DIR\n")


def test_targets_from_the_environment(example: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGSMITH_TARGETS", "windows-*, linux-x86_64")
    res = cli("targets", "--ci-matrix", cwd=example)
    assert [row["target"] for row in json.loads(res.out)["include"]] == [
        "linux-x86_64", "windows-x86_64", "windows-aarch64"]
    res = cli("targets", "--ci-matrix", "-t", "macos", cwd=example)  # the option wins over the variable
    assert [row["target"] for row in json.loads(res.out)["include"]] == ["macos-x86_64", "macos-aarch64"]


def test_jobs_from_the_environment(example: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGSMITH_JOBS", "0")
    res = cli("build", "-t", "linux-x86_64", "--no-progress", cwd=example)
    assert res.code == 2
    assert res.err == "plugsmith: error: PLUGSMITH_JOBS='0': expected at least 1 job, got 0\n"
    assert tree(example / "dist") == []
    res = cli("targets", "--ci-matrix", cwd=example)  # commands that do not build never read it
    assert res.code == 0, res.err
    monkeypatch.setenv("PLUGSMITH_JOBS", "1")
    res = cli("build", "-t", "linux-x86_64", "--no-progress", cwd=example)
    assert res.code == 0, res.err
    assert tree(example / "dist") == ["linux-x86_64/libgreet.so", "linux-x86_64/libgreet.so.build.json"]


def test_per_command_help_has_its_own_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    def help_of(*argv: str) -> str:
        with pytest.raises(SystemExit):
            build_parser().parse_args([*argv, "--help"])
        return " ".join(capsys.readouterr().out.split())

    diff = help_of("diff")
    assert ("exit codes (bits): 0 no change, 1 error (unreadable or corrupt input), 2 usage, 4 the ABI changed, "
            "8 the change is incompatible (4 = minor, 12 = major), 130 interrupted.") in diff
    assert "3 build failed" not in diff
    verify = help_of("verify")
    assert "3 build failed" in verify
    assert "--cflag" not in verify


def test_init_with_directory(tmp_path: Path, cli: Cli) -> None:
    res = cli("init", "-C", str(tmp_path), "new", "--plugsmith-spec", "/src/plugsmith", cwd=copy_example(
        tmp_path / "elsewhere"))
    assert res.code == 0, res.err
    assert (tmp_path / "new" / "build_matrix.yaml").is_file()
    assert not (tmp_path / "elsewhere" / "new").exists()
