"""kind: python-extension built for linux-x86_64 with zig: this machine's Python imports the module
and calls it; verify proves the stable-ABI promise and fails, naming symbol and target, when a
module breaks it (a non-stable symbol, one newer than abi3:, an unresolved name, no PyInit_)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pyext_helpers import EXAMPLE_PY_NAMES, extension_project, pyenv_versions, spam_source
from tests.conftest import REPO, Cli, missing_tool

from plugsmith.errors import EXIT_BUILD_FAILED, EXIT_OK, EXIT_USAGE, EXIT_VERIFY_FAILED
from plugsmith.inspection import inspect_file

EXAMPLE = REPO / "examples" / "python-extension"
MODULE = "dist/linux-x86_64/spam.abi3.so"
CALL = "import spam; print(spam.add(40, 2)); print(spam.greet('zig')); print(spam.__file__.rsplit('/', 1)[-1])"


def run_python(python: str, folder: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(folder), "PATH": "/usr/bin:/bin"})


def test_this_python_imports_the_linux_x86_64_module_and_calls_it(tmp_path: Path, cli: Cli) -> None:
    project = tmp_path / "ext"
    project.mkdir()
    (project / "src").mkdir()
    (project / "src" / "spam.c").write_bytes((EXAMPLE / "src" / "spam.c").read_bytes())
    (project / "build_matrix.yaml").write_text((EXAMPLE / "build_matrix.yaml").read_text())
    res = cli("run", "-t", "linux-x86_64", cwd=project)
    assert res.code == EXIT_OK, res.out + res.err
    dist = sorted(p.name for p in (project / "dist" / "linux-x86_64").iterdir())
    assert dist == ["spam.abi3.so", "spam.abi3.so.build.json"]
    run = run_python(sys.executable, project / "dist" / "linux-x86_64", CALL)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["42", "hello, zig", "spam.abi3.so"]
    res = cli("verify", "-t", "linux-x86_64", "--json", cwd=project)
    assert res.code == EXIT_OK
    import json

    checks = {c["name"]: c["message"] for c in json.loads(res.out)["targets"][0]["policy"]}
    assert checks["stable-abi"] == ("abi3 for CPython 3.9+: 9 Python symbols, all in CPython's stable ABI "
                                    "(list of commit 0055604655d9)")
    (ins,) = inspect_file(project / "dist" / "linux-x86_64" / "spam.abi3.so")
    assert (sorted(ins.undefined), ins.imports, ins.export_names) == (
        [("", name) for name in EXAMPLE_PY_NAMES], (), {"PyInit_spam"})
    assert checks["python-abi"] == "does not link libpython"
    res = cli("load", cwd=project)  # imported by this Python: dlopen alone cannot bind PyExc_TypeError
    assert res.code == EXIT_OK
    assert res.out.splitlines()[:3] == [
        f"linux-x86_64: passed: 1/1 symbols resolved (python{sys.version_info[0]}.{sys.version_info[1]}) {MODULE}",
        "linux-aarch64: not run: a CPython extension module is imported by a CPython on its own OS and machine; "
        "this machine is linux-x86_64",
        "macos-x86_64: not run: a CPython extension module is imported by a CPython on its own OS and machine; "
        "this machine is linux-x86_64"]


@pytest.fixture(scope="module")
def linux_module(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The helpers' spam module (abi3 "3.9") built once for linux-x86_64: its dist folder."""
    from plugsmith import matrix, plan
    from plugsmith.engine import build

    config = extension_project(tmp_path_factory.mktemp("spam"))
    result = build(plan.resolve(matrix.load(config)), jobs=1)
    assert result.ok, [f.message for f in result.failures]
    return config.parent / "dist" / "linux-x86_64"


@pytest.mark.parametrize("version", ["3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0"])
def test_one_abi3_binary_loads_on_every_cpython_from_39(linux_module: Path, version: str) -> None:
    """The abi3 promise: the one linux-x86_64 module, built against 3.11's headers with abi3 "3.9", is
    imported and called by CPython 3.9 through 3.13 (pyenv-built interpreters on this machine)."""
    python = pyenv_versions() / version / "bin" / "python3"
    if not python.is_file():
        missing_tool(f"{python} not found (pyenv install {version})")
    run = run_python(str(python), linux_module, "import sys, spam; print(spam.add(40, 2), sys.version_info[:2])")
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["42", f"({version.split('.')[0]},", f"{version.split('.')[1]})"]


