"""``plugsmith toolchains``: per-target compiler wrappers, CMake and Meson files, resolved flags."""

from __future__ import annotations

import argparse
from pathlib import Path

from plugsmith.cli.common import load_plan, project_options, rel
from plugsmith.errors import EXIT_OK

NAME = "toolchains"
HELP = "write per-target zig wrappers, CMake toolchain files, Meson cross files and resolved flags"
DESCRIPTION = """Write toolchains/<target>/ for every target: zig-cc, zig-c++, zig-ar, zig-ranlib and zig-rc
wrappers, toolchain.cmake, meson-cross.ini and flags.json (the triple and every resolved flag with
its origin). Other build systems then compile with exactly plugsmith's targets; verify what they
produce with 'plugsmith verify --contract symbols/NAME.symbols ARTIFACT...'."""


def configure(p: argparse.ArgumentParser) -> None:
    project_options(p)
    p.add_argument("-o", "--out", type=Path, metavar="DIR", help="output folder (default: PROJECT/toolchains)")


def execute(args: argparse.Namespace) -> int:
    from plugsmith import toolchains
    from plugsmith.engine.zig import default_cache

    plan = load_plan(args)
    out = args.out if args.out is not None else plan.matrix.root / "toolchains"
    files = toolchains.render(plan, out.resolve(), cache=plan.matrix.zig_cache or default_cache())
    toolchains.write(files)
    for target in dict.fromkeys(f.path.parent for f in files):
        print(rel(target))
    return EXIT_OK
