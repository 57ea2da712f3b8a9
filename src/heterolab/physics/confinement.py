"""Quantum confinement of excitons and carriers in nanocrystals.

Pure functions in practical units (nm, eV; effective masses in units of the free-electron
mass m0; relative permittivities dimensionless). Thesis: Yang Yongge, PhD thesis, UEC Tokyo
(2024), §1.1.2.1, Eqs. 1-2 and 1-3, Figure 1-8; spec items P-02, P-03.

Sizes are *diameters* throughout (sphere diameter 2R, or cube edge L for ``model="cube"``),
because that is what TEM and the sizing curves report.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import constants as _c
from scipy.optimize import brentq

from heterolab.choices import as_choice
from heterolab.errors import ParameterError
from heterolab.physics._checks import require_positive, scalar_or_array
from heterolab.physics.choices import BrusModel, NanocrystalShape
from heterolab.units import E_CHARGE, EPS0, HBAR, M_E

__all__ = [
    "BRUS_MODELS",
    "COULOMB_EV_NM",
    "DIAMETER_RANGE_NM",
    "HBAR2_2M0_EV_NM2",
    "BrusModel",
    "NanocrystalShape",
    "brus_minimum_diameter_nm",
    "check_diameter",
    "confined_band_edges_ev",
    "confinement_regime",
    "density_of_states",
    "diameter_from_exciton_energy_nm",
    "exciton_bohr_radius_nm",
    "exciton_energy_ev",
    "exciton_rydberg_ev",
    "reduced_mass",
    "regime_warning",
]

#: ħ²/(2 m0) = 0.0380998 eV nm² (CODATA 2018).
HBAR2_2M0_EV_NM2: float = HBAR**2 / (2 * M_E) / E_CHARGE * 1e18
#: e²/(4π ε0) = 1.439965 eV nm (CODATA 2018).
COULOMB_EV_NM: float = E_CHARGE / (4 * math.pi * EPS0) * 1e9
#: Hydrogen Bohr radius [nm] and Rydberg energy [eV].
_A_H_NM: float = _c.physical_constants["Bohr radius"][0] * 1e9
_RY_EV: float = _c.physical_constants["Rydberg constant times hc in eV"][0]


BRUS_MODELS: tuple[str, ...] = tuple(m.value for m in BrusModel)


def reduced_mass(electron_mass: float, hole_mass: float) -> float:
    """Exciton reduced mass μ = (1/m*_e + 1/m*_h)⁻¹ [m0].

    Source: thesis Eq. 1-2 (§1.1.2.1).
    """
    require_positive(electron_mass=electron_mass, hole_mass=hole_mass)
    return 1.0 / (1.0 / electron_mass + 1.0 / hole_mass)


#: Diameters [nm] a nanocrystal model accepts: from a tenth of a lattice cell to 10 µm (beyond
#: which the crystal is bulk for every model here, and below which R² under- or overflows).
DIAMETER_RANGE_NM = (0.1, 1.0e4)


def check_diameter(diameter_nm: ArrayLike, name: str = "diameter_nm") -> np.ndarray:
    """``diameter_nm`` as an array, ParameterError unless finite and inside
    :data:`DIAMETER_RANGE_NM` everywhere."""
    d = np.asarray(diameter_nm, dtype=float)
    lo, hi = DIAMETER_RANGE_NM
    if d.size == 0 or not np.all(np.isfinite(d)) or np.any(d < lo) or np.any(d > hi):
        raise ParameterError(
            f"{name} must lie between {lo:g} nm and {hi:g} nm (a nanocrystal), got {diameter_nm!r}"
        )
    return d


def exciton_bohr_radius_nm(electron_mass: float, hole_mass: float, eps_r: float) -> float:
    """Exciton Bohr radius a_B = 4πε0 ε_r ħ² / (μ m0 e²) = ε_r a_H / μ [nm].

    Thesis Eq. 1-2 in SI form (the thesis prints it in Gaussian units, labelled "E").
    CsPbBr3 (m*_e 0.15, m*_h 0.14, ε_r 4.96; Protesescu et al., Nano Lett. 15, 3692 (2015))
    gives 3.62 nm; the thesis's "5 nm" does not follow from these parameters.

    Examples
    --------
    >>> round(exciton_bohr_radius_nm(0.15, 0.14, 4.96), 2)
    3.62
    """
    require_positive(eps_r=eps_r)
    return eps_r * _A_H_NM / reduced_mass(electron_mass, hole_mass)


def exciton_rydberg_ev(electron_mass: float, hole_mass: float, eps_r: float) -> float:
    """Effective exciton Rydberg (binding energy of the bulk 1s exciton) Ry μ/ε_r² [eV].

    Hydrogenic model (e.g. Yu & Cardona, *Fundamentals of Semiconductors*, §6.3).
    """
    require_positive(eps_r=eps_r)
    return _RY_EV * reduced_mass(electron_mass, hole_mass) / eps_r**2


def confinement_regime(diameter_nm: float, bohr_radius_nm: float) -> str:
    """Name the confinement regime from R/a_B (R = diameter/2).

    ``"strong"`` for R < a_B, ``"intermediate"`` for a_B ≤ R < 3 a_B, ``"weak"`` otherwise
    (Efros & Efros, Sov. Phys. Semicond. 16, 772 (1982); boundaries are conventional).
    """
    require_positive(diameter_nm=diameter_nm, bohr_radius_nm=bohr_radius_nm)
    ratio = diameter_nm / 2 / bohr_radius_nm
    if ratio < 1:
        return "strong"
    if ratio < 3:
        return "intermediate"
    return "weak"


#: The confinement regime each model is built for (see :func:`exciton_energy_ev`).
MODEL_REGIMES: dict[str, str] = {
    "brus": "strong",
    "kinetic": "strong",
    "cube": "strong",
    "thesis": "strong",
    "weak": "weak",
}


def regime_warning(model: str, diameter_nm: float, bohr_radius_nm: float) -> str | None:
    """Say when ``model`` is used outside the regime it is built for, else ``None``.

    The strong-confinement models (``brus``, ``kinetic``, ``cube``, ``thesis``) assume
    R < a_B (carriers confined separately); the ``weak`` model assumes R ≳ 3 a_B (the exciton
    moves as a whole; Efros & Efros, Sov. Phys. Semicond. 16, 772 (1982)). In the intermediate
    regime both are semi-quantitative. R = d/2, a_B from :func:`exciton_bohr_radius_nm`.
    """
    if model not in MODEL_REGIMES:
        raise ParameterError(f"unknown confinement model {model!r}; choose one of {BRUS_MODELS}")
    regime = confinement_regime(diameter_nm, bohr_radius_nm)
    wanted = MODEL_REGIMES[model]
    if regime == wanted:
        return None
    ratio = diameter_nm / 2 / bohr_radius_nm
    quality = "semi-quantitative" if regime == "intermediate" else "outside its validity"
    return (
        f"model {model!r} assumes {wanted} confinement but R/a_B = {ratio:.2f} "
        f"(R = {diameter_nm / 2:.3g} nm, a_B = {bohr_radius_nm:.3g} nm) is {regime} "
        f"confinement: the result is {quality}"
    )


def exciton_energy_ev(
    diameter_nm: ArrayLike,
    *,
    band_gap_ev: float,
    electron_mass: float,
    hole_mass: float,
    eps_r: float,
    model: BrusModel | str = BrusModel.BRUS,
) -> np.ndarray | float:
    """Lowest exciton energy of a nanocrystal of size ``diameter_nm`` [eV].

    With R = d/2, μ the reduced mass, M = m*_e + m*_h, E*_Ry the exciton Rydberg:

    - ``"brus"`` (default; Brus, J. Chem. Phys. 80, 4403 (1984); Kayanuma, Phys. Rev. B 38,
      9797 (1988)): E = E_g + ħ²π²/(2μ m0 R²) − 1.786 e²/(4πε0 ε_r R) − 0.248 E*_Ry.
      Strong/intermediate confinement (R ≲ 2 a_B).
    - ``"kinetic"``: the same without the Coulomb and correlation terms (particle in a
      sphere).
    - ``"weak"``: E = E_g − E*_Ry + ħ²π²/(2 M m0 R²) (centre-of-mass confinement, R ≫ a_B;
      Efros & Efros, Sov. Phys. Semicond. 16, 772 (1982)).
    - ``"cube"``: cube of edge L = ``diameter_nm`` with hard walls, kinetic term only:
      E = E_g + 3ħ²π²/(2μ m0 L²).
    - ``"thesis"``: the literal thesis Eq. 1-3, E = E_g + ħ²/(8r²)(1/m_e + 1/m_h) with r the
      radius. **Thesis erratum**: ħ stands where h is required (kinetic term too small by
      4π²) and the Coulomb term is missing; for reproduction only.

    Parameters
    ----------
    diameter_nm
        Sphere diameter (cube edge for ``"cube"``) [nm], scalar or array.
    band_gap_ev
        Bulk band gap E_g [eV].
    electron_mass, hole_mass
        Effective masses [m0].
    eps_r
        Relative permittivity (optical) [1].
    model
        One of :data:`BRUS_MODELS`.

    Examples
    --------
    CsPbBr3, d = 8.14 nm, E_g = 2.342 eV (spec verification V8: 492.4 nm):

    >>> e = exciton_energy_ev(8.14, band_gap_ev=2.342, electron_mass=0.15, hole_mass=0.14,
    ...                       eps_r=4.96)
    >>> round(1239.842 / e, 1)
    492.4
    """
    d = check_diameter(diameter_nm)
    require_positive(band_gap_ev=band_gap_ev)
    model = as_choice(BrusModel, model, "confinement model")
    mu = reduced_mass(electron_mass, hole_mass)
    ry = exciton_rydberg_ev(electron_mass, hole_mass, eps_r)
    R = d / 2
    if model == "brus":
        e = band_gap_ev + HBAR2_2M0_EV_NM2 * math.pi**2 / (mu * R**2)
        e = e - 1.786 * COULOMB_EV_NM / (eps_r * R) - 0.248 * ry
    elif model == "kinetic":
        e = band_gap_ev + HBAR2_2M0_EV_NM2 * math.pi**2 / (mu * R**2)
    elif model == "weak":
        e = band_gap_ev - ry + HBAR2_2M0_EV_NM2 * math.pi**2 / ((electron_mass + hole_mass) * R**2)
    elif model == "cube":
        e = band_gap_ev + 3 * HBAR2_2M0_EV_NM2 * math.pi**2 / (mu * d**2)
    elif model == "thesis":
        # ħ²/(8 r² m0) expressed with ħ²/(2 m0): divide by 4.
        e = band_gap_ev + HBAR2_2M0_EV_NM2 / (4 * R**2 * mu)
    else:
        raise ParameterError(f"unknown confinement model {model!r}; choose one of {BRUS_MODELS}")
    return scalar_or_array(e)


def brus_minimum_diameter_nm(electron_mass: float, hole_mass: float, eps_r: float) -> float:
    """Diameter 2R* at which the Brus energy E(R) has its minimum [nm].

    E(R) = E_g + a/R² − b/R − c has dE/dR = 0 at R* = 2a/b with a = ħ²π²/(2μ m0),
    b = 1.786 e²/(4πε0 ε_r) (spec P-03). Above it the Brus form is unphysical (energy
    rises again with size) and cannot be inverted.
    """
    mu = reduced_mass(electron_mass, hole_mass)
    require_positive(eps_r=eps_r)
    a = HBAR2_2M0_EV_NM2 * math.pi**2 / mu
    b = 1.786 * COULOMB_EV_NM / eps_r
    return 2 * (2 * a / b)


def diameter_from_exciton_energy_nm(
    energy_ev: float,
    *,
    band_gap_ev: float,
    electron_mass: float,
    hole_mass: float,
    eps_r: float,
    model: BrusModel | str = BrusModel.BRUS,
    min_diameter_nm: float = 0.5,
    max_diameter_nm: float = 500.0,
) -> float:
    """Invert :func:`exciton_energy_ev`: the diameter [nm] whose exciton energy is ``energy_ev``.

    Bracketed root finding (Brent) on the monotonic branch: for ``"brus"`` the branch is
    d < 2R* (:func:`brus_minimum_diameter_nm`; ≈ 40 nm for CsPbBr3), for the other models
    [``min_diameter_nm``, ``max_diameter_nm``].

    Raises
    ------
    ParameterError
        If ``energy_ev`` lies outside the energies the model reaches on that branch (e.g. below
        the bulk limit); the message gives the reachable range.
    """
    if not math.isfinite(energy_ev):
        raise ParameterError(f"energy must be finite, got {energy_ev!r}")
    # the enum, whatever case was given ("BRUS" must take the Brus branch, not 0.5-500 nm)
    model = as_choice(BrusModel, model, "confinement model")
    hi = max_diameter_nm
    if model == "brus":
        hi = min(hi, brus_minimum_diameter_nm(electron_mass, hole_mass, eps_r))
    kw = {
        "band_gap_ev": band_gap_ev,
        "electron_mass": electron_mass,
        "hole_mass": hole_mass,
        "eps_r": eps_r,
        "model": model,
    }
    e_small = float(exciton_energy_ev(min_diameter_nm, **kw))
    e_large = float(exciton_energy_ev(hi, **kw))
    if not (e_large <= energy_ev <= e_small):
        raise ParameterError(
            f"exciton energy {energy_ev:.4g} eV is outside the range {e_large:.4g}–{e_small:.4g} eV "
            f"that model {model!r} reaches for diameters {min_diameter_nm:g}–{hi:.4g} nm "
            f"(E_g = {band_gap_ev:g} eV); check the band gap and that the peak is excitonic"
        )
    return float(
        brentq(
            lambda d: float(exciton_energy_ev(d, **kw)) - energy_ev, min_diameter_nm, hi, xtol=1e-10
        )
    )


def confined_band_edges_ev(
    diameter_nm: ArrayLike,
    *,
    cbm_ev: float,
    vbm_ev: float,
    electron_mass: float,
    hole_mass: float,
    shape: NanocrystalShape | str = "sphere",
) -> tuple[np.ndarray | float, np.ndarray | float]:
    """Single-particle band edges of a confined nanocrystal, (CBM, VBM) [eV].

    The confinement energy is split between the carriers by their masses:
    CBM(d) = CBM_bulk + ħ²π²/(2 m*_e m0 R²), VBM(d) = VBM_bulk − ħ²π²/(2 m*_h m0 R²) for a
    sphere of radius R = d/2 (cube of edge L = d: 3ħ²π²/(2 m* m0 L²)). Infinite-barrier
    effective-mass approximation (Brus, J. Chem. Phys. 80, 4403 (1984)); the exciton Coulomb
    term is a two-particle correction and is not assigned to either edge. Energies on the
    vacuum scale (e.g. CBM −3.59 eV) keep their sign convention.
    """
    d = check_diameter(diameter_nm)
    require_positive(electron_mass=electron_mass, hole_mass=hole_mass)
    if cbm_ev <= vbm_ev:
        raise ParameterError(f"CBM ({cbm_ev} eV) must lie above VBM ({vbm_ev} eV)")
    shape = as_choice(NanocrystalShape, shape, "shape")
    if shape == "sphere":
        k = HBAR2_2M0_EV_NM2 * math.pi**2 / (d / 2) ** 2
    elif shape == "cube":
        k = 3 * HBAR2_2M0_EV_NM2 * math.pi**2 / d**2
    else:
        raise ParameterError(f"unknown shape {shape!r}; choose 'sphere' or 'cube'")
    cbm = cbm_ev + k / electron_mass
    vbm = vbm_ev - k / hole_mass
    if d.ndim == 0:
        return float(cbm), float(vbm)
    return cbm, vbm


def density_of_states(
    energy_ev: ArrayLike,
    *,
    dimensionality: Literal[3, 2, 1, 0],
    effective_mass: float,
    size_nm: float | None = None,
    broadening_ev: float = 0.01,
    max_level: int = 6,
) -> np.ndarray:
    """Electronic density of states of a parabolic band under 3D…0D confinement (Fig. 1-8).

    Energies are measured from the bulk band edge. Spin degeneracy 2 included. Units:

    - 3D (bulk): g = (1/2π²)(2m/ħ²)^{3/2} √E  [states eV⁻¹ nm⁻³]
    - 2D (well of thickness ``size_nm``): g = (m/πħ²) Σ_n Θ(E − E_n)  [eV⁻¹ nm⁻²]
    - 1D (square wire of side ``size_nm``): g = (1/π)(2m/ħ²)^{1/2} Σ (E − E_n)^{-1/2}  [eV⁻¹ nm⁻¹]
    - 0D (cube of edge ``size_nm``): g = 2 Σ δ(E − E_n), each δ a Gaussian of standard
      deviation ``broadening_ev``  [eV⁻¹ per dot]

    with hard-wall levels E_n = (ħ²π²/2m L²) Σ n_i² over the confined directions
    (Davies, *The Physics of Low-Dimensional Semiconductors* (1998), ch. 1 and 8). The 1D
    van Hove singularities are cut off at ``broadening_ev`` above each level so the array
    stays finite.

    Parameters
    ----------
    energy_ev
        Energies above the bulk band edge [eV].
    dimensionality
        3, 2, 1 or 0 (number of unconfined directions).
    effective_mass
        Carrier effective mass [m0].
    size_nm
        Confinement length L [nm]; required for dimensionality < 3.
    broadening_ev
        Gaussian width for 0D and the 1D cut-off [eV].
    max_level
        Highest quantum number n per confined direction summed over.
    """
    e = np.asarray(energy_ev, dtype=float)
    require_positive(effective_mass=effective_mass, broadening_ev=broadening_ev)
    k2 = HBAR2_2M0_EV_NM2 / effective_mass  # ħ²/(2m) [eV nm²]
    if dimensionality == 3:
        return np.where(e > 0, (1 / (2 * math.pi**2)) * k2**-1.5 * np.sqrt(np.clip(e, 0, None)), 0)
    if dimensionality not in (2, 1, 0):
        raise ParameterError(f"dimensionality must be 3, 2, 1 or 0, got {dimensionality!r}")
    if size_nm is None:
        raise ParameterError(f"size_nm is required for a {dimensionality}D density of states")
    require_positive(size_nm=size_nm)
    n_conf = 3 - dimensionality
    ns = np.arange(1, max_level + 1)
    grids = np.meshgrid(*([ns] * n_conf), indexing="ij")
    levels = k2 * math.pi**2 / size_nm**2 * sum(g.ravel() ** 2 for g in grids)
    de = e[..., None] - levels
    if dimensionality == 2:
        return (1 / (2 * math.pi * k2) * (de >= 0)).sum(-1)
    if dimensionality == 1:
        safe = np.where(de > 0, np.maximum(de, broadening_ev), np.inf)
        return (1 / math.pi * k2**-0.5 * safe**-0.5).sum(-1)
    gauss = np.exp(-0.5 * (de / broadening_ev) ** 2) / (broadening_ev * math.sqrt(2 * math.pi))
    return 2 * gauss.sum(-1)
