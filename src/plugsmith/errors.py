"""Errors that end a plugsmith command, each owning its exit code.

Stages raise these; only :mod:`plugsmith.cli` prints them and exits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "EXIT_BUILD_FAILED",
    "EXIT_DIFF_CHANGED",
    "EXIT_DIFF_INCOMPATIBLE",
    "EXIT_INTERRUPTED",
    "EXIT_LOCKED",
    "EXIT_OK",
    "EXIT_USAGE",
    "EXIT_VERIFY_FAILED",
    "BuildError",
    "ConfigError",
    "ErrorCollector",
    "InputError",
    "Location",
    "PlugsmithError",
    "suggest",
]

EXIT_OK = 0
EXIT_VERIFY_FAILED = 1
EXIT_USAGE = 2
EXIT_BUILD_FAILED = 3
EXIT_INTERRUPTED = 130
#: Another plugsmith build holds the project's lock past ``--lock-timeout``: nothing failed, try
#: again later (sysexits' EX_TEMPFAIL).
EXIT_LOCKED = 75
#: ``plugsmith diff`` adds abidiff-style bits to the codes above (1 error, 2 usage): the ABI
#: changed, and the change is incompatible.
EXIT_DIFF_CHANGED = 4
EXIT_DIFF_INCOMPATIBLE = 8


def suggest(word: str, choices: Sequence[str], *, list_known: bool = False) -> str:
    """`` (did you mean 'x'?)`` for a close match among ``choices``; otherwise ``''``, or with
    ``list_known`` `` (known: a, b, c)``."""
    if len(word) > 64 or len(choices) > 1000:  # difflib is quadratic in the word; a guess is not worth it
        return ""
    import difflib  # only a typo needs it: every command imports this module

    close = difflib.get_close_matches(word, list(choices), n=1)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f" (known: {', '.join(choices)})" if list_known else ""


@dataclass(frozen=True, slots=True)
class Location:
    """Where in a user's file a problem is: ``file:line:col: field``."""

    file: str
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        text = self.file
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        if self.field:
            text += f": {self.field}"
        return text


class PlugsmithError(Exception):
    """Base class; ``exit_code`` is what the CLI exits with."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, location: Location | None = None, details: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.details = details

    def __str__(self) -> str:
        if self.location is None:
            return self.message
        return f"{self.location}: {self.message}"


class ConfigError(PlugsmithError):
    """build_matrix.yaml or a symbols file is invalid (exit 2).

    ``errors`` holds every problem found, so a user fixes them in one pass.
    """

    exit_code = EXIT_USAGE

    def __init__(
        self, message: str, *, location: Location | None = None, errors: tuple[PlugsmithError, ...] = ()
    ) -> None:
        super().__init__(message, location=location)
        self.errors = errors or (PlugsmithError(message, location=location),)

    def lines(self) -> list[str]:
        return [str(e) for e in self.errors]


class ErrorCollector:
    """Problems found while validating one file, reported together (a user fixes them in one pass)."""

    def __init__(self) -> None:
        self.errors: list[PlugsmithError] = []

    def add(self, message: str, location: Location | None = None) -> None:
        self.errors.append(PlugsmithError(message, location=location))

    def __bool__(self) -> bool:
        return bool(self.errors)

    def error(self) -> ConfigError:
        first = self.errors[0]
        return ConfigError(first.message, location=first.location, errors=tuple(self.errors))

    def raise_if_any(self) -> None:
        if self.errors:
            raise self.error()


class InputError(PlugsmithError):
    """A file given to plugsmith is unreadable, corrupt or not what it claims (exit 2)."""

    exit_code = EXIT_USAGE


class BuildError(PlugsmithError):
    """zig failed to compile or link a target (exit 3)."""

    exit_code = EXIT_BUILD_FAILED
