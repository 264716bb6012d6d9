"""``plugsmith load`` for a CPython extension module: dlopen alone cannot bind its Python symbols
(``PyExc_TypeError`` is data the interpreter provides), so it is imported by this machine's Python
when the module's target is this machine and that Python is at least the module's ``abi3:``;
every other target is "not run" with the reason."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from plugsmith import python_ext
from plugsmith.runtime import LoadResult, host_machine

#: Imports the module from its file (not from sys.path) and checks what PyInit_<name> returned.
_IMPORT = ("import importlib.util, sys\n"
           "spec = importlib.util.spec_from_file_location(sys.argv[2], sys.argv[1])\n"
           "module = importlib.util.module_from_spec(spec)\n"
           "spec.loader.exec_module(module)\n"
           "print(module.__name__)\n")


def import_module(path: Path, *, name: str, abi3: str, target: str, os: str, arch: str, display: str,
                  timeout: float) -> LoadResult:
    """Import ``path`` as module ``name`` in this Python, or say why it cannot run here."""
    here = sys.version_info[:2]
    if (os, arch) != host_machine():
        return LoadResult(target=target, artifact=display, plugin=name, status="not-run", runner="none",
                          reason=f"a CPython extension module is imported by a CPython on its own OS and machine; "
                                 f"this machine is {'-'.join(host_machine())}")
    if here < python_ext.version_tuple(abi3):
        return LoadResult(target=target, artifact=display, plugin=name, status="not-run", runner="none",
                          reason=f"abi3 {abi3} needs CPython {abi3} or newer; this is {here[0]}.{here[1]}")
    if not path.is_file():
        return LoadResult(target=target, artifact=display, plugin=name, status="failed",
                          reason=f"{display} does not exist (run 'plugsmith build')")
    argv = (sys.executable, "-c", _IMPORT, str(path), name)
    runner = f"python{here[0]}.{here[1]}"
    try:
        res = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return LoadResult(target=target, artifact=display, plugin=name, status="failed", runner=runner,
                          reason=f"import did not finish in {timeout:.0f}s", command=argv)
    output = (res.stdout + res.stderr).strip()
    if res.returncode != 0 or res.stdout.strip() != name:
        last = output.splitlines()[-1] if output else f"exit {res.returncode}"
        return LoadResult(target=target, artifact=display, plugin=name, status="failed", runner=runner,
                          reason=f"import failed: {last}", output=output, command=argv)
    return LoadResult(target=target, artifact=display, plugin=name, status="passed", runner=runner,
                      resolved=(f"PyInit_{name}",), output=output, command=argv)
