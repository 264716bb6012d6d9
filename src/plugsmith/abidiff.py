"""``plugsmith diff``: compare a released ABI with a new one, per target and across formats.

Each side is one of:

- a contract: a symbols file, or its JSON form (``plugsmith symbols show --json``);
- a JSON report from ``plugsmith verify --json`` (names only: kinds, versions and ordinals unknown);
- built artifacts: binary files, folders, archives or wheels of them (read like ``plugsmith verify``).

Every side becomes a ``Snapshot``: for each (plugin, target), the facts of every exported symbol.
A contract has no targets of its own: it is expanded over the other side's targets, or over the
default six (or ``--target``) when both sides are contracts. Facts a side does not know are not
compared (a report knows no kinds; Mach-O and PE have no versions; only PE has ordinals).

Changes and what they mean for semver:

=================  ==========================================================  ============
change             when                                                        incompatible
=================  ==========================================================  ============
removed            exported before, not now (even when marked ``removed=``)     yes
added              exported now, not before                                    no
kind               function <-> data                                           yes
version            ELF version node differs (``name@@NODE``)                   yes
ordinal            PE ordinal differs: pinned by a contract, or NONAME          yes
                   a named export's ordinal moved (``--ordinals all``: yes)     no
noname             exported by name <-> by ordinal only                        yes
target-removed     a target (plugin x platform) is gone                        yes
target-added       a new target                                                no
=================  ==========================================================  ============

Artifacts do not record which ordinals a contract pinned, nor the names of NONAME exports (a
binary calls them ``#N``): ``--old-contract`` / ``--new-contract`` add that from each release's
contract. Without them a moved ordinal of a named export counts as compatible (consumers that
link by name are unaffected) unless ``--ordinals all``.

Verdict: any incompatible change => ``major``; else any change => ``minor``; else ``patch``.
Exit status: plugsmith's codes (2 bad usage or input: arguments, a malformed contract, an unreadable
or corrupt binary), plus abidiff-style bits 4 the ABI changed, 8 the change is incompatible
(``errors.EXIT_DIFF_CHANGED``/``EXIT_DIFF_INCOMPATIBLE``; so 0, 4 or 12 on success).
"""

from __future__ import annotations

import fnmatch
import json
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from plugsmith.errors import EXIT_DIFF_CHANGED, EXIT_DIFF_INCOMPATIBLE, ConfigError, InputError, Location

__all__ = ["Change", "Diff",
           "Facts", "Snapshot", "compare", "diff_paths", "load_side"]

JSON_VERSION = 1

