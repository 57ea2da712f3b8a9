"""The fixed choices of the image-quality analyses, declared once (light: the command line imports them for
``--help`` without loading numpy). The analyses accept a member or its string value in any
case (:func:`heterolab.choices.as_choice`); the CLI uses the same enums with
``case_sensitive=False``.
"""

from __future__ import annotations

import enum

__all__ = ["RankBy"]


class RankBy(enum.StrEnum):
    """Metric ranking images in :func:`compare_images` (higher is better)."""

    CNR = "cnr"
    WEBER = "weber"
    MICHELSON = "michelson"
    MTF50 = "mtf50"
