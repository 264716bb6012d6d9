"""The ecosystem's own release rules, so ``plugsmith verify`` judges a library the way auditwheel,
delocate and delvewheel would.

Tables that the tools keep as data are vendored under ``data/`` (``data/README.md`` names source,
version and license; ``scripts/vendor-ecosystem-data`` refreshes them) and checked here when first
loaded: a table that does not have the expected shape is an error naming the file and the entry,
never a silently empty allow-list. The few rules the tools keep in code are rows below, each with
its evidence.
"""

from __future__ import annotations

import functools
import json
import pkgutil
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from plugsmith.errors import ConfigError

__all__ = ["AUDITWHEEL_ARCH", "LIBPYTHON", "MACOS_SYSTEM_PREFIXES", "MSVC_RUNTIME", "PYTHON_DLL", "WINDOWS_API_SETS",
           "LinuxPolicy", "is_macos_system", "is_windows_system", "linux_policies", "linux_policy", "newest",
           "prefix_of", "sources", "split_version", "windows_system_dlls"]

Libc = Literal["glibc", "musl"]

#: plugsmith's architecture names -> auditwheel's (the keys of ``symbol_versions``).
AUDITWHEEL_ARCH: dict[str, str] = {"x86": "i686", "x86_64": "x86_64", "aarch64": "aarch64", "arm": "armv7l",
                                   "ppc64le": "ppc64le", "ppc64": "ppc64", "s390x": "s390x", "riscv64": "riscv64",
                                   "loongarch64": "loongarch64"}

#: macOS libraries every Mac has: delocate copies everything else into the wheel
#: (delocate's ``tree_libs_from_directory`` filters on these prefixes).
MACOS_SYSTEM_PREFIXES: tuple[str, ...] = ("/usr/lib/", "/System/Library/")

#: Windows API sets: resolved by the loader from the API set schema, never files to ship
#: (delvewheel's ``ignore_regexes`` has ``api-.*``; ``ext-ms-win-*`` are the optional extension sets,
#: https://learn.microsoft.com/windows/win32/apiindex/windows-apisets).
WINDOWS_API_SETS = re.compile(r"^(?:api-ms-win-|ext-ms-win-|api-ms-onecoreuap-).*\.dll$", re.IGNORECASE)

#: The Microsoft Visual C++ runtime: not part of Windows, so users need the redistributable (or the
#: wheel ships it). Names as delvewheel's ``vc_redist`` pattern: vcruntime140.dll, vcruntime140_1.dll,
#: msvcp140.dll, msvcp140_1.dll, vcomp140.dll, concrt140.dll, msvcr120.dll (glfw 2.11.0 ships it),
#: vccorlib140.dll, mfc140u.dll, vcamp140.dll. ``msvcrt.dll`` is a system DLL (delvewheel's lists).
MSVC_RUNTIME = re.compile(r"^(?:vcruntime\d.*|vccorlib\d.*|msvcp[\d_].*|msvcr\d.*|concrt\d.*|mfc(?:m(?:ifc)?)?\d.*"
                          r"|vcamp\d.*|vcomp\d*.*)\.dll$", re.IGNORECASE)

#: CPython's DLLs: every CPython on Windows ships them, so an extension module imports them freely
#: (delvewheel's ``ignore_regexes``: ``python[0-9]+t?(_d)?\.dll``; markupsafe 3.0.3 imports python312.dll,
#: bcrypt 5.0.0 the stable-ABI python3.dll).
PYTHON_DLL = re.compile(r"^python3\d*t?\.dll$", re.IGNORECASE)

#: libpython on Linux and macOS: an extension module must not link it (the interpreter provides the
#: symbols; auditwheel and delocate refuse it, PEP 513 "libpythonX.Y.so.1 is not on the list").
LIBPYTHON = re.compile(r"(?:^|/)(?:libpython\d[\d.]*[a-z]*\.(?:so(?:\.[\d.]+)?|dylib)|Python\.framework/.*Python"
                       r"|Python3?)$")

