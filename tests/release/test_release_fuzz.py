"""Mutation fuzzing: a fixed count of mutants of real ELF, Mach-O (thin and fat) and PE
artifacts and of zip / tar.gz archives holding them go through inspect -> verify -> policy ->
every report (archives through safe extraction first). Each must end as a verdict or a one-line
InputError: no traceback, no hang. Longer runs: ``python fuzz/fuzz_verify.py dist --cases 100000``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from release_helpers import ARTIFACTS_DIR, REPO, greet_path

pytestmark = pytest.mark.slow  # thousands of inspect -> verify -> report runs

CASES = 2000  # a count, not a time budget: the same 2000 seeded mutants on every machine


def _fuzz_module():
    spec = importlib.util.spec_from_file_location("fuzz_verify", REPO / "fuzz" / "fuzz_verify.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_mutated_artifacts_and_archives_never_crash_or_hang(greet_dist: Path, fat_greet: Path,
                                                            tmp_path: Path) -> None:
    fuzz = _fuzz_module()
    seeds = [greet_path(greet_dist, t) for t in ("linux-x86_64", "macos-aarch64", "windows-x86_64",
                                                 "linux-aarch64", "windows-aarch64")] + [fat_greet]
    archives = fuzz.make_archives(seeds, tmp_path / "archives")
    stats = fuzz.fuzz(seeds, archives, CASES, seed=20261126, case_timeout=10.0)
    print(stats.line())
    if stats.failures:
        out = ARTIFACTS_DIR / "fuzz-failures"
        out.mkdir(parents=True, exist_ok=True)
        for i, (name, what, data) in enumerate(stats.failures):
            (out / f"{i:04d}-{name}").write_bytes(data)
            (out / f"{i:04d}-{name}.txt").write_text(what)
    assert not stats.failures, stats.failures[0][1]
    assert stats.cases == CASES, stats.line()
    # the mutants exercise both outcomes for every seed kind, or the fuzzer is not reaching the parsers
    for name in {s.name for s in seeds} | {a.name for a in archives}:
        assert stats.by_seed[(name, "rejected")] > 0, name
    assert stats.outcomes["parsed"] + stats.outcomes["rejected"] == CASES
