"""What LLVM's tools say about every library of the corpus: the truth plugsmith's reader is held to.

Only LLVM's command-line tools are used here (never lief, never plugsmith), one reading per slice:

- ELF: exports from ``llvm-nm -D --defined-only`` (with ``@``/``@@`` versions). GNU ld writes one
  absolute symbol per version node (``OPENSSL_1_1_0@@OPENSSL_1_1_0``, shown as ``A``): that names a
  version, not an API entry, so it is recorded under ``version_nodes`` and not as an export.
  Imports from ``llvm-readelf -d`` (DT_NEEDED); the highest ``GLIBC_x.y`` needed from ``llvm-readelf -V``.
- Mach-O: exports from ``llvm-objdump --macho --exports-trie`` (one leading underscore stripped),
  imports from ``--dylibs-used`` less the library's own ``--dylib-id``, minos from LC_BUILD_VERSION
  (else LC_VERSION_MIN_MACOSX) in ``--private-headers``; a fat file gives one entry per slice.
- PE: exports from ``llvm-readobj --coff-exports`` (nameless ones as ``#<ordinal>``; forwarders kept),
  imports from ``--coff-imports`` (delay-load imports recorded apart). llvm-readobj (LLVM 14) also
  prints the unused slots of the export address table, ``RVA: 0x0`` with no name: a DLL linked from a
  .def file with gaps in its explicit ordinals (libsndfile, PortAudio) has them. The loader exports
  nothing there (GetProcAddress by that ordinal fails), so they are counted as ``empty_slots``.

``python tests/realworld/truth.py --write`` regenerates the committed summary ``truth.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.realworld.corpus import Corpus, extract_members, fetch, load

__all__ = ["LLVM_TOOLS", "TRUTH_JSON", "Slice", "export_hash", "llvm_truth", "summary"]

TRUTH_JSON = Path(__file__).with_name("truth.json")
LLVM_TOOLS = ("llvm-nm", "llvm-readelf", "llvm-objdump", "llvm-readobj")
TOOL_TIMEOUT = 120
FULL_LIST_LIMIT = 300  # truth.json lists the exports themselves up to this many

# LLVM's spelling of a machine -> plugsmith's normalized arch name.
_ELF_MACHINE = {"Advanced Micro Devices X86-64": "x86_64", "AArch64": "aarch64", "Intel 80386": "x86", "ARM": "arm"}
_MACHO_CPU = {"X86_64": "x86_64", "ARM64": "aarch64", "I386": "x86", "ARM": "arm"}
_PE_MACHINE = {"IMAGE_FILE_MACHINE_AMD64": "x86_64", "IMAGE_FILE_MACHINE_ARM64": "aarch64",
               "IMAGE_FILE_MACHINE_I386": "x86", "IMAGE_FILE_MACHINE_ARMNT": "arm"}
_NM_LINE = re.compile(r"^[0-9a-fA-F]*\s+(\S)\s+(\S+)$")
_GLIBC = re.compile(r"Name: GLIBC_(\d+(?:\.\d+)+)\b")


@dataclass(frozen=True, slots=True, kw_only=True)
class Slice:
    """One image as LLVM reads it (a thin file, or one slice of a fat Mach-O file)."""

    format: str  # elf, macho, pe
    arch: str
    exports: frozenset[str]
    versioned: frozenset[tuple[str, str | None, bool]]  # ELF (name, version, default); empty elsewhere
    imports: tuple[str, ...]
    delay_imports: tuple[str, ...] = ()
    forwarders: tuple[tuple[str, str], ...] = ()  # PE (export, target)
    empty_slots: int = 0  # PE export address table slots with RVA 0 (not exports)
    version_nodes: tuple[str, ...] = ()  # ELF GNU ld version-definition symbols
    glibc_max: str | None = None
    min_os: str | None = None
    llvm_arch: str | None = None  # the --arch name of a fat slice


def _run(tool: str, *args: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise FileNotFoundError(f"{tool} not found on PATH (apt-get install llvm)")
    done = subprocess.run([found, *args], capture_output=True, text=True, timeout=TOOL_TIMEOUT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{tool} {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def _format(path: Path) -> str:
    head = path.read_bytes()[:4]
    if head == b"\x7fELF":
        return "elf"
    if head[:2] == b"MZ":
        return "pe"
    if head in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe"):
        return "macho"
    raise ValueError(f"{path}: not an ELF, Mach-O or PE file")


def llvm_truth(path: Path) -> tuple[Slice, ...]:
    """LLVM's reading of one file: one Slice, or one per slice of a fat Mach-O file (header order)."""
    kind = _format(path)
    if kind == "elf":
        return (_elf(path),)
    if kind == "pe":
        return (_pe(path),)
    archs = re.findall(r"^architecture (\S+)$", _run("llvm-objdump", "--macho", "--universal-headers", str(path)),
                       re.MULTILINE)
    return tuple(_macho(path, arch) for arch in archs) if archs else (_macho(path, None),)


