"""``builder: meson`` end to end on examples/meson-plugin (Meson and Ninja from PyPI): exact exports
on all six default targets, loaded where this machine can run them."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.builders.builder_helpers import (
    ECHO,
    MESON_EXAMPLE,
    assert_loads,
    assert_six_exact,
    copy_project,
)
from tests.conftest import Cli

from plugsmith.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def echo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(MESON_EXAMPLE, tmp_path_factory.mktemp("meson") / "echo")
    assert main(["-C", str(root), "build", "--no-progress"]) == 0
    return root


def test_six_targets_export_exactly_the_contract(cli: Cli, echo: Path) -> None:
    assert_six_exact(cli, echo, "echo", ECHO)


def test_loads_where_this_machine_can_run_it(cli: Cli, echo: Path, tmp_path: Path) -> None:
    assert_loads(cli, echo, tmp_path, ECHO)
