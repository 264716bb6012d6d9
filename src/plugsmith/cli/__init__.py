"""Stage 8: the command line. The only code that reads argv, prints and exits.

Each sub-command is a module here with ``NAME``, ``HELP``, ``DESCRIPTION``, ``configure(parser)``
and ``execute(args) -> int``, listed once in ``COMMANDS``.

Exit codes: 0 all good, 1 verification failed, 2 bad usage/config/input, 3 build failed,
130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from plugsmith import __version__
from plugsmith.cli import (
    build,
    checksums,
    diff,
    header,
    init,
    load,
    maps,
    run,
    symbols,
    targets,
    toolchains,
    verify,
    wheel,
)
from plugsmith.cli.common import EPILOG, Parser, common_parent
from plugsmith.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, ConfigError, PlugsmithError

#: Sub-commands in the order ``--help`` lists them.
COMMANDS: tuple[ModuleType, ...] = (init, run, targets, maps, build, verify, load, toolchains, symbols, checksums,
                                    diff, header, wheel)


def build_parser() -> argparse.ArgumentParser:
    common = common_parent()
    parser = Parser(prog="plugsmith", description="Cross-build native plugins for Linux, macOS and Windows "
                    "with zig, and prove every artifact exports exactly the symbol contract.",
                    epilog=EPILOG, parents=[common])
    parser.add_argument("--version", action="version", version=f"plugsmith {__version__}")
    parser.add_argument("-C", "--directory", dest="top_directory", type=Path, metavar="DIR",
                        help="run in the project folder DIR (also accepted after the sub-command)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for module in COMMANDS:
        p = sub.add_parser(module.NAME, parents=[common], help=module.HELP, description=module.DESCRIPTION,
                           epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
        module.configure(p)
        p.set_defaults(execute=module.execute)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    raw = list(argv if argv is not None else sys.argv[1:])
    debug = "--debug" in raw
    try:
        parser = build_parser()
        args = parser.parse_args(raw)
        if args.command is None:
            parser.print_help()
            return EXIT_USAGE
        return int(args.execute(args))
    except ConfigError as exc:
        if debug:
            raise
        for err in exc.errors:
            print(f"plugsmith: error: {err}", file=sys.stderr)
            if err.details:
                print(err.details.lstrip("\n"), file=sys.stderr)
        return exc.exit_code
    except PlugsmithError as exc:
        if debug:
            raise
        print(f"plugsmith: error: {exc}", file=sys.stderr)
        if exc.details:
            print(exc.details, file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("plugsmith: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK


__all__ = ["COMMANDS", "build_parser", "main"]
