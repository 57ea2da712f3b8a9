"""Carrier- and energy-transfer rates: lifetimes, Marcus, Förster, tunnelling.

Pure functions of floats or arrays. Lifetime-based functions work in any *one* time unit
(rates come back in its inverse); the theory functions take practical units named in the
argument (``_ev``, ``_nm``, ``_k``) and return SI rates [1/s].

Thesis: Yang Yongge, PhD thesis, UEC Tokyo (2024), §3.3.3 (TA transfer, 0.52 vs 8.08 ps;
rise 0.30 vs 0.55 ps) and §4.3.2 (PLQY 1.0 % / 82.5 ns vs 2.1 % / 19.5 ns; Förster transfer
PMA2PbBr4 -> CsPbBr3); spec items P-30, P-38, P-49.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from heterolab.errors import ParameterError
from heterolab.physics._checks import fraction_array, positive_array, scalar_or_array
from heterolab.physics.confinement import HBAR2_2M0_EV_NM2
from heterolab.units import E_CHARGE, HBAR, K_B_EV

__all__ = [
    "FORSTER_EXPONENTS",
    "added_rise_time",
    "forster_efficiency",
    "forster_radius_nm",
    "forster_rate",
    "injection_rate_from_rise",
    "marcus_max_rate",
    "marcus_rate",
    "marcus_rate_at_distance",
    "nonradiative_rate",
    "radiative_rate",
    "transfer_efficiency_from_amplitudes",
    "transfer_efficiency_from_lifetimes",
    "transfer_rate_from_lifetimes",
    "tunnelling_transmission_rectangular",
    "tunnelling_transmission_wkb",
]

_HBAR_EV_S: float = HBAR / E_CHARGE  # ħ [eV s]

#: Distance exponent of the Förster rate per geometry: point dipole to point dipole (r^-6),
#: to an infinite plane of acceptors (r^-4), to a semi-infinite slab (r^-3)
#: (Kuhn, J. Chem. Phys. 53, 101 (1970); Lakowicz 2006, ch. 13).
FORSTER_EXPONENTS: dict[str, int] = {"point": 6, "plane": 4, "slab": 3}


def _check_quenched(
    tau_d: np.ndarray, tau_da: np.ndarray, tau_d_in: ArrayLike, tau_da_in: ArrayLike
) -> None:
    if np.any(tau_da >= tau_d):
        raise ParameterError(
            f"tau_da = {tau_da_in!r} must be shorter than tau_d = {tau_d_in!r}: "
            "the acceptor cannot lengthen the donor lifetime (no transfer to quantify)"
        )


# ----------------------------------------------------------------------------- lifetimes
def transfer_rate_from_lifetimes(tau_d: ArrayLike, tau_da: ArrayLike) -> np.ndarray | float:
    """Transfer rate k_ET = 1/τ_DA − 1/τ_D, in the inverse of the lifetimes' unit.

    Parameters
    ----------
    tau_d
        Donor lifetime without acceptor (reference), any time unit.
    tau_da
        Donor lifetime with acceptor (heterostructure), same unit; must be < ``tau_d``.

    Notes
    -----
    Thesis §3.3.3 and §4.3.2 (spec P-38); e.g. 1/0.52 − 1/8.08 ps⁻¹ = 1.799 ps⁻¹. For
    multi-exponential decays pass the same kind of average lifetime for both.

    Examples
    --------
    >>> round(transfer_rate_from_lifetimes(8.08, 0.52), 4)
    1.7993
    """
    td, tda = positive_array("tau_d", tau_d), positive_array("tau_da", tau_da)
    _check_quenched(td, tda, tau_d, tau_da)
    return scalar_or_array(1.0 / tda - 1.0 / td)


def transfer_efficiency_from_lifetimes(tau_d: ArrayLike, tau_da: ArrayLike) -> np.ndarray | float:
    """Transfer efficiency η = k_ET/(k_ET + 1/τ_D) = 1 − τ_DA/τ_D (dimensionless).

    Thesis §3.3.3 (spec P-38); Lakowicz, *Principles of Fluorescence Spectroscopy*, 3rd ed.
    (2006), Eq. 13.13. Example: τ_D = 8.08 ps, τ_DA = 0.52 ps gives η = 0.9356.
    """
    td, tda = positive_array("tau_d", tau_d), positive_array("tau_da", tau_da)
    _check_quenched(td, tda, tau_d, tau_da)
    return scalar_or_array(1.0 - tda / td)


def transfer_efficiency_from_amplitudes(
    a_fast_het: ArrayLike, a_fast_ref: ArrayLike
) -> np.ndarray | float:
    """Efficiency of the transferring sub-population from fast-component amplitudes.

    η ≈ (A_fast,het − A_fast,ref)/(1 − A_fast,ref): the extra fraction of the fast channel in
    the heterostructure over what was not already fast in the reference (spec P-38).
    Amplitudes are fractions of the total (0–1). Thesis Tables 3-3/3-4: 0.0927 → 0.4746
    gives 0.421.
    """
    het, ref = fraction_array("a_fast_het", a_fast_het), fraction_array("a_fast_ref", a_fast_ref)
    if np.any(ref >= 1):
        raise ParameterError(f"a_fast_ref must be < 1, got {a_fast_ref!r}")
    return scalar_or_array((het - ref) / (1.0 - ref))


def injection_rate_from_rise(tau_rise: ArrayLike) -> np.ndarray | float:
    """Injection rate k_inj = 1/τ_rise from the acceptor's rise time (inverse time unit).

    The acceptor (e.g. PbS bleach) rises as the donor transfers; for first-order transfer the
    rise time equals the transfer time, so k_inj should match k_ET from the donor decay
    (spec P-38; thesis §3.3.3: 0.55 ps rise → 1.82 ps⁻¹ vs 1/0.556 ps from lifetimes).
    """
    return scalar_or_array(1.0 / positive_array("tau_rise", tau_rise))


def added_rise_time(tau_rise_het: ArrayLike, tau_rise_ref: ArrayLike) -> np.ndarray | float:
    """Extra rise time τ_het − τ_ref of the acceptor in the heterostructure (time unit).

    For sequential first-order steps the mean delays add (the mean of a sum of independent
    exponential waiting times is the sum of the means; e.g. Berberan-Santos & Martinho,
    J. Chem. Educ. 67, 375 (1990)), so the intrinsic rise of the bare acceptor (cooling,
    0.30 ps in thesis §3.3.3) is subtracted to leave the transfer's share (0.25 ps).
    """
    het = positive_array("tau_rise_het", tau_rise_het)
    ref = positive_array("tau_rise_ref", tau_rise_ref)
    if np.any(het < ref):
        raise ParameterError(
            f"tau_rise_het = {tau_rise_het!r} is shorter than tau_rise_ref = {tau_rise_ref!r}: "
            "the heterostructure rise cannot be faster than the bare acceptor's"
        )
    return scalar_or_array(het - ref)


def radiative_rate(plqy: ArrayLike, tau: ArrayLike) -> np.ndarray | float:
    """Radiative rate k_r = Φ/τ in the inverse of τ's unit (spec P-30; thesis §4.3.2).

    Φ is the PL quantum yield as a fraction; τ the (stated, e.g. intensity-weighted) lifetime.
    Example: Φ = 0.010, τ = 82.5 ns gives 1.21×10⁻⁴ ns⁻¹ = 1.2×10⁵ s⁻¹.
    """
    return scalar_or_array(fraction_array("plqy", plqy) / positive_array("tau", tau))


def nonradiative_rate(plqy: ArrayLike, tau: ArrayLike) -> np.ndarray | float:
    """Non-radiative rate k_nr = (1 − Φ)/τ in the inverse of τ's unit (spec P-30)."""
    return scalar_or_array((1.0 - fraction_array("plqy", plqy)) / positive_array("tau", tau))


