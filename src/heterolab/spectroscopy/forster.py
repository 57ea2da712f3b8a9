"""Förster resonance energy transfer: spectral overlap J, Förster radius R₀, efficiency (P-49).

Thesis §4.3.2: PMA2PbBr4 donor (PL 410 nm) → CsPbBr3 acceptor.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import xarray as xr

from heterolab.errors import ParameterError
from heterolab.result import Quantity, Result, make_provenance
from heterolab.spectroscopy.spectra import spectral_axis, to_wavelength

__all__ = ["forster_efficiency", "forster_radius_nm", "forster_rate", "spectral_overlap"]

R0_PREFACTOR_NM = 0.02108  #: R₀ = 0.02108 (κ² n⁻⁴ Φ_D J)^{1/6} nm with J in M⁻¹ cm⁻¹ nm⁴ (Lakowicz 2006, Eq. 13.5)


def spectral_overlap(donor_emission: xr.DataArray, acceptor_extinction: xr.DataArray) -> float:
    """J = ∫F_D(λ) ε_A(λ) λ⁴ dλ / ∫F_D(λ) dλ [M⁻¹ cm⁻¹ nm⁴] (Förster, Ann. Phys. 437, 55 (1948);
    Lakowicz, Principles of Fluorescence Spectroscopy, 3rd ed. (2006), Eq. 13.3).

    ``donor_emission`` is put on a wavelength axis per unit wavelength (Jacobian applied if it
    is on energy); ``acceptor_extinction`` (molar decadic ε [M⁻¹ cm⁻¹]) is interpolated onto
    the donor's wavelengths (zero outside its range).
    """
    d = to_wavelength(donor_emission)
    a = to_wavelength(acceptor_extinction, jacobian=False)
    spectral_axis(a)
    lam = d["wavelength"].values
    f = d.values.astype(float)
    eps = np.interp(lam, a["wavelength"].values, a.values.astype(float), left=0.0, right=0.0)
    norm = np.trapezoid(f, lam)
    if not norm > 0:
        raise ParameterError("donor emission integrates to ≤ 0")
    return float(np.trapezoid(f * eps * lam**4, lam) / norm)


def forster_radius_nm(
    overlap: float, donor_qy: float, *, refractive_index: float = 1.4, kappa2: float = 2.0 / 3.0
) -> float:
    """R₀ = 0.02108 (κ² n⁻⁴ Φ_D J)^{1/6} nm, J in M⁻¹ cm⁻¹ nm⁴ (Lakowicz 2006, Eq. 13.5)."""
    if overlap < 0 or not 0 < donor_qy <= 1 or refractive_index <= 0 or not 0 <= kappa2 <= 4:
        raise ParameterError(
            f"need J >= 0, 0 < Φ_D <= 1, n > 0, 0 <= κ² <= 4; got J={overlap}, Φ_D={donor_qy}, "
            f"n={refractive_index}, κ²={kappa2}"
        )
    return R0_PREFACTOR_NM * (kappa2 * refractive_index**-4 * donor_qy * overlap) ** (1 / 6)


def forster_efficiency(
    distance_nm: float | np.ndarray,
    r0_nm: float,
    geometry: Literal["point", "plane", "slab"] = "point",
) -> float | np.ndarray:
    """Transfer efficiency E = 1/(1 + (r/R₀)^p): p = 6 point-to-point, 4 point-to-plane,
    3 point-to-slab (Förster 1948; Kuhn, J. Chem. Phys. 53, 101 (1970) for planes).
    """
    p = {"point": 6, "plane": 4, "slab": 3}.get(geometry)
    if p is None:
        raise ParameterError(f"geometry must be 'point', 'plane' or 'slab', got {geometry!r}")
    return 1.0 / (1.0 + (np.asarray(distance_nm, dtype=float) / r0_nm) ** p)


def forster_rate(
    donor_emission: xr.DataArray,
    acceptor_extinction: xr.DataArray,
    *,
    donor_qy: float,
    donor_lifetime_ns: float,
    distance_nm: float | None = None,
    refractive_index: float = 1.4,
    kappa2: float = 2.0 / 3.0,
) -> Result:
    """J, R₀ and (for a distance r) k_FRET = (1/τ_D)(R₀/r)⁶ and E (spec P-49)."""
    j = spectral_overlap(donor_emission, acceptor_extinction)
    r0 = forster_radius_nm(j, donor_qy, refractive_index=refractive_index, kappa2=kappa2)
    res = Result(
        kind="spectrum.forster",
        provenance=make_provenance(
            [],
            {
                "donor_qy": donor_qy,
                "donor_lifetime_ns": donor_lifetime_ns,
                "n": refractive_index,
                "kappa2": kappa2,
                "distance_nm": distance_nm,
            },
        ),
    )
    res.parameters["overlap"] = Quantity(j, None, "M^-1 cm^-1 nm^4")
    res.derived["forster_radius"] = Quantity(r0, None, "nm")
    if distance_nm is not None:
        if distance_nm <= 0 or donor_lifetime_ns <= 0:
            raise ParameterError("distance and donor lifetime must be > 0")
        res.derived["rate"] = Quantity(
            (r0 / distance_nm) ** 6 / (donor_lifetime_ns * 1e-9), None, "1/s"
        )
        res.derived["efficiency"] = Quantity(float(forster_efficiency(distance_nm, r0)), None, "1")
    if not math.isfinite(r0):
        res.mark_failed("Förster radius is not finite")
    return res
