"""Background, masks, chirp estimation/correction and SVD rank on synthetic matrices."""

from __future__ import annotations

import numpy as np
import pytest
from helpers_ta import gaussian_band, synthetic_matrix

from heterolab.errors import ParameterError
from heterolab.io import read
from heterolab.kinetics.ta.preprocess import (
    chirp_delay,
    correct_chirp,
    estimate_chirp,
    mask_wavelengths,
    read_chirp_file,
    subtract_background,
    svd_analysis,
)
from shared_paths import shared_file

T = np.concatenate([np.linspace(-2, 4, 151), np.geomspace(4.2, 500, 60)])
WL = np.linspace(450, 750, 61)


def _three_species(
    noise: float = 2e-5, chirp: np.ndarray | float = 0.3, seed: int = 7, broad: bool = False
):
    k = np.array([[-2.0, 0, 0], [2.0, -0.1, 0], [0, 0.1, -0.005]])
    first = gaussian_band(WL, 600, 300, -0.01) if broad else gaussian_band(WL, 500, 40, -0.01)
    s = np.stack([first, gaussian_band(WL, 600, 50, 0.006), gaussian_band(WL, 680, 40, -0.004)])
    return synthetic_matrix(k, np.array([1.0, 0, 0]), s, T, WL, chirp, 0.07, noise, seed)


def test_svd_counts_three_components() -> None:
    res = svd_analysis(_three_species())
    assert res.statistics["n_significant"] == 3
    s = res.curves["singular_values"].values
    assert s[2] > 10 * s[3]


def test_chirp_estimate_recovers_polynomial_and_correction_aligns_onsets() -> None:
    true = np.array([2e-6, -1e-3, 0.4])  # polyval order, ps
    da = _three_species(
        noise=1e-5, chirp=chirp_delay(true, WL), broad=True
    )  # signal onset at every λ
    res = estimate_chirp(da, order=2, window=(-2, 3))
    coef = [res.value(f"c{i}") for i in range(3)]
    est = chirp_delay(coef, WL)
    # the onset at half maximum lags time zero by a constant; its wavelength dependence is the chirp
    resid = est - chirp_delay(true, WL)
    assert np.ptp(resid) < 0.03  # ps, over a 0.42 ps chirp span
    corrected = correct_chirp(da, true)
    again = estimate_chirp(corrected, order=2, window=(-2, 3))
    assert np.ptp(again.curves["polynomial"].values) < 0.03


def test_background_and_mask() -> None:
    da = _three_species() + 0.002
    out = subtract_background(da, before=-0.5)
    assert abs(float(out.sel(time=slice(-2, -0.5)).mean())) < 1e-5
    masked = mask_wavelengths(out, [(590, 610)])
    assert not ((masked["wavelength"] >= 590) & (masked["wavelength"] <= 610)).any()
    with pytest.raises(ParameterError, match="no delay before -5 ps"):
        subtract_background(da, before=-5)


def test_kimopack_chirp_file() -> None:
    coef = read_chirp_file(
        shared_file("ta", "kimopack_ru_dppz_acn", "TA_Ru-dppz_400nm_ACN_chirp.dat")
    )
    assert coef.size == 5
    da = read(shared_file("ta", "kimopack_ru_dppz_acn", "TA_Ru-dppz_400nm_ACN.SIA"), kind="ta")
    est = estimate_chirp(
        mask_wavelengths(da.sel(time=slice(-3, 5)), [(380, 405)]), order=3, window=(-3, 5)
    )
    wl = est.curves["polynomial"]["wavelength"].values
    # our onset-based time zero follows KiMoPack's chirp curve up to a constant offset
    diff = est.curves["polynomial"].values - chirp_delay(coef, wl)
    assert np.std(diff) < 0.15


def test_one_chirp_convention_polyval_round_trip_and_fit_basis() -> None:
    """Issue #8: estimation, correction and a fit's dispersion share one basis (550 nm,
    100 nm); a KiMoPack polyval file converts exactly."""
    from heterolab.kinetics.ta.model import Chirp, IrfSpec
    from heterolab.kinetics.ta.preprocess import chirp_from_result

    poly = np.array([2e-6, -1e-3, 0.4])
    ch = Chirp.from_polyval(poly)
    assert ch.reference == 550.0 and ch.scale == 100.0
    np.testing.assert_allclose(ch.delay(WL), np.polyval(poly, WL), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ch.polyval(), poly, rtol=1e-9, atol=1e-15)
    da = _three_species(noise=1e-5, chirp=ch.delay(WL), broad=True)
    est = chirp_from_result(estimate_chirp(da, order=2, window=(-2, 3)))
    irf = IrfSpec("c", "w", ["d1", "d2"])
    values = {"c": est.t0, "d1": est.dispersion[0], "d2": est.dispersion[1]}
    np.testing.assert_allclose(irf.centers(WL, values), est.delay(WL), atol=1e-12)
    np.testing.assert_allclose(
        correct_chirp(da, est).values, correct_chirp(da, est.polyval()).values
    )
