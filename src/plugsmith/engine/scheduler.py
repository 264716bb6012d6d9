"""Run a graph of tasks on N worker threads, each task once its dependencies succeeded.

The build is a small DAG: one compile task per (job, source) and one link task per job that
depends on that job's compiles. Ready tasks start in priority order (links first, so finished
artifacts land early, then compiles in plan order). A failed task marks its dependents
``skipped``; without ``keep_going`` no further task starts after the first failure (running ones
finish). The waiting thread wakes several times a second, so Ctrl-C and SIGTERM are handled at
once even while every worker is busy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Literal

Outcome = Literal["ok", "failed", "skipped", "not-started"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Task:
    id: str
    run: Callable[[], bool]  # True on success; exceptions count as failure and are re-raised
    deps: tuple[str, ...] = ()
    priority: int = 0  # lower starts first among ready tasks


def run(tasks: Sequence[Task], *, workers: int, keep_going: bool = False,
        on_interrupt: Callable[[], None] | None = None) -> dict[str, Outcome]:
    """Run ``tasks``; return each task's outcome. ``on_interrupt`` runs (before the pool is shut
    down) when the waiting thread is interrupted, e.g. to stop the processes workers wait on."""
    by_id = {t.id: t for t in tasks}
    if len(by_id) != len(tasks):
        raise ValueError("duplicate task id")
    for t in tasks:
        for dep in t.deps:
            if dep not in by_id:
                raise ValueError(f"task {t.id} depends on unknown task {dep}")
    order = {t.id: (t.priority, i) for i, t in enumerate(tasks)}
    waiting_on = {t.id: set(t.deps) for t in tasks}
    dependents: dict[str, list[str]] = {t.id: [] for t in tasks}
    for t in tasks:
        for dep in t.deps:
            dependents[dep].append(t.id)
    outcome: dict[str, Outcome] = {}
    ready = sorted((t.id for t in tasks if not t.deps), key=order.__getitem__)
    running: dict[Future[bool], str] = {}
    stopping = False
    error: BaseException | None = None

    def finish(task_id: str, result: Outcome) -> None:
        outcome[task_id] = result
        for child in dependents[task_id]:
            if child in outcome:
                continue
            if result != "ok":
                finish(child, "skipped")
                continue
            waiting_on[child].discard(task_id)
            if not waiting_on[child]:
                ready.append(child)
        ready.sort(key=order.__getitem__)

    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="plugsmith-build")
    try:
        while ready or running:
            while ready and not stopping and len(running) < max(1, workers):
                task_id = ready.pop(0)
                if task_id in outcome:
                    continue
                running[pool.submit(by_id[task_id].run)] = task_id
            if not running:
                break
            done, _ = wait(list(running), timeout=0.25, return_when=FIRST_COMPLETED)
            for future in done:
                task_id = running.pop(future)
                try:
                    ok = future.result()
                except Exception as exc:  # a bug or an I/O error: stop like a failure, re-raise at the end
                    ok = False
                    error = error or exc
                finish(task_id, "ok" if ok else "failed")
                if not ok and not keep_going:
                    stopping = True
            if error is not None:
                stopping = True
    except BaseException:
        if on_interrupt is not None:
            on_interrupt()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    if error is not None:
        raise error
    for t in tasks:
        outcome.setdefault(t.id, "not-started")
    return outcome
