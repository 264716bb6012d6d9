"""What the python-extension tests share: small extension projects written into a tmp folder."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from plugsmith.plan import Plan

#: The CPython names examples/python-extension/src/spam.c imports (sorted): all in the stable ABI of 3.9.
EXAMPLE_PY_NAMES = ["PyErr_SetString", "PyExc_TypeError", "PyLong_FromLong", "PyModule_AddStringConstant",
                    "PyModule_Create2", "PyType_GetFlags", "PyUnicode_FromFormat", "_PyArg_ParseTuple_SizeT",
                    "_Py_Dealloc"]

SPAM_C = """\
#define PY_SSIZE_T_CLEAN
#include <Python.h>
{extra}
static PyObject *spam_add(PyObject *self, PyObject *args) {{
    long a, b;
    (void)self;
    if (!PyArg_ParseTuple(args, "ll", &a, &b)) return NULL;
    {body}
    return PyLong_FromLong(a + b);
}}
static PyMethodDef methods[] = {{{{"add", spam_add, METH_VARARGS, "add"}}, {{NULL, NULL, 0, NULL}}}};
static struct PyModuleDef module = {{PyModuleDef_HEAD_INIT, "spam", NULL, -1, methods, NULL, NULL, NULL, NULL}};
PyMODINIT_FUNC {init}(void) {{ return PyModule_Create(&module); }}
"""


def spam_source(*, extra: str = "", body: str = "", init: str = "PyInit_spam") -> str:
    return SPAM_C.format(extra=extra, body=body, init=init)


def extension_project(root: Path, *, source: str | None = None, abi3: str = "3.9",
                      targets: tuple[str, ...] = ("linux-x86_64",), plugin_extra: str = "") -> Path:
    """A one-module project (``spam``) and its build_matrix.yaml path."""
    (root / "src").mkdir(parents=True, exist_ok=True)
    (root / "src" / "spam.c").write_text(source if source is not None else spam_source())
    config = root / "build_matrix.yaml"
    config.write_text("version: 1\nproject: spam\nplugins:\n  - name: spam\n    kind: python-extension\n"
                      f"    abi3: \"{abi3}\"\n    sources: [src/spam.c]\n{plugin_extra}"
                      f"targets: [{', '.join(targets)}]\n")
    return config


@dataclass(frozen=True)
class SixTargets:
    project: Path
    plan: Plan
    wheels: tuple[Path, ...]

    def module(self, target: str) -> Path:
        return next(j.artifact for j in self.plan.jobs if j.target.name == target)

    def wheel(self, platform: str) -> Path:
        return next(w for w in self.wheels if w.name.endswith(f"-cp39-abi3-{platform}.whl"))


def pyenv_versions() -> Path:
    """Where pyenv keeps its CPythons, whatever $HOME is: ``$PYENV_ROOT/versions``, else the folder
    holding this (pyenv-built) interpreter's prefix, else ``~/.pyenv/versions``."""
    if os.environ.get("PYENV_ROOT"):
        return Path(os.environ["PYENV_ROOT"]) / "versions"
    prefix = Path(sys.base_prefix)
    if prefix.parent.name == "versions":
        return prefix.parent
    return Path.home() / ".pyenv" / "versions"
