"""One point-noise estimate for spectra: temperature series and d²S/dE² noise share it."""

from __future__ import annotations

import numpy as np
import pytest

from heterolab.io.spectra import make_spectrum
from heterolab.spectroscopy import spectra, temperature


def test_temperature_and_spectra_use_one_noise_estimate():
    assert temperature.noise_sigma is spectra.noise_sigma


@pytest.mark.parametrize("sigma", [0.01, 3.0])
def test_noise_sigma_recovers_white_noise_under_a_smooth_peak(sigma):
    rng = np.random.default_rng(11)
    e = np.linspace(1.5, 2.5, 4001)
    signal = 100 * np.exp(-(((e - 2.0) / 0.1) ** 2))  # smooth on the point spacing
    est = spectra.noise_sigma(signal + rng.normal(0, sigma, e.size))
    assert est == pytest.approx(sigma, rel=0.06)  # MAD of 4000 points: ~2 % standard error


def test_second_derivative_noise_matches_the_scatter_of_pure_noise():
    """attrs["noise"] = σ √Σc² equals the sample spread of d² of white noise (σ known)."""
    rng = np.random.default_rng(12)
    e = np.linspace(1.5, 2.5, 2001)
    s = make_spectrum(e, 5.0 + rng.normal(0, 0.2, e.size), "energy", units="OD")
    d2 = spectra.second_derivative(s, window_ev=0.02, step_ev=e[1] - e[0])
    inner = d2.values[50:-50]
    assert d2.attrs["noise"] == pytest.approx(inner.std(), rel=0.1)
