"""plugsmith's reader against LLVM's tools on every library of the real-world corpus.

The truth is LLVM's (tests/realworld/truth.py, summarized in truth.json). Where plugsmith disagrees,
the expected truth is never changed: the case is an ``xfail(strict=True)`` with the precise reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import pytest
from tests.conftest import require_tool
from tests.realworld.conftest import CORPUS
from tests.realworld.corpus import native_members
from tests.realworld.truth import LLVM_TOOLS, Slice, export_hash, llvm_truth

from plugsmith.inspection import Inspection, inspect_file
from plugsmith.inspection import _lief as lief_reader

# Members where plugsmith's reader disagrees with LLVM; the reason says who is right and why.
KNOWN: dict[tuple[str, str], str] = {}


def _member_params() -> list[object]:
    params: list[object] = []
    for _, member in CORPUS.members:
        key = (member.wheel, member.path)
        marks = []
        if key in KNOWN:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN[key]))
        params.append(pytest.param(key, id=f"{member.wheel}!{member.path}", marks=marks))
    return params


def disagreements(ours: Sequence[Inspection], theirs: Sequence[Slice]) -> list[str]:
    """Every way plugsmith's reading differs from LLVM's, one line each (empty when they agree)."""
    if len(ours) != len(theirs):
        return [f"slices: plugsmith {len(ours)}, LLVM {len(theirs)}"]
    found = []
    for index, (mine, truth) in enumerate(zip(ours, theirs, strict=True)):
        where = f"slice {index} ({truth.arch})"
        if mine.format != truth.format or mine.arch != truth.arch:
            found.append(f"{where}: format/arch plugsmith {mine.format}/{mine.arch}, LLVM {truth.format}/{truth.arch}")
        extra, missing = mine.export_names - truth.exports, truth.exports - mine.export_names
        if extra:
            found.append(f"{where}: exports only plugsmith reports: {sorted(extra)[:8]} ({len(extra)})")
        if missing:
            found.append(f"{where}: exports only LLVM reports: {sorted(missing)[:8]} ({len(missing)})")
        if truth.format == "elf":
            versioned = {(e.name, e.version, e.default_version) for e in mine.exports}
            if not extra and not missing and versioned != truth.versioned:
                diff = sorted(versioned ^ truth.versioned, key=str)[:8]
                found.append(f"{where}: export versions differ: {diff}")
        if tuple(mine.imports) != truth.imports:
            found.append(f"{where}: imports plugsmith {list(mine.imports)}, LLVM {list(truth.imports)}")
        if mine.glibc_max != truth.glibc_max:
            found.append(f"{where}: glibc max plugsmith {mine.glibc_max}, LLVM {truth.glibc_max}")
        if mine.min_os != truth.min_os:
            found.append(f"{where}: minos plugsmith {mine.min_os}, LLVM {truth.min_os}")
    return found


def _require_llvm() -> None:
    for tool in LLVM_TOOLS:
        require_tool(tool, package="llvm")


@pytest.mark.parametrize("key", _member_params())
def test_reader_agrees_with_llvm(key: tuple[str, str], corpus_members: dict[tuple[str, str], Path],
                                 truth: dict[tuple[str, str], list[dict[str, object]]]) -> None:
    _require_llvm()
    path = corpus_members[key]
    live = llvm_truth(path)
    recorded = truth[key]
    # LLVM today must still say what truth.json recorded (same tools, same bytes).
    assert [(t.format, t.arch, len(t.exports), export_hash(t.exports), list(t.imports)) for t in live] == [
        (e["format"], e["arch"], e["export_count"], e["exports_sha256"], e["imports"]) for e in recorded]
    assert [t.glibc_max for t in live] == [e.get("glibc_max") for e in recorded]
    assert [t.min_os for t in live] == [e.get("min_os") for e in recorded]
    ours = inspect_file(path)
    assert disagreements(ours, live) == []
    assert ours == lief_reader.inspect_file(path)  # every field, as lief reads it
    # GNU ld's version-definition symbols (llvm-nm's ``A`` NODE@@NODE) are version nodes, never exports
    nodes = {node for one in live for node in one.version_nodes}
    assert not any(nodes & one.export_names for one in ours)
    assert {node for one in ours for node, _ in one.version_defs} >= nodes


def test_every_native_member_is_in_the_grouping_truth(corpus_wheels: dict[str, Path]) -> None:
    """corpus.yaml's libraries: name each ELF/Mach-O/PE member of each wheel exactly once."""
    listed = {(m.wheel, m.path) for _, m in CORPUS.members}
    on_disk = {(name, member) for name, wheel in corpus_wheels.items() for member in native_members(wheel)}
    assert sorted(on_disk - listed) == []
    assert sorted(listed - on_disk) == []


def test_truth_json_covers_every_member(truth: dict[tuple[str, str], list[dict[str, object]]]) -> None:
    assert set(truth) == {(m.wheel, m.path) for _, m in CORPUS.members}


def test_disagreements_names_each_difference(corpus_members: dict[tuple[str, str], Path]) -> None:
    """Negative twin: a reading that drops an export, adds one, or misreads arch/imports/glibc is reported."""
    _require_llvm()
    key = ("markupsafe-3.0.3-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
           "markupsafe/_speedups.cpython-312-x86_64-linux-gnu.so")
    path = corpus_members[key]
    (truth,) = llvm_truth(path)
    (mine,) = inspect_file(path)
    assert disagreements([mine], [truth]) == []

    broken = dataclasses.replace(mine, arch="aarch64", exports=(), imports=("libz.so.1",), glibc_max="2.99")
    assert disagreements([broken], [truth]) == [
        "slice 0 (x86_64): format/arch plugsmith elf/aarch64, LLVM elf/x86_64",
        "slice 0 (x86_64): exports only LLVM reports: ['PyInit__speedups'] (1)",
        f"slice 0 (x86_64): imports plugsmith ['libz.so.1'], LLVM {list(truth.imports)}",
        f"slice 0 (x86_64): glibc max plugsmith 2.99, LLVM {truth.glibc_max}",
    ]
    assert disagreements([mine, mine], [truth]) == ["slices: plugsmith 2, LLVM 1"]
