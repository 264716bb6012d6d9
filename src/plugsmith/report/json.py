"""The JSON report: versioned, documented in docs/json-report.md and
``plugsmith/schemas/report.schema.json``."""

from __future__ import annotations

import json
from typing import Any

from plugsmith.verify import Mismatch, Verdict

REPORT_VERSION = 1


def _mismatch(m: Mismatch) -> dict[str, str]:
    return {"symbol": m.symbol, "expected": m.expected, "actual": m.actual}


def to_data(verdict: Verdict, *, contract: str | None = None) -> dict[str, Any]:
    return {
        "version": REPORT_VERSION,
        "ok": verdict.ok,
        "contract": contract,
        "problems": list(verdict.problems),
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
    }


def to_json(verdict: Verdict, *, contract: str | None = None) -> str:
    return json.dumps(to_data(verdict, contract=contract), indent=2) + "\n"