# ----------------------------------------------------------------------------- Marcus
def marcus_rate(
    delta_g_ev: ArrayLike,
    reorganisation_ev: ArrayLike,
    coupling_ev: ArrayLike,
    temperature_k: float,
) -> np.ndarray | float:
    """Non-adiabatic Marcus electron-transfer rate [1/s].

    .. math:: k = \\frac{2\\pi}{\\hbar}|H_{DA}|^2\\frac{1}{\\sqrt{4\\pi\\lambda k_BT}}
              \\exp\\Big[-\\frac{(\\Delta G^0+\\lambda)^2}{4\\lambda k_BT}\\Big]

    Parameters
    ----------
    delta_g_ev
        Standard free-energy change ΔG⁰ [eV] (negative = downhill).
    reorganisation_ev
        Reorganisation energy λ [eV], > 0.
    coupling_ev
        Electronic coupling H_DA [eV].
    temperature_k
        Temperature [K], required.

    Notes
    -----
    Marcus, J. Chem. Phys. 24, 966 (1956); Marcus & Sutin, Biochim. Biophys. Acta 811, 265
    (1985), Eq. 4. The rate is maximal at −ΔG⁰ = λ (activationless) and falls again in the
    inverted region −ΔG⁰ > λ.
    """
    lam = positive_array("reorganisation_ev", reorganisation_ev)
    kt = K_B_EV * float(positive_array("temperature_k", temperature_k))
    dg = np.asarray(delta_g_ev, dtype=float)
    h = np.asarray(coupling_ev, dtype=float)
    pref = 2 * math.pi / _HBAR_EV_S * h**2 / np.sqrt(4 * math.pi * lam * kt)
    return scalar_or_array(pref * np.exp(-((dg + lam) ** 2) / (4 * lam * kt)))


