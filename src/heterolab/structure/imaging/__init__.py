"""Image quality (SWIR and other cameras): slanted-edge MTF, line-pair modulation, contrast
and CNR, ranking of several images.

The public functions are imported lazily (PEP 562).
"""

from __future__ import annotations

from heterolab._lazy import lazy_api

__all__ = [
    "RankBy",
    "compare_images",
    "contrast",
    "line_pair_modulation",
    "line_pairs",
    "slanted_edge_mtf",
]

_LAZY = dict.fromkeys(__all__, "heterolab.structure.imaging.quality")

__getattr__, __dir__ = lazy_api(__name__, _LAZY)
