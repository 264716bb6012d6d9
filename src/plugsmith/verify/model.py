"""The values the verify stage takes and returns: what is checked (``Subject``) and what was found
(``TargetResult`` per artifact, ``Asymmetry`` per symbol across artifacts, ``Verdict`` for the run)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from plugsmith.inspection import Inspection

if TYPE_CHECKING:  # a contract is loaded by whoever has one: a parity-only run never imports it
    from plugsmith.contract import Contract

__all__ = ["Asymmetry", "Group", "GroupMember", "Mismatch", "PolicyCheck", "Subject", "TargetResult", "Verdict"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Subject:
    """One artifact to check, and what it is expected to be."""

    plugin: str
    target: str
    inspection: Inspection
    contract: Contract | None = None  # the full contract; filtered here per target. None: parity only
    expect_os: str | None = None
    expect_arch: str | None = None
    role: str = "library"  # library, extension, dependency (a dependency is never compared)
    variant: str | None = None  # compared with the other platforms, never with another variant
    #: Who built it (``builder:`` in build_matrix.yaml; ``zig`` for artifacts built anywhere): a
    #: builder's runtime exports it cannot hide (``platforms.GO_RUNTIME_EXPORTS``) are allowed for it only.
    builder: str = "zig"


@dataclass(frozen=True, slots=True, kw_only=True)
class Mismatch:
    symbol: str
    expected: str
    actual: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyCheck:
    """One release-policy check (``plugsmith.policy``) on an artifact or on the whole set."""

    name: str  # "imports", "glibc", "macos-min", "install-name", "debug-crt", "arch", "map-applied", "targets"
    passed: bool
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetResult:
    plugin: str
    target: str
    artifact: Path
    format: str
    arch: str
    exported: tuple[str, ...]
    leaked: tuple[str, ...]
    missing: tuple[str, ...]
    allowed: tuple[str, ...]
    kind_mismatches: tuple[Mismatch, ...]
    version_mismatches: tuple[Mismatch, ...]
    problems: tuple[str, ...]
    checked_against_contract: bool
    policy: tuple[PolicyCheck, ...] = ()  # filled by plugsmith.policy.apply
    ordinal_mismatches: tuple[Mismatch, ...] = ()  # PE: contract ordinal / NONAME vs the DLL
    notes: tuple[str, ...] = ()  # facts, not failures: no versions on this format, removed markers
    nodes: tuple[tuple[str, str | None], ...] = ()  # (symbol, contract node) of each expected symbol
    role: str = "library"  # library, extension, dependency

    @property
    def ok(self) -> bool:
        return not (self.leaked or self.missing or self.kind_mismatches or self.version_mismatches or self.problems
                    or any(not c.passed for c in self.policy) or self.ordinal_mismatches)


@dataclass(frozen=True, slots=True, kw_only=True)
class Asymmetry:
    plugin: str
    symbol: str
    exported_by: tuple[str, ...]
    missing_from: tuple[str, ...]
    cause: str  # "contract" (platform conditions say so) or "accident"


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupMember:
    artifact: str  # the shown path (``release.whl!pkg/libfoo.so``)
    target: str  # as in TargetResult.target (``linux-x86_64:x11`` for a variant)
    variant: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    """One library across platforms: which files were compared with which."""

    name: str
    role: str  # library, extension, dependency
    members: tuple[GroupMember, ...]
    comparisons: tuple[tuple[str, ...], ...] = ()  # target labels checked for parity together
    dependencies: tuple[str, ...] = ()  # names of dependency groups shipped in the same archives


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    targets: tuple[TargetResult, ...]
    asymmetric: tuple[Asymmetry, ...]
    problems: tuple[str, ...] = ()  # whole-run problems (e.g. nothing to verify)
    policy: tuple[PolicyCheck, ...] = ()  # whole-set policy checks (expected targets present)
    skipped_checks: tuple[str, ...] = ()  # policy checks the user chose not to run (``--skip-check``)
    groups: tuple[Group, ...] = ()  # which files were compared with which (verify.judge fills it)

    @property
    def ok(self) -> bool:
        return (all(t.ok for t in self.targets) and not any(a.cause == "accident" for a in self.asymmetric)
                and not self.problems and all(c.passed for c in self.policy))
