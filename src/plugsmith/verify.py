"""Stage 6: prove artifacts export exactly their contract, and agree with each other.

Pure: takes inspections (from ``inspect``) and contracts, returns a ``Verdict``. Rules:

- per artifact: exported == contract for its target (leaked and missing named), each export's
  kind (function/data) and ELF version node as the contract says, format and architecture as
  the target expects;
- per plugin, across artifacts: every symbol exported everywhere, else an asymmetry, marked
  ``contract`` when the contract's platform conditions explain it exactly, ``accident`` otherwise;
- the names a linker adds by itself (``platforms.FORMATS[fmt].linker_synthesized``) are a
  listed allowance, reported as ``allowed``, never silently dropped;
- PE: a contract ``ordinal=N`` must be the export's ordinal in the DLL; a ``noname`` symbol must
  be exported by ordinal only (``inspect`` names it ``#N``; here it is counted under its contract
  name), and a named export of it is an ordinal mismatch;
- Mach-O and PE have no symbol versions: ``notes`` says so, and ``nodes`` carries each expected
  symbol's contract node on every format; a leaked symbol the contract marks ``removed=`` gets a
  note naming the node that dropped it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from plugsmith.contract import Contract, Symbol
from plugsmith.inspection import Export, Inspection
from plugsmith.platforms import FORMAT_OF_OS, linker_allowance


@dataclass(frozen=True, slots=True, kw_only=True)
class Subject:
    """One artifact to check, and what it is expected to be."""

    plugin: str
    target: str
    inspection: Inspection
    contract: Contract | None = None  # the full contract; filtered here per target. None: parity only
    expect_os: str | None = None
    expect_arch: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Mismatch:
    symbol: str
    expected: str
    actual: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyCheck:
    """One release-policy check (``plugsmith.policy``) on an artifact or on the whole set."""

    name: str  # "imports", "glibc", "macos-min", "install-name", "debug-crt", "arch", "map-applied", "targets"
    passed: bool
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetResult:
    plugin: str
    target: str
    artifact: Path
    format: str
    arch: str
    exported: tuple[str, ...]
    leaked: tuple[str, ...]
    missing: tuple[str, ...]
    allowed: tuple[str, ...]
    kind_mismatches: tuple[Mismatch, ...]
    version_mismatches: tuple[Mismatch, ...]
    problems: tuple[str, ...]
    checked_against_contract: bool
    policy: tuple[PolicyCheck, ...] = ()  # filled by plugsmith.policy.apply
    ordinal_mismatches: tuple[Mismatch, ...] = ()  # PE: contract ordinal / NONAME vs the DLL
    notes: tuple[str, ...] = ()  # facts, not failures: no versions on this format, removed markers
    nodes: tuple[tuple[str, str | None], ...] = ()  # (symbol, contract node) of each expected symbol

    @property
    def ok(self) -> bool:
        return not (self.leaked or self.missing or self.kind_mismatches or self.version_mismatches or self.problems
                    or any(not c.passed for c in self.policy) or self.ordinal_mismatches)


@dataclass(frozen=True, slots=True, kw_only=True)
class Asymmetry:
    plugin: str
    symbol: str
    exported_by: tuple[str, ...]
    missing_from: tuple[str, ...]
    cause: str  # "contract" (platform conditions say so) or "accident"


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    targets: tuple[TargetResult, ...]
    asymmetric: tuple[Asymmetry, ...]
    problems: tuple[str, ...] = ()  # whole-run problems (e.g. nothing to verify)
    policy: tuple[PolicyCheck, ...] = ()  # whole-set policy checks (expected targets present)

    @property
    def ok(self) -> bool:
        return (all(t.ok for t in self.targets) and not any(a.cause == "accident" for a in self.asymmetric)
                and not self.problems and all(c.passed for c in self.policy))


def check(subjects: Sequence[Subject]) -> Verdict:
    results = tuple(_check_one(s) for s in subjects)
    asym: list[Asymmetry] = []
    for plugin in dict.fromkeys(s.plugin for s in subjects):
        group = [(s, r) for s, r in zip(subjects, results, strict=True) if s.plugin == plugin]
        asym += _parity(plugin, group)
    problems = () if subjects else ("nothing to verify: no artifacts were given or found",)
    return Verdict(targets=results, asymmetric=tuple(asym), problems=problems)


def _check_one(subject: Subject) -> TargetResult:
    ins = subject.inspection
    allowance = linker_allowance(ins.format)
    exports = {e.name: e for e in ins.exports}
    wanted_all = _wanted(subject)
    nameless: frozenset[str] = frozenset()
    if ins.format == "pe" and wanted_all is not None:
        exports, nameless = _name_noname_exports(exports, wanted_all)
    allowed = sorted(n for n in exports if n in allowance)
    exported = sorted(n for n in exports if n not in allowance)
    problems: list[str] = []
    if subject.expect_os and FORMAT_OF_OS.get(subject.expect_os) != ins.format:
        problems.append(f"wrong format: {subject.target} expects {FORMAT_OF_OS.get(subject.expect_os)}, "
                        f"artifact is {ins.format}")
    if subject.expect_arch and subject.expect_arch != ins.arch:
        problems.append(f"wrong architecture: {subject.target} expects {subject.expect_arch}, artifact is {ins.arch}")
    leaked: list[str] = []
    missing: list[str] = []
    kinds: list[Mismatch] = []
    versions: list[Mismatch] = []
    ordinals: list[Mismatch] = []
    notes: list[str] = []
    nodes: list[tuple[str, str | None]] = []
    if subject.contract is not None and wanted_all is not None:
        wanted = wanted_all
        leaked = [n for n in exported if n not in wanted]
        history = subject.contract.by_name()
        notes += [f"{n} is exported but the contract marks it removed={history[n].removed}"
                  for n in leaked if n in history and history[n].removed]
        if ins.format != "elf" and subject.contract.nodes:
            notes.append(f"{ins.format} has no symbol versions: contract nodes "
                         f"{', '.join(n.name for n in subject.contract.nodes)} are recorded, not checked")
        nodes = [(name, sym.node) for name, sym in sorted(wanted.items())]
        missing = sorted(n for n in wanted if n not in exports)
        for name, sym in sorted(wanted.items()):
            export = exports.get(name)
            if export is None:
                continue
            if export.kind != "unknown" and export.kind != sym.kind:
                kinds.append(Mismatch(symbol=name, expected=sym.kind, actual=export.kind))
            if ins.format == "elf" and (export.version or None) != sym.node:
                versions.append(Mismatch(symbol=name, expected=sym.node or "(unversioned)",
                                         actual=export.version or "(unversioned)"))
            if ins.format == "pe":
                ordinals += _ordinal_mismatches(sym, export, nameless=name in nameless)
    return TargetResult(
        plugin=subject.plugin, target=subject.target, artifact=ins.path, format=ins.format, arch=ins.arch,
        exported=tuple(exported), leaked=tuple(leaked), missing=tuple(missing), allowed=tuple(allowed),
        kind_mismatches=tuple(kinds), version_mismatches=tuple(versions), problems=tuple(problems),
        checked_against_contract=subject.contract is not None, ordinal_mismatches=tuple(ordinals),
        notes=tuple(notes), nodes=tuple(nodes),
    )


def _wanted(subject: Subject) -> dict[str, Symbol] | None:
    if subject.contract is None:
        return None
    os_name = subject.expect_os or subject.inspection.os
    arch = subject.expect_arch or subject.inspection.arch
    return subject.contract.for_target(subject.target, os_name, arch).by_name()


def _name_noname_exports(exports: dict[str, Export],
                         wanted: dict[str, Symbol]) -> tuple[dict[str, Export], frozenset[str]]:
    """Count a nameless ``#N`` export under the contract name whose ``ordinal=N`` it is; return the
    exports and the contract names so found."""
    out = dict(exports)
    found: set[str] = set()
    for name, sym in wanted.items():
        key = f"#{sym.ordinal}"
        if sym.ordinal is not None and name not in out and key in out:
            out[name] = replace(out.pop(key), name=name)
            found.add(name)
    return out, frozenset(found)


def _ordinal_mismatches(sym: Symbol, export: Export, *, nameless: bool) -> list[Mismatch]:
    out = []
    if sym.ordinal is not None and export.ordinal != sym.ordinal:
        out.append(Mismatch(symbol=sym.name, expected=f"ordinal {sym.ordinal}", actual=f"ordinal {export.ordinal}"))
    if sym.noname and not nameless:
        out.append(Mismatch(symbol=sym.name, expected="NONAME (exported by ordinal only)",
                            actual=f"exported by name (ordinal {export.ordinal})"))
    elif nameless and not sym.noname:
        out.append(Mismatch(symbol=sym.name, expected="exported by name",
                            actual=f"NONAME (ordinal {export.ordinal} only)"))
    return out


def _parity(plugin: str, group: list[tuple[Subject, TargetResult]]) -> list[Asymmetry]:
    if len(group) < 2:
        return []
    targets = [r.target for _, r in group]
    exported = [(r.target, frozenset(r.exported)) for _, r in group]  # sets: 10,000 symbols x 24 targets
    everything = sorted(frozenset().union(*(names for _, names in exported)))
    out = []
    for name in everything:
        have = tuple(target for target, names in exported if name in names)
        if len(have) == len(group):
            continue
        lacking = tuple(t for t in targets if t not in have)
        out.append(Asymmetry(plugin=plugin, symbol=name, exported_by=have, missing_from=lacking,
                             cause=_cause(name, group, have)))
    return out


def _cause(name: str, group: list[tuple[Subject, TargetResult]], have: tuple[str, ...]) -> str:
    """``contract`` when every artifact has a contract whose conditions predict exactly ``have``."""
    for subject, result in group:
        if subject.contract is None:
            return "accident"
        sym = subject.contract.by_name().get(name)
        if sym is None or not sym.conditional:
            return "accident"
        os_name = subject.expect_os or subject.inspection.os
        arch = subject.expect_arch or subject.inspection.arch
        if sym.applies_to(result.target, os_name, arch) != (result.target in have):
            return "accident"
    return "contract"
