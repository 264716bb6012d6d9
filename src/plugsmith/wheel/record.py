"""RECORD, the wheel's list of its own files with their hashes (binary distribution format).

``record_line`` writes entries; ``record_problems`` reads a whole wheel back and names every
file whose hash or size disagrees with RECORD, every file RECORD misses and every entry without
a file. plugsmith checks each wheel it packs with it before writing the file.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import zipfile
from pathlib import Path

from plugsmith.errors import InputError

#: Hash names RECORD may use: the spec forbids md5 and sha1; hashlib's guaranteed sha2 family.
ALLOWED_HASHES = ("sha256", "sha384", "sha512")


def digest(data: bytes, algorithm: str = "sha256") -> str:
    """``sha256=<urlsafe base64 without padding>``, as RECORD spells it."""
    raw = hashlib.new(algorithm, data).digest()
    return f"{algorithm}=" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def record_line(path: str, data: bytes) -> list[str]:
    return [path, digest(data), str(len(data))]


def render(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def record_problems(data: bytes, name: str) -> tuple[str, ...]:
    """Every disagreement between a wheel's RECORD and its members (``name`` is for messages)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        return (f"{name}: not a zip file ({exc})",)
    with archive:
        members = {i.filename: i for i in archive.infolist() if not i.is_dir()}
        records = [m for m in members if m.count("/") == 1 and m.endswith(".dist-info/RECORD")]
        if len(records) != 1:
            return (f"{name}: expected one <name>-<version>.dist-info/RECORD, found {len(records)}",)
        record_name = records[0]
        problems: list[str] = []
        listed: set[str] = set()
        text = archive.read(record_name).decode("utf-8", errors="replace")
        for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
            where = f"{name}: RECORD line {number}"
            if len(row) != 3:
                problems.append(f"{where}: expected path,hash,size; got {len(row)} field(s)")
                continue
            path, hashed, size = row
            listed.add(path)
            if path == record_name:
                if hashed or size:
                    problems.append(f"{where}: RECORD's own entry must have an empty hash and size")
                continue
            if path not in members:
                problems.append(f"{where}: {path} is listed but not in the wheel")
                continue
            problems.extend(f"{where}: {path}: {p}" for p in _entry_problems(archive.read(path), hashed, size))
        problems.extend(f"{name}: {m} is in the wheel but not in RECORD" for m in sorted(set(members) - listed))
    return tuple(problems)


def _entry_problems(content: bytes, hashed: str, size: str) -> list[str]:
    algorithm, sep, _ = hashed.partition("=")
    if not sep or algorithm not in ALLOWED_HASHES:
        return [f"hash {hashed!r} is not one of {', '.join(f'{a}=' for a in ALLOWED_HASHES)}"]
    problems = []
    actual = digest(content, algorithm)
    if actual != hashed:
        problems.append(f"hash mismatch: RECORD says {hashed}, the file has {actual}")
    if size != str(len(content)):
        problems.append(f"size mismatch: RECORD says {size or 'nothing'}, the file has {len(content)} bytes")
    return problems


def check_record(wheel: Path) -> tuple[str, ...]:
    """``record_problems`` of a wheel file; an unreadable file is an InputError."""
    try:
        data = wheel.read_bytes()
    except OSError as exc:
        raise InputError(f"{wheel}: cannot read: {exc.strerror or exc}") from None
    return record_problems(data, wheel.name)
