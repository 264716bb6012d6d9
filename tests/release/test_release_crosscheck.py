"""lief as the second reader: ``verify --cross-check`` (and ``run``, by default) reads every binary
again with lief and fails on any field where lief and plugsmith's own reader disagree."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from tests.conftest import Cli
from tests.release.release_helpers import greet_path
from tests.release.test_release_inputs import CONTRACT

from plugsmith import inspection
from plugsmith.inspection import inspect_file
from plugsmith.inspection.crosscheck import disagreements

SIX = ("linux-x86_64", "linux-aarch64", "macos-x86_64", "macos-aarch64", "windows-x86_64", "windows-aarch64")


def test_lief_agrees_on_every_artifact_of_the_release(greet_dist: Path) -> None:
    for target in SIX:
        path = greet_path(greet_dist, target)
        assert disagreements(path, inspect_file(path)) == (), target


def test_a_reader_that_drops_an_export_is_caught(greet_dist: Path) -> None:
    path = greet_path(greet_dist, "linux-aarch64")
    (ours,) = inspect_file(path)
    dropped = sorted(ours.exports, key=lambda e: e.name)[0]
    wrong = dataclasses.replace(ours, exports=tuple(e for e in ours.exports if e != dropped), soname="other.so")
    assert disagreements(path, (wrong,)) == (
        f"exports: only plugsmith reads nothing; only lief reads {dropped.name}@{dropped.version} ({dropped.kind})",
        f"soname: plugsmith reads 'other.so', lief reads {ours.soname!r}")


def test_verify_cross_check_passes_then_names_the_file_lief_reads_differently(
        cli: Cli, greet_dist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    res = cli("verify", str(greet_dist), "--contract", CONTRACT, "--no-project", "--cross-check", "--json",
              "--no-cache", cwd=tmp_path)
    assert res.code == 0, res.out + res.err
    assert json.loads(res.out)["problems"] == []
    real = inspection._INSPECTORS["macho"]

    def one_export_short(path: Path, data: inspection.Data) -> tuple[inspection.Inspection, ...]:
        return tuple(dataclasses.replace(ins, exports=ins.exports[1:]) for ins in real(path, data))

    monkeypatch.setitem(inspection._INSPECTORS, "macho", one_export_short)  # plugsmith's reader, not lief
    res = cli("verify", str(greet_dist / "macos-aarch64"), "--contract", CONTRACT, "--no-project", "--cross-check",
              "--json", "--no-cache", cwd=tmp_path)
    first = real(greet_path(greet_dist, "macos-aarch64"),
                 greet_path(greet_dist, "macos-aarch64").read_bytes())[0].exports[0]
    assert res.code == 1
    assert json.loads(res.out)["problems"] == [
        f"cross-check: {greet_path(greet_dist, 'macos-aarch64')}: exports: only plugsmith reads nothing; "
        f"only lief reads {first.name} ({first.kind})"]
