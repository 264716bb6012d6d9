"""Which artifacts are one library: the same plugin built for several platforms (and, beside them,
variant builds and vendored dependencies).

Real releases name one library differently per platform (``libglfw.so`` / ``libglfw.3.dylib`` /
``glfw3.dll``). The decision, in order (docs/verify.md "How artifacts are grouped"):

1. ``--group NAME=GLOB`` (first match on the display path ``archive!member``) decides outright;
2. files the user named together, one per target, are one group;
3. otherwise names decide: a Python extension module by its module name and package folder, a
   library or dependency by ``naming.NAME_RULES``; then ``naming.MERGE_RULES`` join names that fill
   each other's missing platforms (guarded by the facts: they must share exports);
4. two members of one group for the same target are variants, labelled by the shortest path or
   name part that tells them apart (``x11`` / ``wayland``); each variant is compared with the other
   platforms, never with another variant (``comparisons``).

Vendored dependencies (``naming.VENDORED``) are grouped the same way but never mixed with plugins,
never compared, and listed under the plugins shipped beside them.
"""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from plugsmith.errors import InputError
from plugsmith.verify.naming import extension_name, library_name

if TYPE_CHECKING:
    from plugsmith.verify.collect import Artifact

__all__ = ["GroupKey", "comparisons", "group", "path_tokens"]

_MAJOR = re.compile(r"^(?P<base>.*[^\d.])(?P<major>\d+)$")
_SUFFIX = re.compile(r"^(?P<base>.+)[-_](?P<word>[a-z][a-z0-9]+)$")
_TOKEN = re.compile(r"[._-]+")
MIN_SHARED = 0.5  # a merge needs this share of the smaller export set in common


@dataclass(frozen=True, slots=True, order=True)
class GroupKey:
    kind: str  # "plugin" or "dependency": never mixed
    scope: str  # the package folder of a Python extension module inside its archive, else ""
    name: str


def group(artifacts: Sequence[Artifact], *, explicit: frozenset[str] = frozenset(),
          overrides: Sequence[tuple[str, str]] = ()) -> tuple[Artifact, ...]:
    """``artifacts`` with ``plugin`` set to their group's name and ``variant`` to their label.
    ``explicit``: display paths the user named one by one."""
    keys = _unscoped([_key(a) for a in artifacts])
    forced = _overrides(artifacts, overrides)
    _explicit_rule(artifacts, keys, explicit, forced)
    suffixed = _merge(artifacts, keys, forced)
    for i, name in forced.items():
        keys[i] = GroupKey(kind="plugin", scope="", name=name)
    labels = _labels(artifacts, keys, suffixed)
    names = _names(keys, artifacts)
    return tuple(replace(a, plugin=names[k], variant=label,
                         role="library" if i in forced and a.role == "dependency" else a.role)
                 for i, (a, k, label) in enumerate(zip(artifacts, keys, labels, strict=True)))


def comparisons(members: Sequence[tuple[str, str | None]]) -> list[list[int]]:
    """Indexes of ``(target, variant)`` members compared with each other: everything at once, or,
    when some target has variants, one comparison per variant label (its members plus every target
    that has a single member). Two variants are never in one comparison."""
    per_target = Counter(target for target, _ in members)
    labels = list(dict.fromkeys(v for t, v in members if per_target[t] > 1))
    if not labels:
        return [list(range(len(members)))] if members else []
    return [[i for i, (t, v) in enumerate(members) if per_target[t] == 1 or v == label] for label in labels]


# --------------------------------------------------------------------------- keys


def member_path(artifact: Artifact) -> str:
    return str(artifact.inspection.path).rsplit("!", 1)[-1].replace("\\", "/")


def _key(artifact: Artifact) -> GroupKey:
    path = PurePosixPath(member_path(artifact))
    if artifact.role == "dependency":
        return GroupKey(kind="dependency", scope="", name=library_name(path.name))
    if artifact.role == "extension":
        scope = str(path.parent) if artifact.container is not None and str(path.parent) != "." else ""
        return GroupKey(kind="plugin", scope=scope, name=extension_name(path.name))
    return GroupKey(kind="plugin", scope="", name=library_name(path.name))


def _unscoped(keys: list[GroupKey]) -> list[GroupKey]:
    """A package folder only tells apart modules that share a name (``pkga/_speedups``,
    ``pkgb/_speedups``); alone, a module joins a library of its name (``greet.cpython-311-*.so``
    beside ``libgreet.dylib``)."""
    scopes: dict[tuple[str, str], set[str]] = {}
    for k in keys:
        scopes.setdefault((k.kind, k.name), set()).add(k.scope)
    return [replace(k, scope="") if len(scopes[(k.kind, k.name)] - {""}) <= 1 else k for k in keys]


def _overrides(artifacts: Sequence[Artifact], overrides: Sequence[tuple[str, str]]) -> dict[int, str]:
    forced: dict[int, str] = {}
    for name, glob in overrides:
        hits = [i for i, a in enumerate(artifacts)
                if i not in forced and fnmatch.fnmatchcase(str(a.inspection.path), glob)]
        if not hits and not any(fnmatch.fnmatchcase(str(a.inspection.path), glob) for a in artifacts):
            raise InputError(f"--group {name}={glob}: matches no artifact (globs match the shown path, "
                             "e.g. 'release.whl!pkg/libfoo.so')")
        forced.update((i, name) for i in hits)
    return forced


