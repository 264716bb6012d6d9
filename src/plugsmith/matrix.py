"""Stage 1: load and validate ``build_matrix.yaml``.

Every problem is collected and reported together, each as ``file:line:col: field: message``.
Nothing is built or written here; a Matrix that loads is safe to plan.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plugsmith import _yaml, builder_config
from plugsmith import policy as policy_mod
from plugsmith._fs import display_path
from plugsmith.contract import CXX_KEYWORDS, Contract, Symbol
from plugsmith.contract import load as load_contract
from plugsmith.errors import ConfigError, ErrorCollector, Location, suggest
from plugsmith.platforms import (
    ARCH_SYNONYMS,
    ARCHES,
    OS_ROWS,
    OSES,
    arch_row,
    default_glibc,
    supported_pairs,
)
from plugsmith.policy import Policy
from plugsmith.wheel import config as wheel_config

CONFIG_NAME = "build_matrix.yaml"
SUPPORTED_VERSIONS = (1,)
LANGUAGES = ("c", "c++")
INHERIT_RULES = ("append", "prepend", "replace")

TOP_KEYS = ("version", "project", "dist", "build_dir", "zig_cache", "plugins", "targets", "include", "exclude",
            "defaults", "overrides", "policy", "allow_outside", "step_timeout", "wheel")
#: Seconds one zig step (a compile or a link) may run before it is stopped and the job fails:
#: generous (a cold first build of a target's libc takes minutes), but never forever.
DEFAULT_STEP_TIMEOUT = 1800.0
STEP_TIMEOUT_ENV = "PLUGSMITH_STEP_TIMEOUT"
PLUGIN_KEYS = ("name", "kind", "language", "contract", "cflags", "ldflags", "abi3", *builder_config.all_keys())
#: What a plugin is: a library a host loads (its contract from the symbols file), or a CPython
#: extension module (its contract is ``PyInit_<name>``, written by plugsmith; docs/python.md).
KINDS = ("library", "python-extension")
TARGET_KEYS = ("name", "os", "arch", "libc", "glibc", "min_os")
FLAG_KEYS = ("cflags", "ldflags")
OVERRIDE_KEYS = ("select", "cflags", "ldflags", "inherit")

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*\Z")
_VERSION = re.compile(r"\d+\.\d+(\.\d+)?\Z")


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    name: str
    os: str
    arch: str
    libc: str | None = None  # Linux: gnu or musl
    glibc: str | None = None  # Linux gnu: pinned glibc version
    min_os: str | None = None  # macOS minimum version


@dataclass(frozen=True, slots=True, kw_only=True)
class Plugin:
    name: str
    language: str
    sources: tuple[Path, ...]
    include_dirs: tuple[Path, ...]
    defines: tuple[str, ...]
    contract_path: Path | None  # None: a python-extension whose contract plugsmith wrote (PyInit_<name>)
    contract: Contract
    cflags: tuple[str, ...] = ()
    ldflags: tuple[str, ...] = ()
    where: str = ""  # file:line of the plugin entry, for messages
    #: Who builds it (builder_config.BUILDERS): zig from ``sources``, or the project's own build.
    builder: str = builder_config.DEFAULT_BUILDER
    project: builder_config.Project | None = None  # cmake/meson/go: the project to build
    #: Vendored static libraries (path templates, builder_config.expand), hidden per the contract.
    static_libs: tuple[str, ...] = ()
    kind: str = "library"  # one of KINDS
    abi3: str | None = None  # python-extension: the limited API version ("3.9": Py_LIMITED_API 0x03090000)

    @property
    def is_extension(self) -> bool:
        return self.kind == "python-extension"


@dataclass(frozen=True, slots=True, kw_only=True)
class Override:
    select: str
    cflags: tuple[str, ...] | None
    ldflags: tuple[str, ...] | None
    inherit: str
    where: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Matrix:
    root: Path
    config_path: Path
    project: str
    dist: Path
    build_dir: Path
    zig_cache: Path | None
    plugins: tuple[Plugin, ...]
    targets: tuple[Target, ...]
    cflags: tuple[str, ...]
    ldflags: tuple[str, ...]
    defaults_where: str
    overrides: tuple[Override, ...]
    #: The ``policy:`` section over the packaged defaults, validated with the rest of the file;
    #: expected targets and per-target ceilings come from ``targets``.
    policy: Policy = field(default_factory=Policy)
    #: Folders outside the project that paths may point into (``allow_outside:``).
    allow_outside: tuple[Path, ...] = ()
    step_timeout: float = DEFAULT_STEP_TIMEOUT
    #: The ``wheel:`` section: metadata of the wheels ``plugsmith wheel`` packs (docs/wheel.md).
    wheel: wheel_config.WheelConfig = field(default_factory=wheel_config.WheelConfig)


def extension_contract(name: str) -> Contract:
    """The contract of a python-extension ``name``: ``PyInit_<name>``, the module's init function."""
    return Contract(path=f"(python-extension {name}: PyInit_{name})", nodes=(),
                    symbols=(Symbol(name=f"PyInit_{name}", kind="function"),))


