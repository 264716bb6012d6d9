"""``plugsmith checksums``: SHA256SUMS and a provenance manifest, or check artifacts against one."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from plugsmith.cli._release import gather
from plugsmith.cli.common import project_options
from plugsmith.errors import EXIT_OK, EXIT_VERIFY_FAILED

NAME = "checksums"
HELP = "write SHA256SUMS and a provenance manifest, or --check artifacts against them"
DESCRIPTION = """Hash every shipped file in the ARTIFACTs (binaries, import libraries, archives and their
members; without ARTIFACTs: the project's dist/). Prints SHA256SUMS on stdout unless -o is given:
'sha256sum -c SHA256SUMS' checks every file; archive members are '#' lines it skips (the archive's
line covers them), which --check reads. --manifest also writes the provenance: an in-toto Statement
v1 with a SLSA provenance v1 predicate (every shipped file as a subject, each artifact's build record
from the .build.json beside it; see docs/verify.md). --check FILE (a SHA256SUMS or a provenance
file) proves nothing changed: exit 1 on any changed, missing or new file."""


def configure(p: argparse.ArgumentParser) -> None:
    project_options(p, flags=False)
    p.add_argument("artifacts", nargs="*", type=Path, metavar="ARTIFACT", help="binaries, folders or archives")
    p.add_argument("--contract", type=Path, metavar="FILE", help="the symbols file (hashed into the manifest)")
    p.add_argument("--target-map", action="append", default=[], metavar="GLOB=TARGET",
                   help="as for 'plugsmith verify'")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write SHA256SUMS here (default: stdout)")
    p.add_argument("--manifest", type=Path, metavar="FILE",
                   help="write the provenance (in-toto Statement v1, SLSA provenance v1) here")
    p.add_argument("--check", type=Path, metavar="FILE", help="compare with a SHA256SUMS or manifest file")
    p.set_defaults(no_policy=True)


def execute(args: argparse.Namespace) -> int:
    from plugsmith import provenance
    from plugsmith.report.files import shipped_entries, write_provenance
    from plugsmith.verify import judge

    with tempfile.TemporaryDirectory(prefix="plugsmith-checksums-") as work:
        inputs = gather(args, Path(work))
        entries = shipped_entries(inputs.found)
        if args.check:
            differences = provenance.compare(provenance.load_expected(args.check), entries)
            for line in differences:
                print(line)
            print(f"{'FAILED' if differences else 'OK'}: {len(entries)} artifact{'s' if len(entries) != 1 else ''} "
                  f"checked against {args.check}" + (f", {len(differences)} differ" if differences else
                                                      ", all unchanged"))
            return EXIT_VERIFY_FAILED if differences else EXIT_OK
        if args.output is None:
            sys.stdout.write(provenance.sha256sums(entries))
        if args.output or args.manifest:
            verdict = judge(inputs.found, inputs.expectation) if args.manifest else None
            write_provenance(verdict, inputs.found, sums=args.output, manifest_path=args.manifest,
                             contract=inputs.contract)
    return EXIT_OK
