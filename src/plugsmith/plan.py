"""Stage 2: resolve the matrix into build jobs, one per plugin x target.

Flags are layered, low to high: packaged defaults, the file's ``defaults:``, the plugin's own
flags, matching ``overrides:`` (in file order, each with its ``inherit`` rule), ``PLUGSMITH_CFLAGS``
/ ``PLUGSMITH_LDFLAGS`` from the environment, then ``--cflag`` / ``--ldflag``. Every flag keeps
its origin so ``plugsmith targets`` can say why it is there.
"""

from __future__ import annotations

import fnmatch
import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from plugsmith import builder_config
from plugsmith.contract import Contract
from plugsmith.errors import ConfigError, PlugsmithError
from plugsmith.matrix import Matrix, Plugin, Target
from plugsmith.platforms import (
    EXTENSIONS,
    FORMAT_OF_OS,
    FORMATS,
    FlagKind,
    Format,
    builder_refuses,
    flag_rule,
    zig_triple,
)

#: Flags plugsmith starts from when a project says nothing: optimised (without -O zig builds
#: Debug and links the UBSan runtime into the plugin) and stripped (needed for reproducible bytes).
PACKAGED_CFLAGS: tuple[str, ...] = ("-O2",)
PACKAGED_LDFLAGS: tuple[str, ...] = ("-s",)


@dataclass(frozen=True, slots=True)
class Flag:
    value: str
    origin: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Job:
    plugin: Plugin
    target: Target
    triple: str
    format: Format
    cflags: tuple[Flag, ...]
    ldflags: tuple[Flag, ...]
    contract: Contract  # filtered for this target
    out_dir: Path  # dist/<target>/
    work_dir: Path  # build/<target>/<plugin>/
    library: str  # file name of the artifact
    import_library: str | None
    map_name: str
    builder: str = builder_config.DEFAULT_BUILDER  # plugin.builder: zig, or the project's own build
    static_libs: tuple[Path, ...] = ()  # the plugin's static_libs for this target

    @property
    def id(self) -> str:
        return f"{self.plugin.name}@{self.target.name}"

    @property
    def artifact(self) -> Path:
        return self.out_dir / self.library


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    matrix: Matrix
    jobs: tuple[Job, ...]

    @property
    def targets(self) -> tuple[Target, ...]:
        seen: dict[str, Target] = {}
        for job in self.jobs:
            seen.setdefault(job.target.name, job.target)
        return tuple(seen.values())


def resolve(
    matrix: Matrix,
    *,
    select: Sequence[str] = (),
    plugins: Sequence[str] = (),
    extra_cflags: Sequence[str] = (),
    extra_ldflags: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
) -> Plan:
    """Turn a validated matrix into jobs. ``select`` keeps targets matching any glob."""
    env = os.environ if env is None else env
    targets = matrix.targets
    if select:
        for pattern in select:
            if not any(_selects(pattern, t) for t in targets):
                names = ", ".join(t.name for t in targets)
                raise ConfigError(f"--target '{pattern}' matches no target; targets: {names}")
        targets = tuple(t for t in targets if any(_selects(p, t) for p in select))
    chosen = matrix.plugins
    if plugins:
        known = {p.name for p in matrix.plugins}
        for name in plugins:
            if name not in known:
                raise ConfigError(
                    f"--plugin '{name}' is not a plugin of this project; plugins: {', '.join(sorted(known))}"
                )
        chosen = tuple(p for p in matrix.plugins if p.name in plugins)
    env_c = _env_flags(env, "PLUGSMITH_CFLAGS")
    env_l = _env_flags(env, "PLUGSMITH_LDFLAGS")
    jobs = []
    problems: dict[tuple[str, str, str, str], list[str]] = {}
    refused: list[PlugsmithError] = []
    for target in targets:
        fmt = FORMAT_OF_OS[target.os]
        row = FORMATS[fmt]
        for plugin in chosen:
            reason = builder_refuses(plugin.builder, target.os, target.arch, libc=target.libc, min_os=target.min_os)
            if reason:
                refused.append(PlugsmithError(f"{plugin.where}: plugin {plugin.name} (builder: {plugin.builder}) "
                                              f"cannot build {target.name}: {reason}"))
                continue
            cflags = _layer(matrix, plugin, target, "cflags", PACKAGED_CFLAGS, env_c, extra_cflags)
            ldflags = _layer(matrix, plugin, target, "ldflags", PACKAGED_LDFLAGS, env_l, extra_ldflags)
            cflags = _apply_flag_rules(cflags, "cflags", fmt, target, problems)
            ldflags = _apply_flag_rules(ldflags, "ldflags", fmt, target, problems)
            jobs.append(Job(
                plugin=plugin,
                target=target,
                triple=zig_triple(target.os, target.arch, libc=target.libc, glibc=target.glibc, min_os=target.min_os),
                format=fmt,
                cflags=cflags,
                ldflags=ldflags,
                contract=plugin.contract.for_target(target.name, target.os, target.arch),
                out_dir=matrix.dist / target.name,
                work_dir=matrix.build_dir / target.name / plugin.name,
                library=_library(plugin, fmt),
                import_library=row.import_library.format(name=plugin.name)
                if row.import_library and not plugin.is_extension else None,
                map_name=row.map_file.format(name=plugin.name),
                builder=plugin.builder,
                static_libs=tuple(matrix.root / builder_config.expand(t, target=target.name, os=target.os,
                                                                      arch=target.arch) for t in plugin.static_libs),
            ))
    if refused:
        raise ConfigError(refused[0].message, errors=tuple(refused))
    if problems:
        errors = tuple(
            PlugsmithError(f"{origin}: {kind[:-1]} '{value}' cannot apply to target{'s' if len(names) > 1 else ''} "
                           f"{', '.join(dict.fromkeys(names))}: {reason}")
            for (origin, kind, value, reason), names in problems.items())
        raise ConfigError(errors[0].message, errors=errors)
    return Plan(matrix=matrix, jobs=tuple(jobs))


