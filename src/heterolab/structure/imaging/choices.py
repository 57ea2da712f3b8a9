"""The fixed choices of the image-quality analyses, declared once, light (see :mod:`heterolab.choices`)."""

from __future__ import annotations

import enum

__all__ = ["RankBy"]


class RankBy(enum.StrEnum):
    """Metric ranking images in :func:`compare_images` (higher is better)."""

    CNR = "cnr"
    WEBER = "weber"
    MICHELSON = "michelson"
    MTF50 = "mtf50"
