"""Helpers for the contract tests: a small multi-version plugin project built with real zig.

Builds go through the Python API (``matrix.load`` -> ``plan.resolve`` -> ``build.build``) into a
temporary folder, with the one shared zig cache of the test suite."""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ZIG_CACHE = Path(os.environ.get("PLUGSMITH_TEST_ZIG_CACHE", os.path.expanduser("~/.cache/plugsmith/zig")))
HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
DATA = HERE / "data"

#: The multi-version contract the golden maps and the real builds use.
DEMO_CONTRACT = textwrap.dedent("""\
    # demo: three releases of one plugin ABI
    version 1

    [DEMO_1.0]
    demo_add        function  ordinal=1
    demo_banner     data      ordinal=2
    demo_old        function  ordinal=3 deprecated=DEMO_1.1 removed=DEMO_2.0

    [DEMO_1.1] inherits DEMO_1.0
    demo_scale      function  ordinal=4
    demo_level      data
    demo_posix      function  only=linux,macos
    demo_win_hook   function  only=windows ordinal=9 noname

    [DEMO_2.0] inherits DEMO_1.1
    demo_fast       function  only=x86_64
    demo_mul        function
""")

DEMO_SOURCE = textwrap.dedent("""\
    /* demo plugin: defines every symbol any release of the contract names; the maps decide
     * what each target exports. */
    const char demo_banner[] = "demo";
    int demo_level = 2;
    static int helper(int v) { return v * 3; }
    int demo_internal = 5;          /* not in the contract: must stay hidden */
    int demo_add(int a, int b) { return a + b + demo_internal; }
    int demo_scale(int v) { return helper(v); }
    int demo_old(void) { return 1; } /* removed in DEMO_2.0: built, never exported */
    int demo_mul(int a, int b) { return a * b; }
    #if defined(_WIN32)
    int demo_win_hook(void) { return 7; }
    #else
    int demo_posix(void) { return 8; }
    #endif
    #if defined(__x86_64__) || defined(_M_X64)
    int demo_fast(int v) { return v << 1; }
    #endif
""")

TARGETS = ("linux-x86_64", "linux-aarch64", "macos-x86_64", "windows-x86_64")


def zig_env() -> dict[str, str]:
    env = dict(os.environ)
    for key in ("PLUGSMITH_ZIG_CACHE", "ZIG_GLOBAL_CACHE_DIR", "ZIG_LOCAL_CACHE_DIR"):
        env[key] = str(ZIG_CACHE)
    return env


@dataclass(frozen=True)
class Project:
    root: Path
    name: str

    @property
    def config(self) -> Path:
        return self.root / "build_matrix.yaml"

    def artifact(self, target: str) -> Path:
        lib = {"linux": "lib{}.so", "macos": "lib{}.dylib", "windows": "{}.dll"}[target.split("-")[0]]
        return self.root / "dist" / target / lib.format(self.name)


def write_project(root: Path, *, name: str = "demo", contract: str = DEMO_CONTRACT, source: str = DEMO_SOURCE,
                  targets: tuple[str, ...] = TARGETS, cflags: tuple[str, ...] = ("-Wall", "-Werror")) -> Project:
    (root / "src").mkdir(parents=True, exist_ok=True)
    (root / "symbols").mkdir(exist_ok=True)
    (root / "src" / f"{name}.c").write_text(source)
    (root / "symbols" / f"{name}.symbols").write_text(contract)
    target_lines = "\n".join(f"  - {t}" for t in targets)
    flags = ", ".join(cflags)
    (root / "build_matrix.yaml").write_text(
        f"version: 1\nproject: {name}\nplugins:\n  - name: {name}\n    sources: [src/{name}.c]\n"
        f"    contract: symbols/{name}.symbols\ntargets:\n{target_lines}\ndefaults:\n  cflags: [{flags}]\n")
    return Project(root, name)


def build_project(project: Project) -> None:
    """Build every target of ``project`` with the Python API; fail the test with zig's log otherwise."""
    from plugsmith import matrix, plan
    from plugsmith.engine import build

    resolved = plan.resolve(matrix.load(project.config), env={})
    result = build(resolved, jobs=2, cache=ZIG_CACHE)
    if not result.ok:
        failure = result.failures[0]
        pytest.fail(f"{failure.message}\n{failure.command}\n{failure.log}")
