"""The symbol contract: the one list of what a plugin exports, on every platform.

File format (``symbols/NAME.symbols``), one statement a line, ``#`` starts a comment::

    version 1
    [GREET_1.0]                      # a version node; symbols below belong to it
    greet_add        function
    greet_banner     data
    [GREET_1.1] inherits GREET_1.0   # a newer node, chained to its parent on ELF
    greet_mul        function  only=linux,macos
    greet_win_hook   function  only=windows  ordinal=7

A symbol line is ``NAME KIND [key=value ...]``. KIND is ``function`` or ``data``. Keys:
``only=`` / ``except=`` take comma lists of OS names, arch names or target-name globs
(``linux``, ``aarch64``, ``windows-*``); ``ordinal=N`` fixes the Windows ordinal.
Symbols before any ``[NODE]`` line are unversioned.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from plugsmith.errors import ConfigError, Location, PlugsmithError
from plugsmith.platforms import ARCH_SYNONYMS, ARCHES, OSES

Kind = Literal["function", "data"]
KINDS: tuple[str, ...] = ("function", "data")
KEYS: tuple[str, ...] = ("only", "except", "ordinal")
SUPPORTED_VERSIONS = (1,)

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_NODE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\Z")


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionNode:
    name: str
    parent: str | None
    line: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Symbol:
    name: str
    kind: Kind
    node: str | None = None
    only: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    ordinal: int | None = None
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
        """The contract as one target must export it (platform conditions applied)."""
        return Contract(
            path=self.path, nodes=self.nodes, symbols=tuple(s for s in self.symbols if s.applies_to(target, os, arch))
        )

    def by_name(self) -> dict[str, Symbol]:
        return {s.name: s for s in self.symbols}


def load(path: Path, display: str | None = None) -> Contract:
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("symbols file not found", location=Location(name)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read symbols file: {exc}", location=Location(name)) from None
    return parse(text, name)


def parse(text: str, name: str) -> Contract:
    """Parse a contract; every problem is collected and raised together as one ConfigError."""
    parser = _Parser(name)
    for number, raw in enumerate(text.splitlines(), start=1):
        parser.line(number, raw)
    return parser.finish()


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

    def error(self, number: int, column: int, message: str, field: str | None = None) -> None:
        raw = self.lines.get(number, "")
        caret = f"\n    {raw}\n    {' ' * (column - 1)}^" if raw else ""
        self.errors.append(PlugsmithError(message, location=Location(self.name, number, column, field), details=caret))

    def line(self, number: int, raw: str) -> None:
        self.lines[number] = raw
        code = raw.split("#", 1)[0].rstrip()
        if not code.strip():
            return
        tokens = [(m.start() + 1, m.group()) for m in re.finditer(r"\S+", code)]
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
        if len(tokens) != 2 or not tokens[1][1].isdigit() or int(tokens[1][1]) not in SUPPORTED_VERSIONS:
            col = tokens[1][0] if len(tokens) > 1 else tokens[0][0]
            self.error(number, col, f"unsupported format version (this plugsmith reads {SUPPORTED_VERSIONS})", "version")

    def _node(self, number: int, code: str, col: int) -> None:
        m = re.fullmatch(r"\s*\[([^\]]*)\]\s*(?:inherits\s+(\S+))?\s*", code)
        if not m:
            self.error(number, col, "expected '[NODE]' or '[NODE] inherits PARENT'", "node")
            return
        node, parent = m.group(1).strip(), m.group(2)
        if not _NODE.match(node):
            self.error(number, col + 1, f"invalid version node name '{node}'", "node")
            return
        if any(n.name == node for n in self.nodes):
            self.error(number, col + 1, f"version node '{node}' declared twice", "node")
            return
        if parent is not None and not any(n.name == parent for n in self.nodes):
            pcol = code.index(parent) + 1
            known = [n.name for n in self.nodes]
            self.error(number, pcol, f"unknown parent node '{parent}'{_suggest(parent, known)}", "inherits")
            return
        self.nodes.append(VersionNode(name=node, parent=parent, line=number))
        self.node = node

    def _symbol(self, number: int, tokens: list[tuple[int, str]]) -> None:
        (ncol, name) = tokens[0]
        if not _IDENT.match(name):
            self.error(number, ncol, f"invalid symbol name '{name}' (a C identifier is expected)", "name")
            return
        if len(tokens) < 2:
            self.error(number, ncol + len(name), f"symbol '{name}' needs a kind: function or data", "kind")
            return
        kcol, kind = tokens[1]
        if kind not in KINDS:
            self.error(number, kcol, f"unknown kind '{kind}'{_suggest(kind, KINDS)}", "kind")
            return
        attrs: dict[str, str] = {}
        for col, token in tokens[2:]:
            key, sep, value = token.partition("=")
            if key not in KEYS or not sep or not value:
                hint = _suggest(key, KEYS) if key not in KEYS else f" ('{key}' needs a value)"
                self.error(number, col, f"unknown attribute '{token}'{hint}", key)
                return
            if key in attrs:
                self.error(number, col, f"attribute '{key}' given twice", key)
                return
            attrs[key] = value
        if name in self.seen:
            self.error(number, ncol, f"duplicate symbol '{name}' (first on line {self.seen[name]})", "name")
            return
        only = self._platforms(number, tokens, "only", attrs.get("only"))
        exclude = self._platforms(number, tokens, "except", attrs.get("except"))
        ordinal = None
        if "ordinal" in attrs:
            value = attrs["ordinal"]
            if not value.isdigit() or not 1 <= int(value) <= 65535:
                self.error(number, _col_of(tokens, "ordinal="), f"ordinal must be 1..65535, got '{value}'", "ordinal")
                return
            ordinal = int(value)
            clash = next((s for s in self.symbols if s.ordinal == ordinal), None)
            if clash:
                self.error(number, _col_of(tokens, "ordinal="), f"ordinal {ordinal} already used by '{clash.name}'")
                return
        if only is None or exclude is None:
            return
        self.seen[name] = number
        self.symbols.append(
            Symbol(
                name=name,
                kind=kind,  # type: ignore[arg-type]
                node=self.node,
                only=only,
                exclude=exclude,
                ordinal=ordinal,
                line=number,
            )
        )

    def _platforms(self, number: int, tokens: list[tuple[int, str]], key: str, value: str | None) -> tuple[str, ...] | None:
        if value is None:
            return ()
        known = {*OSES, *(r.arch for r in ARCHES), *(f"{r.os}-{r.arch}" for r in ARCHES)}
        items = []
        for item in value.split(","):
            item = ARCH_SYNONYMS.get(item, item)
            if not item or (item not in known and not any(ch in item for ch in "*?[")):
                col = _col_of(tokens, f"{key}=")
                self.error(number, col, f"unknown platform '{item}' in {key}={value}{_suggest(item, sorted(known))}", key)
                return None
            items.append(item)
        return tuple(items)

    def finish(self) -> Contract:
        if self.nodes:
            for sym in self.symbols:
                if sym.node is None:
                    first = self.nodes[0]
                    self.error(sym.line, 1, f"symbol '{sym.name}' has no version node, but this file uses nodes "
                               f"(move it below '[{first.name}]' on line {first.line})", "node")
        if self.errors:
            self.errors.sort(key=lambda e: e.location.line or 0 if e.location else 0)
            first = self.errors[0]
            raise ConfigError(first.message, location=first.location, errors=tuple(self.errors))
        return Contract(path=self.name, nodes=tuple(self.nodes), symbols=tuple(self.symbols))


def _col_of(tokens: list[tuple[int, str]], prefix: str) -> int:
    return next((c for c, t in tokens if t.startswith(prefix)), tokens[0][0])


def _suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    return _suggest(word, choices)
