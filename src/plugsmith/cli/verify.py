"""``plugsmith verify``: check artifacts against the contract, each other and the release policy."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from plugsmith.cli._release import gather, release_options, report
from plugsmith.cli.common import project_options, report_options
from plugsmith.errors import EXIT_OK, EXIT_VERIFY_FAILED

NAME = "verify"
HELP = "check artifacts against the contract, each other and the release policy"
DESCRIPTION = """Without ARTIFACTs: verify the project's dist/ against the contracts in build_matrix.yaml.
With ARTIFACTs (files, folders, .zip, wheels, .tar.gz, .tar.xz, .tar.bz2, .tar.zst; built anywhere):
check them against --contract, or against the project's contracts when a project applies (-C DIR,
-c FILE, or a build_matrix.yaml in the current folder or a parent; --no-project ignores it), or else against each
other (parity only). The release policy (policy: in build_matrix.yaml or --policy FILE, over packaged
defaults; see docs/verify.md) checks imports, glibc and macOS ceilings, install names, debug CRT,
"map not applied" and that every expected target is present. Reports: --json (stdout), --junit,
--markdown, --html; the Markdown summary is appended to $GITHUB_STEP_SUMMARY when it is set."""


def configure(p: argparse.ArgumentParser) -> None:
    project_options(p, flags=False)
    report_options(p)
    p.add_argument("artifacts", nargs="*", type=Path, metavar="ARTIFACT",
                   help="binaries, folders or archives to check")
    p.add_argument("--contract", type=Path, metavar="FILE", help="the symbols file every ARTIFACT must export")
    p.add_argument("--no-project", action="store_true",
                   help="with ARTIFACTs: do not apply the build_matrix.yaml of the current folder or a parent")
    release_options(p)


def execute(args: argparse.Namespace) -> int:
    from plugsmith.verify import judge

    with tempfile.TemporaryDirectory(prefix="plugsmith-verify-") as work:
        inputs = gather(args, Path(work))
        verdict = judge(inputs.found, inputs.expectation)
        report(args, verdict, inputs)
    return EXIT_OK if verdict.ok else EXIT_VERIFY_FAILED