def marcus_max_rate(
    reorganisation_ev: ArrayLike, coupling_ev: ArrayLike, temperature_k: float
) -> np.ndarray | float:
    """Activationless Marcus rate (−ΔG⁰ = λ) [1/s]: (2π/ħ)|H|²/√(4πλk_BT) (Marcus & Sutin 1985)."""
    lam = np.asarray(reorganisation_ev, dtype=float)
    return marcus_rate(-lam, lam, coupling_ev, temperature_k)


def marcus_rate_at_distance(
    rate_at_contact: ArrayLike,
    distance_nm: ArrayLike,
    contact_distance_nm: float,
    beta_per_nm: float,
) -> np.ndarray | float:
    """Distance dependence of non-adiabatic transfer, k(r) = k(r₀) exp[−β (r − r₀)].

    |H_DA|² decays exponentially with donor–acceptor separation, so does k (Marcus & Sutin
    1985, §4; Moser et al., Nature 355, 796 (1992): β ≈ 14 nm⁻¹ through protein). For a
    ligand shell β ≈ 8–12 nm⁻¹ is typical. Rates in the unit of ``rate_at_contact``.
    """
    beta = float(positive_array("beta_per_nm", beta_per_nm))
    r = np.asarray(distance_nm, dtype=float)
    if np.any(r < 0):
        raise ParameterError(f"distance_nm must be >= 0, got {distance_nm!r}")
    k0 = np.asarray(rate_at_contact, dtype=float)
    return scalar_or_array(k0 * np.exp(-beta * (r - float(contact_distance_nm))))


# ----------------------------------------------------------------------------- Förster
def _forster_exponent(geometry: str) -> int:
    if geometry not in FORSTER_EXPONENTS:
        raise ParameterError(
            f"geometry must be one of {', '.join(FORSTER_EXPONENTS)}, got {geometry!r}"
        )
    return FORSTER_EXPONENTS[geometry]


def forster_rate(
    tau_d: ArrayLike,
    distance_nm: ArrayLike,
    forster_radius: float,
    geometry: Literal["point", "plane", "slab"] = "point",
) -> np.ndarray | float:
    """Förster transfer rate k = (1/τ_D)(R₀/r)^p, in the inverse of τ_D's unit.

    p = 6 for point dipoles (Förster, Ann. Phys. 437, 55 (1948); Lakowicz 2006, Eq. 13.1),
    4 for a donor above a plane of acceptors, 3 for a slab (see :data:`FORSTER_EXPONENTS`).
    ``distance_nm`` and ``forster_radius`` share a length unit (nm).
    """
    p = _forster_exponent(geometry)
    r0 = float(positive_array("forster_radius", forster_radius))
    r = positive_array("distance_nm", distance_nm)
    return scalar_or_array((r0 / r) ** p / positive_array("tau_d", tau_d))


def forster_efficiency(
    distance_nm: ArrayLike,
    forster_radius: float,
    geometry: Literal["point", "plane", "slab"] = "point",
) -> np.ndarray | float:
    """Förster transfer efficiency E = R₀^p/(R₀^p + r^p); E = 1/2 at r = R₀.

    Lakowicz, *Principles of Fluorescence Spectroscopy*, 3rd ed. (2006), Eq. 13.12 (p = 6).
    """
    p = _forster_exponent(geometry)
    r0 = float(positive_array("forster_radius", forster_radius))
    r = positive_array("distance_nm", distance_nm)
    return scalar_or_array(1.0 / (1.0 + (r / r0) ** p))


