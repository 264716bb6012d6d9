"""Release policy: checks beyond the export contract, as data.

The packaged defaults (``DEFAULTS``, one row per check with its evidence) are overlaid by the
``policy:`` section of build_matrix.yaml::

    policy:
      targets: [linux-x86_64, windows-x86_64]   # the expected set (default: every matrix target)
      imports:                                  # allow-list per OS (replaces the default for that OS)
        linux: [libc.so.6, libm.so.6]
      extra_imports:                            # added to the allow-list
        linux: [libz.so.1]
      glibc_max: "2.17"                         # highest GLIBC_x.y a Linux artifact may need (null: off)
      macos_min_max: "11.0"                     # highest LC_BUILD_VERSION minos allowed (null: off)
      install_name: "@rpath/{file}"             # Mach-O LC_ID_DYLIB ({file}: file name; null: off)
      debug_crt: forbid                         # forbid | allow: Windows debug CRT imports
      map_applied: {factor: 2, min_extra: 8}    # "export everything" detector (false: off)

``apply`` is pure: it takes a ``Verdict`` and the inspections behind it and returns the verdict
with a ``PolicyCheck`` per check and artifact (passed ones too, so JUnit lists every check) and
one per expected target.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Any

from plugsmith.errors import ConfigError, Location, PlugsmithError
from plugsmith.inspection import Inspection
from plugsmith.platforms import ARCHES
from plugsmith.verify import PolicyCheck, TargetResult, Verdict

__all__ = ["DEFAULTS", "POLICY_KEYS", "Policy", "apply", "from_matrix", "parse"]

#: Imports an artifact may have, per OS (glob patterns; case-insensitive on Windows). Evidence:
#: zig 0.17.1 builds of plugins/greet (tests/release): macOS imports only libSystem; Windows
#: imports KERNEL32 and the UCRT api sets (``api-ms-win-crt-*``); Linux glibc splits libc, libm,
#: libdl, libpthread, librt and the loader; musl has one libc.so.
DEFAULT_IMPORTS: dict[str, tuple[str, ...]] = {
    "linux": ("libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1", "ld-linux*.so.*",
              "libc.so", "libc.musl-*.so.1"),
    "macos": ("/usr/lib/libSystem.B.dylib",),
    "windows": ("KERNEL32.dll", "api-ms-win-crt-*.dll", "ucrtbase.dll", "msvcrt.dll", "ntdll.dll"),
}

#: Windows debug CRT DLLs: never redistributable, absent on users' machines.
DEBUG_CRT: tuple[str, ...] = ("ucrtbased.dll", "vcruntime*d.dll", "msvcp*d.dll", "msvcr*d.dll", "concrt*d.dll")

#: Every packaged default, with why.
DEFAULTS: dict[str, Any] = {
    "targets": None,  # None: the matrix's targets when a build_matrix.yaml is in use, else no expectation
    "glibc_max": "2.17",  # manylinux2014's ceiling (auditwheel policy): runs on CentOS 7 and newer
    "macos_min_max": "11.0",  # plugsmith's default deployment target (platforms.DEFAULT_MACOS_MIN)
    "install_name": "@rpath/{file}",  # what plugsmith links with (platforms.LINK_FLAGS["macho"])
    "debug_crt": "forbid",
    "map_applied": {"factor": 2.0, "min_extra": 8},  # > 2x the contract and >= 8 extra: map not applied
}

POLICY_KEYS = ("targets", "imports", "extra_imports", "glibc_max", "macos_min_max", "install_name", "debug_crt",
               "map_applied")
_OSES = tuple(DEFAULT_IMPORTS)


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    targets: tuple[str, ...] | None = None
    imports: tuple[tuple[str, tuple[str, ...]], ...] = tuple(DEFAULT_IMPORTS.items())
    glibc_max: str | None = DEFAULTS["glibc_max"]
    macos_min_max: str | None = DEFAULTS["macos_min_max"]
    install_name: str | None = DEFAULTS["install_name"]
    forbid_debug_crt: bool = True
    map_factor: float | None = DEFAULTS["map_applied"]["factor"]
    map_min_extra: int = DEFAULTS["map_applied"]["min_extra"]
    #: Ceilings a target of the matrix declares itself (``glibc: "2.28"``, ``min_os: "13.0"``), by
    #: target name: they replace the packaged default for that target, never an explicit policy key.
    target_glibc: tuple[tuple[str, str], ...] = ()
    target_macos_min: tuple[tuple[str, str], ...] = ()

    def allowed_imports(self, os: str) -> tuple[str, ...]:
        return dict(self.imports).get(os, ())


# --------------------------------------------------------------------------- loading


def from_matrix(matrix: Any) -> Policy:
    """The policy of a loaded ``Matrix``: its ``policy:`` section over the defaults; expected
    targets default to the matrix's targets."""
    policy = parse(matrix.policy, matrix.source)
    if policy.targets is None:
        policy = replace(policy, targets=tuple(t.name for t in matrix.targets))
    explicit = matrix.policy if isinstance(matrix.policy, dict) else {}
    if "glibc_max" not in explicit:
        policy = replace(policy, target_glibc=tuple((t.name, t.glibc) for t in matrix.targets if t.glibc))
    if "macos_min_max" not in explicit:
        policy = replace(policy, target_macos_min=tuple((t.name, t.min_os) for t in matrix.targets if t.min_os))
    return policy