def _library(plugin: Plugin, fmt: Format) -> str:
    """The artifact's file name: the format's library pattern, or a CPython extension module's
    (``spam.abi3.so``, ``spam.pyd``: ``platforms.EXTENSIONS``)."""
    pattern = EXTENSIONS[fmt].library if plugin.is_extension else FORMATS[fmt].library
    return pattern.format(name=plugin.name)


def _apply_flag_rules(flags: tuple[Flag, ...], kind: FlagKind, fmt: Format, target: Target,
                      problems: dict[tuple[str, str, str, str], list[str]]) -> tuple[Flag, ...]:
    """Drop flags zig ignores anyway; collect one error per flag that cannot apply to ``target``
    (``platforms.FLAG_RULES``)."""
    kept = []
    for flag in flags:
        rule = flag_rule(flag.value, kind, fmt)
        if rule is None:
            kept.append(flag)
        elif rule.action == "reject":
            problems.setdefault((flag.origin, kind, flag.value, rule.reason), []).append(target.name)
    return tuple(kept)


def _selects(pattern: str, target: Target) -> bool:
    return fnmatch.fnmatchcase(target.name, pattern) or pattern == target.os


def _env_flags(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    raw = env.get(name, "")
    try:
        return tuple(shlex.split(raw))
    except ValueError as exc:
        raise ConfigError(f"environment variable {name}: {exc}") from None


def _layer(
    matrix: Matrix,
    plugin: Plugin,
    target: Target,
    kind: str,
    packaged: tuple[str, ...],
    env_flags: tuple[str, ...],
    cli_flags: Sequence[str],
) -> tuple[Flag, ...]:
    flags = [Flag(v, "plugsmith default") for v in packaged]
    flags += [Flag(v, f"{matrix.defaults_where} defaults.{kind}") for v in getattr(matrix, kind)]
    flags += [Flag(v, f"{plugin.where} plugin {plugin.name}") for v in getattr(plugin, kind)]
    for override in matrix.overrides:
        values = getattr(override, kind)
        if values is None or not _selects(override.select, target):
            continue
        new = [Flag(v, f"{override.where} override '{override.select}'") for v in values]
        if override.inherit == "replace":
            flags = new
        elif override.inherit == "prepend":
            flags = new + flags
        else:
            flags = flags + new
    env_name = "PLUGSMITH_CFLAGS" if kind == "cflags" else "PLUGSMITH_LDFLAGS"
    flags += [Flag(v, f"${env_name}") for v in env_flags]
    flags += [Flag(v, f"--{kind[:-1]}") for v in cli_flags]
    return tuple(flags)
