"""Session fixtures for the real-world corpus: fetched once (cached across runs), extracted into tmp."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import missing_tool
from tests.realworld.corpus import Corpus, CorpusError, extract_members, fetch, load
from tests.realworld.truth import TRUTH_JSON

CORPUS = load()  # the committed specification: parametrizes the tests without touching the network


@pytest.fixture(scope="session")
def corpus_wheels() -> dict[str, Path]:
    """Every corpus wheel, fetched and sha256-checked. Without PyPI: skip, or fail when CI is set."""
    try:
        return fetch(CORPUS)
    except (CorpusError, OSError) as exc:
        missing_tool(f"cannot fetch the real-world corpus: {exc}")
        raise AssertionError("unreachable") from exc


@pytest.fixture(scope="session")
def corpus_members(corpus_wheels: dict[str, Path],
                   tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """(wheel, member path) -> the member extracted with zipfile into a session tmp folder."""
    dest = tmp_path_factory.mktemp("corpus")
    by_wheel: dict[str, list[str]] = {}
    for _, member in CORPUS.members:
        by_wheel.setdefault(member.wheel, []).append(member.path)
    found: dict[tuple[str, str], Path] = {}
    for wheel, members in by_wheel.items():
        for path, file in extract_members(corpus_wheels[wheel], members, dest).items():
            found[(wheel, path)] = file
    return found


@pytest.fixture(scope="session")
def truth() -> dict[tuple[str, str], list[dict[str, object]]]:
    """truth.json: (wheel, member) -> its entries (one per slice)."""
    entries: dict[tuple[str, str], list[dict[str, object]]] = {}
    for entry in json.loads(TRUTH_JSON.read_text(encoding="utf-8"))["libraries"]:
        entries.setdefault((str(entry["wheel"]), str(entry["member"])), []).append(entry)
    return entries


def corpus() -> Corpus:
    return CORPUS
