"""``builder: meson`` end to end on examples/meson-plugin (Meson and Ninja from PyPI): exact exports
on all six default targets, loaded where this machine can run them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.builders.builder_helpers import ECHO, MESON_EXAMPLE, SIX, artifact, copy_project, expected, exports
from tests.conftest import Cli

from plugsmith.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def echo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(MESON_EXAMPLE, tmp_path_factory.mktemp("meson") / "echo")
    assert main(["-C", str(root), "build", "--no-progress"]) == 0
    return root


def test_six_targets_export_exactly_the_contract(cli: Cli, echo: Path) -> None:
    for target in SIX:
        assert exports(artifact(echo, target, "echo")) == expected(target, ECHO), target
    res = cli("verify", cwd=echo)
    assert res.code == 0, res.out + res.err
    assert res.out.splitlines()[-1] == "OK: 6 artifacts match their contract and each other"


def test_loads_where_this_machine_can_run_it(cli: Cli, echo: Path, tmp_path: Path) -> None:
    from tests.runtime.conftest import RUNNABLE, require_runner

    for name in RUNNABLE:
        require_runner(name)
    res = cli("load", "--work", str(tmp_path), "--json", cwd=echo)
    assert res.code == 0, res.out + res.err
    results = {r["target"]: r for r in json.loads(res.out)["results"]}
    for name, runner in RUNNABLE.items():
        assert (results[name]["status"], results[name]["runner"]) == ("passed", runner)
        assert sorted(results[name]["resolved"]) == sorted(ECHO)
