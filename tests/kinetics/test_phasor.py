"""Phasor analysis against the analytic phasor of exponential decays."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

from heterolab.errors import ParameterError
from heterolab.kinetics.decay_models import exp_conv_irf
from heterolab.kinetics.trpl.batch import gaussian_irf_histogram
from heterolab.kinetics.trpl.phasor import (
    apparent_lifetimes,
    phasor_analysis,
    phasor_coordinates,
    single_exponential_phasor,
)

N_BINS, DT = 512, 0.025  # ns; window 12.8 ns = one period of a 78.125 MHz laser
T = np.arange(N_BINS) * DT
PERIOD = N_BINS * DT
F_MHZ = 1e3 / PERIOD


def periodic_exponential(tau: float) -> np.ndarray:
    """Bin-integrated counts of exp(-t/tau) repeated every period (steady state of the laser)."""
    edges = np.append(T, T[-1] + DT)
    cdf = -tau * np.exp(-edges / tau)
    return np.diff(cdf) / (1 - math.exp(-PERIOD / tau))


@pytest.mark.parametrize("tau", [0.5, 2.0, 4.0])
def test_single_exponential_lies_on_the_analytic_semicircle(tau):
    _, g, s = phasor_coordinates(periodic_exponential(tau) * 1e4, time=T)
    g0, s0 = single_exponential_phasor(tau, F_MHZ)
    # a bin-integrated histogram differs from the continuous phasor by sinc(w dt / 2) ~ 1 - 3e-5
    assert g == pytest.approx(g0, abs=2e-4) and s == pytest.approx(s0, abs=2e-4)
    tau_phi, tau_m = apparent_lifetimes(g, s, F_MHZ)
    assert tau_phi == pytest.approx(tau, rel=1e-3) and tau_m == pytest.approx(tau, rel=1e-3)
    assert g0 == pytest.approx(1 / (1 + (2 * math.pi * F_MHZ * 1e-3 * tau) ** 2))


def test_irf_calibration_removes_instrument_delay_and_width():
    tau = 2.0
    irf = gaussian_irf_histogram(T, 3.0, 0.3)  # delayed, broad instrument response
    decay = exp_conv_irf(T, tau, irf, period=PERIOD)
    rng = np.random.default_rng(1)
    img = rng.poisson(decay / decay.sum() * 5e3, size=(8, 8, N_BINS)).astype(float)
    da = xr.DataArray(img, dims=("y", "x", "time"), coords={"time": ("time", T, {"units": "ns"})})
    raw = phasor_analysis(da)
    assert raw.warnings and "not calibrated" in raw.warnings[0]
    assert abs(raw.derived["tau_phase"].value - tau) > 1.0  # the 3 ns delay rotates the phasor
    r = phasor_analysis(da, reference=irf[None, :] * 1e5, reference_lifetime_ns=0.0)
    assert r.statistics["calibrated"]
    for name in ("tau_phase", "tau_modulation"):
        q = r.derived[name]
        assert q.value == pytest.approx(tau, abs=4 * q.stderr + 0.01), name
    assert r.curves["g"].dims == ("y", "x")
    # pixel scatter of the phasor matches its reported error of the mean
    n = img.shape[0] * img.shape[1]
    assert r.parameters["g"].stderr == pytest.approx(
        np.nanstd(r.curves["g"].values) / np.sqrt(n), rel=0.2
    )


def test_reference_dye_calibration_and_mixture_inside_the_semicircle():
    tau_ref, taus, fractions = 4.0, np.array([0.5, 3.0]), np.array([0.5, 0.5])
    irf = gaussian_irf_histogram(T, 1.0, 0.2)
    ref = exp_conv_irf(T, tau_ref, irf, period=PERIOD)
    mix = fractions @ exp_conv_irf(T, taus, irf, period=PERIOD)
    r = phasor_analysis(
        mix[None, :] * 1e4, time=T, reference=ref[None, :] * 1e4, reference_lifetime_ns=tau_ref
    )
    from phasorpy.lifetime import phasor_from_lifetime

    g0, s0 = phasor_from_lifetime(F_MHZ, taus, fractions, preexponential=True)
    assert r.parameters["g"].value == pytest.approx(float(g0), abs=2e-3)
    assert r.parameters["s"].value == pytest.approx(float(s0), abs=2e-3)
    g, s = r.parameters["g"].value, r.parameters["s"].value
    assert (g - 0.5) ** 2 + s**2 < 0.25  # a mixture lies inside the universal semicircle
    assert r.derived["tau_phase"].value < r.derived["tau_modulation"].value


def test_bad_input_raises():
    with pytest.raises(ParameterError, match="harmonic must be an integer >= 1"):
        phasor_coordinates(np.ones(8), time=np.arange(8.0), harmonic=0)
    with pytest.raises(ParameterError, match="frequency_mhz must be > 0"):
        phasor_coordinates(np.ones(8), time=np.arange(8.0), frequency_mhz=-1.0)
    with pytest.raises(ParameterError, match="time axis has 7 values but the decays have 8 bins"):
        phasor_coordinates(np.ones(8), time=np.arange(7.0))
    r = phasor_analysis(np.zeros((2, 8)), time=np.arange(8.0))
    assert not r.ok and "no decay has photons" in r.message
