"""Grouping and target identity on real zig-built binaries: musl vs glibc vs pinned glibc vs a custom
target name, names that must not merge, ``--group``, and ``plugsmith diff`` across releases that
each hold a glibc and a musl build of one plugin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import write_wheel
from tests.release.release_helpers import zigcc

from plugsmith.cli import main
from plugsmith.errors import InputError
from plugsmith.inspection import InspectionCache, inspect_file, inspect_many
from plugsmith.matrix import Target
from plugsmith.verify import Expectation, from_paths, judge

AB_ONE = "#include <math.h>\ndouble ab_one(double x) { return pow(x, 2.5); }\n"
AB_TWO = AB_ONE + "int ab_two(int x) { return x + 2; }\n"
TRIPLES = {"gnu": "x86_64-linux-gnu", "gnu228": "x86_64-linux-gnu.2.28", "musl": "x86_64-linux-musl",
           "arm": "aarch64-linux-gnu"}
MATRIX = (Target(name="linux-x86_64", os="linux", arch="x86_64"),
          Target(name="linux-x86_64-musl", os="linux", arch="x86_64", libc="musl"),
          Target(name="linux-x86_64-glibc2.28", os="linux", arch="x86_64", glibc="2.28"),
          Target(name="edge-box", os="linux", arch="aarch64"))


def _lib(dest: Path, source: str, triple: str, *extra: str) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    src = dest.parent / f"{dest.name}.c"
    src.write_text(source, encoding="utf-8")
    zigcc("-shared", "-fPIC", "-target", triple, "-o", str(dest), str(src), *extra, cwd=dest.parent)
    src.unlink()
    return dest


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("ab")
    return {kind: _lib(root / kind / "libab.so", AB_ONE, triple, "-lm") for kind, triple in TRIPLES.items()}


def test_libc_and_glibc_are_read_from_the_binary(builds: dict[str, Path], tmp_path: Path) -> None:
    facts = {k: inspect_file(p)[0] for k, p in builds.items()}
    assert {k: (i.libc, i.glibc_max) for k, i in facts.items()} == {
        "gnu": ("gnu", facts["gnu"].glibc_max), "gnu228": ("gnu", "2.2.5"), "musl": ("musl", None),
        "arm": ("gnu", facts["arm"].glibc_max)}
    assert facts["gnu"].glibc_max not in (None, "2.2.5")  # unpinned: zig's newest glibc, pow@GLIBC_2.29
    cache = InspectionCache(tmp_path / "cache")
    first = inspect_many([builds["musl"]], cache=cache)
    again = inspect_many([builds["musl"]], cache=cache)  # decoded from the cache
    assert first == again and again[0][0].libc == "musl"  # type: ignore[index]


def test_derived_targets_without_a_project(builds: dict[str, Path], tmp_path: Path) -> None:
    found = from_paths([builds["gnu"], builds["musl"], builds["arm"]], tmp_path / "w")
    assert sorted((a.plugin, a.target, a.variant) for a in found.artifacts) == [
        ("ab", "linux-aarch64", None), ("ab", "linux-x86_64", None), ("ab", "linux-x86_64-musl", None)]


def test_matrix_targets_matched_by_facts(builds: dict[str, Path], tmp_path: Path) -> None:
    """os+arch+libc, then the lowest pin the artifact satisfies; a custom name is found by its facts."""
    found = from_paths(list(builds.values()), tmp_path / "w", targets=MATRIX)
    by_build = {Path(str(a.inspection.path)).parent.name: a.target for a in found.artifacts}
    assert by_build == {"gnu": "linux-x86_64", "gnu228": "linux-x86_64-glibc2.28", "musl": "linux-x86_64-musl",
                        "arm": "edge-box"}
    verdict = judge(found, Expectation(targets=MATRIX, policy=None))
    assert verdict.ok and [g.name for g in verdict.groups] == ["ab"]
    assert verdict.groups[0].comparisons == (tuple(r.target for r in verdict.targets),)


def test_without_a_matrix_two_glibc_builds_are_variants(builds: dict[str, Path], tmp_path: Path) -> None:
    found = from_paths([builds["gnu"], builds["gnu228"], builds["musl"]], tmp_path / "w")
    assert sorted((a.target, a.variant) for a in found.artifacts) == [
        ("linux-x86_64", "gnu"), ("linux-x86_64", "gnu228"), ("linux-x86_64-musl", None)]


def test_different_libraries_are_not_merged(tmp_path: Path) -> None:
    """libgeos vs libgeos_c (a '_c' suffix is not a variant: no shared exports); _speedups of two packages."""
    geos = _lib(tmp_path / "r" / "libgeos.so", "int geos_area(void) { return 1; }\n", TRIPLES["gnu"])
    _lib(tmp_path / "r" / "libgeos_c.so", "int GEOSArea_r(void) { return 2; }\n", TRIPLES["gnu"])
    _lib(tmp_path / "r" / "libgeos_c.1.dylib", "int GEOSArea_r(void) { return 2; }\n", "x86_64-macos")
    ext = _lib(tmp_path / "e" / "_speedups.cpython-312-x86_64-linux-gnu.so",
               "int PyInit__speedups(void) { return 0; }\n", TRIPLES["gnu"])
    for pkg in ("pkga", "pkgb"):
        write_wheel(tmp_path / f"{pkg}-1.0-cp312-cp312-linux_x86_64.whl", {f"{pkg}/{ext.name}": ext})
    found = from_paths([tmp_path / "r", tmp_path / "pkga-1.0-cp312-cp312-linux_x86_64.whl",
                        tmp_path / "pkgb-1.0-cp312-cp312-linux_x86_64.whl"], tmp_path / "w")
    assert found.problems == ()
    assert sorted((a.plugin, a.target) for a in found.artifacts) == [
        ("geos", "linux-x86_64"), ("geos_c", "linux-x86_64"), ("geos_c", "macos-x86_64"),
        ("pkga._speedups", "linux-x86_64"), ("pkgb._speedups", "linux-x86_64")]
    assert geos.exists()


def test_named_together_one_per_target_is_one_group(tmp_path: Path) -> None:
    linux = _lib(tmp_path / "libfoo.so", "int foo_run(void) { return 1; }\n", TRIPLES["gnu"])
    mac = _lib(tmp_path / "foo3.dylib", "int foo_run(void) { return 1; }\n", "x86_64-macos")
    other = _lib(tmp_path / "bar.dylib", "int foo_run(void) { return 1; }\n", "aarch64-macos")
    found = from_paths([linux, mac, other], tmp_path / "w")
    assert {a.plugin for a in found.artifacts} == {"foo"}
    # in a folder names decide: bar stays apart; foo3.dylib fills foo's missing macOS (major-in-name)
    found = from_paths([tmp_path], tmp_path / "w2")
    assert sorted((a.plugin, a.target) for a in found.artifacts) == [
        ("bar", "macos-aarch64"), ("foo", "linux-x86_64"), ("foo", "macos-x86_64")]


def test_group_override(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _lib(tmp_path / "r" / "libalpha.so", "int run(void) { return 1; }\n", TRIPLES["gnu"])
    _lib(tmp_path / "r" / "beta.dylib", "int run(void) { return 1; }\nint extra(void) { return 2; }\n",
         "x86_64-macos")
    code = main(["verify", "--json", "--no-project", "--no-policy", "--no-cache", str(tmp_path / "r")])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and sorted(g["name"] for g in report["groups"]) == ["alpha", "beta"]
    code = main(["verify", "--json", "--no-project", "--no-policy", "--no-cache", "--group", "x=*alpha*",
                 "--group", "x=*beta*", str(tmp_path / "r")])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and [g["name"] for g in report["groups"]] == ["x"]
    assert [(a["symbol"], a["exported_by"], a["missing_from"]) for a in report["asymmetric"]] == [
        ("extra", ["macos-x86_64"], ["linux-x86_64"])]
    with pytest.raises(InputError) as info:
        from_paths([tmp_path / "r"], tmp_path / "w", groups=(("x", "*gamma*"),))
    assert info.value.message == ("--group x=*gamma*: matches no artifact (globs match the shown path, "
                                  "e.g. 'release.whl!pkg/libfoo.so')")


def test_diff_between_releases_with_glibc_and_musl_builds(builds: dict[str, Path], tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    for kind in ("gnu", "musl"):
        (tmp_path / "old" / kind).mkdir(parents=True)
        (tmp_path / "old" / kind / "libab.so").write_bytes(builds[kind].read_bytes())
        _lib(tmp_path / "new" / kind / "libab.so", AB_TWO, TRIPLES[kind], "-lm")
    code = main(["diff", "--json", str(tmp_path / "old"), str(tmp_path / "new")])
    data = json.loads(capsys.readouterr().out)
    assert code == 4
    assert sorted((c["target"], c["symbol"], c["change"]) for c in data["changes"]) == [
        ("linux-x86_64", "ab_two", "added"), ("linux-x86_64-musl", "ab_two", "added")]
