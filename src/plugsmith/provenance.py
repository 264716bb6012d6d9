"""SHA256SUMS and the provenance statement of a release, the check that a later set is
byte-for-byte the same, and the check that every artifact of a release comes from one build.

SHA256SUMS: one ``<hex>  <name>`` line per shipped file that is a file of its own (binaries,
import libraries, archives), so ``sha256sum -c SHA256SUMS`` checks them all. A member of an
archive is written on a comment line, ``#<hex>  ARCHIVE!MEMBER``: ``sha256sum -c`` skips ``#``
lines (the archive's own line covers its bytes), ``plugsmith checksums --check`` reads them.

The provenance is an in-toto Statement v1 (``_type`` :data:`STATEMENT_TYPE`) with a SLSA
provenance v1 predicate (:data:`PREDICATE_TYPE`). Subjects: every shipped file, with its sha256
and, as annotations, its kind, size and (binaries) what verify found in each slice. The predicate's
``buildDefinition.externalParameters.builds`` holds each artifact's build record
(:mod:`plugsmith.engine.record`, read from the ``.build.json`` beside it), ``resolvedDependencies``
the sources, contracts and zig each build used, ``runDetails.byproducts`` the records' own digests.
docs/verify.md shows where each field of the old ``"version": 1`` manifest went; ``--check``
still reads that manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plugsmith.errors import InputError, Location

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://slsa.dev/provenance/v1"
#: What the predicate describes: a plugsmith build (docs/verify.md, "Provenance").
BUILD_TYPE = "https://plugsmith.invalid/provenance/build/v1"
#: The builder when no CI names one (GitHub Actions: the workflow, from GITHUB_SERVER_URL and GITHUB_WORKFLOW_REF).
LOCAL_BUILDER = "https://plugsmith.invalid/builder/local"
LEGACY_MANIFEST_VERSION = 1
_LINE = re.compile(r"^(?P<hash>[0-9a-fA-F]{64}) [ *](?P<name>.+)$")
_MEMBER_LINE = re.compile(r"^#(?P<hash>[0-9a-fA-F]{64}) [ *](?P<name>.+)$")
MEMBER_NOTE = ("# Members of archives (ARCHIVE!MEMBER): 'sha256sum -c' skips these lines, the archive's own line "
               "covers their bytes; 'plugsmith checksums --check SHA256SUMS ARCHIVE...' checks each member.\n")


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    name: str  # display name
    size: int
    sha256: str
    kind: str = "binary"  # binary, import-library, archive
    member: bool = False  # inside an archive: ``name`` is ``ARCHIVE!MEMBER``


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def entries(items: Iterable[tuple[str, Path]], *, kinds: Mapping[str, str] | None = None,
            members: Iterable[str] = ()) -> list[Entry]:
    """(display name, readable path) pairs -> entries sorted by name. ``kinds``: display name ->
    kind (default binary); ``members``: the display names that are archive members."""
    inside = frozenset(members)
    out = [Entry(name=name, size=path.stat().st_size, sha256=sha256_file(path), kind=(kinds or {}).get(name, "binary"),
                 member=name in inside) for name, path in items]
    return sorted(out, key=lambda e: e.name)


def sha256sums(items: Sequence[Entry]) -> str:
    plain = "".join(f"{e.sha256}  {e.name}\n" for e in items if not e.member)
    members = "".join(f"#{e.sha256}  {e.name}\n" for e in items if e.member)
    return plain + (MEMBER_NOTE + members if members else "")


# -- the statement -----------------------------------------------------------------------------

def statement(items: Sequence[Entry], *, slices: Mapping[str, Sequence[Mapping[str, Any]]],
              records: Mapping[str, tuple[str, Mapping[str, Any]]], contract: Path | None = None,
              zig_version: str | None = None) -> dict[str, Any]:
    """The in-toto Statement. ``slices``: display name -> what verify found per slice (plugin,
    target, arch, format, exported, ok); ``records``: display name -> (the record file's display
    name, its content); ``contract``: the one contract file of the release, when there is one."""
    from plugsmith import __version__

    subjects = []
    for e in items:
        annotations: dict[str, Any] = {"kind": e.kind, "size": e.size}
        if e.kind == "binary":
            annotations["slices"] = list(slices.get(e.name, ()))
        subjects.append({"name": e.name, "digest": {"sha256": e.sha256}, "annotations": annotations})
    builds = {name: {k: v for k, v in record.items() if k != "_sha256"}
              for name, (_, record) in sorted(records.items())}
    external: dict[str, Any] = {"builds": builds}
    if contract is not None:
        external["contract"] = {"path": str(contract), "sha256": sha256_file(contract)}
    return {
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": external,
                "internalParameters": {"zig_version": zig_version, "plugsmith": __version__},
                "resolvedDependencies": _dependencies(builds.values()),
            },
            "runDetails": {
                "builder": {"id": builder_id(), "version": {"plugsmith": __version__}},
                "metadata": {"finishedOn": _now()},
                "byproducts": [{"name": shown, "digest": {"sha256": _digest_of(record)},
                                "mediaType": "application/json"} for shown, record in sorted(records.values())
                               if "_sha256" in record],
            },
        },
    }


def builder_id() -> str:
    server, workflow = os.environ.get("GITHUB_SERVER_URL"), os.environ.get("GITHUB_WORKFLOW_REF")
    return f"{server}/{workflow}" if server and workflow else LOCAL_BUILDER


def _now() -> str:
    """RFC 3339 UTC; ``SOURCE_DATE_EPOCH`` (reproducible builds) fixes it."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    seconds = int(epoch) if epoch.isdigit() else int(time.time())
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _digest_of(record: Mapping[str, Any]) -> str:
    return str(record["_sha256"])


