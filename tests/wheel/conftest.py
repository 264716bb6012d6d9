"""The bundled example built once per session for the six default targets and packed into wheels
(through the library API: matrix -> plan -> build -> build_wheels); CLI tests reuse its dist/."""

from __future__ import annotations

import pytest
from tests.conftest import copy_example
from wheel_helpers import Packed

from plugsmith import matrix as matrix_mod
from plugsmith import plan as plan_mod
from plugsmith.engine import build
from plugsmith.wheel import build_wheels, resolve


@pytest.fixture(scope="session")
def packed(tmp_path_factory: pytest.TempPathFactory) -> Packed:
    project = copy_example(tmp_path_factory.mktemp("wheel") / "example")
    plan = plan_mod.resolve(matrix_mod.load(project / "build_matrix.yaml"))
    result = build(plan, jobs=2)
    assert result.ok, [f.message for f in result.failures]
    metadata = resolve(plan.matrix.wheel, plan.matrix.project)
    wheels = build_wheels(plan, result, version="1.0.0", out_dir=project / "dist" / "wheels", metadata=metadata,
                          env={})
    return Packed(project=project, plan=plan, metadata=metadata, wheels=wheels)
