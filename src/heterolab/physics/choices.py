"""The fixed choices of the physics models, declared once (light: the command line imports them for
``--help`` without loading numpy). The analyses accept a member or its string value in any
case (:func:`heterolab.choices.as_choice`); the CLI uses the same enums with
``case_sensitive=False``.
"""

from __future__ import annotations

import enum

__all__ = ["BrusModel", "MismatchReference", "NanocrystalShape", "PeakUnit"]


class BrusModel(enum.StrEnum):
    """Confinement models of :func:`exciton_energy_ev` (CLI ``--model``)."""

    BRUS = "brus"
    KINETIC = "kinetic"
    WEAK = "weak"
    CUBE = "cube"
    THESIS = "thesis"


class NanocrystalShape(enum.StrEnum):
    """Shape of a confined nanocrystal for its band edges (CLI ``bands --shape``)."""

    SPHERE = "sphere"  # diameter d, radius d/2
    CUBE = "cube"  # edge d


class PeakUnit(enum.StrEnum):
    """Unit of a first-exciton peak position (CLI ``--unit``)."""

    NM = "nm"
    EV = "eV"


class MismatchReference(enum.StrEnum):
    """Which phase's spacing is the denominator of a mismatch (CLI ``--reference``)."""

    A = "a"
    B = "b"
