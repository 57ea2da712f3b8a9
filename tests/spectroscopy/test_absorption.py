"""Tauc gap, Urbach energy and Elliott fit recovered from synthetic spectra with noise."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from heterolab.cli import app
from heterolab.errors import ParameterError
from heterolab.io.spectra import make_spectrum, write_spectrum_csv
from heterolab.spectroscopy.absorption import (
    absorption_coefficient,
    elliott_absorption,
    elliott_fit,
    tauc_gap,
    urbach_energy,
)
from heterolab.units import HC_EV_NM


def direct_edge_with_urbach_tail(e, eg, eu, scale=5.0):
    """α hν = scale √(E − E_g) above the gap joined (value and slope) to an Urbach tail."""
    e_join = eg + eu / 2  # where d ln(√(E−Eg))/dE = 1/E_U
    above = scale * np.sqrt(np.clip(e - eg, 0, None)) / e
    a_join = scale * math.sqrt(e_join - eg) / e_join
    tail = a_join * np.exp((e - e_join) / eu)
    return np.where(e >= e_join, above, tail)


def test_absorption_coefficient_units():
    # OD 0.434 in 100 nm: alpha = ln10 * 0.434 / 1e-5 cm ≈ 1e5 cm^-1
    assert absorption_coefficient(0.4343, 100.0) == pytest.approx(1.0e5, rel=1e-3)
    with pytest.raises(ParameterError, match="thickness must be > 0"):
        absorption_coefficient(0.1, 0.0)


def test_tauc_direct_gap_recovered_with_noise_and_range_reported():
    rng = np.random.default_rng(1)
    e = np.linspace(2.0, 2.9, 451)
    a = direct_edge_with_urbach_tail(e, 2.37, 0.015) + 0.01 + rng.normal(0, 0.002, e.size)
    s = make_spectrum(HC_EV_NM / e, a, "wavelength", units="OD")
    r = tauc_gap(s, window=(2.2, 2.9))
    q = r.parameters["band_gap"]
    assert q.value == pytest.approx(2.37, abs=0.01)
    lo, hi = r.statistics["fit_range_ev"]
    assert 2.369 < lo < hi <= 2.9  # starts at the gap (grid point 2.37), not in the tail
    assert r.statistics["r_squared"] > 0.99
    assert not r.warnings


def test_tauc_baseline_intercept_corrects_a_sloping_sub_gap_background():
    """Makuła et al. 2018: with a sloping sub-gap absorption the x-intercept is biased; the
    intersection with the baseline line recovers the gap."""
    e = np.linspace(1.8, 2.9, 551)
    alpha_hv_sq = 4.0 * np.clip(e - 2.37, 0, None)  # (αhν)² edge
    background = 0.3 * (e - 1.5)  # sloping (αhν)² baseline from sub-gap absorption
    y = np.sqrt(alpha_hv_sq + background)  # αhν
    s = make_spectrum(e, y / e, "energy", units="OD")
    plain = tauc_gap(s, fit_window=(2.5, 2.8))
    fixed = tauc_gap(s, fit_window=(2.5, 2.8), baseline_window=(1.9, 2.3))
    assert plain.parameters["band_gap"].value < 2.33  # biased low by the background
    assert fixed.parameters["band_gap"].value == pytest.approx(2.37, abs=0.01)


def test_tauc_indirect_gap():
    e = np.linspace(1.0, 1.6, 301)
    alpha_hv = 3.0 * np.clip(e - 1.12, 0, None) ** 2
    rng = np.random.default_rng(2)
    a = alpha_hv / e + rng.normal(0, 1e-4, e.size)
    r = tauc_gap(make_spectrum(e, a, "energy", units="OD"), transition="indirect")
    assert r.parameters["band_gap"].value == pytest.approx(1.12, abs=0.01)


def test_tauc_warns_on_an_excitonic_peak():
    e = np.linspace(2.2, 2.8, 301)
    a = elliott_absorption(e, 2.45, 0.04, 0.015)
    r = tauc_gap(make_spectrum(e, a, "energy", units="OD"))
    assert any("excitonic peak" in w for w in r.warnings)


def test_urbach_energy_recovered():
    rng = np.random.default_rng(4)
    e = np.linspace(2.1, 2.7, 601)
    a = direct_edge_with_urbach_tail(e, 2.40, 0.020) + rng.normal(0, 2e-4, e.size)
    r = urbach_energy(make_spectrum(e, a, "energy", units="OD"))
    q = r.parameters["urbach_energy"]
    assert q.value == pytest.approx(20.0, abs=1.0)
    assert r.statistics["fit_range_ev"][1] <= 2.41 + 1e-9  # the tail joins the edge at 2.41
    fixed = urbach_energy(make_spectrum(e, a, "energy", units="OD"), fit_window=(2.32, 2.40))
    qf = fixed.parameters["urbach_energy"]
    assert abs(qf.value - 20.0) < 4 * qf.stderr + 0.2


def test_elliott_fit_recovers_gap_binding_energy_and_width():
    rng = np.random.default_rng(6)
    e = np.linspace(2.2, 2.8, 601)
    truth = {"eg": 2.40, "eb": 0.030, "g": 0.015}
    a = elliott_absorption(e, truth["eg"], truth["eb"], truth["g"], 1.0) + 0.02
    a = a + rng.normal(0, 0.002, e.size)
    r = elliott_fit(make_spectrum(e, a, "energy", units="OD"))
    assert r.ok
    for name, true in (
        ("band_gap", truth["eg"]),
        ("binding_energy", 1000 * truth["eb"]),
        ("gamma", 1000 * truth["g"]),
    ):
        q = r.parameters[name]
        assert abs(q.value - true) < 4 * q.stderr, (name, q, true)
    assert r.derived["exciton_energy"].value == pytest.approx(2.37, abs=0.002)


def test_elliott_fit_takes_a_parameter_set_and_keeps_initial_and_fitted_sets():
    """Issue #8: parameters= fixes, starts or bounds a parameter; the Result can be re-run
    from its own fitted set and lands on the same optimum."""
    from heterolab.errors import ParameterError
    from heterolab.parameters import ParameterSet

    rng = np.random.default_rng(6)
    e = np.linspace(2.2, 2.8, 601)
    a = elliott_absorption(e, 2.40, 0.030, 0.015, 1.0) + 0.02 + rng.normal(0, 0.002, e.size)
    s = make_spectrum(e, a, "energy", units="OD")
    r = elliott_fit(s)
    fitted = r.statistics["parameters_fitted"]
    assert set(fitted) == {"band_gap", "binding_energy", "gamma", "amplitude", "background"}
    assert fitted["binding_energy"]["unit"] == "meV"
    again = elliott_fit(s, parameters=fitted)
    for name in ("band_gap", "binding_energy", "gamma"):
        q, q2 = r.parameters[name], again.parameters[name]
        assert abs(q2.value - q.value) < 0.01 * q.stderr, name
    # fixing E_b at the truth: it does not move, has no error, and E_g stays right
    ps = ParameterSet()
    ps.add("binding_energy", 30.0, vary=False, unit="meV")
    fixed = elliott_fit(s, parameters=ps)
    assert fixed.parameters["binding_energy"].value == 30.0
    assert fixed.parameters["binding_energy"].stderr is None
    assert abs(fixed.parameters["band_gap"].value - 2.40) < 4 * fixed.parameters["band_gap"].stderr
    assert fixed.statistics["parameters_initial"]["binding_energy"]["vary"] is False
    with pytest.raises(ParameterError, match="elliott_fit has no parameter 'Eb'; its parameters"):
        elliott_fit(s, parameters={"Eb": 30.0})


def test_elliott_small_binding_energy_mapbi3_like():
    """Thesis Fig. 1-32a benchmark: E_b ≈ 11 meV (MAPbI3) is resolvable with Γ = 10 meV."""
    rng = np.random.default_rng(8)
    e = np.linspace(1.5, 1.8, 601)
    a = elliott_absorption(e, 1.62, 0.011, 0.010, 2.0) + rng.normal(0, 0.001, e.size)
    r = elliott_fit(
        make_spectrum(e, a, "energy", units="OD"),
        binding_energy=0.02,
        gamma=0.012,
        background=False,
    )
    assert r.parameters["binding_energy"].value == pytest.approx(11.0, abs=1.0)


def test_tauc_and_urbach_cli(tmp_path):
    e = np.linspace(2.0, 2.9, 451)
    a = direct_edge_with_urbach_tail(e, 2.37, 0.015) + 0.01
    p = write_spectrum_csv(
        make_spectrum(HC_EV_NM / e, a, "wavelength", units="OD"), tmp_path / "abs.csv"
    )
    out = CliRunner().invoke(app, ["spectrum", "tauc", str(p), "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["parameters"]["band_gap"]["value"] == pytest.approx(
        2.37, abs=0.01
    )
    out = CliRunner().invoke(app, ["spectrum", "tauc", str(p), "--noise", "0.002", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["statistics"]["absorbance_noise"] == 0.002
    out = CliRunner().invoke(app, ["spectrum", "tauc", str(p), "--noise", "-1"])
    assert out.exit_code != 0 and "noise must be a finite absorbance" in out.output
    out = CliRunner().invoke(app, ["spectrum", "urbach", str(p), "--fit-window", "2.2", "2.36"])
    assert out.exit_code == 0, out.output
    assert "urbach_energy" in out.output


def test_elliott_fit_reports_a_binding_energy_at_its_bound_as_suspect():
    """Issue #9: E_b = 0 at its bound was reported as an ok measurement."""
    e = np.linspace(2.2, 2.9, 351)
    # a band edge whose exciton binding energy (0.3 meV) lies below the fit's 1 meV bound
    a = elliott_absorption(e, 2.5, 0.0003, 0.02, 1.0) + 0.01
    r = elliott_fit(make_spectrum(e, a, "energy", units="OD"))
    assert r.status == "suspect"
    assert "binding_energy at its lower bound (1 meV)" in r.message
    assert r.parameters["binding_energy"].value == pytest.approx(1.0, abs=0.01)
    assert r.statistics["binding_energy_at_bound"] == "lower bound 1 meV"


