"""The ``wheel:`` section of build_matrix.yaml and the wheel metadata it resolves to.

Parsed by the matrix loader (so its errors carry file:line:col with the file's other errors);
resolved against the project's name when wheels are packed. Names and versions follow the
packaging specifications (core metadata, PEP 440, PEP 503 normalization), checked with ``packaging``.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from plugsmith.errors import ConfigError

#: Keys of the ``wheel:`` section, in the schema's order.
WHEEL_KEYS = ("name", "package", "version", "summary", "license", "requires_python")

#: Used when the section names none: the generated loader needs pathlib, ctypes and
#: ``from __future__ import annotations``, all present since 3.7; 3.8 is the oldest pip still targets.
DEFAULT_REQUIRES_PYTHON = ">=3.8"

#: Core metadata's rule for ``Name`` (packaging.python.org, core-metadata "Name").
_DIST_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)

#: ``fail(path, message)``: a problem at ``path`` inside the ``wheel:`` mapping.
Fail = Callable[[tuple[str | int, ...], str], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class WheelConfig:
    """The ``wheel:`` section as written; None where it says nothing."""

    name: str | None = None  # distribution name (pip install NAME); default: the project's
    package: str | None = None  # import name of the loader package; default: from the name
    version: str | None = None  # normalized PEP 440 version
    summary: str | None = None
    license: str | None = None
    requires_python: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WheelMetadata:
    """What every wheel of a project says about itself, version aside (it is per release)."""

    name: str
    package: str
    summary: str
    license: str | None = None
    requires_python: str = DEFAULT_REQUIRES_PYTHON
    #: ``wheel: requires_python`` was written: kept as is; otherwise a wheel holding an abi3
    #: extension module says ``>=3.X`` of its ``abi3: "3.X"`` (pack.py).
    requires_python_set: bool = False

    @property
    def file_name(self) -> str:
        """The name as wheel file names and the .dist-info folder spell it (binary distribution format)."""
        return normalize(self.name).replace("-", "_")


def normalize(name: str) -> str:
    """PEP 503 normalization: lower case, runs of ``-_.`` as one ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def name_problem(name: str) -> str | None:
    if not _DIST_NAME.match(name):
        return (f"invalid distribution name {name!r}: letters, digits and . _ -, starting and ending with a "
                "letter or digit")
    return None


def package_problem(package: str) -> str | None:
    if not package.isidentifier() or not package.isascii() or keyword.iskeyword(package):
        return f"invalid package name {package!r}: a Python identifier (letters, digits, _), not a keyword"
    return None


def normalize_version(text: str) -> str | None:
    """The PEP 440 normal form of ``text`` (``1.0.0-rc1`` -> ``1.0.0rc1``), or None when it is not a version."""
    from packaging.version import InvalidVersion, Version

    try:
        return str(Version(text))
    except InvalidVersion:
        return None


def version_or_error(text: str, what: str) -> str:
    """``normalize_version`` or a ConfigError (exit 2) naming ``what`` gave it."""
    version = normalize_version(text)
    if version is None:
        raise ConfigError(f"{what} {text!r}: not a valid Python package version (PEP 440), "
                          "e.g. 1.0.0, 1.0b1, 2.0.0rc1, 1.0.0.post1")
    return version


def parse(raw: Any, fail: Fail) -> WheelConfig:
    """Validate the raw ``wheel:`` mapping; problems go to ``fail``."""
    if raw is None:
        return WheelConfig()
    if not isinstance(raw, dict):
        fail((), f"expected a mapping, got {type(raw).__name__}")
        return WheelConfig()
    from plugsmith.errors import suggest

    values: dict[str, str] = {}
    for key, value in raw.items():
        if key not in WHEEL_KEYS:
            fail((key,), f"unknown key '{key}'{suggest(str(key), WHEEL_KEYS, list_known=True)}")
        elif not isinstance(value, str) or not value.strip():
            fail((key,), f"expected a non-empty string (quote versions: \"1.0\"), got {type(value).__name__}")
        else:
            values[key] = value.strip()
    problems = {
        "name": name_problem,
        "package": package_problem,
        "version": lambda v: None if normalize_version(v) else f"{v!r}: not a valid Python package version (PEP 440)",
        "requires_python": _specifier_problem,
    }
    for key, check in problems.items():
        problem = check(values[key]) if key in values else None
        if problem:
            fail((key,), problem)
            del values[key]
    if "version" in values:
        values["version"] = normalize_version(values["version"]) or values["version"]
    return WheelConfig(**values)


def _specifier_problem(text: str) -> str | None:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        SpecifierSet(text)
    except InvalidSpecifier:
        return f"{text!r}: not a version specifier like '>=3.9'"
    return None


def resolve(config: WheelConfig, project: str, *, extensions_only: bool = False) -> WheelMetadata:
    """The metadata of a project's wheels: the section's values over defaults from the project name.
    ``extensions_only``: every plugin is a CPython extension module (no ctypes loader: the default
    summary says so)."""
    name = config.name or project
    problem = name_problem(name)
    if problem:
        raise ConfigError(f"{problem} (the project name); set wheel: name: in build_matrix.yaml")
    package = config.package or normalize(name).replace("-", "_")
    problem = package_problem(package)
    if problem:
        raise ConfigError(f"{problem} (made from the name {name!r}); set wheel: package: in build_matrix.yaml")
    default_summary = (f"CPython extension modules of {name} built by plugsmith" if extensions_only
                       else f"Native {name} libraries built by plugsmith, loaded with ctypes")
    return WheelMetadata(name=name, package=package, summary=config.summary or default_summary,
                         license=config.license, requires_python=config.requires_python or DEFAULT_REQUIRES_PYTHON,
                         requires_python_set=config.requires_python is not None)
