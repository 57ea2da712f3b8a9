"""XRD, XPS and lattice-image simulators: Bragg positions, broadening, doublets, strain truth."""

from __future__ import annotations

import numpy as np
import pytest

from heterolab.errors import ParameterError
from heterolab.simulate.tem import simulate_lattice_image
from heterolab.simulate.xps import Doublet, shirley_step, simulate_xps
from heterolab.simulate.xrd import (
    CSPBBR3_CUBIC,
    PBS_ROCKSALT,
    Phase,
    atomic_form_factor,
    reflections,
    simulate_xrd,
)


def _by_hkl(crystal, **kw):
    return {r["hkl"]: r for r in reflections(crystal, two_theta_max=50.0, **kw)}


def test_bragg_angles_match_the_cif_reference_numbers():
    # /work/shared/data/cif/README.md (pymatgen XRDCalculator, Cu Ka1 = 1.54056 A)
    cs = _by_hkl(CSPBBR3_CUBIC)
    pbs = _by_hkl(PBS_ROCKSALT)
    for hkl, ref in {"110": 21.375, "200": 30.409, "211": 37.472, "220": 43.543}.items():
        assert cs[hkl]["two_theta"] == pytest.approx(ref, abs=2e-3)
    for hkl, ref in {"111": 25.976, "200": 30.083, "220": 43.063}.items():
        assert pbs[hkl]["two_theta"] == pytest.approx(ref, abs=2e-3)


def test_fcc_extinctions_and_primitive_reflections():
    pbs = _by_hkl(PBS_ROCKSALT)
    assert "100" not in pbs and "110" not in pbs and "210" not in pbs
    assert set(pbs) == {"111", "200", "220"}
    cs = _by_hkl(CSPBBR3_CUBIC)
    assert (
        "100" in cs
        and cs["200"]["intensity"] == pytest.approx(100.0)
        and cs["200"]["multiplicity"] == 6
    )


def test_form_factor_at_zero_angle_is_the_electron_count():
    for el, z in {"Cs": 55, "Pb": 82, "Br": 35, "S": 16}.items():
        # the 4-Gaussian fits reproduce f(0) = Z to ~0.05 electrons (ITC C Table 6.1.1.4)
        assert atomic_form_factor(el, 0.0) == pytest.approx(z, abs=0.06)
    with pytest.raises(ParameterError, match="no form-factor coefficients for element 'Xx'"):
        atomic_form_factor("Xx", 0.1)


def test_lattice_strain_shifts_peaks_by_bragg_law():
    strained = _by_hkl(CSPBBR3_CUBIC, lattice_strain=0.0058)["200"]["two_theta"]
    d = 5.874 * 1.0058 / 2
    assert strained == pytest.approx(np.degrees(2 * np.arcsin(1.540562 / (2 * d))), abs=1e-9)
    assert strained < 30.409  # tensile strain moves (200) to lower angle (thesis Fig. 3-7)


def test_scherrer_width_of_size_broadened_peak():
    tt = np.arange(28.0, 33.0, 0.002)
    size = 8.14
    pat, truth = simulate_xrd(
        tt,
        [Phase(CSPBBR3_CUBIC, size_nm=size)],
        instrument_fwhm_deg=1e-4,
        background_counts=0.0,
        noise=False,
    )
    y = pat.values
    above = tt[y >= y.max() / 2]
    theta = np.radians(30.409 / 2)
    scherrer = np.degrees(0.9 * 1.540562 / (size * 10 * np.cos(theta)))
    # Lorentzian tails of the neighbouring (111) and (210) reflections widen it by ~1 %
    assert above[-1] - above[0] == pytest.approx(scherrer, rel=0.02)
    refl = {r["hkl"]: r for r in truth["phases"]["CsPbBr3"]["reflections"]}
    assert refl["200"]["fwhm_size_deg"] == pytest.approx(scherrer, rel=1e-5)


def test_microstrain_width_grows_with_tan_theta():
    tt = np.arange(10.0, 60.0, 0.01)
    _, truth = simulate_xrd(
        tt,
        [Phase(PBS_ROCKSALT, size_nm=1e4, microstrain=2e-3)],
        instrument_fwhm_deg=1e-4,
        noise=False,
    )
    refl = {r["hkl"]: r for r in truth["phases"]["PbS"]["reflections"]}
    for hkl in ("111", "220"):
        th = np.radians(refl[hkl]["two_theta"] / 2)
        assert refl[hkl]["fwhm_gauss_deg"] == pytest.approx(
            np.degrees(4 * 2e-3 * np.tan(th)), rel=1e-3
        )


