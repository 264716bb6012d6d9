"""How artifacts built anywhere are named and what they are: a plugin library, a Python
extension module, or a dependency vendored beside them.

The rules are data (``EXTENSION_NAMES``, ``VENDORED``), each row with the real-world release
behind it. ``role`` decides per artifact; grouping across platforms uses the same rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from plugsmith.inspection import Inspection

Role = Literal["library", "extension", "dependency"]

#: CPython extension module file names (the module name is the part before the first dot).
#: Evidence: markupsafe 3.0.3 (``_speedups.cpython-312-x86_64-linux-gnu.so``, ``-darwin.so``),
#: bcrypt 5.0.0 (``_bcrypt.abi3.so``, ``_bcrypt.pyd``), cffi 2.0.0 (``.cp312-win_amd64.pyd``).
EXTENSION_NAMES = re.compile(
    r"^[A-Za-z_][A-Za-z0-9_]*\.(?:cpython-[^.]+\.so|abi3\.so|pypy[^.]*\.so|cp\d+-[^.]+\.pyd|pyd)$")

#: Dependencies a release carries next to its own libraries, by path (globs on the member path
#: inside an archive or folder). Evidence: auditwheel grafts into ``<pkg>.libs/`` with a hash in the
#: name (pyzmq 27.1.0 ``pyzmq.libs/libzmq-915d1bcb.so.5.2.5``); delocate into ``<pkg>/.dylibs/``
#: (shapely 2.1.2 ``shapely/.dylibs/libgeos.3.13.1.dylib``); delvewheel into ``<pkg>.libs/``
#: (shapely ``shapely.libs/msvcp140-90bc62d4….dll``); the MSVC runtime copied beside a DLL
#: (glfw 2.11.0 ``glfw/msvcr120.dll``).
VENDORED: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?:^|/)[^/]+\.libs/"),
    re.compile(r"(?:^|/)\.dylibs/"),
    re.compile(r"(?:^|/)(?:msvcp|msvcr|vcruntime|vcomp|concrt)\d+[^/]*\.dll$", re.IGNORECASE),
)


def role(display: str, inspection: Inspection) -> Role:
    """``display`` is the artifact's shown path (``wheel.whl!pkg/mod.abi3.so``)."""
    member = display.rsplit("!", 1)[-1].replace("\\", "/")
    if any(p.search(member) for p in VENDORED):
        return "dependency"
    name = member.rsplit("/", 1)[-1]
    if EXTENSION_NAMES.match(name) or any(e.name.startswith("PyInit_") for e in inspection.exports):
        return "extension"
    return "library"


# --------------------------------------------------------------------------- library names


@dataclass(frozen=True, slots=True, kw_only=True)
class NameRule:
    """One step from a file name to the library's name: ``pattern`` is removed from the
    (lower-cased) name. ``example`` is (file name, what is left after all rules), ``source`` the
    release it was measured on."""

    name: str
    pattern: re.Pattern[str]
    example: tuple[str, str]
    source: str


#: Applied in order to the file name of a library or dependency (never to a Python extension
#: module, whose name is fixed by its ``PyInit_<name>``). docs/verify.md "How artifacts are grouped".
NAME_RULES: tuple[NameRule, ...] = (
    NameRule(name="elf-suffix", pattern=re.compile(r"\.so(?:\.\d+)*$"),
             example=("libglfw.so", "glfw"), source="glfw 2.11.0 glfw/x11/libglfw.so"),
    NameRule(name="macho-suffix", pattern=re.compile(r"(?:(?<![-\d.])(?:\.\d+)+)?\.(?:dylib|bundle)$"),
             example=("libglfw.3.dylib", "glfw"), source="glfw 2.11.0 glfw/libglfw.3.dylib (the version sits before "
                                                          ".dylib; libusb-1.0.dylib keeps its '-1.0')"),
    NameRule(name="pe-suffix", pattern=re.compile(r"\.(?:dll|pyd)$"),
             example=("libusb-1.0.dll", "usb-1.0"), source="libusb-package 1.0.26.3 libusb_package/libusb-1.0.dll"),
    NameRule(name="repair-hash", pattern=re.compile(r"-(?:[0-9a-f]{8}|[0-9a-f]{32})$"),
             example=("libzmq-915d1bcb.so.5.2.5", "zmq"),
             source="auditwheel (pyzmq 27.1.0 pyzmq.libs/libzmq-915d1bcb.so.5.2.5); delvewheel, 32 hex digits "
                    "(shapely 2.1.2 shapely.libs/geos-ae6efa0782962b98e358f10ea539ae5f.dll)"),
    NameRule(name="arch-suffix",
             pattern=re.compile(r"[_-](?:x86_64|x86-64|amd64|x64|arm64|aarch64|i686|i386|x86|win32|win64)$"),
             example=("libsndfile_x64.dll", "sndfile"),
             source="soundfile 0.13.1 _soundfile_data/libsndfile_x86_64.so, libsndfile_arm64.dylib, "
                    "libsndfile_x64.dll"),
    NameRule(name="bitness-suffix", pattern=re.compile(r"(?<=[a-z])(?:32|64)bit$"),
             example=("libportaudio64bit.dll", "portaudio"),
             source="sounddevice 0.5.2 _sounddevice_data/portaudio-binaries/libportaudio64bit.dll"),
    NameRule(name="lib-prefix", pattern=re.compile(r"^lib(?=.)"),
             example=("libsodium.26.dylib", "sodium"),
             source="the Unix convention (pyzmq 27.1.0 zmq/.dylibs/libsodium.26.dylib); a leading underscore "
                    "is kept: _libfoo.so / _foo.dll are joined by the 'underscore-lib' merge rule"),
)


def library_name(file_name: str) -> str:
    """The name a library or dependency file stands for, after every ``NAME_RULES`` row."""
    name = file_name.lower()
    for rule in NAME_RULES:
        name = rule.pattern.sub("", name, count=1)
    return name or file_name.lower()


def extension_name(file_name: str) -> str:
    """A Python extension module's name: the part before the first dot (``_speedups.cpython-312-darwin.so``)."""
    return file_name.split(".", 1)[0]


@dataclass(frozen=True, slots=True, kw_only=True)
class MergeRule:
    """Two names that stand for one library when the facts agree (see ``grouping``)."""

    name: str
    example: tuple[str, ...]
    source: str
    when: str


#: Applied after ``NAME_RULES``, only between groups whose members fill each other's gaps.
MERGE_RULES: tuple[MergeRule, ...] = (
    MergeRule(name="major-in-name", example=("libglfw.so", "libglfw.3.dylib", "glfw3.dll"),
              source="glfw 2.11.0 (glfw/glfw3.dll beside libglfw.3.dylib and libglfw.so)",
              when="a name that is another name plus digits (glfw3) joins it when none of its OSes is in it"),
    MergeRule(name="underscore-lib", example=("_libfoo.so", "_libfoo.dylib", "_foo.dll"),
              source="the issue's example (a cffi out-of-line module's library named _lib<name> on Unix only)",
              when="_lib<name> and _<name> join when none of their OSes overlap"),
    MergeRule(name="variant-suffix", example=("libportaudio64bit.dll", "libportaudio64bit-asio.dll"),
              source="sounddevice 0.5.2 (the ASIO build beside the plain one in one wheel)",
              when="<name>-<word> joins <name> as variant <word> when each of its files has a <name> file "
                   "for the same target in the same folder"),
)
