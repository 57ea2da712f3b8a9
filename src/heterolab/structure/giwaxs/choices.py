"""The fixed choices of the GIWAXS analyses, declared once, light (see :mod:`heterolab.choices`)."""

from __future__ import annotations

import enum

__all__ = ["MapKind"]


class MapKind(enum.StrEnum):
    """2D map of a detector image: q_xy–q_z (fibre/grazing incidence) or q–χ (cake)."""

    FIBRE = "fibre"
    CAKE = "cake"
