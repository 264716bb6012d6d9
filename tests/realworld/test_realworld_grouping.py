"""Grouping on real releases: ``plugsmith verify --json --no-project --no-policy <every wheel of a
project>`` groups exactly as corpus.yaml says, and each group's asymmetries are what LLVM's export
sets (truth.json) give when every variant is compared with the other platforms only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.realworld.conftest import CORPUS
from tests.realworld.corpus import Library, Project

from plugsmith.cli import main

_ROLE = {"library": "library", "extension": "extension", "vendored": "dependency"}


def _name(lib: Library) -> str:
    """plugsmith names a library without its ``lib`` prefix (libzmq -> zmq); a module by its name."""
    return lib.name if lib.role == "extension" else lib.name.removeprefix("lib")


def _verify(project: Project, wheels: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    code = main(["verify", "--json", "--no-project", "--no-policy", "--no-cache",
                 *(str(wheels[f.name]) for f in project.files)])
    report = json.loads(capsys.readouterr().out)
    assert code in (0, 1)
    return report


def _member(artifact: str) -> tuple[str, str]:
    archive, _, member = artifact.rpartition("!")
    return Path(archive).name, member


def _expected_asymmetries(lib: Library, truth: dict[tuple[str, str], list[dict[str, object]]],
                          labels: dict[tuple[str, str, str | None], str]) -> dict[str, tuple[set[str], set[str]]]:
    """symbol -> (exported by, missing from), from LLVM's export sets: one comparison per variant
    (its members and every target with one member), merged per symbol."""
    rows = []  # (target label, bare target, variant, exports)
    for m in lib.members:
        for entry in truth[(m.wheel, m.path)]:
            label = labels[(m.wheel, m.path, str(entry["slice"]) if entry["slice"] else None)]
            elf = entry["format"] == "elf"  # only ELF names carry @VERSION (a PE name may be stdcall's f@16)
            exports = {str(x).split("@")[0] if elf else str(x) for x in entry["exports"]}  # type: ignore[attr-defined]
            rows.append((label, label.split(":")[0], m.variant, exports))
    per_target: dict[str, int] = {}
    for _, bare, _, _ in rows:
        per_target[bare] = per_target.get(bare, 0) + 1
    variants = list(dict.fromkeys(v for _, bare, v, _ in rows if per_target[bare] > 1))
    comparisons = [[r for r in rows if per_target[r[1]] == 1 or r[2] == v] for v in variants] or [rows]
    out: dict[str, tuple[set[str], set[str]]] = {}
    for comparison in comparisons:
        if len(comparison) < 2:
            continue
        union = set().union(*(r[3] for r in comparison))
        for symbol in union:
            have = {r[0] for r in comparison if symbol in r[3]}
            if len(have) < len(comparison):
                by, lack = out.setdefault(symbol, (set(), set()))
                by |= have
                lack |= {r[0] for r in comparison} - have
    return out


@pytest.mark.parametrize("project", CORPUS.projects, ids=[p.name for p in CORPUS.projects])
def test_corpus_grouping(project: Project, corpus_wheels: dict[str, Path],
                         truth: dict[tuple[str, str], list[dict[str, object]]],
                         capsys: pytest.CaptureFixture[str]) -> None:
    report = _verify(project, corpus_wheels, capsys)
    groups = {str(g["name"]): g for g in report["groups"]}  # type: ignore[union-attr]
    # group names, roles, members and variants: exactly corpus.yaml's
    expected = {_name(lib): (_ROLE[lib.role], sorted((m.wheel, m.path, m.variant) for m in lib.members))
                for lib in project.libraries}
    got = {name: (str(g["role"]), sorted({(*_member(m["artifact"]), m["variant"]) for m in g["members"]}))
           for name, g in groups.items()}
    assert got == expected
    # dependencies: listed under every plugin group shipped in the same wheel, never compared
    for lib in project.libraries:
        g = groups[_name(lib)]
        if lib.role == "vendored":
            assert g["comparisons"] == []
            continue
        wheels = {m.wheel for m in lib.members}
        beside = sorted(_name(d) for d in project.libraries
                        if d.role == "vendored" and wheels & {m.wheel for m in d.members})
        assert sorted(g["dependencies"]) == beside
        # never two variants in one comparison
        variant_of = {m["target"]: m["variant"] for m in g["members"]}
        for comparison in g["comparisons"]:
            assert len({variant_of[t] for t in comparison if variant_of[t] is not None}) <= 1
    # no target result of a dependency takes part in an asymmetry; the plugin asymmetries are LLVM's
    labels: dict[tuple[str, str, str | None], str] = {}
    for t in report["targets"]:  # type: ignore[union-attr]
        wheel, member = _member(str(t["artifact"]))
        fat = [e for e in (truth.get((wheel, member)) or []) if e["slice"]]
        slice_name = next((str(e["slice"]) for e in fat if e["arch"] == t["arch"]), None)
        labels[(wheel, member, slice_name)] = str(t["target"])
    for lib in project.libraries:
        if lib.role == "vendored":
            assert not [a for a in report["asymmetric"] if a["plugin"] == _name(lib)]  # type: ignore[union-attr]
            continue
        got_asym = {str(a["symbol"]): (set(a["exported_by"]), set(a["missing_from"]))
                    for a in report["asymmetric"] if a["plugin"] == _name(lib)}  # type: ignore[union-attr]
        assert got_asym == _expected_asymmetries(lib, truth, labels), lib.name


def test_glfw_platform_only_exports_are_its_asymmetries(corpus_wheels: dict[str, Path],
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """glfw's asymmetric symbols are exactly corpus.yaml's platform_only_exports (Cocoa, Win32, X11,
    Wayland), and no X11 symbol is reported missing from a Wayland build or the other way round."""
    import yaml

    spec = yaml.safe_load(Path(__file__).with_name("corpus.yaml").read_text(encoding="utf-8"))
    only = spec["projects"][0]["libraries"][0]["platform_only_exports"]
    report = _verify(CORPUS.projects[0], corpus_wheels, capsys)
    asym = [a for a in report["asymmetric"] if a["plugin"] == "glfw"]  # type: ignore[union-attr]
    assert sorted(a["symbol"] for a in asym) == sorted(s for names in only.values() for s in names)
    for a in asym:
        if a["symbol"] in only["linux-x11"]:
            assert not any(t.endswith(":wayland") for t in a["missing_from"])
        if a["symbol"] in only["linux-wayland"]:
            assert not any(t.endswith(":x11") for t in a["missing_from"])
