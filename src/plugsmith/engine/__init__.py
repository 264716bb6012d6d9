"""Stage 4: compile and link every job with zig, writing artifacts atomically into dist/."""

from __future__ import annotations

from plugsmith.engine.engine import BuildResult, JobResult, build

__all__ = ["BuildResult", "JobResult", "build"]
