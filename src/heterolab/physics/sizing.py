"""Sizing curves: nanocrystal size from the first excitonic transition, and back.

PbS uses the empirical curve of Moreels et al. (ACS Nano 3, 3023 (2009)); CsPbBr3 uses the
Brus effective-mass model (:mod:`heterolab.physics.confinement`) with the parameters in
``heterolab.materials`` (Protesescu et al., Nano Lett. 15, 3692 (2015)). Thesis: §3.3.1–3.3.2,
Fig. 3-16e; spec items P-39, P-47, P-48.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from heterolab.choices import as_choice
from heterolab.errors import ParameterError
from heterolab.materials import Material, get
from heterolab.physics._checks import scalar_or_array
from heterolab.physics.choices import PeakUnit
from heterolab.physics.confinement import (
    BrusModel,
    diameter_from_exciton_energy_nm,
    exciton_energy_ev,
)
from heterolab.units import HC_EV_NM, N_A

__all__ = [
    "MOREELS_2009",
    "PeakUnit",
    "SizingCurve",
    "absorption_cross_section_cm2",
    "cspbbr3_diameter_from_peak",
    "cspbbr3_peak_from_diameter",
    "effective_mass_parameters",
    "pbs_concentration_from_absorbance",
    "pbs_diameter_from_peak",
    "pbs_extinction_400nm",
    "pbs_peak_from_diameter",
]

MOREELS_2009 = "Moreels et al., ACS Nano 3, 3023 (2009)"
_MOREELS_VALID_NM = (2.5, 10.0)

#: A user sizing curve: diameter [nm] -> first-exciton energy [eV] (monotonic decreasing).
SizingCurve = Callable[[float], float]


def _peak_to_ev(peak: float, unit: str) -> float:
    unit = as_choice(PeakUnit, unit, "peak unit")
    if not math.isfinite(peak) or peak <= 0:
        raise ParameterError(f"peak position must be positive and finite, got {peak!r} {unit}")
    if unit == "eV":
        return float(peak)
    if unit == "nm":
        return HC_EV_NM / peak
    raise ParameterError(f"peak unit must be 'nm' or 'eV', got {unit!r}")


def _ev_to_unit(energy_ev: np.ndarray | float, unit: str) -> np.ndarray | float:
    """A photon energy [eV] in ``unit`` (``"eV"``, or ``"nm"`` via λ = hc/E; any case, as
    the inverse functions accept)."""
    unit = as_choice(PeakUnit, unit, "peak unit")
    if unit == "eV":
        return energy_ev
    if unit == "nm":
        return HC_EV_NM / energy_ev
    raise ParameterError(f"unit must be 'nm' or 'eV', got {unit!r}")


def pbs_peak_from_diameter(diameter_nm: ArrayLike, unit: str = "nm") -> np.ndarray | float:
    """First-exciton *absorption* peak of PbS QDs of diameter ``diameter_nm`` [nm or eV].

    E0 = 0.41 + 1/(0.0252 d² + 0.283 d) eV, d in nm (Moreels et al., ACS Nano 3, 3023 (2009);
    valid ≈ 2.5–10 nm).

    Examples
    --------
    >>> round(pbs_peak_from_diameter(2.9))
    899
    """
    d = np.asarray(diameter_nm, dtype=float)
    if not np.all(np.isfinite(d)) or np.any(d <= 0):
        raise ParameterError(f"diameter must be positive and finite, got {diameter_nm!r}")
    e = 0.41 + 1.0 / (0.0252 * d**2 + 0.283 * d)
    out = np.asarray(_ev_to_unit(e, unit))
    return scalar_or_array(out)


def pbs_diameter_from_peak(
    peak: float,
    unit: str = "nm",
    *,
    curve: SizingCurve | None = None,
) -> float:
    """PbS QD diameter [nm] from the first-exciton *absorption* peak.

    Default: analytic inverse of Moreels 2009,
    d = (−0.283 + √(0.283² + 4·0.0252/(E0 − 0.41))) / (2·0.0252).
    Use the absorption peak, not PL (Stokes shift 30–150 meV makes PL-derived sizes too
    large: thesis PL 950/1156 nm would give 3.09/3.95 nm, spec verification V7/§2 item 11).
    ``curve`` may be a user function d [nm] -> E0 [eV] (monotonic decreasing), inverted by
    bracketing on 0.5–50 nm.

    Raises
    ------
    ParameterError
        For peaks at or below the bulk gap (0.41 eV ≈ 3024 nm) or outside a user curve's range.
    """
    e = _peak_to_ev(peak, unit)
    if curve is not None:
        return _invert_curve(curve, e)
    if e <= 0.41:
        raise ParameterError(
            f"PbS peak {peak} {unit} ({e:.4f} eV) is at or below the bulk gap 0.41 eV; "
            "no finite size (Moreels 2009)"
        )
    a, b = 0.0252, 0.283
    return (-b + math.sqrt(b * b + 4 * a / (e - 0.41))) / (2 * a)


def _invert_curve(curve: SizingCurve, energy_ev: float) -> float:
    from scipy.optimize import brentq

    lo, hi = 0.5, 50.0
    e_lo, e_hi = float(curve(lo)), float(curve(hi))
    if not (min(e_lo, e_hi) <= energy_ev <= max(e_lo, e_hi)):
        raise ParameterError(
            f"energy {energy_ev:.4g} eV outside the user curve's range {e_hi:.4g}–{e_lo:.4g} eV "
            f"over {lo}–{hi} nm"
        )
    return float(brentq(lambda d: float(curve(d)) - energy_ev, lo, hi, xtol=1e-10))


def effective_mass_parameters(
    material: Material | str, band_gap_ev: float | None = None
) -> dict[str, float]:
    """Keyword arguments of the confinement models for ``material``.

    Returns ``band_gap_ev`` (``band_gap_ev`` overrides the material's gap), ``electron_mass``,
    ``hole_mass`` (units of m_0) and ``eps_r``, as taken by
    :func:`heterolab.physics.confinement.exciton_energy_ev` (Brus, J. Chem. Phys. 80, 4403
    (1984)).

    Raises
    ------
    ParameterError
        Naming every parameter the material file lacks.
    """
    mat = material if isinstance(material, Material) else get(material)
    missing = [
        k
        for k in ("electron_mass", "hole_mass", "dielectric_constant", "band_gap")
        if k not in mat.parameters and not (k == "band_gap" and band_gap_ev is not None)
    ]
    if missing:
        raise ParameterError(
            f"material {mat.name!r} lacks {', '.join(missing)} needed by the effective-mass model"
        )
    return {
        "band_gap_ev": mat.band_gap_ev if band_gap_ev is None else band_gap_ev,
        "electron_mass": mat.electron_mass,
        "hole_mass": mat.hole_mass,
        "eps_r": mat.dielectric_constant,
    }


def cspbbr3_peak_from_diameter(
    diameter_nm: ArrayLike,
    unit: str = "nm",
    *,
    band_gap_ev: float | None = None,
    model: BrusModel | str = "brus",
    material: Material | str = "CsPbBr3",
) -> np.ndarray | float:
    """Exciton emission/absorption peak of CsPbBr3 NCs from their size [nm or eV].

    Brus model (:func:`heterolab.physics.confinement.exciton_energy_ev`) with Protesescu 2015
    parameters (m*_e 0.15, m*_h 0.14, ε_r 4.96) and E_g = 2.342 eV unless ``band_gap_ev`` is
    given. Spec verification V8: 8.14 nm → 492.4 nm (thesis PL 495 nm), 9.40 nm → 504.7 nm
    (thesis 505 nm). The effective-mass model is semi-quantitative in intermediate confinement.
    """
    kw = effective_mass_parameters(material, band_gap_ev)
    e = exciton_energy_ev(diameter_nm, model=model, **kw)
    return _ev_to_unit(e, unit)


def cspbbr3_diameter_from_peak(
    peak: float,
    unit: str = "nm",
    *,
    band_gap_ev: float | None = None,
    model: BrusModel | str = "brus",
    material: Material | str = "CsPbBr3",
) -> float:
    """CsPbBr3 NC diameter [nm] from its exciton peak (inverse of the Brus model).

    An 18 meV change of E_g moves d by 0.2–0.5 nm for d = 7–10 nm (spec V8): state the gap.

    Raises
    ------
    ParameterError
        If the peak lies below the bulk exciton limit or on the unphysical branch.
    """
    return diameter_from_exciton_energy_nm(
        _peak_to_ev(peak, unit), model=model, **effective_mass_parameters(material, band_gap_ev)
    )


def pbs_extinction_400nm(diameter_nm: ArrayLike) -> np.ndarray | float:
    """Molar extinction coefficient of PbS QDs at 400 nm [M⁻¹ cm⁻¹].

    ε400 = 0.0233 d³ µM⁻¹ cm⁻¹ with d in nm (Moreels et al., ACS Nano 3, 3023 (2009)).
    """
    d = np.asarray(diameter_nm, dtype=float)
    if not np.all(np.isfinite(d)) or np.any(d <= 0):
        raise ParameterError(f"diameter must be positive and finite, got {diameter_nm!r}")
    eps = 0.0233 * d**3 * 1e6
    return scalar_or_array(eps)


def pbs_concentration_from_absorbance(
    absorbance_400nm: float, diameter_nm: float, path_length_cm: float = 1.0
) -> float:
    """PbS QD molar concentration c = A400/(ε400 l) [mol L⁻¹] (Beer–Lambert; Moreels 2009)."""
    if path_length_cm <= 0 or absorbance_400nm < 0:
        raise ParameterError(
            f"need absorbance >= 0 and path length > 0, got A = {absorbance_400nm}, "
            f"l = {path_length_cm} cm"
        )
    return absorbance_400nm / (float(pbs_extinction_400nm(diameter_nm)) * path_length_cm)


def absorption_cross_section_cm2(molar_extinction: float) -> float:
    """Absorption cross-section σ = ln(10)·10³·ε/N_A [cm²] from ε [M⁻¹ cm⁻¹] (spec P-39)."""
    return math.log(10) * 1e3 * molar_extinction / N_A
