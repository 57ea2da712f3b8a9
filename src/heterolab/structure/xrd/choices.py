"""The fixed choices of the powder-diffraction analyses, declared once, light (see :mod:`heterolab.choices`)."""

from __future__ import annotations

import enum

__all__ = ["Background", "CrystalSystem", "Engine", "Normalisation", "Profile"]


class Normalisation(enum.StrEnum):
    """How each pattern of a series is scaled before the overlay."""

    MAX = "max"
    AREA = "area"
    NONE = "none"


class CrystalSystem(enum.StrEnum):
    """Crystal systems whose cell lengths the peak refinement fits (angles fixed)."""

    CUBIC = "cubic"
    TETRAGONAL = "tetragonal"
    HEXAGONAL = "hexagonal"
    ORTHORHOMBIC = "orthorhombic"


class Profile(enum.StrEnum):
    """Line profile of a reflection."""

    PSEUDO_VOIGT = "pseudo_voigt"
    SPLIT_PSEUDO_VOIGT = "split_pseudo_voigt"
    PEARSON7 = "pearson7"
    VOIGT = "voigt"


class Background(enum.StrEnum):
    """Background estimate under a powder pattern."""

    SNIP = "snip"
    ASLS = "asls"
    NONE = "none"


class Engine(enum.StrEnum):
    """Least-squares engine of the peak fits."""

    FAST = "fast"
    LMFIT = "lmfit"
