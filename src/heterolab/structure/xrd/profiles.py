"""Powder line profiles in 2θ (pure functions) and the Kα1/Kα2 doublet geometry.

All profiles have unit area (in deg 2θ) times ``area`` and are parametrised by their full
width at half maximum ``fwhm`` (deg).

- Pseudo-Voigt: η L + (1 − η) G with a common FWHM (Wertheim et al., J. Electron Spectrosc.
  Relat. Phenom. 11, 1 (1977); the form used by lmfit's ``PseudoVoigtModel``).
- Pearson VII: [1 + 4 (2^{1/m} − 1) (x − x₀)²/w²]^{−m} (Hall et al., J. Appl. Cryst. 10,
  66 (1977)); m = 1 Lorentzian, m → ∞ Gaussian.
- Voigt: Gaussian ⊗ Lorentzian (``scipy.special.voigt_profile``), parametrised by its total
  FWHM f_V and ρ = f_L/(f_L + f_G); f_V = 0.5346 f_L + √(0.2166 f_L² + f_G²) (Olivero &
  Longbothum, J. Quant. Spectrosc. Radiat. Transfer 17, 233 (1977)), so the size (Lorentzian)
  and strain (Gaussian) parts of a line come out of the fit directly.
- Split pseudo-Voigt: a pseudo-Voigt whose half widths differ left and right of the maximum
  (Toraya, J. Appl. Cryst. 19, 440 (1986)), both halves with the same height at the maximum and
  the same η; parametrised by the total FWHM f = h_L + h_R and the asymmetry
  α = (h_R − h_L)/(h_R + h_L). Axial divergence makes low-angle lines tail to low 2θ (α < 0)
  and high-angle lines to high 2θ; a symmetric profile then puts the centre where the tail
  pulls it, by up to a few 0.001° on a laboratory diffractometer.
- Kα2 position from the same d: 2θ₂ = 2 arcsin((λ₂/λ₁) sin θ₁) (Bragg's law, Eq. 2-1).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import gammaln

from heterolab.structure.xrd.choices import Profile

__all__ = [
    "LIMIT_SHAPES",
    "MIXING_FRACTIONS",
    "PROFILES",
    "Profile",
    "kalpha2_position",
    "pearson7",
    "profile",
    "pseudo_voigt",
    "split_pseudo_voigt",
    "voigt",
    "voigt_split",
]


#: Profile names and the name of their shape parameter with its start and bounds.
PROFILES: dict[str, tuple[str, float, float, float]] = {
    "pseudo_voigt": ("eta", 0.5, 0.0, 1.0),
    "pearson7": ("m", 1.5, 0.6, 50.0),
    "voigt": ("rho", 0.5, 0.0, 1.0),
    "split_pseudo_voigt": ("eta", 0.5, 0.0, 1.0),
}

#: Profiles whose shape parameter is a Lorentzian mixing fraction (its symbol): the pseudo-Voigt
#: η and the Voigt ρ = f_L/(f_L + f_G). Their bounds 0 and 1 are physical limits, not fit
#: limits: a line at one of them is a pure Gaussian or a pure Lorentzian.
MIXING_FRACTIONS: dict[str, str] = {"pseudo_voigt": "η", "split_pseudo_voigt": "η", "voigt": "ρ"}

#: The line a mixing fraction at each of its limits describes.
LIMIT_SHAPES: dict[float, str] = {0.0: "pure Gaussian", 1.0: "pure Lorentzian"}

#: Profiles with a fifth parameter, the asymmetry α (start, min, max).
ASYMMETRY: dict[str, tuple[float, float, float]] = {"split_pseudo_voigt": (0.0, -0.8, 0.8)}


def n_profile_parameters(name: str) -> int:
    """Parameters per line: centre, area, FWHM, shape [, asymmetry]."""
    return 5 if name in ASYMMETRY else 4


_LN2 = math.log(2.0)


def pseudo_voigt(x: np.ndarray, center: float, area: float, fwhm: float, eta: float) -> np.ndarray:
    """Area-normalised pseudo-Voigt η L + (1 − η) G (counts·deg / deg → counts)."""
    dx = x - center
    hw = 0.5 * fwhm
    lor = hw / (math.pi * (dx * dx + hw * hw))
    sig = fwhm / (2.0 * math.sqrt(2.0 * _LN2))
    gau = np.exp(-0.5 * (dx / sig) ** 2) / (sig * math.sqrt(2.0 * math.pi))
    return area * (eta * lor + (1.0 - eta) * gau)


def split_pseudo_voigt(
    x: np.ndarray, center: float, area: float, fwhm: float, eta: float, asym: float
) -> np.ndarray:
    """Area-normalised split pseudo-Voigt: half widths h_L = f(1 − α)/2, h_R = f(1 + α)/2."""
    h_l = 0.5 * fwhm * (1.0 - asym)
    h_r = 0.5 * fwhm * (1.0 + asym)
    left = x < center
    # each side is the half of a pseudo-Voigt with FWHM 2h, scaled to the common height
    w = np.where(left, 2.0 * h_l, 2.0 * h_r)
    scale = np.where(left, h_l, h_r) * 2.0 / (h_l + h_r)
    dx = x - center
    hw = 0.5 * w
    lor = hw / (math.pi * (dx * dx + hw * hw))
    sig = w / (2.0 * math.sqrt(2.0 * _LN2))
    gau = np.exp(-0.5 * (dx / sig) ** 2) / (sig * math.sqrt(2.0 * math.pi))
    return area * scale * (eta * lor + (1.0 - eta) * gau)


def pearson7(x: np.ndarray, center: float, area: float, fwhm: float, m: float) -> np.ndarray:
    """Area-normalised Pearson VII with FWHM ``fwhm`` and exponent ``m`` (> 1/2)."""
    k = 2.0 ** (1.0 / m) - 1.0
    norm = (
        math.exp(gammaln(m) - gammaln(m - 0.5)) * 2.0 * math.sqrt(k) / (math.sqrt(math.pi) * fwhm)
    )
    return area * norm * (1.0 + 4.0 * k * ((x - center) / fwhm) ** 2) ** (-m)


def voigt_split(fwhm: float, rho: float) -> tuple[float, float]:
    """(f_L, f_G) of a Voigt with total FWHM ``fwhm`` and ρ = f_L/(f_L + f_G) (Olivero 1977)."""
    scale = fwhm / (0.5346 * rho + math.sqrt(0.2166 * rho * rho + (1.0 - rho) ** 2))
    return rho * scale, (1.0 - rho) * scale


def voigt(x: np.ndarray, center: float, area: float, fwhm: float, rho: float) -> np.ndarray:
    """Area-normalised Voigt with total FWHM ``fwhm`` and Lorentzian fraction ``rho``."""
    from scipy.special import voigt_profile

    f_l, f_g = voigt_split(fwhm, rho)
    sigma = max(f_g, 1e-12 * fwhm) / (2.0 * math.sqrt(2.0 * _LN2))
    return area * voigt_profile(x - center, sigma, 0.5 * f_l)


def profile(
    name: str,
    x: np.ndarray,
    center: float,
    area: float,
    fwhm: float,
    shape: float,
    asym: float = 0.0,
) -> np.ndarray:
    """Profile ``name`` (``"pseudo_voigt"``, ``"split_pseudo_voigt"``, ``"pearson7"`` or
    ``"voigt"``) at ``x``."""
    if name == "split_pseudo_voigt":
        return split_pseudo_voigt(x, center, area, fwhm, shape, asym)
    if name == "pseudo_voigt":
        return pseudo_voigt(x, center, area, fwhm, shape)
    if name == "voigt":
        return voigt(x, center, area, fwhm, shape)
    return pearson7(x, center, area, fwhm, shape)


def kalpha2_position(two_theta1_deg: float | np.ndarray, lambda_ratio: float) -> np.ndarray:
    """2θ of the Kα2 line (deg) of the reflection whose Kα1 line is at ``two_theta1_deg``.

    ``lambda_ratio`` = λ(Kα2)/λ(Kα1). NaN where the Kα2 line does not exist (sin > 1).
    """
    s = lambda_ratio * np.sin(np.radians(np.asarray(two_theta1_deg, dtype=float) / 2.0))
    with np.errstate(invalid="ignore"):
        return np.degrees(2.0 * np.arcsin(np.where(s < 1.0, s, np.nan)))