Origin = Literal["contract", "report", "artifacts"]
OrdinalRule = Literal["pinned", "all", "ignore"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Facts:
    """What one side knows about one exported symbol on one target (None: not known)."""

    kind: str | None = None
    versioned: bool = False  # True when this side knows the symbol's version node (ELF artifact, contract)
    node: str | None = None
    ordinal: int | None = None
    pinned: bool = False  # the ordinal is a promise (contract ordinal=, NONAME)
    noname: bool = False
    removed_in: str | None = None  # contract: the node that dropped it (for the note)


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    source: str
    origin: Origin
    #: (plugin, target) -> {symbol: facts}
    targets: dict[tuple[str, str], dict[str, Facts]]
    formats: dict[str, str] = field(default_factory=dict)  # target -> format
    history: dict[str, str] = field(default_factory=dict)  # contract: symbol -> removed= node


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    plugin: str
    target: str
    symbol: str  # "" for target-level changes
    change: str
    old: str | None
    new: str | None
    incompatible: bool
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Diff:
    old: str
    new: str
    targets: tuple[str, ...]
    changes: tuple[Change, ...]

    @property
    def verdict(self) -> str:
        if any(c.incompatible for c in self.changes):
            return "major"
        return "minor" if self.changes else "patch"

    @property
    def exit_bits(self) -> int:
        bits = EXIT_DIFF_CHANGED if self.changes else 0
        return bits | (EXIT_DIFF_INCOMPATIBLE if any(c.incompatible for c in self.changes) else 0)


# --------------------------------------------------------------------------- loading


def _contract_snapshot(contract: Any, source: str, targets: Sequence[tuple[str, str, str]], plugin: str) -> Snapshot:
    from plugsmith.platforms import FORMAT_OF_OS, format_row

    out: dict[tuple[str, str], dict[str, Facts]] = {}
    formats: dict[str, str] = {}
    for name, os_name, arch in targets:
        fmt = FORMAT_OF_OS.get(os_name, "elf")
        row = format_row(fmt)
        formats[name] = fmt
        facts = {}
        for sym in contract.for_target(name, os_name, arch).symbols:
            facts[sym.name] = Facts(kind=sym.kind, versioned=row.symbol_versions,
                                    node=sym.node if row.symbol_versions else None,
                                    ordinal=sym.ordinal if row.ordinals else None,
                                    pinned=row.ordinals and sym.ordinal is not None,
                                    noname=row.ordinals and sym.noname)
        out[(plugin, name)] = facts
    history = {s.name: s.removed for s in contract.symbols if s.removed}
    return Snapshot(source=source, origin="contract", targets=out, formats=formats, history=history)


def _artifact_snapshot(path: Path, source: str) -> Snapshot:
    from plugsmith.platforms import format_row, linker_allowance
    from plugsmith.verify import collect as artifacts

    out: dict[tuple[str, str], dict[str, Facts]] = {}
    formats: dict[str, str] = {}
    # The same reader as `plugsmith verify`: folders, archives and wheels, read safely.
    with tempfile.TemporaryDirectory(prefix="plugsmith-diff-") as work:
        identified, broken = artifacts.identify(artifacts.gather([path], Path(work)).binaries)
    if broken:
        raise InputError(f"{source}: {broken[0]}")
    if not identified:
        raise InputError(f"{source}: no ELF, Mach-O or PE binaries found")
    plugins = [a for a in identified if a.role != "dependency"] or identified  # vendored copies are not the ABI
    for item in plugins:
        ins = item.inspection
        key = (item.plugin, f"{item.target}:{item.variant}" if item.variant else item.target)
        if key in out:
            raise ConfigError(f"{source}: two artifacts of plugin '{key[0]}' for {key[1]}; diff one release "
                              f"folder per side")
        formats[key[1]] = ins.format
        allowance = linker_allowance(ins.format)
        versioned = format_row(ins.format).symbol_versions
        out[key] = {
            e.name: Facts(kind=None if e.kind == "unknown" else e.kind, versioned=versioned,
                          node=e.version, ordinal=e.ordinal, pinned=e.name.startswith("#"),
                          noname=e.name.startswith("#"))
            for e in ins.exports if e.name not in allowance
        }
    return Snapshot(source=source, origin="artifacts", targets=out, formats=formats)


def _report_snapshot(data: dict[str, Any], source: str) -> Snapshot:
    out: dict[tuple[str, str], dict[str, Facts]] = {}
    formats: dict[str, str] = {}
    try:
        for t in data["targets"]:
            out[(str(t["plugin"]), str(t["target"]))] = {str(n): Facts() for n in t["exported"]}
            formats[str(t["target"])] = str(t.get("format", ""))
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"not a plugsmith verify report (missing or wrong {exc})", location=Location(source)) \
            from None
    return Snapshot(source=source, origin="report", targets=out, formats=formats)


Side = tuple[Origin, Any, str]  # (origin, payload, display): payload is a Contract, report data or a Path


def load_side(path: Path, display: str) -> Side:
    """Decide what ``path`` is (by content) and load what can be loaded without the other side."""
    from plugsmith.archives import archive_kind
    from plugsmith.contract import from_data, load
    from plugsmith.inspection import is_binary

    if path.is_dir() or (path.is_file() and (is_binary(path) or archive_kind(path) is not None)):
        return ("artifacts", path, display)
    if not path.is_file():
        raise ConfigError(f"{display}: no such file or folder")
    head = path.read_bytes()[:1].strip() if path.stat().st_size else b""
    if path.suffix == ".json" or head in (b"{", b"["):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(f"invalid JSON: {exc}", location=Location(display)) from None
        if isinstance(data, dict) and "targets" in data and "symbols" not in data:
            return ("report", data, display)
        if isinstance(data, dict) and "symbols" in data:
            return ("contract", from_data(data, display), display)
        raise ConfigError("JSON is neither a verify report nor a contract", location=Location(display))
    return ("contract", load(path, display), display)


def _plugin_of(path: str) -> str:
    name = Path(path).name
    for suffix in (".symbols", ".json"):
        name = name.removesuffix(suffix)
    return name


def _default_targets() -> list[tuple[str, str, str]]:
    from plugsmith.platforms import ARCHES

    return [(f"{r.os}-{r.arch}", r.os, r.arch) for r in ARCHES if r.default]


