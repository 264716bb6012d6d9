"""The task graph runner and the depfile parser, on hand-built values (no zig)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from plugsmith.engine import fingerprint, scheduler
from plugsmith.engine.scheduler import Task


def recorder() -> tuple[list[str], object]:
    order: list[str] = []
    lock = threading.Lock()

    def task(name: str, ok: bool = True, delay: float = 0.0):  # type: ignore[no-untyped-def]
        def run() -> bool:
            time.sleep(delay)
            with lock:
                order.append(name)
            return ok
        return run
    return order, task


def test_dependents_run_after_their_dependencies() -> None:
    order, task = recorder()
    tasks = [Task(id="a", run=task("a", delay=0.05)), Task(id="b", run=task("b")),
             Task(id="link", run=task("link"), deps=("a", "b"), priority=-1)]
    out = scheduler.run(tasks, workers=2)
    assert out == {"a": "ok", "b": "ok", "link": "ok"}
    assert order[-1] == "link"


def test_a_failure_skips_dependents_and_stops_new_tasks_without_keep_going() -> None:
    order, task = recorder()
    tasks = [Task(id="bad", run=task("bad", ok=False)), Task(id="dep", run=task("dep"), deps=("bad",)),
             Task(id="later", run=task("later"))]
    out = scheduler.run(tasks, workers=1)
    assert out == {"bad": "failed", "dep": "skipped", "later": "not-started"}
    assert order == ["bad"]


def test_keep_going_runs_everything_not_depending_on_the_failure() -> None:
    _order, task = recorder()
    tasks = [Task(id="bad", run=task("bad", ok=False)), Task(id="dep", run=task("dep"), deps=("bad",)),
             Task(id="later", run=task("later"))]
    out = scheduler.run(tasks, workers=1, keep_going=True)
    assert out == {"bad": "failed", "dep": "skipped", "later": "ok"}


def test_never_more_than_workers_at_once() -> None:
    live = [0, 0]
    lock = threading.Lock()

    def run() -> bool:
        with lock:
            live[0] += 1
            live[1] = max(live[1], live[0])
        time.sleep(0.02)
        with lock:
            live[0] -= 1
        return True

    scheduler.run([Task(id=str(i), run=run) for i in range(12)], workers=3)
    assert live[1] == 3


def test_an_exception_in_a_task_is_raised_after_the_running_ones_finish() -> None:
    def boom() -> bool:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        scheduler.run([Task(id="x", run=boom)], workers=2)


def test_unknown_dependency_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown task nope"):
        scheduler.run([Task(id="x", run=lambda: True, deps=("nope",))], workers=1)


def test_depfile_with_continuations_escaped_spaces_and_relative_names(tmp_path: Path) -> None:
    text = "obj/.a.o.123.tmp: src/a.c /abs/include/a\\ b.h \\\n  include/common.h\n\ninclude/common.h:\n"
    assert fingerprint.parse_depfile(text, tmp_path) == [
        tmp_path / "src/a.c", Path("/abs/include/a b.h"), tmp_path / "include/common.h"]


def test_depfile_with_a_windows_drive_in_the_target() -> None:
    text = "C:\\b\\a.o: C:\\src\\a.c\n"
    assert fingerprint.parse_depfile(text, Path("/x")) == [Path("/x/C:\\src\\a.c")]
    assert fingerprint.parse_depfile("garbage without a rule", Path("/x")) == []


def test_record_detects_changed_bytes_but_not_a_touch(tmp_path: Path) -> None:
    src = tmp_path / "a.c"
    out = tmp_path / "a.o"
    src.write_text("int a;\n")
    out.write_text("obj")
    fingerprint.save(tmp_path / "a.json", "k1", [src], [out])
    record = fingerprint.load(tmp_path / "a.json")
    assert record is not None and record.fresh("k1")
    assert not record.fresh("k2")
    src.write_text("int a;\n")  # same bytes, new mtime
    assert record.fresh("k1")
    src.write_text("int b;\n")
    assert not record.fresh("k1")


def test_a_corrupt_record_means_rebuild(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("{not json")
    assert fingerprint.load(tmp_path / "a.json") is None
    assert fingerprint.load(tmp_path / "missing.json") is None
