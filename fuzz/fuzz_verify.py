#!/usr/bin/env python3
"""Mutation fuzzing of plugsmith's reading of hostile artifacts and archives.

Seeds are real artifacts (ELF, Mach-O, PE, fat Mach-O) and archives holding them. Each case
mutates one seed (bit flips, interesting bytes, header-focused overwrites, truncation, chunk
deletion, duplication and splicing of two seeds), then runs what ``plugsmith verify`` runs on it:
``inspect_file`` -> ``verify.check`` -> ``verify.checks.apply`` -> every report (JSON, JUnit,
Markdown, HTML, terminal); archives go through ``archives.extract`` first.

Outcomes per case: ``parsed`` (a verdict, fine), ``rejected`` (a one-line ``InputError``,
fine), ``crash`` (any other exception: a bug), ``slow`` (over ``--case-timeout`` seconds: a
hang, a bug). Crashing inputs are saved for reproduction.

    python fuzz/fuzz_verify.py dist/ --cases 100000 --seed 1 --save fuzz/crashes

The test suite runs a few thousand cases (tests/release/test_release_fuzz.py).
"""

from __future__ import annotations

import argparse
import io
import random
import signal
import sys
import tempfile
import time
import traceback
import zipfile
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

INTERESTING = (0x00, 0x01, 0x7F, 0x80, 0xFF, 0xFE, 0x10, 0x20, 0x40)
INTERESTING32 = (0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFF, 0x10000, 0x1000)


@dataclass
class Stats:
    cases: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    by_seed: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: list[tuple[str, str, bytes]] = field(default_factory=list)  # (seed, what, data)
    slowest: float = 0.0
    seconds: float = 0.0

    def line(self) -> str:
        o = self.outcomes
        return (f"{self.cases} cases in {self.seconds:.1f}s: {o['parsed']} parsed, {o['rejected']} rejected, "
                f"{o['crash']} crashes, {o['slow']} slow; slowest case {self.slowest * 1000:.0f} ms")


class _Timeout(Exception):
    pass


def mutate(data: bytes, rng: random.Random, other: bytes) -> bytes:
    buf = bytearray(data)
    if not buf:
        return bytes(buf)
    # bias towards headers and tables: most structure lives in the first pages
    def pos() -> int:
        limit = len(buf) if rng.random() < 0.4 else min(len(buf), 4096)
        return rng.randrange(limit)

    for _ in range(rng.choice((1, 1, 1, 2, 3, 8))):
        op = rng.randrange(8)
        if op == 0:  # bit flip
            i = pos()
            buf[i] ^= 1 << rng.randrange(8)
        elif op == 1:  # interesting byte
            buf[pos()] = rng.choice(INTERESTING)
        elif op == 2 and len(buf) > 8:  # interesting 32-bit word, either byte order
            i = min(pos(), len(buf) - 4)
            buf[i:i + 4] = rng.choice(INTERESTING32).to_bytes(4, rng.choice(("little", "big")))
        elif op == 3:  # truncate
            del buf[rng.randrange(len(buf)):]
            if not buf:
                return b""
        elif op == 4 and len(buf) > 16:  # delete a chunk
            i = pos()
            del buf[i:i + rng.randrange(1, 256)]
        elif op == 5 and len(buf) > 16:  # duplicate a chunk
            i = pos()
            buf[i:i] = buf[i:i + rng.randrange(1, 256)]
        elif op == 6 and other:  # splice from another seed
            i, j = pos(), rng.randrange(len(other))
            n = rng.randrange(1, 512)
            buf[i:i + n] = other[j:j + n]
        else:  # random bytes
            i = pos()
            n = rng.randrange(1, 16)
            buf[i:i + n] = rng.randbytes(n)
        if not buf:
            return b""
    return bytes(buf)


def _check_binary(path: Path) -> str:
    from plugsmith import policy
    from plugsmith.report import to_json
    from plugsmith.report.html_report import to_html
    from plugsmith.report.junit import to_junit
    from plugsmith.report.markdown import to_markdown
    from plugsmith.report.terminal import render_terminal
    from plugsmith.verify import Subject, check
    from plugsmith.verify import collect as artifacts
    from plugsmith.verify.checks import apply

    # no inspection cache: thousands of one-off mutants must not fill the user's cache
    identified, broken = artifacts.identify([artifacts.Found(path=path, display=path.name)], cache=None)
    if broken:
        if any("\n" in b for b in broken):
            raise AssertionError(f"multi-line error: {broken!r}")
        return "rejected"
    named = [replace(i, target=f"{i.target}#{n}") for n, i in enumerate(identified)]
    subjects = [Subject(plugin=a.plugin, target=a.target, inspection=a.inspection) for a in named]
    verdict = apply(check(subjects), named, policy.Policy(targets=("x",)))
    to_json(verdict)
    to_junit(verdict)
    to_markdown(verdict)
    to_html(verdict)
    from rich.console import Console

    render_terminal(verdict, Console(file=io.StringIO(), width=120))
    return "parsed"


