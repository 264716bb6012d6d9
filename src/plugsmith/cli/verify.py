"""``plugsmith verify``: check artifacts against the contract, each other and the release policy."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from plugsmith.cli.common import console, load_plan, project_dir, project_options, rel, report_options
from plugsmith.errors import EXIT_OK, EXIT_VERIFY_FAILED, ConfigError, InputError, Location, PlugsmithError

NAME = "verify"
HELP = "check artifacts against the contract, each other and the release policy"
DESCRIPTION = """Without ARTIFACTs: verify the project's dist/ against the contracts in build_matrix.yaml.
With ARTIFACTs (files, folders, .zip, wheels, .tar.gz, .tar.xz, .tar.bz2, .tar.zst; built anywhere):
check them against --contract, or, without --contract, against each other (parity only).
The release policy (policy: in build_matrix.yaml over packaged defaults; see docs/verify.md) checks
imports, glibc and macOS ceilings, install names, debug CRT, "map not applied" and that every
expected target is present. Reports: --json (stdout), --junit, --markdown, --html; and the
Markdown summary is appended to $GITHUB_STEP_SUMMARY when it is set."""


def configure(p: argparse.ArgumentParser) -> None:
    project_options(p)
    report_options(p)
    p.add_argument("artifacts", nargs="*", type=Path, metavar="ARTIFACT",
                   help="binaries, folders or archives to check")
    p.add_argument("--contract", type=Path, metavar="FILE", help="the symbols file the ARTIFACTs must export")
    release_options(p)


def release_options(p: argparse.ArgumentParser) -> None:
    """Policy and report-file options, shared with ``plugsmith run``."""
    p.add_argument("--target-map", action="append", default=[], metavar="GLOB=TARGET",
                   help="name the target of artifacts whose path (archive!member) or derived target "
                        "(e.g. linux-x86_64) matches GLOB (repeatable; first match wins)")
    p.add_argument("--expect", action="append", default=[], metavar="TARGET",
                   help="a target that must be present (repeatable; default: policy.targets, else the "
                        "matrix's targets when a build_matrix.yaml is in use)")
    p.add_argument("--no-policy", action="store_true", help="check exports and parity only")
    p.add_argument("--junit", type=Path, metavar="FILE", help="write a JUnit XML report")
    p.add_argument("--markdown", type=Path, metavar="FILE", help="write a Markdown report")
    p.add_argument("--html", type=Path, metavar="FILE", help="write a self-contained HTML report")
    p.add_argument("--sha256sums", type=Path, metavar="FILE", help="write SHA256SUMS of the artifacts")
    p.add_argument("--provenance", type=Path, metavar="FILE", help="write a provenance manifest (JSON)")


@dataclass(frozen=True, slots=True, kw_only=True)
class ArtifactSet:
    """What a verify or checksums run looks at."""

    identified: tuple[Any, ...]  # artifacts.Identified
    files: tuple[tuple[str, Path], ...]  # (display, readable path) of every binary
    problems: tuple[str, ...]
    contract: Any  # Contract | None
    contract_path: Path | None
    matrix: Any  # Matrix | None
    flags: dict[str, dict[str, list[str]]]  # target -> {"cflags": [...], "ldflags": [...]} when built here
    selected: tuple[str, ...] | None = None  # dist mode: the targets -t selected


def _matrix_for(args: argparse.Namespace) -> Any:
    """With ARTIFACTs, the project (its policy: and expected targets) is used only when named with
    -C or -c: artifacts checked from some folder are not judged by whatever config lies there."""
    from plugsmith import matrix

    if getattr(args, "config", None) is not None:
        return matrix.load(args.config)
    if getattr(args, "directory", None) is None and getattr(args, "top_directory", None) is None:
        return None
    candidate = project_dir(args) / matrix.CONFIG_NAME
    return matrix.load(candidate) if candidate.is_file() else None


def gather_set(args: argparse.Namespace, work: Path, plan: Any = None) -> ArtifactSet:
    """The artifacts to judge: ARTIFACTs when given, else the project's dist/ (``plan``, when the
    caller has already loaded it, saves loading the matrix twice)."""
    from plugsmith import artifacts
    from plugsmith.contract import load as load_contract

    target_map = artifacts.parse_target_map(args.target_map)
    contract_path: Path | None = getattr(args, "contract", None)
    if args.artifacts:
        contract = load_contract(contract_path, rel(contract_path)) if contract_path else None
        gathered = artifacts.gather(args.artifacts, work)
        identified, broken = artifacts.identify(gathered.binaries, target_map)
        return ArtifactSet(identified=tuple(identified), files=tuple((f.display, f.path) for f in gathered.binaries),
                           problems=gathered.problems + tuple(broken), contract=contract,
                           contract_path=contract_path, matrix=_matrix_for(args), flags={})
    if contract_path:
        raise ConfigError("--contract needs ARTIFACTs to check; without ARTIFACTs plugsmith verifies dist/ "
                          "against the contracts named in build_matrix.yaml")
    plan = plan if plan is not None else load_plan(args)
    found, absent, flags = [], [], {}
    for job in plan.jobs:
        flags[job.target.name] = {"cflags": [f.value for f in job.cflags], "ldflags": [f.value for f in job.ldflags]}
        if job.artifact.is_file():
            found.append(artifacts.Found(path=job.artifact, display=rel(job.artifact), explicit=True))
        else:
            absent.append(f"{job.id}: artifact {rel(job.artifact)} does not exist (run 'plugsmith build')")
    identified, broken = artifacts.identify(found, target_map)
    by_path = {rel(job.artifact): job for job in plan.jobs}
    named = []
    for item in identified:
        job = by_path[str(item.inspection.path)]
        named.append(replace(item, plugin=job.plugin.name, target=job.target.name))
    contracts = {job.plugin.name: job.plugin.contract for job in plan.jobs}
    return ArtifactSet(identified=tuple(named), files=tuple((f.display, f.path) for f in found),
                       problems=tuple(absent) + tuple(broken), contract=contracts, contract_path=None,
                       matrix=plan.matrix, flags=flags, selected=tuple(t.name for t in plan.targets))


def check_set(args: argparse.Namespace, found: ArtifactSet) -> Any:
    from plugsmith import policy as policy_mod
    from plugsmith.verify import Subject, check

    targets = {t.name: t for t in found.matrix.targets} if found.matrix is not None else {}
    subjects = []
    for item in found.identified:
        contract = found.contract.get(item.plugin) if isinstance(found.contract, dict) else found.contract
        expected = targets.get(item.target)
        subjects.append(Subject(plugin=item.plugin, target=item.target, inspection=item.inspection,
                                contract=contract, expect_os=expected.os if expected else None,
                                expect_arch=expected.arch if expected else None))
    counts: dict[tuple[str, str], int] = {}
    for s in subjects:
        counts[(s.plugin, s.target)] = counts.get((s.plugin, s.target), 0) + 1
    # two artifacts of one plugin for the same platform: tell them apart by file (and slice)
    subjects = [replace(s, target=f"{s.target}:{s.inspection.path}"
                        + (f"#{s.inspection.slice_index}" if s.inspection.slice_index is not None else ""))
                if counts[(s.plugin, s.target)] > 1 else s for s in subjects]
    verdict = check(subjects)
    if found.problems:
        kept = verdict.problems if subjects else ()
        verdict = replace(verdict, problems=kept + found.problems)
    if args.no_policy:
        return verdict
    chosen = policy_mod.from_matrix(found.matrix) if found.matrix is not None else policy_mod.Policy()
    if args.expect:
        chosen = replace(chosen, targets=tuple(args.expect))
    elif found.selected is not None and chosen.targets is not None:  # -t narrows what must be present
        chosen = replace(chosen, targets=tuple(t for t in chosen.targets if t in found.selected))
    return policy_mod.apply(verdict, [s.inspection for s in subjects], chosen)


def execute(args: argparse.Namespace, plan: Any = None) -> int:
    with tempfile.TemporaryDirectory(prefix="plugsmith-verify-") as work:
        found = gather_set(args, Path(work), plan)
        verdict = check_set(args, found)
        write_outputs(args, verdict, found)
    return EXIT_OK if verdict.ok else EXIT_VERIFY_FAILED


def _write(path: Path, text: str) -> None:
    from plugsmith import _fs

    try:
        _fs.write_text(path, text)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", location=Location(str(path))) from None


def write_outputs(args: argparse.Namespace, verdict: Any, found: ArtifactSet) -> None:
    from plugsmith.report import render_terminal, to_json

    contract_name = rel(found.contract_path) if found.contract_path else None
    if args.json:
        sys.stdout.write(to_json(verdict, contract=contract_name))
    else:
        render_terminal(verdict, console(args), show_all=args.all_symbols)
    if args.junit:
        from plugsmith.report.junit import to_junit

        _write(args.junit, to_junit(verdict))
    if args.markdown or os.environ.get("GITHUB_STEP_SUMMARY"):
        from plugsmith.report.markdown import to_markdown

        text = to_markdown(verdict)
        if args.markdown:
            _write(args.markdown, text)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:  # GitHub's file is appended to by every step: append, never replace
            try:
                with open(summary, "a", encoding="utf-8") as handle:
                    handle.write(text)
            except OSError as exc:
                print(f"plugsmith: warning: GITHUB_STEP_SUMMARY={summary}: cannot append: {exc.strerror or exc}",
                      file=sys.stderr)
    if args.html:
        from plugsmith.report.html import to_html

        _write(args.html, to_html(verdict))
    if args.sha256sums or args.provenance:
        write_provenance(args.sha256sums, args.provenance, verdict, found)


def write_provenance(sums: Path | None, manifest_path: Path | None, verdict: Any, found: ArtifactSet) -> None:
    import json

    from plugsmith import provenance

    entries = provenance.entries(found.files)
    if sums:
        _write(sums, provenance.sha256sums(entries))
    if manifest_path:
        from plugsmith.engine import zig

        slices: dict[str, list[dict[str, Any]]] = {}
        for t in verdict.targets:
            slices.setdefault(str(t.artifact), []).append(
                {"plugin": t.plugin, "target": t.target, "arch": t.arch, "format": t.format,
                 "exported": len(t.exported), "ok": t.ok})
        contract_path = found.contract_path
        if contract_path is None and isinstance(found.contract, dict) and found.matrix is not None:
            paths = {p.contract_path for p in found.matrix.plugins}
            contract_path = next(iter(paths)) if len(paths) == 1 else None
        try:
            zig_version = zig.version()
        except (PlugsmithError, OSError):  # zig absent on a release machine: the manifest says so
            zig_version = None
        data = provenance.manifest(entries, artifacts=slices, contract=contract_path, zig_version=zig_version,
                                   flags=found.flags)
        _write(manifest_path, json.dumps(data, indent=2) + "\n")
