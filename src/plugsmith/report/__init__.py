"""Stage 7: render a Verdict for people (terminal) and machines (JSON).

``render_terminal`` is loaded on first use: it needs rich, which a ``--json`` run never imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plugsmith.report.json_report import to_data, to_json

if TYPE_CHECKING:
    from plugsmith.report.terminal import render_terminal

__all__ = ["render_terminal", "to_data", "to_json"]


def __getattr__(name: str) -> Any:
    if name == "render_terminal":
        from plugsmith.report.terminal import render_terminal

        return render_terminal
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
