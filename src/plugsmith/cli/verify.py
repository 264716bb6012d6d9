"""``plugsmith verify``: check artifacts against the contract, each other and the release policy."""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import replace
from pathlib import Path

from plugsmith.cli._release import gather, provenance_findings, release_options, report
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
--markdown, --html; the Markdown summary is appended to $GITHUB_STEP_SUMMARY when it is set.
--provenance-check FILE (a statement from 'plugsmith checksums --manifest' or --provenance) also
fails the release when an artifact is not one of its subjects or the artifacts come from builds
with different toolchains, flags or contracts; --same-build checks the build records beside the
artifacts the same way, without a statement (the CI verify job)."""


def configure(p: argparse.ArgumentParser) -> None:
    project_options(p, flags=False)
    report_options(p)
    p.add_argument("artifacts", nargs="*", type=Path, metavar="ARTIFACT",
                   help="binaries, folders or archives to check")
    p.add_argument("--contract", type=Path, metavar="FILE", help="the symbols file every ARTIFACT must export")
    p.add_argument("--no-project", action="store_true",
                   help="with ARTIFACTs: do not apply the build_matrix.yaml of the current folder or a parent")
    p.add_argument("--provenance-check", type=Path, metavar="FILE",
                   help="fail (exit 1) unless every artifact is a subject of this provenance statement and all "
                        "come from builds with the same toolchain, flags and contract")
    p.add_argument("--same-build", action="store_true",
                   help="fail (exit 1) unless every binary has its build record (.build.json) beside it and all "
                        "come from builds with the same toolchain, flags and contract")
    release_options(p)


def execute(args: argparse.Namespace) -> int:
    from plugsmith.verify import judge

    with tempfile.TemporaryDirectory(prefix="plugsmith-verify-") as work:
        inputs = gather(args, Path(work))
        checked = args.provenance_check is not None or args.same_build
        findings = provenance_findings(args.provenance_check, inputs.found) if checked else ()
        verdict = judge(inputs.found, inputs.expectation)
        verdict = replace(verdict, problems=verdict.problems + findings)
        report(args, verdict, inputs)
    return EXIT_OK if verdict.ok else EXIT_VERIFY_FAILED
