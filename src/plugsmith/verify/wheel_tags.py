"""What a wheel's file name promises about the binaries inside it (PEP 425/427/600/656).

``platforms("foo-1.0-cp312-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")`` reads the
platform tags; each becomes a ``PlatformTag``: the OS, the machines it promises (all of them in one
file for a fat macOS tag such as ``universal2``), the libc and its version (manylinux: glibc,
musllinux: musl) or the macOS version. The rows below are the tag vocabulary of pip's ``packaging``
(``packaging.tags``), written as data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

__all__ = ["PlatformTag", "abi3_version", "interpreter_tags", "is_wheel", "platforms"]

#: Legacy manylinux names (PEP 600): manylinux1 = manylinux_2_5, manylinux2010 = 2_12, manylinux2014 = 2_17.
MANYLINUX_ALIASES: dict[str, tuple[int, int]] = {"manylinux1": (2, 5), "manylinux2010": (2, 12),
                                                 "manylinux2014": (2, 17)}

#: Linux wheel architectures -> plugsmith's names (``uname -m`` spelling in tags).
LINUX_ARCH: dict[str, str] = {"x86_64": "x86_64", "i686": "x86", "aarch64": "aarch64", "armv7l": "arm",
                              "ppc64le": "ppc64le", "ppc64": "ppc64", "s390x": "s390x", "riscv64": "riscv64",
                              "loongarch64": "loongarch64"}

#: macOS binary formats -> (machines, whether one file must hold all of them). ``universal2`` and the
#: old fat formats promise every listed slice (delocate's ``--require-archs``); ``universal`` is any of them.
MACOS_ARCH: dict[str, tuple[tuple[str, ...], bool]] = {
    "x86_64": (("x86_64",), False), "arm64": (("aarch64",), False), "i386": (("x86",), False),
    "ppc": (("ppc",), False), "ppc64": (("ppc64",), False),
    "universal2": (("x86_64", "aarch64"), True), "intel": (("x86", "x86_64"), True),
    "fat": (("x86", "ppc"), True), "fat3": (("x86", "x86_64", "ppc"), True), "fat32": (("x86", "ppc"), True),
    "fat64": (("x86_64", "ppc64"), True), "universal": (("x86", "x86_64", "ppc", "ppc64"), False),
}

#: Windows tags -> plugsmith's machine names (delvewheel's ``platform_tag_to_type``).
WINDOWS_ARCH: dict[str, str] = {"win32": "x86", "win_amd64": "x86_64", "win_arm64": "aarch64"}

_MANYLINUX = re.compile(r"^(?P<kind>manylinux|musllinux)_(?P<major>\d+)_(?P<minor>\d+)_(?P<arch>.+)$")
_LEGACY = re.compile(r"^(?P<alias>manylinux1|manylinux2010|manylinux2014)_(?P<arch>.+)$")
_MACOS = re.compile(r"^macosx_(?P<major>\d+)_(?P<minor>\d+)_(?P<arch>.+)$")
_LINUX = re.compile(r"^linux_(?P<arch>.+)$")


@dataclass(frozen=True, slots=True, kw_only=True)
class PlatformTag:
    tag: str  # as written in the file name
    os: str | None  # linux, macos, windows; None for "any" (pure Python: no native code)
    arches: tuple[str, ...] = ()  # plugsmith machine names the tag allows
    fat: bool = False  # one file must hold every machine in ``arches``
    libc: Literal["glibc", "musl"] | None = None  # manylinux / musllinux; None for linux_<arch>
    version: tuple[int, ...] | None = None  # glibc or musl version, or the macOS deployment target
    known: bool = True  # False: a tag plugsmith does not know (not judged)

    @property
    def policy_name(self) -> str | None:
        """The auditwheel policy it names (``manylinux2014_x86_64`` -> ``manylinux_2_17``)."""
        if self.libc is None or self.version is None:
            return None
        return f"{'manylinux' if self.libc == 'glibc' else 'musllinux'}_{self.version[0]}_{self.version[1]}"


def is_wheel(name: str | None) -> bool:
    return bool(name) and PurePosixPath(str(name)).name.endswith(".whl")


def platforms(container: str | None) -> tuple[PlatformTag, ...] | None:
    """The platform tags of the wheel ``container`` (a path or display name); None when it is not a
    wheel or its name does not have the five or six parts of PEP 427."""
    if not is_wheel(container):
        return None
    stem = PurePosixPath(str(container)).name[: -len(".whl")]
    parts = stem.split("-")
    if len(parts) not in (5, 6):
        return None
    return tuple(_tag(tag) for tag in parts[-1].split("."))


def interpreter_tags(container: str | None) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The Python and ABI tags of the wheel ``container`` (``(("cp39",), ("abi3",))``), each possibly a
    compressed set (``py2.py3``); None when it is not a wheel name of five or six parts."""
    if not is_wheel(container):
        return None
    parts = PurePosixPath(str(container)).name[: -len(".whl")].split("-")
    if len(parts) not in (5, 6):
        return None
    return tuple(parts[-3].split(".")), tuple(parts[-2].split("."))


_CPYTHON = re.compile(r"^cp3(\d+)$")


def abi3_version(container: str | None) -> tuple[int, int] | None:
    """The oldest CPython an ``abi3`` wheel promises to load on (``cp39-abi3`` -> (3, 9)); None when
    the wheel is not tagged abi3 (PEP 425: the Python tag names the oldest version for abi3)."""
    tags = interpreter_tags(container)
    if tags is None or "abi3" not in tags[1]:
        return None
    minors = [int(m.group(1)) for m in (_CPYTHON.match(t) for t in tags[0]) if m]
    return (3, min(minors)) if minors else None


def _tag(tag: str) -> PlatformTag:
    if tag == "any":
        return PlatformTag(tag=tag, os=None)
    if tag in WINDOWS_ARCH:
        return PlatformTag(tag=tag, os="windows", arches=(WINDOWS_ARCH[tag],))
    match = _MANYLINUX.match(tag)
    if match:
        libc: Literal["glibc", "musl"] = "glibc" if match.group("kind") == "manylinux" else "musl"
        return _linux(tag, match.group("arch"), libc, (int(match.group("major")), int(match.group("minor"))))
    match = _LEGACY.match(tag)
    if match:
        return _linux(tag, match.group("arch"), "glibc", MANYLINUX_ALIASES[match.group("alias")])
    match = _LINUX.match(tag)
    if match and match.group("arch") in LINUX_ARCH:
        return PlatformTag(tag=tag, os="linux", arches=(LINUX_ARCH[match.group("arch")],))
    match = _MACOS.match(tag)
    if match and match.group("arch") in MACOS_ARCH:
        arches, fat = MACOS_ARCH[match.group("arch")]
        return PlatformTag(tag=tag, os="macos", arches=arches, fat=fat,
                           version=(int(match.group("major")), int(match.group("minor"))))
    return PlatformTag(tag=tag, os=None, known=False)


def _linux(tag: str, arch: str, libc: Literal["glibc", "musl"], version: tuple[int, int]) -> PlatformTag:
    if arch not in LINUX_ARCH:
        return PlatformTag(tag=tag, os=None, known=False)
    return PlatformTag(tag=tag, os="linux", arches=(LINUX_ARCH[arch],), libc=libc, version=version)
