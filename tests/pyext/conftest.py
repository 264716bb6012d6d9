"""The python-extension example built once per session for the six default targets and packed
into wheels (slow: tests using ``pyext_six`` are marked slow by tests/conftest.py)."""

from __future__ import annotations

import shutil

import pytest
from pyext_helpers import SixTargets
from tests.conftest import REPO

from plugsmith import matrix as matrix_mod
from plugsmith import plan as plan_mod
from plugsmith.engine import build
from plugsmith.wheel import build_wheels, resolve

EXAMPLE = REPO / "examples" / "python-extension"


@pytest.fixture(scope="session")
def pyext_six(tmp_path_factory: pytest.TempPathFactory) -> SixTargets:
    project = tmp_path_factory.mktemp("pyext") / "python-extension"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("dist", "build"))
    plan = plan_mod.resolve(matrix_mod.load(project / "build_matrix.yaml"))
    result = build(plan, jobs=2)
    assert result.ok, [f.message for f in result.failures]
    metadata = resolve(plan.matrix.wheel, plan.matrix.project, extensions_only=True)
    wheels = build_wheels(plan, result, version="1.0.0", out_dir=project / "dist" / "wheels", metadata=metadata,
                          env={})
    return SixTargets(project=project, plan=plan, wheels=wheels)
