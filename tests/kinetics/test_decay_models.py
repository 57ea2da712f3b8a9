"""Kernels of the kinetics engine against brute-force numerical convolution."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import erfc, ndtr

from heterolab.errors import ParameterError
from heterolab.kinetics.decay_models import (
    _binned_irf_convolution,
    exp_conv_gaussian,
    exp_conv_gaussian_binned,
    exp_conv_irf,
    fwhm_to_sigma,
    shift_histogram,
    sigma_to_fwhm,
    step_conv_gaussian,
)


def _brute_gauss_conv(t, tau, t0, sigma, n=100001):
    """Direct numerical convolution on a fine grid (trapezoid rule)."""
    s = np.linspace(0.0, 40 * tau if np.isfinite(tau) else 60 * sigma + t.max(), n)
    decay = np.exp(-s / tau) if np.isfinite(tau) else np.ones_like(s)
    g = np.exp(-0.5 * ((t[:, None] - t0 - s[None, :]) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))
    return np.trapezoid(g * decay[None, :], s, axis=1)


@pytest.mark.parametrize(("tau", "sigma"), [(2.0, 0.1), (0.05, 0.2), (1.0, 1.0), (10.0, 0.01)])
def test_gaussian_kernel_matches_numerical_convolution(tau, sigma):
    t = np.linspace(-1.0, 6.0, 57)
    exact = _brute_gauss_conv(t, tau, 0.3, sigma)
    got = exp_conv_gaussian(t, tau, 0.3, sigma)
    np.testing.assert_allclose(got, exact, rtol=2e-4, atol=1e-7 * exact.max())


def test_gaussian_kernel_is_stable_in_extreme_regimes():
    t = np.array([-50.0, 0.0, 1e3, 1e5])
    with np.errstate(all="raise"):
        short = exp_conv_gaussian(t, 1e-4, 0.0, 1.0)  # tau << sigma: tends to tau * gaussian
        late = exp_conv_gaussian(t, 0.5, 0.0, 0.01)  # t - t0 >> tau: underflows to 0, no nan
    assert np.all(np.isfinite(short)) and np.all(np.isfinite(late))
    gauss0 = 1e-4 / np.sqrt(2 * np.pi)
    assert short[1] == pytest.approx(gauss0, rel=2e-4)
    assert late[2] == 0.0


def test_gaussian_kernel_integrates_to_tau_and_inf_is_step():
    t = np.linspace(-5, 200, 100001)
    for tau in (0.3, 3.0, 17.0):
        assert np.trapezoid(exp_conv_gaussian(t, tau, 0.0, 0.4), t) == pytest.approx(tau, rel=1e-5)
    np.testing.assert_allclose(
        exp_conv_gaussian(t[:1000], np.inf, 0.0, 0.4), step_conv_gaussian(t[:1000], 0.0, 0.4)
    )


def test_broadcasting_over_components_and_chirped_t0():
    t = np.linspace(0, 5, 11)
    taus = np.array([[0.5], [2.0]])
    assert exp_conv_gaussian(t, taus, 1.0, 0.1).shape == (2, 11)
    t0 = np.array([[0.9], [1.1], [1.3]])  # one time zero per wavelength
    assert exp_conv_gaussian(t, 2.0, t0, 0.1).shape == (3, 11)


def test_binned_kernel_is_the_bin_average():
    edges = np.linspace(-0.5, 3.0, 15)
    fine = np.linspace(edges[0], edges[-1], 14 * 2000 + 1)
    dens = exp_conv_gaussian(fine, 0.08, 0.2, 0.05)
    expected = [
        np.trapezoid(dens[i * 2000 : (i + 1) * 2000 + 1], fine[i * 2000 : (i + 1) * 2000 + 1])
        / (edges[i + 1] - edges[i])
        for i in range(14)
    ]
    np.testing.assert_allclose(
        exp_conv_gaussian_binned(edges, 0.08, 0.2, 0.05), expected, rtol=1e-5, atol=1e-9
    )


def _continuous_truth(t, tau, t0, sigma):
    """Bin averages of a continuous Gaussian IRF convolved with exp(-t/tau): differences of
    the antiderivative tau [Phi(u) - f(t)], f the closed-form convolution (erfc form)."""
    edges = np.append(t, t[-1] + (t[1] - t[0]))
    u = edges - t0
    f = (
        0.5
        * np.exp(sigma**2 / (2 * tau**2) - u / tau)
        * erfc((sigma**2 / tau - u) / (np.sqrt(2) * sigma))
    )
    return np.diff(tau * (ndtr(u / sigma) - f)) / (t[1] - t[0])


@pytest.mark.parametrize("tau", [0.05, 0.3, 5.0])
@pytest.mark.parametrize("shift_bins", [0.0, 0.37, -1.6])
def test_measured_irf_kernel_matches_continuous_irf_convolution(tau, shift_bins):
    """The binned IRF (3.4 bins FWHM) reconvolved must reproduce the convolution with the
    continuous IRF it was binned from, for fractional shifts too; the staircase model of the
    same histogram is off by ~1 % of the peak."""
    delta, sigma, t0 = 0.02, 0.068 / 2.3548, 0.8
    t = np.arange(96) * delta
    edges = np.append(t, t[-1] + delta)
    measured_at = t0 - shift_bins * delta
    irf = np.diff(ndtr((edges - measured_at) / sigma))
    got = exp_conv_irf(t, tau, irf, shift_bins * delta)
    truth = _continuous_truth(t, tau, t0, sigma)
    np.testing.assert_allclose(got, truth, rtol=0, atol=3e-3 * truth.max())
    staircase = _binned_irf_convolution(np.roll(irf, 0) / irf.sum(), tau, delta)
    if shift_bins == 0.0 and tau < 1:
        assert np.abs(staircase - truth).max() > 4 * np.abs(got - truth).max()


def test_measured_irf_kernel_conserves_area():
    delta = 0.01
    t = np.arange(4000) * delta
    irf = np.zeros_like(t)
    irf[10:14] = [1, 4, 3, 1]
    for tau in (0.003, 0.2, 2.0):
        assert exp_conv_irf(t, tau, irf).sum() * delta == pytest.approx(tau, rel=1e-6)


def test_earlier_pulse_tails_equal_explicit_sum_over_pulses():
    delta, n, period_bins = 0.1, 100, 125
    t = np.arange(n) * delta
    irf = np.exp(-0.5 * ((t - 1.0) / 0.1) ** 2)
    tau = 6.0
    # explicit: single-pulse response on a long window, folded over 40 periods
    long_n = period_bins * 40
    t_long = np.arange(long_n) * delta
    irf_long = np.zeros(long_n)
    irf_long[:n] = irf
    single = exp_conv_irf(t_long, tau, irf_long)
    folded = sum(single[k * period_bins : k * period_bins + n] for k in range(40))
    got = exp_conv_irf(t, tau, irf, period=period_bins * delta)
    np.testing.assert_allclose(got, folded, rtol=1e-9)


def test_shift_histogram_conserves_and_matches_integer_roll():
    h = np.array([0, 0, 1.0, 3.0, 2.0, 0, 0, 0])
    np.testing.assert_allclose(shift_histogram(h, 2.0), np.roll(h, 2))
    half = shift_histogram(h, 0.5)
    assert half.sum() == pytest.approx(h.sum())
    np.testing.assert_allclose(half[2:6], [0.5, 2.0, 2.5, 1.0])


def test_exp_conv_irf_rejects_bad_input_with_clear_messages():
    t = np.arange(10.0)
    with pytest.raises(ParameterError, match="IRF has 5 bins but the time axis has 10"):
        exp_conv_irf(t, 1.0, np.ones(5))
    with pytest.raises(ParameterError, match="not all zero"):
        exp_conv_irf(t, 1.0, np.zeros(10))
    with pytest.raises(ParameterError, match="shorter than the time window"):
        exp_conv_irf(t, 1.0, np.ones(10), period=5.0)
    with pytest.raises(ParameterError, match="lifetimes must be > 0"):
        exp_conv_irf(t, -1.0, np.ones(10))


def test_fwhm_sigma_round_trip():
    assert sigma_to_fwhm(1.0) == pytest.approx(2.354820045)
    assert fwhm_to_sigma(sigma_to_fwhm(0.37)) == pytest.approx(0.37)


def test_stretched_exp_integral_reduces_to_the_exponential_and_gives_the_mean():
    from scipy.special import gamma

    from heterolab.kinetics.decay_models import stretched_exp_binned, stretched_exp_integral

    s = np.array([0.0, 0.5, 2.0, 10.0])
    np.testing.assert_allclose(stretched_exp_integral(s, 2.0, 1.0), 2.0 * (1 - np.exp(-s / 2.0)))
    # total area = mean lifetime (tau/beta) Gamma(1/beta) (Lindsey & Patterson 1980)
    assert stretched_exp_integral(1e6, 1.5, 0.5) == pytest.approx(1.5 / 0.5 * gamma(2.0))
    fine = np.linspace(0, 0.1, 20001)
    avg = np.trapezoid(np.exp(-((fine / 0.7) ** 0.6)), fine) / 0.1
    assert stretched_exp_binned(3, 0.1, 0.7, 0.6)[0] == pytest.approx(avg, rel=1e-6)


def test_gaussian_histogram_is_the_binned_unit_area_gaussian():
    from heterolab.kinetics.decay_models import gaussian_histogram

    t = np.arange(400) * 0.01
    h = gaussian_histogram(t, 2.0, 0.1)
    assert h.sum() == pytest.approx(1.0, abs=1e-12)
    centres = t + 0.005
    assert np.sum(h * centres) == pytest.approx(2.0, abs=1e-9)
    assert np.sqrt(np.sum(h * (centres - 2.0) ** 2) - 0.01**2 / 12) == pytest.approx(0.1, rel=1e-4)