def _check_archive(path: Path, work: Path) -> str:
    from plugsmith.archives import Limits, extract
    from plugsmith.errors import InputError

    dest = work / "x"
    if dest.exists():
        import shutil

        shutil.rmtree(dest)
    dest.mkdir()
    try:
        members = extract(path, dest, Limits(members=200, member_bytes=8 << 20, total_bytes=32 << 20))
    except InputError as exc:
        if "\n" in str(exc):
            raise AssertionError(f"multi-line error: {exc!r}") from None
        return "rejected"
    from plugsmith.inspection import is_binary

    for member in members:
        if dest.resolve() not in member.path.resolve().parents:
            raise AssertionError(f"member written outside the folder: {member.path}")
        if is_binary(member.path):
            _check_binary(member.path)
    return "parsed"


def fuzz(seeds: list[Path], archives: list[Path], cases: int, seed: int, case_timeout: float = 5.0,
         budget: float | None = None) -> Stats:
    rng = random.Random(seed)
    blobs = [(p.name, p.read_bytes(), "binary") for p in seeds] + [(p.name, p.read_bytes(), "archive")
                                                                   for p in archives]
    stats = Stats()
    started = time.monotonic()

    def on_alarm(signum: int, frame: object) -> None:
        raise _Timeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        with tempfile.TemporaryDirectory(prefix="plugsmith-fuzz-") as tmp:
            work = Path(tmp)
            for number in range(cases):
                if budget is not None and time.monotonic() - started > budget:
                    break
                name, data, kind = blobs[number % len(blobs)]
                other = blobs[rng.randrange(len(blobs))][1]
                mutant = mutate(data, rng, other)
                path = work / (f"case{number % 7}" + Path(name).suffix)
                path.write_bytes(mutant)
                t0 = time.monotonic()
                signal.setitimer(signal.ITIMER_REAL, case_timeout)
                try:
                    outcome = _check_binary(path) if kind == "binary" else _check_archive(path, work)
                except _Timeout:
                    outcome = "slow"
                    stats.failures.append((name, "slow", mutant))
                except Exception:
                    outcome = "crash"
                    stats.failures.append((name, traceback.format_exc(limit=8), mutant))
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                took = time.monotonic() - t0
                stats.slowest = max(stats.slowest, took)
                stats.cases += 1
                stats.outcomes[outcome] += 1
                stats.by_seed[(name, outcome)] += 1
    finally:
        signal.signal(signal.SIGALRM, previous)
    stats.seconds = time.monotonic() - started
    return stats


def make_archives(seeds: list[Path], dest: Path) -> list[Path]:
    """A zip and a tar.gz of the seeds: the archive seeds."""
    import tarfile

    dest.mkdir(parents=True, exist_ok=True)
    zpath, tpath = dest / "seeds.zip", dest / "seeds.tar.gz"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, p in enumerate(seeds[:3]):
            zf.write(p, f"d{i}/{p.name}")
    with tarfile.open(tpath, "w:gz") as tf:
        for i, p in enumerate(seeds[:3]):
            tf.add(p, f"d{i}/{p.name}")
    return [zpath, tpath]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[Path("dist")],
                        help="artifacts or folders of them (default: dist/, made by 'plugsmith run')")
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--case-timeout", type=float, default=5.0)
    parser.add_argument("--save", type=Path, help="save crashing inputs here")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from plugsmith.inspection import is_binary

    seeds: list[Path] = []
    for path in args.paths:
        found = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        seeds += [p for p in found if is_binary(p)]
    if not seeds:
        print("no seed binaries found: run 'plugsmith run' first or name artifacts", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        archives = make_archives(seeds, Path(tmp))
        stats = fuzz(seeds, archives, args.cases, args.seed, args.case_timeout)
    print(stats.line())
    for (name, outcome), count in sorted(stats.by_seed.items()):
        print(f"  {name:24} {outcome:9} {count}")
    if args.save and stats.failures:
        args.save.mkdir(parents=True, exist_ok=True)
        for i, (name, what, data) in enumerate(stats.failures):
            (args.save / f"{i:04d}-{name}").write_bytes(data)
            (args.save / f"{i:04d}-{name}.txt").write_text(what)
    for name, what, _ in stats.failures[:5]:
        print(f"--- {name}\n{what}", file=sys.stderr)
    return 1 if stats.failures else 0


if __name__ == "__main__":
    sys.exit(main())
