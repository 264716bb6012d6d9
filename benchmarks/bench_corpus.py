#!/usr/bin/env python3
"""The real-world corpus (tests/realworld/corpus.yaml: 10 projects, 53 wheels, 116 libraries)
verified by plugsmith next to LLVM's per-format export listing of the same libraries, in one run.

    python benchmarks/bench_corpus.py [--repeat 3]

Timed, best of --repeat: LLVM (llvm-nm -D --defined-only / llvm-objdump --macho --exports-trie /
llvm-readobj --coff-exports, one process per library, members extracted beforehand); ``plugsmith
verify --json --no-project`` on the 53 wheels as a subprocess (it opens the wheels itself, groups,
judges exports, parity and the ecosystem policy), cold (an empty inspection cache) and warm.
Prints the ratios to LLVM.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.realworld import corpus as corpus_mod  # noqa: E402

LISTING = {b"\x7fELF": ("llvm-nm", "-D", "--defined-only"), b"MZ": ("llvm-readobj", "--coff-exports")}
MACHO = ("llvm-objdump", "--macho", "--exports-trie")


def listing(path: Path) -> tuple[str, ...]:
    head = path.read_bytes()[:4]
    return next((argv for magic, argv in LISTING.items() if head.startswith(magic)), MACHO)


def best(repeat: int, run: object) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    corpus = corpus_mod.load()
    wheels = corpus_mod.fetch(corpus)
    with tempfile.TemporaryDirectory(prefix="plugsmith-bench-corpus-") as work:
        members: list[Path] = []
        for index, (_, member) in enumerate(corpus.members):
            got = corpus_mod.extract_members(wheels[member.wheel], [member.path], Path(work) / str(index))
            members.append(got[member.path])
        size = sum(p.stat().st_size for p in members)

        def llvm() -> None:
            for path in members:
                subprocess.run([*listing(path), str(path)], capture_output=True, check=True, timeout=120)

        cache = Path(work) / "cache"

        def verify(fresh: bool) -> None:
            if fresh and cache.exists():
                subprocess.run(["rm", "-rf", str(cache)], check=True, timeout=60)
            env = {**os.environ, "PLUGSMITH_CACHE_DIR": str(cache)}
            done = subprocess.run([sys.executable, "-m", "plugsmith", "verify", "--json", "--no-project",
                                   *map(str, sorted(wheels.values()))], capture_output=True, env=env,
                                  timeout=600, check=False)
            if done.returncode not in (0, 1):
                raise SystemExit(done.stderr.decode(errors="replace"))

        t_llvm = best(args.repeat, llvm)
        t_cold = best(args.repeat, lambda: verify(True))
        verify(True)
        t_warm = best(args.repeat, lambda: verify(False))
    print(f"corpus: {len(wheels)} wheels, {len(members)} libraries, {size / 1e6:.1f} MB of native code")
    print(f"LLVM listing (one process per library): {t_llvm:.2f} s")
    print(f"plugsmith verify, cold cache:           {t_cold:.2f} s  ({t_cold / t_llvm:.2f}x LLVM)")
    print(f"plugsmith verify, warm cache:           {t_warm:.2f} s  ({t_warm / t_llvm:.2f}x LLVM)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
