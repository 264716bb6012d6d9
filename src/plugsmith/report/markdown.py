"""Markdown for a CI step summary ($GITHUB_STEP_SUMMARY) or a release note: verdict first,
then a table per artifact, every finding, and the parity matrix folded in <details>."""

from __future__ import annotations

from plugsmith.report._matrix import failed_checks, groups
from plugsmith.report._text import escaped
from plugsmith.report.terminal import allowances, findings, group_lines, verdict_line
from plugsmith.verify import Verdict

MATRIX_ROWS = 200  # beyond this the matrix shows symbols with findings only
_MARK = {"ok": "✅", "leaked": "❌ leaked", "missing": "❌ missing", "mismatch": "⚠️ mismatch",
         "asymmetric": "❌ absent", "allowed": "(linker)", "absent": "·"}


def _esc(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def to_markdown(verdict: Verdict, *, title: str = "plugsmith verify") -> str:
    lines = [f"## {title}", "", f"**{'✅' if verdict.ok else '❌'} {_esc(verdict_line(verdict))}**", ""]
    if verdict.skipped_checks:
        lines += [f"Policy checks skipped (`--skip-check`): {_esc(', '.join(verdict.skipped_checks))}", ""]
    if verdict.targets:
        lines += ["| plugin | target | artifact | exported | leaked | missing | policy | status |",
                  "| --- | --- | --- | ---: | ---: | ---: | --- | --- |"]
        for t in verdict.targets:
            bad = [c.name for c in t.policy if not c.passed]
            policy = "❌ " + ", ".join(bad) if bad else ("✅" if t.policy else "-")
            lines.append(f"| {_esc(t.plugin)} | {_esc(t.target)} | `{_esc(str(t.artifact))}` | {len(t.exported)} | "
                         f"{len(t.leaked)} | {len(t.missing)} | {policy} | {'✅ ok' if t.ok else '❌ FAIL'} |")
        lines.append("")
    grouped = group_lines(verdict)
    if grouped:
        lines += ["<details><summary>Groups: which files were compared with which</summary>", "",
                  *(("  " if g.startswith("  ") else "") + f"- {_esc(g.strip())}" for g in grouped), "",
                  "</details>", ""]
    checks = failed_checks(verdict)
    if checks:
        lines += ["### Policy", ""] + [f"- ❌ **{_esc(c)}** {_esc(w)}: {_esc(m)}" for w, c, m in checks] + [""]
    allowed = allowances(verdict)
    if allowed:
        lines += ["### Allowed beyond the contract", ""] + [f"- {_esc(a)}" for a in allowed] + [""]
    problems = [p for p in findings(verdict) if not p.startswith("policy: ")]  # listed under Policy
    if problems:
        lines += ["### Findings", ""] + [f"- {_esc(p)}" for p in problems[:500]]
        if len(problems) > 500:
            lines.append(f"- … and {len(problems) - 500} more (see the JSON report)")
        lines.append("")
    for group in groups(verdict):
        rows = group.rows if len(group.rows) <= MATRIX_ROWS else group.flagged
        if not rows:
            continue
        note = "" if rows is group.rows else f" (the {len(rows)} of {len(group.rows)} symbols with findings)"
        lines += [f"<details><summary>{_esc(group.plugin)}: symbols x targets{note}</summary>", "",
                  "| symbol | " + " | ".join(_esc(t.target) for t in group.targets) + " |",
                  "| --- |" + " --- |" * len(group.targets)]
        lines += [f"| `{_esc(r.symbol)}` | " + " | ".join(_MARK[c] for c in r.cells) + " |" for r in rows]
        lines += ["", "</details>", ""]
    return escaped("\n".join(lines) + "\n")
