"""The fixed choices of the GIWAXS analyses, declared once (light: the command line imports them for
``--help`` without loading numpy). The analyses accept a member or its string value in any
case (:func:`heterolab.choices.as_choice`); the CLI uses the same enums with
``case_sensitive=False``.
"""

from __future__ import annotations

import enum

__all__ = ["MapKind"]


class MapKind(enum.StrEnum):
    """2D map of a detector image: q_xy–q_z (fibre/grazing incidence) or q–χ (cake)."""

    FIBRE = "fibre"
    CAKE = "cake"