def verify_messages(cli: Cli, project: Path) -> tuple[int, str]:
    res = cli("run", cwd=project)
    return res.code, res.out + res.err


def test_a_symbol_newer_than_abi3_fails_and_passes_with_the_right_abi3(tmp_path: Path, cli: Cli) -> None:
    declared = "extern const char *PyUnicode_AsUTF8AndSize(PyObject *unicode, Py_ssize_t *size);"
    body = "if (PyUnicode_AsUTF8AndSize(args, NULL) == NULL) return NULL;"
    extension_project(tmp_path / "old", source=spam_source(extra=declared, body=body), abi3="3.9")
    code, out = verify_messages(cli, tmp_path / "old")
    assert code == EXIT_VERIFY_FAILED, out
    assert (f"stable-abi: linux-x86_64 ({MODULE}): abi3 for CPython 3.9+ extension module uses "
            "PyUnicode_AsUTF8AndSize (added in 3.10), newer than its abi3 for CPython 3.9+ promise") in out
    extension_project(tmp_path / "new", source=spam_source(body=body), abi3="3.10")  # declared by Python.h now
    code, out = verify_messages(cli, tmp_path / "new")
    assert code == EXIT_OK, out


@pytest.mark.parametrize(("extra", "body", "finding"), [
    ("extern const char *PyUnicode_AsUTF8(PyObject *unicode);", "if (PyUnicode_AsUTF8(args) == NULL) return NULL;",
     "uses PyUnicode_AsUTF8, not in CPython's stable ABI"),
    ("extern long spam_helper(long);", "a = spam_helper(a);",  # what -z defs would have refused
     "leaves spam_helper undefined: neither CPython's nor from a library it links"),
], ids=["not-stable-abi", "unresolved"])
def test_a_forbidden_undefined_name_fails_naming_symbol_and_target(tmp_path: Path, cli: Cli, extra: str, body: str,
                                                                   finding: str) -> None:
    extension_project(tmp_path, source=spam_source(extra=extra, body=body))
    code, out = verify_messages(cli, tmp_path)
    assert code == EXIT_VERIFY_FAILED, out
    assert f"stable-abi: linux-x86_64 ({MODULE}): abi3 for CPython 3.9+ extension module {finding}" in out


def test_load_fails_a_module_whose_init_fails(tmp_path: Path, cli: Cli) -> None:
    source = spam_source().replace("return PyModule_Create(&module);", "(void)module; return NULL;")
    extension_project(tmp_path, source=source)
    assert cli("build", cwd=tmp_path).code == EXIT_OK  # it links and verifies: only running it shows the bug
    res = cli("load", cwd=tmp_path)
    assert res.code == EXIT_VERIFY_FAILED
    assert res.out.splitlines()[0] == (
        f"linux-x86_64: failed: {MODULE} (python{sys.version_info[0]}.{sys.version_info[1]}): import failed: "
        "SystemError: initialization of spam failed without raising an exception")


def test_a_module_without_its_pyinit_fails_the_build(tmp_path: Path, cli: Cli) -> None:
    extension_project(tmp_path, source=spam_source(init="PyInit_eggs"))
    res = cli("build", cwd=tmp_path)
    assert res.code == EXIT_BUILD_FAILED
    assert ("spam@linux-x86_64: link failed: contract symbol 'PyInit_spam' is not defined by any source of this "
            "plugin") in res.err
    assert not (tmp_path / "dist" / "linux-x86_64" / "spam.abi3.so").exists()


def test_abi3_newer_than_the_host_headers_is_refused_before_building(tmp_path: Path, cli: Cli,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from plugsmith import python_ext

    monkeypatch.setattr(python_ext, "host_version", lambda: (3, 8))
    extension_project(tmp_path)
    res = cli("build", cwd=tmp_path)
    assert res.code == EXIT_USAGE
    assert "plugin spam: abi3 3.9 needs CPython 3.9 or newer headers; this host's are 3.8" in res.err
    assert not (tmp_path / "dist").exists()
