"""Stage 6: verify. Prove artifacts export exactly their contract, agree with each other, and
follow the release policy.

Two steps, each a pure function of frozen values:

- ``collect``: ``from_paths(paths)`` (files, folders, archives, wheels built anywhere) or
  ``from_build(plan, result)`` (this project's build) -> ``ArtifactSet``;
- ``judge(artifact_set, expectation) -> Verdict``: exported == contract per artifact
  (:mod:`.exports`), the same set across artifacts of one plugin (:mod:`.parity`), then the
  release policy (:mod:`.checks`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from plugsmith.policy import Policy
from plugsmith.verify.collect import Artifact, ArtifactSet, ShippedFile, cross_checked, from_build, from_paths
from plugsmith.verify.exports import check_artifact
from plugsmith.verify.grouping import comparisons, path_tokens
from plugsmith.verify.model import (
    Asymmetry,
    Group,
    GroupMember,
    Mismatch,
    PolicyCheck,
    Subject,
    TargetResult,
    Verdict,
)
from plugsmith.verify.parity import asymmetries

if TYPE_CHECKING:
    from plugsmith.contract import Contract  # loaded by whoever has one (cli._release, matrix)
    from plugsmith.matrix import Matrix, Target

__all__ = [
    "Artifact",
    "ArtifactSet",
    "Asymmetry",
    "Expectation",
    "Group",
    "GroupMember",
    "Mismatch",
    "PolicyCheck",
    "ShippedFile",
    "Subject",
    "TargetResult",
    "Verdict",
    "check",
    "cross_checked",
    "expectation_for",
    "from_build",
    "from_paths",
    "judge",
    "verify_paths",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Expectation:
    """What the artifacts must be: the contract (one for every artifact, or one per plugin name),
    the targets they are built for (known by name, so an artifact named for a matrix target is
    held to its OS and architecture), and the release policy (None: exports and parity only)."""

    contract: Contract | None = None
    contracts: Mapping[str, Contract] = field(default_factory=dict)
    targets: tuple[Target, ...] = ()
    policy: Policy | None = field(default_factory=Policy)
    #: Who builds each plugin (``builder:``); a plugin not listed was built by zig or elsewhere.
    builders: Mapping[str, str] = field(default_factory=dict)

    def contract_for(self, plugin: str) -> Contract | None:
        return self.contract if self.contract is not None else self.contracts.get(plugin)


def expectation_for(matrix: Matrix) -> Expectation:
    """What a project expects of its artifacts: each plugin's contract, its targets, its policy."""
    return Expectation(contracts={p.name: p.contract for p in matrix.plugins}, targets=matrix.targets,
                       policy=matrix.policy, builders={p.name: p.builder for p in matrix.plugins})


def verify_paths(paths: Sequence[Path], *, contract: Contract | None = None, matrix: Matrix | None = None,
                 policy: Policy | None = None) -> Verdict:
    """The library form of ``plugsmith verify PATHS``: files, folders, archives and wheels built
    anywhere, judged against ``contract`` (or ``matrix``'s contracts, targets and policy) and
    ``policy`` (default: the matrix's, else the packaged defaults). Archives are read in a private
    temporary folder, removed before this returns."""
    expectation = expectation_for(matrix) if matrix is not None else Expectation()
    expectation = replace(expectation, contract=contract)
    if policy is not None:
        expectation = replace(expectation, policy=policy)
    with tempfile.TemporaryDirectory(prefix="plugsmith-verify-") as work:
        return judge(from_paths(paths, Path(work)), expectation)


def check(subjects: Sequence[Subject]) -> Verdict:
    """Exports and parity (no policy) for subjects already paired with their contracts."""
    results = tuple(replace(check_artifact(s), role=s.role) for s in subjects)
    problems = () if subjects else ("nothing to verify: no artifacts were given or found",)
    return Verdict(targets=results, asymmetric=asymmetries(subjects, results), problems=problems)


