"""The engine's task for a plugin built by a project builder: one step per job.

Up to date (nothing runs, no process starts) when the job's ``link.json`` record matches: the
key (builder, tool and zig identities, triple, options, flags, the list of project files) and
every input file (the project's files, the export map, the static libraries) and output (the
artifact, the import library). Otherwise the builder runs and the engine lands its library in
``dist/<target>/`` as it lands a zig link: import library first, artifact last, then ``link.json``,
then its build record (``<artifact>.build.json``) made from the stamps ``link.json`` holds.
"""

from __future__ import annotations

import os
from pathlib import Path

from plugsmith.engine import engine, fingerprint, scheduler, zig
from plugsmith.engine import record as build_record
from plugsmith.engine.builders import Built, Context, builder_of
from plugsmith.plan import Job, Plan
from plugsmith.platforms import LINK_FLAGS

__all__ = ["tasks"]

STEP = "build"


def tasks(state: engine._JobState, plan: Plan, runner: zig.ZigProcesses, prepared: engine._Prepared, *,
          force: bool) -> list[scheduler.Task]:
    job = state.job
    builder = builder_of(job.builder)
    # not the project's inputs: plugsmith's own outputs (and `plugsmith toolchains`' default folder)
    skip = (plan.matrix.build_dir, plan.matrix.dist, plan.matrix.root / "toolchains")
    inputs = [*builder.inputs(job, skip), prepared.map_path, *job.static_libs]
    key = _key(job, builder.identity(), inputs, plan.matrix.root)
    record = job.work_dir / engine.LINK_RECORD
    done = engine._link_result(job, prepared)
    if not force and _fresh(record, key):
        build_record.ensure_project(plan.matrix, job, record)
        state.succeed(done, up_to_date=True)
        return []
    ctx = Context(job=job, root=plan.matrix.root, build_dir=plan.matrix.build_dir, dist=plan.matrix.dist,
                  map_path=prepared.map_path, runner=runner, steps=state, timeout=state.timeout)

    def run(state: engine._JobState) -> bool:
        fingerprint.forget(record)
        build_record.forget(job)  # never beside an artifact it does not describe
        built = builder.build(ctx)
        if built is None:
            return False
        if not built.library.is_file():
            return state.fail(f"{job.builder} produced no {built.library}")
        outputs = _land(job, built)
        saved = fingerprint.save(record, key, inputs, outputs)
        # from link.json's stamps (the project hashed once); killed before this, the next
        # (up-to-date) build writes it from the same stamps
        build_record.write_project(plan.matrix, job, saved.inputs)
        return state.succeed(done, up_to_date=False)

    return [scheduler.Task(id=f"{job.id}:{STEP}", priority=0, run=engine._bind(run, state))]


def _fresh(record_path: Path, key: str) -> bool:
    record = fingerprint.load(record_path)
    return record is not None and record.fresh(key)


def _key(job: Job, identity: list[str], inputs: list[Path], root: Path) -> str:
    project = job.plugin.project
    names = []
    for path in inputs:  # an added or removed file changes the key (the record lists only old ones)
        try:
            names.append(path.relative_to(root).as_posix())
        except ValueError:
            names.append(os.fsdecode(path))
    return fingerprint.digest([
        "project-build", job.builder, *identity, zig.identity(), job.triple, job.format, job.library,
        job.import_library or "", (project.target or "") if project else "",
        *(f"-D{k}={v}" for k, v in (project.options if project else ())),
        *(f.value for f in job.cflags), "--", *(f.value for f in job.ldflags), "--", *LINK_FLAGS[job.format],
        *sorted(s.name for s in job.contract.symbols), "--", *names,
    ])


def _land(job: Job, built: Built) -> list[Path]:
    """Copy (never move: the build tree keeps its outputs, so its next build is incremental) the
    import library then the library into dist/, each through a temporary name."""
    outputs = []
    if job.import_library:
        if built.import_library is None or not built.import_library.is_file():
            raise OSError(2, "the build produced no import library", str(built.import_library or job.import_library))
        dest = job.out_dir / job.import_library
        dest.parent.mkdir(parents=True, exist_ok=True)
        engine._copy_into(built.import_library, dest)
        outputs.append(dest)
    job.artifact.parent.mkdir(parents=True, exist_ok=True)
    engine._copy_into(built.library, job.artifact)
    return [*outputs, job.artifact]

