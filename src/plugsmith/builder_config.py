"""The ``builder:`` of a plugin in build_matrix.yaml and the fields each builder takes.

A plugin is built by zig from its ``sources:`` (``builder: zig``, the default), or by the
project's own build run through plugsmith's zig wrappers:

- ``builder: cmake`` / ``builder: meson``: ``source_dir`` (the folder holding CMakeLists.txt /
  meson.build), ``cmake_target`` / ``meson_target`` (the library target; default: the plugin's
  name) and ``options`` (``-DKEY=VALUE`` for the configure step);
- ``builder: go``: ``package`` (the folder of the ``main`` package built ``-buildmode=c-shared``).

``static_libs:`` (every builder) lists vendored static libraries linked into the plugin, hidden
per the contract like the plugin's own objects; ``{target}``, ``{os}`` and ``{arch}`` in a path
name the per-target copy (a ``.a`` is built for one target). Validation lives here; the matrix
calls :func:`parse` and :func:`static_libs` with its own ``fail`` (errors keep file:line:col).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plugsmith.errors import suggest

__all__ = ["BUILDERS", "BUILDER_KEYS", "DEFAULT_BUILDER", "PLACEHOLDERS", "Project", "all_keys", "expand", "parse",
           "static_libs"]

Fail = Callable[[tuple[str | int, ...], str], None]
#: Resolve a project-relative folder (checked to exist, inside the project), or None after failing.
ResolveDir = Callable[[str, tuple[str | int, ...]], Path | None]

DEFAULT_BUILDER = "zig"
BUILDERS = ("zig", "cmake", "meson", "go")
#: The plugin keys each builder takes beyond the common ones (name, contract, builder, language,
#: cflags, ldflags, static_libs). A key of another builder is an error naming its builder.
BUILDER_KEYS: dict[str, tuple[str, ...]] = {
    "zig": ("sources", "include_dirs", "defines"),
    "cmake": ("source_dir", "cmake_target", "options"),
    "meson": ("source_dir", "meson_target", "options"),
    "go": ("package",),
}
#: Keys that must be present, per builder.
REQUIRED_KEYS: dict[str, tuple[str, ...]] = {"zig": ("sources",), "cmake": ("source_dir",),
                                             "meson": ("source_dir",), "go": ("package",)}
PLACEHOLDERS = ("target", "os", "arch")
#: How a YAML boolean option is spelled on the configure line.
BOOLEANS = {"cmake": ("ON", "OFF"), "meson": ("true", "false")}


@dataclass(frozen=True, slots=True, kw_only=True)
class Project:
    """A plugin built by its own build system (or Go) rather than from ``sources:``."""

    source_dir: Path  # CMakeLists.txt / meson.build folder; the package folder for go
    target: str | None = None  # the library target to build (cmake/meson); None: the plugin's name
    #: ``(KEY, VALUE)`` pairs given to the configure step as ``-DKEY=VALUE``, in file order.
    options: tuple[tuple[str, str], ...] = ()


def all_keys() -> tuple[str, ...]:
    """Every builder-specific plugin key (for the matrix's unknown-key check)."""
    return ("builder", "static_libs", *dict.fromkeys(k for keys in BUILDER_KEYS.values() for k in keys))


def parse(entry: dict[str, Any], fail: Fail, resolve_dir: ResolveDir) -> tuple[str, Project | None] | None:
    """The plugin's builder and, for a project builder, its :class:`Project`; None after failing."""
    builder = entry.get("builder", DEFAULT_BUILDER)
    if builder not in BUILDERS:
        fail(("builder",), f"unknown builder {builder!r}{suggest(str(builder), BUILDERS)}; "
             f"known: {', '.join(BUILDERS)}")
        return None
    ok = True
    for other, keys in BUILDER_KEYS.items():
        for key in keys:
            if other != builder and key in entry and key not in BUILDER_KEYS[builder]:
                fail((key,), f"'{key}' applies to builder: {other} only (this plugin has builder: {builder})")
                ok = False
    for key in REQUIRED_KEYS[builder]:
        if key not in entry:
            fail((), f"missing required key '{key}'" + (f" (builder: {builder})" if builder != DEFAULT_BUILDER else ""))
            ok = False
    if not ok:
        return None
    if builder == "zig":
        return builder, None
    dir_key = "package" if builder == "go" else "source_dir"
    raw_dir = entry[dir_key]
    if not isinstance(raw_dir, str) or not raw_dir:
        fail((dir_key,), "expected a folder path")
        return None
    folder = resolve_dir(raw_dir, (dir_key,))
    target = _target(entry, f"{builder}_target", fail) if builder in ("cmake", "meson") else None
    options = _options(entry.get("options"), fail, BOOLEANS.get(builder, ("true", "false")))
    if folder is None or target is False or options is None:
        return None
    marker = {"cmake": "CMakeLists.txt", "meson": "meson.build"}.get(builder)
    if marker and not (folder / marker).is_file():
        fail((dir_key,), f"no {marker} in {raw_dir} (builder: {builder} needs the project's top folder)")
        return None
    return builder, Project(source_dir=folder, target=target if isinstance(target, str) else None, options=options)


def _target(entry: dict[str, Any], key: str, fail: Fail) -> str | bool | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value or any(c.isspace() for c in value):
        fail((key,), "expected a target name (no spaces)")
        return False
    return value


def _options(raw: Any, fail: Fail, booleans: tuple[str, str]) -> tuple[tuple[str, str], ...] | None:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        fail(("options",), "expected a mapping of option names to values, e.g. {BUILD_TESTING: OFF}")
        return None
    out = []
    for key, value in raw.items():
        if not isinstance(key, str) or not key or "=" in key or any(c.isspace() for c in key):
            fail(("options", key), f"invalid option name {key!r}")
            return None
        if isinstance(value, bool):
            text = booleans[0] if value else booleans[1]
        elif isinstance(value, (str, int, float)):
            text = str(value)
        else:
            fail(("options", key), "expected a string, number or boolean")
            return None
        out.append((key, text))
    return tuple(out)


def expand(template: str, *, target: str, os: str, arch: str) -> str:
    """A ``static_libs`` path for one target."""
    return template.replace("{target}", target).replace("{os}", os).replace("{arch}", arch)


def static_libs(raw: Any, fail: Fail, targets: Sequence[tuple[str, str, str]],
                resolve_file: Callable[[str, tuple[str | int, ...]], Path | None]) -> tuple[str, ...] | None:
    """Validate ``static_libs:`` (a list of ``.a``/``.lib`` paths, with placeholders) against
    every target ``(name, os, arch)``: each expanded path must exist. Returns the templates."""
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(x, str) and x for x in raw):
        fail(("static_libs",), "expected a list of static library paths")
        return None
    ok = True
    for i, template in enumerate(raw):
        if "{" in template.replace("{target}", "").replace("{os}", "").replace("{arch}", ""):
            fail(("static_libs", i), f"unknown placeholder in '{template}'; known: "
                 + ", ".join("{" + p + "}" for p in PLACEHOLDERS))
            ok = False
            continue
        for name, os, arch in targets:
            path = expand(template, target=name, os=os, arch=arch)
            if resolve_file(path, ("static_libs", i)) is None:
                ok = False
                break
    return tuple(raw) if ok else None
