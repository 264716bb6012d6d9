"""``plugsmith init``: start a new plugin project."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from plugsmith.errors import EXIT_OK

NAME = "init"
HELP = "write a new plugin project: build_matrix.yaml, symbols/, plugins/, ci/, tests/, noxfile.py"
DESCRIPTION = """Write a working plugin project into DIR (default: the current folder): a build matrix
for the six default targets, a contract in symbols/NAME.symbols, C sources of an example plugin
in plugins/NAME/, a CI workflow, a test, a noxfile and plugsmith-requirements.txt, the pin that says where they
install plugsmith from; with --python also pyproject.toml for cibuildwheel (--pyproject-only: just
that file, for the project already in DIR). Existing files are never overwritten
without --force. Then run 'plugsmith run' in DIR."""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", nargs="?", type=Path, default=Path("."), metavar="DIR",
                   help="project folder (created if missing; default: the current folder)")
    p.add_argument("-C", "--directory", type=Path, default=None, metavar="DIR",
                   help="run in DIR: a relative project folder is created there")
    p.add_argument("-n", "--name", help="plugin name, a lower-case C identifier (default: from the folder name)")
    p.add_argument("--force", action="store_true", help="overwrite files that already exist")
    p.add_argument("--python", action="store_true",
                   help="also write pyproject.toml: a Python package shipping the plugin as ctypes wheels, built "
                        "by plugsmith's wheel backend, with a [tool.cibuildwheel] table whose build identifiers "
                        "are the matrix's targets and whose test and repair commands run 'plugsmith verify' "
                        "; and ci/cibuildwheel.yml, a GitHub workflow with one cibuildwheel job per OS and "
                        "machine and a final verify of every wheel (docs/wheel.md)")
    p.add_argument("--pyproject-only", action="store_true",
                   help="write only pyproject.toml (as --python), from the build_matrix.yaml already in DIR: "
                        "run it again, with --force, after the matrix's targets change")
    p.add_argument("--plugsmith-spec", metavar="REQUIREMENT", default=os.environ.get("PLUGSMITH_SPEC"),
                   help="where the project installs plugsmith from, written to plugsmith-requirements.txt "
                        "(default: $PLUGSMITH_SPEC, else the source this plugsmith was installed from: "
                        "a VCS URL at its commit or a local path)")


def execute(args: argparse.Namespace) -> int:
    from plugsmith import init
    from plugsmith.cli.common import in_directory, rel

    folder: Path = in_directory(args, args.folder)
    name = args.name or init.default_name(folder)
    files = init.project_files(folder, name, args.plugsmith_spec or init.pinned_requirement(), python=args.python,
                               pyproject_only=args.pyproject_only)
    for path in init.write(folder, files, force=args.force):
        print(rel(path))
    print(f"\nNext: cd {rel(folder)} && plugsmith run")
    return EXIT_OK