def default_targets() -> tuple[Target, ...]:
    return tuple(_make_target(r.os, r.arch) for r in ARCHES if r.default)


def _make_target(os: str, arch: str, libc: str | None = None, glibc: str | None = None,
                 min_os: str | None = None, name: str | None = None) -> Target:
    row = OS_ROWS[os]
    if row.libcs:
        libc = libc or row.libcs[0]
    if row.min_os:
        min_os = min_os or row.min_os
    if name is None:
        name = f"{os}-{arch}"
        if libc == "musl":
            name += "-musl"
        if glibc:
            name += f"-glibc{glibc}"
    if libc == "gnu" and glibc is None:  # unpinned: the default pin, which is also the policy's ceiling
        glibc = default_glibc(arch)
    return Target(name=name, os=os, arch=arch, libc=libc, glibc=glibc, min_os=min_os)


def find_config(start: Path) -> Path:
    """``start``'s build_matrix.yaml, else the nearest parent folder's (as git finds .git and nox its noxfile)."""
    path = start / CONFIG_NAME
    found = next((f / CONFIG_NAME for f in (start.resolve(), *start.resolve().parents) if (f / CONFIG_NAME).is_file()),
                 None)
    if found is None:
        raise ConfigError(f"no {CONFIG_NAME} here or in a parent folder; run 'plugsmith init' to create one, "
                          "or pass -C DIR", location=Location(str(path)))
    return path if path.is_file() else found


def load(config_path: Path) -> Matrix:
    """Load, validate and return the matrix; raise ConfigError listing every problem."""
    root = config_path.parent.resolve()
    display = display_path(config_path)
    doc = _yaml.load(config_path, display)
    return _Validator(doc, root).run(config_path)


