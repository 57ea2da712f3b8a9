"""Free line parameters on a bound. A mixing fraction (pseudo-Voigt η, Voigt ρ) at 0 or 1 is a
pure Gaussian or pure Lorentzian line, a legitimate result: the line is refitted with the
fraction fixed at the limit (stderr None), the result stays ok and its warnings say so, and
the other parameters' errors are those of the limiting model. Any other parameter on a bound
(centre, width) still makes the fit suspect, naming parameter, side and bound.

Lines generated here (Gaussian, Lorentzian formulas written out, Voigt from scipy), seeded,
with Poisson counts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import voigt_profile

from heterolab.arrays import pattern_dataarray
from heterolab.structure.xrd import fit_peaks
from heterolab.structure.xrd.profiles import LIMIT_SHAPES, MIXING_FRACTIONS, PROFILES

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


def _counts(y: np.ndarray, rng: np.random.Generator):
    """Poisson counts of ``y`` on a floor of 20 counts, as a pattern (σ = √max(I, 1))."""
    return pattern_dataarray(X, rng.poisson(20.0 + y).astype(float), wavelength_angstrom=1.5406)


def _noise_free(y: np.ndarray):
    lam = 20.0 + y
    return pattern_dataarray(X, lam, sigma=np.sqrt(lam), wavelength_angstrom=1.5406)


def test_mixing_fractions_are_the_shape_parameters_bounded_by_0_and_1() -> None:
    for name, symbol in MIXING_FRACTIONS.items():
        shape, _start, low, high = PROFILES[name]
        assert (shape, low, high) == ({"η": "eta", "ρ": "rho"}[symbol], 0.0, 1.0)
    assert "pearson7" not in MIXING_FRACTIONS


@pytest.mark.parametrize(
    ("profile", "engine", "shape", "limit", "generator"),
    [
        ("voigt", "fast", "rho", 0.0, _gaussian),
        ("pseudo_voigt", "fast", "eta", 0.0, _gaussian),
        ("pseudo_voigt", "lmfit", "eta", 0.0, _gaussian),
        ("split_pseudo_voigt", "fast", "eta", 0.0, _gaussian),
        ("pseudo_voigt", "fast", "eta", 1.0, _lorentzian),
        ("pseudo_voigt", "lmfit", "eta", 1.0, _lorentzian),
        ("voigt", "fast", "rho", 1.0, _lorentzian),
    ],
)
def test_fraction_at_its_limit_is_fixed_there_and_noted(
    profile: str, engine: str, shape: str, limit: float, generator
) -> None:
    """Pure lines with Poisson counts: where the fraction ends at its limit (about half of
    them) it is reported exactly there without an error, with a warning naming it, and the
    centre, width and area lie within 4 of their errors of the truth; elsewhere it stays near
    the limit and free. The fit is ok either way."""
    rng = np.random.default_rng(11)
    symbol = MIXING_FRACTIONS[profile]
    n_limit = 0
    for _ in range(10):
        center, fwhm, area = _line_case(rng)
        res = fit_peaks(
            _counts(generator(center, fwhm, area), rng),
            profile_name=profile,
            engine=engine,
            kalpha2=False,
        )
        assert res.status == "ok", res.message
        q = res.parameters[f"p01.{shape}"]
        if q.stderr is None:
            n_limit += 1
            assert q.value == limit
            assert res.warnings == [
                f"p01: {symbol} at its limit {limit:g} — fitted as a {LIMIT_SHAPES[limit]}"
            ]
            for key, truth in (("center", center), ("fwhm", fwhm), ("area", area)):
                p = res.parameters[f"p01.{key}"]
                assert p.stderr is not None and p.stderr > 0
                assert abs(p.value - truth) < 4 * p.stderr, (key, p, truth)
        else:
            assert abs(q.value - limit) < 0.15 and res.warnings == []
    assert n_limit >= 3


def test_noise_free_pure_lines_come_back_exactly_at_the_limit() -> None:
    """Noise-free: the fraction is driven onto its limit every time, the refit leaves it
    there and recovers the line."""
    rng = np.random.default_rng(4)
    for generator, limit in ((_gaussian, 0.0), (_lorentzian, 1.0)):
        center, fwhm, area = _line_case(rng)
        res = fit_peaks(_noise_free(generator(center, fwhm, area)), kalpha2=False)
        assert res.status == "ok", res.message
        assert res.parameters["p01.eta"].value == limit
        assert res.parameters["p01.eta"].stderr is None
        assert res.value("p01.center") == pytest.approx(center, abs=1e-6)
        assert res.value("p01.fwhm") == pytest.approx(fwhm, rel=1e-5)
        assert res.value("p01.area") == pytest.approx(area, rel=1e-5)


@pytest.mark.parametrize("profile", ["pseudo_voigt", "voigt"])
def test_pure_gaussian_errors_are_honest_after_the_refit(profile: str) -> None:
    """Random pure Gaussian lines with Poisson counts fitted with a free fraction: over the
    lines whose fraction ended at 0 (and was refitted fixed there; ≥ 30 of 80) the width and
    area errors are honest (mean z² within 0.7–1.5)."""
    rng = np.random.default_rng(2026)
    shape = PROFILES[profile][0]
    z2: dict[str, list[float]] = {"fwhm": [], "area": []}
    for _ in range(80):
        center, fwhm, area = _line_case(rng)
        res = fit_peaks(
            _counts(_gaussian(center, fwhm, area), rng), profile_name=profile, kalpha2=False
        )
        assert res.status == "ok", res.message
        if res.parameters[f"p01.{shape}"].stderr is not None:
            continue
        for key, truth in (("fwhm", fwhm), ("area", area)):
            p = res.parameters[f"p01.{key}"]
            z2[key].append(((p.value - truth) / p.stderr) ** 2)
    assert len(z2["fwhm"]) >= 30
    for key, values in z2.items():
        assert 0.7 < float(np.mean(values)) < 1.5, (key, np.mean(values), len(values))


def test_genuinely_mixed_voigt_lines_stay_ok() -> None:
    """Voigt lines with ρ = f_L/(f_L + f_G) in 0.3–0.7 and Poisson counts: the fitted ρ is
    inside (0, 1), free (with an error), the fit is ok and has no warning."""
    rng = np.random.default_rng(5)
    for _ in range(4):
        center, _, area = _line_case(rng)
        f_l, f_g = float(rng.uniform(0.08, 0.2)), float(rng.uniform(0.08, 0.2))
        sig = f_g / (2.0 * math.sqrt(2.0 * math.log(2.0)))
        lam = 20.0 + area * voigt_profile(X - center, sig, 0.5 * f_l)
        pat = pattern_dataarray(X, rng.poisson(lam).astype(float), wavelength_angstrom=1.5406)
        res = fit_peaks(pat, profile_name="voigt", kalpha2=False)
        assert res.status == "ok", res.message
        assert res.warnings == []
        assert 0.05 < res.value("p01.rho") < 0.95
        assert res.parameters["p01.rho"].stderr > 0


def test_centre_on_its_bound_is_still_suspect_and_named() -> None:
    """A start position 0.5° off a line, with a start FWHM of 0.03° (centre bounds ±0.1°, no
    second pass that would start again where the first ended): the centre ends on its lower
    bound 30.4°."""
    res = fit_peaks(
        _noise_free(_gaussian(30.0, 0.3, 3000.0)),
        positions=[30.5],
        fwhm_start=0.03,
        window=40,
        kalpha2=False,
        background_pass=False,
    )
    assert res.status == "suspect"
    assert "p01.center at its lower bound 30.4;" in res.message


def test_width_on_its_bound_is_still_suspect_and_named() -> None:
    """A 2° wide line started at a FWHM of 0.02° (width bound 20 × 0.02 + 1 = 1.4°): the width
    ends on its upper bound."""
    res = fit_peaks(
        _noise_free(_gaussian(30.0, 2.0, 3000.0)),
        positions=[30.0],
        fwhm_start=0.02,
        window=200,
        background="none",
        kalpha2=False,
    )
    assert res.status == "suspect"
    assert "p01.fwhm at its upper bound 1.4" in res.message
