"""One parameter idiom for every TRPL fit: fit_decays, fit_flim and fit_trpl_map take a
ParameterSet (issue #8), the older keywords build the same set, and a Result keeps the initial
and fitted sets so that a fit re-runs from its own Result."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from heterolab.errors import ParameterError
from heterolab.kinetics.trpl.batch import fit_decays
from heterolab.kinetics.trpl.flim import fit_flim
from heterolab.kinetics.trpl.trpl_map import fit_trpl_map
from heterolab.parameters import ParameterSet
from trpl_truth import FWHM, N_BINS, T0, T, shape


def batch(n: int, photons: float, seed: int, taus=(0.5, 2.5), fractions=(0.5, 0.5)) -> np.ndarray:
    lam = shape(taus, fractions) * photons + 0.5
    return np.random.default_rng(seed).poisson(lam, size=(n, N_BINS)).astype(float)


def test_fit_decays_reruns_from_its_own_parameters_fitted():
    y = batch(48, 2e4, 1)
    r = fit_decays(y, time=T, irf=FWHM, n_components=2)
    assert r.ok
    fitted = r.statistics["parameters_fitted"]
    assert set(fitted) >= {"tau_1", "tau_2", "shift", "irf_fwhm"}
    assert fitted["shift"]["value"] == pytest.approx(r.derived["shift"].value)
    assert set(r.statistics["parameters_initial"]) == set(fitted)
    again = fit_decays(y, time=T, irf=FWHM, n_components=2, parameters=fitted)
    assert again.ok
    for name in ("tau_1", "tau_2"):
        start = again.statistics["parameters_initial"][name]["value"]
        assert start == pytest.approx(fitted[name]["value"], rel=1e-12)  # started from it
        np.testing.assert_allclose(
            again.curves[name].values, r.curves[name].values, rtol=2e-3, atol=1e-6
        )
    # a ParameterSet object works as well as its dict
    ps = ParameterSet.from_mapping(fitted)
    assert fit_decays(y, time=T, irf=FWHM, n_components=2, parameters=ps).ok


def test_keywords_are_conveniences_for_the_same_parameter_set():
    y = batch(24, 1e4, 2)
    legacy = fit_decays(y, time=T, irf=FWHM, n_components=2, shift=T0, background=0.5)
    ps = ParameterSet()
    ps.add("shift", T0, vary=False, unit="ns")
    ps.add("background", 0.5, vary=False, unit="counts")
    new = fit_decays(y, time=T, irf=FWHM, n_components=2, parameters=ps)
    np.testing.assert_array_equal(legacy.curves["tau_1"].values, new.curves["tau_1"].values)
    for r in (legacy, new):
        assert r.statistics["parameters_fitted"]["background"] == {
            "value": 0.5,
            "vary": False,
            "positive": False,
            "unit": "counts",
            "min": "-inf",
            "max": "inf",
        }
        assert r.statistics["parameters_fitted"]["shift"]["vary"] is False
    # a Gaussian IRF width held fixed by the set is the same as irf=<FWHM>
    width = ParameterSet()
    width.add("irf_fwhm", FWHM, vary=False, unit="ns")
    by_set = fit_decays(y, time=T, n_components=2, parameters=width)
    by_irf = fit_decays(y, time=T, irf=FWHM, n_components=2)
    np.testing.assert_array_equal(by_set.curves["tau_2"].values, by_irf.curves["tau_2"].values)


def test_a_parameter_given_twice_or_unknown_is_refused():
    y = batch(8, 1e4, 3)
    ps = ParameterSet()
    ps.add("shift", T0, vary=False)
    with pytest.raises(ParameterError, match="shift given both in parameters= and as a keyword"):
        fit_decays(y, time=T, irf=FWHM, shift=1.0, parameters=ps)
    unknown = ParameterSet()
    unknown.add("tau_3", 1.0)
    with pytest.raises(ParameterError, match=r"unknown parameters \['tau_3'\]"):
        fit_decays(y, time=T, irf=FWHM, n_components=2, parameters=unknown)
    measured = ParameterSet()
    measured.add("irf_fwhm", 0.2, vary=False)
    irf = shape([1e-3], [1.0])
    with pytest.raises(ParameterError, match="cannot be held fixed with a measured IRF"):
        fit_decays(y, time=T, irf=irf, parameters=measured)


def test_fit_flim_reruns_from_its_own_result():
    img = batch(36, 5e3, 4, taus=(1.5,), fractions=(1.0,)).reshape(6, 6, N_BINS)
    da = xr.DataArray(img, dims=("y", "x", "time"), coords={"time": ("time", T, {"units": "ns"})})
    r = fit_flim(da, irf=FWHM, n_components=1)
    assert r.ok and r.value("tau_1") == pytest.approx(1.5, rel=0.02)
    again = fit_flim(da, irf=FWHM, n_components=1, parameters=r.statistics["parameters_fitted"])
    np.testing.assert_allclose(again.curves["tau_1"].values, r.curves["tau_1"].values, rtol=2e-3)


def test_fit_trpl_map_takes_and_keeps_its_parameter_sets():
    wl = np.linspace(500.0, 540.0, 5)
    rows = np.stack([shape((0.4, 2.5), (a, 1 - a)) for a in np.linspace(0.2, 0.8, wl.size)])
    y = np.random.default_rng(5).poisson(rows * 5e4 + 1.0).astype(float)
    da = xr.DataArray(
        y,
        dims=("wavelength", "time"),
        coords={"wavelength": wl, "time": ("time", T, {"units": "ns"})},
    )
    r = fit_trpl_map(da, irf_fwhm=FWHM, n_components=2, per_wavelength=False)
    fitted = r.statistics["parameters_fitted"]
    assert fitted["tau_1"]["value"] == pytest.approx(r.value("tau_1"))
    assert fitted["irf_fwhm"]["vary"] is False and "background" not in fitted
    again = fit_trpl_map(da, n_components=2, per_wavelength=False, parameters=fitted)
    assert again.value("tau_2") == pytest.approx(r.value("tau_2"), rel=1e-4)
    fixed = ParameterSet()
    fixed.add("shift", r.value("shift"), vary=False)
    held = fit_trpl_map(da, irf_fwhm=FWHM, n_components=2, per_wavelength=False, parameters=fixed)
    assert held["shift"].stderr is None and held.value("shift") == r.value("shift")
    no_bg = ParameterSet()
    no_bg.add("background", 0.0, vary=False)
    with pytest.raises(ParameterError, match="one free background per wavelength"):
        fit_trpl_map(da, irf_fwhm=FWHM, parameters=no_bg)
