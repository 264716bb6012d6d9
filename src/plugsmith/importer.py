"""``plugsmith symbols import``: build a contract from what a project already has.

Inputs, recognised by content (binaries) or by name (text files):

- an ELF version script (``.map``, ``.ver``, ``.lds``, ``.version``): nodes, parents, ``global:``
  names (``local:`` and wildcards are not exports and are noted, not imported);
- a macOS exported symbols list (``.exp``, ``.exports``, ``.sym``, ``.txt``): ``_name`` a line;
- a Windows module-definition file (``.def``): ``EXPORTS`` entries with ``@N``, ``NONAME``, ``DATA``;
- built binaries (ELF, Mach-O, PE): exports with their real kind, ELF version and PE ordinal.
  An ELF binary's version nodes are its version definitions, in file order, each inheriting its
  first parent (GNU ld writes ``VERS_1.1 { ... } VERS_1.0;`` as a definition of VERS_1.1 whose
  parent is VERS_1.0); the base definition (the soname) is not a node. What a contract cannot say
  is noted, one line each, never silently lost: symbols only present as non-default versions
  (``name@OLD``), extra ``name@OLD`` aliases of a ``name@@NEW``, unversioned (base) exports next
  to version nodes (imported under the first node) and second parents.

Each input speaks for one OS (a .map and an ELF binary for linux, .exp and Mach-O for macos, .def
and PE for windows). Merging rules, every disagreement reported:

- names: the union. A name that some OS's inputs lack gets ``only=`` the OSes whose inputs have
  it (the contract then reproduces each input exactly) and is reported, because drift between a
  .map and a .def is usually an accident;
- kind: a binary's real type wins, then the .def (``DATA``); a name whose kind no input states is
  a function (noted); a function in one input and data in another is reported;
- version node: from the version script(s) or ELF binaries; differing nodes are reported, the
  script wins; names no versioned input has go under the first node (noted);
- ordinal / NONAME: from the .def; a PE binary whose ordinal differs is reported.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from plugsmith.contract import Contract, Symbol, SymbolKind, VersionNode, dump, parse
from plugsmith.errors import ConfigError, InputError, Location

if TYPE_CHECKING:
    from plugsmith.inspection import Export

__all__ = ["Entry", "ImportResult", "Source", "import_files", "merge", "read_def", "read_exp", "read_map"]

MAP_SUFFIXES = (".map", ".ver", ".lds", ".version")
EXP_SUFFIXES = (".exp", ".exports", ".sym", ".txt")
DEF_SUFFIXES = (".def",)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    name: str
    line: int = 0
    kind: SymbolKind | None = None  # None: the input does not say
    node: str | None = None
    ordinal: int | None = None
    noname: bool = False


@dataclass(slots=True, kw_only=True)
class Source:
    """One input, read: where it came from, the OS it speaks for, its entries and version nodes."""

    path: str
    kind: str  # "version script" | "exported symbols list" | "module-definition file" | "ELF binary" ...
    os: str
    entries: list[Entry] = field(default_factory=list)
    nodes: list[VersionNode] = field(default_factory=list)  # version scripts and ELF binaries
    versioned: bool = False  # this input states version nodes (a script with nodes, an ELF binary)
    ordinals: bool = False  # this input states ordinals that are promises (.def) or facts (PE)
    notes: list[str] = field(default_factory=list)

    def where(self, entry: Entry) -> str:
        return f"{self.path}:{entry.line}" if entry.line else self.path


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportResult:
    contract: Contract
    text: str
    disagreements: tuple[str, ...]
    notes: tuple[str, ...]


# --------------------------------------------------------------------------- readers


def _fail(path: str, line: int, message: str) -> ConfigError:
    return ConfigError(message, location=Location(path, line or None))


def read_map(text: str, path: str) -> Source:
    """An ELF version script: ``NODE { global: a; b; local: *; } PARENT;`` or an anonymous ``{ ... };``."""
    src = Source(path=path, kind="version script", os="linux")
    # drop comments, keep line numbers
    clean = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group().count("\n"), text, flags=re.S)
    clean = re.sub(r"(#|//)[^\n]*", "", clean)
    tokens = [(m.group(), clean.count("\n", 0, m.start()) + 1)
              for m in re.finditer(r'"[^"]*"|[{};:]|[^\s{};:]+', clean)]
    i = 0

    def take() -> tuple[str, int]:
        nonlocal i
        if i >= len(tokens):
            raise _fail(path, tokens[-1][1] if tokens else 0, "version script ends inside a node")
        i += 1
        return tokens[i - 1]

    while i < len(tokens):
        tok, line = take()
        node: str | None = None
        if tok != "{":
            node = tok
            brace, line2 = take()
            if brace != "{":
                raise _fail(path, line2, f"expected '{{' after version node '{node}', got '{brace}'")
        section = "global"
        while True:
            tok, tline = take()
            if tok == "}":
                break
            if tok in ("global", "local") and i < len(tokens) and tokens[i][0] == ":":
                section = tok
                take()
                continue
            if tok == "extern":
                lang, _ = take()
                raise _fail(path, tline, f"extern {lang} blocks are not supported: list C names only")
            if tok == ";":
                continue
            if section == "local":
                if tok != "*":
                    src.notes.append(f"{path}:{tline}: local name '{tok}' ignored (only exports are imported)")
                continue
            if not _IDENT.match(tok):
                src.notes.append(f"{path}:{tline}: pattern '{tok}' is not a name: not imported, list the names "
                                 f"it matches")
                continue
            src.entries.append(Entry(name=tok, line=tline, node=node))
        parent = None
        tok, _ = take()
        if tok != ";":
            parent = tok
            end, eline = take()
            if end != ";":
                raise _fail(path, eline, f"expected ';' after the parent of '{node}', got '{end}'")
        if node is not None:
            src.nodes.append(VersionNode(name=node, parent=parent, line=line))
            src.versioned = True
    return src


def read_exp(text: str, path: str) -> Source:
    src = Source(path=path, kind="exported symbols list", os="macos")
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if not line.startswith("_"):
            raise _fail(path, number, f"'{line}' has no leading underscore (Mach-O C names start with '_')")
        name = line[1:]
        if not _IDENT.match(name):
            src.notes.append(f"{path}:{number}: '{line}' is not a C name (wildcard or C++?): not imported")
            continue
        src.entries.append(Entry(name=name, line=number))
    return src


_DEF_ENTRY = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_@?$]*)(?:=\S+)?(?P<rest>.*)\Z")


def read_def(text: str, path: str) -> Source:
    src = Source(path=path, kind="module-definition file", os="windows", ordinals=True)
    in_exports = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(";", 1)[0].strip()
        if not line:
            continue
        word = line.split()[0].upper()
        if word in ("LIBRARY", "NAME", "DESCRIPTION", "VERSION", "HEAPSIZE", "STACKSIZE", "SECTIONS", "IMPORTS"):
            in_exports = False
            continue
        if word == "EXPORTS":
            in_exports = True
            line = line[len("EXPORTS"):].strip()
            if not line:
                continue
        if not in_exports:
            raise _fail(path, number, f"'{line}' outside an EXPORTS section")
        m = _DEF_ENTRY.match(line)
        if not m:
            raise _fail(path, number, f"cannot read export entry '{line}'")
        name, rest = m.group("name"), m.group("rest").split()
        ordinal = None
        noname = False
        kind: SymbolKind = "function"  # a .def entry without DATA is code
        for k, item in enumerate(rest):
            upper = item.upper()
            if item.startswith("@") and item[1:].isdigit():
                ordinal = int(item[1:])
            elif item == "@" and k + 1 < len(rest) and rest[k + 1].isdigit():
                ordinal = int(rest[k + 1])
            elif item.isdigit():
                continue
            elif upper == "NONAME":
                noname = True
            elif upper == "DATA":
                kind = "data"
            elif upper in ("PRIVATE", "CONSTANT"):
                src.notes.append(f"{path}:{number}: {upper} on '{name}' has no contract equivalent: ignored")
            else:
                raise _fail(path, number, f"unknown keyword '{item}' in export entry '{line}'")
        if not _IDENT.match(name):
            src.notes.append(f"{path}:{number}: '{name}' is a decorated name: not imported")
            continue
        src.entries.append(Entry(name=name, line=number, kind=kind, ordinal=ordinal, noname=noname))
    return src


def read_binary(path: Path, display: str) -> list[Source]:
    from plugsmith.inspection import inspect_file
    from plugsmith.platforms import format_row, linker_allowance

    out = []
    for ins in inspect_file(path):
        row = format_row(ins.format)
        where = display if ins.slice_index is None else f"{display}[slice {ins.slice_index}]"
        src = Source(path=where, kind=f"{row.label} binary", os=ins.os, versioned=row.symbol_versions,
                     ordinals=row.ordinals)
        allowance = linker_allowance(ins.format)
        exports = [e for e in ins.exports if e.name not in allowance]
        current = {e.name for e in exports if e.default_version}
        hidden = [e for e in exports if not e.default_version]
        seen_nodes: list[str] = []
        for e in exports:
            if not e.default_version:
                continue
            if e.name.startswith("#"):
                src.entries.append(Entry(name=e.name, kind=None if e.kind == "unknown" else e.kind,
                                         ordinal=e.ordinal, noname=True))
                continue
            src.entries.append(Entry(name=e.name, kind=None if e.kind == "unknown" else e.kind, node=e.version,
                                     ordinal=e.ordinal))
            if e.version and e.version not in seen_nodes:
                seen_nodes.append(e.version)
        src.nodes = _binary_nodes(ins.version_defs, seen_nodes, where, src.notes)
        src.notes += _version_notes(where, src, hidden, current)
        out.append(src)
    return out


def _binary_nodes(defs: Sequence[tuple[str, tuple[str, ...]]], used: Sequence[str], where: str,
                  notes: list[str]) -> list[VersionNode]:
    """The version definitions as nodes, parent = the first parent (a contract node has one)."""
    nodes = [VersionNode(name=name, parent=parents[0] if parents else None, line=0) for name, parents in defs]
    notes += [f"{where}: version node '{name}' has parents {', '.join(parents)}: a contract node inherits "
              f"one, kept '{parents[0]}'" for name, parents in defs if len(parents) > 1]
    defined = {n.name for n in nodes}
    return nodes + [VersionNode(name=n, parent=None, line=0) for n in used if n not in defined]


def _version_notes(where: str, src: Source, hidden: Sequence[Export], current: set[str]) -> list[str]:
    """One line per thing an ELF binary's versions say that a contract cannot express."""
    notes = []
    only_old = [f"{e.name}@{e.version}" for e in hidden if e.name not in current]
    aliases = [f"{e.name}@{e.version}" for e in hidden if e.name in current]
    if only_old:
        notes.append(f"{where}: only present as non-default versions (old binaries still bind to them; a contract "
                     f"cannot express symbol aliases): not imported: {', '.join(only_old)}")
    if aliases:
        notes.append(f"{where}: non-default aliases of symbols imported under their default version (a contract "
                     f"cannot express symbol aliases): not imported: {', '.join(aliases)}")
    base = [e.name for e in src.entries if e.node is None]
    if src.nodes and base:
        notes.append(f"{where}: exported with the base version (unversioned) next to version nodes; a contract that "
                     f"uses nodes puts every symbol under one: imported under {src.nodes[0].name}: "
                     f"{', '.join(base)}")
    return notes


