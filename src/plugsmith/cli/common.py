"""Options, output and glue shared by the sub-commands."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from plugsmith.errors import ConfigError

if TYPE_CHECKING:
    from rich.console import Console

    from plugsmith.engine import BuildResult
    from plugsmith.engine.engine import Event
    from plugsmith.inspection import InspectionCache
    from plugsmith.plan import Job, Plan

EPILOG = """exit codes: 0 all good, 1 verification failed, 2 bad usage, config or input, 3 build failed,
75 another build holds the project lock, 130 interrupted. Docs: README.md and docs/ in the plugsmith repository."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]  # exit 2 with one line
        self.print_usage(sys.stderr)
        raise ConfigError(message)


def common_parent() -> Parser:
    common = Parser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="more detail (when building: each zig command line)")
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show a traceback on errors")
    common.add_argument("--no-color", action="store_true", default=argparse.SUPPRESS,
                        help="no colours (also: NO_COLOR=1)")
    return common


def flag(args: argparse.Namespace, name: str) -> bool:
    return bool(getattr(args, name, False))


def location_options(p: argparse.ArgumentParser, *, directory_help: str | None = None) -> None:
    """``-C DIR`` and ``-c FILE``, which every sub-command accepts."""
    p.add_argument("-C", "--directory", type=Path, default=None, metavar="DIR",
                   help=directory_help or "the project folder (default: the first of the current folder and its "
                        "parents that holds build_matrix.yaml, as git finds .git)")
    p.add_argument("-c", "--config", type=Path, metavar="FILE",
                   help="the build matrix (default: build_matrix.yaml of the project folder)")


def project_options(p: argparse.ArgumentParser, *, flags: bool = True) -> None:
    """Where the project is and what to select; ``flags`` adds the extra compile/link flags of the
    commands that build or print build settings (not verify, load, checksums)."""
    location_options(p)
    p.add_argument("-t", "--target", action="append", default=[], metavar="GLOB",
                   help="only targets matching GLOB or an OS name (repeatable), e.g. 'linux-*' or macos "
                        f"(default: ${TARGETS_ENV}, comma-separated)")
    p.add_argument("-p", "--plugin", action="append", default=[], metavar="NAME",
                   help="only this plugin (repeatable)")
    if flags:
        p.add_argument("--cflag", action="append", default=[], metavar="FLAG",
                       help="extra compile flag, applied last (repeatable; write --cflag=-DX)")
        p.add_argument("--ldflag", action="append", default=[], metavar="FLAG",
                       help="extra link flag, applied last (repeatable; write --ldflag=-lm)")


#: Environment variables for the options CI jobs set most: the default of -t and of -j.
TARGETS_ENV = "PLUGSMITH_TARGETS"
JOBS_ENV = "PLUGSMITH_JOBS"


def selected_targets(args: argparse.Namespace) -> list[str]:
    """``-t`` globs, else those of $PLUGSMITH_TARGETS (comma- or space-separated), else none (all)."""
    given: list[str] = list(getattr(args, "target", None) or [])
    if given:
        return given
    return [g for g in os.environ.get(TARGETS_ENV, "").replace(",", " ").split() if g]


def build_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("-j", "--jobs", type=_positive, default=None, metavar="N",
                   help=f"zig processes at once (default: ${JOBS_ENV}, else the CPU count)")
    p.add_argument("--zig-cache", type=Path, metavar="DIR",
                   help="zig cache folder shared by all builds (default: $PLUGSMITH_ZIG_CACHE, the file's "
                        "zig_cache, or ~/.cache/plugsmith/zig)")
    p.add_argument("-k", "--keep-going", action="store_true",
                   help="after a failure, build everything that does not depend on it")
    p.add_argument("--force", action="store_true", help="rebuild everything, even outputs that are up to date")
    p.add_argument("--no-progress", action="store_true",
                   help="plain progress lines instead of the live display (the default when stderr is not a terminal)")


