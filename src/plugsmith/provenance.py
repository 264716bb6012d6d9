"""SHA256SUMS and a provenance manifest for a set of artifacts, and the check that a later set
is byte-for-byte the same.

SHA256SUMS lines are ``<hex>  <name>`` (``sha256sum -c`` reads the ones naming plain files; a
member of an archive is named ``ARCHIVE!MEMBER``). The manifest (JSON, ``"version": 1``) lists
each artifact with target, size, sha256 and exported-symbol count, plus the contract's hash,
the zig version and the build flags when plugsmith built them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plugsmith.errors import InputError, Location

MANIFEST_VERSION = 1
_LINE = re.compile(r"^(?P<hash>[0-9a-fA-F]{64}) [ *](?P<name>.+)$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    name: str  # display name
    size: int
    sha256: str


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def entries(items: Iterable[tuple[str, Path]]) -> list[Entry]:
    """(display name, readable path) pairs -> entries sorted by name."""
    out = [Entry(name=name, size=path.stat().st_size, sha256=sha256_file(path)) for name, path in items]
    return sorted(out, key=lambda e: e.name)


def sha256sums(items: Sequence[Entry]) -> str:
    return "".join(f"{e.sha256}  {e.name}\n" for e in items)


def manifest(items: Sequence[Entry], *, artifacts: Mapping[str, Sequence[Mapping[str, Any]]],
             contract: Path | None = None, zig_version: str | None = None,
             flags: Mapping[str, Mapping[str, Sequence[str]]] | None = None) -> dict[str, Any]:
    """``artifacts`` maps a display name to what verify found in it (one dict per slice:
    plugin, target, arch, exported)."""
    from plugsmith import __version__

    return {
        "version": MANIFEST_VERSION,
        "generator": f"plugsmith {__version__}",
        "zig_version": zig_version,
        "contract": None if contract is None else {"path": str(contract), "sha256": sha256_file(contract)},
        "artifacts": [
            {"name": e.name, "size": e.size, "sha256": e.sha256, "slices": list(artifacts.get(e.name, ()))}
            for e in items
        ],
        "flags": dict(flags or {}),
    }


def load_expected(path: Path) -> dict[str, str]:
    """A SHA256SUMS file or a provenance manifest -> {name: sha256}."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", location=Location(str(path))) from None
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
            return {a["name"]: a["sha256"].lower() for a in data["artifacts"]}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InputError(f"not a plugsmith provenance manifest: {type(exc).__name__}: {exc}",
                             location=Location(str(path))) from None
    out: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise InputError("expected '<64 hex digits>  <name>'", location=Location(str(path), number, 1))
        out[match.group("name")] = match.group("hash").lower()
    return out


def compare(expected: Mapping[str, str], actual: Sequence[Entry]) -> list[str]:
    """Every difference, one line each; empty when the set is unchanged."""
    have = {e.name: e.sha256 for e in actual}
    out = [f"changed: {name}: sha256 {have[name]}, recorded {digest}"
           for name, digest in sorted(expected.items()) if name in have and have[name] != digest]
    out += [f"missing: {name} is recorded but was not given" for name in sorted(expected) if name not in have]
    out += [f"new: {name} is not recorded" for name in sorted(have) if name not in expected]
    return out
