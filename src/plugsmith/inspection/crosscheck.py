"""The second reader: lief reads each artifact again and must agree with plugsmith's own readers.

plugsmith reads artifacts with its own ELF, Mach-O and PE readers (fast, bounded, every extent
checked). ``disagreements`` reads the same file with lief (``_lief``: lean parser configurations,
the same structural checks) and names every field of the ``Inspection`` on which the two differ:
a bug in either reader, or a file crafted to read one way to one tool and another way to the
next, becomes a finding instead of a silent wrong answer. ``plugsmith run`` checks what it built
this way; ``plugsmith verify --cross-check`` checks any release.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path

from plugsmith.errors import InputError
from plugsmith.inspection._common import Export, Inspection

__all__ = ["disagreements"]

_SHOWN = 5  # names listed per side before "and N more"
_COMPARED = tuple(f.name for f in fields(Inspection) if f.name != "path")


def disagreements(path: Path, ours: Sequence[Inspection]) -> tuple[str, ...]:
    """Where lief's reading of ``path`` differs from ``ours`` (plugsmith's), one line per field
    (slice-qualified for a fat Mach-O); empty when they agree."""
    from plugsmith.inspection import _lief

    try:
        theirs = _lief.inspect_file(path)
    except InputError as exc:
        return (f"lief cannot read it ({exc.message}); plugsmith's reader can",)
    if len(theirs) != len(ours):
        return (f"plugsmith reads {len(ours)} image(s), lief {len(theirs)}",)
    out: list[str] = []
    for mine, other in zip(ours, theirs, strict=True):
        where = "" if mine.slice_index is None else f"slice {mine.slice_index}: "
        for name in _COMPARED:
            a, b = getattr(mine, name), getattr(other, name)
            if a != b:
                out.append(f"{where}{name}: {_difference(name, a, b)}")
    return tuple(out)


def _difference(name: str, ours: object, theirs: object) -> str:
    if name == "exports" and isinstance(ours, tuple) and isinstance(theirs, tuple):
        mine, other = set(ours), set(theirs)
        only_ours = sorted(_label(e) for e in mine - other)
        only_theirs = sorted(_label(e) for e in other - mine)
        if only_ours or only_theirs:
            return f"only plugsmith reads {_names(only_ours)}; only lief reads {_names(only_theirs)}"
        return "the same exports in a different order"
    return f"plugsmith reads {_clip(repr(ours))}, lief reads {_clip(repr(theirs))}"


def _label(export: Export) -> str:
    suffix = f"@{export.version}" if export.version else (f" #{export.ordinal}" if export.ordinal is not None else "")
    return f"{export.name}{suffix} ({export.kind})"


def _names(items: list[str]) -> str:
    if not items:
        return "nothing"
    more = f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else ""
    return ", ".join(items[:_SHOWN]) + more


def _clip(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
