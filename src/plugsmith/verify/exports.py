"""Per artifact: exported == contract for its target.

- leaked and missing names; each export's kind (function/data) and ELF version node as the
  contract says; format and architecture as the target expects;
- the names a linker adds by itself (``platforms.FORMATS[fmt].linker_synthesized``) are a
  listed allowance, reported as ``allowed``, never silently dropped; so are, for artifacts of a
  builder whose runtime exports symbols it cannot hide (Go on Mach-O), the names matching that
  builder's rows of ``platforms.GO_RUNTIME_EXPORTS``, each named in a note;
- PE: a contract ``ordinal=N`` must be the export's ordinal in the DLL; a ``noname`` symbol must
  be exported by ordinal only (``inspect`` names it ``#N``; here it is counted under its contract
  name), and a named export of it is an ordinal mismatch;
- Mach-O and PE have no symbol versions: ``notes`` says so, and ``nodes`` carries each expected
  symbol's contract node on every format; a leaked symbol the contract marks ``removed=`` gets a
  note naming the node that dropped it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from plugsmith.inspection import Export
from plugsmith.platforms import FORMAT_OF_OS, RuntimeExportRow, format_row, linker_allowance, runtime_exports
from plugsmith.verify.model import Mismatch, Subject, TargetResult

if TYPE_CHECKING:
    from plugsmith.contract import Symbol


def check_artifact(subject: Subject) -> TargetResult:
    """Exported == contract for one artifact (or, without a contract, what it exports)."""
    ins = subject.inspection
    allowance = linker_allowance(ins.format)
    exports = {e.name: e for e in ins.exports}
    wanted_all = _wanted(subject)
    nameless: frozenset[str] = frozenset()
    row = format_row(ins.format)
    if row.ordinals and wanted_all is not None:
        exports, nameless = _name_noname_exports(exports, wanted_all)
    runtime = _runtime_allowed(subject.builder, ins.format, exports)
    allowed = sorted(n for n in exports if n in allowance or n in runtime)
    exported = sorted(n for n in exports if n not in allowance and n not in runtime)
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
    notes: list[str] = _runtime_notes(subject.builder, row.label, runtime)
    nodes: list[tuple[str, str | None]] = []
    if subject.contract is not None and wanted_all is not None:
        wanted = wanted_all
        leaked = [n for n in exported if n not in wanted]
        history = subject.contract.by_name() if leaked else {}  # 10,000s of names: only when needed
        notes += [f"{n} is exported but the contract marks it removed={history[n].removed}"
                  for n in leaked if n in history and history[n].removed]
        if not row.symbol_versions and subject.contract.nodes:
            notes.append(f"{ins.format} has no symbol versions: contract nodes "
                         f"{', '.join(n.name for n in subject.contract.nodes)} are recorded, not checked")
        ordered = sorted(wanted.items())
        nodes = [(name, sym.node) for name, sym in ordered]
        missing = sorted(n for n in wanted if n not in exports)
        for name, sym in ordered:
            export = exports.get(name)
            if export is None:
                continue
            if export.kind != "unknown" and export.kind != sym.kind:
                kinds.append(Mismatch(symbol=name, expected=sym.kind, actual=export.kind))
            if row.symbol_versions and (export.version or None) != sym.node:
                versions.append(Mismatch(symbol=name, expected=sym.node or "(unversioned)",
                                         actual=export.version or "(unversioned)"))
            if row.ordinals:
                ordinals += _ordinal_mismatches(sym, export, nameless=name in nameless)
    return TargetResult(
        plugin=subject.plugin, target=subject.target, artifact=ins.path, format=ins.format, arch=ins.arch,
        exported=tuple(exported), leaked=tuple(leaked), missing=tuple(missing), allowed=tuple(allowed),
        kind_mismatches=tuple(kinds), version_mismatches=tuple(versions), problems=tuple(problems),
        checked_against_contract=subject.contract is not None, ordinal_mismatches=tuple(ordinals),
        notes=tuple(notes), nodes=tuple(nodes),
    )


def _runtime_allowed(builder: str, fmt: str, exports: dict[str, Export]) -> dict[str, RuntimeExportRow]:
    """The exports a ``builder``-built artifact may carry beyond the contract on this format, each
    with the row that allows it."""
    rows = runtime_exports(builder, fmt)
    return {name: row for name in exports for row in rows if re.fullmatch(row.pattern, name)}


def _runtime_notes(builder: str, label: str, allowed: dict[str, RuntimeExportRow]) -> list[str]:
    """One note per allowance row that matched: what was allowed and why (never silently)."""
    by_row: dict[str, list[str]] = {}
    reasons: dict[str, str] = {}
    for name, row in sorted(allowed.items()):
        by_row.setdefault(row.pattern, []).append(name)
        reasons[row.pattern] = row.reason
    return [f"allowed: {', '.join(names)}: exported by the {builder} runtime on {label}, which cannot hide it "
            f"({reasons[pattern]})" for pattern, names in by_row.items()]


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
