"""What every report shows: per plugin, the symbol x target parity matrix and its cell states."""

from __future__ import annotations

from dataclasses import dataclass

from plugsmith.verify import TargetResult, Verdict


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    symbol: str
    cells: tuple[str, ...]  # one state per target of the group

    @property
    def flagged(self) -> bool:
        return any(c in ("leaked", "missing", "mismatch", "asymmetric") for c in self.cells)


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    plugin: str
    targets: tuple[TargetResult, ...]
    rows: tuple[Row, ...]

    @property
    def flagged(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.flagged)


def cell(t: TargetResult, name: str, accidental: frozenset[str]) -> str:
    if name in t.leaked:
        return "leaked"
    if name in t.missing:
        return "missing"
    if any(m.symbol == name for m in (*t.kind_mismatches, *t.version_mismatches,
                                      *getattr(t, "ordinal_mismatches", ()))):
        return "mismatch"
    if name in t.exported:
        return "ok"
    if name in t.allowed:
        return "allowed"
    return "asymmetric" if name in accidental else "absent"


def groups(verdict: Verdict) -> list[Group]:
    out = []
    for plugin in dict.fromkeys(t.plugin for t in verdict.targets):
        members = tuple(t for t in verdict.targets if t.plugin == plugin)
        accidental = frozenset(a.symbol for a in verdict.asymmetric if a.plugin == plugin and a.cause == "accident")
        names = sorted({n for t in members for n in (*t.exported, *t.missing)})
        rows = tuple(Row(symbol=n, cells=tuple(cell(t, n, accidental) for t in members)) for n in names)
        out.append(Group(plugin=plugin, targets=members, rows=rows))
    return out


def failed_checks(verdict: Verdict) -> list[tuple[str, str, str]]:
    """(where, check, message) for every failed policy check."""
    out = [("release", c.name, c.message) for c in verdict.policy if not c.passed]
    for t in verdict.targets:
        out += [(f"{t.plugin} {t.target}", c.name, c.message) for c in t.policy if not c.passed]
    return out
