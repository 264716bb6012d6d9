"""The JSON report: versioned, documented in docs/verify.md and ``plugsmith/schemas/report.schema.json``
(a test validates real reports against it). Keys are only ever added within a version."""

from __future__ import annotations

import json
from typing import Any

from plugsmith.report._text import escaped_data
from plugsmith.verify import Mismatch, PolicyCheck, Verdict

REPORT_VERSION = 1


def _mismatch(m: Mismatch) -> dict[str, str]:
    return {"symbol": m.symbol, "expected": m.expected, "actual": m.actual}


def _check(c: PolicyCheck) -> dict[str, Any]:
    return {"name": c.name, "passed": c.passed, "message": c.message}


def to_data(verdict: Verdict, *, contract: str | None = None) -> dict[str, Any]:
    return {
        "version": REPORT_VERSION,
        "ok": verdict.ok,
        "contract": contract,
        "problems": list(verdict.problems),
        "summary": {
            "artifacts": len(verdict.targets),
            "failed": sum(1 for t in verdict.targets if not t.ok),
            "plugins": len({t.plugin for t in verdict.targets}),
            "accidental_asymmetries": sum(1 for a in verdict.asymmetric if a.cause == "accident"),
            "policy_failures": sum(1 for c in verdict.policy if not c.passed)
            + sum(1 for t in verdict.targets for c in t.policy if not c.passed),
        },
        "policy": [_check(c) for c in verdict.policy],
        "skipped_checks": list(verdict.skipped_checks),
        "targets": [
            {
                "plugin": t.plugin,
                "target": t.target,
                "artifact": str(t.artifact),
                "format": t.format,
                "arch": t.arch,
                "ok": t.ok,
                "checked_against_contract": t.checked_against_contract,
                "exported": list(t.exported),
                "leaked": list(t.leaked),
                "missing": list(t.missing),
                "allowed": list(t.allowed),
                "kind_mismatches": [_mismatch(m) for m in t.kind_mismatches],
                "version_mismatches": [_mismatch(m) for m in t.version_mismatches],
                "problems": list(t.problems),
                "policy": [_check(c) for c in t.policy],
                "ordinal_mismatches": [_mismatch(m) for m in getattr(t, "ordinal_mismatches", ())],
                "notes": list(getattr(t, "notes", ())),
                "nodes": [{"symbol": s, "node": n} for s, n in getattr(t, "nodes", ())],
                "role": t.role,
            }
            for t in verdict.targets
        ],
        "asymmetric": [
            {
                "plugin": a.plugin,
                "symbol": a.symbol,
                "exported_by": list(a.exported_by),
                "missing_from": list(a.missing_from),
                "cause": a.cause,
            }
            for a in verdict.asymmetric
        ],
        "groups": [
            {
                "name": g.name,
                "role": g.role,
                "members": [{"artifact": m.artifact, "target": m.target, "variant": m.variant} for m in g.members],
                "comparisons": [list(c) for c in g.comparisons],
                "dependencies": list(g.dependencies),
            }
            for g in verdict.groups
        ],
    }


def to_json(verdict: Verdict, *, contract: str | None = None) -> str:
    return json.dumps(escaped_data(to_data(verdict, contract=contract)), indent=2) + "\n"
