"""Terminal report with rich: a per-target summary, then a symbol x target matrix of every
symbol with a finding (all symbols with ``show_all``), then one verdict line."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from plugsmith.verify import TargetResult, Verdict

FULL_MATRIX_LIMIT = 40


def _cell(t: TargetResult, name: str) -> Text:
    if name in t.leaked:
        return Text("LEAKED", style="bold red")
    if name in t.missing:
        return Text("MISSING", style="bold red")
    if any(m.symbol == name for m in (*t.kind_mismatches, *t.version_mismatches)):
        return Text("MISMATCH", style="bold yellow")
    if name in t.exported:
        return Text("ok", style="green")
    return Text("-", style="dim")


def render_terminal(verdict: Verdict, console: Console, *, show_all: bool = False) -> None:
    summary = Table(title="Exports per artifact", title_justify="left", show_lines=False)
    for col in ("plugin", "target", "artifact", "format", "arch", "exported", "leaked", "missing", "status"):
        summary.add_column(col, justify="right" if col in ("exported", "leaked", "missing") else "left")
    for t in verdict.targets:
        status = Text("ok", style="green") if t.ok else Text("FAIL", style="bold red")
        summary.add_row(t.plugin, t.target, str(t.artifact), t.format, t.arch, str(len(t.exported)),
                        str(len(t.leaked)), str(len(t.missing)), status)
    console.print(summary)

    for plugin in dict.fromkeys(t.plugin for t in verdict.targets):
        group = [t for t in verdict.targets if t.plugin == plugin]
        names: set[str] = set()
        for t in group:
            names.update(t.exported, t.missing)
        flagged = {a.symbol for a in verdict.asymmetric if a.plugin == plugin}
        for t in group:
            flagged.update(t.leaked, t.missing, (m.symbol for m in (*t.kind_mismatches, *t.version_mismatches)))
        rows = sorted(names) if show_all or len(names) <= FULL_MATRIX_LIMIT else sorted(flagged)
        if not rows:
            continue
        title = f"{plugin}: symbols x targets" + ("" if rows == sorted(names) else " (only symbols with findings)")
        matrix = Table(title=title, title_justify="left")
        matrix.add_column("symbol")
        for t in group:
            matrix.add_column(t.target)
        for name in rows:
            matrix.add_row(name, *[_cell(t, name) for t in group])
        console.print(matrix)

    for line in findings(verdict):
        console.print(line, markup=False, highlight=False)
    console.print(verdict_line(verdict), style="bold green" if verdict.ok else "bold red", markup=False)


def findings(verdict: Verdict) -> list[str]:
    """One line per finding, naming symbol, target and artifact."""
    out: list[str] = []
    for problem in verdict.problems:
        out.append(f"error: {problem}")
    for t in verdict.targets:
        where = f"{t.target} ({t.artifact})"
        out += [f"problem: {where}: {p}" for p in t.problems]
        out += [f"leaked: {name} is exported by {where} but is not in the contract" for name in t.leaked]
        out += [f"missing: {name} is in the contract but not exported by {where}" for name in t.missing]
        out += [f"kind: {m.symbol} in {where} is {m.actual}, the contract says {m.expected}" for m in t.kind_mismatches]
        out += [f"version: {m.symbol} in {where} has version {m.actual}, the contract says {m.expected}"
                for m in t.version_mismatches]
    for a in verdict.asymmetric:
        label = "asymmetric (by contract)" if a.cause == "contract" else "asymmetric"
        out.append(f"{label}: {a.plugin}: {a.symbol} is exported by {', '.join(a.exported_by)} "
                   f"but not by {', '.join(a.missing_from)}")
    return out


def verdict_line(verdict: Verdict) -> str:
    n = len(verdict.targets)
    if verdict.ok:
        checked = "match their contract and each other" if any(t.checked_against_contract for t in verdict.targets) \
            else "export the same symbols"
        return f"OK: {n} artifact{'s' if n != 1 else ''} {checked}"
    bad = sum(1 for t in verdict.targets if not t.ok)
    accidental = sum(1 for a in verdict.asymmetric if a.cause == "accident")
    parts = []
    if bad:
        parts.append(f"{bad} of {n} artifacts differ from the contract")
    if accidental:
        parts.append(f"{accidental} symbol{'s' if accidental != 1 else ''} not exported on every target")
    parts += list(verdict.problems)
    return "FAILED: " + "; ".join(parts)
