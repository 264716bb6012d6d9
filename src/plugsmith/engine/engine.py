"""Compile each source to its own object, link each plugin per target, and move finished
artifacts into ``dist/<target>/``: a parallel, incremental, interruptible build.

Per job (one plugin x one target) the work folder ``BUILD_DIR/<target>/<plugin>/`` holds:

- ``obj/<stem>-<tag>.o`` and ``.o.json``: one object per source and the record of what it was
  made from (:mod:`plugsmith.engine.fingerprint`);
- ``hidden/`` (Mach-O): copies of the objects with non-contract symbols private-extern;
- ``<name>.map|.exp|.def``: the export map; ``link.json``: the link's record;
- beside the artifact in dist/: ``<artifact>.build.json``, its build record (:mod:`.record`),
  removed when the link starts and written after the artifact lands;
- ``build.log``: every command this job last ran, with its output.

Scratch files get unique names (``.NAME.<hex>.tmp``, ``link-<hex>/``) and reach their final
name by ``os.replace``; the artifact lands last, its records after it. So an interrupted or
killed build leaves ``dist/`` with complete artifacts only, and the next build redoes exactly
what was not recorded. A second build with nothing changed starts no zig at all.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
import signal
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from plugsmith import _fs, header
from plugsmith.engine import builders, cxx, extension, fingerprint, lock, pext, record, scheduler, zig
from plugsmith.errors import BuildError
from plugsmith.maps import render
from plugsmith.matrix import Matrix
from plugsmith.plan import Job, Plan
from plugsmith.platforms import COMPILE_FLAGS, CXX_OWN_NEW_DELETE, FORMATS, LINK_FLAGS, REPRODUCIBLE_COMPILE_FLAGS

#: ``(kind, job, message)``. Kinds: ``start`` (the job's first zig process is about to run),
#: ``step`` (message: what runs next, e.g. ``compile greet.c``), ``command`` (message: the zig
#: command line, copy-pasteable), ``done`` (message ``up to date`` when nothing had to run),
#: ``failed`` (message: the one-line error). Consumers ignore kinds they do not know.
Event = Callable[[str, Job, str], None]

LOG_NAME = "build.log"
LINK_RECORD = "link.json"


@dataclass(frozen=True, slots=True, kw_only=True)
class JobResult:
    job: Job
    ok: bool
    artifact: Path | None = None
    import_library: Path | None = None
    map_path: Path | None = None
    message: str = ""
    command: str = ""
    log: str = ""  # the failing command's own output
    log_path: Path | None = None  # the job's build.log
    up_to_date: bool = False  # nothing ran: every output was already current
    commands: int = 0  # zig processes this job ran
    not_started: bool = False  # the build stopped (first failure, no --keep-going) before this job ran


@dataclass(slots=True, kw_only=True)
class BuildResult:
    results: list[JobResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def failures(self) -> list[JobResult]:
        return [r for r in self.results if not r.ok]

    @property
    def commands(self) -> int:
        return sum(r.commands for r in self.results)


#: zig/lld messages that have a clearer meaning in plugsmith's terms, tested per format.
DIAGNOSTICS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"version script assignment of '[^']*' to symbol '([^']+)' failed: symbol not defined"),
     "contract symbol '{0}' is not defined by any source of this plugin"),
    # lld-link names the .def's export as referenced from "<root>" when no object defines it.
    (re.compile(r"lld-link: error: <root>: undefined symbol: ([A-Za-z_][A-Za-z0-9_]*)"),
     "contract symbol '{0}' is not defined by any source of this plugin"),
    # a name declared __declspec(dllimport) (a CPython extension's Py* calls) is shown with that prefix
    (re.compile(r"lld-link: error: undefined symbol: (?:__declspec\(dllimport\) )?([A-Za-z_][A-Za-z0-9_]*)"),
     "undefined symbol '{0}' (a contract symbol not defined by the sources, or a missing library)"),
    (re.compile(r"ld\.lld: error: undefined symbol: ([A-Za-z_][A-Za-z0-9_]*)"),
     "undefined symbol '{0}': the plugin uses a symbol nothing defines (-z defs is on for Linux)"),
    # zig's own Mach-O linker: "error: undefined symbol: _name" at the start of a line
    (re.compile(r"(?m)^error: undefined symbol: _([A-Za-z_][A-Za-z0-9_]*)"),
     "undefined symbol '{0}': the plugin uses a symbol nothing defines"),
)


def explain(output: str) -> str:
    for pattern, message in DIAGNOSTICS:
        match = pattern.search(output)
        if match:
            return message.format(*match.groups())
    return ""


# -- the public entry point ------------------------------------------------------------------------

def build(plan: Plan, *, jobs: int = 2, cache: Path | None = None, on_event: Event | None = None,
          keep_going: bool = False, force: bool = False, on_message: Callable[[str], None] | None = None,
          lock_timeout: float | None = None, step_timeout: float | None = None) -> BuildResult:
    """Build every job of the plan with up to ``jobs`` zig processes at once.

    Never raises for a failed compile or link (see ``BuildResult.failures``); a failed job's
    previous artifact is removed from dist/, so no stale artifact passes for a current one.
    ``force`` ignores the records and rebuilds everything. Each zig step may run
    ``step_timeout`` seconds (default: the matrix's ``step_timeout``). Raises
    ``KeyboardInterrupt`` after stopping every zig process on Ctrl-C or SIGTERM, leaving no
    partial artifact; ``BuildError`` when the project's build lock is held longer than
    ``lock_timeout`` seconds (None: wait, telling ``on_message``), or in one line naming the path
    when the build folders cannot be written (disk full, read-only, no permission).
    """
    cache = cache or plan.matrix.zig_cache or zig.default_cache()
    zig.zig_argv()  # fail early and clearly when zig is missing
    builders.require(plan)  # and when cmake, meson or go is (exit 2, before anything runs)
    extension.check(plan)  # python-extension: the host's Python headers exist and are new enough
    notify: Event = on_event or (lambda kind, job, msg: None)
    timeout = step_timeout if step_timeout is not None else getattr(plan.matrix, "step_timeout", None)
    try:
        with lock.hold(plan.matrix.build_dir, timeout=lock_timeout, on_wait=on_message) as held, \
                _sigterm_interrupts():
            runner = zig.ZigProcesses(cache, keep_fds=(held.fd,), timeout=timeout)
            states = [_JobState(job=job, notify=notify, timeout=timeout or 0.0) for job in plan.jobs]
            tasks: list[scheduler.Task] = []
            for state in states:
                tasks += _tasks(state, plan, runner, force=force)
            scheduler.run(tasks, workers=jobs, keep_going=keep_going, on_interrupt=runner.stop_all)
            return BuildResult(results=[state.result() for state in states])
    except OSError as exc:
        raise BuildError(os_message(exc)) from None


def os_message(exc: OSError) -> str:
    """One line for a file-system error: the path (the destination of a rename) and the reason."""
    path = exc.filename2 if exc.filename2 is not None else exc.filename
    reason = exc.strerror or type(exc).__name__
    if path is None:
        return f"file system error: {reason}"
    return f"cannot write {os.fsdecode(path)}: {reason}"


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM stops the build like Ctrl-C (only the main thread can install handlers). A handler
    the caller installed (the command line's) is kept: it already does this, and more."""
    if threading.current_thread() is not threading.main_thread() or callable(signal.getsignal(signal.SIGTERM)):
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# -- per-job state -----------------------------------------------------------------------------

@dataclass(slots=True, kw_only=True)
class _JobState:
    job: Job
    notify: Event
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: bool = False
    finished: bool = False
    failure: JobResult | None = None
    success: JobResult | None = None
    commands: int = 0
    log: list[str] = field(default_factory=list)
    timeout: float = 0.0

    def begin(self, step: str) -> None:
        with self.lock:
            first = not self.started
            self.started = True
        if first:
            self.notify("start", self.job, "")
        self.notify("step", self.job, step)

    def ran(self, res: zig.Result) -> None:
        command = zig.display(res.argv)
        with self.lock:
            self.commands += 1
            self.log.append(f"$ {command}\n{res.output.rstrip()}\n[exit {res.returncode}]\n")
        self.notify("command", self.job, command)

    def fail(self, what: str, res: zig.Result | None = None, *, hint: str = "") -> bool:
        output = res.output.strip() if res else ""
        hint = hint or explain(output)
        if res is not None and res.timed_out:
            hint = (f"stopped after {self.timeout:.0f}s (step_timeout: in build_matrix.yaml, or "
                    "$PLUGSMITH_STEP_TIMEOUT); a step that never ends often means an unusable zig cache folder")
        elif res is not None and res.returncode in (139, -11) and not output:
            hint = ("zig crashed (segmentation fault) with no output; zig 0.17 does this when linking a macOS "
                    "dylib that exports nothing at -O1 or above: check the contract lists at least one symbol "
                    "for this target")
        exit_note = f" ({_program(res.argv)} exit {res.returncode})" if res is not None else ""
        message = f"{self.job.id}: {what}" + (f": {hint}" if hint else exit_note)
        with self.lock:
            first = self.failure is None
            if first:
                self.failure = JobResult(job=self.job, ok=False, message=message,
                                         command=zig.display(res.argv) if res else "", log=output,
                                         log_path=self.job.work_dir / LOG_NAME)
        if first:
            stale = _discard_outputs(self.job)
            if stale:
                with self.lock:
                    assert self.failure is not None
                    self.failure = replace(self.failure, message=f"{self.failure.message}; {stale}")
                message = self.failure.message
            self.write_log()
            self.notify("failed", self.job, message)
        return False

    def succeed(self, result: JobResult, *, up_to_date: bool) -> bool:
        self.success = replace(result, up_to_date=up_to_date)
        if not up_to_date:
            self.write_log()
        self.notify("done", self.job, "up to date" if up_to_date else "")
        return True

    def write_log(self) -> None:
        with self.lock:
            text = "".join(self.log)
        if text:
            with contextlib.suppress(OSError):
                _fs.write_text(self.job.work_dir / LOG_NAME, text)

    def result(self) -> JobResult:
        if self.failure is not None:
            return _with(self.failure, commands=self.commands)
        if self.success is not None:
            return _with(self.success, commands=self.commands)
        return JobResult(job=self.job, ok=False, commands=self.commands, not_started=True,
                         message=f"{self.job.id}: not built: the build stopped after another job failed "
                                 "(use --keep-going to build the rest)")


def _program(argv: tuple[str, ...]) -> str:
    """What a failed step ran, for its message: ``zig`` (``python -m ziglang``), else the program's
    name (after ``env``'s VAR=VALUE words: a builder's tool run with its environment shown)."""
    if argv[1:3] == ("-m", "ziglang"):
        return "zig"
    rest = argv[1:] if argv and Path(argv[0]).name == "env" else argv
    return Path(next((word for word in rest if "=" not in word), argv[0] if argv else "?")).name


def _with(result: JobResult, *, commands: int) -> JobResult:
    return replace(result, commands=commands)


def _discard_outputs(job: Job) -> str:
    """After a failure, remove the job's previous artifact and import library from dist/ and its
    link record: an artifact of older sources must not pass for the result of this build (verify
    would call it OK). Returns '' or a note when a file could not be removed (read-only dist/)."""
    fingerprint.forget(job.work_dir / LINK_RECORD)
    paths = [job.artifact, record.path_for(job.artifact)] + ([job.out_dir / job.import_library]
                                                             if job.import_library else [])
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            return f"the previous {path} could not be removed ({exc.strerror}): it is stale, do not ship it"
    return ""


# -- the job's steps ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True, kw_only=True)
class _Prepared:
    map_path: Path
    #: Extra ``-I`` folders for this job's compiles, searched before the plugin's own. Files the
    #: engine generates for a job (e.g. a header derived from the contract) go into the work dir
    #: in :func:`_prepare` and their folder is listed here; the compiler's depfile then records
    #: them like any header, so a change to one recompiles exactly the sources that include it.
    include_dirs: tuple[Path, ...] = ()
    #: Macros plugsmith defines for the plugin's own sources (before the plugin's ``defines``).
    defines: tuple[str, ...] = ()
    #: Sources plugsmith generates and compiles with fixed flags, e.g. a C++ plugin's own
    #: operator new/delete on Mach-O (build/cxx.py).
    generated_sources: tuple[Path, ...] = ()
    #: Flags before the user's cflags (a python-extension's ``-include pyconfig.h`` on Windows).
    compile_flags: tuple[str, ...] = ()
    #: A python-extension on Windows: python3.dll's module-definition file, made into the import
    #: library the link needs (engine/extension.py).
    python_def: Path | None = None


def _prepare(job: Job) -> _Prepared:
    """Create the job's work dir, clear scratch a killed build left, write the export map."""
    work = job.work_dir
    (work / "obj").mkdir(parents=True, exist_ok=True)
    for folder in (work, work / "obj", work / "hidden", work / "gen"):
        _sweep(folder)
    _sweep(job.out_dir, folders=False)  # dist/: only our own .NAME.<hex>.tmp files
    map_path = work / job.map_name
    _write_if_changed(map_path, render(job.format, job.contract, library=job.library))
    generated: list[Path] = []
    if job.plugin.language == "c++" and job.format in CXX_OWN_NEW_DELETE:
        shim = work / "gen" / cxx.NAME
        _write_if_changed(shim, cxx.SOURCE)
        generated.append(shim)
    # The contract's C header (<plugin>_export.h, see plugsmith.header): searched before the
    # plugin's own include_dirs. The depfile records it like any header, so a contract change
    # recompiles exactly the sources that include it; same bytes are not rewritten.
    header.write(job.contract, plugin=job.plugin.name, work_dir=work)
    ext_includes, ext_defines, ext_flags = extension.compile_extras(job)
    python_def = None
    if extension.needs_implib(job):
        python_def = work / extension.DEF_NAME
        _write_if_changed(python_def, extension.def_text())
    return _Prepared(map_path=map_path, include_dirs=(header.include_dir(work), *ext_includes),
                     defines=(header.building_macro(job.plugin.name), *ext_defines),
                     generated_sources=tuple(generated), compile_flags=ext_flags, python_def=python_def)


def _sweep(folder: Path, *, folders: bool = True) -> None:
    """Remove scratch entries of earlier, killed builds (the project lock is held: none is live)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if folders and entry.name.startswith("link-") and entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        elif entry.name.startswith(".") and entry.name.endswith(".tmp"):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def _write_if_changed(path: Path, text: str) -> None:
    data = text.encode("utf-8")
    with contextlib.suppress(OSError):
        if path.read_bytes() == data:
            return
    _fs.write_bytes(path, data)


def _driver(job: Job) -> str:
    return "c++" if job.plugin.language == "c++" else "cc"


def _object_name(source: Path, root: Path) -> str:
    """``<stem>-<tag>.o``, the tag from the path relative to the project, so two sources with one
    name do not collide and the name is the same in every checkout folder."""
    try:
        relative = source.relative_to(root).as_posix()
    except ValueError:
        relative = source.as_posix()
    return f"{source.stem}-{hashlib.sha256(os.fsencode(relative)).hexdigest()[:8]}.o"


@dataclass(frozen=True, slots=True, kw_only=True)
class _Step:
    """One compile or link: its command (with ``{placeholders}`` for scratch names), the digest of
    everything about it that is not a file, and where its record lives."""

    args: tuple[str, ...]
    key: str
    record_path: Path

    def fresh(self) -> bool:
        record = fingerprint.load(self.record_path)
        return record is not None and record.fresh(self.key)


def _tasks(state: _JobState, plan: Plan, runner: zig.ZigProcesses, *, force: bool) -> list[scheduler.Task]:
    """The job's steps that must run. Up-to-date steps are found here, on the calling thread, so a
    no-op build hands nothing to the worker pool; a job with nothing to do reports ``done`` now."""
    job = state.job
    root = plan.matrix.root
    prepared = _prepare(job)
    if job.builder != "zig":  # the project's own build (engine/builders): one step, same landing
        from plugsmith.engine.builders import job as project_job
        return project_job.tasks(state, plan, runner, prepared, force=force)
    objects: list[Path] = []
    tasks: list[scheduler.Task] = []
    sources = [(s, False) for s in job.plugin.sources] + [(s, True) for s in prepared.generated_sources]
    for index, (source, generated) in enumerate(sources):
        obj = job.work_dir / "obj" / _object_name(source, root)
        objects.append(obj)
        step = _compile_step(job, root, prepared, source, obj, generated=generated)
        if not force and step.fresh():
            continue
        tasks.append(scheduler.Task(
            id=f"{job.id}:compile:{index}", priority=1,
            run=_bind(_compile, state, runner, root, source, obj, step),
        ))
    link = _link_step(job, prepared, tuple(objects))
    if not tasks and not force and link.fresh():
        record.ensure(plan.matrix, job, objects)
        state.succeed(_link_result(job, prepared), up_to_date=True)
        return []
    tasks.append(scheduler.Task(
        id=f"{job.id}:link", priority=0, deps=tuple(t.id for t in tasks),
        run=_bind(_link, state, runner, prepared, tuple(objects), link, force, plan.matrix),
    ))
    return tasks


def _bind(fn: Callable[..., bool], state: _JobState, *args: object) -> Callable[[], bool]:
    """A task: a file-system error (disk full, read-only dist/, no permission) fails its job in
    one line naming the path, like a failed compile, instead of ending the build in a traceback."""
    def call() -> bool:
        try:
            return fn(state, *args)
        except OSError as exc:
            return state.fail(os_message(exc))
    return call


def _compile_step(job: Job, root: Path, prepared: _Prepared, source: Path, obj: Path, *, generated: bool) -> _Step:
    lang = ["-x", "c++"] if job.plugin.language == "c++" else []
    prefix_map = [flag.format(root=root) for flag in REPRODUCIBLE_COMPILE_FLAGS]
    includes = [*prepared.include_dirs, *job.plugin.include_dirs]
    if generated:  # plugsmith's own source: fixed flags, nothing of the user's
        flags = [*COMPILE_FLAGS[job.format], *cxx.FLAGS, *prefix_map]
    else:
        flags = [*COMPILE_FLAGS[job.format], *prepared.compile_flags, *(f.value for f in job.cflags),
                 *(f"-I{d}" for d in includes),
                 *(f"-D{d}" for d in (*prepared.defines, *job.plugin.defines)), *prefix_map, *lang]
    args = (_driver(job), "-target", job.triple, *flags, "-MD", "-MF", "{dep}", "-c", str(source), "-o", "{obj}")
    return _Step(args=args, key=fingerprint.digest(["compile", zig.identity(), job.triple, *args]),
                 record_path=obj.with_name(obj.name + ".json"))


def _compile(state: _JobState, runner: zig.ZigProcesses, root: Path, source: Path, obj: Path, step: _Step) -> bool:
    state.begin(f"compile {source.name}")
    scratch = uuid.uuid4().hex[:12]
    obj_tmp = obj.with_name(f".{obj.name}.{scratch}.tmp")
    dep_tmp = obj.with_name(f".{obj.stem}.d.{scratch}.tmp")
    fingerprint.forget(step.record_path)
    try:
        fill = {"{dep}": str(dep_tmp), "{obj}": str(obj_tmp)}
        try:
            res = runner.run([fill.get(a, a) for a in step.args], cwd=root)
        except zig.Cancelled:
            return False
        state.ran(res)
        if res.returncode != 0 or not obj_tmp.is_file():
            return state.fail(f"compiling {source.name} failed", res)
        try:
            # fsdecode: a project folder whose name is not UTF-8 keeps its bytes (surrogateescape)
            deps = fingerprint.parse_depfile(os.fsdecode(dep_tmp.read_bytes()), root)
        except OSError:
            deps = []
        os.replace(obj_tmp, obj)
        fingerprint.save(step.record_path, step.key, [source, *deps], [obj])
        return True
    finally:
        for tmp in (obj_tmp, dep_tmp):
            with contextlib.suppress(OSError):
                tmp.unlink()


def _link_inputs(job: Job, objects: tuple[Path, ...]) -> list[Path]:
    """What zig links: the objects, or (where the linker ignores the export list: Mach-O) their
    copies with non-contract symbols hidden."""
    inputs = [*objects, *job.static_libs]
    if FORMATS[job.format].hide_in_objects:
        return [job.work_dir / "hidden" / _hidden_name(path, obj=path in objects) for path in inputs]
    return inputs


def _hidden_name(path: Path, *, obj: bool) -> str:
    """An object's hidden copy keeps its name (unique per job); a static library's gets a tag of
    its path (two vendored libfoo.a may sit in different folders)."""
    return path.name if obj else f"{hashlib.sha256(os.fsencode(path)).hexdigest()[:8]}-{path.name}"


def _link_step(job: Job, prepared: _Prepared, objects: tuple[Path, ...]) -> _Step:
    keep = sorted(s.name for s in job.contract.symbols)
    implib_name = job.import_library
    fill = {"map": str(prepared.map_path), "library": job.library,
            "import_library": "{implib}" if implib_name else ""}
    link_flags = [flag.format(**fill) for flag in extension.link_flags(job, LINK_FLAGS[job.format])]
    args = (_driver(job), "-target", job.triple, "-shared", *(f.value for f in job.ldflags), "-o", "{out}",
            *map(str, _link_inputs(job, objects)), *link_flags)
    key = fingerprint.digest(["link", zig.identity(), job.triple, job.format, job.library, implib_name or "",
                              *(keep if FORMATS[job.format].hide_in_objects else ()),
                              *((extension.def_digest(),) if prepared.python_def else ()), *args])
    return _Step(args=args, key=key, record_path=job.work_dir / LINK_RECORD)


def _link_result(job: Job, prepared: _Prepared) -> JobResult:
    return JobResult(job=job, ok=True, artifact=job.artifact,
                     import_library=job.out_dir / job.import_library if job.import_library else None,
                     map_path=prepared.map_path, log_path=job.work_dir / LOG_NAME)


def _link(state: _JobState, runner: zig.ZigProcesses, prepared: _Prepared, objects: tuple[Path, ...], step: _Step,
          force: bool, matrix: Matrix) -> bool:
    job = state.job
    if state.failure is not None:  # a compile of this job failed (keep-going ran the rest)
        return False
    done = _link_result(job, prepared)
    if not force and step.fresh():  # recompiled objects came out byte-identical
        record.write(matrix, job, objects)  # the sources' hashes may have changed (same objects)
        return state.succeed(done, up_to_date=not state.started)
    state.begin(f"link {job.library}")
    fingerprint.forget(step.record_path)
    record.forget(job)  # never beside an artifact it does not describe, even if this link is killed
    if FORMATS[job.format].hide_in_objects:
        keep = frozenset(s.name for s in job.contract.symbols)
        (job.work_dir / "hidden").mkdir(exist_ok=True)
        for obj, hidden in zip((*objects, *job.static_libs), _link_inputs(job, objects), strict=True):
            _copy_into(obj, hidden, edit=lambda tmp: pext.hide(tmp, keep))
    scratch = job.work_dir / f"link-{uuid.uuid4().hex[:12]}"
    scratch.mkdir(parents=True)
    try:
        out = scratch / job.library
        implib = scratch / job.import_library if job.import_library else None
        fill = {"{out}": str(out), "{implib}": str(implib)}
        if prepared.python_def is not None and not _python_implib(state, runner, prepared.python_def):
            return False
        try:
            res = runner.run([_fill(a, fill) for a in step.args])
        except zig.Cancelled:
            return False
        state.ran(res)
        if res.returncode != 0 or not out.is_file():
            return state.fail("link failed", res)
        outputs = [job.artifact]
        if implib is not None:
            if not implib.is_file():
                return state.fail(f"link produced no import library {implib.name}", res)
            _install(implib, job.out_dir / implib.name)
            outputs.append(job.out_dir / implib.name)
        _install(out, job.artifact)  # after its import library: its presence means the link finished
        record.write(matrix, job, objects)  # then its build record, then link.json
        fingerprint.save(step.record_path, step.key, [*objects, *job.static_libs, prepared.map_path], outputs)
        return state.succeed(done, up_to_date=False)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _python_implib(state: _JobState, runner: zig.ZigProcesses, python_def: Path) -> bool:
    """A Windows python-extension's link input: python3.dll's import library, made with ``zig dlltool``
    (0.04 s) into a scratch name, then renamed into the work folder."""
    job = state.job
    target = job.work_dir / extension.IMPLIB_NAME
    scratch = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        try:
            res = runner.run(extension.implib_args(job, python_def, scratch))
        except zig.Cancelled:
            return False
        state.ran(res)
        if res.returncode != 0 or not scratch.is_file():
            return state.fail("making python3.dll's import library failed", res)
        os.replace(scratch, target)
        return True
    finally:
        with contextlib.suppress(OSError):
            scratch.unlink()


def _fill(arg: str, values: dict[str, str]) -> str:
    for placeholder, value in values.items():
        arg = arg.replace(placeholder, value)
    return arg


def _install(src: Path, dest: Path) -> None:
    """Move a finished file into dist atomically, also when dist is on another filesystem."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(src, dest)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        _copy_into(src, dest)


def _copy_into(src: Path, dest: Path, *, edit: Callable[[Path], object] | None = None) -> None:
    """Copy ``src`` to a temporary name beside ``dest``, let ``edit`` change the copy, then rename
    it into place: ``dest`` is never seen half-written."""
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        shutil.copyfile(src, tmp)
        if edit is not None:
            edit(tmp)
        os.replace(tmp, dest)
    except OSError as exc:  # name the file being made, not its scratch name (a write() names none)
        raise OSError(exc.errno, exc.strerror, str(dest)) from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
