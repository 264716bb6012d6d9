"""``plugsmith symbols``: check, show and import symbol contracts."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from plugsmith.cli.common import Parser, in_directory, location_options, project_contracts, rel
from plugsmith.errors import EXIT_OK, EXIT_VERIFY_FAILED, ConfigError, PlugsmithError

NAME = "symbols"
HELP = "check, show or import a symbol contract (symbols/NAME.symbols)"
DESCRIPTION = """Work with symbol contracts without building anything.

  plugsmith symbols check FILE...            validate; every problem as file:line:col, exit 2
  plugsmith symbols show FILE [--json] [--target NAME]
                                             print the contract (per target: as that target exports it)
  plugsmith symbols import INPUT... -o FILE [--write]
                                             make a contract from version scripts (.map), macOS export
                                             lists (.exp), .def files, built binaries, or a CMake/Meson
                                             project folder (the export files its build files name);
                                             report every disagreement, write FILE only with --write

The file format and its rules are in docs/contract.md."""


def configure(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="symbols_command", metavar="ACTION", parser_class=Parser)
    check = sub.add_parser("check", help="validate symbols files", description="Validate symbols files.")
    check.add_argument("files", nargs="*", type=Path, metavar="FILE",
                       help="symbols files (default: every contract of the project)")
    show = sub.add_parser("show", help="print a contract", description="Print a contract, whole or per target.")
    show.add_argument("file", nargs="?", type=Path, metavar="FILE",
                      help="a symbols file (default: the project's contract, when it has one)")
    show.add_argument("--json", action="store_true", help="the JSON form (schemas/contract.schema.json)")
    show.add_argument("--target", metavar="NAME",
                      help="only what target NAME exports, e.g. windows-x86_64 (conditions applied, removed dropped)")
    imp = sub.add_parser("import", help="make a contract from existing export lists or binaries",
                         description="Read every INPUT (ELF version script .map/.ver/.lds, macOS exported "
                         "symbols list .exp/.exports/.txt, Windows .def, a built .so/.dylib/.dll, by content "
                         "for binaries, or a CMake/Meson project folder: the export files its CMakeLists.txt, "
                         "*.cmake or meson.build name), report each disagreement between them, and propose a contract. "
                         "Nothing is written without --write. Exit 0: inputs agree; 1: disagreements "
                         "(reported, and noted in the written file); 2: unreadable input.")
    imp.add_argument("inputs", nargs="+", type=Path, metavar="INPUT")
    imp.add_argument("-o", "--output", type=Path, metavar="FILE",
                     help="the symbols file to write (with --write; default with -c: the project's one contract)")
    for action in (check, show, imp):
        location_options(action, directory_help="run in DIR: relative FILEs are read (and written) there; the "
                         "project's contracts are those of DIR's build_matrix.yaml")
    imp.add_argument("--write", action="store_true", help="write FILE (atomically); without it, print the proposal")


def execute(args: argparse.Namespace) -> int:
    action = getattr(args, "symbols_command", None)
    if action is None:
        raise ConfigError("plugsmith symbols: name an action: check, show or import (see plugsmith symbols --help)")
    return {"check": _check, "show": _show, "import": _import}[action](args)


def _check(args: argparse.Namespace) -> int:
    from plugsmith.contract import load

    errors: list[PlugsmithError] = []
    files = [in_directory(args, f) for f in args.files] or project_contracts(args)
    for path in files:
        try:
            contract = load(path, rel(path))
        except ConfigError as exc:
            errors.extend(exc.errors)
            continue
        live = sum(1 for s in contract.symbols if s.removed is None)
        print(f"{rel(path)}: ok: {live} symbols in {len(contract.nodes)} version nodes"
              + (f", {len(contract.symbols) - live} removed" if live != len(contract.symbols) else ""))
    if errors:
        raise ConfigError(errors[0].message, location=errors[0].location, errors=tuple(errors))
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    from plugsmith.contract import dump, load, to_data

    path = in_directory(args, args.file) if args.file is not None else _one_contract(args)
    contract = load(path, rel(path))
    if args.target:
        contract = contract.for_target(args.target, *_os_arch(args.target))
    if args.json:
        data = to_data(contract)
        if args.target:
            data["target"] = args.target
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        sys.stdout.write(dump(contract))
    return EXIT_OK


def _one_contract(args: argparse.Namespace) -> Path:
    contracts = project_contracts(args)
    if len(contracts) != 1:
        raise ConfigError(f"the project has {len(contracts)} contracts: name one FILE")
    return contracts[0]


def _os_arch(target: str) -> tuple[str, str]:
    from plugsmith.platforms import ARCH_SYNONYMS, OSES, supported_pairs

    parts = target.split("-")
    if len(parts) < 2 or parts[0] not in OSES:
        raise ConfigError(f"--target '{target}': expected OS-ARCH[-...], e.g. {', '.join(supported_pairs()[:3])}")
    return parts[0], ARCH_SYNONYMS.get(parts[1], parts[1])


def _import(args: argparse.Namespace) -> int:
    from plugsmith import _fs
    from plugsmith.importer import import_files

    output = in_directory(args, args.output) if args.output is not None else None
    if output is None and args.config is not None:
        output = _one_contract(args)
    if args.write and output is None:
        raise ConfigError("--write needs -o FILE: the symbols file to write")
    result = import_files([in_directory(args, i) for i in args.inputs], display=rel)
    for line in result.disagreements:
        print(f"disagreement: {line}", file=sys.stderr)
    for line in result.notes:
        print(f"note: {line}", file=sys.stderr)
    if args.write and output is not None:
        _fs.write_text(output, result.text)
        print(f"wrote {rel(output)}: {len(result.contract.symbols)} symbols in "
              f"{len(result.contract.nodes)} version nodes", file=sys.stderr)
    else:
        sys.stdout.write(result.text)
        if output is not None:
            print(f"not written: pass --write to write {rel(output)}", file=sys.stderr)
    return EXIT_VERIFY_FAILED if result.disagreements else EXIT_OK
