"""``plugsmith build``: build every target into dist/."""

from __future__ import annotations

import argparse

from plugsmith.cli.common import build_options, load_plan, project_options, rel, run_build
from plugsmith.errors import EXIT_BUILD_FAILED, EXIT_OK

NAME = "build"
HELP = "build every plugin for every target with zig into dist/"
DESCRIPTION = ("Compile and link every plugin for every target. An artifact lands in dist/<target>/ only "
               "when it is complete; a failed target shows zig's message and leaves nothing behind. Only what "
               "changed since the last build is rebuilt (--force rebuilds everything); see docs/build.md.")


def configure(p: argparse.ArgumentParser) -> None:
    project_options(p)
    build_options(p)


def execute(args: argparse.Namespace) -> int:
    plan = load_plan(args)
    result = run_build(args, plan)
    if not result.ok:
        return EXIT_BUILD_FAILED
    for r in result.results:
        print(rel(r.artifact) if r.artifact else r.job.id)
    return EXIT_OK
