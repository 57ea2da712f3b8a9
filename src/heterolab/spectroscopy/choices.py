"""The fixed choices of the steady-state analyses, declared once, light (see :mod:`heterolab.choices`)."""

from __future__ import annotations

import enum

__all__ = ["Absorbed", "GapModel", "PeakShape", "VbmMethod"]


class PeakShape(enum.StrEnum):
    """Line shapes of :func:`fit_peaks` (CLI ``--shape``)."""

    GAUSSIAN = "gaussian"
    VOIGT = "voigt"
    BIGAUSSIAN = "bigaussian"  # asymmetric: two half-widths


class GapModel(enum.StrEnum):
    """Models of the band-gap (peak-energy) shift with temperature (CLI ``--model``)."""

    EXPANSION_PHONON = "expansion_phonon"  # thermal expansion + electron-phonon (Wang 2019)
    VARSHNI = "varshni"
    BOSE_EINSTEIN = "bose_einstein"


class Absorbed(enum.StrEnum):
    """How the light absorbed by each component is counted (CLI ``--absorbed``)."""

    LINEAR = "linear"  # the absorbances themselves (thesis §3.2)
    ABSORPTANCE = "absorptance"  # (A_i/A_tot)(1 - 10^-A_tot) (spec P-21)


class VbmMethod(enum.StrEnum):
    """How the valence-band onset is extrapolated (CLI ``--vbm-method``)."""

    LINEAR = "linear"  # linear intensity scale (thesis)
    LOG = "log"  # log scale (Endres et al. 2016)
