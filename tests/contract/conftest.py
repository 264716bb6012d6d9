"""Fixtures for the contract tests (helpers live in contract_helpers.py, a unique module name)."""

from __future__ import annotations

import pytest
from contract_helpers import Project, build_project, write_project


@pytest.fixture(scope="session")
def demo_release(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The demo plugin built once for every test of this folder that needs real artifacts."""
    project = write_project(tmp_path_factory.mktemp("demo"))
    build_project(project)
    return project
