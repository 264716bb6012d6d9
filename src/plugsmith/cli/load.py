"""``plugsmith load``: load each artifact with its platform's own loader and resolve every contract symbol."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from plugsmith.cli._release import parse_target_map
from plugsmith.cli.common import flag, load_plan, project_options, rel
from plugsmith.errors import EXIT_OK, EXIT_VERIFY_FAILED, ConfigError

if TYPE_CHECKING:
    from plugsmith.inspection import Inspection
    from plugsmith.plan import Plan
    from plugsmith.runtime import Loader, LoadResult, LoadTarget

NAME = "load"
HELP = "load each artifact at runtime (native, qemu-user, wine) and resolve every contract symbol"
DESCRIPTION = """Where 'verify' reads export tables, 'load' asks the loader: a tiny host program (built
with zig once per target) dlopen()s / LoadLibrary()s each artifact and looks up every contract
symbol, functions and data. Linux x86_64 runs natively, other Linux arches under qemu-user
(packages qemu-user and libc6-<arch>-cross), Windows x86_64 under wine64. macOS and Windows on
Arm cannot run on Linux, nor can Go DLLs under wine 8 (the Go runtime needs bcryptprimitives.dll):
they are reported as "not run" with the reason, never as passed.

Without ARTIFACTs: the project's dist/ against the contracts in build_matrix.yaml.
With --contract FILE ARTIFACT...: artifacts built anywhere (files, folders, archives).
Exit 0 when every target that ran passed, 1 when any failed (with --require-all, also when
any could not run)."""

JSON_VERSION = 1


def configure(p: argparse.ArgumentParser) -> None:
    project_options(p, flags=False)
    p.add_argument("artifacts", nargs="*", type=Path, metavar="ARTIFACT",
                   help="binaries, folders or archives to load (needs --contract)")
    p.add_argument("--contract", type=Path, metavar="FILE", help="the symbols file the ARTIFACTs must resolve")
    p.add_argument("--target-map", action="append", default=[], metavar="GLOB=TARGET",
                   help="as for 'plugsmith verify': name the target of matching artifacts")
    p.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    p.add_argument("--require-all", action="store_true",
                   help="a target that cannot run here counts as a failure (exit 1)")
    p.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                   help="time one load may take (default: 60)")
    p.add_argument("--work", type=Path, metavar="DIR",
                   help="where host programs and the wine prefix live (default: the project's build/load, "
                        "or ~/.cache/plugsmith/load with ARTIFACTs; $WINEPREFIX wins for wine)")


def _cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "plugsmith" / "load"


def execute(args: argparse.Namespace) -> int:
    from plugsmith.runtime import Loader

    if args.artifacts and args.contract is None:
        raise ConfigError("ARTIFACTs need --contract FILE: the symbols file they must resolve")
    if args.contract is not None and not args.artifacts:
        raise ConfigError("--contract needs ARTIFACTs to load; without ARTIFACTs plugsmith loads dist/ "
                          "against the contracts named in build_matrix.yaml")
    if args.timeout <= 0:
        raise ConfigError(f"--timeout: expected a positive number of seconds, got {args.timeout}")
    if args.artifacts:
        with tempfile.TemporaryDirectory(prefix="plugsmith-load-") as unpacked:
            loader = Loader(args.work or _cache_home(), timeout=args.timeout)
            results = _from_artifacts(args, loader, Path(unpacked))
    else:
        plan = load_plan(args)
        loader = Loader(args.work or plan.matrix.build_dir / "load", zig_cache=plan.matrix.zig_cache,
                        timeout=args.timeout)
        results = _from_plan(plan, loader)
    return _report(args, results)


def _target_of(ins: Inspection, name: str) -> LoadTarget:
    from plugsmith.runtime import LoadTarget

    musl = any(i == "libc.so" or i.startswith("ld-musl") for i in ins.imports)
    return LoadTarget(name=name, os=ins.os, arch=ins.arch, libc="musl" if musl else None)


def _from_plan(plan: Plan, loader: Loader) -> list[LoadResult]:
    from plugsmith.errors import InputError
    from plugsmith.inspection import inspect_file
    from plugsmith.python_ext.load import import_module
    from plugsmith.runtime import LoadResult, LoadTarget

    results = []
    for job in plan.jobs:
        target = LoadTarget(name=job.target.name, os=job.target.os, arch=job.target.arch, libc=job.target.libc)
        shown = rel(job.artifact)
        if job.plugin.is_extension and job.plugin.abi3 is not None:  # dlopen alone cannot bind PyExc_* data
            results.append(import_module(job.artifact, name=job.plugin.name, abi3=job.plugin.abi3, target=target.name,
                                         os=target.os, arch=target.arch, display=shown, timeout=loader.timeout))
            continue
        if not job.artifact.is_file():
            decision = loader.choose(target, builder=job.plugin.builder)
            reason = getattr(decision, "reason", None)
            if reason is not None:  # cannot run here anyway: say why, not "missing file"
                results.append(LoadResult(target=target.name, artifact=shown, plugin=job.plugin.name,
                                          status="not-run", reason=reason, runner="none"))
            else:
                results.append(LoadResult(target=target.name, artifact=shown, plugin=job.plugin.name,
                                          status="failed", reason=f"{shown} does not exist (run 'plugsmith build')"))
            continue
        try:
            inspection = inspect_file(job.artifact)[0]
        except InputError:
            inspection = None  # the loader's own verdict on a broken file is what this command reports
        results.append(loader.load(job.artifact, inspection, job.contract, target, display=shown,
                                   plugin=job.plugin.name, builder=job.plugin.builder))
    return results


def _from_artifacts(args: argparse.Namespace, loader: Loader, unpacked: Path) -> list[LoadResult]:
    from plugsmith.contract import load as load_contract
    from plugsmith.runtime import LoadResult, builder_marked
    from plugsmith.verify import collect as artifacts

    contract = load_contract(args.contract, rel(args.contract))
    target_map = parse_target_map(args.target_map)
    gathered = artifacts.gather(args.artifacts, unpacked)
    results: list[LoadResult] = []
    for found in gathered.binaries:
        # not explicit: a file that does not parse is a failed result, not the end of the run
        identified, broken = artifacts.identify([replace(found, explicit=False)], target_map)
        for message in broken:
            results.append(LoadResult(target="?", artifact=found.display, status="failed",
                                      plugin=artifacts.plugin_name(found.display.rsplit("!", 1)[-1]),
                                      reason=f"cannot tell its target: {message.split(': ', 1)[-1]}"))
        for item in identified:
            ins = item.inspection
            target = _target_of(ins, item.target)
            if ins.slice_index is not None:
                target = replace(target, name=f"{item.target}#{ins.slice_index}")
            filtered = contract.for_target(item.target, ins.os, ins.arch)
            results.append(loader.load(found.path, ins, filtered, target, display=found.display,
                                       plugin=item.plugin, builder=builder_marked(found.path)))
    for problem in gathered.problems:
        results.append(LoadResult(target="?", artifact=problem.split(": ", 1)[0], status="failed",
                                  reason=problem.split(": ", 1)[-1]))
    return results


def _counts(results: list[LoadResult]) -> dict[str, int]:
    counts = {"passed": 0, "failed": 0, "not-run": 0}
    for r in results:
        counts[r.status] += 1
    return counts


def _report(args: argparse.Namespace, results: list[LoadResult]) -> int:
    counts = _counts(results)
    failed = counts["failed"] > 0 or (args.require_all and counts["not-run"] > 0)
    if args.json:
        doc = {"version": JSON_VERSION, "ok": not failed, "require_all": bool(args.require_all), "counts": counts,
               "results": [r.to_json() for r in results]}
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return EXIT_VERIFY_FAILED if failed else EXIT_OK
    plugins = {r.plugin for r in results}
    for r in results:
        label = f"{r.target} {r.plugin}" if len(plugins) > 1 else r.target
        total = len(r.resolved) + len(r.unresolved)
        if r.status == "passed":
            print(f"{label}: passed: {len(r.resolved)}/{total} symbols resolved ({r.runner}) {r.artifact}")
        elif r.status == "not-run":
            print(f"{label}: not run: {r.reason}")
        else:
            via = f" ({r.runner})" if r.runner and r.runner != "none" else ""
            print(f"{label}: failed: {r.artifact}{via}: {r.reason}")
            for name in r.unresolved if r.reason.startswith("missing") else ():
                print(f"  missing {name}")
            if r.output and r.reason.startswith(("the host program died", "timed out")):
                print("  " + r.output.replace("\n", "\n  "))
        if flag(args, "verbose") and r.command:
            print(f"  $ {shlex.join(r.command)}")
    summary = f"{counts['passed']} passed, {counts['failed']} failed, {counts['not-run']} not run"
    if counts["not-run"] and not args.require_all:
        summary += " (not run is not passed: --require-all makes it a failure)"
    print(f"load: {summary}")
    return EXIT_VERIFY_FAILED if failed else EXIT_OK
