"""The release-policy checks: imports, glibc and macOS ceilings, install name, debug CRT,
"map not applied", machine type, expected targets. The policy itself is data
(:mod:`plugsmith.policy`); ``apply`` is pure: it takes a ``Verdict`` and the inspections
behind it and returns the verdict with a ``PolicyCheck`` per check and artifact (passed ones
too, so JUnit lists every check) and one per expected target."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import replace
from pathlib import PurePosixPath

from plugsmith.inspection import Inspection
from plugsmith.platforms import ARCHES
from plugsmith.policy import DEBUG_CRT, Policy, version_key
from plugsmith.verify.model import PolicyCheck, TargetResult, Verdict


def apply(verdict: Verdict, inspections: Sequence[Inspection], policy: Policy) -> Verdict:
    """``inspections[i]`` is the inspection behind ``verdict.targets[i]`` (``verify.check`` keeps order)."""
    if len(inspections) != len(verdict.targets):
        raise ValueError("one inspection per target result is needed")
    baselines = _baselines(verdict.targets)
    targets = tuple(
        replace(result, policy=result.policy + tuple(c for c in _checks(result, ins, policy, baselines)
                                                     if c.name not in policy.skip))
        for result, ins in zip(verdict.targets, inspections, strict=True)
    )
    run_level = verdict.policy
    if policy.targets is not None and "targets" not in policy.skip:
        present = {t.target.split(":", 1)[0] for t in verdict.targets}
        plugins = sorted({t.plugin for t in verdict.targets})
        for name in policy.targets:
            if name in present:
                per_plugin = [p for p in plugins if not any(t.plugin == p and t.target.split(":", 1)[0] == name
                                                            for t in verdict.targets)]
                if per_plugin:
                    run_level += (PolicyCheck(name=f"target {name}", passed=False,
                                              message=f"expected target {name} is missing for plugin(s) "
                                                      f"{', '.join(per_plugin)}"),)
                else:
                    run_level += (PolicyCheck(name=f"target {name}", passed=True, message=f"{name} is present"),)
            else:
                run_level += (PolicyCheck(name=f"target {name}", passed=False,
                                          message=f"expected target {name} is missing: no artifact for it was given"),)
    return replace(verdict, targets=targets, policy=run_level, skipped_checks=tuple(sorted(policy.skip)))


def _baselines(results: Sequence[TargetResult]) -> dict[str, int]:
    """Per plugin, the smallest export count: the reference when there is no contract."""
    out: dict[str, int] = {}
    for r in results:
        out[r.plugin] = min(out.get(r.plugin, len(r.exported)), len(r.exported))
    return out


def _checks(result: TargetResult, ins: Inspection, policy: Policy, baselines: dict[str, int]) -> list[PolicyCheck]:
    checks = [_arch(ins), _imports(ins, policy)]
    target = result.target.split(":", 1)[0]
    glibc_max = dict(policy.target_glibc).get(target, policy.glibc_max)
    macos_min_max = dict(policy.target_macos_min).get(target, policy.macos_min_max)
    if ins.format == "elf" and glibc_max is not None:
        checks.append(_glibc(ins, glibc_max))
    if ins.format == "macho":
        if macos_min_max is not None:
            checks.append(_macos_min(ins, macos_min_max))
        if policy.install_name is not None:
            checks.append(_install_name(ins, policy.install_name))
    if ins.format == "pe" and policy.forbid_debug_crt:
        checks.append(_debug_crt(ins))
    if policy.map_factor is not None:
        checks.append(_map_applied(result, policy, baselines))
    return checks


def _arch(ins: Inspection) -> PolicyCheck:
    known = [r.arch for r in ARCHES if r.os == ins.os]
    ok = ins.arch in known
    what = {"pe": "machine type", "elf": "e_machine", "macho": "CPU type"}.get(ins.format, "architecture")
    return PolicyCheck(name="arch", passed=ok, message=f"{what} {ins.arch}" + (
        "" if ok else f" is not a {ins.os} architecture plugsmith targets ({', '.join(known)})"))


def _matches(name: str, patterns: Sequence[str], *, fold: bool) -> bool:
    if fold:
        return any(fnmatch.fnmatchcase(name.lower(), p.lower()) for p in patterns)
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _imports(ins: Inspection, policy: Policy) -> PolicyCheck:
    allowed = policy.allowed_imports(ins.os)
    fold = ins.os == "windows"
    extra = [name for name in ins.imports if not _matches(name, allowed, fold=fold)]
    if extra:
        return PolicyCheck(name="imports", passed=False,
                           message=f"imports {', '.join(extra)}, not in the {ins.os} allow-list "
                                   f"({', '.join(allowed)}); add it to policy.extra_imports.{ins.os} if intended")
    return PolicyCheck(name="imports", passed=True,
                       message=f"imports {', '.join(ins.imports) if ins.imports else 'nothing'}: all allowed")


def _glibc(ins: Inspection, ceiling: str) -> PolicyCheck:
    if ins.glibc_max is None:
        return PolicyCheck(name="glibc", passed=True, message="needs no GLIBC_x.y symbol version")
    ok = version_key(ins.glibc_max) <= version_key(ceiling)
    return PolicyCheck(name="glibc", passed=ok, message=f"needs GLIBC_{ins.glibc_max}" + (
        f", at or below the ceiling {ceiling}" if ok else f", above the ceiling {ceiling}: it will not load on "
        f"systems with glibc {ceiling}"))


def _macos_min(ins: Inspection, ceiling: str) -> PolicyCheck:
    if ins.min_os is None:
        return PolicyCheck(name="macos-min", passed=False,
                           message="no LC_BUILD_VERSION or LC_VERSION_MIN: the minimum macOS cannot be proven")
    ok = version_key(ins.min_os) <= version_key(ceiling)
    return PolicyCheck(name="macos-min", passed=ok, message=f"minimum macOS {ins.min_os}" + (
        f", at or below the ceiling {ceiling}" if ok else f", above the ceiling {ceiling}: it will not load on "
        f"macOS {ceiling}"))


def _install_name(ins: Inspection, template: str) -> PolicyCheck:
    file = PurePosixPath(str(ins.path).rsplit("!", 1)[-1]).name
    want = template.replace("{file}", file)
    ok = ins.soname == want
    return PolicyCheck(name="install-name", passed=ok, message=f"install name {ins.soname or '(none)'}" + (
        "" if ok else f", expected {want}"))


def _debug_crt(ins: Inspection) -> PolicyCheck:
    debug = [name for name in ins.imports if _matches(name, DEBUG_CRT, fold=True)]
    if debug:
        return PolicyCheck(name="debug-crt", passed=False,
                           message=f"imports the debug CRT ({', '.join(debug)}), which is not redistributable")
    return PolicyCheck(name="debug-crt", passed=True, message="no debug CRT import")


def _map_applied(result: TargetResult, policy: Policy, baselines: dict[str, int]) -> PolicyCheck:
    count = len(result.exported)
    if result.checked_against_contract:
        base = count - len(result.leaked) + len(result.missing)
        against = f"the contract's {base}"
    else:
        base = baselines.get(result.plugin, count)
        against = f"the {base} of the leanest {result.plugin} artifact"
    factor = policy.map_factor or 1.0
    bad = count > factor * max(base, 1) and count - base >= policy.map_min_extra
    if bad:
        return PolicyCheck(name="map-applied", passed=False,
                           message=f"exports {count} symbols against {against}: the export map was not applied "
                                   "(an 'export everything' link)")
    return PolicyCheck(name="map-applied", passed=True, message=f"exports {count} symbols against {against}")
