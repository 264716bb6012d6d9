"""Libraries built by hand with zig that misbehave at load time (a constructor that crashes, one
that hangs), and Windows NONAME exports looked up by ordinal."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from tests.conftest import Cli, zig_cache
from tests.runtime.conftest import CONTRACT, require_runner

from plugsmith.engine import zig

CRASH = """int greet_add(int a, int b) { return a + b; }
__attribute__((constructor)) static void boom(void) { *(volatile int *)0 = 1; }
"""
HANG = """#include <unistd.h>
int greet_add(int a, int b) { return a + b; }
__attribute__((constructor)) static void hang(void) { for (;;) sleep(1); }
"""


def build_so(folder: Path, name: str, source: str, triple: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    src = folder / f"{name}.c"
    src.write_text(source)
    out = folder / f"lib{name}.so"
    proc = subprocess.run([*zig.zig_argv(), "cc", "-target", triple, "-shared", "-fPIC", "-O1", "-o", str(out),
                           str(src)], env=zig.environment(zig_cache()), capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.mark.parametrize(("name", "triple"), [("linux-x86_64", "x86_64-linux-gnu"),
                                              ("linux-aarch64", "aarch64-linux-gnu")])
def test_constructor_crash_is_a_failure(cli: Cli, built: Path, load_work: Path, tmp_path: Path, name: str,
                                        triple: str) -> None:
    require_runner(name)
    lib = build_so(tmp_path, "greet", CRASH, triple)
    res = cli("load", "--work", str(load_work), "--json", "--contract", str(built / "symbols/greet.symbols"),
              str(lib))
    assert res.code == 1, res.out + res.err
    (r,) = json.loads(res.out)["results"]
    assert (r["target"], r["status"]) == (name, "failed")
    assert r["reason"] == "the host program died of SIGSEGV while loading"
    assert r["resolved"] == [] and r["unresolved"] == list(CONTRACT)


def test_hanging_load_times_out(cli: Cli, built: Path, load_work: Path, tmp_path: Path) -> None:
    require_runner("linux-x86_64")
    lib = build_so(tmp_path, "greet", HANG, "x86_64-linux-gnu")
    res = cli("load", "--work", str(load_work), "--timeout", "1", "--contract",
              str(built / "symbols/greet.symbols"), str(lib))
    assert res.code == 1
    assert res.out.splitlines()[0].endswith("(native): timed out after 1s")


def test_noname_export_is_looked_up_by_ordinal(cli: Cli, project: Path, load_work: Path) -> None:
    require_runner("windows-x86_64")
    contract = project / "symbols/greet.symbols"
    text = contract.read_text()
    contract.write_text(text.replace("greet_scale        function", "greet_scale        function  ordinal=5 noname"))
    assert cli("build", "-t", "windows-x86_64", "--no-progress", cwd=project).code == 0
    res = cli("load", "--work", str(load_work), "--json", "-v", "-t", "windows-x86_64", cwd=project)
    assert res.code == 0, res.out + res.err
    (r,) = json.loads(res.out)["results"]
    assert (r["status"], r["resolved"]) == ("passed", list(CONTRACT))
    assert "ok #5" in r["output"].splitlines()
    # the negative twin: an ordinal the DLL does not have
    contract.write_text(text.replace("greet_scale        function", "greet_scale        function  ordinal=42 noname"))
    bad = cli("load", "--work", str(load_work), "--json", "-t", "windows-x86_64", cwd=project)
    assert bad.code == 1
    (r,) = json.loads(bad.out)["results"]
    assert (r["status"], r["unresolved"], r["reason"]) == ("failed", ["greet_scale"], "missing greet_scale")