def cache_options(p: argparse.ArgumentParser) -> None:
    """For every command that reads artifacts (verify, run, diff)."""
    p.add_argument("--no-cache", action="store_true",
                   help="read every artifact afresh instead of reusing inspections of unchanged files "
                        "(cache: $PLUGSMITH_CACHE_DIR, else $XDG_CACHE_HOME/plugsmith/inspect; only files "
                        "slower to read than to hash are kept)")


def inspection_cache(args: argparse.Namespace) -> InspectionCache | None:
    """The cache ``--no-cache`` asks for: None (off) or the default one."""
    if flag(args, "no_cache"):
        return None
    from plugsmith.inspection import InspectionCache

    return InspectionCache.default()


def jobs(args: argparse.Namespace) -> int:
    """``-j N``, else $PLUGSMITH_JOBS (read only by commands that build), else the CPU count."""
    given: int | None = getattr(args, "jobs", None)
    if given is not None:
        return given
    raw = os.environ.get(JOBS_ENV, "").strip()
    if not raw:
        return os.cpu_count() or 2
    try:
        return _positive(raw)
    except argparse.ArgumentTypeError as exc:
        raise ConfigError(f"{JOBS_ENV}={raw!r}: {exc}") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of jobs, got '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1 job, got {value}")
    return value


def report_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print the verdict as JSON on stdout (report schema v1)")
    p.add_argument("--all-symbols", action="store_true", help="show every symbol in the terminal matrix")


def console(args: argparse.Namespace, *, stderr: bool = False) -> Console:
    from rich.console import Console

    no_color = flag(args, "no_color") or bool(os.environ.get("NO_COLOR"))
    force = bool(os.environ.get("FORCE_COLOR")) and not no_color
    stream = sys.stderr if stderr else sys.stdout
    return Console(file=stream, no_color=no_color, force_terminal=True if force else None, highlight=False,
                   width=None if stream.isatty() else 200)


def rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def project_dir(args: argparse.Namespace) -> Path:
    """``-C DIR`` given after the sub-command, or before it (``plugsmith -C DIR run``), or '.'."""
    return getattr(args, "directory", None) or getattr(args, "top_directory", None) or Path(".")


def load_plan(args: argparse.Namespace) -> Plan:
    from plugsmith import matrix, plan

    m = matrix.load(config_path(args))
    return plan.resolve(m, select=selected_targets(args), plugins=getattr(args, "plugin", []),
                        extra_cflags=getattr(args, "cflag", []), extra_ldflags=getattr(args, "ldflag", []))


def in_directory(args: argparse.Namespace, path: Path) -> Path:
    """A relative file argument of a command whose ``-C DIR`` means "run in DIR" (diff, symbols, init)."""
    root = getattr(args, "directory", None) or getattr(args, "top_directory", None)
    if root is None or path.is_absolute():
        return path
    if not Path(root).is_dir():
        raise ConfigError(f"-C {root}: no such folder")
    return Path(root) / path


def project_contracts(args: argparse.Namespace) -> list[Path]:
    """The contract files of the project that ``-c FILE`` / ``-C DIR`` (or the current folder) names."""
    from plugsmith import matrix

    return list(dict.fromkeys(p.contract_path for p in matrix.load(config_path(args)).plugins
                               if p.contract_path is not None))


def config_path(args: argparse.Namespace) -> Path:
    """``-c FILE``, else the build_matrix.yaml of ``-C DIR`` or of the nearest folder above it that has one."""
    from plugsmith import matrix

    if getattr(args, "config", None) is not None:
        return Path(args.config)
    root: Path = project_dir(args)
    if not root.is_dir():
        raise ConfigError(f"-C {root}: no such folder")
    return matrix.find_config(root)


