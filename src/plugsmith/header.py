"""The generated C header: the contract as export macros, so sources and contract cannot disagree
silently.

For plugin ``greet`` the header is ``greet_export.h`` (``header_name``) and defines:

- ``GREET_API``: ``__declspec(dllexport)`` on Windows while building the plugin (``GREET_BUILDING``
  defined, which the build does), ``__declspec(dllimport)`` for consumers, and
  ``__attribute__((visibility("default")))`` on ELF/Mach-O;
- ``GREET_EXPORT_<symbol>`` for every symbol of the contract that the platform exports: use it
  on the declaration or definition (``GREET_EXPORT_greet_add int greet_add(int, int);``). A name
  not in the contract, removed by it, or conditional to another platform has no macro, so the
  compiler stops at it. Deprecated symbols carry ``deprecated`` for consumers (not while building);
- ``GREET_HAS_<symbol>`` (1) for each symbol this platform exports, for ``#if``;
- ``GREET_SYMBOLS(X)``: an X-macro listing ``X(name, kind, "node")`` for every exported symbol
  (kind is the token ``function`` or ``data``), for hosts that look the symbols up by name.

Platform conditions (``only=`` / ``except=``) become preprocessor conditions on the compiler's own
macros (``_WIN32``, ``__APPLE__``, ``__linux__``, ``__x86_64__`` ...). A target-name glob is
expanded over the platforms plugsmith knows, libc included: ``linux-x86_64-musl`` tests that the
C library is not glibc (``__GLIBC__``, which ``<features.h>`` defines; the header includes it on
Linux when a condition needs it), and ``except=linux-*-musl`` the opposite, as build_matrix.yaml
names targets. A glibc pin or a custom target name cannot be seen by the preprocessor: the build
passes a contract already filtered for the target.

Build convention (hooked in by the build stage): the header is written to
``<work_dir>/include/<plugin>_export.h`` for each job (``work_dir`` is ``build/<target>/<plugin>/``),
that folder is added with ``-I`` before the plugin's own include dirs, and ``-D<PREFIX>_BUILDING``
is passed when compiling the plugin's sources.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

from plugsmith import _fs
from plugsmith.contract import Contract, Symbol
from plugsmith.platforms import ARCHES, OS_ROWS

__all__ = ["building_macro", "compile_flags", "header_name", "include_dir", "macro_prefix", "render", "write"]

#: Preprocessor test per OS and per arch (compilers' own predefined macros; zig cc is clang).
OS_TESTS: dict[str, str] = {
    "linux": "defined(__linux__)",
    "macos": "defined(__APPLE__)",
    "windows": "defined(_WIN32)",
}
ARCH_TESTS: dict[str, str] = {
    "x86_64": "(defined(__x86_64__) || defined(_M_X64))",
    "aarch64": "(defined(__aarch64__) || defined(_M_ARM64))",
    "x86": "(defined(__i386__) || defined(_M_IX86))",
    "arm": "(defined(__arm__) || defined(_M_ARM))",
    "riscv64": "(defined(__riscv) && __riscv_xlen == 64)",
}


#: The C library, where a Linux condition names it; glibc's ``<features.h>`` defines ``__GLIBC__``,
#: musl's does not (musl deliberately has no macro of its own).
LIBC_TESTS: dict[str, str] = {
    "gnu": "defined(__GLIBC__)",
    "musl": "!defined(__GLIBC__)",
}


def macro_prefix(plugin: str) -> str:
    """``my-plugin.v2`` -> ``MY_PLUGIN_V2`` (a C identifier; a leading digit gets ``P_``)."""
    prefix = re.sub(r"[^A-Za-z0-9]", "_", plugin).upper()
    return f"P_{prefix}" if prefix[:1].isdigit() else prefix


def header_name(plugin: str) -> str:
    return f"{re.sub(r'[^A-Za-z0-9_]', '_', plugin).lower()}_export.h"


def building_macro(plugin: str) -> str:
    return f"{macro_prefix(plugin)}_BUILDING"


def _pattern_test(pattern: str) -> str:
    if pattern in OS_TESTS:
        return OS_TESTS[pattern]
    if pattern in ARCH_TESTS:
        return ARCH_TESTS[pattern]
    tests = []
    for r in ARCHES:
        base = f"{r.os}-{r.arch}"
        libcs = OS_ROWS[r.os].libcs
        # a target is named without its default libc (linux-x86_64 is glibc), with any other (-musl)
        named = [libc for libc in libcs if fnmatch.fnmatchcase(base if libc == libcs[0] else f"{base}-{libc}",
                                                               pattern)]
        if (libcs and len(named) == len(libcs)) or (not libcs and fnmatch.fnmatchcase(base, pattern)):
            tests.append(f"({OS_TESTS[r.os]} && {ARCH_TESTS.get(r.arch, '0')})")
        elif named:
            libc = " || ".join(LIBC_TESTS[n] for n in named)
            tests.append(f"({OS_TESTS[r.os]} && {ARCH_TESTS.get(r.arch, '0')} && ({libc}))")
    return "(" + " || ".join(tests) + ")" if tests else "0"


def _condition(sym: Symbol) -> str | None:
    parts = []
    if sym.only:
        parts.append(" || ".join(_pattern_test(p) for p in sym.only))
    if sym.exclude:
        parts.append("!(" + " || ".join(_pattern_test(p) for p in sym.exclude) + ")")
    if not parts:
        return None
    return " && ".join(f"({p})" if len(parts) > 1 else p for p in parts)


def render(contract: Contract, *, plugin: str) -> str:
    p = macro_prefix(plugin)
    guard = f"PLUGSMITH_{p}_EXPORT_H"
    live = [s for s in contract.symbols if s.removed is None]
    out = [
        f"/* Generated by plugsmith from {contract.path} for plugin {plugin}. Do not edit: change the",
        " * contract and rebuild (or run 'plugsmith header'). */",
        f"#ifndef {guard}",
        f"#define {guard}",
        "",
        "#if defined(_WIN32) || defined(__CYGWIN__)",
        f"#  if defined({p}_BUILDING)",
        f"#    define {p}_API __declspec(dllexport)",
        "#  else",
        f"#    define {p}_API __declspec(dllimport)",
        "#  endif",
        "#elif defined(__GNUC__) || defined(__clang__)",
        f"#  define {p}_API __attribute__((visibility(\"default\")))",
        "#else",
        f"#  define {p}_API",
        "#endif",
        "",
        f"#if !defined({p}_BUILDING) && (defined(__GNUC__) || defined(__clang__))",
        f"#  define {p}_DEPRECATED(since) __attribute__((deprecated(\"deprecated since \" since)))",
        f"#elif !defined({p}_BUILDING) && defined(_MSC_VER)",
        f"#  define {p}_DEPRECATED(since) __declspec(deprecated(\"deprecated since \" since))",
        "#else",
        f"#  define {p}_DEPRECATED(since)",
        "#endif",
        "",
    ]
    if any("__GLIBC__" in (_condition(sym) or "") for sym in live):
        out += ["#if defined(__linux__)", "#  include <features.h>  /* __GLIBC__: conditions below name a C library */",
                "#endif", ""]
    out += [
        "/* One macro per contract symbol: put it on the declaration and the definition. */",
    ]
    for sym in live:
        cond = _condition(sym)
        origin = f" /* {sym.kind}" + (f", {sym.node}" if sym.node else "") + " */"
        attr = f"{p}_API" + (f" {p}_DEPRECATED(\"{sym.deprecated}\")" if sym.deprecated else "")
        lines = [f"#define {p}_EXPORT_{sym.name} {attr}{origin}", f"#define {p}_HAS_{sym.name} 1"]
        if cond is None:
            out += lines
        else:
            out += [f"#if {cond}", *lines, "#endif"]
    removed = [s for s in contract.symbols if s.removed is not None]
    if removed:
        out += ["", "/* Removed from the contract (no macro, so a leftover use fails to compile): "
                + ", ".join(f"{s.name} (removed in {s.removed})" for s in removed) + " */"]
    out += ["", "/* X-macro over every symbol this platform exports: X(name, kind, \"node\"); kind is the",
            " * token function or data. Example: #define NAME(n, k, v) #n, then const char *all[] = {"
            f"{p}_SYMBOLS(NAME)}}; */"]
    for sym in live:
        cond = _condition(sym)
        entry = f"#define {p}_X_{sym.name}(X) X({sym.name}, {sym.kind}, \"{sym.node or ''}\")"
        if cond is None:
            out.append(entry)
        else:
            out += [f"#if {cond}", entry, "#else", f"#define {p}_X_{sym.name}(X)", "#endif"]
    out.append(f"#define {p}_SYMBOLS(X)" + "".join(f" \\\n  {p}_X_{sym.name}(X)" for sym in live))
    out += ["", f"#endif /* {guard} */", ""]
    return "\n".join(out)


def include_dir(work_dir: Path) -> Path:
    """Where the build writes a job's header: ``<work_dir>/include``."""
    return work_dir / "include"


def compile_flags(work_dir: Path, plugin: str) -> tuple[str, ...]:
    """What the build adds when compiling the plugin's sources: the header's folder, first in the
    include path, and the macro that turns ``<PLUGIN>_API`` into ``dllexport`` on Windows."""
    return (f"-I{include_dir(work_dir)}", f"-D{building_macro(plugin)}")


def write(contract: Contract, *, plugin: str, work_dir: Path) -> Path:
    """Write ``<work_dir>/include/<plugin>_export.h`` atomically (unchanged bytes are not rewritten,
    so incremental builds keyed on file times stay valid) and return its path."""
    path = include_dir(work_dir) / header_name(plugin)
    text = render(contract, plugin=plugin)
    try:
        if path.read_text(encoding="utf-8") == text:
            return path
    except (OSError, UnicodeDecodeError):
        pass
    _fs.write_text(path, text)
    return path
