"""The fixed choices of the microscopy analyses, declared once, light (see :mod:`heterolab.choices`)."""

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
