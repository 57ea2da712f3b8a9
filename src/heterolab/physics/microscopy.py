"""Electron and light microscopy resolution (thesis §2.10, Eq. 2-6; spec P-20).

Lengths in metres unless the name says otherwise. Thesis errata implemented corrected: the
Rayleigh criterion is d = 0.61 λ/(n sin α) (printed "0.61 sin λα"); C_s α³ is the
Gaussian-image-plane radius, the disk of least confusion is 0.25 C_s α³ (Eq. 2-6 calls C_s α³
the minimum); bromobenzene has n_D = 1.560 (1.66 is 1-bromonaphthalene).
"""

from __future__ import annotations

import math
from typing import Literal

from heterolab.errors import ParameterError
from heterolab.physics._checks import require_positive
from heterolab.units import C_LIGHT, E_CHARGE, H_PLANCK, M_E

__all__ = [
    "chromatic_aberration_radius",
    "electron_wavelength_pm",
    "rayleigh_resolution_nm",
    "scherzer_defocus",
    "scherzer_resolution",
    "spherical_aberration_radius",
]


def electron_wavelength_pm(accelerating_voltage_v: float) -> float:
    """Relativistic electron wavelength λ = h / √(2 m0 e V (1 + eV/(2 m0 c²))) [pm].

    100 kV → 3.701 pm, 200 kV → 2.508 pm, 300 kV → 1.969 pm (Williams & Carter,
    *Transmission Electron Microscopy*, 2nd ed. (2009), Table 1.2; thesis §2.10 quotes
    0.037 and 0.019 Å).
    """
    require_positive(accelerating_voltage_v=accelerating_voltage_v)
    ev = E_CHARGE * accelerating_voltage_v
    p = math.sqrt(2 * M_E * ev * (1 + ev / (2 * M_E * C_LIGHT**2)))
    return H_PLANCK / p * 1e12


def rayleigh_resolution_nm(
    wavelength_nm: float, refractive_index: float, half_angle_deg: float
) -> float:
    """Rayleigh resolution d = 0.61 λ / (n sin α) [nm] of a light microscope (thesis §2.10).

    Example: λ = 365 nm, α = 72°, bromobenzene (n_D 1.560) → 150 nm; 1-bromonaphthalene
    (n_D 1.658) → 141 nm (spec verification V18).
    """
    require_positive(wavelength_nm=wavelength_nm, refractive_index=refractive_index)
    if not 0 < half_angle_deg <= 90:
        raise ParameterError(f"half angle must lie in (0, 90] degrees, got {half_angle_deg}")
    return 0.61 * wavelength_nm / (refractive_index * math.sin(math.radians(half_angle_deg)))


def spherical_aberration_radius(
    cs: float, alpha_rad: float, plane: Literal["gaussian", "least_confusion"] = "least_confusion"
) -> float:
    """Blur radius from spherical aberration [m]: C_s α³ in the Gaussian image plane, or
    0.25 C_s α³ for the disk of least confusion (Williams & Carter 2009, §6.6; thesis Eq. 2-6
    erratum)."""
    require_positive(cs=cs, alpha_rad=alpha_rad)
    if plane == "gaussian":
        return cs * alpha_rad**3
    if plane == "least_confusion":
        return 0.25 * cs * alpha_rad**3
    raise ParameterError(f"plane must be 'gaussian' or 'least_confusion', got {plane!r}")


def chromatic_aberration_radius(
    cc: float, alpha_rad: float, energy_spread_ev: float, beam_energy_ev: float
) -> float:
    """Blur radius from chromatic aberration r_c = C_c α ΔE/E0 [m] (Williams & Carter 2009).

    Thesis §2.10.1: ΔE = 0.3–0.5 eV (cold FEG), 0.6–0.8 eV (Schottky).
    """
    require_positive(
        cc=cc, alpha_rad=alpha_rad, energy_spread_ev=energy_spread_ev, beam_energy_ev=beam_energy_ev
    )
    return cc * alpha_rad * energy_spread_ev / beam_energy_ev


def scherzer_resolution(cs: float, wavelength: float) -> float:
    """Scherzer point resolution 0.66 C_s^{1/4} λ^{3/4} [m] (Scherzer, J. Appl. Phys. 20, 20
    (1949)). 300 kV, C_s = 1 mm → 1.95 Å (thesis: "1.9 Å")."""
    require_positive(cs=cs, wavelength=wavelength)
    return 0.66 * cs**0.25 * wavelength**0.75


def scherzer_defocus(cs: float, wavelength: float) -> float:
    """Scherzer defocus Δf = −1.2 (C_s λ)^{1/2} [m] (Williams & Carter 2009, §28.7)."""
    require_positive(cs=cs, wavelength=wavelength)
    return -1.2 * math.sqrt(cs * wavelength)
