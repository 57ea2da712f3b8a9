"""Issue #9 "Done when": degenerate inputs to every public fitting function of spectroscopy/.

Constant, all-zero, NaN-containing, single-point, two-point and reversed-axis spectra (and
degenerate number series for the temperature and power-law fits) must give a clear heterolab
error or a Result that is failed, or whose every number is finite; never an "ok" with NaN or
an untouched start value, never a numpy traceback or warning (warnings are errors here).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from heterolab.errors import HeterolabError
from heterolab.result import Result
from heterolab.spectroscopy.absorption import elliott_fit, tauc_gap, urbach_energy
from heterolab.spectroscopy.ftir import ftir_peaks
from heterolab.spectroscopy.intensity import fit_trap_density, power_law_fit
from heterolab.spectroscopy.peakfit import fit_peaks
from heterolab.spectroscopy.plqy import plqy_absolute
from heterolab.spectroscopy.sizes import pbs_size_from_absorption
from heterolab.spectroscopy.spectra import analyze_peak, excitonic_peak
from heterolab.spectroscopy.temperature import (
    TEMPERATURE_MODELS,
    fit_temperature_dependence,
    temperature_series,
)

KINDS = ("constant", "zeros", "nan", "single", "two", "reversed", "negative", "inf")


def spectrum(kind: str, value: float = 1.0, where: int = 10, units: str = "OD") -> xr.DataArray:
    """A degenerate spectrum on an energy axis (eV), written without heterolab's constructors."""
    n = {"single": 1, "two": 2}.get(kind, 60)
    e = np.linspace(1.5, 3.0, n)
    y = np.full(n, float(value))
    if kind == "zeros":
        y[:] = 0.0
    elif kind == "nan":
        y = np.exp(-0.5 * ((e - 2.2) / 0.1) ** 2) * value
        y[where % n] = np.nan
    elif kind == "inf":
        y = np.exp(-0.5 * ((e - 2.2) / 0.1) ** 2) * value
        y[where % n] = np.inf
    elif kind == "negative":
        y = -np.abs(y) - 1.0
    elif kind == "reversed":
        e = e[::-1]
        y = np.exp(-0.5 * ((e - 2.2) / 0.1) ** 2) * value
    return xr.DataArray(
        y,
        dims=["energy"],
        coords={"energy": ("energy", e, {"units": "eV"})},
        attrs={"units": units},
    )


def _check(call) -> None:
    try:
        res = call()
    except HeterolabError:
        return
    if isinstance(res, Result):
        if res.status == "failed":
            return
        for group in (res.parameters, res.derived):
            for name, q in group.items():
                assert isinstance(q.value, float) and math.isfinite(q.value), (name, q, res.status)
                assert q.stderr is None or not math.isnan(q.stderr) or res.status == "suspect", (
                    name,
                    q,
                )
        _never_ok_at_start(res)
        return
    raise AssertionError(f"unexpected return {res!r}")


def _never_ok_at_start(res: Result) -> None:
    """An "ok" fit has moved its free parameters from their start values (issue #9)."""
    start, end = res.statistics.get("parameters_initial"), res.statistics.get("parameters_fitted")
    if not res.ok or start is None or end is None:
        return
    free = [n for n, p in start.items() if p["vary"] and "expr" not in p]
    moved = [n for n in free if end[n]["value"] != start[n]["value"]]
    assert len(moved) == len(free), (res.kind, sorted(set(free) - set(moved)), res.summary())


def _wavenumber(s: xr.DataArray) -> xr.DataArray:
    """The same degenerate values on a wavenumber axis (cm^-1), for the FT-IR analysis."""
    wn = 800.0 + 40.0 * (s["energy"].values - 1.5) / 0.025
    return xr.DataArray(
        s.values,
        dims=["wavenumber"],
        coords={"wavenumber": ("wavenumber", wn, {"units": "1/cm"})},
        attrs={"units": "OD"},
    )


FITS = {
    "analyze_peak": lambda s: analyze_peak(s),
    "excitonic_peak": lambda s: excitonic_peak(s),
    "pbs_size": lambda s: pbs_size_from_absorption(s),
    "tauc_gap": lambda s: tauc_gap(s),
    "urbach_energy": lambda s: urbach_energy(s),
    "elliott_fit": lambda s: elliott_fit(s),
    "fit_peaks": lambda s: fit_peaks(s, [2.2]),
    "plqy_absolute": lambda s: plqy_absolute(
        s, s, laser_window=(1.5, 1.8), emission_window=(2.0, 2.6)
    ),
    "temperature_series": lambda s: temperature_series({10.0: s, 100.0: s, 300.0: s}),
    "ftir_peaks": lambda s: ftir_peaks(_wavenumber(s)),
}


@pytest.mark.parametrize("fit", sorted(FITS))
@pytest.mark.parametrize("kind", KINDS)
def test_degenerate_spectra_give_an_error_or_an_honest_result(fit, kind):
    _check(lambda: FITS[fit](spectrum(kind)))


@settings(max_examples=25, deadline=None)
@given(
    fit=st.sampled_from(sorted(FITS)),
    kind=st.sampled_from(KINDS),
    value=st.sampled_from([0.0, 1e-12, 1.0, 1e6, -3.0]),
    where=st.integers(0, 59),
)
def test_degenerate_spectra_property(fit, kind, value, where):
    _check(lambda: FITS[fit](spectrum(kind, value, where)))


SERIES = {
    "constant": (np.linspace(10, 300, 8), np.full(8, 2.4)),
    "zeros": (np.linspace(10, 300, 8), np.zeros(8)),
    "nan": (np.linspace(10, 300, 8), np.r_[2.4, np.nan, np.full(6, 2.41)]),
    "single": (np.array([300.0]), np.array([2.4])),
    "two": (np.array([10.0, 300.0]), np.array([2.4, 2.41])),
    "reversed": (np.linspace(300, 10, 8), np.linspace(2.45, 2.40, 8)),
    "zero_temperatures": (np.zeros(8), np.linspace(2.40, 2.45, 8)),
    "mismatched": (np.linspace(10, 300, 8), np.linspace(2.40, 2.45, 5)),
}


@pytest.mark.parametrize("model", TEMPERATURE_MODELS)
@pytest.mark.parametrize("kind", sorted(SERIES))
def test_temperature_fits_with_degenerate_series(model, kind):
    t, v = SERIES[kind]
    _check(lambda: fit_temperature_dependence(t, v, model))


@pytest.mark.parametrize("kind", sorted(SERIES))
def test_power_law_with_degenerate_series(kind):
    x, y = SERIES[kind]
    _check(lambda: power_law_fit(x, y))


@pytest.mark.parametrize("kind", sorted(SERIES))
def test_trap_density_with_degenerate_series(kind):
    g, y = SERIES[kind]
    _check(lambda: fit_trap_density(g * 1e18, y, k_trap=1e-9, k_rad=1e-10, k_depop=1e-11))
