"""The release-policy checks: imports, symbol-version and macOS ceilings, wheel tags, Python
extension rules, install name, debug CRT, "map not applied", machine type, expected targets.

The policy is data (:mod:`plugsmith.policy` for the user's, :mod:`.ecosystem` for the rules of
auditwheel, delocate and delvewheel); ``apply`` is pure: it takes a ``Verdict`` and the artifacts
behind it and returns the verdict with a ``PolicyCheck`` per check and artifact (passed ones too,
so JUnit lists every check) and one per expected target. An import another artifact of the same
release (the same wheel or archive; the same set of loose files) provides is not a system
dependency, and that artifact is judged on its own imports.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from plugsmith.inspection import Inspection
from plugsmith.platforms import ARCHES, Format, format_row
from plugsmith.policy import DEBUG_CRT, DEFAULT_IMPORTS, Policy, version_key
from plugsmith.verify import ecosystem
from plugsmith.verify.collect import Artifact
from plugsmith.verify.model import PolicyCheck, TargetResult, Verdict
from plugsmith.verify.wheel_tags import PlatformTag, abi3_version, interpreter_tags, platforms

#: Apple Silicon Macs shipped with macOS 11: pip installs a ``macosx_10_x_universal2`` wheel there and
#: delocate treats 11.0 as the floor of an arm64 slice, so its minos is held to at least 11.0.
_ARM64_MACOS_FLOOR = (11, 0)


def apply(verdict: Verdict, artifacts: Sequence[Artifact], policy: Policy, *, own_build: bool = True) -> Verdict:
    """``artifacts[i]`` is the artifact behind ``verdict.targets[i]`` (``verify.check`` keeps order); all of
    them together are the release an import may be satisfied by. ``own_build``: the artifacts are
    plugsmith's own (a project applies), so the install name plugsmith links with is checked."""
    if len(artifacts) != len(verdict.targets):
        raise ValueError("one artifact per target result is needed")
    baselines = _baselines(verdict.targets)
    release = _Release(artifacts)
    targets = []
    for result, artifact in zip(verdict.targets, artifacts, strict=True):
        checks, notes = _checks(result, artifact, policy, baselines, release, own_build=own_build)
        targets.append(replace(result, policy=result.policy + tuple(c for c in checks if c.name not in policy.skip),
                               notes=result.notes + tuple(n for n in notes if n not in result.notes)))
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
    return replace(verdict, targets=tuple(targets), policy=run_level, skipped_checks=tuple(sorted(policy.skip)))


def _baselines(results: Sequence[TargetResult]) -> dict[str, int]:
    """Per plugin, the smallest export count: the reference when there is no contract."""
    out: dict[str, int] = {}
    for r in results:
        out[r.plugin] = min(out.get(r.plugin, len(r.exported)), len(r.exported))
    return out


def _member(path: str) -> str:
    return path.rsplit("!", 1)[-1].replace("\\", "/")


def _base(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).name.lower()


class _Release:
    """The artifacts shipped together: by container (a wheel, an archive; None: the loose files), the
    names an import may use for them (file name, soname / install name / DLL name, case-folded) and
    the machines of each file's slices."""

    def __init__(self, artifacts: Sequence[Artifact]) -> None:
        self.names: dict[str | None, set[str]] = {}
        self.slices: dict[str, set[str]] = {}
        for a in artifacts:
            names = self.names.setdefault(a.container, set())
            names.add(_base(_member(str(a.inspection.path))))
            if a.inspection.soname:
                names.add(_base(a.inspection.soname))
            self.slices.setdefault(str(a.inspection.path), set()).add(a.inspection.arch)

    def provides(self, artifact: Artifact, name: str) -> bool:
        relative = format_row(artifact.inspection.format).loader_relative
        if relative and not name.startswith(relative):
            return False  # an absolute path outside the system is not what the wheel ships
        return _base(name) in self.names.get(artifact.container, set())


@dataclass(frozen=True, slots=True, kw_only=True)
class _Wheel:
    """The wheel tags that apply to one artifact: every platform tag, and those for its OS and machine."""

    text: str  # the platform tag part as written ("manylinux_2_17_x86_64.manylinux2014_x86_64")
    tags: tuple[PlatformTag, ...]
    matching: tuple[PlatformTag, ...]

    def linux(self) -> PlatformTag | None:
        """The most specific Linux promise: the lowest manylinux/musllinux version among the matching tags."""
        found = [t for t in self.matching if t.libc is not None and t.version is not None]
        return min(found, key=lambda t: (t.version or ()), default=None)

    def macos(self) -> tuple[int, ...] | None:
        found = [t.version for t in self.matching if t.os == "macos" and t.version is not None]
        return min(found) if found else None