def _read_project(folder: Path, display: str) -> list[Source]:
    """A CMake or Meson project folder: the export files its build files name
    (:mod:`plugsmith.project_exports`), each noted with where it is named."""
    from plugsmith import project_exports

    if not any((folder / name).is_file() for name in project_exports.BUILD_FILES):
        raise InputError(f"{display}: a folder, but no CMakeLists.txt or meson.build in it: name the export files")
    found = project_exports.find(folder)
    if not found:
        raise InputError(f"{display}: its build files name no export file (version script, .exp, .def): "
                         "give the files or a built library instead")
    sources = []
    for item in found:
        name = f"{display.rstrip('/')}/{Path(os.path.relpath(item.path, folder.resolve())).as_posix()}"
        read = read_path(item.path, name)
        read[0].notes.append(f"{name}: named by {display.rstrip('/')}/{item.named_at}")
        sources += read
    return sources


def read_path(path: Path, display: str) -> list[Source]:
    from plugsmith.inspection import is_binary

    if path.is_dir():
        return _read_project(path, display)
    if not path.is_file():
        raise InputError(f"{display}: no such file")
    if is_binary(path):
        return read_binary(path, display)
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{display}: cannot read: {exc}") from None
    if suffix in MAP_SUFFIXES:
        return [read_map(text, display)]
    if suffix in EXP_SUFFIXES:
        return [read_exp(text, display)]
    if suffix in DEF_SUFFIXES:
        return [read_def(text, display)]
    raise ConfigError(f"{display}: unknown input kind: name a version script {'/'.join(MAP_SUFFIXES)}, an exported "
                      f"symbols list {'/'.join(EXP_SUFFIXES)}, a .def, or give a built binary")


