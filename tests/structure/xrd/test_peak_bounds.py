"""A peak fit whose free line parameter ends on a bound is suspect, and says which parameter and
which bound. Lines generated here (Gaussian, Lorentzian and Voigt formulas written out or from
scipy), seeded: a pure Gaussian fitted with a free Lorentzian fraction drives the fraction to
its lower bound 0, a pure Lorentzian drives the pseudo-Voigt η to its upper bound 1; a line
that is genuinely mixed keeps its fraction inside and the fit stays ok."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import voigt_profile

from heterolab.arrays import pattern_dataarray
from heterolab.structure.xrd import fit_peaks

X = np.arange(20.0, 40.0, 0.01)


def _line_case(rng: np.random.Generator) -> tuple[float, float, float]:
    """Random centre (deg), FWHM (deg) and area (counts·deg) of one line."""
    return (
        float(rng.uniform(26.0, 34.0)),
        float(rng.uniform(0.15, 0.5)),
        float(np.exp(rng.uniform(np.log(500.0), np.log(5000.0)))),
    )


def _gaussian(center: float, fwhm: float, area: float) -> np.ndarray:
    sig = fwhm / (2.0 * math.sqrt(2.0 * math.log(2.0)))
    return area * np.exp(-0.5 * ((X - center) / sig) ** 2) / (sig * math.sqrt(2.0 * math.pi))


def _lorentzian(center: float, fwhm: float, area: float) -> np.ndarray:
    hw = 0.5 * fwhm
    return area * hw / (math.pi * ((X - center) ** 2 + hw * hw))


def _noise_free(y: np.ndarray):
    """A noise-free pattern on a floor of 20 counts with Poisson-sized σ (so that the fit is
    not pulled off the limiting shape by noise)."""
    lam = 20.0 + y
    return pattern_dataarray(X, lam, sigma=np.sqrt(lam), wavelength_angstrom=1.5406)


@pytest.mark.parametrize(
    ("profile", "engine", "shape", "side", "bound", "generator"),
    [
        ("voigt", "fast", "rho", "lower", "0", _gaussian),
        ("pseudo_voigt", "fast", "eta", "lower", "0", _gaussian),
        ("pseudo_voigt", "lmfit", "eta", "lower", "0", _gaussian),
        ("pseudo_voigt", "fast", "eta", "upper", "1", _lorentzian),
        ("pseudo_voigt", "lmfit", "eta", "upper", "1", _lorentzian),
    ],
)
def test_shape_fraction_at_its_bound_is_suspect_and_named(
    profile: str, engine: str, shape: str, side: str, bound: str, generator
) -> None:
    rng = np.random.default_rng(11)
    for _ in range(3):
        center, fwhm, area = _line_case(rng)
        res = fit_peaks(
            _noise_free(generator(center, fwhm, area)),
            profile_name=profile,
            engine=engine,
            kalpha2=False,
        )
        assert res.value("p01.center") == pytest.approx(center, abs=1e-3)
        assert res.status == "suspect", res.message
        assert f"p01.{shape} at its {side} bound {bound}" in res.message


def test_genuinely_mixed_voigt_lines_stay_ok() -> None:
    """Voigt lines with ρ = f_L/(f_L + f_G) in 0.3–0.7 and Poisson counts: the fitted ρ is
    inside (0, 1) and the fit is ok."""
    rng = np.random.default_rng(5)
    for _ in range(4):
        center, _, area = _line_case(rng)
        f_l, f_g = float(rng.uniform(0.08, 0.2)), float(rng.uniform(0.08, 0.2))
        sig = f_g / (2.0 * math.sqrt(2.0 * math.log(2.0)))
        lam = 20.0 + area * voigt_profile(X - center, sig, 0.5 * f_l)
        pat = pattern_dataarray(X, rng.poisson(lam).astype(float), wavelength_angstrom=1.5406)
        res = fit_peaks(pat, profile_name="voigt", kalpha2=False)
        assert res.status == "ok", res.message
        assert 0.05 < res.value("p01.rho") < 0.95
