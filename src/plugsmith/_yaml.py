"""Load YAML keeping where each value came from, so errors can say file:line:col."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from plugsmith._fs import read_user_text
from plugsmith._located import Located, PathKey, dotted
from plugsmith.errors import ConfigError, Location

__all__ = ["Located", "PathKey", "dotted", "load", "loads"]

#: Bounds that no real build matrix comes near and that keep a hostile one cheap: the file's
#: size, the nesting depth, the number of aliases and of values after aliases are expanded
#: (a "billion laughs" document is a few aliases expanding to millions of values).
MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
MAX_ALIASES = 200
MAX_VALUES = 200_000

_CORE = "tag:yaml.org,2002:"
_SCALARS = {f"{_CORE}{t}": t for t in ("str", "null", "bool", "int", "float", "timestamp")}
_WORDS = {"null": "nothing", "bool": "a boolean", "int": "an integer", "float": "a number", "timestamp": "a date"}


class _Composer(yaml.SafeLoader):
    """PyYAML's safe loader, composing nodes only (no Python objects), with the depth and alias
    bounds checked while composing: its recursion is bounded before Python's is."""

    def __init__(self, text: str, name: str) -> None:
        super().__init__(text)
        self.file = name
        self.depth = 0
        self.aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call,unused-ignore]  # untyped in types-PyYAML
        if isinstance(event, yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise _refuse(self.file, event.start_mark, f"more than {MAX_ALIASES} aliases (*name)")
            return super().compose_node(parent, index)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _refuse(self.file, event.start_mark, f"nested deeper than {MAX_DEPTH} levels")
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def load(path: Path, display: str | None = None) -> Located:
    name = display or str(path)
    return loads(read_user_text(path, name, limit=MAX_BYTES), name)


def loads(text: str, name: str) -> Located:
    """Parse ``text`` as plain YAML data; every problem, including a tag or value that cannot be
    converted, is one ConfigError at file:line:col."""
    if len(text) > MAX_BYTES:
        raise ConfigError(f"larger than {MAX_BYTES} bytes: refusing to read it", location=Location(name))
    loader: _Composer | None = None
    try:
        loader = _Composer(text, name)
        node = loader.get_single_node()
    except ConfigError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        loc = Location(name, mark.line + 1, mark.column + 1) if mark else Location(name)
        raise ConfigError(f"invalid YAML: {_one_line(str(exc.problem))}", location=loc) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise ConfigError(f"invalid YAML: character U+{exc.character:04X} is not allowed in YAML text",
                          location=Location(name, line, col)) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise ConfigError(f"invalid YAML: {_one_line(str(exc))}", location=Location(name)) from None
    finally:
        if loader is not None:
            loader.dispose()
    located = Located(name, None)
    if node is None:
        located.value = {}
        return located
    located.value = _Converter(located).convert(node, ())
    return located


class _Converter:
    """Nodes to plain values. Aliases share nodes, so a node met again on the current path is a
    cycle, and every value made counts towards ``MAX_VALUES``."""

    def __init__(self, out: Located) -> None:
        self.out = out
        self.active: set[int] = set()
        self.values = 0

    def convert(self, node: yaml.Node, path: PathKey) -> Any:
        self.values += 1
        if self.values > MAX_VALUES:
            raise _refuse(self.out.file, node.start_mark, f"more than {MAX_VALUES} values once aliases are "
                          "expanded (an alias bomb?)", dotted(path) or None)
        if id(node) in self.active:
            raise _refuse(self.out.file, node.start_mark, "an alias refers to a value that contains it (a cycle)",
                          dotted(path) or None)
        self.out.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node, self.out.file, dotted(path) or None)
        if node.tag not in (f"{_CORE}map", f"{_CORE}seq"):
            raise _tag_error(node, self.out.file, dotted(path) or None)
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.convert(child, (*path, i)) for i, child in enumerate(node.value)]
            assert isinstance(node, yaml.MappingNode)
            return self.mapping(node, path)
        finally:
            self.active.discard(id(node))

    def mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[str, Any]:
        out = self.out
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == f"{_CORE}merge":
                raise _refuse(out.file, key_node.start_mark, "merge keys ('<<') are not supported: write the "
                              "keys out")
            key = _scalar(key_node, out.file, dotted(path) or None) if isinstance(key_node, yaml.ScalarNode) \
                else key_node
            if not isinstance(key, str):
                raise ConfigError(f"keys must be strings, got {_shown(key)}",
                                  location=_at(out.file, key_node, dotted(path) or None))
            if key in result:
                raise ConfigError(f"duplicate key '{_clip(key)}'",
                                  location=_at(out.file, key_node, dotted((*path, key))))
            key_path = (*path, key)
            out.key_marks[key_path] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.convert(value_node, key_path)
        return result


def _scalar(node: yaml.ScalarNode, file: str, field: str | None = None) -> Any:
    """Convert one scalar by its (resolved or explicit) tag, inside the error path. Dates stay text:
    a build matrix has no dates, and ``2020-13-45`` must not be an error either."""
    kind = _SCALARS.get(node.tag)
    if kind is None:
        raise _tag_error(node, file, field)
    if kind in ("str", "timestamp"):
        return node.value
    constructor = yaml.constructor.SafeConstructor()  # a scalar needs no loader, only its converter
    try:
        return constructor.construct_object(node, deep=True)
    except (ValueError, KeyError, TypeError, OverflowError, ArithmeticError, yaml.YAMLError):
        raise ConfigError(f"'{_clip(node.value)}' is not {_WORDS[kind]}", location=_at(file, node, field)) from None


def _tag_error(node: yaml.Node, file: str, field: str | None = None) -> ConfigError:
    tag = node.tag.replace(_CORE, "!!")
    return ConfigError(f"YAML tag '{_clip(tag)}' is not supported (plain strings, numbers, booleans, lists and "
                       "mappings only)", location=_at(file, node, field))


def _at(file: str, node: yaml.Node, field: str | None = None) -> Location:
    return Location(file, node.start_mark.line + 1, node.start_mark.column + 1, field)


def _refuse(file: str, mark: Any, message: str, field: str | None = None) -> ConfigError:
    """``mark``: a PyYAML mark (pure Python or libyaml's), or None."""
    if mark is None:
        return ConfigError(message, location=Location(file, field=field))
    return ConfigError(message, location=Location(file, int(mark.line) + 1, int(mark.column) + 1, field))


def _clip(text: str, limit: int = 80) -> str:
    """A value echoed in a message: one line, bounded, control characters escaped."""
    text = text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def _shown(value: Any) -> str:
    if isinstance(value, yaml.Node):
        return "a list" if isinstance(value, yaml.SequenceNode) else "a mapping"
    return _clip(repr(value))


def _one_line(text: str) -> str:
    return _clip(" ".join(text.split()), 200)
