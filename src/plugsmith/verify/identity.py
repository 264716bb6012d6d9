"""Which target an artifact was built for, from its own facts: format/OS, machine, libc (ELF:
musl or glibc), the highest ``GLIBC_x.y`` it needs, the macOS minimum it declares.

Without a project the name is derived: ``<os>-<arch>``, plus ``-musl`` for a musl ELF
(``linux-x86_64``, ``linux-x86_64-musl``). With a project's matrix, the rule is:

1. candidates: the matrix targets with the artifact's OS, architecture and libc (a Linux target
   without ``libc`` is glibc); a custom target name is matched by these facts like any other;
2. one candidate: that one. Several (glibc pins, macOS minimums): the artifacts of one plugin are
   given distinct candidates, the artifact needing least taking the lowest pin it satisfies
   (``GLIBC_2.17`` -> ``glibc: "2.28"`` before an unpinned target, which means zig's newest glibc);
3. no candidate: the derived name stays (the policy then reports the expected target missing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from plugsmith.inspection import Inspection
from plugsmith.platforms import OS_ROWS
from plugsmith.policy import version_key

if TYPE_CHECKING:
    from plugsmith.matrix import Target
    from plugsmith.verify.collect import Artifact

__all__ = ["derived_target", "facts_match", "match_targets"]

_UNPINNED = (10**6,)  # an unpinned target accepts any version: it sorts after every pin


def derived_target(ins: Inspection) -> str:
    """``<os>-<arch>``, with ``-musl`` for an ELF linked against musl."""
    return f"{ins.os}-{ins.arch}" + ("-musl" if ins.libc == "musl" else "")


def facts_match(ins: Inspection, target: Target) -> bool:
    """OS, architecture and (Linux) libc agree."""
    if (ins.os, ins.arch) != (target.os, target.arch):
        return False
    libcs = OS_ROWS[ins.os].libcs
    if not libcs:
        return True
    default = libcs[0]  # an artifact whose libc cannot be told is taken for the default one (glibc)
    return (target.libc or default) == (ins.libc if ins.libc in libcs else default)


def _pin(target: Target) -> tuple[int, ...]:
    pin = target.glibc if OS_ROWS[target.os].glibc_pin else target.min_os
    return version_key(pin) if pin else _UNPINNED


def _need(ins: Inspection) -> tuple[int, ...]:
    need = ins.glibc_max if OS_ROWS[ins.os].glibc_pin else ins.min_os
    return version_key(need) if need else (0,)


def match_targets(artifacts: Sequence[Artifact], targets: Sequence[Target]) -> tuple[Artifact, ...]:
    """Each artifact renamed to the matrix target its facts match (see the module docstring);
    ``keep``-marked artifacts (named by ``--target-map``) are left alone by the caller."""
    if not targets:
        return tuple(artifacts)
    out = list(artifacts)
    by_plugin: dict[tuple[str, str, str, str], list[int]] = {}
    for i, a in enumerate(artifacts):
        ins = a.inspection
        by_plugin.setdefault((a.plugin, ins.os, ins.arch, ins.libc or ""), []).append(i)
    for idx in by_plugin.values():
        candidates = sorted((t for t in targets if facts_match(artifacts[idx[0]].inspection, t)), key=_pin)
        if not candidates:
            continue
        taken: set[str] = set()
        for i in sorted(idx, key=lambda j: _need(artifacts[j].inspection)):
            need = _need(artifacts[i].inspection)
            free = [t for t in candidates if t.name not in taken] or candidates
            fits = [t for t in free if _pin(t) >= need] or free[-1:]
            chosen = fits[0]
            taken.add(chosen.name)
            out[i] = replace(artifacts[i], target=chosen.name)
    return tuple(out)
