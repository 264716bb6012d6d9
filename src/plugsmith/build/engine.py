"""Compile each source to an object, hide non-contract symbols where the format needs it, link,
and move the finished artifact into ``dist/<target>/``. A failed job leaves nothing in dist."""

from __future__ import annotations

import hashlib
import re
import shutil
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from plugsmith import _fs
from plugsmith.build import pext, zig
from plugsmith.errors import BuildError
from plugsmith.maps import render
from plugsmith.plan import Job, Plan
from plugsmith.platforms import COMPILE_FLAGS, LINK_FLAGS

Event = Callable[[str, Job, str], None]  # (kind, job, message): kind is start | done | failed | command


@dataclass(frozen=True, slots=True, kw_only=True)
class JobResult:
    job: Job
    ok: bool
    artifact: Path | None = None
    import_library: Path | None = None
    map_path: Path | None = None
    message: str = ""
    command: str = ""
    log: str = ""


@dataclass(slots=True, kw_only=True)
class BuildResult:
    results: list[JobResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def failures(self) -> list[JobResult]:
        return [r for r in self.results if not r.ok]


#: zig/lld messages that have a clearer meaning in plugsmith's terms, tested per format.
DIAGNOSTICS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"version script assignment of '[^']*' to symbol '([^']+)' failed: symbol not defined"),
     "contract symbol '{0}' is not defined by any source of this plugin"),
    # lld-link names the .def's export as referenced from "<root>" when no object defines it.
    (re.compile(r"lld-link: error: <root>: undefined symbol: ([A-Za-z_][A-Za-z0-9_]*)"),
     "contract symbol '{0}' is not defined by any source of this plugin"),
    (re.compile(r"lld-link: error: undefined symbol: ([A-Za-z_][A-Za-z0-9_]*)"),
     "undefined symbol '{0}' (a contract symbol not defined by the sources, or a missing library)"),
    (re.compile(r"ld\.lld: error: undefined symbol: ([A-Za-z_][A-Za-z0-9_]*)"),
     "undefined symbol '{0}': the plugin uses a symbol nothing defines (-z defs is on for Linux)"),
)


def explain(output: str) -> str:
    for pattern, message in DIAGNOSTICS:
        match = pattern.search(output)
        if match:
            return message.format(*match.groups())
    return ""


def build(plan: Plan, *, jobs: int = 2, cache: Path | None = None, on_event: Event | None = None,
          keep_going: bool = False) -> BuildResult:
    """Run every job of the plan; return per-job results (never raises for a failed compile)."""
    cache = cache or plan.matrix.zig_cache or zig.default_cache()
    zig.zig_argv()  # fail early and clearly when zig is missing
    notify = on_event or (lambda kind, job, msg: None)
    result = BuildResult()
    stop = threading.Event()

    def work(job: Job) -> JobResult:
        if stop.is_set():
            return JobResult(job=job, ok=False, message="not started: an earlier job failed (use --keep-going)")
        notify("start", job, "")
        res = _build_job(job, cache, notify)
        notify("done" if res.ok else "failed", job, res.message)
        if not res.ok and not keep_going:
            stop.set()
        return res

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures: list[Future[JobResult]] = [pool.submit(work, job) for job in plan.jobs]
        wait(futures, return_when=FIRST_EXCEPTION)
        for future in futures:
            result.results.append(future.result())
    return result


def _build_job(job: Job, cache: Path, notify: Event) -> JobResult:
    work = job.work_dir
    obj_dir = work / "obj"
    obj_dir.mkdir(parents=True, exist_ok=True)
    map_path = work / job.map_name
    _fs.write_text(map_path, render(job.format, job.contract, library=job.library))

    objects: list[Path] = []
    cflags = [f.value for f in job.cflags]
    lang = ["-x", "c++"] if job.plugin.language == "c++" else []
    for source in job.plugin.sources:
        tag = hashlib.sha256(str(source).encode()).hexdigest()[:8]
        obj = obj_dir / f"{source.stem}-{tag}.o"
        args = ["c++" if job.plugin.language == "c++" else "cc", "-target", job.triple, *COMPILE_FLAGS[job.format],
                *cflags, *[f"-I{d}" for d in job.plugin.include_dirs], *[f"-D{d}" for d in job.plugin.defines],
                *lang, "-c", str(source), "-o", str(obj)]
        res = zig.run(args, cache=cache)
        notify("command", job, zig.display(res.argv))
        if res.returncode != 0:
            obj.unlink(missing_ok=True)
            return _failed(job, f"compiling {source.name} failed", res)
        objects.append(obj)

    if job.format == "macho":
        keep = frozenset(s.name for s in job.contract.symbols)
        for obj in objects:
            pext.hide_all_but(obj, keep)

    scratch = work / f"link-{uuid.uuid4().hex[:12]}"
    scratch.mkdir(parents=True)
    try:
        out = scratch / job.library
        implib = scratch / job.import_library if job.import_library else None
        fill = {"map": str(map_path), "library": job.library, "import_library": str(implib) if implib else ""}
        link_flags = [flag.format(**fill) for flag in LINK_FLAGS[job.format]]
        args = ["c++" if job.plugin.language == "c++" else "cc", "-target", job.triple, "-shared",
                *[f.value for f in job.ldflags], "-o", str(out), *map(str, objects), *link_flags]
        res = zig.run(args, cache=cache)
        notify("command", job, zig.display(res.argv))
        if res.returncode != 0 or not out.is_file():
            return _failed(job, "link failed", res)
        if implib is not None:
            if not implib.is_file():
                return _failed(job, f"link produced no import library {implib.name}", res)
            _fs.replace_into(implib, job.out_dir / implib.name)
        _fs.replace_into(out, job.artifact)
        return JobResult(job=job, ok=True, artifact=job.artifact,
                         import_library=job.out_dir / job.import_library if job.import_library else None,
                         map_path=map_path, command=zig.display(res.argv))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _failed(job: Job, what: str, res: zig.Result) -> JobResult:
    output = res.output.strip()
    hint = explain(output)
    if res.returncode in (139, -11) and not output:
        hint = ("zig crashed (segmentation fault) with no output; zig 0.17 does this when linking a macOS dylib "
                "that exports nothing at -O1 or above: check the contract lists at least one symbol for this target")
    message = f"{job.id}: {what}" + (f": {hint}" if hint else f" (zig exit {res.returncode})")
    return JobResult(job=job, ok=False, message=message, command=zig.display(res.argv), log=output)


def explain_failure(result: JobResult) -> str:
    return result.message


def raise_for(result: BuildResult) -> None:
    if result.ok:
        return
    first = result.failures[0]
    raise BuildError(first.message, details=first.log)
