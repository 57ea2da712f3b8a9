"""One decay-input normaliser and one IRF argument for every TRPL fit (issue #8 rows 1-2)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from scipy.special import ndtr

from heterolab.arrays import as_decays, as_irf
from heterolab.errors import ParameterError
from heterolab.kinetics.trpl import fit_decay, fit_decays
from heterolab.kinetics.trpl.phasor import phasor_analysis
from heterolab.result import Quantity

DT = 0.05
T = np.arange(256) * DT
EDGES = np.append(T, T[-1] + DT)
IRF = np.diff(ndtr((EDGES - 1.0) / 0.06))


def _decay(tau: float = 2.0, total: float = 1e5) -> np.ndarray:
    """Noise-free decay: Gaussian IRF (sigma 0.06 ns at 1 ns) convolved with exp, per bin,
    by direct summation on a fine grid (independent of heterolab's kernels)."""
    fine = np.arange(256 * 50) * DT / 50
    dens = np.convolve(np.exp(-0.5 * ((fine - 1.0) / 0.06) ** 2), np.exp(-fine / tau))
    per_bin = dens[: fine.size].reshape(256, 50).sum(axis=1)
    return total * per_bin / per_bin.sum() + 1.0


def _da(values: np.ndarray, t: np.ndarray, unit: str) -> xr.DataArray:
    return xr.DataArray(values, dims="time", coords={"time": ("time", t, {"units": unit})})


def test_phasor_of_a_decay_whose_time_axis_is_in_ps_reports_ns():
    """5.65 ns, not 5650.84 (the ps axis used to be read as ns)."""
    rng = np.random.default_rng(1)
    t = np.arange(1024) * 0.025
    y = rng.poisson(1e4 * np.exp(-t / 5.65) * (1 - np.exp(-0.025 / 5.65))).astype(float)
    ns = phasor_analysis(_da(y, t, "ns"))
    ps = phasor_analysis(_da(y, t * 1e3, "ps"))
    assert ps["tau_phase"].value == pytest.approx(ns["tau_phase"].value, rel=1e-9)
    assert ps["tau_phase"].value < 20


def test_decay_in_ps_fits_the_same_lifetime_as_in_ns():
    y = _decay()
    r_ns = fit_decay(_da(y, T, "ns"), irf=IRF, n_components=1)
    r_ps = fit_decay(_da(y, T * 1e3, "ps"), irf=IRF, n_components=1)
    assert r_ps["tau_1"].value == pytest.approx(r_ns["tau_1"].value, rel=1e-9)
    assert r_ps["tau_1"].unit == "ns"


def test_irf_on_other_bins_is_refused_with_the_reason():
    decay = _da(_decay(), T, "ns")
    with pytest.raises(ParameterError, match="bins are 50 ns wide"):
        fit_decay(decay, irf=_da(IRF, T, "us"), n_components=1)  # same numbers, other unit
    with pytest.raises(ParameterError, match=r"starts \+0.1 ns \(\+2 bins\)"):
        fit_decay(decay, irf=_da(IRF, T + 0.1, "ns"), n_components=1)
    with pytest.raises(ParameterError, match="IRF has 128 bins"):
        fit_decay(decay, irf=IRF[:128], n_components=1)
    # the same IRF with its axis in ps is the same IRF
    r = fit_decay(decay, irf=_da(IRF, T * 1e3, "ps"), n_components=1)
    assert r["tau_1"].value == pytest.approx(2.0, rel=2e-3)


def test_gaussian_fwhm_rules_are_one_for_all_fits():
    d = as_decays(_decay(), T)
    assert as_irf(Quantity(90.0, None, "ps"), d).fwhm == pytest.approx(0.09)
    assert as_irf("90 ps", d).fwhm == pytest.approx(0.09)
    assert as_irf(0.09, d).fwhm == pytest.approx(0.09)  # a bare number is ns
    assert as_irf(None, d).fwhm is None
    with pytest.raises(ParameterError, match=r"wider than the 12\.8 ns window"):
        as_irf(90, d)  # 90 ps meant: ambiguous, refused
    with pytest.raises(ParameterError, match="not a time"):
        as_irf(Quantity(1.0, None, "nm"), d)
    r = fit_decays(_decay()[None, :], time=T, irf="141.3 ps", n_components=1)
    assert r.provenance["settings"]["irf_fwhm"] == pytest.approx(0.1413)


def test_float32_time_column_is_recognised_as_uniform():
    t32 = (np.arange(4096) * 0.016).astype(np.float32).astype(float)
    d = as_decays(np.ones(4096), t32)
    assert d.bin_width == pytest.approx(0.016, rel=1e-6)
    assert np.ptp(np.diff(d.time)) < 1e-12
    with pytest.raises(ParameterError, match="equally spaced"):
        as_decays(np.ones(5), [0, 1, 2, 4, 5])


def test_bin_width_is_never_ignored():
    d = as_decays(np.ones(10), bin_width=25.0, time_unit="ps")
    assert d.time[1] == pytest.approx(0.025)
    with pytest.raises(ParameterError, match="contradicts the time axis"):
        as_decays(np.ones(10), np.arange(10) * 0.05, bin_width=0.025)
    with pytest.raises(ParameterError, match="no time axis"):
        as_decays(np.ones(10))
