"""Jacobian conversion, peak/FWHM/area, second-derivative exciton, multi-peak fits."""

from __future__ import annotations

import math

import numpy as np
import pytest

from heterolab.errors import ParameterError
from heterolab.io.spectra import make_spectrum
from heterolab.result import Quantity
from heterolab.spectroscopy.peakfit import fit_peaks
from heterolab.spectroscopy.spectra import (
    analyze_peak,
    axis_to_ev,
    correct_response,
    excitonic_peak,
    fwhm,
    integrate,
    peak_maximum,
    to_energy,
    to_wavelength,
    wavelength_quantity,
)
from heterolab.units import HC_EV_NM

SIGMA_PER_FWHM = 1 / (2 * math.sqrt(2 * math.log(2)))


def gauss(x, center, fwhm_, area):
    s = fwhm_ * SIGMA_PER_FWHM
    return area * np.exp(-0.5 * ((x - center) / s) ** 2) / (s * math.sqrt(2 * math.pi))


def emission_per_nm(lam, bands):
    """Spectrum per nm whose per-eV form is a sum of Gaussians in energy (Jacobian E²/hc)."""
    e = HC_EV_NM / lam
    per_ev = sum(gauss(e, c, w, a) for c, w, a in bands)
    return per_ev * e**2 / HC_EV_NM


def test_jacobian_conserves_photon_number_and_round_trips():
    lam = np.linspace(400, 650, 2001)
    s = make_spectrum(lam, emission_per_nm(lam, [(2.43, 0.08, 1000.0)]), "wavelength")
    e = to_energy(s)
    assert e.attrs["jacobian_applied"] is True
    assert integrate(e) == pytest.approx(integrate(s), rel=1e-5)
    assert integrate(e) == pytest.approx(1000.0, rel=1e-4)
    back = to_wavelength(e)
    np.testing.assert_allclose(back.values, s.values, rtol=1e-10)


def test_absorbance_is_not_multiplied_by_the_jacobian():
    lam = np.linspace(400, 600, 201)
    s = make_spectrum(lam, np.linspace(1, 0, 201), "wavelength", units="OD")
    e = to_energy(s)
    assert e.attrs["jacobian_applied"] is False
    np.testing.assert_allclose(np.sort(e.values), np.sort(s.values))


def test_peak_fwhm_area_of_a_noisy_band_in_energy_and_wavelength():
    rng = np.random.default_rng(11)
    lam = np.arange(440.0, 600.0, 0.25)
    clean = emission_per_nm(lam, [(2.43, 0.085, 5000.0)])
    s = make_spectrum(lam, clean + rng.normal(0, 0.002 * clean.max(), lam.size), "wavelength")
    r = analyze_peak(s, (450, 590), absorption_peak_ev=2.50)
    assert r.value("peak_energy") == pytest.approx(2.43, abs=0.002)
    assert r.value("fwhm_energy") == pytest.approx(85.0, abs=1.5)
    assert r.value("area") == pytest.approx(5000.0, rel=0.01)
    # FWHM in nm of an energy-Gaussian: hc/(E-w/2) - hc/(E+w/2)
    expect_nm = HC_EV_NM / (2.43 - 0.0425) - HC_EV_NM / (2.43 + 0.0425)
    assert r.value("fwhm_wavelength") == pytest.approx(expect_nm, rel=0.02)
    assert r.value("stokes_shift") == pytest.approx(70.0, abs=2.0)
    # noise-free: the per-nm maximum lies blue of hc/E_max by ~hc 2σ²/E³ (Jacobian E²/hc)
    r0 = analyze_peak(make_spectrum(lam, clean, "wavelength"))
    sig = 0.085 * SIGMA_PER_FWHM
    shift_nm = HC_EV_NM / 2.43 - r0.value("peak_wavelength")
    assert shift_nm == pytest.approx(HC_EV_NM * 2 * sig**2 / 2.43**3, rel=0.1)


def test_peak_maximum_parabolic_refinement_beats_the_grid():
    x = np.arange(0.0, 10.0, 1.0)
    s = make_spectrum(x + 500, -((x - 4.3) ** 2), "wavelength")
    pos, height = peak_maximum(s)
    assert pos == pytest.approx(504.3, abs=1e-9)
    assert height == pytest.approx(0.0, abs=1e-9)


