"""The fixed choices of the physics models, declared once, light (see :mod:`heterolab.choices`)."""

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
