"""What the wheel tests share: the example's packed wheels (built once per session in conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from plugsmith.plan import Plan
from plugsmith.wheel import WheelMetadata


@dataclass(frozen=True)
class Packed:
    project: Path
    plan: Plan
    metadata: WheelMetadata
    wheels: tuple[Path, ...]

    def wheel(self, target: str) -> Path:
        from plugsmith.wheel import wheel_tag

        tag = wheel_tag(next(t for t in self.plan.targets if t.name == target))
        return next(w for w in self.wheels if w.name.endswith(f"-py3-none-{tag}.whl"))
