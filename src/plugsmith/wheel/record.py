"""RECORD, the wheel's list of its own files with their hashes (binary distribution format).

``record_line`` writes entries; ``record_problems`` reads a whole wheel back and names every
file whose hash or size disagrees with RECORD, every file RECORD misses and every entry without
a file. plugsmith checks each wheel it packs with it before writing the file, and ``verify``
checks every wheel it is given with ``extracted_problems`` (the same rules over unpacked members).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import zipfile
from collections.abc import Callable, Collection, Mapping
from pathlib import Path

from plugsmith.errors import InputError

#: Hash names RECORD may use: the spec forbids md5 and sha1; hashlib's guaranteed sha2 family.
ALLOWED_HASHES = ("sha256", "sha384", "sha512")


def digest(data: bytes, algorithm: str = "sha256") -> str:
    """``sha256=<urlsafe base64 without padding>``, as RECORD spells it."""
    return _spell(algorithm, hashlib.new(algorithm, data).digest())


def _spell(algorithm: str, raw: bytes) -> str:
    return f"{algorithm}=" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def record_line(path: str, data: bytes) -> list[str]:
    return [path, digest(data), str(len(data))]


def render(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


#: ``(member, algorithm) -> (RECORD-style digest, size)`` of one member of the wheel.
Measure = Callable[[str, str], tuple[str, int]]


def record_problems(data: bytes, name: str) -> tuple[str, ...]:
    """Every disagreement between a wheel's RECORD and its members (``name`` is for messages)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        return (f"{name}: not a zip file ({exc})",)
    with archive:
        members = frozenset(i.filename for i in archive.infolist() if not i.is_dir())

        def measure(member: str, algorithm: str) -> tuple[str, int]:
            content = archive.read(member)
            return digest(content, algorithm), len(content)

        return problems(members, lambda member: archive.read(member), measure, name)


def extracted_problems(members: Mapping[str, Path], name: str) -> tuple[str, ...]:
    """``record_problems`` of a wheel already unpacked (member name -> its copy on disk), hashing
    each file in chunks: a large wheel is checked in bounded memory."""

    def measure(member: str, algorithm: str) -> tuple[str, int]:
        hasher = hashlib.new(algorithm)
        size = 0
        with open(members[member], "rb") as handle:
            while chunk := handle.read(1 << 20):
                hasher.update(chunk)
                size += len(chunk)
        return _spell(algorithm, hasher.digest()), size

    return problems(frozenset(members), lambda member: members[member].read_bytes(), measure, name)


def problems(members: Collection[str], read: Callable[[str], bytes], measure: Measure, name: str) -> tuple[str, ...]:
    """The RECORD rules over any wheel's members: exactly one ``<dist>.dist-info/RECORD``; every
    row ``path,hash,size`` naming a member, with a sha256-or-stronger hash and size that match;
    every member listed (RECORD itself, and only it, without hash and size)."""
    records = sorted(m for m in members if m.count("/") == 1 and m.endswith(".dist-info/RECORD"))
    if len(records) != 1:
        return (f"{name}: expected one <name>-<version>.dist-info/RECORD, found {len(records)}",)
    record_name = records[0]
    found: list[str] = []
    listed: set[str] = set()
    text = read(record_name).decode("utf-8", errors="replace")
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        return (f"{name}: {record_name}: not CSV ({exc})",)
    for number, row in enumerate(rows, start=1):
        where = f"{name}: RECORD line {number}"
        if len(row) != 3:
            found.append(f"{where}: expected path,hash,size; got {len(row)} field(s)")
            continue
        path, hashed, size = row
        listed.add(path)
        if path == record_name:
            if hashed or size:
                found.append(f"{where}: RECORD's own entry must have an empty hash and size")
            continue
        if path not in members:
            found.append(f"{where}: {path} is listed but not in the wheel")
            continue
        found.extend(f"{where}: {path}: {p}" for p in _entry_problems(path, hashed, size, measure))
    found.extend(f"{name}: {m} is in the wheel but not in RECORD" for m in sorted(set(members) - listed))
    return tuple(found)


def _entry_problems(path: str, hashed: str, size: str, measure: Measure) -> list[str]:
    algorithm, sep, _ = hashed.partition("=")
    if not sep or algorithm not in ALLOWED_HASHES:
        return [f"hash {hashed!r} is not one of {', '.join(f'{a}=' for a in ALLOWED_HASHES)}"]
    found = []
    actual, length = measure(path, algorithm)
    if actual != hashed:
        found.append(f"hash mismatch: RECORD says {hashed}, the file has {actual}")
    if size != str(length):
        found.append(f"size mismatch: RECORD says {size or 'nothing'}, the file has {length} bytes")
    return found


def check_record(wheel: Path) -> tuple[str, ...]:
    """``record_problems`` of a wheel file; an unreadable file is an InputError."""
    try:
        data = wheel.read_bytes()
    except OSError as exc:
        raise InputError(f"{wheel}: cannot read: {exc.strerror or exc}") from None
    return record_problems(data, wheel.name)
