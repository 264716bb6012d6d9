"""A value loaded from YAML with where each part of it came from (``_yaml`` fills it). Apart from
``_yaml`` so a stage that only reports positions (the release policy) does not import PyYAML."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from plugsmith.errors import Location

__all__ = ["Located", "PathKey", "dotted"]

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
        mark = self.marks.get(probe)
        return Location(self.file, mark[0] if mark else None, mark[1] if mark else None,
                        field_name if field_name is not None else dotted(path))


def dotted(path: PathKey) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text
