"""``plugsmith run``: the main job. Validate, build every target, verify, report."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from plugsmith import __version__
from plugsmith.cli._release import gather, release_options, report
from plugsmith.cli.common import build_options, load_plan, project_options, report_options, run_build
from plugsmith.errors import EXIT_BUILD_FAILED, EXIT_OK, EXIT_VERIFY_FAILED

NAME = "run"
HELP = "the main job: build every target, then verify every artifact"
DESCRIPTION = ("Load and validate the config, generate maps, build every target, inspect every artifact and "
               "print the verdict (the same checks and reports as 'plugsmith verify' on dist/, release policy "
               "included). Exit 0 when every target exports exactly its contract and all agree.")


def configure(p: argparse.ArgumentParser) -> None:
    project_options(p)
    build_options(p)
    report_options(p)
    release_options(p)
    p.set_defaults(artifacts=[], contract=None)


def execute(args: argparse.Namespace) -> int:
    from plugsmith.verify import judge

    plan = load_plan(args)
    print(f"plugsmith {__version__}: {plan.matrix.project}: {len(plan.jobs)} jobs on "
          f"{', '.join(t.name for t in plan.targets)}", file=sys.stderr)
    result = run_build(args, plan)
    if not result.ok:
        return EXIT_BUILD_FAILED
    with tempfile.TemporaryDirectory(prefix="plugsmith-run-") as work:
        inputs = gather(args, Path(work), plan, result)
        verdict = judge(inputs.found, inputs.expectation)
        report(args, verdict, inputs)
    return EXIT_OK if verdict.ok else EXIT_VERIFY_FAILED