# --------------------------------------------------------------------------- merging


Disagreements = list[tuple[str | None, str]]  # (symbol it concerns, message)


def merge(sources: Sequence[Source]) -> ImportResult:
    disagreements: Disagreements = []
    notes: list[str] = [n for s in sources for n in s.notes]
    names: list[str] = []
    for src in sources:
        for e in src.entries:
            if not e.name.startswith("#") and e.name not in names:
                names.append(e.name)
    # nameless PE exports: named by a .def entry with that ordinal and NONAME
    named_by_ordinal = {e.ordinal: e.name for s in sources for e in s.entries if e.noname and e.ordinal
                        and not e.name.startswith("#")}
    for src in sources:
        for index, e in enumerate(src.entries):
            if e.name.startswith("#"):
                real = named_by_ordinal.get(e.ordinal) if e.ordinal is not None else None
                if real is None:
                    disagreements.append((None, f"{src.path}: nameless export {e.name} (ordinal {e.ordinal}) is "
                                                f"named by no .def entry: not imported"))
                else:
                    src.entries[index] = Entry(name=real, kind=e.kind, ordinal=e.ordinal, noname=True)

    nodes = _merge_nodes(sources, disagreements)
    oses = sorted({s.os for s in sources})
    symbols = []
    for name in names:
        hits = [(s, e) for s in sources for e in s.entries if e.name == name]
        symbols.append(_merge_symbol(name, hits, sources, oses, nodes, disagreements, notes))
    contract = Contract(path="(import)", nodes=tuple(nodes), symbols=tuple(symbols))
    header = "Imported by plugsmith symbols import from:\n" + "\n".join(f"  {s.path} ({s.kind}, {s.os})"
                                                                       for s in sources)
    note_of: dict[str, list[str]] = {}
    for symbol, message in disagreements:
        if symbol is not None:
            note_of.setdefault(symbol, []).append(message.split(": ", 1)[-1] if message.startswith("'") else message)
    text = dump(contract, header=header, notes={k: "import: " + "; ".join(v) for k, v in note_of.items()})
    parsed = parse(text, "(import)")  # the proposal must be a valid contract
    return ImportResult(contract=parsed, text=text, disagreements=tuple(m for _, m in disagreements),
                        notes=tuple(_fold(notes)))