def _wheel(artifact: Artifact) -> _Wheel | None:
    tags = platforms(artifact.container)
    if tags is None:
        return None
    ins = artifact.inspection
    known = tuple(t for t in tags if t.known)
    return _Wheel(text=".".join(t.tag for t in tags), tags=known,
                  matching=tuple(t for t in known if t.os == ins.os and ins.arch in t.arches))


def _libc(ins: Inspection) -> str | None:
    if any(fnmatch.fnmatchcase(i, "libc.musl-*.so.1") or i == "libc.so" for i in ins.imports):
        return "musl"
    if "libc.so.6" in ins.imports or ins.glibc_max is not None:
        return "glibc"
    return None


def _linux_policy(artifact: Artifact, wheel: _Wheel | None, ceiling: str | None) -> ecosystem.LinuxPolicy | None:
    """The auditwheel policy an ELF artifact is held to: its wheel's tag, else the glibc ceiling's
    (musl: the newest musllinux)."""
    tag = wheel.linux() if wheel else None
    if tag is not None and tag.libc is not None and tag.version is not None:
        return ecosystem.linux_policy(tag.libc, tag.version)
    if _libc(artifact.inspection) == "musl":
        return ecosystem.newest("musl")
    return ecosystem.linux_policy("glibc", version_key(ceiling)) if ceiling else ecosystem.newest("glibc")


def _outside(artifact: Artifact, release: _Release, lp: ecosystem.LinuxPolicy) -> list[tuple[str, str]]:
    """(version, library) of each versioned requirement the policy does not allow, on libraries the
    release does not provide (a grafted library brings its own versions)."""
    arch = artifact.inspection.arch
    bad = []
    for library, versions in artifact.inspection.version_needs:
        if release.provides(artifact, library):
            continue
        for version in versions:
            allowed = lp.allowed(arch, ecosystem.prefix_of(version))
            if allowed is not None and version not in allowed:
                bad.append((version, library))
    return bad


def _beyond(bad: list[tuple[str, str]], lp: ecosystem.LinuxPolicy, arch: str) -> str:
    """``GLIBCXX_3.4.21 (libstdc++.so.6), beyond manylinux_2_17's GLIBCXX_3.4.19 on x86_64``."""
    needs = ", ".join(f"{v} ({lib})" for v, lib in sorted(set(bad)))
    prefixes = sorted({ecosystem.prefix_of(v) for v, _ in bad})
    limits = ", ".join(lp.ceiling(arch, p) or f"no {p}_*" for p in prefixes)
    return f"{needs}, beyond {lp.name}'s {limits} on {arch}"


def _checks(result: TargetResult, artifact: Artifact, policy: Policy, baselines: dict[str, int],
            release: _Release, *, own_build: bool) -> tuple[list[PolicyCheck], list[str]]:
    ins = artifact.inspection
    wheel = _wheel(artifact)
    target = result.target.split(":", 1)[0]
    glibc_max = dict(policy.target_glibc).get(target, policy.glibc_max)
    macos_min_max = dict(policy.target_macos_min).get(target, policy.macos_min_max)
    tag_linux = wheel is not None and wheel.linux() is not None
    row = format_row(ins.format)
    lp = _linux_policy(artifact, wheel, glibc_max) if "glibc" in row.policy_checks else None
    imports, notes = _imports(artifact, policy, release, lp)
    checks = [_arch(ins), imports]
    if wheel is not None:
        checks.append(_wheel_tag(artifact, wheel, release))
    if artifact.role == "extension":
        checks.append(_python_abi(ins))
        stable = _stable_abi(artifact)
        if stable is not None:
            checks.append(stable)
    if ("glibc" in row.policy_checks and glibc_max is not None
            and not (tag_linux and "glibc_max" not in policy.explicit)):
        checks.append(_glibc(artifact, glibc_max, release))
    tag_macos = wheel is not None and wheel.macos() is not None
    if ("macos-min" in row.policy_checks and macos_min_max is not None
            and not (tag_macos and "macos_min_max" not in policy.explicit)):
        checks.append(_macos_min(ins, macos_min_max))
    if ("install-name" in row.policy_checks and policy.install_name is not None and ins.file_type != "bundle"
            and (own_build or "install_name" in policy.explicit)):
        checks.append(_install_name(ins, policy.install_name))
    if "debug-crt" in row.policy_checks and policy.forbid_debug_crt:
        checks.append(_debug_crt(ins))
    if policy.map_factor is not None:
        checks.append(_map_applied(result, policy, baselines))
    return checks, notes