# --------------------------------------------------------------------------- ELF


def _elf(path: Path) -> Slice:
    machine = re.search(r"Machine:\s+(.+)", _run("llvm-readelf", "-h", str(path)))
    versions = _run("llvm-readelf", "-V", str(path))
    definitions = set(re.findall(r"Rev: \d+\s+Flags: (?:none|WEAK)\s+Index: \d+\s+Cnt: \d+\s+Name: (\S+)", versions))
    exports: set[str] = set()
    versioned: set[tuple[str, str | None, bool]] = set()
    nodes: set[str] = set()
    for line in _run("llvm-nm", "-D", "--defined-only", str(path)).splitlines():
        match = _NM_LINE.match(line.strip())
        if match is None:
            continue
        letter, full = match.groups()
        if letter.islower() and letter not in "uvwi":
            continue  # a LOCAL entry of .dynsym: not exported
        name, default, version = _split_version(full)
        if letter == "A" and version is not None and name == version and name in definitions:
            nodes.add(name)
            continue
        exports.add(name)
        versioned.add((name, version, default))
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", _run("llvm-readelf", "-d", str(path)))
    # Only the "Version needs" section: libgcc_s on aarch64 *defines* a GLIBC_2.0 node, needing nothing.
    needs = versions.split("Version needs section", 1)[1] if "Version needs section" in versions else ""
    glibc = [tuple(int(p) for p in v.split(".")) for v in _GLIBC.findall(needs)]
    return Slice(format="elf", arch=_ELF_MACHINE.get(machine.group(1).strip(), machine.group(1).strip())
                 if machine else "unknown", exports=frozenset(exports), versioned=frozenset(versioned),
                 imports=tuple(needed), version_nodes=tuple(sorted(nodes)),
                 glibc_max=".".join(str(p) for p in max(glibc)) if glibc else None)


def _split_version(full: str) -> tuple[str, bool, str | None]:
    if "@@" in full:
        name, version = full.split("@@", 1)
        return name, True, version
    if "@" in full:
        name, version = full.split("@", 1)
        return name, False, version
    return full, True, None


# --------------------------------------------------------------------------- Mach-O


def _macho(path: Path, arch: str | None) -> Slice:
    select = [f"--arch={arch}"] if arch else []
    trie = _run("llvm-objdump", "--macho", "--exports-trie", *select, str(path))
    exports = set()
    for line in trie.splitlines():
        match = re.match(r"^(?:0x[0-9A-Fa-f]+\s+|\[re-export\]\s+)(\S+)", line)
        if match:
            name = match.group(1)
            exports.add(name[1:] if name.startswith("_") else name)
    own = {line.strip() for line in _run("llvm-objdump", "--macho", "--dylib-id", *select, str(path)).splitlines()[1:]}
    used = [m.group(1) for line in _run("llvm-objdump", "--macho", "--dylibs-used", *select, str(path)).splitlines()
            if (m := re.match(r"^\t(.+) \(compatibility version", line))]
    headers = _run("llvm-objdump", "--macho", "--private-headers", *select, str(path))
    cpu = re.search(r"^\s*MH_MAGIC(?:_64)?\s+(\S+)", headers, re.MULTILINE)
    return Slice(format="macho", arch=_MACHO_CPU.get(cpu.group(1), cpu.group(1)) if cpu else "unknown",
                 exports=frozenset(exports), versioned=frozenset(), imports=tuple(u for u in used if u not in own),
                 min_os=_min_os(headers), llvm_arch=arch)


def _min_os(headers: str) -> str | None:
    build = re.search(r"cmd LC_BUILD_VERSION\n(?:.*\n)*?\s*minos (\S+)", headers)
    if build:
        return build.group(1)
    legacy = re.search(r"cmd LC_VERSION_MIN_MACOSX\n(?:.*\n)*?\s*version (\S+)", headers)
    return legacy.group(1) if legacy else None


