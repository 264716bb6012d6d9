"""Stage 8: the command line. The only code that reads argv, prints and exits.

Each sub-command is a module here with ``NAME``, ``HELP``, ``DESCRIPTION``, ``configure(parser)``
and ``execute(args) -> int``, listed once in ``COMMANDS``.

Exit codes: 0 all good, 1 verification failed, 2 bad usage/config/input, 3 build failed,
130 interrupted.
"""

from __future__ import annotations

from plugsmith.cli import _signals

_signals.install(only_entry=True)  # before any other import: from here on a signal exits 130 with a line

import argparse  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from types import ModuleType  # noqa: E402

from plugsmith import __version__  # noqa: E402
from plugsmith.cli import (  # noqa: E402
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
from plugsmith.cli.common import EPILOG, Parser, common_parent  # noqa: E402
from plugsmith.errors import EXIT_INTERRUPTED, EXIT_USAGE, ConfigError, PlugsmithError  # noqa: E402

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
                           epilog=getattr(module, "EPILOG", EPILOG),  # diff has exit codes of its own
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        module.configure(p)
        p.set_defaults(execute=module.execute)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit code (see the module docstring). A signal at any moment ends it
    with 130 and one line; a closed stdout (``| head -1``) does not change the verdict's code."""
    previous = _signals.install()  # called in-process (tests): installed now, restored after
    if _signals.is_entry():
        _fewer_collections()
    stdout = sys.stdout
    _signals.guard_stdout()
    try:
        with _signals.working():
            code = _main(argv)
        _signals.finish_stdout()
    finally:
        if not _signals.is_entry():
            _signals.restore(previous)
            sys.stdout = stdout
    if _signals.is_entry():
        _signals.exit_now(code)
    return code


#: The cyclic garbage collector's generation thresholds for the ``plugsmith`` process. Verification
#: makes 100,000s of small objects that live until the end (exports, symbols, names), and with
#: Python's default (700, 10, 10) each young collection re-walks the older ones: 24 artifacts of
#: 10,000 exports spent 0.4 s of 1.7 s collecting (benchmarks/README.md). Nothing here makes cycles
#: that need prompt freeing; a short-lived command collects rarely instead.
GC_THRESHOLDS = (100_000, 50, 100)


def _fewer_collections() -> None:
    import gc

    gc.set_threshold(*GC_THRESHOLDS)


def _main(argv: Sequence[str] | None) -> int:
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
            print(f"plugsmith: error: {_one_line(str(err))}", file=sys.stderr)
            if err.details:
                print(err.details.lstrip("\n"), file=sys.stderr)
        return exc.exit_code
    except PlugsmithError as exc:
        if debug:
            raise
        print(f"plugsmith: error: {_one_line(str(exc))}", file=sys.stderr)
        if exc.details:
            print(exc.details, file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        _signals.say_interrupted()
        return EXIT_INTERRUPTED
    except (RecursionError, MemoryError) as exc:  # a last resort: every stage bounds its input first
        if debug:
            raise
        print(f"plugsmith: error: the input is too deeply nested or too large to process ({type(exc).__name__})",
              file=sys.stderr)
        return EXIT_USAGE


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MAX_LINE = 500


def _one_line(text: str) -> str:
    """An error line stays one line of bounded length, whatever a hostile file put in a name."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text if len(text) <= _MAX_LINE else f"{text[:_MAX_LINE]}... ({len(text)} characters)"


__all__ = ["COMMANDS", "build_parser", "main"]
