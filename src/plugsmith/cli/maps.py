"""``plugsmith maps``: write or print each target's export map."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from plugsmith import _fs
from plugsmith.cli.common import load_plan, project_options, rel
from plugsmith.errors import EXIT_OK

NAME = "maps"
HELP = "write (or print) each target's export map"
DESCRIPTION = ("Generate the per-target export maps from the contract: an ELF version script, a Mach-O "
               "exported-symbols list and a Windows .def.")


def configure(p: argparse.ArgumentParser) -> None:
    project_options(p)
    p.add_argument("-o", "--out", type=Path, metavar="DIR",
                   help="write maps under DIR/<target>/ (default: BUILD_DIR/maps)")
    p.add_argument("--print", dest="print_maps", action="store_true", help="print the maps instead of writing")


def execute(args: argparse.Namespace) -> int:
    from plugsmith.maps import render

    plan = load_plan(args)
    rendered = [(j, render(j.format, j.contract, library=j.library)) for j in plan.jobs]
    if args.print_maps:
        for j, text in rendered:
            sys.stdout.write(f"==> {j.target.name}/{j.map_name} <==\n{text}\n")
        return EXIT_OK
    base = args.out if args.out is not None else plan.matrix.build_dir / "maps"
    for j, text in rendered:
        dest = base / j.target.name / j.map_name
        _fs.write_text(dest, text)
        print(rel(dest))
    return EXIT_OK