def progress(args: argparse.Namespace, total: int) -> Event:
    """Plain progress lines on stderr (readable in CI logs): one when a job starts working, one when
    it ends; with -v each zig command line, copy-pasteable."""
    started: dict[str, float] = {}
    finished = [0]
    lock = threading.Lock()
    verbose = flag(args, "verbose")

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    def on_event(kind: str, job: Job, message: str) -> None:
        with lock:
            if kind == "start":
                started[job.id] = time.monotonic()
                say(f"[{finished[0]}/{total}] building {job.id} ({job.triple})")
            elif kind == "command" and verbose:
                say(f"  $ {message}")
            elif kind in ("done", "failed"):
                finished[0] += 1
                if kind == "done" and message == "up to date":
                    say(f"[{finished[0]}/{total}] {job.id} up to date")
                    return
                took = time.monotonic() - started.get(job.id, time.monotonic())
                say(f"[{finished[0]}/{total}] {job.id} {'ok' if kind == 'done' else 'FAILED'} ({took:.1f}s)")

    return on_event


@contextlib.contextmanager
def live_progress(args: argparse.Namespace, total: int) -> Iterator[Event]:
    """rich live display on stderr: one line per running job (its current step and time) under
    an overall bar; finished jobs scroll above it as plain lines, -v commands too."""
    from rich.console import Group
    from rich.live import Live
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
    )

    con = console(args, stderr=True)
    overall = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                       TimeElapsedColumn(), console=con)
    running = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=con)
    whole = overall.add_task("jobs", total=total)
    rows: dict[str, TaskID] = {}
    lock = threading.Lock()
    verbose = flag(args, "verbose")

    def on_event(kind: str, job: Job, message: str) -> None:
        with lock:
            if kind == "start":
                rows[job.id] = running.add_task(f"{job.id} [dim]{job.triple}[/]")
            elif kind == "step" and job.id in rows:
                running.update(rows[job.id], description=f"{job.id} [dim]{message}[/]")
            elif kind == "command" and verbose:
                live.console.print(f"  $ {message}", markup=False, highlight=False, soft_wrap=True)
            elif kind in ("done", "failed"):
                overall.advance(whole)
                row = rows.pop(job.id, None)
                took = ""
                if row is not None:
                    elapsed = next((t.elapsed for t in running.tasks if t.id == row), None) or 0.0
                    took = f" ({elapsed:.1f}s)"
                    running.remove_task(row)
                if kind == "failed":
                    live.console.print(f"[red]FAILED[/] {job.id}{took}")
                elif message != "up to date":
                    live.console.print(f"[green]ok[/] {job.id}{took}")

    with Live(Group(running, overall), console=con, transient=True, refresh_per_second=8) as live:
        yield on_event


def use_live(args: argparse.Namespace) -> bool:
    return not flag(args, "no_progress") and sys.stderr.isatty() and os.environ.get("TERM") != "dumb"


def run_build(args: argparse.Namespace, plan: Plan) -> BuildResult:
    """Build with a live display (terminal) or plain lines; then show each failed job's own error."""
    from plugsmith.engine import build

    def message(text: str) -> None:
        print(f"plugsmith: {text}", file=sys.stderr, flush=True)

    total = len(plan.jobs)
    reporter = live_progress(args, total) if use_live(args) else contextlib.nullcontext(progress(args, total))
    with reporter as on_event:
        result = build(plan, jobs=jobs(args), cache=args.zig_cache, on_event=on_event, keep_going=args.keep_going,
                       force=flag(args, "force"), on_message=message)
    stopped = [f.job.id for f in result.failures if f.not_started]
    for failure in result.failures:
        if failure.not_started:
            continue
        print(f"plugsmith: error: {failure.message}", file=sys.stderr)
        if failure.command:
            print(f"  command: {failure.command}", file=sys.stderr)
        if failure.log:
            print("  " + failure.log.replace("\n", "\n  "), file=sys.stderr)
        if failure.log_path is not None and failure.log_path.is_file():
            print(f"  log: {rel(failure.log_path)}", file=sys.stderr)
    if stopped:
        print(f"plugsmith: {len(stopped)} job(s) not built after the failure: {', '.join(stopped)} "
              "(--keep-going builds them)", file=sys.stderr)
    if result.ok and not flag(args, "verbose"):
        fresh = sum(1 for r in result.results if r.up_to_date)
        if fresh == total:
            print(f"plugsmith: {total} of {total} jobs up to date (nothing to do; --force rebuilds)", file=sys.stderr)
    return result


