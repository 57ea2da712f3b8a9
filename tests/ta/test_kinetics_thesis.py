"""Single-wavelength kinetics: the thesis' Tables 3-3 and 3-4 from synthetic traces (P-36, V13)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from heterolab.kinetics.decay_models import fwhm_to_sigma
from heterolab.kinetics.ta.donor_acceptor import transfer_from_lifetimes
from heterolab.kinetics.ta.single import (
    bleach_peak_position,
    fit_kinetics,
    kinetic_model,
    spectra_at,
)
from heterolab.reference import load_table

SIGMA = fwhm_to_sigma(0.120)  # 120 fs pulse, thesis §2.9.1
T = np.concatenate([np.arange(-1.0, 3.0, 0.02), np.geomspace(3.05, 1000, 120)])


def _trace(amps, taus, noise, seed):
    y = kinetic_model(T, amps, taus, 0.0, SIGMA)
    y = y + np.random.default_rng(seed).normal(0, noise, T.size)
    return xr.DataArray(y, dims="time", coords={"time": T})


@pytest.mark.parametrize("table", ["table_3_3", "table_3_4"])
def test_tables_reproduced_from_synthetic_bleach(table: str) -> None:
    for row in load_table(table)["rows"]:
        a1, a2 = -row["A1"] / 100 * 0.01, -row["A2"] / 100 * 0.01  # bleach: negative ΔOD
        res = fit_kinetics(
            _trace([a1, a2], [row["T1"], np.inf], 2e-5, seed=3), n_exp=1, irf_width=0.05
        )
        tau = res["tau_1"]
        assert abs(tau.value - row["T1"]) < 4 * tau.stderr
        f1 = res["fraction_1"]
        assert abs(f1.value - row["A1"]) < 4 * f1.stderr
        assert res["fraction_inf"].value == pytest.approx(100 - f1.value)
        assert abs(res.value("irf_width") - SIGMA) < 4 * res["irf_width"].stderr


def test_acceptor_rise_is_reported_as_rise() -> None:
    # PbS bleach filled by injected carriers: -(A)(e^{-t/inf} - e^{-t/0.55}) (rise 0.55 ps, Fig. 3-24a)
    res = fit_kinetics(_trace([0.01, -0.01], [0.55, np.inf], 2e-5, seed=4), n_exp=1, irf_width=0.05)
    assert res.statistics["rises"] == ["tau_1"]
    assert abs(res.value("tau_1") - 0.55) < 4 * res["tau_1"].stderr


def test_transfer_estimators_match_v13() -> None:
    res = transfer_from_lifetimes(0.52, 8.08, fraction_fast_het=47.46, fraction_fast_ref=9.27)
    assert res.value("k_ET") == pytest.approx(1.799, abs=1e-3)
    assert res.value("eta_ET") == pytest.approx(93.6, abs=0.05)
    assert res.value("eta_amplitude") == pytest.approx(42.1, abs=0.05)


def test_spectra_and_bleach_peak_shift() -> None:
    wl = np.linspace(480, 530, 101)
    center = 505 - 2 * np.exp(-T.clip(0) / 5)  # bleach red-shifts from 503 to 505 nm
    y = -np.exp(-(((wl[None, :] - center[:, None]) / 8) ** 2)) * (T[:, None] > 0)
    da = xr.DataArray(y, dims=("time", "wavelength"), coords={"time": T, "wavelength": wl})
    pos = bleach_peak_position(da)
    assert pos.sel(time=1.0, method="nearest").item() == pytest.approx(
        505 - 2 * np.exp(-1 / 5), abs=0.02
    )
    sp = spectra_at(da, [1.0])
    assert sp.dims == ("delay", "wavelength") and float(sp.min()) == pytest.approx(-1.0, abs=1e-3)