def test_fwhm_undefined_side_is_nan_and_empty_window_raises():
    x = np.linspace(500, 510, 11)
    s = make_spectrum(x, np.linspace(0, 1, 11), "wavelength")
    width, _, hi = fwhm(s)
    assert math.isnan(width) and math.isnan(hi)
    with pytest.raises(ParameterError, match=r"window .* holds 0 points"):
        analyze_peak(s, (600, 700))


def test_second_derivative_finds_the_first_exciton_under_a_rising_background():
    rng = np.random.default_rng(3)
    e = np.linspace(0.9, 2.0, 1101)
    absorb = 0.05 * (e - 0.8) ** 2 + gauss(e, 1.30, 0.12, 0.02) + gauss(e, 1.75, 0.2, 0.03)
    absorb = absorb + rng.normal(0, 2e-5, e.size)
    s = make_spectrum(HC_EV_NM / e, absorb, "wavelength", units="OD")
    r = excitonic_peak(s, (700, 1300), window_ev=0.06)
    assert r.ok
    q = r.parameters["peak_energy"]
    assert q.value == pytest.approx(1.30, abs=0.01)
    assert q.stderr is not None and q.stderr < 0.02
    assert r.derived["peak_wavelength"].value == pytest.approx(HC_EV_NM / 1.30, abs=8)


def test_two_band_decomposition_visible_perovskite_and_nir_pbs():
    """Dual emission of a heterostructure (CsPbBr3 ~510 nm, PbS ~1150 nm) on a linear baseline."""
    rng = np.random.default_rng(7)
    e = np.linspace(0.9, 2.8, 1500)
    truth = [(2.43, 0.080, 800.0), (1.08, 0.150, 300.0)]
    base = 50 + 20 * e
    y = sum(gauss(e, *b) for b in truth) + base
    sigma = 5.0
    y = y + rng.normal(0, sigma, e.size)
    s = make_spectrum(e, y, "energy")
    r = fit_peaks(s, [2.4, 1.1], baseline="linear")
    assert r.ok
    for i, (c, w, a) in enumerate(truth):
        for name, true, scale in (("center", c, 1), ("fwhm", w * 1000, 1), ("area", a, 1)):
            q = r.parameters[f"p{i}_{name}"]
            assert abs(q.value - true * scale) < 4 * q.stderr, (i, name, q, true)
    assert r.derived["p0_area_fraction"].value == pytest.approx(800 / 1100, abs=0.01)
    assert r.statistics["redchi"] == pytest.approx(sigma**2, rel=0.15)


def test_fit_peaks_parameter_set_fixes_ties_and_round_trips():
    """Issue #8: a shared width by expression, a fixed centre, and a re-run from the fitted set."""
    rng = np.random.default_rng(9)
    e = np.linspace(1.8, 2.8, 800)
    sig = 0.04
    y = sum(
        a / (sig * np.sqrt(2 * np.pi)) * np.exp(-0.5 * ((e - c) / sig) ** 2)
        for c, a in ((2.2, 30.0), (2.4, 20.0))
    )
    s = make_spectrum(e, y + rng.normal(0, 1.0, e.size), "energy")
    ps = {"p1_sigma": "p0_sigma", "p0_center": {"value": 2.2, "vary": False, "unit": "eV"}}
    r = fit_peaks(s, [2.21, 2.39], baseline="none", parameters=ps)
    assert r.ok, r.message
    fitted = r.statistics["parameters_fitted"]
    assert fitted["p1_sigma"]["expr"] == "p0_sigma"
    assert fitted["p1_sigma"]["value"] == fitted["p0_sigma"]["value"]
    assert r.parameters["p0_center"].value == 2.2
    q = r.parameters["p1_center"]
    assert abs(q.value - 2.4) < 4 * q.stderr
    again = fit_peaks(s, [2.21, 2.39], baseline="none", parameters=fitted)
    assert again.parameters["p1_center"].value == pytest.approx(q.value, abs=1e-3 * q.stderr)
    with pytest.raises(ParameterError, match="fit_peaks has no parameter 'p2_center'"):
        fit_peaks(s, [2.2, 2.4], baseline="none", parameters={"p2_center": 2.6})


