"""Peak areas on a Tougaard background, against spectra built here from Tougaard's equation.

Generator (not heterolab's loss integral): the measured spectrum j obeys
``j(E) = F(E) + B ∫_{E'<E} K(E − E') j(E') dE'`` with the universal cross-section
K(T) = T/(C + T²)², C = 1643 eV² (Tougaard, Surf. Interface Anal. 11, 453 (1988)), the
primary F a flat level extending far below the window plus a Voigt doublet of known area.
The flat part is solved analytically (j_flat = F_flat/(1 − B/(2C)), ∫₀^∞K = 1/(2C)); the
peaks' part by forward substitution with the trapezoid rule on a grid 5× finer than the data,
from 30 eV below the window. Poisson noise. The peak areas of the fit are compared with the
primary doublet's area (including its tails outside the window).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import voigt_profile

from heterolab.io.spectra import make_photoemission_spectrum
from heterolab.structure.xps import Component, fit_xps

pytest.importorskip("lmfitxps")  # the structure extra

C_UNIVERSAL = 1643.0  # eV²
LEVELS = {"Pb 4f": (4.87, 0.75), "Ti 2p": (5.54, 0.5), "Ag 3d": (6.00, 2 / 3), "W 4f": (2.18, 0.75)}
N_CASES = 40


def _voigt(x, c, g, lor):
    return voigt_profile(x - c, g / (2 * math.sqrt(2 * math.log(2))), max(lor, 1e-9) / 2)


def _tougaard_spectrum(e, primary, flat, b, fine=5):
    """j = F + B∫K j on the data grid ``e`` (binding energy, ascending) for
    F = ``flat`` + ``primary(E)``."""
    de = (e[1] - e[0]) / fine
    ef = np.arange(e[0] - 30.0, e[-1] + de / 2, de)
    p = primary(ef)
    t = np.arange(ef.size) * de
    kern = t / (C_UNIVERSAL + t * t) ** 2 * de  # K(0) = 0: j_i does not enter its own sum
    jp = np.zeros_like(ef)
    for i in range(ef.size):
        s = float(np.dot(kern[i:0:-1], jp[:i])) - 0.5 * kern[i] * jp[0] if i else 0.0
        jp[i] = p[i] + b * s
    return np.interp(e, ef, jp) + flat / (1 - b / (2 * C_UNIVERSAL))


def _case(rng):
    level = list(LEVELS)[rng.integers(len(LEVELS))]
    split, ratio = LEVELS[level]
    g, lor = rng.uniform(0.6, 1.6), rng.uniform(0.05, 0.4)
    height = 10 ** rng.uniform(3, 5.5)
    pos0, dx = rng.uniform(50, 900), rng.uniform(0.03, 0.1)
    e = np.arange(pos0 - 5 * g - 3, pos0 + split + 5 * g + rng.uniform(4, 15), dx)
    area = height / _voigt(0.0, 0.0, g, lor) * (1 + ratio)

    def primary(x):
        return (
            area / (1 + ratio) * (_voigt(x, pos0, g, lor) + ratio * _voigt(x, pos0 + split, g, lor))
        )

    j = _tougaard_spectrum(e, primary, height * rng.uniform(0.02, 0.5), rng.uniform(300, 2866))
    spec = make_photoemission_spectrum(
        e, rng.poisson(j).astype(float), "binding_energy", photon_energy=None
    )
    comp = Component(
        "c0",
        pos0 + rng.uniform(-0.3, 0.3),
        level=level,
        fwhm=g * rng.uniform(0.85, 1.2),
        lorentz=0.2,
    )
    return spec, comp, area


@pytest.fixture(scope="module")
def fits():
    """Relative area error, z, status and message of each background mode on the same 40
    spectra."""
    rng = np.random.default_rng(20)
    out = {k: ([], [], [], []) for k in ("tougaard", "active_tougaard", "active_tougaard_extend0")}
    for _ in range(N_CASES):
        spec, comp, area = _case(rng)
        for key, kw in (
            ("tougaard", {"background_kind": "tougaard"}),
            ("active_tougaard", {"background_kind": "active_tougaard"}),
            ("active_tougaard_extend0", {"background_kind": "active_tougaard", "extend": 0.0}),
        ):
            r = fit_xps(spec, [comp], **kw)
            q = r["c0_area"]
            rel, z, status, msg = out[key]
            rel.append(q.value / area - 1)
            z.append((q.value - area) / q.stderr)
            status.append(r.status)
            msg.append(r.message)
    return {k: (np.array(a), np.array(b), s, m) for k, (a, b, s, m) in out.items()}


def _summary(fits, key):
    rel, z, status, _ = fits[key]
    s = {
        "ok": status.count("ok"),
        "mean_rel": float(rel.mean()),
        "sd_rel": float(rel.std(ddof=1)),
        "mean_z2": float(np.mean(z**2)),
        "max_abs_z": float(np.abs(z).max()),
    }
    print(key, s)
    return s


@pytest.mark.parametrize("key", ["tougaard", "active_tougaard"])
def test_tougaard_areas_are_unbiased_and_their_errors_honest(fits, key):
    """Both modes: ok, areas within 4 errors, mean z² within 0.7–1.5 (sd ≈ 0.22 for 40 normal
    z) and the mean relative error within 3 standard errors of the mean (≤ 1 %).

    Was: the active mode integrated the data from the window's first channel, so the flat
    level's own losses rose across the window (level · ∫₀^(E−E₀) K) instead of being the
    constant they are when that level continues below the window: areas −0.7 % (−1.6 % with
    extend = 30 eV), mean z² 5–18, and 0.6–1.4 % away from the fixed mode on the same data."""
    s = _summary(fits, key)
    # the fixed mode's end levels carry counting noise: at high counts its χ² flags the
    # misfit (suspect, with the reason); the z statistics cover every case, ok or not
    assert s["ok"] >= (30 if key == "tougaard" else N_CASES - 2), s
    assert all(m for st, m in zip(fits[key][2], fits[key][3], strict=True) if st != "ok")
    assert s["max_abs_z"] <= 4.0, s
    assert 0.7 <= s["mean_z2"] <= 1.5, s
    assert abs(s["mean_rel"]) <= min(3 * s["sd_rel"] / math.sqrt(N_CASES), 0.01), s


def test_fixed_and_active_tougaard_agree_on_the_same_spectra(fits):
    """The refined mode is the fixed one with B and the offset fitted: on average their areas
    agree within 0.5 % (the fixed mode pins B to 5 channels at the window's high end, whose
    counting noise and the peaks' Lorentzian tail there make it 2–4× less precise)."""
    diff = fits["tougaard"][0] - fits["active_tougaard"][0]
    print({"mean_diff": float(diff.mean()), "sd_diff": float(diff.std(ddof=1))})
    assert abs(diff.mean()) < 0.005


def test_finite_extension_is_lmfitxps_model_and_biased_low(fits):
    """extend = 0 (lmfitxps's TougaardBG default) keeps the truncation: areas low by more
    than 3 standard errors of the mean — the reason the default is an indefinite extension."""
    rel = fits["active_tougaard_extend0"][0]
    assert rel.mean() < -3 * rel.std(ddof=1) / math.sqrt(N_CASES)