def parse(raw: Any, source: Any = None) -> Policy:
    """Validate a raw ``policy:`` mapping; every problem is reported with file:line:col."""
    errors: list[PlugsmithError] = []

    def fail(path: tuple[str | int, ...], message: str) -> None:
        full = ("policy", *path)
        if source is not None:
            location = source.where(full)
        else:
            location = Location("policy", field=".".join(str(p) for p in full))
        errors.append(PlugsmithError(message, location=location))

    if raw is None:
        return Policy()
    if not isinstance(raw, dict):
        fail((), f"expected a mapping, got {type(raw).__name__}")
        raise _collected(errors)
    for key in raw:
        if key not in POLICY_KEYS:
            fail((key,), f"unknown key '{key}'{_suggest(key, POLICY_KEYS)}")
    values: dict[str, Any] = {}
    if "targets" in raw:
        values["targets"] = _strings(raw["targets"], ("targets",), fail)
    imports = dict(DEFAULT_IMPORTS)
    for key, replace_list in (("imports", True), ("extra_imports", False)):
        section = raw.get(key)
        if section is None:
            continue
        if not isinstance(section, dict):
            fail((key,), f"expected a mapping of OS to a list of library patterns, got {type(section).__name__}")
            continue
        for os_name, patterns in section.items():
            if os_name not in _OSES:
                fail((key, os_name), f"unknown OS '{os_name}'{_suggest(os_name, _OSES)}")
                continue
            listed = _strings(patterns, (key, os_name), fail) or ()
            imports[os_name] = listed if replace_list else imports[os_name] + listed
    values["imports"] = tuple(imports.items())
    for key in ("glibc_max", "macos_min_max"):
        if key in raw:
            value = raw[key]
            if value is not None and not _is_version(value):
                fail((key,), f"expected a version like \"2.17\" (quoted) or null, got {value!r}")
            values[key] = None if value is None else str(value)
    if "install_name" in raw:
        value = raw["install_name"]
        if value is not None and not (isinstance(value, str) and value):
            fail(("install_name",), "expected a string like \"@rpath/{file}\" or null")
        values["install_name"] = value
    if "debug_crt" in raw:
        if raw["debug_crt"] not in ("forbid", "allow"):
            fail(("debug_crt",), f"expected 'forbid' or 'allow', got {raw['debug_crt']!r}")
        values["forbid_debug_crt"] = raw["debug_crt"] != "allow"
    if "map_applied" in raw:
        _parse_map_applied(raw["map_applied"], values, fail)
    if errors:
        raise _collected(errors)
    return Policy(**values)


def _parse_map_applied(value: Any, values: dict[str, Any], fail: Any) -> None:
    if value is False:
        values["map_factor"] = None
        return
    if not isinstance(value, dict):
        fail(("map_applied",), "expected {factor: N, min_extra: N} or false")
        return
    for key in value:
        if key not in ("factor", "min_extra"):
            fail(("map_applied", key), f"unknown key '{key}' (known: factor, min_extra)")
    factor = value.get("factor", DEFAULTS["map_applied"]["factor"])
    extra = value.get("min_extra", DEFAULTS["map_applied"]["min_extra"])
    if isinstance(factor, bool) or not isinstance(factor, int | float) or factor < 1:
        fail(("map_applied", "factor"), f"expected a number >= 1, got {factor!r}")
    if isinstance(extra, bool) or not isinstance(extra, int) or extra < 0:
        fail(("map_applied", "min_extra"), f"expected a whole number >= 0, got {extra!r}")
    values["map_factor"] = factor
    values["map_min_extra"] = extra


def _strings(value: Any, path: tuple[str | int, ...], fail: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        fail(path, "expected a list of strings")
        return None
    return tuple(value)


def _is_version(value: Any) -> bool:
    text = str(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else ""
    return bool(text) and all(p.isdigit() for p in text.split("."))


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".") if p.isdigit())


def _suggest(word: str, choices: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(choices)})"


def _collected(errors: list[PlugsmithError]) -> ConfigError:
    return ConfigError(errors[0].message, location=errors[0].location, errors=tuple(errors))


# --------------------------------------------------------------------------- checks


def apply(verdict: Verdict, inspections: Sequence[Inspection], policy: Policy) -> Verdict:
    """``inspections[i]`` is the inspection behind ``verdict.targets[i]`` (``verify.check`` keeps order)."""
    if len(inspections) != len(verdict.targets):
        raise ValueError("one inspection per target result is needed")
    baselines = _baselines(verdict.targets)
    targets = tuple(
        replace(result, policy=result.policy + tuple(_checks(result, ins, policy, baselines)))
        for result, ins in zip(verdict.targets, inspections, strict=True)
    )
    run_level = verdict.policy
    if policy.targets is not None:
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
    return replace(verdict, targets=targets, policy=run_level)


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
    ok = _version_key(ins.glibc_max) <= _version_key(ceiling)
    return PolicyCheck(name="glibc", passed=ok, message=f"needs GLIBC_{ins.glibc_max}" + (
        f", at or below the ceiling {ceiling}" if ok else f", above the ceiling {ceiling}: it will not load on "
        f"systems with glibc {ceiling}"))


def _macos_min(ins: Inspection, ceiling: str) -> PolicyCheck:
    if ins.min_os is None:
        return PolicyCheck(name="macos-min", passed=False,
                           message="no LC_BUILD_VERSION or LC_VERSION_MIN: the minimum macOS cannot be proven")
    ok = _version_key(ins.min_os) <= _version_key(ceiling)
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
