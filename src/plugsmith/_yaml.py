"""Load YAML keeping where each value came from, so errors can say file:line:col."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from plugsmith._fs import read_user_text
from plugsmith.errors import ConfigError, Location

PathKey = tuple[str | int, ...]


@dataclass(slots=True)
class Located:
    """A plain Python value plus the position of every node in it, keyed by path."""

    file: str
    value: Any
    marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: PathKey, field_name: str | None = None, *, at_key: bool = False) -> Location:
        """The location of the value at ``path`` (or of its key), else of its nearest parent."""
        if at_key and path in self.key_marks:
            line, col = self.key_marks[path]
            return Location(self.file, line, col, field_name if field_name is not None else dotted(path))
        probe = path
        while probe and probe not in self.marks:
            probe = probe[:-1]
        line, col = self.marks.get(probe, (None, None))  # type: ignore[assignment]
        return Location(self.file, line, col, field_name if field_name is not None else dotted(path))


def dotted(path: PathKey) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def load(path: Path, display: str | None = None) -> Located:
    name = display or str(path)
    return loads(read_user_text(path, name), name)


def loads(text: str, name: str) -> Located:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        loc = Location(name, mark.line + 1, mark.column + 1) if mark else Location(name)
        raise ConfigError(f"invalid YAML: {exc.problem}", location=loc) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", location=Location(name)) from None
    located = Located(name, None)
    if node is None:
        located.value = {}
        return located
    located.value = _convert(node, (), located)
    return located


def _convert(node: yaml.Node, path: PathKey, out: Located) -> Any:
    out.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            if not isinstance(key, str):
                raise ConfigError(
                    f"keys must be strings, got {key!r}",
                    location=Location(out.file, key_node.start_mark.line + 1, key_node.start_mark.column + 1),
                )
            if key in result:
                raise ConfigError(
                    f"duplicate key '{key}'",
                    location=Location(
                        out.file, key_node.start_mark.line + 1, key_node.start_mark.column + 1, dotted((*path, key))
                    ),
                )
            out.key_marks[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = _convert(value_node, (*path, key), out)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(child, (*path, i), out) for i, child in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return node  # caller reports the type
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()