def _dependencies(builds: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every source, header and contract a build read (by path and sha256) and each zig used."""
    seen: dict[tuple[str, str, str], dict[str, Any]] = {}
    for record in builds:
        files = [(s, "source") for s in record.get("sources", ())] + [(record["contract"], "contract")]
        for item, role in files:
            name = item["path"] or f"{record.get('plugin')} contract (written by plugsmith: PyInit_)"
            key = (role, str(name), str(item["sha256"]))
            seen.setdefault(key, {"name": key[1], "digest": {"sha256": key[2]}, "annotations": {"role": role}})
        zig = str(record["toolchain"]["zig"])
        seen.setdefault(("zig", zig, ""), {"name": "zig", "uri": f"pkg:pypi/ziglang@{zig}",
                                           "annotations": {"role": "toolchain"}})
    return [seen[key] for key in sorted(seen)]


def read_record(path: Path, shown: str) -> dict[str, Any]:
    """A build record file (``.build.json``); its own sha256 rides along as ``_sha256`` until the
    statement lists it as a byproduct."""
    try:
        data = path.read_bytes()
        record = json.loads(data)
        if not isinstance(record, dict) or not {"artifact", "toolchain", "settings", "contract"} <= record.keys():
            raise ValueError("not a plugsmith build record")
    except (OSError, ValueError) as exc:
        raise InputError(f"unreadable build record: {exc}", location=Location(shown)) from None
    return {**record, "_sha256": hashlib.sha256(data).hexdigest()}


# -- reading back --------------------------------------------------------------------------------

def load_expected(path: Path) -> dict[str, str]:
    """A SHA256SUMS file, a provenance statement or an old manifest -> {name: sha256}."""
    text = _read(path)
    if text.lstrip().startswith("{"):
        data = _json(text, path)
        try:
            if data.get("_type") == STATEMENT_TYPE:
                return {s["name"]: s["digest"]["sha256"].lower() for s in data["subject"]}
            return {a["name"]: a["sha256"].lower() for a in data["artifacts"]}
        except (KeyError, TypeError, AttributeError) as exc:
            raise InputError(f"not a plugsmith provenance statement or manifest: {type(exc).__name__}: {exc}",
                             location=Location(str(path))) from None
    out: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        member = _MEMBER_LINE.match(line)
        if member is not None:
            out[member.group("name")] = member.group("hash").lower()
            continue
        if not line.strip() or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise InputError("expected '<64 hex digits>  <name>'", location=Location(str(path), number, 1))
        out[match.group("name")] = match.group("hash").lower()
    return out


def load_statement(path: Path) -> dict[str, Any]:
    """A provenance statement plugsmith wrote (InputError otherwise, naming what is wrong)."""
    data = _json(_read(path), path)
    problem = ("" if isinstance(data, dict) and data.get("_type") == STATEMENT_TYPE
               and data.get("predicateType") == PREDICATE_TYPE else
               f"not an in-toto Statement v1 with predicateType {PREDICATE_TYPE}")
    if not problem:
        try:
            builds = data["predicate"]["buildDefinition"]["externalParameters"]["builds"]
            if not isinstance(builds, dict) or not isinstance(data["subject"], list):
                problem = "predicate.buildDefinition.externalParameters.builds: expected a mapping"
        except (KeyError, TypeError):
            problem = "no predicate.buildDefinition.externalParameters.builds (not written by plugsmith)"
    if problem:
        raise InputError(problem, location=Location(str(path)))
    return dict(data)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", location=Location(str(path))) from None


def _json(text: str, path: Path) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InputError(f"not JSON: {exc}", location=Location(str(path))) from None


def compare(expected: Mapping[str, str], actual: Sequence[Entry]) -> list[str]:
    """Every difference, one line each; empty when the set is unchanged."""
    have = {e.name: e.sha256 for e in actual}
    out = [f"changed: {name}: sha256 {have[name]}, recorded {digest}"
           for name, digest in sorted(expected.items()) if name in have and have[name] != digest]
    out += [f"missing: {name} is recorded but was not given" for name in sorted(expected) if name not in have]
    out += [f"new: {name} is not recorded" for name in sorted(have) if name not in expected]
    return out


# -- one build or several ------------------------------------------------------------------------

def consistency(data: Mapping[str, Any], actual: Sequence[Entry], source: str) -> list[str]:
    """Findings (one line each) when the artifacts are not those the statement ``data`` (read from
    ``source``) describes, or come from builds with different toolchains, flags or contracts.
    A file is its subject by name, else by digest (in-toto matches subjects by digest: the same
    release checked from another folder has other names)."""
    subjects = {s["name"]: s["digest"]["sha256"].lower() for s in data["subject"]}
    by_digest = {digest: name for name, digest in subjects.items()}
    builds: Mapping[str, Mapping[str, Any]] = data["predicate"]["buildDefinition"]["externalParameters"]["builds"]
    out: list[str] = []
    matched: dict[str, str] = {}  # subject name -> the file's name, for binaries with a build record
    for e in actual:
        subject = e.name if subjects.get(e.name) == e.sha256 else by_digest.get(e.sha256)
        if subject is None:
            out.append(f"provenance: {e.name}: sha256 {e.sha256}, {source} records {subjects[e.name]}"
                       if e.name in subjects else
                       f"provenance: {e.name}: not a subject of {source} (sha256 {e.sha256})")
        elif e.kind == "binary" and subject not in builds:
            out.append(f"provenance: {e.name}: no build record for it in {source} (not built by plugsmith, or "
                       "its .build.json was not shipped beside it)")
        elif e.kind == "binary" and str(builds[subject]["artifact"]["sha256"]).lower() != e.sha256:
            out.append(f"provenance: {e.name}: its build record describes other bytes (sha256 "
                       f"{builds[subject]['artifact']['sha256']})")
        elif e.kind == "binary":
            matched[subject] = e.name
    names = sorted(matched)
    if names:  # the reference: the build most artifacts share (ties: the first by name)
        shapes = [json.dumps([builds[n]["toolchain"], builds[n]["settings"]], sort_keys=True) for n in names]
        first = names[max(range(len(names)), key=lambda i: (shapes.count(shapes[i]), -i))]
        out += [f"provenance: {matched[name]}: {line}" for name in names if name != first
                for line in differences(matched[first], builds[first], builds[name])]
    return out


def differences(first: str, a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """How the build of one artifact differs from that of ``first`` (its record ``a``)."""
    out = []
    for tool in ("zig", "plugsmith"):
        if a["toolchain"].get(tool) != b["toolchain"].get(tool):
            out.append(f"different toolchain: {tool} {b['toolchain'].get(tool)}, {first} was built with "
                       f"{tool} {a['toolchain'].get(tool)}")
    same_plugin = a.get("plugin") == b.get("plugin")
    if same_plugin and a["contract"]["sha256"] != b["contract"]["sha256"]:
        out.append(f"different contract: {b['contract']['path']} sha256 {b['contract']['sha256'][:12]}…, {first} "
                   f"was built from sha256 {a['contract']['sha256'][:12]}…")
    sa, sb = a["settings"], b["settings"]
    parts = [("defaults", "defaults:"), ("overrides", "overrides:"),
             ("extra", "build-wide flags ($PLUGSMITH_CFLAGS/LDFLAGS, --cflag/--ldflag)")]
    if same_plugin:
        parts.insert(1, ("plugin", f"plugin {b.get('plugin')}'s flags"))
    for key, label in parts:
        if sa.get(key) != sb.get(key):
            out.append(f"different flags: {label} {_brief(sb.get(key))}, {first} was built with {_brief(sa.get(key))}")
    return out


def _brief(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_brief(v)}" for k, v in value.items() if v) + "}" if any(value.values()) \
            else "(none)"
    if isinstance(value, list):
        return "[" + ", ".join(_brief(v) for v in value) + "]"
    return str(value)