_DATA = "data/"  # beside this module (plugsmith.verify), read with its loader: an installed wheel or a zip
_POLICY_NAME = re.compile(r"^(?P<kind>manylinux|musllinux)_(?P<major>\d+)_(?P<minor>\d+)$")
_VERSION = re.compile(r"^[A-Za-z0-9_.]+$")  # "2.17", and CXXABI's "TM_1", GLIBCXX's "LDBL_3.4"
_SYMBOL_VERSION = re.compile(r"^(?P<prefix>[A-Z]+)_(?P<version>\d+(?:\.\d+)*)$")


@dataclass(frozen=True, slots=True, kw_only=True)
class LinuxPolicy:
    """One auditwheel policy: ``manylinux_2_17`` (alias ``manylinux2014``) or ``musllinux_1_2``."""

    name: str
    aliases: tuple[str, ...]
    libc: Libc
    version: tuple[int, int]  # glibc (2, 17) or musl (1, 2)
    lib_whitelist: frozenset[str]
    #: auditwheel architecture -> symbol-version prefix (GLIBC, GLIBCXX, CXXABI, GCC, ...) -> the full
    #: version names allowed (``GLIBC_2.17``, ``CXXABI_TM_1``). As auditwheel does, a prefix the policy
    #: lists is limited to exactly these (an empty set: none at all); a prefix it does not list
    #: (``OPENSSL_1_1_0``, ``GLIBC_PRIVATE`` is GLIBC's and so limited) is not limited.
    symbol_versions: Mapping[str, Mapping[str, frozenset[str]]]

    def allowed(self, arch: str, prefix: str) -> frozenset[str] | None:
        """The ``PREFIX_...`` version names allowed on ``arch`` (plugsmith's name); None: not limited."""
        return self.symbol_versions.get(AUDITWHEEL_ARCH.get(arch, arch), {}).get(prefix)

    def ceiling(self, arch: str, prefix: str) -> str | None:
        """The highest numbered allowed version of ``prefix`` (``GLIBCXX_3.4.19``), for messages."""
        numbered = [(v, n) for n in self.allowed(arch, prefix) or () if (v := split_version(n)) is not None]
        return max(numbered)[1] if numbered else None

    def covers(self, arch: str) -> bool:
        """Whether the policy exists for ``arch`` (manylinux1 has no aarch64)."""
        return AUDITWHEEL_ARCH.get(arch, arch) in self.symbol_versions


def split_version(name: str) -> tuple[int, ...] | None:
    """``"GLIBCXX_3.4.19"`` -> ``(3, 4, 19)``; None for ``GLIBC_PRIVATE``, ``CXXABI_TM_1``."""
    match = _SYMBOL_VERSION.match(name)
    return tuple(int(p) for p in match.group("version").split(".")) if match else None


def prefix_of(name: str) -> str:
    """``"GLIBCXX_3.4.19"`` -> ``"GLIBCXX"`` (auditwheel's split: up to the first underscore)."""
    return name.partition("_")[0]


@functools.cache
def sources() -> dict[str, str]:
    """Package -> "package version" of each vendored table (from data/SOURCES.json)."""
    raw = _json("SOURCES.json")
    if not isinstance(raw, list) or not all(isinstance(e, dict) and {"package", "version"} <= set(e) for e in raw):
        raise _bad("SOURCES.json", "expected a list of {package, version, ...}")
    return {str(e["package"]): f"{e['package']} {e['version']}" for e in raw}


@functools.cache
def linux_policies() -> tuple[LinuxPolicy, ...]:
    """Every manylinux and musllinux policy, validated (auditwheel's ``linux`` catch-all is left out)."""
    out = []
    files: tuple[tuple[str, Libc], ...] = (("manylinux-policy.json", "glibc"), ("musllinux-policy.json", "musl"))
    for file, libc in files:
        raw = _json(file)
        if not isinstance(raw, list):
            raise _bad(file, "expected a list of policies")
        for index, entry in enumerate(raw):
            policy = _linux_policy(file, index, entry, libc)
            if policy is not None:
                out.append(policy)
    return tuple(out)