# --------------------------------------------------------------------------- PE


def _pe(path: Path) -> Slice:
    machine = re.search(r"Machine: (\S+)", _run("llvm-readobj", "--file-headers", str(path)))
    exports, forwarders, empty = set(), [], 0
    for block in re.findall(r"Export \{\n(.*?)\n\s*\}", _run("llvm-readobj", "--coff-exports", str(path)), re.DOTALL):
        fields = dict(re.findall(r"^\s*(\w+): ?(.*)$", block, re.MULTILINE))
        if fields.get("RVA", "").strip() == "0x0":
            empty += 1
            continue
        name = fields.get("Name", "").strip() or f"#{fields['Ordinal'].strip()}"
        exports.add(name)
        if fields.get("ForwardedTo"):
            forwarders.append((name, fields["ForwardedTo"].strip()))
    imports = _run("llvm-readobj", "--coff-imports", str(path))
    normal = re.findall(r"^Import \{\n\s*Name: (.+)$", imports, re.MULTILINE)
    delayed = re.findall(r"^DelayImport \{\n\s*Name: (.+)$", imports, re.MULTILINE)
    raw = machine.group(1) if machine else "unknown"
    return Slice(format="pe", arch=_PE_MACHINE.get(raw, raw), exports=frozenset(exports), versioned=frozenset(),
                 imports=tuple(normal), delay_imports=tuple(delayed), forwarders=tuple(sorted(forwarders)),
                 empty_slots=empty)


# --------------------------------------------------------------------------- summary


def export_hash(names: frozenset[str] | set[str]) -> str:
    """sha256 of the sorted export names joined by newlines: a short fingerprint of a large set."""
    return hashlib.sha256("\n".join(sorted(names)).encode("utf-8")).hexdigest()


def _entry(wheel: str, member: str, one: Slice) -> dict[str, object]:
    entry: dict[str, object] = {"wheel": wheel, "member": member, "slice": one.llvm_arch, "format": one.format,
                                "arch": one.arch, "export_count": len(one.exports),
                                "exports_sha256": export_hash(one.exports), "imports": list(one.imports)}
    if len(one.exports) <= FULL_LIST_LIMIT:
        entry["exports"] = sorted(f"{n}@@{v}" if v and d else f"{n}@{v}" if v else n for n, v, d in one.versioned) \
            if one.format == "elf" else sorted(one.exports)
    if one.format == "elf":
        entry["glibc_max"] = one.glibc_max
        entry["version_nodes"] = list(one.version_nodes)
        entry["export_versions"] = _count_versions(one)
    if one.format == "macho":
        entry["min_os"] = one.min_os
    if one.delay_imports:
        entry["delay_imports"] = list(one.delay_imports)
    if one.forwarders:
        entry["forwarders"] = [list(f) for f in one.forwarders]
    if one.empty_slots:
        entry["empty_export_slots"] = one.empty_slots
    return entry


def _count_versions(one: Slice) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _, version, default in one.versioned:
        key = "(none)" if version is None else version + ("" if default else " (hidden)")
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def summary(corpus: Corpus, scratch: Path) -> dict[str, object]:
    """The truth.json document for ``corpus`` (fetched into the cache, members extracted into ``scratch``)."""
    paths = fetch(corpus)
    by_wheel: dict[str, list[str]] = {}
    for _, member in corpus.members:
        by_wheel.setdefault(member.wheel, []).append(member.path)
    entries = []
    for wheel, members in sorted(by_wheel.items()):
        files = extract_members(paths[wheel], members, scratch)
        for member in sorted(members):
            entries.extend(_entry(wheel, member, one) for one in llvm_truth(files[member]))
    tools = _run("llvm-nm", "--version").splitlines()
    version = next((line.strip() for line in tools if "LLVM version" in line), "unknown")
    return {"version": 1, "generated_by": "python tests/realworld/truth.py --write", "llvm": version,
            "libraries": entries}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="LLVM's truth about the real-world corpus")
    parser.add_argument("--write", action="store_true", help=f"write {TRUTH_JSON.name} (default: print it)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="plugsmith-truth-") as scratch:
        document = summary(load(), Path(scratch))
    text = json.dumps(document, indent=1, sort_keys=False) + "\n"
    if args.write:
        TRUTH_JSON.write_text(text, encoding="utf-8")
        print(f"wrote {TRUTH_JSON} ({len(text)} bytes, {len(document['libraries'])} entries)",  # type: ignore[arg-type]
              file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
