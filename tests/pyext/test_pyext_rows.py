"""Each platforms.EXTENSIONS rule is needed: the same module built with the rule taken out fails
with zig, naming why (the rows' evidence, measured again with zig 0.17.1)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pyext_helpers import extension_project, spam_source
from tests.conftest import Cli

from plugsmith import platforms
from plugsmith.errors import EXIT_BUILD_FAILED, EXIT_OK
from plugsmith.inspection import inspect_file

#: The pyconfig.h a target compiles with must state the target's own sizes: checked by the compiler.
SIZES = """
#include <time.h>
#include <wchar.h>
_Static_assert(sizeof(long) == SIZEOF_LONG, "long");
_Static_assert(sizeof(wchar_t) == SIZEOF_WCHAR_T, "wchar_t");
_Static_assert(sizeof(void *) == SIZEOF_VOID_P, "void *");
_Static_assert(sizeof(size_t) == SIZEOF_SIZE_T, "size_t");
_Static_assert(sizeof(Py_ssize_t) == SIZEOF_SIZE_T, "Py_ssize_t");
_Static_assert(sizeof(time_t) == SIZEOF_TIME_T, "time_t");
_Static_assert(sizeof(long long) == SIZEOF_LONG_LONG, "long long");
_Static_assert(LONG_BIT == 8 * SIZEOF_LONG, "LONG_BIT");
"""


def test_windows_pyconfig_states_the_targets_sizes(tmp_path: Path, cli: Cli) -> None:
    extension_project(tmp_path, source=spam_source(extra=SIZES), targets=("windows-x86_64",))
    res = cli("build", cwd=tmp_path)
    assert res.code == EXIT_OK, res.err


@pytest.mark.slow  # four targets
def test_the_rows_build_on_one_target_per_format_and_32_bit_windows(tmp_path: Path, cli: Cli) -> None:
    extension_project(tmp_path, source=spam_source(extra=SIZES),
                      targets=("linux-x86_64", "macos-aarch64", "windows-x86_64", "windows-x86"))
    res = cli("run", cwd=tmp_path)
    assert res.code == EXIT_OK, res.out + res.err
    built = sorted(str(p.relative_to(tmp_path / "dist")) for p in (tmp_path / "dist").rglob("*")
                   if p.is_file() and not p.name.endswith(".build.json"))  # each module's build record beside it
    assert built == ["linux-x86_64/spam.abi3.so", "macos-aarch64/spam.abi3.so", "windows-x86/spam.pyd",
                     "windows-x86_64/spam.pyd"]
    # i386: python3.dll exports undecorated names, and zig dlltool -m i386 imports them so
    (ins,) = inspect_file(tmp_path / "dist" / "windows-x86" / "spam.pyd")
    assert (ins.arch, sorted(n for lib, n in ins.undefined if lib == "python3.dll")) == (
        "x86", ["PyLong_FromLong", "PyModule_Create2", "_PyArg_ParseTuple_SizeT"])


@pytest.mark.parametrize(("fmt", "target", "change", "message"), [
    ("elf", "linux-x86_64", {"drop_link_flags": ()},
     "link failed: undefined symbol 'PyModule_Create2': the plugin uses a symbol nothing defines (-z defs is on "
     "for Linux)"),
    ("macho", "macos-aarch64", {"link_flags": ()},
     "link failed: undefined symbol 'PyLong_FromLong': the plugin uses a symbol nothing defines"),
    ("pe", "windows-x86_64", {"link_flags": (), "python_dll_import": False},
     "link failed: undefined symbol 'PyModule_Create2' (a contract symbol not defined by the sources, or a missing "
     "library)"),
    ("pe", "windows-x86_64", {"compile_flags": ()}, "compiling spam.c failed (zig exit 1)"),
])
def test_without_the_rule_the_build_fails(tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch, fmt: str,
                                          target: str, change: dict[str, object], message: str) -> None:
    row = platforms.EXTENSIONS[fmt]  # type: ignore[index]
    monkeypatch.setitem(platforms.EXTENSIONS, fmt, dataclasses.replace(row, **change))  # type: ignore[arg-type]
    extension_project(tmp_path, targets=(target,))
    res = cli("build", cwd=tmp_path)
    assert res.code == EXIT_BUILD_FAILED
    error = next(line for line in res.err.splitlines() if line.startswith("plugsmith: error: "))
    assert error == f"plugsmith: error: spam@{target}: {message}"
