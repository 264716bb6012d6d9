"""Glue shared by ``verify``, ``run`` and ``checksums``: command-line options -> the verify stage's
inputs (an ``ArtifactSet`` and an ``Expectation``), and the verdict -> the report files asked for.

Which project applies: ``-c FILE`` names one; otherwise the build_matrix.yaml of ``-C DIR`` (or of
the current folder) is found and used when it exists (``--no-project`` turns that off). A project supplies the
contract of each plugin (by name), the release policy and the expected targets. ``--contract``
holds every artifact to one contract instead; ``--policy FILE`` replaces the project's policy.
"""

from __future__ import annotations

import argparse
import fnmatch
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from plugsmith._fs import display_path
from plugsmith.cli.common import (
    cache_options,
    console,
    flag,
    inspection_cache,
    load_plan,
    project_dir,
    selected_targets,
)
from plugsmith.errors import ConfigError, InputError

if TYPE_CHECKING:
    from plugsmith.engine.engine import BuildResult
    from plugsmith.matrix import Matrix
    from plugsmith.plan import Plan
    from plugsmith.policy import Policy
    from plugsmith.verify import ArtifactSet, Expectation, Verdict


def release_options(p: argparse.ArgumentParser) -> None:
    """Policy and report-file options, shared by ``verify`` and ``run``."""
    from plugsmith.policy import CHECK_NAMES

    p.add_argument("--target-map", action="append", default=[], metavar="GLOB=TARGET",
                   help="name the target of artifacts whose path (archive!member) or derived target "
                        "(e.g. linux-x86_64) matches GLOB (repeatable; first match wins)")
    p.add_argument("--group", action="append", default=[], metavar="NAME=GLOB",
                   help="put artifacts whose shown path (archive!member) matches GLOB in group NAME, compared "
                        "across platforms whatever their file names (repeatable; first match wins)")
    p.add_argument("--expect", action="append", default=[], metavar="TARGET",
                   help="a target that must be present (repeatable; default: policy.targets, else the "
                        "project's targets when a project applies)")
    p.add_argument("--policy", type=Path, metavar="FILE",
                   help="the release policy (the schema of build_matrix.yaml's policy: section); "
                        "replaces the project's")
    p.add_argument("--skip-check", action="append", default=[], metavar="NAME", choices=CHECK_NAMES,
                   help=f"do not run this policy check (repeatable; named in the report): {', '.join(CHECK_NAMES)}")
    p.add_argument("--no-policy", action="store_true", help="check exports and parity only")
    p.add_argument("--junit", type=Path, metavar="FILE", help="write a JUnit XML report")
    p.add_argument("--markdown", type=Path, metavar="FILE", help="write a Markdown report")
    p.add_argument("--html", type=Path, metavar="FILE", help="write a self-contained HTML report")
    p.add_argument("--sha256sums", type=Path, metavar="FILE", help="write SHA256SUMS of the artifacts")
    p.add_argument("--provenance", type=Path, metavar="FILE",
                   help="write the provenance (in-toto Statement v1 with a SLSA provenance v1 predicate)")
    p.add_argument("--cross-check", action=argparse.BooleanOptionalAction, default=None,
                   help="read every binary a second time with lief and fail (exit 1) on any field where lief and "
                        "plugsmith's own reader disagree (default: on for 'run', which checks what it built; "
                        "off for 'verify')")
    cache_options(p)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReleaseInputs:
    found: ArtifactSet
    expectation: Expectation
    contract: Path | None  # the one contract file every artifact is held to, when there is one


def project_for(args: argparse.Namespace) -> Matrix | None:
    """The project that applies to explicit ARTIFACTs (see the module docstring)."""
    config = getattr(args, "config", None)
    if config is None and flag(args, "no_project"):
        return None  # before importing matrix (and PyYAML): a release checked on its own needs neither
    from plugsmith import matrix

    if config is not None:
        return matrix.load(config)
    if not project_dir(args).is_dir():
        raise ConfigError(f"-C {project_dir(args)}: no such folder")
    try:
        candidate = matrix.find_config(project_dir(args))  # here or in a parent folder, as git finds .git
    except ConfigError:
        return None
    return matrix.load(candidate)


