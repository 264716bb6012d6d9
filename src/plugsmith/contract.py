"""The symbol contract: the one list of what a plugin exports, on every platform and release.

File format (``symbols/NAME.symbols``), one statement a line, ``#`` starts a comment::

    version 1
    [GREET_1.0]                      # a version node; symbols below belong to it
    greet_add        function  ordinal=1
    greet_banner     data
    greet_old        function  deprecated=GREET_1.1 removed=GREET_2.0
    [GREET_1.1] inherits GREET_1.0   # a newer node, chained to its parent on ELF
    greet_mul        function  only=linux,macos
    greet_win_hook   function  only=windows  ordinal=7 noname

A symbol line is ``NAME KIND [key=value ...] [noname]``. KIND is ``function`` or ``data``. Keys:

- ``only=`` / ``except=``: comma lists of OS names, arch names or target-name globs
  (``linux``, ``aarch64``, ``windows-*``); the symbol is exported only on matching targets.
- ``ordinal=N`` (1..65535): the Windows ordinal, fixed across releases; ``noname`` (needs an
  ordinal) exports it by ordinal only (.def ``NONAME``).
- ``deprecated=NODE``: deprecated since that (later) node; still exported.
- ``removed=NODE``: dropped in that (later) node; no longer exported, kept in the file so the
  release history (and its ordinal) stays on record.

Version nodes: ``[NODE]`` or ``[NODE] inherits PARENT``; a parent may be declared before or
after its child; unknown parents and cycles are errors. Symbols before any ``[NODE]`` line are
unversioned, and a file that uses nodes must put every symbol under one.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from plugsmith._fs import read_user_text
from plugsmith.errors import ConfigError, Location, PlugsmithError, suggest
from plugsmith.platforms import ARCH_SYNONYMS, ARCHES, OS_ROWS, OSES

SymbolKind = Literal["function", "data"]
KINDS: tuple[str, ...] = ("function", "data")
KEYS: tuple[str, ...] = ("only", "except", "ordinal", "deprecated", "removed")
FLAGS: tuple[str, ...] = ("noname",)
SUPPORTED_VERSIONS = (1,)
#: Version of the JSON form of a contract (``plugsmith symbols show --json``).
JSON_VERSION = 1

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_NODE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\Z")
_NUMBER = re.compile(r"[0-9]{1,9}\Z")  # ASCII digits only: '²' or '١٢' is not an ordinal
_TOKEN = re.compile(r"[^ \t]+")  # only space and tab separate tokens; any other character is text
_BOM = "\ufeff"
#: Longest symbol name: far above any real API, below what every format's reader keeps (lief
#: drops a PE export name of 8,192 characters, so such a DLL could never verify).
MAX_NAME = 1024
#: Problems reported at most per file: a broken generated file must not print a million lines.
MAX_ERRORS = 100
#: Names that cannot be a symbol: the keywords of C (C23, 6.4.1). A function named ``while``
#: compiles in no source; without this check it fails only at link time, on some targets.
KEYWORDS: frozenset[str] = frozenset("""
    alignas alignof auto bool break case char const constexpr continue default do double else enum extern
    false float for goto if inline int long nullptr register restrict return short signed sizeof static
    static_assert struct switch thread_local true typedef typeof typeof_unqual union unsigned void volatile
    while _Alignas _Alignof _Atomic _BitInt _Bool _Complex _Decimal128 _Decimal32 _Decimal64 _Generic
    _Imaginary _Noreturn _Static_assert _Thread_local
""".split())  # noqa: SIM905 - a word list reads best as words
#: Further names no C++ source can declare (C++23 [lex.key] and the alternative operator
#: spellings of [lex.digraph]): a C plugin may export ``new``, a C++ plugin may not (the matrix
#: checks this for ``language: c++``).
CXX_KEYWORDS: frozenset[str] = frozenset("""
    asm catch char8_t char16_t char32_t class co_await co_return co_yield concept const_cast consteval
    constinit decltype delete dynamic_cast explicit export friend mutable namespace new noexcept operator
    private protected public reinterpret_cast requires static_cast template this throw try typeid typename
    using virtual wchar_t
    and and_eq bitand bitor compl not not_eq or or_eq xor xor_eq
