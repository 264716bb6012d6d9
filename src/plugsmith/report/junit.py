"""JUnit XML for CI test tabs: one test case per target and check, one per plugin for parity,
one per expected target. A failed check is a ``<failure>`` whose message names what is wrong."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from plugsmith.report._text import escaped
from plugsmith.verify import TargetResult, Verdict


def _case(suite: ET.Element, classname: str, name: str, failures: list[str], stats: dict[str, int]) -> None:
    case = ET.SubElement(suite, "testcase", classname=classname, name=name, time="0")
    stats["tests"] += 1
    if failures:
        stats["failures"] += 1
        node = ET.SubElement(case, "failure", message=failures[0][:500], type=name)
        node.text = "\n".join(failures)


def _export_failures(t: TargetResult) -> list[str]:
    out = [f"leaked: {n} is exported but is not in the contract" for n in t.leaked]
    out += [f"missing: {n} is in the contract but not exported" for n in t.missing]
    out += [f"kind: {m.symbol} is {m.actual}, the contract says {m.expected}" for m in t.kind_mismatches]
    out += [f"version: {m.symbol} has {m.actual}, the contract says {m.expected}" for m in t.version_mismatches]
    out += [f"ordinal: {m.symbol} is {m.actual}, the contract says {m.expected}"
            for m in getattr(t, "ordinal_mismatches", ())]
    return out


def to_junit(verdict: Verdict) -> str:
    root = ET.Element("testsuites", name="plugsmith verify")
    totals = {"tests": 0, "failures": 0}
    for plugin in dict.fromkeys(t.plugin for t in verdict.targets):
        suite = ET.SubElement(root, "testsuite", name=f"plugsmith.{plugin}")
        stats = {"tests": 0, "failures": 0}
        for t in (t for t in verdict.targets if t.plugin == plugin):
            classname = f"{plugin}.{t.target}"
            _case(suite, classname, "exports" if t.checked_against_contract else "exports (parity only)",
                  _export_failures(t), stats)
            _case(suite, classname, "format-arch", list(t.problems), stats)
            for check in t.policy:
                _case(suite, classname, check.name, [] if check.passed else [check.message], stats)
        asym = [a for a in verdict.asymmetric if a.plugin == plugin and a.cause == "accident"]
        _case(suite, f"{plugin}.parity", "same exports on every target",
              [f"{a.symbol} is exported by {', '.join(a.exported_by)} but not by {', '.join(a.missing_from)}"
               for a in asym], stats)
        _finish(suite, stats, totals)
    suite = ET.SubElement(root, "testsuite", name="plugsmith.release")
    stats = {"tests": 0, "failures": 0}
    for check in verdict.policy:
        _case(suite, "release", check.name, [] if check.passed else [check.message], stats)
    _case(suite, "release", "inputs readable", list(verdict.problems), stats)
    _finish(suite, stats, totals)
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    ET.indent(root)
    return escaped('<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n")


def _finish(suite: ET.Element, stats: dict[str, int], totals: dict[str, int]) -> None:
    suite.set("tests", str(stats["tests"]))
    suite.set("failures", str(stats["failures"]))
    suite.set("errors", "0")
    suite.set("skipped", "0")
    for key in totals:
        totals[key] += stats[key]
