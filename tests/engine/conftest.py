"""Fixtures for the build engine tests (helpers live in build_helpers.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from build_helpers import THREE, Project, make_project


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return make_project(tmp_path / "proj")


@pytest.fixture
def project_factory(tmp_path: Path) -> Callable[..., Project]:
    def make(name: str = "proj", targets: Sequence[str] = THREE, **kw: object) -> Project:
        return make_project(tmp_path / name, targets, **kw)  # type: ignore[arg-type]
    return make
