"""Pump fluence, photon fluence and excitation occupancy of nanocrystals (spec P-39).

Thesis §3.3.3: TA pump fluences 6.03 and 6.72 µJ cm⁻² at 470 nm and 12.30 µJ cm⁻² at 600 nm.
Occupancy statistics follow Klimov, J. Phys. Chem. B 104, 6112 (2000).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import poisson

from heterolab.errors import ParameterError
from heterolab.physics._checks import scalar_or_array
from heterolab.physics.sizing import absorption_cross_section_cm2
from heterolab.units import C_LIGHT, H_PLANCK

__all__ = [
    "MULTIEXCITON_THRESHOLD",
    "mean_occupancy",
    "multiexciton_fraction",
    "occupancy_probability",
    "photon_fluence_per_cm2",
]

#: ⟨N⟩ above which multi-exciton (Auger) contamination must be considered (spec P-39).
MULTIEXCITON_THRESHOLD = 0.1


def photon_fluence_per_cm2(
    energy_fluence_uj_cm2: ArrayLike, wavelength_nm: float
) -> np.ndarray | float:
    """Photon fluence j = F λ / (h c) [photons cm⁻²] of a pulse with energy fluence F [µJ cm⁻²].

    Examples
    --------
    >>> f"{photon_fluence_per_cm2(6.03, 470):.3g}"
    '1.43e+13'
    """
    f = np.asarray(energy_fluence_uj_cm2, dtype=float)
    if np.any(f < 0) or not np.all(np.isfinite(f)) or not wavelength_nm > 0:
        raise ParameterError(
            f"need fluence >= 0 and wavelength > 0, got {energy_fluence_uj_cm2!r} uJ/cm2, "
            f"{wavelength_nm!r} nm"
        )
    out = f * 1e-6 * wavelength_nm * 1e-9 / (H_PLANCK * C_LIGHT)
    return scalar_or_array(out)


def mean_occupancy(
    energy_fluence_uj_cm2: ArrayLike,
    wavelength_nm: float,
    *,
    cross_section_cm2: float | None = None,
    molar_extinction: float | None = None,
) -> np.ndarray | float:
    """Mean number of excitations per nanocrystal ⟨N⟩ = j σ [1] (Klimov 2000).

    Give the absorption cross-section σ [cm²] at the pump wavelength, or the molar extinction
    ε [M⁻¹ cm⁻¹] (σ = ln(10)·10³·ε/N_A). For PbS, ε at 400 nm is
    :func:`heterolab.physics.sizing.pbs_extinction_400nm`; at longer pump wavelengths it is an
    upper bound.
    """
    if (cross_section_cm2 is None) == (molar_extinction is None):
        raise ParameterError("give exactly one of cross_section_cm2 or molar_extinction")
    sigma = (
        absorption_cross_section_cm2(molar_extinction)  # type: ignore[arg-type]
        if cross_section_cm2 is None
        else cross_section_cm2
    )
    if not (math.isfinite(sigma) and sigma > 0):
        raise ParameterError(f"absorption cross-section must be positive, got {sigma!r} cm2")
    return photon_fluence_per_cm2(energy_fluence_uj_cm2, wavelength_nm) * sigma


def occupancy_probability(n: ArrayLike, mean: float) -> np.ndarray | float:
    """Poisson probability P(N) = ⟨N⟩^N e^{−⟨N⟩}/N! of N excitations (Klimov 2000)."""
    if not mean >= 0:
        raise ParameterError(f"mean occupancy must be >= 0, got {mean!r}")
    k = np.asarray(n)
    if np.any(k < 0) or np.any(k != np.round(k)):
        raise ParameterError(f"N must be non-negative integers, got {n!r}")
    out = poisson.pmf(k, mean)
    return scalar_or_array(out)


def multiexciton_fraction(mean: float) -> float:
    """Fraction of excited nanocrystals holding more than one exciton, P(N≥2)/P(N≥1)."""
    if not mean > 0:
        raise ParameterError(f"mean occupancy must be > 0, got {mean!r}")
    p_excited = -math.expm1(-mean)
    p_multi = p_excited - mean * math.exp(-mean)
    return p_multi / p_excited
