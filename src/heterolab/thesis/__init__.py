"""The thesis's tables recomputed from its printed numbers, with their consistency checks.

This package sits above the analyses (it calls them, they never call it).
"""

from __future__ import annotations

from heterolab._lazy import lazy_api

__all__ = ["thesis_table_3_1", "thesis_table_3_2", "thesis_table_4_1"]

_LAZY = {
    "thesis_table_3_1": "heterolab.thesis.table_3_1",
    "thesis_table_3_2": "heterolab.thesis.table_3_2",
    "thesis_table_4_1": "heterolab.thesis.table_4_1",
}

__getattr__, __dir__ = lazy_api(__name__, _LAZY)