def forster_radius_nm(
    overlap_m1cm1nm4: float,
    donor_qy: float,
    refractive_index: float,
    kappa2: float = 2.0 / 3.0,
) -> float:
    """Förster radius R₀ = 0.0211 (κ² n⁻⁴ Φ_D J)^{1/6} [nm], J in M⁻¹ cm⁻¹ nm⁴.

    Lakowicz 2006, Eq. 13.8; κ² = 2/3 is the isotropic dynamic average (spec P-49).
    """
    j = float(positive_array("overlap_m1cm1nm4", overlap_m1cm1nm4))
    q = float(fraction_array("donor_qy", donor_qy))
    n = float(positive_array("refractive_index", refractive_index))
    k2 = float(np.asarray(kappa2, dtype=float))
    if not 0 <= k2 <= 4:
        raise ParameterError(f"kappa2 must lie in [0, 4], got {kappa2!r}")
    return 0.0211 * (k2 * n**-4 * q * j) ** (1.0 / 6.0)


# ----------------------------------------------------------------------------- tunnelling
def _barrier_inputs(
    energy_ev: ArrayLike, barrier_ev: float, width_nm: float, effective_mass: float
) -> tuple[np.ndarray, float, float, float]:
    e = positive_array("energy_ev", energy_ev)
    v = float(positive_array("barrier_ev", barrier_ev))
    a = float(positive_array("width_nm", width_nm))
    m = float(positive_array("effective_mass", effective_mass))
    return e, v, a, m


def tunnelling_transmission_rectangular(
    energy_ev: ArrayLike, barrier_ev: float, width_nm: float, effective_mass: float
) -> np.ndarray | float:
    """Exact transmission through a rectangular barrier of height V and width a.

    .. math:: T = \\Big[1 + \\frac{V^2\\sinh^2(\\kappa a)}{4E(V-E)}\\Big]^{-1},\\quad
              \\kappa=\\sqrt{2m^*(V-E)}/\\hbar \\quad (E<V)

    with sinh → sin and V − E → E − V above the barrier, and the limit
    T = [1 + m* V a²/(2ħ²)]⁻¹ at E = V (Griffiths, *Introduction to Quantum Mechanics*, 2nd ed.
    (2005), Problem 2.33; Merzbacher, *Quantum Mechanics*, 3rd ed. (1998), §6.3). Energies
    in eV, width in nm, m* in units of m₀.
    """
    e, v, a, m = _barrier_inputs(energy_ev, barrier_ev, width_nm, effective_mass)
    q = np.sqrt(np.abs(v - e) * m / HBAR2_2M0_EV_NM2)  # |κ| or k inside [1/nm]
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        below = v**2 * np.sinh(q * a) ** 2 / (4 * e * (v - e))
        above = v**2 * np.sin(q * a) ** 2 / (4 * e * (e - v))
    at_top = m * v * a**2 / (4 * HBAR2_2M0_EV_NM2)  # m V a²/(2ħ²) with ħ²/(2m0) given
    close = np.isclose(e, v, rtol=1e-9, atol=0)
    term = np.where(close, at_top, np.where(e < v, below, above))
    return scalar_or_array(1.0 / (1.0 + term))


def tunnelling_transmission_wkb(
    energy_ev: ArrayLike, barrier_ev: float, width_nm: float, effective_mass: float
) -> np.ndarray | float:
    """WKB (opaque-barrier) transmission T ≈ exp(−2κa), κ = √(2m*(V−E))/ħ, for E < V.

    Griffiths 2005, Eq. 8.22 for a constant barrier. Valid when κa ≫ 1; the exact result
    is T ≈ 16E(V−E)/V² · exp(−2κa) there.
    """
    e, v, a, m = _barrier_inputs(energy_ev, barrier_ev, width_nm, effective_mass)
    if np.any(e >= v):
        raise ParameterError(
            f"WKB tunnelling needs energy_ev < barrier_ev = {v}, got {energy_ev!r}"
        )
    kappa = np.sqrt((v - e) * m / HBAR2_2M0_EV_NM2)
    return scalar_or_array(np.exp(-2 * kappa * a))