def _arch(ins: Inspection) -> PolicyCheck:
    known = [r.arch for r in ARCHES if r.os == ins.os]
    ok = ins.arch in known
    what = format_row(ins.format).machine_field
    return PolicyCheck(name="arch", passed=ok, message=f"{what} {ins.arch}" + (
        "" if ok else f" is not a {ins.os} architecture plugsmith targets ({', '.join(known)})"))


def _matches(name: str, patterns: Sequence[str], *, fold: bool) -> bool:
    if fold:
        return any(fnmatch.fnmatchcase(name.lower(), p.lower()) for p in patterns)
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _system_elf(ins: Inspection, name: str, lp: ecosystem.LinuxPolicy | None) -> bool:
    return lp is not None and name in lp.lib_whitelist


def _system_macho(ins: Inspection, name: str, lp: ecosystem.LinuxPolicy | None) -> bool:
    return ecosystem.is_macos_system(name)


def _system_pe(ins: Inspection, name: str, lp: ecosystem.LinuxPolicy | None) -> bool:
    return ecosystem.is_windows_system(name, ins.arch) or bool(ecosystem.PYTHON_DLL.match(name))


#: Whether the ecosystem's tools count an import as provided by every user's system, per format:
#: auditwheel's whitelist (ELF), delocate's system paths (Mach-O), delvewheel's DLL list (PE).
_SYSTEM: dict[Format, Callable[[Inspection, str, ecosystem.LinuxPolicy | None], bool]] = {
    "elf": _system_elf, "macho": _system_macho, "pe": _system_pe}


def _system_source(ins: Inspection, lp: ecosystem.LinuxPolicy | None) -> str:
    sources = {
        "elf": f"{lp.name}'s libraries ({ecosystem.sources()['auditwheel']})" if lp else "a system library",
        "macho": "a system library (under /usr/lib/ or /System/Library/, delocate's rule)",
        "pe": (f"a {ins.arch} system DLL ({ecosystem.sources()['delvewheel']}), an API set, CPython's DLL "
               "or the MSVC runtime"),
    }
    return sources[ins.format]


def _imports(artifact: Artifact, policy: Policy, release: _Release,
             lp: ecosystem.LinuxPolicy | None) -> tuple[PolicyCheck, list[str]]:
    ins = artifact.inspection
    allowed = policy.allowed_imports(ins.os)
    default = DEFAULT_IMPORTS.get(ins.os, ())
    ecosystem_rules = allowed[: len(default)] == default  # the OS's list was extended, not replaced
    row = format_row(ins.format)
    fold = row.imports_fold_case
    extra, inside, runtime = [], [], []
    for name in ins.imports:
        if artifact.role == "extension" and row.python_api == "interpreter" and ecosystem.LIBPYTHON.search(name):
            continue  # the python-abi check names it
        if release.provides(artifact, name):
            inside.append(name)
        elif _matches(name, allowed, fold=fold) or (ecosystem_rules and _SYSTEM[ins.format](ins, name, lp)):
            continue
        elif ecosystem_rules and row.msvc_runtime and ecosystem.MSVC_RUNTIME.match(name) \
                and not _matches(name, DEBUG_CRT, fold=True):
            runtime.append(name)
        else:
            extra.append(name)
    notes = [f"needs the Microsoft Visual C++ runtime ({', '.join(runtime)}): not part of Windows; users need "
             "the Visual C++ Redistributable, or the release ships it"] if runtime else []
    if extra:
        system = f", not {_system_source(ins, lp)}," if ecosystem_rules else ""
        return PolicyCheck(name="imports", passed=False,
                           message=f"imports {', '.join(extra)}, not in the {ins.os} allow-list "
                                   f"({', '.join(allowed)}){system} nor inside the release; "
                                   f"add it to policy.extra_imports.{ins.os} if intended"), notes
    message = f"imports {', '.join(ins.imports) if ins.imports else 'nothing'}: all allowed"
    if inside:
        message += f" ({', '.join(inside)} inside the release)"
    return PolicyCheck(name="imports", passed=True, message=message), notes


def _python_abi(ins: Inspection) -> PolicyCheck:
    """An extension module gets the Python API from the interpreter that loads it: linking libpython
    ties it to one build of Python (auditwheel and delocate refuse it). Windows links python3XX.dll."""
    if format_row(ins.format).python_api == "dll":
        dlls = [i for i in ins.imports if ecosystem.PYTHON_DLL.match(i)]
        return PolicyCheck(name="python-abi", passed=True,
                           message=f"imports {', '.join(dlls)} (CPython's DLL on Windows)" if dlls
                           else "imports no CPython DLL")
    linked = [i for i in ins.imports if ecosystem.LIBPYTHON.search(i)]
    if linked:
        return PolicyCheck(name="python-abi", passed=False,
                           message=f"extension module links {', '.join(linked)}: the interpreter provides the "
                                   "Python symbols, so it must leave them undefined (auditwheel and delocate "
                                   "refuse a linked libpython)")
    return PolicyCheck(name="python-abi", passed=True, message="does not link libpython")


