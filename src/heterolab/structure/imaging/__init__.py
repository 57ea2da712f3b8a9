"""Image quality (SWIR and other cameras): slanted-edge MTF, line-pair modulation, contrast
and CNR, ranking of several images.

The public functions are imported lazily (PEP 562).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["compare_images", "contrast", "line_pair_modulation", "slanted_edge_mtf"]

_LAZY = dict.fromkeys(__all__, "heterolab.structure.imaging.quality")


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'heterolab.structure.imaging' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
