"""Very broad lines (crystallites of a few nm): Voigt doublets written here from
``scipy.special.voigt_profile`` and Bragg's law, Poisson counts. Lines 1–3° wide and 2–3° apart
overlap above their half maximum; the fit must start from a sensible width and recover every
line's width and Lorentzian fraction within its errors (it started at 10° before, broadened the
lines into the background and ended with χ²_red ≈ 116)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import voigt_profile

from heterolab.arrays import pattern_dataarray
from heterolab.structure.xrd import fit_peaks

L1, L2 = 1.5405929, 1.5444274
FWHM_TO_SIGMA = 1.0 / (2.0 * math.sqrt(2.0 * math.log(2.0)))


def _kalpha2(c1: float) -> float:
    return math.degrees(2 * math.asin(L2 / L1 * math.sin(math.radians(c1 / 2))))


def _olivero(f_l: float, f_g: float) -> float:
    return 0.5346 * f_l + math.sqrt(0.2166 * f_l * f_l + f_g * f_g)


def _broad_pattern(rng: np.random.Generator) -> tuple[object, list[tuple[float, float, float]]]:
    """Primitive cubic cell, size 4–8 nm (Lorentzian), strain 0–0.2 % (Gaussian) ⊕ 0.05°
    instrument; returns the pattern and (2θ, FWHM, ρ) of every Kα1 line."""
    size_nm = float(rng.uniform(4, 8))
    eps = float(rng.uniform(0, 0.002))
    a = float(rng.uniform(5.6, 6.2))
    height = math.exp(rng.uniform(math.log(3e3), math.log(3e4)))
    x = np.arange(10, 80, 0.02)
    y = np.full(x.size, 0.1 * height)
    lines = []
    for h2 in (1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12):
        t = 2 * math.degrees(math.asin(L1 * math.sqrt(h2) / (2 * a)))
        if t > 75:
            break
        th = math.radians(t / 2)
        f_l = math.degrees(0.9 * L1 / (size_nm * 10 * math.cos(th)))
        f_g = math.hypot(math.degrees(4 * eps * math.tan(th)), 0.05)
        for pos, share in ((t, 1.0), (_kalpha2(t), 0.5)):
            y = y + share * height * (f_l + f_g) * voigt_profile(
                x - pos, f_g * FWHM_TO_SIGMA, f_l / 2
            )
        lines.append((t, _olivero(f_l, f_g), f_l / (f_l + f_g)))
    pat = pattern_dataarray(
        x,
        rng.poisson(y).astype(float),
        wavelength_angstrom=L1,
        wavelength2_angstrom=L2,
        kalpha2_ratio=0.5,
    )
    return pat, lines


@pytest.mark.parametrize("seed", [3, 11])
def test_overlapping_broad_voigt_lines_within_their_errors(seed: int) -> None:
    pat, lines = _broad_pattern(np.random.default_rng(seed))
    res = fit_peaks(pat, profile_name="voigt")
    assert res.statistics["chi2_red"] < 1.2
    table = res.statistics["table"]
    found = np.array([row["two_theta"] for row in table])
    checked = n_free = 0
    for t, fwhm, rho in lines:
        if t < 10 + 3 * fwhm or t > 80 - 3 * fwhm:
            continue  # within 3 FWHM of an end: flagged, not judged here
        k = int(np.argmin(np.abs(found - t)))
        assert abs(found[k] - t) < 0.2 * fwhm
        tag = table[k]["peak"]
        q = res[f"{tag}.fwhm"]
        assert abs(q.value - fwhm) < 4.5 * q.stderr, (tag, "fwhm", q, fwhm)
        q = res[f"{tag}.rho"]
        if q.stderr is None:
            # ρ (true 0.94–0.97) at its limit 1: refitted as a pure Lorentzian, and noted
            assert q.value == 1.0
            assert f"{tag}: ρ at its limit 1 — fitted as a pure Lorentzian" in res.warnings
            assert rho > 0.9
        else:
            assert abs(q.value - rho) < 4.5 * q.stderr, (tag, "rho", q, rho)
            n_free += 1
        checked += 1
    assert n_free >= 4
    assert checked >= 6
