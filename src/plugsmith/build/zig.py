"""Run zig (the ``ziglang`` PyPI package) as ``python -m ziglang``: one helper, argument lists only."""

from __future__ import annotations

import functools
import importlib.util
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from plugsmith.errors import BuildError

CACHE_ENV = "PLUGSMITH_ZIG_CACHE"


@dataclass(frozen=True, slots=True)
class Result:
    argv: tuple[str, ...]
    returncode: int
    output: str


def zig_argv() -> list[str]:
    if importlib.util.find_spec("ziglang") is None:
        raise BuildError("zig not found: the 'ziglang' package is not installed in this Python "
                         f"({sys.executable}); run: {sys.executable} -m pip install ziglang")
    return [sys.executable, "-m", "ziglang"]


def default_cache() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "plugsmith" / "zig"


def environment(cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["ZIG_GLOBAL_CACHE_DIR"] = str(cache)
    env["ZIG_LOCAL_CACHE_DIR"] = str(cache)
    return env


@functools.lru_cache(maxsize=1)
def version() -> str:
    argv = [*zig_argv(), "version"]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BuildError(f"'{shlex.join(argv)}' failed: {proc.stderr.strip() or proc.returncode}")
    return proc.stdout.strip()


def run(args: list[str], *, cache: Path, cwd: Path | None = None) -> Result:
    argv = (*zig_argv(), *args)
    try:
        proc = subprocess.run(
            argv, cwd=cwd, env=environment(cache), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, errors="replace", check=False,
        )
    except OSError as exc:
        raise BuildError(f"cannot start zig: {exc}") from None
    return Result(argv=argv, returncode=proc.returncode, output=proc.stdout)


def display(argv: tuple[str, ...]) -> str:
    """A copy-pasteable command line."""
    return shlex.join(argv)