def _targets_of(snapshot: Snapshot) -> list[tuple[str, str, str]]:
    out = []
    for _, target in snapshot.targets:
        os_name, _, rest = target.partition("-")
        out.append((target, os_name, rest.split("-")[0]))
    return list(dict.fromkeys(out))


def annotate(snapshot: Snapshot, contract: Any) -> Snapshot:
    """Add what only the release's contract knows to artifacts (or a report) built from it: which
    ordinals are pinned, the names of NONAME exports (``#N``) and the ``removed=`` history."""
    out: dict[tuple[str, str], dict[str, Facts]] = {}
    for (plugin, target), facts in snapshot.targets.items():
        os_name, _, rest = target.partition("-")
        wanted = contract.for_target(target, os_name, rest.split("-")[0]).symbols
        by_ordinal = {s.ordinal: s for s in wanted if s.noname}
        pinned = {s.name for s in wanted if s.ordinal is not None}
        new: dict[str, Facts] = {}
        for name, f in facts.items():
            sym = by_ordinal.get(f.ordinal) if name.startswith("#") else None
            key = sym.name if sym is not None else name
            new[key] = replace(f, pinned=f.pinned or key in pinned)
        out[(plugin, target)] = new
    history = {s.name: s.removed for s in contract.symbols if s.removed}
    return replace(snapshot, targets=out, history={**snapshot.history, **history})


def snapshots(old: Side, new: Side, *, old_contract: Any = None,
              new_contract: Any = None) -> tuple[Snapshot, Snapshot]:
    """Turn both sides into snapshots; a contract is expanded over the other side's targets."""
    def concrete(side: Side) -> Snapshot | None:
        origin, payload, display = side
        if origin == "artifacts":
            return _artifact_snapshot(payload, display)
        if origin == "report":
            return _report_snapshot(payload, display)
        return None

    a, b = concrete(old), concrete(new)
    if a is not None and old_contract is not None:
        a = annotate(a, old_contract)
    if b is not None and new_contract is not None:
        b = annotate(b, new_contract)

    def plugin_for(side: Side, other: Snapshot | None) -> str:
        plugins = {p for p, _ in other.targets} if other else set()
        return next(iter(plugins)) if len(plugins) == 1 else _plugin_of(side[2])

    if a is None:
        targets = _targets_of(b) if b is not None else _default_targets()
        a = _contract_snapshot(old[1], old[2], targets, plugin_for(old, b))
    if b is None:
        b = _contract_snapshot(new[1], new[2], _targets_of(a), plugin_for(new, a))
    return a, b


# --------------------------------------------------------------------------- comparing


def compare(old: Snapshot, new: Snapshot, *, ordinals: OrdinalRule = "pinned",
            select: Sequence[str] = ()) -> Diff:
    def keep(target: str) -> bool:
        return not select or any(fnmatch.fnmatchcase(target, p) or target.split("-")[0] == p for p in select)

    old_t = {k: v for k, v in old.targets.items() if keep(k[1])}
    new_t = {k: v for k, v in new.targets.items() if keep(k[1])}
    # one plugin a side: pair them whatever their names (a contract file vs libNAME.so)
    old_plugins = {p for p, _ in old_t}
    new_plugins = {p for p, _ in new_t}
    if len(old_plugins) == 1 and len(new_plugins) == 1 and old_plugins != new_plugins:
        (name,) = new_plugins
        old_t = {(name, t): v for (_, t), v in old_t.items()}
    changes: list[Change] = []
    for key in sorted(old_t.keys() - new_t.keys()):
        changes.append(Change(plugin=key[0], target=key[1], symbol="", change="target-removed", old=key[1],
                              new=None, incompatible=True, note=f"no artifact for {key[1]} in {new.source}"))
    for key in sorted(new_t.keys() - old_t.keys()):
        changes.append(Change(plugin=key[0], target=key[1], symbol="", change="target-added", old=None,
                              new=key[1], incompatible=False))
    for key in [k for k in old_t if k in new_t]:
        changes += _compare_target(key, old_t[key], new_t[key], new.history, ordinals)
    targets = tuple(dict.fromkeys(t for _, t in [*old_t, *new_t]))
    return Diff(old=old.source, new=new.source, targets=targets, changes=tuple(changes))


