"""The fixed choices of the file readers, declared once, light (see :mod:`heterolab.choices`)."""

from __future__ import annotations

import enum

__all__ = ["Duplicates", "Flip", "PhotoemissionAxis", "SignalUnit", "SpectralAxis", "TimeUnit"]


class SpectralAxis(enum.StrEnum):
    """The spectral axis of a spectrum (CLI ``--axis`` when a file header does not name it)."""

    WAVELENGTH = "wavelength"  # nm
    ENERGY = "energy"  # eV
    WAVENUMBER = "wavenumber"  # 1/cm


class PhotoemissionAxis(enum.StrEnum):
    """The energy axis of a photoemission spectrum (CLI ``--ups-axis``)."""

    BINDING_ENERGY = "binding_energy"
    KINETIC_ENERGY = "kinetic_energy"


class Flip(enum.StrEnum):
    """How a stored detector image must be flipped to match its PONI geometry."""

    NONE = "none"
    UD = "ud"
    LR = "lr"
    BOTH = "both"


class SignalUnit(enum.StrEnum):
    """Unit of a file's ΔA values (converted to OD)."""

    OD = "OD"
    MOD = "mOD"


class TimeUnit(enum.StrEnum):
    """Unit of a file's delays (converted to ps)."""

    FS = "fs"
    PS = "ps"
    NS = "ns"


class Duplicates(enum.StrEnum):
    """What to do with repeated delays or wavelengths."""

    MEAN = "mean"  # merge into their mean, with a warning
    ERROR = "error"  # refuse the file