def _fold(notes: list[str]) -> list[str]:
    """``"what: a"``, ``"what: b"`` -> ``"what: a, b"`` (file-located notes stay as they are)."""
    folded: dict[str, list[str]] = {}
    for note in notes:
        head, sep, tail = note.rpartition(": ")
        if sep and not note.startswith(("/", ".")) and ":" not in head and " " not in tail:
            folded.setdefault(head, []).append(tail)
        else:
            folded.setdefault(note, [])
    return [f"{head}: {', '.join(tails)}" if tails else head for head, tails in folded.items()]


def _merge_nodes(sources: Sequence[Source], disagreements: Disagreements) -> list[VersionNode]:
    nodes: dict[str, VersionNode] = {}
    origin: dict[str, str] = {}
    for src in sources:
        for node in src.nodes:
            known = nodes.get(node.name)
            if known is None:
                nodes[node.name] = node
                origin[node.name] = src.path
            elif node.parent and known.parent != node.parent:
                if known.parent is None and src.kind == "version script":
                    nodes[node.name] = VersionNode(name=node.name, parent=node.parent, line=node.line)
                else:
                    disagreements.append((None, f"version node '{node.name}': parent '{known.parent}' in "
                                                f"{origin[node.name]}, '{node.parent}' in {src.path}"))
    return list(nodes.values())