def _compare_target(key: tuple[str, str], before: dict[str, Facts], after: dict[str, Facts],
                    history: dict[str, str], ordinals: OrdinalRule) -> list[Change]:
    plugin, target = key
    before, after = _name_nameless(before, after), _name_nameless(after, before)
    out: list[Change] = []

    def add(symbol: str, change: str, old: str | None, new: str | None, incompatible: bool, note: str = "") -> None:
        out.append(Change(plugin=plugin, target=target, symbol=symbol, change=change, old=old, new=new,
                          incompatible=incompatible, note=note))

    for name in sorted(before.keys() - after.keys()):
        note = f"marked removed={history[name]} in the new contract" if name in history else ""
        add(name, "removed", name, None, True, note)
    for name in sorted(after.keys() - before.keys()):
        add(name, "added", None, name, False)
    for name in sorted(before.keys() & after.keys()):
        a, b = before[name], after[name]
        if a.kind and b.kind and a.kind != b.kind:
            add(name, "kind", a.kind, b.kind, True)
        if a.versioned and b.versioned and a.node != b.node:
            add(name, "version", a.node or "(unversioned)", b.node or "(unversioned)", True)
        if a.noname != b.noname and a.ordinal is not None and b.ordinal is not None:
            add(name, "noname", _by(a), _by(b), True)
        if ordinals != "ignore" and a.ordinal is not None and b.ordinal is not None and a.ordinal != b.ordinal:
            pinned = a.pinned or b.pinned
            note = "" if pinned or ordinals == "all" else \
                "named export: consumers that link by name are unaffected (--ordinals all to count it)"
            add(name, "ordinal", str(a.ordinal), str(b.ordinal), pinned or ordinals == "all", note)
    return out


def _name_nameless(side: dict[str, Facts], other: dict[str, Facts]) -> dict[str, Facts]:
    """A binary names a NONAME export ``#N``; call it by the name the other side (a contract) gives ordinal N."""
    names = {f.ordinal: n for n, f in other.items() if f.noname and not n.startswith("#")}
    out = {}
    for name, facts in side.items():
        ordinal = facts.ordinal if facts.ordinal is not None else _hash_ordinal(name)
        real = names.get(ordinal) if name.startswith("#") else None
        out[real if real and real not in side else name] = facts
    return out


def _hash_ordinal(name: str) -> int | None:
    return int(name[1:]) if name.startswith("#") and name[1:].isdigit() else None


def _by(f: Facts) -> str:
    return f"ordinal {f.ordinal} only (NONAME)" if f.noname else "by name"


def diff_paths(old: Path, new: Path, *, display: Callable[[Path], str] = str, ordinals: OrdinalRule = "pinned",
               select: Sequence[str] = (), old_contract: Path | None = None,
               new_contract: Path | None = None) -> Diff:
    from plugsmith.contract import load

    contracts = [load(p, display(p)) if p is not None else None for p in (old_contract, new_contract)]
    a, b = snapshots(load_side(old, display(old)), load_side(new, display(new)), old_contract=contracts[0],
                     new_contract=contracts[1])
    return compare(a, b, ordinals=ordinals, select=select)


# --------------------------------------------------------------------------- output


def to_data(diff: Diff) -> dict[str, Any]:
    return {
        "version": JSON_VERSION,
        "old": diff.old,
        "new": diff.new,
        "verdict": diff.verdict,
        "exit": diff.exit_bits,
        "targets": list(diff.targets),
        "changes": [
            {"plugin": c.plugin, "target": c.target, "symbol": c.symbol, "change": c.change, "old": c.old,
             "new": c.new, "incompatible": c.incompatible, "note": c.note}
            for c in diff.changes
        ],
    }


def lines(diff: Diff) -> list[str]:
    """One line per change, identical changes on several targets folded into one."""
    folded: dict[tuple[str, str, str, str | None, str | None, bool, str], list[str]] = {}
    for c in diff.changes:
        folded.setdefault((c.plugin, c.symbol, c.change, c.old, c.new, c.incompatible, c.note), []).append(c.target)
    out = []
    for (plugin, symbol, change, old, new, incompatible, note), targets in folded.items():
        tag = "INCOMPATIBLE" if incompatible else "compatible"
        where = "all targets" if len(targets) == len(diff.targets) > 1 else ", ".join(targets)
        if change in ("added", "removed"):
            what = f"{change} {symbol}"
        elif change.startswith("target-"):
            what = f"{change.replace('-', ' ')}"
        else:
            what = f"{change} of {symbol}: {old} -> {new}"
        out.append(f"{tag}: {plugin}: {what} ({where})" + (f"; {note}" if note else ""))
    return out
