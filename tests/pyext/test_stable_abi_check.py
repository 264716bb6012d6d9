"""verify.checks' stable-abi check on hand-built inspections: what it judges and what it leaves
alone (a later CPython's names, a needed library without symbol versions, musl, a version-specific
module), each with its failing twin."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugsmith.inspection import Export, Inspection
from plugsmith.verify.checks import _stable_abi
from plugsmith.verify.collect import Artifact


def artifact(undefined: list[str], *, abi: str | None = "3.9", imports: tuple[str, ...] = (),
             needs: tuple[tuple[str, tuple[str, ...]], ...] = (), libc: str | None = None,
             name: str = "spam.abi3.so", container: str | None = None) -> Artifact:
    ins = Inspection(path=Path(name), format="elf", arch="x86_64", os="linux",
                     exports=(Export(name="PyInit_spam", kind="function"),), imports=imports, libc=libc,
                     version_needs=needs, undefined=tuple(("", n) for n in undefined))
    return Artifact(plugin="spam", target="linux-x86_64", inspection=ins, role="extension", python_abi=abi,
                    container=container)


def message(a: Artifact) -> tuple[bool, str] | None:
    check = _stable_abi(a)
    return None if check is None else (check.passed, check.message)


def test_a_name_newer_than_the_list_is_not_judged_for_a_newer_promise() -> None:
    assert message(artifact(["PyLong_FromLong", "PyFuture_Thing"], abi="3.14")) == (
        True, "abi3 for CPython 3.14+: 1 Python symbol, all in CPython's stable ABI (list of commit "
              "0055604655d9)")
    assert message(artifact(["PyLong_FromLong", "PyFuture_Thing"], abi="3.13")) == (
        False, "abi3 for CPython 3.13+ extension module uses PyFuture_Thing, not in CPython's stable ABI")


@pytest.mark.parametrize(("imports", "needs", "libc", "judged"), [
    ((), (), None, True),
    (("libc.so.6",), (("libc.so.6", ("GLIBC_2.2.5",)),), "gnu", True),
    (("libc.so.6", "libzmq-915d1bcb.so.5"), (("libc.so.6", ("GLIBC_2.2.5",)),), "gnu", False),
    (("libc.so",), (), "musl", False),
], ids=["nothing-needed", "glibc-only", "unversioned-library", "musl"])
def test_unresolved_names_are_judged_only_where_every_needed_library_versions_its_symbols(
        imports: tuple[str, ...], needs: tuple[tuple[str, tuple[str, ...]], ...], libc: str | None,
        judged: bool) -> None:
    got = message(artifact(["PyLong_FromLong", "zmq_bind"], imports=imports, needs=needs, libc=libc))
    assert got == ((False, "abi3 for CPython 3.9+ extension module leaves zmq_bind undefined: neither CPython's nor "
                           "from a library it links") if judged else
                   (True, "abi3 for CPython 3.9+: 1 Python symbol, all in CPython's stable ABI (list of "
                          "commit 0055604655d9)"))


def test_the_promise_comes_from_the_build_the_wheel_tag_or_the_name() -> None:
    newer = ["PyUnicode_AsUTF8AndSize"]  # added in 3.10
    assert message(artifact(newer, abi="3.10")) == (True, "abi3 for CPython 3.10+: 1 Python symbol, all in "
                                                          "CPython's stable ABI (list of commit 0055604655d9)")
    tagged = artifact(newer, abi=None, container="spam-1.0-cp39-abi3-manylinux_2_17_x86_64.whl")
    assert message(tagged) == (False, "abi3 for CPython 3.9+ extension module uses PyUnicode_AsUTF8AndSize (added "
                                      "in 3.10), newer than its abi3 for CPython 3.9+ promise")
    assert message(artifact(newer, abi=None)) == (True, "abi3: 1 Python symbol, all in CPython's stable ABI "
                                                        "(list of commit 0055604655d9)")
    assert message(artifact(["PyUnicode_AsUTF8"], abi=None, name="spam.cpython-311-x86_64-linux-gnu.so")) is None


def test_a_windows_module_must_import_python3_dll_and_only_stable_names_from_it() -> None:
    def pe(imports: list[tuple[str, str]]) -> Artifact:
        ins = Inspection(path=Path("spam.pyd"), format="pe", arch="x86_64", os="windows",
                         exports=(Export(name="PyInit_spam", kind="function", ordinal=1),),
                         imports=tuple(dict.fromkeys(lib for lib, _ in imports)), undefined=tuple(imports))
        return Artifact(plugin="spam", target="windows-x86_64", inspection=ins, role="extension", python_abi="3.9")

    assert message(pe([("python3.dll", "PyLong_FromLong"), ("KERNEL32.dll", "Sleep")])) == (
        True, "abi3 for CPython 3.9+: 1 Python symbol, all in CPython's stable ABI (list of commit "
              "0055604655d9)")
    assert message(pe([("python311.dll", "PyLong_FromLong"), ("python311.dll", "_PyObject_GetDictPtr")])) == (
        False, "abi3 for CPython 3.9+ extension module uses _PyObject_GetDictPtr, not in CPython's stable ABI; "
               "imports python311.dll: a version-specific CPython DLL, not python3.dll")
