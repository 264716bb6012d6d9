"""``plugsmith verify``: check artifacts against the contract and each other."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from plugsmith.cli.common import load_plan, project_options, rel, report, report_options, verify_plan
from plugsmith.errors import ConfigError
from plugsmith.verify import Verdict

NAME = "verify"
HELP = "check artifacts against the contract and against each other"
DESCRIPTION = """Without ARTIFACTs: verify the project's dist/ against the contracts in build_matrix.yaml.
With ARTIFACTs (files or folders, built anywhere): check them against --contract, or,
without --contract, against each other (parity only)."""


def configure(p: argparse.ArgumentParser) -> None:
    project_options(p)
    report_options(p)
    p.add_argument("artifacts", nargs="*", type=Path, metavar="ARTIFACT", help="binaries or folders to check")
    p.add_argument("--contract", type=Path, metavar="FILE", help="the symbols file the ARTIFACTs must export")


def verify_paths(paths: list[Path], contract_path: Path | None) -> Verdict:
    from plugsmith import artifacts
    from plugsmith.contract import load as load_contract
    from plugsmith.verify import Subject, check

    contract = load_contract(contract_path, rel(contract_path)) if contract_path else None
    subjects = []
    for path in artifacts.collect(paths):
        for ins in artifacts.inspect_all([path]):
            subjects.append(Subject(plugin=artifacts.plugin_name(path), target=artifacts.target_name(ins),
                                    inspection=ins, contract=contract))
    counts: dict[tuple[str, str], int] = {}
    for s in subjects:
        counts[(s.plugin, s.target)] = counts.get((s.plugin, s.target), 0) + 1
    # two artifacts of one plugin for the same platform: tell them apart by file
    subjects = [replace(s, target=f"{s.target}:{rel(s.inspection.path)}") if counts[(s.plugin, s.target)] > 1 else s
                for s in subjects]
    return check(subjects)


def execute(args: argparse.Namespace) -> int:
    if args.artifacts:
        verdict = verify_paths(args.artifacts, args.contract)
        return report(args, verdict, rel(args.contract) if args.contract else None)
    if args.contract:
        raise ConfigError("--contract needs ARTIFACTs to check; without ARTIFACTs plugsmith verifies dist/ "
                          "against the contracts named in build_matrix.yaml")
    return report(args, verify_plan(load_plan(args)))
