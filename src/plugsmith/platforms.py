"""Platform facts as data: one table per quirk, each row with its evidence.

Nothing else in plugsmith branches on an OS name: it looks the answer up here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Format = Literal["elf", "macho", "pe"]

#: Object/binary format per OS.
FORMAT_OF_OS: dict[str, Format] = {"linux": "elf", "macos": "macho", "windows": "pe"}


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchRow:
    os: str
    arch: str  # plugsmith's name, also what ``inspect`` reports
    zig_arch: str  # first component of the zig triple
    abi: str  # zig ABI for the default libc ("" on macOS)
    musl_abi: str | None = None  # zig ABI when libc is musl (Linux only)
    default: bool = False  # one of the six default targets


#: Every OS x arch combination plugsmith knows how to build. Rows marked default make the
#: default matrix. Evidence: ziglang 0.17.1 builds each of these here (see tests/integration).
ARCHES: tuple[ArchRow, ...] = (
    ArchRow(os="linux", arch="x86_64", zig_arch="x86_64", abi="gnu", musl_abi="musl", default=True),
    ArchRow(os="linux", arch="aarch64", zig_arch="aarch64", abi="gnu", musl_abi="musl", default=True),
    ArchRow(os="linux", arch="riscv64", zig_arch="riscv64", abi="gnu", musl_abi="musl"),
    ArchRow(os="linux", arch="arm", zig_arch="arm", abi="gnueabihf", musl_abi="musleabihf"),
    ArchRow(os="linux", arch="x86", zig_arch="x86", abi="gnu", musl_abi="musl"),
    ArchRow(os="macos", arch="x86_64", zig_arch="x86_64", abi="", default=True),
    ArchRow(os="macos", arch="aarch64", zig_arch="aarch64", abi="", default=True),
    ArchRow(os="windows", arch="x86_64", zig_arch="x86_64", abi="gnu", default=True),
    ArchRow(os="windows", arch="aarch64", zig_arch="aarch64", abi="gnu", default=True),
    ArchRow(os="windows", arch="x86", zig_arch="x86", abi="gnu"),
)

#: Spellings users write that mean one of our arch names (like cibuildwheel's ARCH_SYNONYMS).
ARCH_SYNONYMS: dict[str, str] = {
    "amd64": "x86_64",
    "x64": "x86_64",
    "arm64": "aarch64",
    "armv7": "arm",
    "armhf": "arm",
    "i386": "x86",
    "i686": "x86",
    "win32": "x86",
}

OSES: tuple[str, ...] = ("linux", "macos", "windows")
LIBCS: tuple[str, ...] = ("gnu", "musl")

#: macOS minimum version when the config names none. zig's own default is 15.0, which would
#: silently drop every older Mac; 11.0 is the first with Apple silicon.
DEFAULT_MACOS_MIN = "11.0"


def arch_row(os: str, arch: str) -> ArchRow | None:
    for row in ARCHES:
        if row.os == os and row.arch == arch:
            return row
    return None


def supported_pairs() -> list[str]:
    return [f"{r.os}-{r.arch}" for r in ARCHES]


@dataclass(frozen=True, slots=True, kw_only=True)
class FormatRow:
    format: Format
    library: str  # artifact file name pattern, {name} is the plugin name
    import_library: str | None  # Windows import library
    map_file: str  # export map file name pattern
    #: Names the linker itself adds to every artifact's exports. A listed, explained allowance:
    #: verification accepts exactly these beyond the contract, nothing else.
    linker_synthesized: tuple[tuple[str, str], ...] = ()


FORMATS: dict[Format, FormatRow] = {
    "elf": FormatRow(format="elf", library="lib{name}.so", import_library=None, map_file="{name}.map"),
    "macho": FormatRow(
        format="macho",
        library="lib{name}.dylib",
        import_library=None,
        map_file="{name}.exp",
        linker_synthesized=(
            ("_mh_dylib_header", "Mach-O header symbol zig's linker exports from every dylib (ld64 keeps it local)"),
            ("__dso_handle", "DSO handle zig's linker exports from every dylib, used by __cxa_atexit"),
        ),
    ),
    "pe": FormatRow(format="pe", library="{name}.dll", import_library="{name}.lib", map_file="{name}.def"),
}


def linker_allowance(fmt: str) -> frozenset[str]:
    row = FORMATS.get(fmt)  # type: ignore[call-overload]
    return frozenset(name for name, _ in row.linker_synthesized) if row else frozenset()


def zig_triple(os: str, arch: str, *, libc: str | None, glibc: str | None, min_os: str | None) -> str:
    row = arch_row(os, arch)
    if row is None:
        raise KeyError(f"{os}-{arch}")
    if os == "macos":
        return f"{row.zig_arch}-macos.{min_os or DEFAULT_MACOS_MIN}"
    abi = row.musl_abi if libc == "musl" and row.musl_abi else row.abi
    triple = f"{row.zig_arch}-{'linux' if os == 'linux' else 'windows'}-{abi}"
    if glibc and libc != "musl":
        triple += f".{glibc}"
    return triple


#: Link flags plugsmith itself passes, per format. Each was tested with ziglang 0.17.1:
#: - elf: --version-script is exact; -z defs turns undefined symbols into link errors
#:   (without it lld links them silently); -soname fixes DT_SONAME for reproducible output.
#: - macho: -exported_symbols_list is IGNORED by zig (ziglang/zig#24662), so exports are cut by
#:   marking non-contract symbols private-extern in each object (build.pext); -install_name
#:   defaults to the -o path otherwise.
#: - pe: the .def must be a positional input (-Wl,/def: is rejected); the DLL name comes from
#:   -o; --out-implib names the import library.
LINK_FLAGS: dict[Format, tuple[str, ...]] = {
    "elf": ("-Wl,--version-script={map}", "-Wl,-soname,{library}", "-Wl,-z,defs"),
    "macho": ("-Wl,-install_name,@rpath/{library}",),
    "pe": ("{map}", "-Wl,--out-implib,{import_library}"),
}

#: Compile flags plugsmith always passes per format (position-independent code where it matters).
COMPILE_FLAGS: dict[Format, tuple[str, ...]] = {
    "elf": ("-fPIC",),
    "macho": ("-fPIC",),
    "pe": (),
}
