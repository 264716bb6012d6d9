"""Across artifacts of one plugin: every symbol exported everywhere, else an asymmetry, marked
``contract`` when the contract's platform conditions explain it exactly, ``accident`` otherwise.

Dependencies are never compared. Variants (two builds of one plugin for one target) are each
compared with the other platforms (``grouping.comparisons``), never with each other; an asymmetry
found in several comparisons is reported once, with the artifacts of all of them."""

from __future__ import annotations

from collections.abc import Sequence

from plugsmith.verify.grouping import comparisons
from plugsmith.verify.model import Asymmetry, Subject, TargetResult


def asymmetries(subjects: Sequence[Subject], results: Sequence[TargetResult]) -> tuple[Asymmetry, ...]:
    """``results[i]`` is ``subjects[i]``'s; one pass per plugin, in first-seen order."""
    out: list[Asymmetry] = []
    compared = [(s, r) for s, r in zip(subjects, results, strict=True) if s.role != "dependency"]
    for plugin in dict.fromkeys(s.plugin for s, _ in compared):
        group = [(s, r) for s, r in compared if s.plugin == plugin]
        found: dict[str, Asymmetry] = {}
        for idx in comparisons([(s.target.split(":", 1)[0], s.variant) for s, _ in group]):
            for a in _parity(plugin, [group[i] for i in idx]):
                seen = found.get(a.symbol)
                found[a.symbol] = a if seen is None else Asymmetry(
                    plugin=plugin, symbol=a.symbol,
                    exported_by=tuple(dict.fromkeys(seen.exported_by + a.exported_by)),
                    missing_from=tuple(dict.fromkeys(seen.missing_from + a.missing_from)),
                    cause="contract" if seen.cause == a.cause == "contract" else "accident")
        order = [r.target for _, r in group]
        out += [Asymmetry(plugin=a.plugin, symbol=a.symbol, cause=a.cause,
                          exported_by=tuple(t for t in order if t in a.exported_by),
                          missing_from=tuple(t for t in order if t in a.missing_from))
                for _, a in sorted(found.items())]
    return tuple(out)


def _parity(plugin: str, group: list[tuple[Subject, TargetResult]]) -> list[Asymmetry]:
    if len(group) < 2:
        return []
    targets = [r.target for _, r in group]
    exported = [(r.target, frozenset(r.exported)) for _, r in group]  # sets: 10,000 symbols x 24 targets
    everything = sorted(frozenset().union(*(names for _, names in exported)))
    out = []
    for name in everything:
        have = tuple(target for target, names in exported if name in names)
        if len(have) == len(group):
            continue
        lacking = tuple(t for t in targets if t not in have)
        out.append(Asymmetry(plugin=plugin, symbol=name, exported_by=have, missing_from=lacking,
                             cause=_cause(name, group, have)))
    return out


def _cause(name: str, group: list[tuple[Subject, TargetResult]], have: tuple[str, ...]) -> str:
    """``contract`` when every artifact has a contract whose conditions predict exactly ``have``."""
    for subject, result in group:
        if subject.contract is None:
            return "accident"
        sym = subject.contract.by_name().get(name)
        if sym is None or not sym.conditional:
            return "accident"
        os_name = subject.expect_os or subject.inspection.os
        arch = subject.expect_arch or subject.inspection.arch
        if sym.applies_to(result.target, os_name, arch) != (result.target in have):
            return "accident"
    return "contract"