""".split()) | KEYWORDS  # noqa: SIM905


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionNode:
    name: str
    parent: str | None
    line: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Symbol:
    name: str
    kind: SymbolKind
    node: str | None = None
    only: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    ordinal: int | None = None
    noname: bool = False  # Windows: export by ordinal only (.def NONAME)
    deprecated: str | None = None  # node the symbol is deprecated since
    removed: str | None = None  # node the symbol was dropped in (no longer exported)
    line: int = 0

    def applies_to(self, target: str, os: str, arch: str) -> bool:
        def hit(patterns: tuple[str, ...]) -> bool:
            return any(p in (os, arch) or fnmatch.fnmatchcase(target, p) for p in patterns)

        if self.only and not hit(self.only):
            return False
        return not (self.exclude and hit(self.exclude))

    @property
    def conditional(self) -> bool:
        return bool(self.only or self.exclude)


@dataclass(frozen=True, slots=True, kw_only=True)
class Contract:
    path: str
    nodes: tuple[VersionNode, ...]
    symbols: tuple[Symbol, ...]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(s.name for s in self.symbols)

    def for_target(self, target: str, os: str, arch: str) -> Contract:
        """The contract as one target must export it: platform conditions applied, removed symbols dropped."""
        return Contract(path=self.path, nodes=self.nodes,  # most symbols have no condition: skip the call
                        symbols=tuple(s for s in self.symbols if s.removed is None
                                      and ((not s.only and not s.exclude) or s.applies_to(target, os, arch))))

    def by_name(self) -> dict[str, Symbol]:
        return {s.name: s for s in self.symbols}

    @property
    def removed(self) -> tuple[Symbol, ...]:
        return tuple(s for s in self.symbols if s.removed is not None)

    def ordered_nodes(self) -> tuple[VersionNode, ...]:
        """Nodes with every parent before its children (file order otherwise): what an ELF script needs."""
        by_name = {n.name: n for n in self.nodes}
        done: dict[str, VersionNode] = {}

        def visit(node: VersionNode) -> None:
            if node.name in done:
                return
            if node.parent in by_name:
                visit(by_name[node.parent])
            done[node.name] = node

        for node in self.nodes:
            visit(node)
        return tuple(done.values())

    def ancestors(self, node: str) -> tuple[str, ...]:
        """``node`` and every node it inherits from, nearest first."""
        by_name = {n.name: n for n in self.nodes}
        chain: list[str] = []
        current: str | None = node
        while current is not None and current in by_name and current not in chain:
            chain.append(current)
            current = by_name[current].parent
        return tuple(chain)


def load(path: Path, display: str | None = None) -> Contract:
    name = display or str(path)
    return parse(read_user_text(path, name, "symbols file"), name)


def parse(text: str, name: str) -> Contract:
    """Parse a contract; every problem is collected and raised together as one ConfigError."""
    parser = _Parser(name)
    for number, raw in lines(text):
        parser.line(number, raw)
    return parser.finish()


def lines(text: str) -> Iterator[tuple[int, str]]:
    """``(number, line)`` of a contract. Only ``\\n`` (and ``\\r\\n``) end a line: a form feed, NEL or
    U+2028 in a comment must not shift every later line number (``str.splitlines`` splits on them).
    A leading UTF-8 byte order mark is not text."""
    if text.startswith(_BOM):
        text = text[1:]
    number = 0
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        number += 1
        raw = text[start:end]
        yield number, raw[:-1] if raw.endswith("\r") else raw
        start = end + 1


class _Parser:
    def __init__(self, name: str) -> None:
        self.name = name
        self.errors: list[PlugsmithError] = []
        self.nodes: list[VersionNode] = []
        self.symbols: list[Symbol] = []
        self.seen: dict[str, int] = {}
        self.node: str | None = None
        self.version_seen = False
        self.lines: dict[int, str] = {}
        self.parent_col: dict[str, int] = {}  # node -> column of its parent's name
        self.columns: dict[tuple[int, str], int] = {}  # (line, key) -> column, for errors found at the end
        self.node_lines: dict[str, int] = {}
        self.ordinals: dict[int, Symbol] = {}
        self.dropped = 0  # problems beyond MAX_ERRORS

    def error(self, number: int, column: int, message: str, field: str | None = None) -> None:
        if len(self.errors) >= MAX_ERRORS:
            self.dropped += 1
            return
        raw = self.lines.get(number, "")
        self.errors.append(PlugsmithError(message, location=Location(self.name, number, column, field),
                                          details=_caret(raw, column) if raw else ""))

    def line(self, number: int, raw: str) -> None:
        code = raw.split("#", 1)[0].rstrip(" \t")
        if not code.strip(" \t"):
            return
        self.lines[number] = raw
        tokens = [(m.start() + 1, m.group()) for m in _TOKEN.finditer(code)]
        first_col, first = tokens[0]
        if first == "version":
            self._version(number, tokens)
        elif first.startswith("["):
            self._node(number, code, first_col)
        else:
            self._symbol(number, tokens)

    def _version(self, number: int, tokens: list[tuple[int, str]]) -> None:
        if self.version_seen or self.nodes or self.symbols:
            self.error(number, tokens[0][0], "'version' must be the first statement, once", "version")
            return
        self.version_seen = True
        if len(tokens) != 2 or not _NUMBER.match(tokens[1][1]) or int(tokens[1][1]) not in SUPPORTED_VERSIONS:
            col = tokens[1][0] if len(tokens) > 1 else tokens[0][0]
            self.error(number, col, f"unsupported format version (this plugsmith reads {SUPPORTED_VERSIONS})",
                       "version")

    def _node(self, number: int, code: str, col: int) -> None:
        m = re.fullmatch(r"[ \t]*\[([^\]]*)\][ \t]*(?:inherits[ \t]+([^ \t]+))?[ \t]*", code)
        if not m:
            self.error(number, col, "expected '[NODE]' or '[NODE] inherits PARENT'", "node")
            return
        node, parent = m.group(1).strip(" \t"), m.group(2)
        if not _NODE.match(node):
            self.error(number, col + 1, f"invalid version node name '{_clip(node)}'", "node")
            return
        if node in self.node_lines:
            first = self.node_lines[node]
            self.error(number, col + 1, f"version node '{node}' declared twice (first on line {first})", "node")
            return
        self.node_lines[node] = number
        if parent is not None:
            self.parent_col[node] = m.start(2) + 1
        self.nodes.append(VersionNode(name=node, parent=parent, line=number))
        self.node = node

    def _symbol(self, number: int, tokens: list[tuple[int, str]]) -> None:
        (ncol, name) = tokens[0]
        if not _IDENT.match(name):
            self.error(number, ncol, f"invalid symbol name '{_clip(name)}' (a C identifier is expected)", "name")
            return
        if len(name) > MAX_NAME:
            self.error(number, ncol, f"symbol name of {len(name)} characters (at most {MAX_NAME})", "name")
            return
        if name in KEYWORDS:
            self.error(number, ncol, f"symbol name '{name}' is a C keyword: no C source can define or declare "
                       "it", "name")
            return
        if len(tokens) < 2:
            self.error(number, ncol + len(name), f"symbol '{name}' needs a kind: function or data", "kind")
            return
        kcol, kind_text = tokens[1]
        if kind_text not in KINDS:
            self.error(number, kcol, f"unknown kind '{_clip(kind_text)}'{suggest(kind_text, KINDS)}", "kind")
            return
        kind: SymbolKind = "data" if kind_text == "data" else "function"
        attrs: dict[str, str] = {}
        flags: set[str] = set()
        for col, token in tokens[2:]:
            key, sep, value = token.partition("=")
            if not sep and key in FLAGS:
                if key in flags:
                    self.error(number, col, f"attribute '{key}' given twice", key)
                    return
                flags.add(key)
                continue
            if key not in KEYS or not sep or not value:
                if key in KEYS:
                    hint = f" ('{key}' needs a value)"
                elif key in FLAGS:
                    hint = f" ('{key}' takes no value)"
                else:
                    hint = suggest(key, KEYS + FLAGS)
                self.error(number, col, f"unknown attribute '{_clip(token)}'{hint}", _clip(key, 40))
                return
            if key in attrs:
                self.error(number, col, f"attribute '{key}' given twice", key)
                return
            attrs[key] = value
            self.columns[(number, key)] = col
        if name in self.seen:
            self.error(number, ncol, f"duplicate symbol '{name}' (first on line {self.seen[name]})", "name")
            return
        only = self._platforms(number, tokens, "only", attrs.get("only"))
        exclude = self._platforms(number, tokens, "except", attrs.get("except"))
        ordinal = None
        if "ordinal" in attrs:
            value = attrs["ordinal"]
            if not _NUMBER.match(value) or not 1 <= int(value) <= 65535:
                self.error(number, _col_of(tokens, "ordinal="), f"ordinal must be 1..65535, got '{_clip(value)}'",
                           "ordinal")
                return
            ordinal = int(value)
            clash = self.ordinals.get(ordinal)
            if clash:
                self.error(number, _col_of(tokens, "ordinal="),
                           f"ordinal {ordinal} already used by '{clash.name}' (line {clash.line})", "ordinal")
                return
        if "noname" in flags and ordinal is None:
            self.error(number, _col_of(tokens, "noname"), "'noname' needs an ordinal: write ordinal=N before it "
                       "(a symbol exported without a name is found by its ordinal only)", "noname")
            return
        if only is None or exclude is None:
            return
        if not self._reachable(number, tokens, only, exclude):
            return
        self.seen[name] = number
        self.symbols.append(
            Symbol(
                name=name,
                kind=kind,
                node=self.node,
                only=only,
                exclude=exclude,
                ordinal=ordinal,
                noname="noname" in flags,
                deprecated=attrs.get("deprecated"),
                removed=attrs.get("removed"),
                line=number,
            )
        )
        if ordinal is not None:
            self.ordinals[ordinal] = self.symbols[-1]

    def _platforms(self, number: int, tokens: list[tuple[int, str]], key: str,
                   value: str | None) -> tuple[str, ...] | None:
        if value is None:
            return ()
        items = []
        for item in value.split(","):
            item = ARCH_SYNONYMS.get(item, item)
            problem, hint = _platform_problem(item)
            if problem:
                col = _col_of(tokens, f"{key}=")
                self.error(number, col, f"{problem} in {key}={_clip(value)}{hint}", key)
                return None
            items.append(item)
        return tuple(items)

    def _reachable(self, number: int, tokens: list[tuple[int, str]], only: tuple[str, ...],
                   exclude: tuple[str, ...]) -> bool:
        """``only=`` and ``except=`` that together leave no known target can only be a mistake: the
        symbol would silently be exported nowhere. Judged when ``only=`` names plain platforms (a
        glob may mean a custom target name this file cannot know)."""
        if not only or not exclude or any(_is_glob(p) for p in only):
            return True
        probe = Symbol(name="", kind="function", only=only, exclude=exclude)
        if any(probe.applies_to(t, os, arch) for t, os, arch in _UNIVERSE):
            return True
        self.error(number, _col_of(tokens, "except="), f"only={','.join(only)} and except={','.join(exclude)} "
                   "leave no target: the symbol would be exported nowhere", "except")
        return False

    def _check_nodes(self) -> None:
        names = {n.name: n for n in self.nodes}
        for node in self.nodes:
            if node.parent is not None and node.parent not in names:
                known = [n.name for n in self.nodes if n.name != node.name]
                self.error(node.line, self.parent_col.get(node.name, 1),
                           f"unknown parent node '{node.parent}'{suggest(node.parent, known)}", "inherits")
        # Each node has at most one parent: walk each chain once (state 1: on the current walk,
        # 2: finished), so a 20,000-node chain costs 20,000 steps, not 20,000 squared.
        state: dict[str, int] = {}
        for node in self.nodes:
            walk: list[str] = []
            current: str | None = node.name
            while current is not None and current in names and current not in state:
                state[current] = 1
                walk.append(current)
                current = names[current].parent
            if current is not None and state.get(current) == 1:  # closed a loop on this walk
                loop = walk[walk.index(current):]
                head = names[loop[0]]
                shown = [*loop, loop[0]] if len(loop) <= 10 else [*loop[:10], "...", loop[0]]
                self.error(head.line, self.parent_col.get(head.name, 1),
                           f"version node cycle: {' -> '.join(shown)}", "inherits")
            for name in walk:
                state[name] = 2

    def _check_history(self, symbols: list[Symbol]) -> None:
        names = {n.name: n for n in self.nodes}
        contract = _Lineage(self.nodes)
        for sym in symbols:
            for key in ("deprecated", "removed"):
                value = getattr(sym, key)
                if value is None:
                    continue
                col = self.columns.get((sym.line, key), 1)
                if value not in names:
                    self.error(sym.line, col, f"{key}={_clip(value)}: unknown version node"
                               f"{suggest(value, list(names))}", key)
                elif sym.node is not None and (value == sym.node or not contract.inherits(value, sym.node)):
                    self.error(sym.line, col, f"{key}={value}: must name a node that inherits from '{sym.node}', "
                               f"the node that introduced '{sym.name}'", key)
            if (sym.deprecated and sym.removed and sym.deprecated in names and sym.removed in names
                    and not contract.inherits(sym.removed, sym.deprecated)):
                self.error(sym.line, self.columns.get((sym.line, "removed"), 1),
                           f"removed={sym.removed} must come after deprecated={sym.deprecated}", "removed")

    def finish(self) -> Contract:
        self._check_nodes()
        if self.nodes:
            for sym in self.symbols:
                if sym.node is None:
                    top = self.nodes[0]
                    self.error(sym.line, 1, f"symbol '{sym.name}' has no version node, but this file uses nodes "
                               f"(move it below '[{top.name}]' on line {top.line})", "node")
        if not any(e.message.startswith("version node cycle") for e in self.errors):
            self._check_history(self.symbols)
        if not self.symbols and not self.errors:
            self.error(1, 1, "the contract declares no symbols: a plugin built from it would export nothing", "name")
        if self.errors:
            self.errors.sort(key=lambda e: (e.location.line or 0, e.location.column or 0) if e.location else (0, 0))
            if self.dropped:
                self.errors.append(PlugsmithError(f"... and {self.dropped} more problems (the first {MAX_ERRORS} "
                                                  "are shown)", location=Location(self.name)))
            earliest = self.errors[0]
            raise ConfigError(earliest.message, location=earliest.location, errors=tuple(self.errors))
        return Contract(path=self.name, nodes=tuple(self.nodes), symbols=tuple(self.symbols))


class _Lineage:
    """"Does node A inherit from node B" in constant time: each node's entry and exit number in a
    depth-first walk of the inheritance forest (called after cycles were reported; a node left in
    a cycle just answers no)."""

    def __init__(self, nodes: list[VersionNode]) -> None:
        children: dict[str | None, list[str]] = {}
        known = {n.name for n in nodes}
        for n in nodes:
            children.setdefault(n.parent if n.parent in known else None, []).append(n.name)
        self.enter: dict[str, int] = {}
        self.leave: dict[str, int] = {}
        clock = 0
        stack: list[tuple[str, bool]] = [(name, False) for name in reversed(children.get(None, []))]
        while stack:
            name, done = stack.pop()
            clock += 1
            if done:
                self.leave[name] = clock
                continue
            self.enter[name] = clock
            stack.append((name, True))
            stack.extend((child, False) for child in reversed(children.get(name, [])))

    def inherits(self, node: str, ancestor: str) -> bool:
        """``ancestor`` is ``node`` or one of the nodes it inherits from."""
        if node not in self.enter or ancestor not in self.enter:
            return False
        return self.enter[ancestor] <= self.enter[node] and self.leave[node] <= self.leave[ancestor]


def _is_glob(item: str) -> bool:
    return any(ch in item for ch in "*?[")


#: ``(target, os, arch)`` of every target a contract's conditions are judged against: each
#: supported pair, plus its names with a non-default libc (``-musl``) and a glibc pin on Linux,
#: as build_matrix.yaml names targets.
_UNIVERSE: tuple[tuple[str, str, str], ...] = tuple(
    (f"{r.os}-{r.arch}{suffix}", r.os, r.arch)
    for r in ARCHES for suffix in ("", *(f"-{libc}" for libc in OS_ROWS[r.os].libcs[1:]),
                                    *(("-glibc2.28",) if OS_ROWS[r.os].glibc_pin else ()))
)
_KNOWN: frozenset[str] = frozenset({*OSES, *(r.arch for r in ARCHES), *(f"{r.os}-{r.arch}" for r in ARCHES),
                                    *(f"{r.os}-{r.arch}-{libc}" for r in ARCHES for libc in OS_ROWS[r.os].libcs[1:])})


def _platform_problem(item: str) -> tuple[str, str]:
    """Why ``item`` of an ``only=``/``except=`` list can match no target, and a suggestion
    (``("", "")`` when it can match)."""
    if not item:
        return "empty platform name", ""
    if not _is_glob(item):
        return ("", "") if item in _KNOWN else (f"unknown platform '{_clip(item)}'", suggest(item, sorted(_KNOWN)))
    opened = item.find("[")
    if opened >= 0 and item.find("]", opened + 2) < 0:
        return f"glob '{_clip(item)}' has a '[' that is never closed", ""
    if any(fnmatch.fnmatchcase(t, item) for t, _, _ in _UNIVERSE):
        return "", ""
    literal = re.split(r"[*?\[]", item, maxsplit=1)[0]
    if any(t.startswith(literal) for t, _, _ in _UNIVERSE):
        return "", ""  # may match a custom target name, e.g. linux-x86_64-glibc2.17
    return f"glob '{_clip(item)}' matches no target", suggest(literal, sorted(_KNOWN))


def _caret(raw: str, column: int, width: int = 100) -> str:
    """The offending line with a caret under ``column``, cut to a window around it."""
    start = max(0, column - 1 - width // 2)
    piece = raw[start:start + width]
    lead = "..." if start else ""
    tail = "..." if start + width < len(raw) else ""
    text = _clip(piece, width + 10) if not piece.isprintable() else piece
    return f"\n    {lead}{text}{tail}\n    {' ' * (len(lead) + column - 1 - start)}^"


def _clip(text: str, limit: int = 80) -> str:
    """A token echoed in a message: bounded, control and invisible characters escaped."""
    if len(text) > limit:
        return f"{_clip(text[:limit], limit)}... ({len(text)} characters)"
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def _col_of(tokens: list[tuple[int, str]], prefix: str) -> int:
    return next((c for c, t in tokens if t.startswith(prefix)), tokens[0][0])



# --------------------------------------------------------------------------- other forms


def to_data(contract: Contract) -> dict[str, Any]:
    """The JSON form of a contract (schema: ``plugsmith/schemas/contract.schema.json``)."""
    return {
        "version": JSON_VERSION,
        "path": contract.path,
        "nodes": [{"name": n.name, "parent": n.parent} for n in contract.nodes],
        "symbols": [
            {
                "name": s.name,
                "kind": s.kind,
                "node": s.node,
                "only": list(s.only),
                "except": list(s.exclude),
                "ordinal": s.ordinal,
                "noname": s.noname,
                "deprecated": s.deprecated,
                "removed": s.removed,
            }
            for s in contract.symbols
        ],
    }


def from_data(data: dict[str, Any], name: str) -> Contract:
    """Rebuild a contract from its JSON form by writing it as text and parsing that (one validator)."""
    try:
        nodes = tuple(VersionNode(name=str(n["name"]), parent=n.get("parent"), line=0) for n in data["nodes"])
        symbols = tuple(
            Symbol(name=str(s["name"]), kind=s["kind"], node=s.get("node"), only=tuple(s.get("only") or ()),
                   exclude=tuple(s.get("except") or ()), ordinal=s.get("ordinal"), noname=bool(s.get("noname")),
                   deprecated=s.get("deprecated"), removed=s.get("removed"))
            for s in data["symbols"]
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"not a plugsmith contract in JSON form (missing or wrong {exc})",
                          location=Location(name)) from None
    return parse(dump(Contract(path=name, nodes=nodes, symbols=symbols)), name)


def dump(contract: Contract, *, header: str = "", notes: dict[str, str] | None = None) -> str:
    """The contract as a symbols file; ``notes`` adds a trailing comment to a symbol's line."""
    notes = notes or {}
    lines = [f"# {h}" if h else "#" for h in header.splitlines()]
    lines.append("version 1")
    width = max((len(s.name) for s in contract.symbols), default=0) + 2

    def emit(sym: Symbol) -> None:
        parts = [f"{sym.name:<{width}}{sym.kind:<10}"]
        if sym.only:
            parts.append(f"only={','.join(sym.only)}")
        if sym.exclude:
            parts.append(f"except={','.join(sym.exclude)}")
        if sym.ordinal is not None:
            parts.append(f"ordinal={sym.ordinal}")
        if sym.noname:
            parts.append("noname")
        if sym.deprecated:
            parts.append(f"deprecated={sym.deprecated}")
        if sym.removed:
            parts.append(f"removed={sym.removed}")
        text = " ".join(parts).rstrip()
        if sym.name in notes:
            text += f"  # {notes[sym.name]}"
        lines.append(text)

    for sym in contract.symbols:
        if sym.node is None:
            emit(sym)
    for node in contract.nodes:
        lines.append("")
        lines.append(f"[{node.name}]" + (f" inherits {node.parent}" if node.parent else ""))
        for sym in contract.symbols:
            if sym.node == node.name:
                emit(sym)
    return "\n".join(lines) + "\n"

