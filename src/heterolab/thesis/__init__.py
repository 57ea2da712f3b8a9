"""The thesis's tables recomputed from its printed numbers, with their consistency checks.

This package sits above the analyses (it calls them, they never call it).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["thesis_table_3_1", "thesis_table_3_2", "thesis_table_4_1"]

_LAZY = {
    "thesis_table_3_1": "heterolab.thesis.table_3_1",
    "thesis_table_3_2": "heterolab.thesis.table_3_2",
    "thesis_table_4_1": "heterolab.thesis.table_4_1",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'heterolab.thesis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