def _explicit_rule(artifacts: Sequence[Artifact], keys: list[GroupKey], explicit: frozenset[str],
                   forced: dict[int, str]) -> None:
    """Files named one by one, one per target, are one library whatever their names."""
    named = [i for i, a in enumerate(artifacts)
             if str(a.inspection.path) in explicit and a.role != "dependency" and i not in forced]
    if len({str(artifacts[i].inspection.path) for i in named}) < 2:
        return
    targets = [artifacts[i].target for i in named]
    if len(set(targets)) != len(targets):
        return
    common = Counter(keys[i] for i in named).most_common(1)[0][0]
    for i in named:
        keys[i] = common


def _exports(artifacts: Sequence[Artifact], members: list[int]) -> frozenset[str]:
    return frozenset().union(*(artifacts[i].inspection.export_names for i in members))


def _share(artifacts: Sequence[Artifact], a: list[int], b: list[int]) -> bool:
    left, right = _exports(artifacts, a), _exports(artifacts, b)
    smaller = min(len(left), len(right))
    return smaller > 0 and len(left & right) >= MIN_SHARED * smaller


def _merge(artifacts: Sequence[Artifact], keys: list[GroupKey], forced: dict[int, str]) -> dict[int, str]:
    """``naming.MERGE_RULES``: join names that complete each other (in place on ``keys``); returns
    the variant label of each file joined by its suffix."""
    def members() -> dict[GroupKey, list[int]]:
        out: dict[GroupKey, list[int]] = {}
        for i, k in enumerate(keys):
            if i not in forced:
                out.setdefault(k, []).append(i)
        return out

    def oses(idx: list[int]) -> set[str]:
        return {artifacts[i].inspection.os for i in idx}

    groups = members()
    for key in sorted(groups):
        idx = groups[key]
        base: GroupKey | None = None
        major = _MAJOR.match(key.name)
        if major:  # major-in-name: glfw3.dll joins libglfw.so / libglfw.3.dylib
            base = replace(key, name=major.group("base"))
        elif key.name.startswith("_lib"):  # underscore-lib: _libfoo.so joins _foo.dll
            base = replace(key, name="_" + key.name[len("_lib"):])
        if base is not None and base in groups and not oses(idx) & oses(groups[base]) \
                and _share(artifacts, idx, groups[base]):
            for i in idx:
                keys[i] = base
            groups = members()
    labels: dict[int, str] = {}
    groups = members()
    for key in sorted(groups):  # variant-suffix: libportaudio64bit-asio.dll beside libportaudio64bit.dll
        suffix = _SUFFIX.match(key.name)
        if not suffix or key.kind == "dependency":
            continue
        base = replace(key, name=library_name(suffix.group("base")))
        if base == key or base not in groups:
            continue
        beside = {(artifacts[i].target, _folder(artifacts[i])) for i in groups[base]}
        idx = groups[key]
        if all((artifacts[i].target, _folder(artifacts[i])) in beside for i in idx) \
                and _share(artifacts, idx, groups[base]):
            for i in idx:
                keys[i] = base
                labels[i] = suffix.group("word")
    return labels


def _folder(artifact: Artifact) -> str:
    return str(PurePosixPath(str(artifact.inspection.path).replace("\\", "/")).parent)


# --------------------------------------------------------------------------- variants and names


def _labels(artifacts: Sequence[Artifact], keys: list[GroupKey], suffixed: dict[int, str]) -> list[str | None]:
    """A label for each member that shares its group and target with another: the suffix that
    joined it, else the shortest path or name part only it has (``x11``), else its archive's."""
    labels: list[str | None] = [suffixed.get(i, artifacts[i].variant) for i in range(len(artifacts))]
    clash: dict[tuple[GroupKey, str], list[int]] = {}
    for i, (a, k) in enumerate(zip(artifacts, keys, strict=True)):
        clash.setdefault((k, a.target), []).append(i)
    for idx in clash.values():
        if len(idx) < 2 or len({labels[i] for i in idx}) == len(idx):
            continue
        for i in idx:
            labels[i] = _telling(artifacts, i, [j for j in idx if j != i]) or f"#{idx.index(i) + 1}"
    return labels


def path_tokens(text: str) -> list[str]:
    """The folder names and the file name's parts of a shown path (what a variant label is taken from)."""
    parts = [p for p in text.replace("\\", "/").split("/") if p]
    out = parts[:-1]
    if parts:
        out += [t for t in _TOKEN.split(parts[-1]) if t]
    return out


def _telling(artifacts: Sequence[Artifact], i: int, others: list[int]) -> str | None:
    for text in (member_path, lambda a: a.container or ""):
        mine = path_tokens(text(artifacts[i]))
        theirs = set().union(*(path_tokens(text(artifacts[j])) for j in others))
        unique = [t for t in mine if t not in theirs]
        if unique:
            return min(unique, key=len)
    return None


def _names(keys: list[GroupKey], artifacts: Sequence[Artifact]) -> dict[GroupKey, str]:
    """Each group's shown name: its key's name, qualified by package when two groups share it."""
    distinct = list(dict.fromkeys(keys))
    count = Counter(k.name for k in distinct)
    out = {}
    for k in distinct:
        name = k.name
        if count[name] > 1 and k.scope:
            name = f"{k.scope.replace('/', '.')}.{name}"
        elif count[name] > 1 and k.kind == "dependency":
            name = f"{name} (vendored)"
        out[k] = name
    return out
