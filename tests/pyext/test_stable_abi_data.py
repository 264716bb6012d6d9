"""plugsmith's copy of CPython's stable ABI (python_ext/data/stable_abi.txt): checked against
CPython's own generated list, the regeneration script, and the python3.dll .def made from it."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pyext_helpers import pyenv_versions
from tests.conftest import REPO, missing_tool

from plugsmith import python_ext

#: CPython's own Lib/test/test_stable_abi_ctypes.py of three releases, each generated from
#: Misc/stable_abi.toml as of that release; pyenv-built CPythons ship it, Debian's python3 does not.
PYENV = pyenv_versions()
RELEASES = {(3, 11): "3.11.7", (3, 12): "3.12.1", (3, 13): "3.13.0"}
#: Left out of the 3.11 and 3.12 files on purpose (bpo-44133), present in the toml and in python3.dll.
NOT_IN_CTYPES_TEST = {"PyModule_Create2", "PyModule_FromDefAndSpec2"}


def ctypes_test_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            if isinstance(target, ast.Name) and target.id == "SYMBOL_NAMES":
                names |= set(ast.literal_eval(node.value))
    return names


@pytest.mark.parametrize("version", list(RELEASES))
def test_the_items_up_to_a_version_are_that_cpython_releases_own_list(version: tuple[int, int]) -> None:
    release = RELEASES[version]
    listed = PYENV / release / "lib" / f"python3.{version[1]}" / "test" / "test_stable_abi_ctypes.py"
    if not listed.is_file():
        missing_tool(f"{listed} not found (a pyenv-built CPython {release})")
    table = python_ext.stable_abi()
    upto = {name for name, item in table.items.items() if item.added <= version}
    assert upto == ctypes_test_names(listed) | NOT_IN_CTYPES_TEST


def test_counts_and_source() -> None:
    table = python_ext.stable_abi()
    assert (len(table.items), sum(i.kind == "data" for i in table.items.values())) == (906, 143)
    assert (table.source_commit, table.newest) == ("0055604655d981525efa914d8c16a26eb2675953", (3, 13))


def test_data_items_are_what_the_311_headers_declare_as_data() -> None:
    include = PYENV / "3.11.7/include/python3.11"
    if not include.is_dir():
        missing_tool(f"{include} not found (a pyenv-built CPython 3.11.7)")
    declared = {m.group(1) for header in include.rglob("*.h")
                for m in re.finditer(r"PyAPI_DATA\([^;]*?\)\s*\(?\*?\s*(\w+)\)?", header.read_text(errors="replace"))}
    table = python_ext.stable_abi()
    assert {n for n, i in table.items.items() if i.kind == "data"} == declared & set(table.items)


def test_versions_flags_and_the_items_the_checks_rely_on() -> None:
    table = python_ext.stable_abi()
    got = {name: (i.kind, i.added_text, i.ifdef, i.abi_only) for name, i in table.items.items()
           if name in {"PyUnicode_AsUTF8AndSize", "_Py_NoneStruct", "PyType_FromSpec", "PyExc_WindowsError",
                       "PyOS_AfterFork", "_PyObject_GC_New", "Py_Version", "_Py_RefTotal"}}
    assert got == {
        "PyUnicode_AsUTF8AndSize": ("function", "3.10", None, False),
        "_Py_NoneStruct": ("data", "3.2", None, True),
        "PyType_FromSpec": ("function", "3.2", None, False),
        "PyExc_WindowsError": ("data", "3.7", "MS_WINDOWS", False),
        "PyOS_AfterFork": ("function", "3.2", "HAVE_FORK", False),
        "_PyObject_GC_New": ("function", "3.2", None, True),
        "Py_Version": ("data", "3.11", None, False),
        "_Py_RefTotal": ("data", "3.10", "Py_REF_DEBUG", True),
    }
    assert "PyUnicode_AsUTF8" not in table.items  # the negative tests' non-stable symbol


def test_python3_def_marks_data_and_leaves_out_what_windows_never_defines() -> None:
    lines = python_ext.python3_def().splitlines()
    assert lines[:2] == ["LIBRARY python3.dll", "EXPORTS"]
    assert "_Py_NoneStruct DATA" in lines and "PyExc_WindowsError DATA" in lines and "PyLong_FromLong" in lines
    assert "PyOS_AfterFork" not in lines and "_Py_RefTotal DATA" not in lines
    assert sum(line.endswith(" DATA") for line in lines) == 142  # 143 less _Py_RefTotal (debug builds)
    assert len(lines) == 2 + 906 - 6  # less the 4 HAVE_FORK functions and the 2 Py_REF_DEBUG items


def test_vendor_script_renders_a_toml_in_the_shipped_format(tmp_path: Path) -> None:
    toml = tmp_path / "stable_abi.toml"
    toml.write_text("[struct.PyObject]\n    added = '3.2'\n"
                    "[function.PyB]\n    added = '3.10'\n"
                    "[function.PyA]\n    added = '3.2'\n    ifdef = 'HAVE_FORK'\n"
                    "[data.PyA_Type]\n    added = '3.2'\n    abi_only = true\n"
                    "[const.Py_tp_doc]\n    added = '3.2'\n")
    out = tmp_path / "out.txt"
    script = REPO / "scripts" / "vendor-stable-abi"
    code = ("import runpy, sys, pathlib; ns = runpy.run_path(sys.argv[1]); "
            "import tomllib; m = tomllib.loads(pathlib.Path(sys.argv[2]).read_text()); "
            "pathlib.Path(sys.argv[3]).write_text(ns['render'](m, 'a' * 40))")
    subprocess.run([sys.executable, "-c", code, str(script), str(toml), str(out)], check=True, timeout=60)
    parsed = python_ext.parse_stable_abi(out.read_text())
    assert [(i.name, i.kind, i.added_text, i.ifdef, i.abi_only) for i in parsed.items.values()] == [
        ("PyA", "function", "3.2", "HAVE_FORK", False), ("PyB", "function", "3.10", None, False),
        ("PyA_Type", "data", "3.2", None, True)]
    assert (parsed.source_commit, parsed.newest) == ("a" * 40, (3, 10))
    # the shipped file has the keys and sections, in the order, the script writes
    def keys(text: str) -> list[str]:
        return [line for line in text.splitlines() if line.startswith(("source-commit ", "newest ", "["))]

    assert keys(out.read_text()) == ["source-commit " + "a" * 40, "newest 3.10", "[function]", "[data]"]
    assert keys(python_ext.STABLE_ABI_FILE.read_text()) == [
        "source-commit 0055604655d981525efa914d8c16a26eb2675953", "newest 3.13", "[function]", "[data]"]


def test_a_broken_list_is_one_clear_error() -> None:
    with pytest.raises(ValueError, match="line 3: expected NAME ADDED"):
        python_ext.parse_stable_abi("source-commit x\n[function]\nPyA three\n")
