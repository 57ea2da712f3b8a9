"""The fixed choices of the microscopy analyses, declared once (light: the command line imports them for
``--help`` without loading numpy). The analyses accept a member or its string value in any
case (:func:`heterolab.choices.as_choice`); the CLI uses the same enums with
``case_sensitive=False``.
"""

from __future__ import annotations

import enum

__all__ = ["ColumnMethod", "SizeMeasure"]


class ColumnMethod(enum.StrEnum):
    """Column-finding route: ``auto`` (atomap when installed, else scikit-image)."""

    AUTO = "auto"
    ATOMAP = "atomap"
    SKIMAGE = "skimage"


class SizeMeasure(enum.StrEnum):
    """Particle size reported as the main parameter."""

    EQUIVALENT_DIAMETER = "equivalent_diameter"
    FERET_MAX = "feret_max"
    FERET_MIN = "feret_min"
    CUBE_EDGE = "cube_edge"
