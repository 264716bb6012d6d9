"""``plugsmith diff OLD NEW``: what changed in the exported ABI, with a semver verdict."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from plugsmith.cli.common import in_directory, location_options, project_contracts, rel
from plugsmith.errors import EXIT_DIFF_CHANGED, EXIT_DIFF_INCOMPATIBLE, EXIT_INTERRUPTED, ConfigError

NAME = "diff"
HELP = "compare a released ABI (contract, verify --json report or artifacts) with a new one"
DESCRIPTION = """Compare OLD (the baseline) with NEW, per target and across formats: symbols added,
removed, kind changed (function/data), ELF version node changed, Windows ordinal or NONAME changed.
OLD and NEW are each a symbols file (or its JSON form), a 'plugsmith verify --json' report, or built
artifacts (files or folders). A contract is expanded over the other side's targets (both contracts:
the six default targets).

Verdict: removed or changed => major, only added => minor, nothing => patch.
Exit status: 0 no change; 2 bad usage or input (arguments, a malformed contract or JSON, an
unreadable or corrupt binary); else abidiff-style bits: 4 the ABI changed, 8 the change is
incompatible (so 4 = minor, 12 = major)."""

#: diff's exit status is abidiff's bit set, not the codes of the other commands.
EPILOG = (f"exit codes (bits): 0 no change, 1 error (unreadable or corrupt input), 2 usage, "
          f"{EXIT_DIFF_CHANGED} the ABI changed, {EXIT_DIFF_INCOMPATIBLE} the change is incompatible "
          f"({EXIT_DIFF_CHANGED} = minor, {EXIT_DIFF_CHANGED | EXIT_DIFF_INCOMPATIBLE} = major), "
          f"{EXIT_INTERRUPTED} interrupted.")


def configure(p: argparse.ArgumentParser) -> None:
    location_options(p, directory_help="run in DIR: relative OLD, NEW and contract files are read from there")
    p.add_argument("old", type=Path, metavar="OLD", help="the baseline: contract, report or artifacts")
    p.add_argument("new", type=Path, metavar="NEW", help="the new release: contract, report or artifacts")
    p.add_argument("--json", action="store_true", help="print the diff as JSON (schemas/diff.schema.json)")
    p.add_argument("-t", "--target", action="append", default=[], metavar="GLOB",
                   help="only targets matching GLOB or an OS name (repeatable)")
    p.add_argument("--old-contract", type=Path, metavar="FILE",
                   help="the contract OLD's artifacts were built from: pinned ordinals, NONAME names, removed=")
    p.add_argument("--new-contract", type=Path, metavar="FILE",
                   help="the same for NEW's artifacts (default with -c: the contract of that project's one plugin)")
    p.add_argument("--ordinals", choices=("pinned", "all", "ignore"), default="pinned",
                   help="which PE ordinal moves are incompatible: pinned (contract ordinal= or NONAME; "
                        "default), all, or ignore ordinals")


def execute(args: argparse.Namespace) -> int:
    from plugsmith.abidiff import diff_paths, lines, to_data

    new_contract = args.new_contract
    if new_contract is None and args.config is not None:
        contracts = project_contracts(args)
        if len(contracts) != 1:
            raise ConfigError(f"-c {args.config}: the project has {len(contracts)} contracts; name NEW's with "
                              "--new-contract")
        new_contract = contracts[0]
    old_contract = in_directory(args, args.old_contract) if args.old_contract else None
    new_contract = in_directory(args, new_contract) if new_contract else None
    diff = diff_paths(in_directory(args, args.old), in_directory(args, args.new), display=rel,
                      ordinals=args.ordinals, select=args.target, old_contract=old_contract,
                      new_contract=new_contract)
    if args.json:
        sys.stdout.write(json.dumps(to_data(diff), indent=2) + "\n")
    else:
        for line in lines(diff):
            print(line)
        counts = f"{len(diff.changes)} change{'s' if len(diff.changes) != 1 else ''}"
        print(f"{diff.verdict.upper()}: {counts} from {diff.old} to {diff.new} on {len(diff.targets)} "
              f"target{'s' if len(diff.targets) != 1 else ''}")
    return diff.exit_bits