def _merge_symbol(name: str, hits: list[tuple[Source, Entry]], sources: Sequence[Source], oses: list[str],
                  nodes: list[VersionNode], disagreements: Disagreements, notes: list[str]) -> Symbol:
    present = sorted({s.os for s, _ in hits})
    lacking = [s for s in sources if s.os not in present or not any(e.name == name for e in s.entries)]
    if lacking:
        have = ", ".join(s.path for s, _ in hits)
        disagreements.append((name, f"'{name}' is in {have} but not in {', '.join(s.path for s in lacking)}"))
    # kind: binaries first, then .def DATA
    kinds = [(s, e.kind) for s, e in hits if e.kind]
    binary_kinds = [k for s, k in kinds if s.kind.endswith("binary")]
    kind = binary_kinds[0] if binary_kinds else (kinds[0][1] if kinds else None)
    if len({k for _, k in kinds}) > 1:
        disagreements.append((name, f"'{name}' kind: " + ", ".join(f"{e.kind} in {s.where(e)}" for s, e in hits
                                                                  if e.kind)))
    if kind is None:
        kind = "function"
        notes.append(f"kind stated by no input, imported as function: {name}")
    # version node: scripts first, then ELF binaries
    versioned = [(s, e) for s, e in hits if s.versioned]
    node_values = {e.node for _, e in versioned}
    scripts = [e.node for s, e in versioned if s.kind == "version script"]
    node = scripts[0] if scripts else (versioned[0][1].node if versioned else None)
    if len(node_values) > 1:
        disagreements.append((name, f"'{name}' version node: " + ", ".join(
            f"{e.node or '(unversioned)'} in {s.where(e)}" for s, e in versioned)))
    if node is None and nodes:
        node = nodes[0].name
        if not versioned:
            notes.append(f"listed by no versioned input, put under the first node {node}: {name}")
    # ordinals: the .def is the promise, a PE binary the fact
    promised = [(s, e) for s, e in hits if s.kind == "module-definition file" and e.ordinal is not None]
    facts = [(s, e) for s, e in hits if s.kind == "PE binary" and e.ordinal is not None]
    ordinal = promised[0][1].ordinal if promised else None
    noname = any(e.noname for _, e in hits)
    for s, e in facts:
        if ordinal is not None and e.ordinal != ordinal:
            disagreements.append((name, f"'{name}' ordinal: {ordinal} in {promised[0][0].where(promised[0][1])}, "
                                        f"{e.ordinal} in {s.path}"))
    if noname and ordinal is None:
        ordinal = next((e.ordinal for _, e in hits if e.noname and e.ordinal), None)
    only = tuple(present) if len(present) < len(oses) else ()
    return Symbol(name=name, kind=kind, node=node, only=only, ordinal=ordinal,
                  noname=noname and ordinal is not None)


def import_files(paths: Sequence[Path], *, display: Callable[[Path], str] = str) -> ImportResult:
    sources: list[Source] = []
    for path in paths:
        sources += read_path(path, display(path))
    if not sources or not any(s.entries for s in sources):
        raise ConfigError("nothing to import: the inputs list no exported names")
    return merge(sources)
