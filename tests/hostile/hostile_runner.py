"""Run hostile cases through ``plugsmith.cli.main`` in this process (started by
hostile_helpers.run_batch under an address-space limit): for each case, write its project,
list its files, run the command with the case folder as the current folder, list the files
again. A case that raises (a traceback), runs out of memory or exceeds 20 s is recorded as a
crash; the runner itself always finishes.

    python hostile_runner.py cases.json WORKDIR results.json
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sys
import time
import traceback
from pathlib import Path


class _Slow(BaseException):
    pass


def _tree(root: Path) -> list[list[object]]:
    out: list[list[object]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames) + [d + "/" for d in dirnames]:
            path = Path(dirpath) / name.rstrip("/")
            rel = os.fsdecode(path.relative_to(root)).encode("utf-8", "surrogateescape").decode("latin-1")
            out.append([rel, path.stat().st_size if name[-1:] != "/" else -1])
    return out


def run_case(case: dict[str, object], root: Path) -> dict[str, object]:
    from plugsmith.cli import main

    root.mkdir(parents=True)
    binary = set(case["binary"])  # type: ignore[arg-type]
    for rel, text in case["files"].items():  # type: ignore[attr-defined]
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("latin-1") if rel in binary else text.encode("utf-8"))
    before = _tree(root)
    err, out = io.StringIO(), io.StringIO()
    crash = ""
    code: int | None = None
    cwd = os.getcwd()
    started = time.monotonic()

    def slow(signum: int, frame: object) -> None:
        raise _Slow

    previous = signal.signal(signal.SIGALRM, slow)
    signal.alarm(20)
    try:
        os.chdir(root)
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            code = main(list(case["argv"]))  # type: ignore[call-overload]
    except _Slow:
        crash = "over 20 s"
    except MemoryError:
        crash = "MemoryError"
    except BaseException:
        crash = traceback.format_exc(limit=6)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        os.chdir(cwd)
    seconds = time.monotonic() - started
    return {"exit": code, "stderr": err.getvalue()[:20_000], "stdout": out.getvalue()[:2000], "crash": crash,
            "seconds": seconds, "before": before, "after": _tree(root)}


def main() -> int:
    cases = json.loads(Path(sys.argv[1]).read_text())
    work = Path(sys.argv[2])
    results = {}
    for i, case in enumerate(cases):
        results[case["id"]] = run_case(case, work / f"c{i}")
    Path(sys.argv[3]).write_text(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
