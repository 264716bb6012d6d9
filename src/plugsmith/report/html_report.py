"""One self-contained HTML page (no network, inline CSS and JS): the verdict, a table per
artifact, failed policy checks, every finding, and per plugin the symbol x target parity
matrix with leaks and misses highlighted, filterable by name and by "findings only" (also from
the URL: ``report.html#q=greet&only=1``)."""

from __future__ import annotations

from html import escape

from plugsmith.report._matrix import failed_checks, groups
from plugsmith.report._text import escaped
from plugsmith.report.terminal import allowances, findings, verdict_line
from plugsmith.verify import Verdict

_LABEL = {"ok": "ok", "leaked": "LEAKED", "missing": "MISSING", "mismatch": "MISMATCH", "asymmetric": "ABSENT",
          "allowed": "linker", "absent": "-"}

FINDINGS_OPEN = 20  # more findings than this start folded (the matrix shows them anyway)

_CSS = """
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#1b1f24;background:#fff}
h1{font-size:22px;margin:0 0 8px} h2{font-size:17px;margin:24px 0 8px}
.verdict{padding:10px 14px;border-radius:6px;font-weight:600;font-size:16px}
.pass{background:#dafbe1;color:#116329;border:1px solid #4ac26b}
.fail{background:#ffebe9;color:#a40e26;border:1px solid #ff8182}
table{border-collapse:collapse;margin:6px 0} th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left}
th{background:#f6f8fa;position:sticky;top:0} td.num{text-align:right}
td.ok{background:#eefbf1;color:#116329} td.leaked,td.missing,td.asymmetric{background:#ff8182;color:#fff;
font-weight:700} td.mismatch{background:#fff8c5;color:#7d4e00;font-weight:700} td.allowed{color:#57606a}
td.absent{color:#8c959f} code{font:12px ui-monospace,monospace}
.controls{margin:8px 0;display:flex;gap:16px;align-items:center}
input[type=search]{padding:4px 8px;width:280px} .muted{color:#57606a} ul.findings li{font:12px ui-monospace,monospace}
"""

_JS = """
function plugsmithFilter(){
  var box=document.getElementById('q'); if(!box)return;
  var q=box.value.toLowerCase();
  var only=document.getElementById('only').checked; var shown=0;
  document.querySelectorAll('tr.sym').forEach(function(r){
    var ok=(!q||r.dataset.symbol.toLowerCase().indexOf(q)>=0)&&(!only||r.dataset.flagged==='1');
    r.style.display=ok?'':'none'; if(ok)shown++;});
  document.getElementById('shown').textContent=shown+' symbol rows shown';
}
document.addEventListener('DOMContentLoaded',function(){
  var h=new URLSearchParams(location.hash.slice(1));
  if(h.get('q'))document.getElementById('q').value=h.get('q');
  if(h.get('only')==='1')document.getElementById('only').checked=true;
  plugsmithFilter();});
"""


def to_html(verdict: Verdict, *, title: str = "plugsmith verify") -> str:
    e = escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f'<div id="verdict" class="verdict {"pass" if verdict.ok else "fail"}">{e(verdict_line(verdict))}</div>',
    ]
    if verdict.targets:
        parts.append("<h2>Artifacts</h2><table id='artifacts'><tr><th>plugin</th><th>target</th><th>artifact</th>"
                     "<th>format</th><th>arch</th><th>exported</th><th>leaked</th><th>missing</th><th>policy</th>"
                     "<th>status</th></tr>")
        for t in verdict.targets:
            bad = [c.name for c in t.policy if not c.passed]
            policy_cell = (f'<td class="leaked">{e(", ".join(bad))}</td>' if bad
                           else f'<td class="ok">{"ok" if t.policy else "-"}</td>')
            parts.append(
                f"<tr><td>{e(t.plugin)}</td><td>{e(t.target)}</td><td><code>{e(str(t.artifact))}</code></td>"
                f"<td>{e(t.format)}</td><td>{e(t.arch)}</td><td class=num>{len(t.exported)}</td>"
                f"<td class=num>{len(t.leaked)}</td><td class=num>{len(t.missing)}</td>{policy_cell}"
                f'<td class="{"ok" if t.ok else "leaked"}">{"ok" if t.ok else "FAIL"}</td></tr>')
        parts.append("</table>")
    checks = failed_checks(verdict)
    if checks:
        parts.append("<h2>Policy</h2><table id='policy'><tr><th>where</th><th>check</th><th>finding</th></tr>")
        parts += [f"<tr><td>{e(w)}</td><td>{e(c)}</td><td class='leaked'>{e(m)}</td></tr>" for w, c, m in checks]
        parts.append("</table>")
    allowed = allowances(verdict)
    if allowed:
        parts.append("<h2>Allowed beyond the contract</h2><ul id='allowed'>")
        parts += [f"<li>{e(line)}</li>" for line in allowed]
        parts.append("</ul>")
    all_groups = groups(verdict)
    if any(g.rows for g in all_groups):
        parts.append("<h2>Parity matrix</h2><div class='controls'>"
                     "<input id='q' type='search' placeholder='filter symbols…' oninput='plugsmithFilter()'>"
                     "<label><input id='only' type='checkbox' onchange='plugsmithFilter()'> findings only</label>"
                     "<span id='shown' class='muted'></span></div>")
    for group in all_groups:
        if not group.rows:
            continue
        parts.append(f"<h3>{e(group.plugin)} <span class='muted'>({len(group.rows)} symbols, "
                     f"{len(group.flagged)} with findings)</span></h3>")
        parts.append(f"<table class='matrix' data-plugin='{e(group.plugin)}'><tr><th>symbol</th>"
                     + "".join(f"<th>{e(t.target)}</th>" for t in group.targets) + "</tr>")
        for row in group.rows:
            cells = "".join(f'<td class="{c}">{_LABEL[c]}</td>' for c in row.cells)
            parts.append(f'<tr class="sym" data-symbol="{e(row.symbol)}" data-flagged="{int(row.flagged)}">'
                         f"<td><code>{e(row.symbol)}</code></td>{cells}</tr>")
        parts.append("</table>")
    lines = findings(verdict)
    if lines:
        opened = " open" if len(lines) <= FINDINGS_OPEN else ""
        parts.append(f"<details id='findings'{opened}><summary><h2 style='display:inline'>Findings ({len(lines)})"
                     "</h2></summary><ul class='findings'>")
        parts += [f"<li>{e(line)}</li>" for line in lines]
        parts.append("</ul></details>")
    parts.append(f"<script>{_JS}</script></body></html>")
    return escaped("\n".join(parts) + "\n")