def test_xrd_pattern_peaks_counts_and_seed():
    tt = np.arange(20.0, 45.0, 0.02)
    phases = [Phase(CSPBBR3_CUBIC, size_nm=9.4), Phase(PBS_ROCKSALT, scale=0.5, size_nm=3.4)]
    a, _ = simulate_xrd(tt, phases, seed=1)
    b, _ = simulate_xrd(tt, phases, seed=1)
    assert np.array_equal(a.values, b.values)
    assert a.dims == ("two_theta",) and a["two_theta"].attrs["units"] == "deg"
    clean, _ = simulate_xrd(tt, [Phase(CSPBBR3_CUBIC, size_nm=30)], noise=False)
    window = (tt > 29) & (tt < 32)
    assert tt[window][np.argmax(clean.values[window])] == pytest.approx(30.409, abs=0.02)


def test_pb4f_doublet_splitting_and_area_ratio():
    e = np.arange(130.0, 150.0, 0.01)
    pb_s = Doublet("Pb-S", 137.42, area=1e4, gaussian_fwhm_ev=0.9, lorentzian_fwhm_ev=0.2)
    spec, truth = simulate_xps(e, [pb_s], shirley_fraction=0.0, baseline_counts=0.0, noise=False)
    y = spec.values
    lower = e < 140.0
    p1, p2 = e[lower][np.argmax(y[lower])], e[~lower][np.argmax(y[~lower])]
    assert p2 - p1 == pytest.approx(4.87, abs=0.011)
    area_ratio = np.trapezoid(y[~lower], e[~lower]) / np.trapezoid(y[lower], e[lower])
    assert area_ratio == pytest.approx(0.75, rel=0.01)
    assert truth["doublets"]["Pb-S"]["upper_position_ev"] == pytest.approx(142.29)


def test_shirley_background_is_a_step_from_low_to_high_binding_energy():
    e = np.arange(130.0, 150.0, 0.05)
    d = [Doublet("Pb-Br", 137.83, area=5e4, lorentzian_fwhm_ev=0.0)]  # no Lorentzian tails
    spec, truth = simulate_xps(e, d, shirley_fraction=0.3, baseline_counts=100.0, noise=False)
    assert spec.values[0] == pytest.approx(100.0, rel=1e-3)
    assert spec.values[-1] == pytest.approx(100.0 + truth["shirley_step_counts"], rel=1e-2)
    step = shirley_step(e[::-1], np.ones_like(e))
    assert step[0] == pytest.approx(1.0) and step[-1] == 0.0  # works on descending grids


def test_xps_counts_are_poisson():
    e = np.arange(130.0, 150.0, 0.05)
    spec, _ = simulate_xps(e, [Doublet("Pb-S", 137.42, area=2e4)], seed=2)
    clean, _ = simulate_xps(e, [Doublet("Pb-S", 137.42, area=2e4)], noise=False)
    z = (spec.values - clean.values) / np.sqrt(clean.values)
    assert abs(z.mean()) < 0.15 and z.std() == pytest.approx(1.0, abs=0.1)


def _gpa_strain_xx(image: np.ndarray, g_px: float) -> np.ndarray:
    """Minimal geometric phase analysis along x (Hytch 1998) used only to check the truth."""
    ny, nx = image.shape
    f = np.fft.fft2(image - image.mean())
    kx = np.fft.fftfreq(nx)[None, :]
    ky = np.fft.fftfreq(ny)[:, None]
    mask = np.exp(-((kx - g_px) ** 2 + ky**2) / (2 * (0.25 * g_px) ** 2))
    z = np.fft.ifft2(f * mask)
    x = np.arange(nx)[None, :]
    z = z * np.exp(-2j * np.pi * g_px * x)
    dphase = np.angle(z[:, 1:] * np.conj(z[:, :-1]))
    return -dphase / (2 * np.pi * g_px)


def test_lattice_image_encodes_the_strain_field_for_gpa():
    img, truth = simulate_lattice_image(
        shape=(128, 256),
        pixel_nm=0.03,
        spacing_nm=0.2937,
        strain_xx=0.05,
        interface_width_nm=0.2,
        noise_std=0.2,
        seed=4,
    )
    assert img.dims == ("y", "x") and img["x"].attrs["units"] == "nm"
    exx = _gpa_strain_xx(img.values, 0.03 / 0.2937)
    left = exx[20:-20, 20:80]
    right = exx[20:-20, 180:235]
    assert abs(np.median(left)) < 0.005
    assert np.median(right) == pytest.approx(0.05, abs=0.005)
    assert truth["exx"][0, -1] == pytest.approx(0.05) and truth["exx"][0, 0] == pytest.approx(0.0)


def test_lattice_image_refuses_aliased_fringes():
    with pytest.raises(ParameterError, match="under 3 pixels"):
        simulate_lattice_image(pixel_nm=0.1, spacing_nm=0.2)
