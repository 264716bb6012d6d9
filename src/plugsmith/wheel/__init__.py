"""Stage after build: plugin wheels (``py3-none-<platform>``) that pip installs and ``load()`` opens.

- ``config``: the ``wheel:`` section of build_matrix.yaml (parsed by the matrix loader) and the
  metadata it resolves to;
- ``pack``: ``build_wheels(plan, results, ...)``, one reproducible wheel per target;
- ``record``: RECORD entries and ``check_record``, which reads a wheel back against its RECORD;
- ``loader``: the ``__init__.py`` each wheel's package gets.

Platform tags come from the target's facts through ``platforms.WHEEL_PLATFORMS``.
"""

from __future__ import annotations

from plugsmith.wheel.config import WheelConfig, WheelMetadata, resolve
from plugsmith.wheel.pack import build_wheels, wheel_tag
from plugsmith.wheel.record import check_record

__all__ = ["WheelConfig", "WheelMetadata", "build_wheels", "check_record", "resolve", "wheel_tag"]
