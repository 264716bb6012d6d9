"""Every malformed build matrix and contract of the generated corpus (corpus.py) ends in one clean
error line at file:line:col: field, exit 2 (or loads, where the input is odd but valid), within
bounded time and a 1 GiB address space, and writes nothing. The cases run in one subprocess
(hostile_runner.py) under RLIMIT_AS; each case is its own test here."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus import CLASSES, cases
from hostile_helpers import Case, check, run_batch

CASES = cases()


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    return run_batch(CASES, tmp_path_factory.mktemp("hostile-configs"))


def test_corpus_is_large_and_ids_unique() -> None:
    assert len({c.id for c in CASES}) == len(CASES)
    assert len(CASES) >= 150, CLASSES


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_config(case: Case, results: dict[str, dict[str, object]]) -> None:
    check(case, results[case.id])


def test_check_catches_a_wrong_expectation(results: dict[str, dict[str, object]]) -> None:
    """The checker itself can fail: a wrong location, message or exit code is caught."""
    case = next(c for c in CASES if c.id == "yaml-tags/env@project")
    for wrong in (Case(case.id, where="build_matrix.yaml:2:11: project", message=case.message),
                  Case(case.id, where=case.where, message="something else"),
                  Case(case.id, exit=0)):
        with pytest.raises(AssertionError):
            check(wrong, results[case.id])


def test_oversized_contract_is_not_read(tmp_path: Path) -> None:
    """A 65 MiB contract (sparse: no disk used) is refused unread, not parsed."""
    from plugsmith.contract import load
    from plugsmith.errors import ConfigError

    path = tmp_path / "big.symbols"
    with path.open("wb") as handle:
        handle.truncate(65 * 1024 * 1024)
    with pytest.raises(ConfigError) as info:
        load(path, "big.symbols")
    assert str(info.value) == "big.symbols: symbols file is larger than 67108864 bytes: refusing to read it"
