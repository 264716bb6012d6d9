"""plugsmith: one symbol contract, native plugins for every platform, proven identical.

Stages, in the order data flows: matrix -> plan -> maps -> engine (build) -> inspection ->
verify -> report -> cli. The public API is what ``__all__`` lists; each name is imported on first
use, so ``import plugsmith`` stays cheap (zig is loaded only by what needs it)::

    import plugsmith

    matrix = plugsmith.load_matrix(Path("build_matrix.yaml"))
    plan = plugsmith.resolve(matrix, select=["linux-*"])
    result = plugsmith.build(plan, jobs=4)
    verdict = plugsmith.judge(plugsmith.from_build(plan, result), plugsmith.expectation_for(matrix))
    assert verdict.ok

    # a release built anywhere, against one contract:
    verdict = plugsmith.verify_paths([Path("dist/")], contract=plugsmith.load_contract(Path("x.symbols")))

    # one pip-installable wheel per target (docs/wheel.md):
    wheels = plugsmith.build_wheels(plan, result, version="1.0.0", out_dir=Path("dist/wheels"),
                                    metadata=plugsmith.wheel_metadata(matrix.wheel, matrix.project))

Every value passed between stages is a frozen dataclass; errors are ``PlugsmithError`` subclasses
whose ``exit_code`` the CLI uses (``ConfigError``/``InputError`` 2, ``BuildError`` 3).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> (module, attribute)
_API: dict[str, tuple[str, str]] = {
    "load_matrix": ("plugsmith.matrix", "load"),
    "Matrix": ("plugsmith.matrix", "Matrix"),
    "Target": ("plugsmith.matrix", "Target"),
    "load_contract": ("plugsmith.contract", "load"),
    "Contract": ("plugsmith.contract", "Contract"),
    "resolve": ("plugsmith.plan", "resolve"),
    "Plan": ("plugsmith.plan", "Plan"),
    "build": ("plugsmith.engine", "build"),
    "BuildResult": ("plugsmith.engine", "BuildResult"),
    "inspect_file": ("plugsmith.inspection", "inspect_file"),
    "Inspection": ("plugsmith.inspection", "Inspection"),
    "Policy": ("plugsmith.policy", "Policy"),
    "load_policy": ("plugsmith.policy", "load"),
    "from_paths": ("plugsmith.verify", "from_paths"),
    "from_build": ("plugsmith.verify", "from_build"),
    "judge": ("plugsmith.verify", "judge"),
    "verify_paths": ("plugsmith.verify", "verify_paths"),
    "expectation_for": ("plugsmith.verify", "expectation_for"),
    "Expectation": ("plugsmith.verify", "Expectation"),
    "ArtifactSet": ("plugsmith.verify", "ArtifactSet"),
    "Verdict": ("plugsmith.verify", "Verdict"),
    "PlugsmithError": ("plugsmith.errors", "PlugsmithError"),
    "ConfigError": ("plugsmith.errors", "ConfigError"),
    "InputError": ("plugsmith.errors", "InputError"),
    "BuildError": ("plugsmith.errors", "BuildError"),
    "build_wheels": ("plugsmith.wheel", "build_wheels"),
    "wheel_metadata": ("plugsmith.wheel", "resolve"),
    "WheelMetadata": ("plugsmith.wheel", "WheelMetadata"),
    "check_record": ("plugsmith.wheel", "check_record"),
}

__all__ = [
    "ArtifactSet",
    "BuildError",
    "BuildResult",
    "ConfigError",
    "Contract",
    "Expectation",
    "InputError",
    "Inspection",
    "Matrix",
    "Plan",
    "PlugsmithError",
    "Policy",
    "Target",
    "Verdict",
    "WheelMetadata",
    "__version__",
    "build",
    "build_wheels",
    "check_record",
    "expectation_for",
    "from_build",
    "from_paths",
    "inspect_file",
    "judge",
    "load_contract",
    "load_matrix",
    "load_policy",
    "resolve",
    "verify_paths",
    "wheel_metadata",
]

if TYPE_CHECKING:
    from plugsmith.contract import Contract as Contract
    from plugsmith.contract import load as load_contract
    from plugsmith.engine import BuildResult as BuildResult
    from plugsmith.engine import build as build
    from plugsmith.errors import BuildError as BuildError
    from plugsmith.errors import ConfigError as ConfigError
    from plugsmith.errors import InputError as InputError
    from plugsmith.errors import PlugsmithError as PlugsmithError
    from plugsmith.inspection import Inspection as Inspection
    from plugsmith.inspection import inspect_file as inspect_file
    from plugsmith.matrix import Matrix as Matrix
    from plugsmith.matrix import Target as Target
    from plugsmith.matrix import load as load_matrix
    from plugsmith.plan import Plan as Plan
    from plugsmith.plan import resolve as resolve
    from plugsmith.policy import Policy as Policy
    from plugsmith.policy import load as load_policy
    from plugsmith.verify import ArtifactSet as ArtifactSet
    from plugsmith.verify import Expectation as Expectation
    from plugsmith.verify import Verdict as Verdict
    from plugsmith.verify import expectation_for as expectation_for
    from plugsmith.verify import from_build as from_build
    from plugsmith.verify import from_paths as from_paths
    from plugsmith.verify import judge as judge
    from plugsmith.verify import verify_paths as verify_paths
    from plugsmith.wheel import WheelMetadata as WheelMetadata
    from plugsmith.wheel import build_wheels as build_wheels
    from plugsmith.wheel import check_record as check_record
    from plugsmith.wheel import resolve as wheel_metadata


def __getattr__(name: str) -> Any:
    if name in _API:
        module, attribute = _API[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'plugsmith' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
