"""The fixed choices of the photoemission analyses, declared once, light (see :mod:`heterolab.choices`)."""

from __future__ import annotations

import enum

__all__ = ["Background", "ChargeReference", "LineShape", "UpsEdge"]


class ChargeReference(enum.StrEnum):
    """Reference feature of the charge correction (keys of :data:`REFERENCES`, any case)."""

    C1S = "c 1s"
    AU4F = "au 4f7/2"
    FERMI = "fermi"


class UpsEdge(enum.StrEnum):
    """UPS feature: valence-band onset (``vbm``) or secondary-electron cutoff."""

    VBM = "vbm"
    CUTOFF = "cutoff"


class LineShape(enum.StrEnum):
    """Line shape of a component (:func:`lineshape`)."""

    VOIGT = "voigt"
    GL = "gl"
    DS = "ds"
    GAUSSIAN = "gaussian"
    LORENTZIAN = "lorentzian"


class Background(enum.StrEnum):
    """Inelastic background (:func:`background`); ``active_*`` are refined with the peaks."""

    SHIRLEY = "shirley"
    ACTIVE_SHIRLEY = "active_shirley"
    TOUGAARD = "tougaard"
    ACTIVE_TOUGAARD = "active_tougaard"
    LINEAR = "linear"
    NONE = "none"
