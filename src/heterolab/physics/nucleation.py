"""Classical nucleation and growth of colloidal nanocrystals (thesis §1.1.1, §1.1.3).

Pure functions in SI units: radii [m], γ interfacial energy [J m⁻²], V_m molar volume
[m³ mol⁻¹], concentrations [mol m⁻³], D diffusion coefficient [m² s⁻¹], k surface rate
constant [m s⁻¹], T [K], S supersaturation [1]. Spec items P-01, P-04 to P-07.

Thesis errata implemented corrected (spec P-04, P-06): the nucleation exponent is
ΔG_N/(k_B T) (ΔG_N is per nucleus; the thesis prints RT), dΔG/dr = 4πr²ΔG_v + 8πrγ
(the thesis repeats ΔG), and r_c = −2γ/ΔG_v.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from heterolab._linefit import fit_line
from heterolab.errors import ParameterError
from heterolab.physics._checks import require_positive, scalar_or_array
from heterolab.result import Quantity, Result, make_provenance
from heterolab.units import K_B, K_B_EV, N_A

__all__ = [
    "GrowthRegime",
    "capillary_length",
    "critical_free_energy",
    "critical_radius",
    "critical_supersaturation",
    "damkohler_number",
    "fit_lsw_arrhenius",
    "gibbs_free_energy",
    "gibbs_thomson_solubility",
    "growth_rate",
    "growth_regime",
    "heterogeneous_factor",
    "lsw_mean_radius",
    "nucleation_rate",
    "nucleus_free_energy",
    "surface_concentration",
    "volume_free_energy",
]

#: Molar gas constant R = N_A k_B [J mol⁻¹ K⁻¹] (exact in the 2019 SI).
R_GAS: float = N_A * K_B


def _supersaturated(s: ArrayLike) -> None:
    if not np.all(np.asarray(s) > 1) or not np.all(np.isfinite(s)):
        raise ParameterError(
            f"supersaturation S must be > 1 for nucleation (S = {s!r}); at S <= 1 the "
            "nucleus never becomes stable"
        )


def gibbs_free_energy(delta_h: float, temperature: float, delta_s: float) -> float:
    """ΔG = ΔH − TΔS [J mol⁻¹] (thesis Eq. 1-5); the process is spontaneous if ΔG < 0."""
    require_positive(temperature=temperature)
    return delta_h - temperature * delta_s


def volume_free_energy(
    temperature: float, supersaturation: ArrayLike, molar_volume: float
) -> np.ndarray | float:
    """Free energy change per unit volume of crystal ΔG_v = −RT ln S / V_m [J m⁻³].

    Thesis Eq. 1-6 (§1.1.3.1); Thanh, Maclean & Mahiddine, Chem. Rev. 114, 7610 (2014).
    """
    require_positive(temperature=temperature, molar_volume=molar_volume)
    _supersaturated(supersaturation)
    return scalar_or_array(-R_GAS * temperature * np.log(supersaturation) / molar_volume)


def nucleus_free_energy(
    radius: ArrayLike,
    *,
    gamma: float,
    temperature: float,
    supersaturation: float,
    molar_volume: float,
) -> np.ndarray | float:
    """Free energy of a spherical nucleus ΔG(r) = (4/3)πr³ΔG_v + 4πr²γ [J] (thesis Eq. 1-6)."""
    r = np.asarray(radius, dtype=float)
    require_positive(gamma=gamma)
    gv = volume_free_energy(temperature, supersaturation, molar_volume)
    out = 4 / 3 * math.pi * r**3 * gv + 4 * math.pi * r**2 * gamma
    return scalar_or_array(out)


def critical_radius(
    *, gamma: float, temperature: float, supersaturation: ArrayLike, molar_volume: float
) -> np.ndarray | float:
    """Critical radius r_c = −2γ/ΔG_v = 2γV_m/(RT ln S) [m] (thesis Eq. 1-8, corrected).

    Examples
    --------
    Water droplet at 293 K, S = 4 (γ = 0.0728 J m⁻², V_m = 18.0 cm³ mol⁻¹): r_c ≈ 0.78 nm.

    >>> round(critical_radius(gamma=0.0728, temperature=293, supersaturation=4,
    ...                       molar_volume=1.8e-5) * 1e9, 2)
    0.78
    """
    require_positive(gamma=gamma)
    return scalar_or_array(
        -2 * gamma / volume_free_energy(temperature, supersaturation, molar_volume)
    )


def critical_free_energy(
    *, gamma: float, temperature: float, supersaturation: ArrayLike, molar_volume: float
) -> np.ndarray | float:
    """Nucleation barrier ΔG_c = 16πγ³V_m² / (3 (RT ln S)²) = 16πγ³/(3ΔG_v²) [J per nucleus].

    Thesis Eqs. 1-4 and 1-8 (spec P-04, P-06; Mullin, *Crystallization*, 4th ed. (2001), §5.1).
    """
    require_positive(gamma=gamma)
    gv = volume_free_energy(temperature, supersaturation, molar_volume)
    return scalar_or_array(16 * math.pi * gamma**3 / (3 * gv**2))


def nucleation_rate(
    *,
    prefactor: float,
    gamma: float,
    temperature: float,
    supersaturation: ArrayLike,
    molar_volume: float,
) -> np.ndarray | float:
    """Homogeneous nucleation rate dN/dt = A exp(−ΔG_c/(k_B T)) [m⁻³ s⁻¹] (thesis Eq. 1-4).

    **Thesis erratum**: the thesis divides by RT; ΔG_c is per nucleus so k_B T is required.
    ``prefactor`` A [m⁻³ s⁻¹].
    """
    require_positive(prefactor=prefactor)
    dg = critical_free_energy(
        gamma=gamma,
        temperature=temperature,
        supersaturation=supersaturation,
        molar_volume=molar_volume,
    )
    return scalar_or_array(prefactor * np.exp(-dg / (K_B * temperature)))


def critical_supersaturation(
    target_rate: float, *, prefactor: float, gamma: float, temperature: float, molar_volume: float
) -> float:
    """Supersaturation at which the nucleation rate reaches ``target_rate`` [1].

    Inverts Eq. 1-4 analytically: ln²S = 16πγ³V_m² / (3 (RT)² k_B T ln(A/J)).
    """
    require_positive(
        target_rate=target_rate,
        prefactor=prefactor,
        gamma=gamma,
        temperature=temperature,
        molar_volume=molar_volume,
    )
    if target_rate >= prefactor:
        raise ParameterError(
            f"target rate {target_rate:g} must be below the prefactor A = {prefactor:g} m^-3 s^-1"
        )
    rt = R_GAS * temperature
    ln2 = (
        16
        * math.pi
        * gamma**3
        * molar_volume**2
        / (3 * rt**2 * K_B * temperature * math.log(prefactor / target_rate))
    )
    return math.exp(math.sqrt(ln2))


def heterogeneous_factor(contact_angle_deg: ArrayLike) -> np.ndarray | float:
    """Volmer factor f(θ) = (2 + cos θ)(1 − cos θ)²/4 with ΔG_het = f(θ) ΔG_c [1].

    Mullin, *Crystallization* (2001), §5.2; thesis §1.1.3.1 (qualitative). f(0°) = 0,
    f(90°) = 1/2, f(180°) = 1.
    """
    th = np.asarray(contact_angle_deg, dtype=float)
    if np.any(th < 0) or np.any(th > 180):
        raise ParameterError(
            f"contact angle must lie in [0, 180] degrees, got {contact_angle_deg!r}"
        )
    c = np.cos(np.radians(th))
    out = (2 + c) * (1 - c) ** 2 / 4
    return scalar_or_array(out)


def gibbs_thomson_solubility(
    radius: ArrayLike,
    *,
    bulk_solubility: float,
    gamma: float,
    molar_volume: float,
    temperature: float,
) -> np.ndarray | float:
    """Solubility of a particle of radius r: C_r = C_∞ exp(2γV_m/(r R T)) [mol m⁻³].

    Gibbs–Thomson relation (spec P-07; Talapin et al., J. Phys. Chem. B 105, 12278 (2001)).
    """
    r = np.asarray(radius, dtype=float)
    require_positive(radius=r, bulk_solubility=bulk_solubility, temperature=temperature)
    out = bulk_solubility * np.exp(2 * gamma * molar_volume / (r * R_GAS * temperature))
    return scalar_or_array(out)


def capillary_length(
    *, gamma: float, molar_volume: float, bulk_solubility: float, temperature: float
) -> float:
    """α = 2σV_m²C_∞/(RT) [m] of the LSW law (spec P-01; the thesis calls α "surface energy")."""
    require_positive(
        gamma=gamma,
        molar_volume=molar_volume,
        bulk_solubility=bulk_solubility,
        temperature=temperature,
    )
    return 2 * gamma * molar_volume**2 * bulk_solubility / (R_GAS * temperature)


def surface_concentration(
    *,
    bulk: float,
    particle_solubility: float,
    diffusion: float,
    rate_constant: float,
    radius: float,
    layer_thickness: float = math.inf,
) -> float:
    """Monomer concentration at the particle surface C_s [mol m⁻³] (thesis Eqs. 1-10 to 1-12).

    Equating the diffusion flux through a layer δ, J = 4πDr(r + δ)/δ (C_b − C_s) (Eq. 1-10), and
    the surface-reaction flux J = 4πr²k(C_s − C_r) (Eq. 1-11) gives
    (C_s − C_r)/(C_b − C_s) = D/(kr) (1 + r/δ) (Eq. 1-12; the thesis says "1-9 and 1-10"),
    i.e. C_s = (C_r + Q C_b)/(1 + Q) with Q = D(1 + r/δ)/(k r).
    """
    require_positive(diffusion=diffusion, rate_constant=rate_constant, radius=radius)
    if not layer_thickness > 0:
        raise ParameterError(
            f"diffusion-layer thickness must be > 0 (inf allowed), got {layer_thickness}"
        )
    q = diffusion * (1 + radius / layer_thickness) / (rate_constant * radius)
    return (particle_solubility + q * bulk) / (1 + q)


def damkohler_number(
    rate_constant: float, radius: ArrayLike, diffusion: float
) -> np.ndarray | float:
    """Da = k r / D [1]: ≫ 1 diffusion-limited, ≪ 1 reaction-limited (spec P-07)."""
    require_positive(rate_constant=rate_constant, diffusion=diffusion)
    return scalar_or_array(rate_constant * np.asarray(radius, dtype=float) / diffusion)


GrowthRegime = Literal["diffusion", "reaction", "mixed"]


def growth_regime(
    rate_constant: float,
    radius: float,
    diffusion: float,
    *,
    upper: float = 10.0,
    lower: float = 0.1,
) -> str:
    """Classify growth as ``"diffusion"``-limited (Da ≥ upper), ``"reaction"``-limited
    (Da ≤ lower) or ``"mixed"`` (spec P-07; Sugimoto, Adv. Colloid Interface Sci. 28, 65 (1987))."""
    if not 0 < lower < upper:
        raise ParameterError(f"need 0 < lower < upper, got lower = {lower}, upper = {upper}")
    da = float(damkohler_number(rate_constant, radius, diffusion))
    if da >= upper:
        return "diffusion"
    if da <= lower:
        return "reaction"
    return "mixed"


def growth_rate(
    radius: ArrayLike,
    *,
    bulk: float,
    bulk_solubility: float,
    gamma: float,
    molar_volume: float,
    temperature: float,
    diffusion: float = math.inf,
    rate_constant: float = math.inf,
    regime: GrowthRegime = "mixed",
) -> np.ndarray | float:
    """Radial growth rate dr/dt [m s⁻¹] of particles in a monomer bath of concentration ``bulk``.

    With C_r the Gibbs–Thomson solubility (δ → ∞; Sugimoto 1987; Talapin et al., J. Phys.
    Chem. B 105, 12278 (2001)):

    - ``"diffusion"``: dr/dt = D V_m (C_b − C_r)/r
    - ``"reaction"``: dr/dt = k V_m (C_b − C_r)
    - ``"mixed"``: dr/dt = D V_m (C_b − C_r)/(r + D/k) (reduces to the other two for k → ∞
      or D → ∞).

    Negative values mean dissolution (Ostwald ripening of particles below the critical size).
    """
    r = np.asarray(radius, dtype=float)
    c_r = gibbs_thomson_solubility(
        r,
        bulk_solubility=bulk_solubility,
        gamma=gamma,
        molar_volume=molar_volume,
        temperature=temperature,
    )
    drive = molar_volume * (bulk - c_r)
    if regime == "diffusion":
        require_positive(diffusion=diffusion)
        out = diffusion * drive / r
    elif regime == "reaction":
        require_positive(rate_constant=rate_constant)
        out = rate_constant * drive * np.ones_like(r)
    elif regime == "mixed":
        if math.isinf(diffusion) and math.isinf(rate_constant):
            raise ParameterError("mixed growth needs a finite diffusion or rate_constant")
        if math.isinf(diffusion):
            out = rate_constant * drive * np.ones_like(r)
        else:
            require_positive(diffusion=diffusion, rate_constant=rate_constant)
            out = diffusion * drive / (r + diffusion / rate_constant)
    else:
        raise ParameterError(
            f"unknown growth regime {regime!r}; choose 'diffusion', 'reaction' or 'mixed'"
        )
    return scalar_or_array(out)


def lsw_mean_radius(
    time_s: ArrayLike,
    *,
    alpha: float,
    d0: float,
    activation_energy_ev: float,
    temperature: ArrayLike,
    initial_radius: float = 0.0,
) -> np.ndarray | float:
    """Mean radius during diffusion-limited Ostwald ripening [m] (thesis Eq. 1-1, spec P-01).

    ā³ − ā₀³ = (4/9) α D(T) t with D(T) = D₀ exp(−ΔE/k_B T) (Lifshitz & Slyozov, J. Phys. Chem.
    Solids 19, 35 (1961); Wagner, Z. Elektrochem. 65, 581 (1961); Ekimov's form, thesis §1.1.1).
    The thesis omits ā₀ (``initial_radius=0``), exact only for ā ≫ ā₀.

    Parameters
    ----------
    alpha
        Capillary length α [m] (:func:`capillary_length`).
    d0
        Diffusion prefactor D₀ [m² s⁻¹].
    activation_energy_ev
        ΔE [eV].
    """
    t = np.asarray(time_s, dtype=float)
    require_positive(alpha=alpha, d0=d0, temperature=temperature)
    if np.any(t < 0) or initial_radius < 0:
        raise ParameterError("time and initial radius must be non-negative")
    d = d0 * np.exp(-activation_energy_ev / (K_B_EV * np.asarray(temperature, dtype=float)))
    out = np.cbrt(initial_radius**3 + 4 / 9 * alpha * d * t)
    return scalar_or_array(out)


def fit_lsw_arrhenius(
    time_s: ArrayLike,
    temperature: ArrayLike,
    mean_radius: ArrayLike,
    *,
    initial_radius: float = 0.0,
) -> Result:
    """Fit the LSW/Ekimov law to a (t, T, ā) series: rate constants per T, then Arrhenius.

    For each temperature, K(T) = (4/9) α D(T) is the slope of ā³ − ā₀³ against t; then
    ln K = ln((4/9) α D₀) − ΔE/(k_B T) is fitted against 1/T (spec P-01). α's own weak 1/T
    dependence is absorbed into the prefactor. Needs ≥ 2 times per temperature and ≥ 2
    temperatures; standard errors from the least-squares covariance (zero when a fit is exact).

    Returns
    -------
    Result
        ``kind="physics.lsw_fit"``; parameters ``activation_energy`` [eV] and
        ``prefactor`` (4/9)αD₀ [m³ s⁻¹]; derived ``rate_constant_<T>K`` [m³ s⁻¹].
    """
    t = np.asarray(time_s, dtype=float).ravel()
    temp = np.asarray(temperature, dtype=float).ravel()
    a = np.asarray(mean_radius, dtype=float).ravel()
    if not (t.size == temp.size == a.size):
        raise ParameterError(
            f"time, temperature and radius must have equal lengths, got {t.size}, {temp.size}, "
            f"{a.size}"
        )
    require_positive(temperature=temp, mean_radius=a)
    levels = np.unique(temp)
    if levels.size < 2:
        raise ParameterError("need at least two temperatures for the Arrhenius fit")
    ks, derived = [], {}
    for level in levels:
        sel = temp == level
        line = fit_line(t[sel], a[sel] ** 3 - initial_radius**3)
        if not line.slope > 2 * line.slope_err:  # includes slope <= 0 and NaN
            raise ParameterError(
                f"radius does not grow measurably with time at T = {level:g} K (slope of "
                f"a^3 against t {line.slope:.3g} ± {line.slope_err:.2g} m^3/s): no rate "
                "constant, no activation energy"
            )
        ks.append(line.slope)
        derived[f"rate_constant_{level:g}K"] = Quantity(line.slope, line.slope_err, "m^3/s")
    arr = fit_line(1 / levels, np.log(np.asarray(ks)))
    params = {
        "activation_energy": Quantity(-arr.slope * K_B_EV, arr.slope_err * K_B_EV, "eV"),
        "prefactor": Quantity(
            math.exp(arr.intercept), math.exp(arr.intercept) * arr.intercept_err, "m^3/s"
        ),
    }
    return Result(
        kind="physics.lsw_fit",
        parameters=params,
        derived=derived,
        statistics={"n_points": int(t.size), "n_temperatures": int(levels.size)},
        provenance=make_provenance([], {"initial_radius_m": initial_radius}),
    )