#: A version-specific CPython extension module's file name (``spam.cpython-311-x86_64-linux-gnu.so``,
#: ``spam.cp311-win_amd64.pyd``): it loads on that one minor version only, so an abi3 wheel cannot hold it.
_VERSION_SPECIFIC = re.compile(r"\.(?:cpython-3\d+[^.]*\.so|cp3\d+-[^.]+\.pyd)$")


def _abi3_promise(artifact: Artifact) -> tuple[tuple[int, int] | None, bool]:
    """(the oldest CPython it must load on, whether it is a stable-ABI module at all): from the build
    (``abi3:``), the wheel's ``cp3X-abi3`` tag, or its name (``.abi3.so``) / import of python3.dll."""
    from plugsmith import python_ext

    if artifact.python_abi is not None:
        return python_ext.version_tuple(artifact.python_abi), True
    tagged = abi3_version(artifact.container)
    if tagged is not None:
        return tagged, True
    name = _base(_member(str(artifact.inspection.path)))
    dll = any(i.lower() == python_ext.PYTHON3_DLL for i in artifact.inspection.imports)
    return None, name.endswith(".abi3.so") or dll


def _stable_abi(artifact: Artifact) -> PolicyCheck | None:
    """A stable-ABI (abi3) extension may use CPython's stable ABI only, and only what its promised
    oldest CPython has: anything else fails to load (or crashes) on other interpreters. On ELF and
    Mach-O it also replaces ``-z defs``: an undefined name that is neither CPython's nor tied to a
    library is a symbol nothing will provide. None for a version-specific module (not judged)."""
    from plugsmith import python_ext

    version, abi3 = _abi3_promise(artifact)
    if not abi3:
        return None
    ins = artifact.inspection
    dll_api = format_row(ins.format).python_api == "dll"
    table = python_ext.stable_abi()
    outside, newer, unresolved, dlls = [], [], [], []
    # a name plugsmith's list does not know may be a later CPython's addition: not judged then
    beyond_list = version is not None and version > table.newest
    # an unversioned undefined name may come from a needed library without symbol versions (a grafted
    # libzmq): only a module whose every needed library versions its symbols (glibc's) is judged
    versioned = {library for library, _ in ins.version_needs}
    judge_unresolved = ins.libc != "musl" and all(i in versioned for i in ins.imports)
    for library, name in ins.undefined:
        if dll_api:
            if not ecosystem.PYTHON_DLL.match(library):
                continue  # system DLLs: the imports check judges them
            if library.lower() != python_ext.PYTHON3_DLL:
                dlls.append(library)
        elif library:
            continue
        item = table.get(name)
        windows_only = item is not None and item.ifdef in python_ext.WINDOWS_ONLY and not dll_api
        if item is None or windows_only:
            if dll_api or name.startswith(("Py", "_Py")):
                if not beyond_list:
                    outside.append(name)
            elif judge_unresolved:  # musl's own symbols carry no versions: not told apart
                unresolved.append(name)
        elif version is not None and item.added > version:
            newer.append(f"{name} (added in {item.added_text})")
    promise = f"abi3 for CPython {version[0]}.{version[1]}+" if version else "abi3"
    findings = ((outside, "uses {}, not in CPython's stable ABI"),
                (newer, "uses {}, newer than its " + promise + " promise"),
                (dlls, "imports {}: a version-specific CPython DLL, not python3.dll"),
                (unresolved, "leaves {} undefined: neither CPython's nor from a library it links"))
    problems = [template.format(", ".join(sorted(set(names)))) for names, template in findings if names]
    if problems:
        return PolicyCheck(name="stable-abi", passed=False,
                           message=f"{promise} extension module {'; '.join(problems)}")
    count = len({name for library, name in ins.undefined if table.get(name) is not None
                 and (ecosystem.PYTHON_DLL.match(library) if dll_api else not library)})
    return PolicyCheck(name="stable-abi", passed=True,
                       message=f"{promise}: {count} Python symbol{'' if count == 1 else 's'}, all in CPython's "
                               f"stable ABI (list of commit {table.source_commit[:12]})")


