"""``plugsmith init``: start a new plugin project."""

from __future__ import annotations

import argparse
from pathlib import Path

from plugsmith.errors import EXIT_OK

NAME = "init"
HELP = "write a new plugin project: build_matrix.yaml, symbols/, plugins/, ci/, tests/, noxfile.py"
DESCRIPTION = """Write a working plugin project into DIR (default: the current folder): a build matrix
for the six default targets, a contract in symbols/NAME.symbols, C sources of an example plugin
in plugins/NAME/, a CI workflow, a test and a noxfile. Existing files are never overwritten
without --force. Then run 'plugsmith run' in DIR."""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", nargs="?", type=Path, default=Path("."), metavar="DIR",
                   help="project folder (created if missing; default: the current folder)")
    p.add_argument("-n", "--name", help="plugin name, a lower-case C identifier (default: from the folder name)")
    p.add_argument("--force", action="store_true", help="overwrite files that already exist")


def execute(args: argparse.Namespace) -> int:
    from plugsmith import init
    from plugsmith.cli.common import rel

    folder: Path = args.folder
    name = args.name or init.default_name(folder)
    files = init.render(name)
    for path in init.write(folder, files, force=args.force):
        print(rel(path))
    print(f"\nNext: cd {rel(folder)} && plugsmith run")
    return EXIT_OK
