"""plugsmith: one symbol contract, native plugins for every platform, proven identical.

Stages, in the order data flows: matrix -> plan -> maps -> build -> inspect -> verify -> report -> cli.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