def test_bigaussian_recovers_asymmetry_with_pybaselines_baseline():
    rng = np.random.default_rng(5)
    e = np.linspace(1.5, 3.0, 900)
    from heterolab.spectroscopy.peakfit import bigaussian

    y = bigaussian(e, 100.0, 2.3, 0.06, 0.03) + rng.normal(0, 0.3, e.size)
    r = fit_peaks(make_spectrum(e, y, "energy"), [2.3], shape="bigaussian", baseline="none")
    assert r.parameters["p0_center"].value == pytest.approx(2.3, abs=0.003)
    assert r.derived["p0_asymmetry"].value == pytest.approx(0.5, abs=0.03)
    assert r.parameters["p0_area"].value == pytest.approx(100.0, rel=0.02)
    r2 = fit_peaks(
        make_spectrum(e, y + 5.0, "energy"),
        [2.3],
        shape="bigaussian",
        baseline="snip",
        window=(1.6, 2.9),
    )
    assert r2.parameters["p0_center"].value == pytest.approx(2.3, abs=0.01)


def test_fit_peaks_rejects_bad_requests():
    s = make_spectrum(np.linspace(1, 2, 100), np.ones(100), "energy")
    with pytest.raises(ParameterError, match="at least one starting peak"):
        fit_peaks(s, [])
    with pytest.raises(ParameterError, match="shape must be one of gaussian, voigt, bigaussian"):
        fit_peaks(s, [1.5], shape="lorentzian")
    with pytest.raises(ParameterError, match="2 shapes for 1 peaks"):
        fit_peaks(s, [1.5], shape=["gaussian", "voigt"])


def test_detector_response_correction_restores_band_ratio():
    lam = np.linspace(400, 1300, 901)
    true = emission_per_nm(lam, [(2.43, 0.08, 300.0), (1.08, 0.15, 100.0)])
    response = make_spectrum(
        np.linspace(350, 1400, 50), np.linspace(1.0, 0.2, 50), "wavelength", units="1"
    )
    measured = make_spectrum(
        lam, true * np.interp(lam, response["wavelength"], response.values), "wavelength"
    )
    fixed = correct_response(measured, response)
    np.testing.assert_allclose(fixed.values, true, rtol=1e-6, atol=1e-12)
    assert fixed.attrs["response_corrected"] is True
    short = make_spectrum(np.linspace(450, 1400, 20), np.ones(20), "wavelength", units="1")
    with pytest.raises(ParameterError, match="response covers 450–1400"):
        correct_response(measured, short)


def test_thesis_stokes_shifts_of_the_2d_3d_film():
    """§4.3.2 (Fig. 4-7): absorption 400/494 nm, PL 410/518 nm → Stokes 76 / 116 meV
    (reference_values pl_peaks_film); Tauc 2.37 eV lies 24 meV below the 518 nm PL peak
    (verification item 16)."""
    from heterolab.spectroscopy.spectra import stokes_shift_mev

    assert stokes_shift_mev(HC_EV_NM / 400, HC_EV_NM / 410) == pytest.approx(76, abs=0.5)
    assert stokes_shift_mev(HC_EV_NM / 494, HC_EV_NM / 518) == pytest.approx(116, abs=0.5)
    assert stokes_shift_mev(2.37, HC_EV_NM / 518) == pytest.approx(-24, abs=0.5)


def test_excitonic_maximum_on_every_axis_gives_the_same_energy():
    # one absorption band at 2.40 eV (516.6 nm, 19357 cm^-1), sampled on each spectral axis
    e = np.linspace(2.0, 2.8, 801)
    od = 0.5 * np.exp(-0.5 * ((e - 2.40) / 0.03) ** 2)
    wavenumber = e / (HC_EV_NM * 1e-7)
    on_axis = {
        "energy": make_spectrum(e, od, "energy", units="OD"),
        "wavelength": make_spectrum(HC_EV_NM / e, od, "wavelength", units="OD"),
        "wavenumber": make_spectrum(wavenumber, od, "wavenumber", units="OD"),
    }
    for axis, s in on_axis.items():
        r = excitonic_peak(s, method="maximum")
        assert r.parameters["peak_energy"].value == pytest.approx(2.40, abs=1e-3), axis
    assert axis_to_ev(19357.0, "wavenumber") == pytest.approx(2.40, abs=1e-4)
    with pytest.raises(ParameterError, match="spectral axis must be one of"):
        axis_to_ev(500.0, "two_theta")


def test_wavelength_quantity_propagates_the_energy_error():
    q = wavelength_quantity(Quantity(2.0, 0.01, "eV"))
    assert q.unit == "nm"
    assert q.value == pytest.approx(HC_EV_NM / 2.0)
    # sigma_lambda = hc sigma_E / E^2 = 1239.84 * 0.01 / 4
    assert q.stderr == pytest.approx(HC_EV_NM * 0.01 / 4.0, rel=1e-9)
    assert wavelength_quantity(Quantity(2.0, None, "eV")).stderr is None