def _wheel_python(artifact: Artifact) -> str | None:
    """What the wheel's Python and ABI tags say against a CPython extension module inside, or None."""
    tags = interpreter_tags(artifact.container)
    if tags is None or artifact.role != "extension":
        return None
    pythons, abis = tags
    name = _member(str(artifact.inspection.path)).rsplit("/", 1)[-1]
    tag = f"{'.'.join(pythons)}-{'.'.join(abis)}"
    if abis == ("none",):
        return (f"{tag} wheel holds the CPython extension module {name}: it promises any Python, so pip would "
                "install it where the module cannot load (tag it cp3X-abi3 or cp3XY-cp3XY)")
    if "abi3" in abis and _VERSION_SPECIFIC.search(name):
        return f"{tag} wheel holds {name}, built for one CPython version, not the stable ABI"
    if "abi3" in abis and abi3_version(artifact.container) is None:
        return f"{tag} wheel: an abi3 tag needs a CPython Python tag (cp3X) naming the oldest version"
    return None


def _wheel_tag(artifact: Artifact, wheel: _Wheel, release: _Release) -> PolicyCheck:
    """The wheel's platform tag is a promise about every binary inside: machine, libc and its
    version ceiling, macOS deployment target, fat slices."""
    ins = artifact.inspection
    what = f"{ins.arch} {format_row(ins.format).label}"
    if not wheel.tags:
        return PolicyCheck(name="wheel-tag", passed=True, message=f"{wheel.text}: a platform tag plugsmith "
                                                                  "does not know; not judged")
    if all(t.os is None for t in wheel.tags):
        return PolicyCheck(name="wheel-tag", passed=False,
                           message=f"{wheel.text} wheel holds an {what}: a pure-Python tag promises no native code")
    if not wheel.matching:
        return PolicyCheck(name="wheel-tag", passed=False, message=f"{wheel.text} wheel holds an {what}")
    problems = [p for p in (_wheel_python(artifact),) if p]
    tag = wheel.linux()
    if tag is not None and tag.libc is not None and tag.version is not None:
        libc = _libc(ins)
        if libc is not None and libc != tag.libc:
            problems.append(f"{tag.tag} wheel holds a {libc} {what}")
        lp = ecosystem.linux_policy(tag.libc, tag.version)
        bad = _outside(artifact, release, lp) if lp is not None and lp.covers(ins.arch) else []
        if bad and lp is not None:
            problems.append(f"{tag.tag} wheel needs {_beyond(bad, lp, ins.arch)}")
    for fat in (t for t in wheel.matching if t.fat):
        have = release.slices.get(str(ins.path), {ins.arch})
        lacking = [a for a in fat.arches if a not in have]
        if lacking:
            problems.append(f"{fat.tag} wheel holds a Mach-O without the {', '.join(lacking)} slice "
                            f"(it has {', '.join(sorted(have))})")
    floor = wheel.macos()
    if floor is not None and ins.min_os is not None:
        ceiling = max(floor, _ARM64_MACOS_FLOOR) if ins.arch == "aarch64" else floor
        if version_key(ins.min_os) > ceiling:
            named = next(t.tag for t in wheel.matching if t.version == floor)
            problems.append(f"{named} wheel holds an {what} for macOS {ins.min_os} and later "
                            f"(the tag allows {'.'.join(map(str, ceiling))})")
    if problems:
        return PolicyCheck(name="wheel-tag", passed=False, message="; ".join(dict.fromkeys(problems)))
    return PolicyCheck(name="wheel-tag", passed=True, message=f"{what} consistent with {wheel.text}")


def _glibc(artifact: Artifact, ceiling: str, release: _Release) -> PolicyCheck:
    ins = artifact.inspection
    lp = ecosystem.linux_policy("glibc", version_key(ceiling)) if _libc(ins) != "musl" else None
    others = [(v, lib) for v, lib in (_outside(artifact, release, lp) if lp and lp.covers(ins.arch) else [])
              if ecosystem.prefix_of(v) != "GLIBC"]
    extra = f"; needs {_beyond(others, lp, ins.arch)}" if others and lp is not None else ""
    if ins.glibc_max is None:
        return PolicyCheck(name="glibc", passed=not others, message="needs no GLIBC_x.y symbol version" + extra)
    ok = version_key(ins.glibc_max) <= version_key(ceiling)
    return PolicyCheck(name="glibc", passed=ok and not others, message=f"needs GLIBC_{ins.glibc_max}" + (
        f", at or below the ceiling {ceiling}" if ok else f", above the ceiling {ceiling}: it will not load on "
        f"systems with glibc {ceiling}") + extra)


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
