"""``plugsmith diff`` on real artifacts of releases built from different contracts (linux, macOS and
Windows x86_64): every kind of change found in the binaries, with its verdict and exit bits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from contract_helpers import Project, build_project, write_project
from tests.conftest import Cli

from plugsmith.abidiff import Diff, diff_paths

TARGETS = ("linux-x86_64", "macos-x86_64", "windows-x86_64")

R1_CONTRACT = """\
version 1
[REL_1.0]
rel_add     function  ordinal=1
rel_gone    function  ordinal=2
rel_value   data      ordinal=3
rel_moved   function
rel_hook    function  ordinal=7 noname
"""
R1_SOURCE = """\
int rel_value = 1;
int rel_add(int a, int b) { return a + b; }
int rel_gone(void) { return 0; }
int rel_moved(void) { return 2; }
int rel_hook(void) { return 3; }
"""

#: Release 2, minor: only an addition.
R2_MINOR_CONTRACT = R1_CONTRACT + "[REL_1.1] inherits REL_1.0\nrel_zadd    function\n"
R2_MINOR_SOURCE = R1_SOURCE + "int rel_zadd(void) { return 9; }\n"

#: Release 2, major: one of each change.
R2_MAJOR_CONTRACT = """\
version 1
[REL_1.0]
rel_add     function  ordinal=5
rel_gone    function  ordinal=2 removed=REL_2.0
rel_value   function  ordinal=3
rel_hook    function  ordinal=8 noname

[REL_2.0] inherits REL_1.0
rel_moved   function
rel_zadd    function
"""
R2_MAJOR_SOURCE = """\
int rel_value(void) { return 1; }
int rel_add(int a, int b) { return a + b; }
int rel_moved(void) { return 2; }
int rel_hook(void) { return 3; }
int rel_zadd(void) { return 9; }
"""


def release(root: Path, contract: str, source: str) -> Project:
    project = write_project(root, name="rel", contract=contract, source=source, targets=TARGETS)
    build_project(project)
    return project


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Project]:
    return {
        "r1": release(tmp_path_factory.mktemp("r1"), R1_CONTRACT, R1_SOURCE),
        "r2minor": release(tmp_path_factory.mktemp("r2minor"), R2_MINOR_CONTRACT, R2_MINOR_SOURCE),
        "r2major": release(tmp_path_factory.mktemp("r2major"), R2_MAJOR_CONTRACT, R2_MAJOR_SOURCE),
    }


def changes(diff: Diff) -> set[tuple[str, str, str, str | None, str | None, bool]]:
    return {(c.target, c.change, c.symbol, c.old, c.new, c.incompatible) for c in diff.changes}


def test_same_release_is_patch(releases: dict[str, Project], cli: Cli) -> None:
    dist = str(releases["r1"].root / "dist")
    res = cli("diff", dist, dist)
    assert res.code == 0 and res.out.splitlines()[-1].startswith("PATCH: 0 changes")


def test_a_release_archive_diffs_like_its_folder(releases: dict[str, Project], cli: Cli, tmp_path: Path) -> None:
    """diff reads releases with verify's reader: a zip of the old dist/ against the new folder."""
    import shutil

    archive = shutil.make_archive(str(tmp_path / "r1"), "zip", releases["r1"].root / "dist")
    res = cli("diff", archive, str(releases["r2minor"].root / "dist"))
    assert res.code == 4, res.err
    assert res.out.splitlines()[-1].startswith("MINOR")


def test_addition_is_minor(releases: dict[str, Project], cli: Cli) -> None:
    diff = diff_paths(releases["r1"].root / "dist", releases["r2minor"].root / "dist")
    assert changes(diff) == {(t, "added", "rel_zadd", None, "rel_zadd", False) for t in TARGETS}
    assert (diff.verdict, diff.exit_bits) == ("minor", 4)
    res = cli("diff", str(releases["r1"].root / "dist"), str(releases["r2minor"].root / "dist"))
    assert res.code == 4


def test_every_change_in_real_binaries(releases: dict[str, Project]) -> None:
    diff = diff_paths(releases["r1"].root / "dist", releases["r2major"].root / "dist")
    assert (diff.verdict, diff.exit_bits) == ("major", 12)
    everywhere = {(t, "removed", "rel_gone", "rel_gone", None, True) for t in TARGETS} | \
        {(t, "added", "rel_zadd", None, "rel_zadd", False) for t in TARGETS} | \
        {(t, "kind", "rel_value", "data", "function", True) for t in TARGETS}
    assert changes(diff) == everywhere | {
        ("linux-x86_64", "version", "rel_moved", "REL_1.0", "REL_2.0", True),  # versions: ELF only
        # without the contracts the binaries cannot say an ordinal was pinned or whose #N it is
        ("windows-x86_64", "ordinal", "rel_add", "1", "5", False),
        ("windows-x86_64", "ordinal", "rel_moved", "8", "9", False),  # lld moved an unpinned ordinal
        ("windows-x86_64", "removed", "#7", "#7", None, True),
        ("windows-x86_64", "added", "#8", None, "#8", False),
    }


def test_contracts_annotate_pinned_ordinals_and_noname(releases: dict[str, Project]) -> None:
    r1, r2 = releases["r1"], releases["r2major"]
    diff = diff_paths(r1.root / "dist", r2.root / "dist", old_contract=r1.root / "symbols/rel.symbols",
                      new_contract=r2.root / "symbols/rel.symbols")
    pe = {c for c in changes(diff) if c[0] == "windows-x86_64" and c[1] == "ordinal"}
    assert pe == {("windows-x86_64", "ordinal", "rel_add", "1", "5", True),
                  ("windows-x86_64", "ordinal", "rel_hook", "7", "8", True),
                  ("windows-x86_64", "ordinal", "rel_moved", "8", "9", False)}  # not pinned: compatible
    notes = {c.note for c in diff.changes if c.symbol == "rel_gone"}
    assert notes == {"marked removed=REL_2.0 in the new contract"}


def test_ordinals_all_counts_named_moves(releases: dict[str, Project]) -> None:
    diff = diff_paths(releases["r1"].root / "dist", releases["r2major"].root / "dist", ordinals="all")
    assert ("windows-x86_64", "ordinal", "rel_add", "1", "5", True) in changes(diff)


def test_contract_baseline_against_new_artifacts(releases: dict[str, Project]) -> None:
    r1, r2 = releases["r1"], releases["r2minor"]
    assert diff_paths(r1.root / "symbols/rel.symbols", r1.root / "dist").verdict == "patch"
    diff = diff_paths(r1.root / "symbols/rel.symbols", r2.root / "dist")
    assert diff.targets == TARGETS and diff.verdict == "minor"


def test_verify_report_baseline(releases: dict[str, Project], cli: Cli, tmp_path: Path) -> None:
    r1 = releases["r1"]
    res = cli("verify", "-C", str(r1.root), "--json")
    assert res.code == 0, res.err
    (tmp_path / "r1.json").write_text(res.out)
    res = cli("diff", str(tmp_path / "r1.json"), str(releases["r2major"].root / "dist"), "--json")
    data = json.loads(res.out)
    assert res.code == 12 and data["verdict"] == "major"
    assert {(c["change"], c["symbol"]) for c in data["changes"] if c["target"] == "linux-x86_64"} == {
        ("removed", "rel_gone"), ("added", "rel_zadd")}  # a report knows names only
