"""Simulated powder X-ray diffraction patterns of cubic crystals with size and strain broadening.

Intensity of the reflections with ``N = h² + k² + l²`` (all symmetry-equivalent and
accidentally coincident hkl of a cubic cell share one d-spacing ``d = a/√N``) is

.. math::

    I_N \\propto \\mathrm{LP}(\\theta)\\sum_{h^2+k^2+l^2=N}|F_{hkl}|^2,\\quad
    F_{hkl} = \\sum_j f_j(s)\\,e^{-B s^2}\\,e^{2\\pi i (h x_j + k y_j + l z_j)},\\quad
    s = \\sin\\theta/\\lambda,

with the Lorentz–polarisation factor for an unpolarised beam
``LP = (1 + cos² 2θ)/(sin² θ cos θ)`` (Cullity & Stock, *Elements of X-ray Diffraction*, 3rd ed.
2001, §4-9) and neutral-atom form factors ``f(s) = Σ_{i=1}^{4} a_i exp(-b_i s²) + c`` (Cromer–
Mann coefficients of *International Tables for Crystallography* Vol. C (1992), Table 6.1.1.4).
Each reflection is a Voigt profile in 2θ: a Lorentzian of FWHM ``K λ/(L cos θ)`` from the
crystallite size L (Scherrer, Nachr. Ges. Wiss. Göttingen 1918, 98; K = 0.9) convolved with a
Gaussian combining microstrain ``4 ε tan θ`` (Williamson & Hall, Acta Metall. 1, 22 (1953); ε the
apparent strain Δd/d) and the instrumental width. A uniform lattice strain scales ``a`` and
shifts the peaks (thesis §3.3.1, Fig. 3-7). Counts are Poisson-sampled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike

from heterolab.errors import ParameterError
from heterolab.simulate._common import (
    float_vector,
    noisy_counts,
    positive,
    simulated_array,
    voigt_peak,
)

__all__ = [
    "CROMER_MANN",
    "CSPBBR3_CUBIC",
    "CU_KALPHA1_A",
    "CU_KALPHA2_A",
    "PBS_ROCKSALT",
    "Crystal",
    "Phase",
    "atomic_form_factor",
    "reflections",
    "simulate_xrd",
]

CU_KALPHA1_A = 1.540562  # Å, Hölzer et al., Phys. Rev. A 56, 4554 (1997)
CU_KALPHA2_A = 1.544390  # Å, same source
_KALPHA2_RATIO = 0.5  # I(Kα2)/I(Kα1), e.g. Cullity & Stock 2001, Appendix

# (a1..a4, b1..b4, c): International Tables for Crystallography Vol. C (1992), Table 6.1.1.4
CROMER_MANN: dict[str, tuple[tuple[float, ...], tuple[float, ...], float]] = {
    "S": ((6.9053, 5.2034, 1.4379, 1.5863), (1.4679, 22.2151, 0.2536, 56.172), 0.8669),
    "Br": ((17.1789, 5.2358, 5.6377, 3.9851), (2.1723, 16.5796, 0.2609, 41.4328), 2.9557),
    "Cs": ((20.3892, 19.1062, 10.662, 1.4953), (3.569, 0.3107, 24.3879, 213.904), 3.3352),
    "Pb": ((31.0617, 13.0637, 18.442, 5.9696), (0.6902, 2.3576, 8.618, 47.2579), 13.4118),
}


def atomic_form_factor(element: str, s: ArrayLike) -> np.ndarray:
    """X-ray form factor f(s) of a neutral atom, s = sin θ / λ in 1/Å (Cromer–Mann, ITC C)."""
    if element not in CROMER_MANN:
        raise ParameterError(
            f"no form-factor coefficients for element {element!r}; known: {sorted(CROMER_MANN)}"
        )
    a, b, c = CROMER_MANN[element]
    s2 = np.asarray(s, dtype=float) ** 2
    return c + sum(ai * np.exp(-bi * s2) for ai, bi in zip(a, b, strict=True))


@dataclass(frozen=True)
class Crystal:
    """A cubic crystal: lattice constant (Å), basis of (element, fractional x, y, z), B (Å²)."""

    name: str
    a_angstrom: float
    basis: tuple[tuple[str, float, float, float], ...]
    b_iso: float = 1.0


_FCC = ((0.0, 0.0, 0.0), (0.0, 0.5, 0.5), (0.5, 0.0, 0.5), (0.5, 0.5, 0.0))

# Pm-3m: Cs 1a, Pb 1b, Br 3c; a = 5.874 Å reproduces the thesis' PDF#01-075-0412 peaks (spec V9)
CSPBBR3_CUBIC = Crystal(
    "CsPbBr3",
    5.874,
    (
        ("Cs", 0.0, 0.0, 0.0),
        ("Pb", 0.5, 0.5, 0.5),
        ("Br", 0.0, 0.5, 0.5),
        ("Br", 0.5, 0.0, 0.5),
        ("Br", 0.5, 0.5, 0.0),
    ),
)
# Fm-3m galena: Pb 4a, S 4b; a = 5.9362 Å (COD 9008694, Wyckoff 1963)
PBS_ROCKSALT = Crystal(
    "PbS",
    5.9362,
    tuple(("Pb", *p) for p in _FCC) + tuple(("S", x + 0.5, y, z) for x, y, z in _FCC),
)


@dataclass(frozen=True)
class Phase:
    """One phase of a powder: crystal, scale (relative), size (nm), microstrain, lattice strain."""

    crystal: Crystal
    scale: float = 1.0
    size_nm: float = 20.0
    microstrain: float = 0.0
    lattice_strain: float = 0.0


def reflections(
    crystal: Crystal,
    *,
    wavelength_angstrom: float = CU_KALPHA1_A,
    two_theta_max: float = 90.0,
    lattice_strain: float = 0.0,
) -> list[dict[str, Any]]:
    """Allowed reflections of a cubic crystal up to ``two_theta_max`` (deg) with intensities.

    Returns
    -------
    list of dict
        Sorted by angle: ``hkl`` (representative, h >= k >= l >= 0), ``N``, ``d_angstrom``,
        ``two_theta``, ``multiplicity``, ``F2_sum`` (Σ|F|² over coincident hkl, electrons²),
        ``lp``, ``intensity`` (relative, strongest = 100).
    """
    lam = positive("wavelength_angstrom", wavelength_angstrom)
    a = positive("a_angstrom", crystal.a_angstrom) * (1.0 + float(lattice_strain))
    n_max = int(np.floor((2 * a * np.sin(np.radians(min(two_theta_max, 179.9)) / 2) / lam) ** 2))
    hmax = int(np.floor(np.sqrt(n_max)))
    rng = np.arange(-hmax, hmax + 1)
    h, k, l = (g.ravel() for g in np.meshgrid(rng, rng, rng, indexing="ij"))
    n = h**2 + k**2 + l**2
    keep = (n > 0) & (n <= n_max)
    h, k, l, n = h[keep], k[keep], l[keep], n[keep]
    d = a / np.sqrt(n)
    s = 1.0 / (2.0 * d)
    elements = [b[0] for b in crystal.basis]
    xyz = np.array([b[1:] for b in crystal.basis], dtype=float)
    phase = np.exp(
        2j * np.pi * (np.outer(h, xyz[:, 0]) + np.outer(k, xyz[:, 1]) + np.outer(l, xyz[:, 2]))
    )
    f = np.stack([atomic_form_factor(el, s) for el in elements], axis=1)
    f = f * np.exp(-crystal.b_iso * s[:, None] ** 2)
    f2 = np.abs(np.sum(f * phase, axis=1)) ** 2
    out = []
    for value in np.unique(n):
        sel = n == value
        total = float(f2[sel].sum())
        if total < 1e-6 * max(1.0, float(f2.max())):
            continue  # systematically absent
        d_n = a / np.sqrt(value)
        theta = np.arcsin(lam / (2 * d_n))
        lp = (1 + np.cos(2 * theta) ** 2) / (np.sin(theta) ** 2 * np.cos(theta))
        rep = sorted((abs(int(x)) for x in (h[sel][0], k[sel][0], l[sel][0])), reverse=True)
        out.append(
            {
                "hkl": "".join(str(x) for x in rep),
                "N": int(value),
                "d_angstrom": float(d_n),
                "two_theta": float(np.degrees(2 * theta)),
                "multiplicity": int(sel.sum()),
                "F2_sum": total,
                "lp": float(lp),
                "intensity": total * float(lp),
            }
        )
    top = max((r["intensity"] for r in out), default=1.0)
    for r in out:
        r["intensity"] = 100.0 * r["intensity"] / top
    return out


def _fwhm_deg(
    two_theta: float,
    lam: float,
    size_nm: float,
    microstrain: float,
    instrument_fwhm_deg: float,
    shape_factor: float,
) -> tuple[float, float]:
    """(Lorentzian size FWHM, Gaussian strain ⊕ instrument FWHM) in degrees 2θ."""
    theta = np.radians(two_theta / 2)
    beta_size = shape_factor * lam / (size_nm * 10.0 * np.cos(theta))  # rad, L in Å
    beta_strain = 4.0 * microstrain * np.tan(theta)
    beta_g = np.hypot(beta_strain, np.radians(instrument_fwhm_deg))
    return float(np.degrees(beta_size)), float(np.degrees(beta_g))


def simulate_xrd(
    two_theta: ArrayLike,
    phases: list[Phase],
    *,
    wavelength_angstrom: float = CU_KALPHA1_A,
    kalpha2: bool = False,
    instrument_fwhm_deg: float = 0.05,
    shape_factor: float = 0.9,
    peak_counts: float = 1e4,
    background_counts: float = 50.0,
    noise: bool = True,
    seed: int | np.random.Generator | None = None,
) -> tuple[xr.DataArray, dict[str, Any]]:
    """Powder pattern (counts vs 2θ in degrees) of a mixture of cubic phases.

    Parameters
    ----------
    two_theta
        Diffraction angles (deg).
    phases
        Phases with relative ``scale``, crystallite ``size_nm``, ``microstrain`` (ε) and uniform
        ``lattice_strain`` (Δa/a).
    wavelength_angstrom, kalpha2
        Radiation; with ``kalpha2`` a Cu Kα2 line at half intensity is added.
    instrument_fwhm_deg
        Gaussian instrumental FWHM (deg 2θ).
    shape_factor
        Scherrer constant K.
    peak_counts
        Expected counts at the maximum of the strongest reflection of a unit-scale phase
        before broadening normalisation (sets the counting statistics).
    background_counts
        Flat background (counts per point).

    Returns
    -------
    (xarray.DataArray, dict)
        ``intensity`` (counts) with dims ``("two_theta",)`` (deg) and truth with each phase's
        reflections (``two_theta``, ``d_angstrom``, FWHMs of the size and strain parts).
    """
    tt = float_vector("two_theta", two_theta)
    if np.any((tt <= 0) | (tt >= 180)):
        raise ParameterError("two_theta must lie in (0, 180) degrees")
    if not phases:
        raise ParameterError("at least one phase is required")
    lam1 = positive("wavelength_angstrom", wavelength_angstrom)
    lines = [(lam1, 1.0)] + ([(CU_KALPHA2_A, _KALPHA2_RATIO)] if kalpha2 else [])
    pattern = np.zeros_like(tt)
    truth_phases = {}
    for ph in phases:
        positive(f"size_nm of {ph.crystal.name}", ph.size_nm)
        positive(f"microstrain of {ph.crystal.name}", ph.microstrain, allow_zero=True)
        refl = reflections(
            ph.crystal,
            wavelength_angstrom=lam1,
            two_theta_max=float(tt.max()) + 5,
            lattice_strain=ph.lattice_strain,
        )
        for r in refl:
            fl, fg = _fwhm_deg(
                r["two_theta"], lam1, ph.size_nm, ph.microstrain, instrument_fwhm_deg, shape_factor
            )
            r["fwhm_size_deg"], r["fwhm_gauss_deg"] = fl, fg
            for lam, weight in lines:
                ratio = lam / (2 * r["d_angstrom"])
                if ratio >= 1:
                    continue
                centre = float(np.degrees(2 * np.arcsin(ratio)))
                prof = voigt_peak(tt, centre, fg, fl)
                pattern += ph.scale * weight * r["intensity"] / 100.0 * prof
        truth_phases[ph.crystal.name] = {
            "a_angstrom": ph.crystal.a_angstrom * (1 + ph.lattice_strain),
            "size_nm": ph.size_nm,
            "microstrain": ph.microstrain,
            "lattice_strain": ph.lattice_strain,
            "scale": ph.scale,
            "reflections": refl,
        }
    # a profile of unit area peaks at ~1/FWHM; scale so a 0.1-deg-wide unit peak has peak_counts
    expected = positive("peak_counts", peak_counts) * 0.1 * pattern + positive(
        "background_counts", background_counts, allow_zero=True
    )
    counts = noisy_counts(expected, noise=noise, seed=seed)
    da = simulated_array(
        counts,
        {"two_theta": (tt, "deg")},
        name="intensity",
        units="counts",
        wavelength_angstrom=lam1,
    )
    truth = {
        "kind": "xrd.pattern",
        "wavelength_angstrom": lam1,
        "kalpha2": kalpha2,
        "instrument_fwhm_deg": instrument_fwhm_deg,
        "shape_factor": shape_factor,
        "phases": truth_phases,
    }
    return da, truth