def judge(found: ArtifactSet, expectation: Expectation) -> Verdict:
    """The verdict on ``found``: contract, parity, then policy (when the expectation has one)."""
    targets = {t.name: t for t in expectation.targets}
    subjects = [_subject(a, None if a.role == "dependency" else expectation.contract_for(a.plugin),
                         targets.get(a.target), expectation.builders.get(a.plugin, "zig")) for a in found.artifacts]
    subjects = _distinct(subjects)
    verdict = replace(check(subjects), groups=groups_of(found.artifacts, subjects))
    if found.problems:
        kept = verdict.problems if subjects else ()
        verdict = replace(verdict, problems=kept + found.problems)
    policy = expectation.policy
    if policy is None:
        return verdict
    if found.selected_targets is not None and policy.targets is not None:  # -t narrows what must be present
        policy = replace(policy, targets=tuple(t for t in policy.targets if t in found.selected_targets))
    own_build = bool(expectation.targets)  # a project applies: its artifacts are linked the way plugsmith links
    from plugsmith.verify.checks import apply as apply_policy  # with its ecosystem tables: only when asked

    return apply_policy(verdict, list(found.artifacts), policy, own_build=own_build)


def _subject(artifact: Artifact, contract: Contract | None, target: Target | None, builder: str) -> Subject:
    return Subject(plugin=artifact.plugin, target=artifact.target, inspection=artifact.inspection,
                   contract=contract, expect_os=target.os if target else None,
                   expect_arch=target.arch if target else None, role=artifact.role, variant=artifact.variant,
                   builder=builder)


def groups_of(artifacts: Sequence[Artifact], subjects: Sequence[Subject]) -> tuple[Group, ...]:
    """``subjects[i]`` is ``artifacts[i]``'s (its target label): each group with its members, the
    comparisons made, and the dependencies shipped in the same archives (or, outside archives, beside
    them)."""
    by_name: dict[str, list[int]] = {}
    for i, a in enumerate(artifacts):
        by_name.setdefault(a.plugin, []).append(i)
    deps: dict[str | None, list[str]] = {}
    for name, idx in by_name.items():
        if artifacts[idx[0]].role == "dependency":
            for i in idx:
                deps.setdefault(artifacts[i].container, []).append(name)
    out = []
    for name, idx in by_name.items():
        role = artifacts[idx[0]].role
        members = tuple(GroupMember(artifact=str(artifacts[i].inspection.path), target=subjects[i].target,
                                    variant=artifacts[i].variant) for i in idx)
        compared: tuple[tuple[str, ...], ...] = ()
        shipped: tuple[str, ...] = ()
        if role != "dependency":
            compared = tuple(tuple(members[j].target for j in c)
                             for c in comparisons([(artifacts[i].target, artifacts[i].variant) for i in idx])
                             if len(c) > 1)
            shipped = tuple(dict.fromkeys(d for i in idx for d in deps.get(artifacts[i].container, ())))
        out.append(Group(name=name, role=role, members=members, comparisons=compared, dependencies=shipped))
    return tuple(out)


def _distinct(subjects: list[Subject]) -> list[Subject]:
    """A variant is shown as ``<target>:<variant>``; two artifacts of one plugin for the same target
    that still look alike are told apart by the shortest path part only one of them has (else the
    path), and by slice."""
    subjects = [replace(s, target=f"{s.target}:{s.variant}") if s.variant else s for s in subjects]
    clashes: dict[tuple[str, str], list[int]] = {}
    for i, s in enumerate(subjects):
        clashes.setdefault((s.plugin, s.target), []).append(i)
    out = list(subjects)
    for idx in clashes.values():
        if len(idx) < 2:
            continue
        tokens = {i: path_tokens(str(subjects[i].inspection.path)) for i in idx}
        for i in idx:
            others = set().union(*(tokens[j] for j in idx if j != i))
            unique = [t for t in tokens[i] if t not in others]
            s = subjects[i]
            label = min(unique, key=len) if unique else str(s.inspection.path)
            slice_part = f"#{s.inspection.slice_index}" if s.inspection.slice_index is not None else ""
            out[i] = replace(s, target=f"{s.target}:{label}{slice_part}")
    return out
