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

The same mapping can be given without a project (``plugsmith verify --policy FILE``). The
checks themselves are :mod:`plugsmith.verify.checks`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from plugsmith._located import Located, PathKey, dotted
from plugsmith.errors import ErrorCollector, Location, suggest

__all__ = ["CHECK_NAMES", "DEFAULTS", "POLICY_KEYS", "Policy", "for_targets", "from_mapping", "load", "parse",
           "version_key"]

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
    "glibc_max": "2.17",  # manylinux2014's ceiling (auditwheel policy); = platforms.DEFAULT_GLIBC, the default pin
    "macos_min_max": "11.0",  # plugsmith's default deployment target (platforms.DEFAULT_MACOS_MIN)
    "install_name": "@rpath/{file}",  # what plugsmith links with (platforms.LINK_FLAGS["macho"])
    "debug_crt": "forbid",
    "map_applied": {"factor": 2.0, "min_extra": 8},  # > 2x the contract and >= 8 extra: map not applied
}

#: The policy checks by name, as ``--skip-check`` takes them and reports name them.
CHECK_NAMES: tuple[str, ...] = ("arch", "imports", "glibc", "macos-min", "install-name", "debug-crt", "map-applied",
                                "targets", "wheel-tag", "python-abi", "stable-abi")

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
    explicit: frozenset[str] = frozenset()  # the keys the user's policy names
    skip: frozenset[str] = frozenset()  # check names not run (``--skip-check``); the report names them

    def allowed_imports(self, os: str) -> tuple[str, ...]:
        return dict(self.imports).get(os, ())


# --------------------------------------------------------------------------- loading

#: ``fail(path, message)``: report a problem at ``path`` inside the ``policy:`` mapping.
Fail = Callable[[PathKey, str], None]


def parse(raw: Any, fail: Fail) -> Policy:
    """Validate a raw ``policy:`` mapping over the packaged defaults. Problems go to ``fail`` (the
    caller's error collector, so they are reported with the file's other errors); the returned
    value is only meaningful when none were reported."""
    if raw is None:
        return Policy()
    if not isinstance(raw, dict):
        fail((), f"expected a mapping, got {type(raw).__name__}")
        return Policy()
    for key in raw:
        if key not in POLICY_KEYS:
            fail((key,), f"unknown key '{key}'{suggest(key, POLICY_KEYS, list_known=True)}")
    values: dict[str, Any] = {"explicit": frozenset(k for k in raw if k in POLICY_KEYS)}
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
                fail((key, os_name), f"unknown OS '{os_name}'{suggest(os_name, _OSES, list_known=True)}")
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
    return Policy(**values)


def for_targets(policy: Policy, targets: Sequence[tuple[str, str | None, str | None]]) -> Policy:
    """``policy`` for a project whose targets are ``(name, glibc pin, macOS minimum)``: the
    expected set defaults to every target, and a target's own pin is its ceiling unless the policy
    names one explicitly."""
    out = policy
    if out.targets is None:
        out = replace(out, targets=tuple(name for name, _, _ in targets))
    if "glibc_max" not in policy.explicit:
        out = replace(out, target_glibc=tuple((name, glibc) for name, glibc, _ in targets if glibc))
    if "macos_min_max" not in policy.explicit:
        out = replace(out, target_macos_min=tuple((name, min_os) for name, _, min_os in targets if min_os))
    return out


def load(path: Path) -> Policy:
    """A policy file given with ``--policy FILE``: the same schema as build_matrix.yaml's
    ``policy:`` section, either at the top level or under a ``policy:`` key."""
    from plugsmith import _yaml
    from plugsmith._fs import display_path

    doc = _yaml.load(path, display_path(path))
    nested = isinstance(doc.value, dict) and set(doc.value) == {"policy"}
    return from_mapping(doc.value["policy"] if nested else doc.value or None, doc, ("policy",) if nested else ())


def from_mapping(raw: Any, doc: Located | None = None, prefix: PathKey = ("policy",)) -> Policy:
    """``parse`` for a mapping on its own (a library user's dict, a policy file): raises one
    ``ConfigError`` listing every problem, located in ``doc`` when given."""
    collector = ErrorCollector()

    def fail(where: PathKey, message: str) -> None:
        full = (*prefix, *where)
        location = doc.where(full, dotted(("policy", *where))) if doc else Location("policy", field=dotted(full))
        collector.add(message, location)

    policy = parse(raw, fail)
    collector.raise_if_any()
    return policy


def _parse_map_applied(value: Any, values: dict[str, Any], fail: Fail) -> None:
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


def _strings(value: Any, path: PathKey, fail: Fail) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        fail(path, "expected a list of strings")
        return None
    return tuple(value)


def _is_version(value: Any) -> bool:
    text = str(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else ""
    return bool(text) and all(p.isdigit() for p in text.split("."))


def version_key(text: str) -> tuple[int, ...]:
    """``"2.17"`` -> ``(2, 17)``: versions compare as numbers, not strings."""
    return tuple(int(p) for p in text.split(".") if p.isdigit())