def gather(args: argparse.Namespace, work: Path, plan: Plan | None = None,
           result: BuildResult | None = None) -> ReleaseInputs:
    """ARTIFACTs when given, else the project's build (``plan``/``result`` when the caller just built)."""
    from plugsmith import verify

    contract_path: Path | None = getattr(args, "contract", None)
    artifacts: list[Path] = getattr(args, "artifacts", [])

    target_map = parse_target_map(getattr(args, "target_map", []))
    groups = parse_pairs(getattr(args, "group", []) or [], "--group", "NAME=GLOB", "glfw=*glfw*")
    if artifacts:
        project = project_for(args)
        found = verify.from_paths(artifacts, work, target_map=target_map, cache=inspection_cache(args),
                                  groups=groups, targets=project.targets if project is not None else ())
        if selected_targets(args):
            found = _select(found, selected_targets(args))
        contract = None
        if contract_path:
            from plugsmith.contract import load as load_contract  # parity-only runs never need it

            contract = load_contract(contract_path, display_path(contract_path))
    else:
        if contract_path:
            raise ConfigError("--contract needs ARTIFACTs to check; without ARTIFACTs plugsmith verifies dist/ "
                              "against the contracts named in build_matrix.yaml")
        plan = plan if plan is not None else load_plan(args)
        project, contract = plan.matrix, None
        found = verify.from_build(plan, result, cache=inspection_cache(args))
    chosen: bool | None = getattr(args, "cross_check", None)
    just_built = plan is not None and result is not None  # run: what it built is read by both readers
    if chosen or (chosen is None and just_built):
        found = verify.cross_checked(found)
    expectation = verify.Expectation(
        contract=contract,
        contracts={p.name: p.contract for p in project.plugins} if project is not None else {},
        targets=project.targets if project is not None else (),
        policy=_policy(args, project),
        builders={p.name: p.builder for p in project.plugins} if project is not None else {})
    single = contract_path
    if single is None and project is not None and contract is None:
        paths = {p.contract_path for p in project.plugins}
        single = next(iter(paths)) if len(paths) == 1 else None
    return ReleaseInputs(found=found, expectation=expectation, contract=single)


def _policy(args: argparse.Namespace, project: Matrix | None) -> Policy | None:
    from plugsmith import policy as policy_mod

    if flag(args, "no_policy"):
        return None
    chosen_file: Path | None = getattr(args, "policy", None)
    if chosen_file is not None:
        chosen = policy_mod.load(chosen_file)
        if project is not None:
            chosen = policy_mod.for_targets(chosen, [(t.name, t.glibc, t.min_os) for t in project.targets])
    else:
        chosen = project.policy if project is not None else policy_mod.Policy()
    if getattr(args, "expect", None):
        chosen = replace(chosen, targets=tuple(args.expect))
    skip = frozenset(getattr(args, "skip_check", []) or ())
    return replace(chosen, skip=skip) if skip else chosen


def _select(found: ArtifactSet, globs: list[str]) -> ArtifactSet:
    """``-t GLOB`` with explicit ARTIFACTs: keep the artifacts of matching targets (a glob or an OS name)."""
    def wanted(target: str) -> bool:
        return any(fnmatch.fnmatchcase(target, g) or target.split("-", 1)[0] == g for g in globs)

    kept = tuple(a for a in found.artifacts if wanted(a.target))
    return replace(found, artifacts=kept, selected_targets=tuple(dict.fromkeys(a.target for a in kept)))


def parse_pairs(items: list[str], option: str, shape: str, example: str) -> tuple[tuple[str, str], ...]:
    """``A=B`` option values (``--target-map GLOB=TARGET``, ``--group NAME=GLOB``) -> stripped pairs."""
    out = []
    for item in items:
        left, sep, right = item.partition("=")
        if not sep or not left.strip() or not right.strip():
            raise InputError(f"{option} {item!r}: expected {shape}, e.g. '{example}'")
        out.append((left.strip(), right.strip()))
    return tuple(out)


def parse_target_map(items: list[str]) -> tuple[tuple[str, str], ...]:
    """``GLOB=TARGET`` strings -> pairs; the glob matches the artifact's display name or derived target."""
    return parse_pairs(items, "--target-map", "GLOB=TARGET", "*/linux-x86_64/*=linux-x86_64")


def provenance_findings(path: Path | None, found: ArtifactSet) -> tuple[str, ...]:
    """``verify --provenance-check FILE``: findings when the artifacts are not the statement's
    subjects, or come from builds with different toolchains, flags or contracts. ``path`` None
    (``--same-build``): the build records beside the artifacts are the statement."""
    from plugsmith import provenance
    from plugsmith.report.files import build_records, shipped_entries

    entries = shipped_entries(found)
    if path is None:
        data = provenance.statement(entries, slices={}, records=build_records(found))
        return tuple(provenance.consistency(data, entries, "this release"))
    data = provenance.load_statement(path)
    return tuple(provenance.consistency(data, entries, display_path(path)))


def report(args: argparse.Namespace, verdict: Verdict, inputs: ReleaseInputs) -> None:
    from plugsmith.report import files

    contract_name = display_path(inputs.contract) if inputs.contract else None
    files.show(verdict, None if args.json else console(args), show_all=args.all_symbols, contract=contract_name)
    files.write_files(verdict, inputs.found, files.ReportFiles(
        junit=args.junit, markdown=args.markdown, html=args.html, sha256sums=args.sha256sums,
        provenance=args.provenance, step_summary=files.step_summary()), contract=inputs.contract)
