"""``plugsmith header``: write each plugin's export header (``<plugin>_export.h``) from its contract."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from plugsmith import _fs
from plugsmith.cli.common import load_plan, project_options, rel
from plugsmith.errors import EXIT_OK, ConfigError

NAME = "header"
HELP = "write the C export header (<plugin>_export.h) generated from each contract"
DESCRIPTION = """Write <plugin>_export.h for each plugin of the project (or for one --contract FILE with
--plugin NAME): <PLUGIN>_API (dllexport while building with -D<PLUGIN>_BUILDING, dllimport for
consumers, visibility("default") on ELF/Mach-O), one <PLUGIN>_EXPORT_<symbol> macro per contract symbol
under its platform conditions, <PLUGIN>_HAS_<symbol> and the <PLUGIN>_SYMBOLS(X) X-macro. Sources that
mark exports with these macros fail to compile when they disagree with the contract. See docs/contract.md."""


def configure(p: argparse.ArgumentParser) -> None:
    project_options(p)
    p.add_argument("--contract", type=Path, metavar="FILE", help="a symbols file, instead of the project's plugins")
    p.add_argument("--name", dest="plugin_name", metavar="NAME", help="the plugin name for --contract "
                   "(default: the file's stem)")
    p.add_argument("-o", "--out", type=Path, metavar="DIR", help="write into DIR (default: BUILD_DIR/include, "
                   "or the current folder with --contract)")
    p.add_argument("--print", dest="print_header", action="store_true", help="print instead of writing")


def execute(args: argparse.Namespace) -> int:
    from plugsmith.contract import load
    from plugsmith.header import header_name, render

    if args.contract is not None:
        contract = load(args.contract, rel(args.contract))
        name = args.plugin_name or args.contract.stem
        headers = [(name, render(contract, plugin=name))]
        base = args.out if args.out is not None else Path(".")
    else:
        if args.plugin_name:
            raise ConfigError("--name goes with --contract; to pick a project plugin use -p NAME")
        plan = load_plan(args)
        plugins = {j.plugin.name: j.plugin for j in plan.jobs}
        headers = [(name, render(p.contract, plugin=name)) for name, p in plugins.items()]
        base = args.out if args.out is not None else plan.matrix.build_dir / "include"
    for name, text in headers:
        if args.print_header:
            sys.stdout.write(text)
            continue
        dest = base / header_name(name)
        _fs.write_text(dest, text)
        print(rel(dest))
    return EXIT_OK