def linux_policy(libc: Libc, version: tuple[int, ...]) -> LinuxPolicy | None:
    """The policy for ``libc`` at ``version``: exact, else the newest one older than it (auditwheel has
    no manylinux_2_29; a 2.29 ceiling is held to manylinux_2_28's tables). None below the oldest."""
    fitting = [p for p in linux_policies() if p.libc == libc and p.version <= version]
    return max(fitting, key=lambda p: p.version, default=None)


def newest(libc: Libc) -> LinuxPolicy:
    return max((p for p in linux_policies() if p.libc == libc), key=lambda p: p.version)


@functools.cache
def windows_system_dlls(arch: str) -> frozenset[str]:
    """Lower-case names of the DLLs every Windows (7 SP1 and later) has for ``arch`` (delvewheel's lists)."""
    raw = _json("windows-system-dlls.json")
    table = raw.get("system_dlls") if isinstance(raw, dict) else None
    if not isinstance(table, dict) or set(table) != {"x86", "x86_64", "aarch64"}:
        raise _bad("windows-system-dlls.json", "expected system_dlls with the keys x86, x86_64, aarch64")
    names = table.get(arch if arch in table else "x86_64")
    if not isinstance(names, list) or not all(isinstance(n, str) and n == n.lower() and "." in n for n in names):
        raise _bad("windows-system-dlls.json", f"system_dlls.{arch}: expected a list of lower-case file names")
    return frozenset(names)


def is_windows_system(name: str, arch: str) -> bool:
    return bool(WINDOWS_API_SETS.match(name)) or name.lower() in windows_system_dlls(arch)


def is_macos_system(name: str) -> bool:
    return name.startswith(MACOS_SYSTEM_PREFIXES)


# --------------------------------------------------------------------------- loading


def _json(file: str) -> Any:
    try:
        raw = pkgutil.get_data("plugsmith.verify", _DATA + file)  # importlib.resources costs ~10 ms to import
        if raw is None:
            raise OSError(f"no loader for plugsmith.verify can read {_DATA}{file}")
        return json.loads(raw.decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise _bad(file, f"cannot be read: {exc}") from exc


def _bad(file: str, message: str) -> ConfigError:
    return ConfigError(f"plugsmith/verify/data/{file}: {message} (a broken installation: reinstall plugsmith)")


def _names(file: str, name: str, entry: dict[str, Any], key: str) -> list[str]:
    value = entry.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _bad(file, f"{name}.{key}: expected a list of names")
    return value


def _linux_policy(file: str, index: int, entry: Any, libc: Libc) -> LinuxPolicy | None:
    where = f"[{index}]"
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise _bad(file, f"{where}: expected a policy with a name")
    name = entry["name"]
    if name == "linux":
        return None
    match = _POLICY_NAME.match(name)
    if match is None or (match.group("kind") == "musllinux") != (libc == "musl"):
        raise _bad(file, f"{where}: unexpected policy name {name!r}")
    aliases, whitelist = _names(file, name, entry, "aliases"), _names(file, name, entry, "lib_whitelist")
    versions = entry.get("symbol_versions")
    if not isinstance(versions, dict):
        raise _bad(file, f"{name}.symbol_versions: expected a mapping of architecture to prefixes")
    table: dict[str, dict[str, frozenset[str]]] = {}
    for arch, prefixes in versions.items():
        if not isinstance(prefixes, dict):
            raise _bad(file, f"{name}.symbol_versions.{arch}: expected a mapping of prefix to versions")
        table[arch] = {}
        for prefix, listed in prefixes.items():
            if not isinstance(listed, list) or not all(isinstance(v, str) and _VERSION.match(v) for v in listed):
                raise _bad(file, f"{name}.symbol_versions.{arch}.{prefix}: expected a list of versions like \"2.17\"")
            table[arch][prefix] = frozenset(f"{prefix}_{v}" for v in listed)
    return LinuxPolicy(name=name, aliases=tuple(aliases), libc=libc,
                       version=(int(match.group("major")), int(match.group("minor"))),
                       lib_whitelist=frozenset(whitelist), symbol_versions=table)
