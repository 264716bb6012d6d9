"""Terminal report with rich: the verdict line, a per-target summary, then a symbol x target
matrix of every symbol with a finding (all symbols with ``show_all``), the findings, and the
verdict line again. Readable with thousands of symbols: beyond ``FULL_MATRIX_LIMIT`` only
flagged symbols are shown, at most ``FLAGGED_ROW_LIMIT`` of them and ``FINDINGS_PER_TARGET``
finding lines per artifact and kind, each cut saying how many were left out."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from plugsmith.report._text import escaped
from plugsmith.verify import TargetResult, Verdict

FULL_MATRIX_LIMIT = 40
FLAGGED_ROW_LIMIT = 60
FINDINGS_PER_TARGET = 20


def _cell(t: TargetResult, name: str) -> Text:
    if name in t.leaked:
        return Text("LEAKED", style="bold red")
    if name in t.missing:
        return Text("MISSING", style="bold red")
    if any(m.symbol == name for m in (*t.kind_mismatches, *t.version_mismatches, *t.ordinal_mismatches)):
        return Text("MISMATCH", style="bold yellow")
    if name in t.exported:
        return Text("ok", style="green")
    return Text("-", style="dim")


def render_terminal(verdict: Verdict, console: Console, *, show_all: bool = False) -> None:
    style = "bold green" if verdict.ok else "bold red"
    console.print(verdict_line(verdict), style=style, markup=False)
    if verdict.skipped_checks:
        console.print(f"policy checks skipped (--skip-check): {', '.join(verdict.skipped_checks)}", markup=False)
    summary = Table(title="Exports per artifact", title_justify="left", show_lines=False)
    for col in ("plugin", "target", "artifact", "format", "arch", "exported", "leaked", "missing", "policy",
                "status"):
        summary.add_column(col, justify="right" if col in ("exported", "leaked", "missing") else "left")
    for t in verdict.targets:
        status = Text("ok", style="green") if t.ok else Text("FAIL", style="bold red")
        bad = [c.name for c in t.policy if not c.passed]
        policy = Text(", ".join(bad), style="bold red") if bad else Text("ok" if t.policy else "-", style="green")
        summary.add_row(escaped(t.plugin), t.target, escaped(str(t.artifact)), t.format, t.arch, str(len(t.exported)),
                        str(len(t.leaked)), str(len(t.missing)), policy, status)
    console.print(summary)

    for plugin in dict.fromkeys(t.plugin for t in verdict.targets):
        group = [t for t in verdict.targets if t.plugin == plugin]
        names: set[str] = set()
        for t in group:
            names.update(t.exported, t.missing)
        flagged = {a.symbol for a in verdict.asymmetric if a.plugin == plugin}
        for t in group:
            flagged.update(t.leaked, t.missing, (m.symbol for m in (*t.kind_mismatches, *t.version_mismatches,
                                                                    *t.ordinal_mismatches)))
        rows = sorted(names) if show_all or len(names) <= FULL_MATRIX_LIMIT else sorted(flagged)
        if not rows:
            continue
        title = f"{plugin}: symbols x targets" + ("" if rows == sorted(names) else " (only symbols with findings)")
        cut = ""
        if not show_all and len(rows) > FLAGGED_ROW_LIMIT:
            cut = f"  ... first {FLAGGED_ROW_LIMIT} of {len(rows)} symbols shown (--all-symbols or --html for all)"
            rows = rows[:FLAGGED_ROW_LIMIT]
        matrix = Table(title=title, title_justify="left")
        matrix.add_column("symbol")
        for t in group:
            matrix.add_column(t.target)
        for name in rows:
            matrix.add_row(escaped(name), *[_cell(t, name) for t in group])
        console.print(matrix)
        if cut:
            console.print(cut, markup=False, highlight=False)

    for line in group_lines(verdict):
        console.print(line, markup=False, highlight=False)
    for line in findings(verdict, limit=None if show_all else FINDINGS_PER_TARGET):
        console.print(escaped(line), markup=False, highlight=False)
    for line in notes(verdict):
        console.print(escaped(line), style="dim", markup=False, highlight=False)
    console.print(verdict_line(verdict), style=style, markup=False)


def group_lines(verdict: Verdict) -> list[str]:
    """Which files were compared with which: each group, its members, its comparisons, its dependencies."""
    out: list[str] = []
    for g in verdict.groups:
        if g.role == "dependency":
            out.append(f"dependency {g.name} (vendored: not a plugin, not compared): "
                       + ", ".join(f"{m.target} {m.artifact}" for m in g.members))
            continue
        out.append(f"group {g.name} ({g.role}, {len(g.members)} artifact{'s' if len(g.members) != 1 else ''}):")
        out += [f"  {m.target}: {m.artifact}" for m in g.members]
        out += [f"  compared: {', '.join(c)}" for c in g.comparisons]
        if g.dependencies:
            out.append(f"  dependencies shipped beside it: {', '.join(g.dependencies)}")
    return out


def notes(verdict: Verdict) -> list[str]:
    """Facts that are not failures (e.g. no symbol versions on Mach-O and PE), once per text with
    the targets it applies to."""
    by_text: dict[str, list[str]] = {}
    for t in verdict.targets:
        for note in t.notes:
            by_text.setdefault(note, []).append(t.target)
    return [f"note: {', '.join(targets)}: {text}" for text, targets in by_text.items()]


def allowances(verdict: Verdict) -> list[str]:
    """The notes that name exports accepted beyond the contract for a builder's runtime (Go on
    Mach-O): every report shows them, so an allowance is never silent."""
    return [line for line in notes(verdict) if ": allowed: " in line]


def _capped(lines: list[str], limit: int | None, what: str) -> list[str]:
    if limit is None or len(lines) <= limit:
        return lines
    return [*lines[:limit], f"  ... and {len(lines) - limit} more {what} (--all-symbols, --json or --html for all)"]


def findings(verdict: Verdict, *, limit: int | None = None) -> list[str]:
    """One line per finding, naming symbol, target and artifact (``limit`` lines per artifact and kind)."""
    out: list[str] = []
    for problem in verdict.problems:
        out.append(f"error: {problem}")
    out += [f"policy: {c.name}: {c.message}" for c in verdict.policy if not c.passed]
    for t in verdict.targets:
        where = f"{t.target} ({t.artifact})"
        out += [f"problem: {where}: {p}" for p in t.problems]
        out += [f"policy: {c.name}: {where}: {c.message}" for c in t.policy if not c.passed]
        out += _capped([f"leaked: {name} is exported by {where} but is not in the contract" for name in t.leaked],
                       limit, "leaked")
        out += _capped([f"missing: {name} is in the contract but not exported by {where}" for name in t.missing],
                       limit, "missing")
        out += [f"kind: {m.symbol} in {where} is {m.actual}, the contract says {m.expected}" for m in t.kind_mismatches]
        out += [f"version: {m.symbol} in {where} has version {m.actual}, the contract says {m.expected}"
                for m in t.version_mismatches]
        out += [f"ordinal: {m.symbol} in {where} is {m.actual}, the contract says {m.expected}"
                for m in t.ordinal_mismatches]
    asym = []
    for a in verdict.asymmetric:
        label = "asymmetric (by contract)" if a.cause == "contract" else "asymmetric"
        asym.append(f"{label}: {a.plugin}: {a.symbol} is exported by {', '.join(a.exported_by)} "
                    f"but not by {', '.join(a.missing_from)}")
    return out + _capped(asym, None if limit is None else limit * 3, "asymmetries")


def verdict_line(verdict: Verdict) -> str:
    n = len(verdict.targets)
    if verdict.ok:
        one = n == 1
        if any(t.checked_against_contract for t in verdict.targets):
            checked = "matches its contract" if one else "match their contract and each other"
        else:
            checked = "exports its symbols" if one else "export the same symbols"
        return f"OK: {n} artifact{'' if one else 's'} {checked}"
    bad = sum(1 for t in verdict.targets if not t.ok and (t.leaked or t.missing or t.kind_mismatches
                                                        or t.version_mismatches or t.ordinal_mismatches
                                                        or t.problems))
    bad_policy = sum(1 for t in verdict.targets if any(not c.passed for c in t.policy))
    accidental = sum(1 for a in verdict.asymmetric if a.cause == "accident")
    missing_targets = [c.name for c in verdict.policy if not c.passed]
    parts = []
    if bad:
        parts.append(f"{bad} of {n} artifacts differ from the contract")
    if bad_policy:
        parts.append(f"{bad_policy} of {n} artifacts break the release policy")
    if missing_targets:
        parts.append(f"{len(missing_targets)} expected target{'s' if len(missing_targets) != 1 else ''} missing")
    if accidental:
        parts.append(f"{accidental} symbol{'s' if accidental != 1 else ''} not exported on every target")
    if len(verdict.problems) <= 2:
        parts += list(verdict.problems)
    else:  # each is listed above as "error: ..."; the verdict stays one readable line
        parts.append(f"{len(verdict.problems)} problems with the inputs")
    return "FAILED: " + "; ".join(parts)