class _Validator:
    def __init__(self, doc: _yaml.Located, root: Path) -> None:
        self.doc = doc
        self.root = root
        self.errors = ErrorCollector()
        self._allowed: tuple[Path, ...] | None = None

    # -- helpers -------------------------------------------------------------------------------
    def fail(self, path: _yaml.PathKey, message: str, *, at_key: bool = False) -> None:
        self.errors.add(message, self.doc.where(path, at_key=at_key))

    def where(self, path: _yaml.PathKey) -> str:
        loc = self.doc.where(path, "")
        return f"{loc.file}:{loc.line}" if loc.line else loc.file

    def keys(self, value: dict[str, Any], allowed: tuple[str, ...], path: _yaml.PathKey) -> None:
        for key in value:
            if key not in allowed:
                self.fail((*path, key), f"unknown key '{key}'{suggest(key, allowed)}", at_key=True)

    def mapping(self, value: Any, path: _yaml.PathKey) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.fail(path, f"expected a mapping, got {_type(value)}")
            return None
        return value

    def string(self, value: Any, path: _yaml.PathKey) -> str | None:
        if not isinstance(value, str) or not value:
            self.fail(path, f"expected a non-empty string, got {_type(value)}")
            return None
        return value

    def strings(self, value: Any, path: _yaml.PathKey) -> tuple[str, ...] | None:
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.fail(path, f"expected a list of strings, got {_type(value)}")
            return None
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.fail((*path, i), f"expected a string, got {_type(item)}")
                return None
            out.append(item)
        return tuple(out)

    def file(self, value: str, path: _yaml.PathKey, *, directory: bool = False) -> Path | None:
        p = Path(value)
        full = p if p.is_absolute() else self.root / p
        if not self.inside(full, value, path):
            return None
        ok = _is(full, directory=directory)
        if not ok:
            self.fail(path, f"{'directory' if directory else 'file'} not found: {value}")
            return None
        return full

    # -- sections ------------------------------------------------------------------------------
    def run(self, config_path: Path) -> Matrix:
        top = self.mapping(self.doc.value, ())
        if top is None:
            raise self.errors.error()
        self.keys(top, TOP_KEYS, ())
        version = top.get("version")
        if version is None:
            self.fail((), "missing 'version: 1' (the format version of this file)")
        elif type(version) is not int or version not in SUPPORTED_VERSIONS:  # 1.0 and true are not 1
            self.fail(("version",), f"unsupported version {version!r}; this plugsmith reads {SUPPORTED_VERSIONS}")
        project = self.string(top.get("project", self.root.name), ("project",)) or "plugin"
        dist = self.root / (self.string(top.get("dist", "dist"), ("dist",)) or "dist")
        build_dir = self.root / (self.string(top.get("build_dir", "build"), ("build_dir",)) or "build")
        zig_cache_value = top.get("zig_cache")
        zig_cache = self.root / zig_cache_value if isinstance(zig_cache_value, str) and zig_cache_value else None
        if zig_cache_value is not None and zig_cache is None:
            self.fail(("zig_cache",), f"expected a non-empty string, got {_type(zig_cache_value)}")
        self.output_folder(dist, "dist")
        self.output_folder(build_dir, "build_dir")
        step_timeout = self.step_timeout(top.get("step_timeout"))

        targets = self.targets(top)
        plugins = self.plugins(top.get("plugins"), targets)
        cflags, ldflags = self.flags(top.get("defaults"), ("defaults",))
        overrides = self.overrides(top.get("overrides"), targets)
        policy = policy_mod.parse(top.get("policy"), lambda path, message: self.fail(("policy", *path), message))
        wheel = wheel_config.parse(top.get("wheel"), lambda path, message: self.fail(("wheel", *path), message))
        self.errors.raise_if_any()
        return Matrix(
            root=self.root, config_path=config_path, project=project, dist=dist, build_dir=build_dir,
            zig_cache=zig_cache, plugins=plugins, targets=targets, cflags=cflags, ldflags=ldflags,
            defaults_where=self.where(("defaults",)), overrides=overrides,
            policy=policy_mod.for_targets(policy, [(t.name, t.glibc, t.min_os) for t in targets]),
            allow_outside=self.allowed(), step_timeout=step_timeout, wheel=wheel,
        )

    def plugins(self, value: Any, targets: tuple[Target, ...] = ()) -> tuple[Plugin, ...]:
        if value is None:
            self.fail((), "missing 'plugins': list at least one plugin (name, sources, contract)")
            return ()
        if not isinstance(value, list) or not value:
            self.fail(("plugins",), f"expected a non-empty list of plugins, got {_type(value)}")
            return ()
        out: list[Plugin] = []
        names: set[str] = set()
        for i, item in enumerate(value):
            path: _yaml.PathKey = ("plugins", i)
            entry = self.mapping(item, path)
            if entry is None:
                continue
            self.keys(entry, PLUGIN_KEYS, path)
            kind = entry.get("kind", "library")
            if kind not in KINDS:
                self.fail((*path, "kind"),
                          f"unknown kind {kind!r}{suggest(str(kind), KINDS)}; known: {', '.join(KINDS)}")
                continue
            required = ("name",) if kind == "python-extension" else ("name", "contract")
            missing = [k for k in required if k not in entry]
            built, static_libs = self.builder(entry, path, targets)
            if kind == "python-extension" and built is not None and built[0] != builder_config.DEFAULT_BUILDER:
                self.fail((*path, "builder"), f"a python-extension is built by builder: "
                          f"{builder_config.DEFAULT_BUILDER} (its link rules are plugsmith's own), not {built[0]}")
                continue
            for key in missing:
                self.fail(path, f"missing required key '{key}'")
            if missing or built is None or static_libs is None:
                continue
            name = self.string(entry["name"], (*path, "name"))
            if name is not None and not _NAME.match(name):
                self.fail((*path, "name"), f"invalid plugin name '{name}' (letters, digits, _ . + -)")
                name = None
            if name is not None and name in names:
                self.fail((*path, "name"), f"duplicate plugin name '{name}'")
            language = entry.get("language", "c")
            if language not in LANGUAGES:
                self.fail((*path, "language"), f"unknown language {language!r}{suggest(str(language), LANGUAGES)}")
            sources = self.paths(entry.get("sources"), (*path, "sources"), directory=False)
            includes = self.paths(entry.get("include_dirs"), (*path, "include_dirs"), directory=True)
            defines = self.strings(entry.get("defines"), (*path, "defines"))
            cflags = self.flag_list(entry.get("cflags"), (*path, "cflags"))
            ldflags = self.flag_list(entry.get("ldflags"), (*path, "ldflags"))
            contract_name = self.string(entry["contract"], (*path, "contract")) if "contract" in entry else None
            contract_path = self.file(contract_name, (*path, "contract")) if contract_name else None
            contract = None
            if contract_path is not None:
                try:
                    contract = load_contract(contract_path, display_path(contract_path))
                except ConfigError as exc:
                    self.errors.errors.extend(exc.errors)
            abi3 = self.extension(entry, path, kind, name, contract)
            if kind == "python-extension" and name is not None and contract_name is None:
                contract = extension_contract(name)
            if contract is not None and language == "c++":
                self.cxx_names(contract)
            if sources == () and built[0] == builder_config.DEFAULT_BUILDER:
                self.fail((*path, "sources"), "a plugin needs at least one source file")
            elif sources is not None and not self.unique(sources, (*path, "sources")):
                sources = None
            if None in (name, sources, includes, defines, cflags, ldflags, contract) or language not in LANGUAGES \
                    or (kind == "python-extension" and abi3 is None) or (contract_name and contract_path is None):
                continue
            assert name is not None and contract is not None
            assert sources is not None and includes is not None and defines is not None
            assert cflags is not None and ldflags is not None  # all checked just above
            names.add(name)
            out.append(Plugin(
                name=name, language=language, sources=sources, include_dirs=includes,
                defines=defines, contract_path=contract_path, contract=contract,
                cflags=cflags, ldflags=ldflags, where=self.where(path),
                builder=built[0], project=built[1], static_libs=static_libs, kind=kind, abi3=abi3,
            ))
        return tuple(out)

    def builder(self, entry: dict[str, Any], path: _yaml.PathKey, targets: tuple[Target, ...]) -> tuple[
            tuple[str, builder_config.Project | None] | None, tuple[str, ...] | None]:
        """The plugin's ``builder:`` with its fields, and its ``static_libs:`` (builder_config)."""
        def fail(sub: _yaml.PathKey, message: str) -> None:
            self.fail((*path, *sub), message)

        def folder(value: str, sub: _yaml.PathKey) -> Path | None:
            return self.file(value, (*path, *sub), directory=True)

        def file(value: str, sub: _yaml.PathKey) -> Path | None:
            return self.file(value, (*path, *sub))

        return (builder_config.parse(entry, fail, folder),
                builder_config.static_libs(entry.get("static_libs"), fail,
                                           [(t.name, t.os, t.arch) for t in targets], file))

    def extension(self, entry: dict[str, Any], path: _yaml.PathKey, kind: str, name: str | None,
                  contract: Contract | None) -> str | None:
        """``abi3:`` of a python-extension (required), and its contract when one is written: exactly
        ``PyInit_<name>``, the one symbol CPython looks up. None when not an extension or invalid."""
        from plugsmith import python_ext

        if kind != "python-extension":
            if "abi3" in entry:
                self.fail((*path, "abi3"), "abi3 applies to kind: python-extension only", at_key=True)
            return None
        if name is not None and not (name.isidentifier() and name.isascii()):
            self.fail((*path, "name"), f"a python-extension's name is its module name, a Python identifier "
                      f"(letters, digits, _): '{name}' is not")
            return None
        if "abi3" not in entry:
            self.fail(path, "missing required key 'abi3' for kind: python-extension: the oldest CPython the "
                      "module loads on, e.g. abi3: \"3.9\" (the limited API, Py_LIMITED_API=0x03090000)")
            return None
        problem = python_ext.abi3_problem(entry["abi3"])
        if problem:
            self.fail((*path, "abi3"), problem)
            return None
        if contract is not None and name is not None:
            want = f"PyInit_{name}"
            have = sorted(s.name for s in contract.symbols if s.removed is None)
            conditional = [s.name for s in contract.symbols if s.conditional]
            if have != [want] or conditional or contract.symbols[0].kind != "function":
                self.fail((*path, "contract"), f"a python-extension exports exactly '{want}' (a function, on every "
                          f"target); {contract.path} lists {', '.join(have) or 'nothing'}"
                          + (f" ({', '.join(conditional)} conditional)" if conditional else "")
                          + ": fix it, or drop 'contract:' and plugsmith writes it")
        return str(entry["abi3"])

    def paths(self, value: Any, path: _yaml.PathKey, *, directory: bool) -> tuple[Path, ...] | None:
        items = self.strings(value, path)
        if items is None:
            return None
        found = [self.file(item, (*path, i), directory=directory) for i, item in enumerate(items)]
        if any(p is None for p in found):
            return None
        return tuple(p for p in found if p is not None)

    # -- places and limits: what can only be a mistake (or an attack) -------------------------
    def allowed(self) -> tuple[Path, ...]:
        """The ``allow_outside:`` folders: the explicit opt-in for paths outside the project
        (a shared SDK, a dist/ on another disk). Relative ones are relative to the project."""
        if self._allowed is not None:
            return self._allowed
        self._allowed = ()
        top = self.doc.value if isinstance(self.doc.value, dict) else {}
        items = self.strings(top.get("allow_outside"), ("allow_outside",)) or ()
        self._allowed = tuple(Path(os.path.normpath(self.root / item)) for item in items)
        return self._allowed

    def inside(self, full: Path, value: str, path: _yaml.PathKey) -> bool:
        """True when ``full`` is inside the project or an ``allow_outside:`` folder, judged on the
        written path (``..`` folded, symlinks not followed), before anything is read or written."""
        norm = Path(os.path.normpath(full))
        for base in (self.root, *self.allowed()):
            if norm == base or base in norm.parents:
                return True
        self.fail(path, f"'{value}' is outside the project folder {self.root}; list the folder it is in "
                  "under 'allow_outside:' if that is intended")
        return False

    def output_folder(self, folder: Path, key: str) -> None:
        """``dist:`` and ``build_dir:`` must be (or become) folders inside the project."""
        top = self.doc.value if isinstance(self.doc.value, dict) else {}
        value = top.get(key)
        if not isinstance(value, str) or not self.inside(folder, value, (key,)):
            return
        probe = folder
        while not _exists(probe) and probe != probe.parent:
            probe = probe.parent
        if _exists(probe) and not _is(probe, directory=True):
            self.fail((key,), f"'{value}' must be a folder, but {probe} is a file")
        elif Path(os.path.normpath(folder)) == self.root:
            self.fail((key,), f"'{value}' is the project folder itself: outputs need a folder of their own")

    def unique(self, sources: tuple[Path, ...], path: _yaml.PathKey) -> bool:
        """The same source twice would define every symbol twice: refuse it here (exit 2), not
        in the linker (exit 3)."""
        seen: dict[Path, int] = {}
        for i, source in enumerate(sources):
            key = Path(os.path.normpath(source))
            if key in seen:
                self.fail((*path, i), f"source listed twice (also at index {seen[key]}): {source}")
                return False
            seen[key] = i
        return True

    def cxx_names(self, contract: Contract) -> None:
        """A C++ plugin cannot define a symbol named like a C++ keyword (``new``, ``class``)."""
        for sym in contract.symbols:
            if sym.name in CXX_KEYWORDS:
                self.errors.add(f"symbol name '{sym.name}' is a C++ keyword: a language: c++ plugin cannot define it",
                                Location(contract.path, sym.line, 1, "name"))

    def step_timeout(self, value: Any) -> float:
        """``step_timeout:`` seconds, else ``$PLUGSMITH_STEP_TIMEOUT``, else the default."""
        if value is None:
            env = os.environ.get(STEP_TIMEOUT_ENV, "")
            try:
                seconds = float(env) if env else DEFAULT_STEP_TIMEOUT
            except ValueError:
                seconds = 0.0
            if not 0 < seconds < float("inf"):
                self.errors.add(f"{STEP_TIMEOUT_ENV}={env!r}: expected a number of seconds above 0",
                                Location(self.doc.file))
                return DEFAULT_STEP_TIMEOUT
            return seconds
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
            self.fail(("step_timeout",), f"expected a number of seconds above 0, got {_type(value)}")
            return DEFAULT_STEP_TIMEOUT
        return float(value)

    def targets(self, top: dict[str, Any]) -> tuple[Target, ...]:
        value = top.get("targets")
        targets: list[Target] = []
        if value is None:
            targets = list(default_targets())
        elif not isinstance(value, list) or not value:
            self.fail(("targets",), f"expected a non-empty list of targets, got {_type(value)}")
            return ()
        else:
            self.add_targets(value, "targets", targets)
        extra = top.get("include")
        if extra is not None:
            if isinstance(extra, list):
                self.add_targets(extra, "include", targets)
            else:
                self.fail(("include",), f"expected a list of targets, got {_type(extra)}")
        excludes = self.strings(top.get("exclude"), ("exclude",)) or ()
        for i, pattern in enumerate(excludes):
            if not any(fnmatch.fnmatchcase(t.name, pattern) for t in targets):
                names = ", ".join(t.name for t in targets)
                self.fail(("exclude", i), f"exclude '{pattern}' matches no target (targets: {names})")
        kept = tuple(t for t in targets if not any(fnmatch.fnmatchcase(t.name, p) for p in excludes))
        if targets and not kept:
            self.fail(("exclude",), "every target is excluded: nothing would be built")
        return kept

    def add_targets(self, items: list[Any], key: str, targets: list[Target]) -> None:
        for i, item in enumerate(items):
            target = self.target(item, (key, i))
            if target is None:
                continue
            if any(t.name == target.name for t in targets):
                self.fail((key, i), f"duplicate target '{target.name}'")
                continue
            targets.append(target)

    def target(self, item: Any, path: _yaml.PathKey) -> Target | None:
        if isinstance(item, str):
            return self.target_from_name(item, path)
        entry = self.mapping(item, path)
        if entry is None:
            return None
        self.keys(entry, TARGET_KEYS, path)
        os = entry.get("os")
        arch = entry.get("arch")
        if os not in OSES:
            self.fail((*path, "os"), f"unknown os {os!r}{suggest(str(os), OSES)}; known: {', '.join(OSES)}")
            return None
        if not isinstance(arch, str):
            self.fail((*path, "arch"), f"expected an arch name, got {_type(arch)}")
            return None
        arch = ARCH_SYNONYMS.get(arch, arch)
        if arch_row(os, arch) is None:
            arches = [r.arch for r in ARCHES if r.os == os]
            self.fail((*path, "arch"), f"unknown arch '{arch}' for {os}{suggest(arch, arches)}; "
                      f"supported: {', '.join(supported_pairs())}")
            return None
        libc = entry.get("libc")
        glibc = entry.get("glibc")
        min_os = entry.get("min_os")
        for key, val in (("glibc", glibc), ("min_os", min_os)):
            if val is not None and not (isinstance(val, str) and _VERSION.match(val)):
                self.fail((*path, key), f"expected a version string like \"2.28\" (quoted), got {val!r}")
                return None
        row = OS_ROWS[os]
        if libc is not None and libc not in row.libcs:
            takes = ", ".join(f"{r.os} takes {', '.join(r.libcs)}" for r in OS_ROWS.values() if r.libcs)
            self.fail((*path, "libc"), f"libc {libc!r} is not valid for {os}; {takes}")
            return None
        if glibc is not None and (not row.glibc_pin or libc == "musl"):
            self.fail((*path, "glibc"), "glibc applies to linux targets with libc gnu only")
            return None
        arch_facts = arch_row(os, arch)
        assert arch_facts is not None  # checked above
        if glibc is not None and not self.in_range((*path, "glibc"), f"glibc {glibc}", glibc, f"{os}-{arch}",
                                                   arch_facts.glibc_floor, row.glibc_newest):
            return None
        if min_os is not None and row.min_os is None:
            self.fail((*path, "min_os"), "min_os applies to macos targets only")
            return None
        if min_os is not None and not self.in_range((*path, "min_os"), f"macOS {min_os}", min_os, f"{os}-{arch}",
                                                    arch_facts.macos_floor, row.min_os_newest):
            return None
        name = entry.get("name")
        if name is not None and (not isinstance(name, str) or not _NAME.match(name)):
            self.fail((*path, "name"), f"invalid target name {name!r}")
            return None
        return _make_target(os, arch, libc, glibc, min_os, name)

    def in_range(self, path: _yaml.PathKey, what: str, version: str, target: str, oldest: str | None,
                 newest: str | None) -> bool:
        """A glibc pin or macOS minimum zig can build for ``target`` (platforms: ``ArchRow`` floors,
        ``OsRow`` ceilings): outside it zig fails, or worse, silently builds something else."""
        key = policy_mod.version_key
        too_old = oldest is not None and key(version) < key(oldest)
        too_new = newest is not None and key(version) > key(newest)
        if too_old or too_new:
            supported = f"{oldest or '?'} to {newest}" if newest else f"{oldest} or newer"
            self.fail(path, f"{what} is {'older' if too_old else 'newer'} than zig can build for {target} "
                      f"(supported: {supported})")
            return False
        return True

    def target_from_name(self, text: str, path: _yaml.PathKey) -> Target | None:
        parts = text.split("-")
        os = parts[0]
        if os not in OSES or len(parts) not in (2, 3):
            self.fail(path, f"unknown target '{text}'{suggest(text, supported_pairs())}; "
                      f"supported: {', '.join(supported_pairs())}")
            return None
        arch = ARCH_SYNONYMS.get(parts[1], parts[1])
        libc = parts[2] if len(parts) == 3 else None
        if arch_row(os, arch) is None or (libc is not None and libc not in OS_ROWS[os].libcs):
            self.fail(path, f"unknown target '{text}'{suggest(text, supported_pairs())}; "
                      f"supported: {', '.join(supported_pairs())}")
            return None
        return _make_target(os, arch, libc)

    def flags(self, value: Any, path: _yaml.PathKey) -> tuple[tuple[str, ...], tuple[str, ...]]:
        if value is None:
            return (), ()
        entry = self.mapping(value, path)
        if entry is None:
            return (), ()
        self.keys(entry, FLAG_KEYS, path)
        return self.flag_list(entry.get("cflags"), (*path, "cflags")) or (), \
            self.flag_list(entry.get("ldflags"), (*path, "ldflags")) or ()

    def flag_list(self, value: Any, path: _yaml.PathKey) -> tuple[str, ...] | None:
        flags = self.strings(value, path)
        for i, item in enumerate(flags or ()):
            if item in ("-Wl", "-Xlinker", "-Wa", "-Wp"):
                self.fail((*path, i), f"'{item}' alone is not a flag: in a YAML [a, b] list a comma starts a new "
                          f"item, so quote the flag: \"{item},...\"")
                return None
        return flags

    def overrides(self, value: Any, targets: tuple[Target, ...]) -> tuple[Override, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail(("overrides",), f"expected a list, got {_type(value)}")
            return ()
        out = []
        for i, item in enumerate(value):
            path: _yaml.PathKey = ("overrides", i)
            entry = self.mapping(item, path)
            if entry is None:
                continue
            self.keys(entry, OVERRIDE_KEYS, path)
            select = self.string(entry.get("select"), (*path, "select"))
            if select is None:
                continue
            if targets and not any(fnmatch.fnmatchcase(t.name, select) or t.os == select for t in targets):
                self.fail((*path, "select"), f"select '{select}' matches no target "
                          f"(targets: {', '.join(t.name for t in targets)})")
            inherit = entry.get("inherit", "append")
            if inherit not in INHERIT_RULES:
                self.fail((*path, "inherit"), f"unknown inherit rule {inherit!r}{suggest(str(inherit), INHERIT_RULES)}")
                continue
            cflags = self.flag_list(entry["cflags"], (*path, "cflags")) if "cflags" in entry else None
            ldflags = self.flag_list(entry["ldflags"], (*path, "ldflags")) if "ldflags" in entry else None
            out.append(Override(select=select, cflags=cflags, ldflags=ldflags, inherit=inherit, where=self.where(path)))
        return tuple(out)


def _is(path: Path, *, directory: bool) -> bool:
    """``is_dir``/``is_file`` that answer False for a path the system cannot even look up (a name
    too long, a loop of links) instead of raising."""
    try:
        return path.is_dir() if directory else path.is_file()
    except (OSError, ValueError):
        return False


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _type(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "a number",
            float: "a number"}.get(type(value), type(value).__name__)