def test_cli_elliott_fit_needs_no_center_and_takes_the_window_in_file_units(tmp_path):
    e = np.linspace(2.2, 2.9, 351)
    a = elliott_absorption(e, 2.5, 0.04, 0.015, 1.0) + 0.01
    wl = HC_EV_NM / e
    runner = CliRunner()
    p = write_spectrum_csv(make_spectrum(wl, a, "wavelength", units="OD"), tmp_path / "a.csv")
    out = runner.invoke(
        app, ["spectrum", "fit", str(p), "--elliott", "--window", "440", "560", "--json"]
    )
    assert out.exit_code == 0, out.output
    d = json.loads(out.output)
    assert d["parameters"]["band_gap"]["value"] == pytest.approx(2.5, abs=0.005)
    no_center = runner.invoke(app, ["spectrum", "fit", str(p)])
    assert no_center.exit_code == 2 and "--center" in no_center.output


def test_elliott_fit_of_an_edge_it_cannot_describe_is_suspect():
    """Issue #9: structured residuals are a failed diagnostic, not an "ok" (an exciton line plus
    an error-function continuum, written here, is not an Elliott spectrum)."""
    from scipy.special import erf

    rng = np.random.default_rng(12)
    e = np.linspace(2.3, 2.9, 301)
    a = (
        0.3 * np.exp(-0.5 * ((e - 2.45) / 0.03) ** 2)
        + 0.25 * (1 + erf((e - 2.52) / 0.03))
        + rng.normal(0, 5e-4, e.size)
    )
    r = elliott_fit(make_spectrum(e, a, "energy", units="OD"))
    assert r.status == "suspect"
    assert r.statistics["residual_autocorrelation_lag1"] > 4 / np.sqrt(e.size)
    # and a true Elliott edge with white noise stays ok
    b = elliott_absorption(e, 2.50, 0.04, 0.02, 1.0) + rng.normal(0, 2e-3, e.size)
    ok = elliott_fit(make_spectrum(e, b, "energy", units="OD"))
    assert ok.ok, ok.message
    assert abs(ok.statistics["residual_autocorrelation_lag1"]) < 4 / np.sqrt(e.size)
