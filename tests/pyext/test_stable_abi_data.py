"""plugsmith's copy of CPython's stable ABI (python_ext/data/stable_abi.txt): checked against
CPython's own generated list, the regeneration script, and the python3.dll .def made from it."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import REPO, missing_tool

from plugsmith import python_ext

#: CPython 3.11's Lib/test/test_stable_abi_ctypes.py, generated from the same Misc/stable_abi.toml
#: (3.11 items); pyenv-built CPythons ship it, Debian's python3 does not.
CPYTHON_311_LIST = Path.home() / ".pyenv/versions/3.11.7/lib/python3.11/test/test_stable_abi_ctypes.py"
#: Left out of that file on purpose (bpo-44133), present in the toml and in python3.dll.
NOT_IN_CTYPES_TEST = {"PyModule_Create2", "PyModule_FromDefAndSpec2"}


def ctypes_test_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            if isinstance(target, ast.Name) and target.id == "SYMBOL_NAMES":
                names |= set(ast.literal_eval(node.value))
    return names


def test_the_list_has_every_function_and_data_item_of_cpython_311() -> None:
    if not CPYTHON_311_LIST.is_file():
        missing_tool(f"{CPYTHON_311_LIST} not found (a pyenv-built CPython 3.11.7)")
    table = python_ext.stable_abi()
    assert set(table.items) == ctypes_test_names(CPYTHON_311_LIST) | NOT_IN_CTYPES_TEST
    assert (len(table.items), sum(i.kind == "data" for i in table.items.values())) == (859, 143)
    assert (table.source_commit, table.newest) == ("0055604655d981525efa914d8c16a26eb2675953", (3, 11))


def test_data_items_are_what_the_311_headers_declare_as_data() -> None:
    include = Path.home() / ".pyenv/versions/3.11.7/include/python3.11"
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
    assert len(lines) == 2 + 859 - 6  # less the 4 HAVE_FORK functions and the 2 Py_REF_DEBUG items


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
    # the shipped file is in exactly the format the script writes
    shipped = python_ext.STABLE_ABI_FILE.read_text().splitlines()
    rendered = out.read_text().replace("a" * 40, python_ext.stable_abi().source_commit).replace("3.10", "3.11")
    assert shipped[:9] == rendered.splitlines()[:9]


def test_a_broken_list_is_one_clear_error() -> None:
    with pytest.raises(ValueError, match="line 3: expected NAME ADDED"):
        python_ext.parse_stable_abi("source-commit x\n[function]\nPyA three\n")
