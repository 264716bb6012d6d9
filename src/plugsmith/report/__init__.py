"""Stage 7: render a Verdict for people (terminal) and machines (JSON)."""

from __future__ import annotations

from plugsmith.report.json_report import to_data, to_json
from plugsmith.report.terminal import render_terminal

__all__ = ["render_terminal", "to_data", "to_json"]
