"""TA and steady-state spectra simulators: kinetics ground truth, chirp, sizing curves, transfer."""

from __future__ import annotations

import numpy as np
import pytest

from heterolab.errors import ParameterError
from heterolab.physics.sizing import pbs_peak_from_diameter
from heterolab.simulate.spectra import (
    Emitter,
    EnergyTransfer,
    simulate_absorption,
    simulate_pl,
    transfer_efficiency,
)
from heterolab.simulate.ta import chirp_t0, gaussian_band, populations, simulate_ta

WL = np.linspace(460, 560, 51)
T = np.concatenate([np.linspace(-2, 2, 81), np.linspace(2.1, 100, 200)])


def test_closed_scheme_conserves_population():
    k = [[-1.5, 0.0, 0.0], [1.0, -0.2, 0.0], [0.5, 0.2, 0.0]]  # no decay to the ground state
    c = populations(T, k, [1.0, 0.0, 0.0], irf_fwhm_ps=0.1)
    late = T > 1.0
    np.testing.assert_allclose(c[late].sum(axis=1), 1.0, atol=1e-12)
    assert c[-1, 2] == pytest.approx(1.0, abs=1e-6)


def test_sequential_populations_match_bateman():
    k1, k2 = 2.0, 0.1
    c = populations(T, [[-k1, 0.0], [k1, -k2]], [1.0, 0.0], irf_fwhm_ps=1e-4)
    t = T[T > 0.5]
    c2 = k1 / (k2 - k1) * (np.exp(-k1 * t) - np.exp(-k2 * t))  # Bateman 1910
    np.testing.assert_allclose(c[T > 0.5, 1], c2, rtol=1e-7)  # IRF term (sigma k)^2/2


def test_noise_free_matrix_is_c_times_s_transposed():
    s = np.vstack([gaussian_band(WL, 508, 15, -0.01), gaussian_band(WL, 530, 25, 0.004)])
    k = [[-1 / 0.52, 0.0], [1 / 0.52, -1 / 50.0]]
    da, truth = simulate_ta(
        T, WL, rate_matrix=k, initial_population=[1, 0], species_spectra=s, irf_fwhm_ps=0.15
    )
    c = populations(T, k, [1, 0], irf_fwhm_ps=0.15)
    np.testing.assert_allclose(da.values, c @ s, rtol=1e-12, atol=1e-15)
    assert da.dims == ("time", "wavelength") and da.name == "delta_od"
    assert da.attrs["units"] == "OD" and da["time"].attrs["units"] == "ps"
    assert truth["lifetimes_ps"] == pytest.approx([0.52, 50.0])


def test_chirp_moves_the_rise_per_wavelength():
    s = [np.full(WL.size, -0.01)]
    da, truth = simulate_ta(
        T,
        WL,
        rate_matrix=[[-0.01]],
        initial_population=[1.0],
        species_spectra=s,
        irf_fwhm_ps=0.1,
        chirp_ps=[0.5, 0.2],
        chirp_center_nm=500.0,
    )
    t0 = chirp_t0(WL, 0.0, [0.5, 0.2], 500.0)
    # half-rise time of the bleach at each wavelength equals its chirped time zero
    for j in (0, 20, 50):
        trace = -da.values[:, j] / 0.01
        t_half = np.interp(0.5, trace[T < 3], T[T < 3])
        assert t_half == pytest.approx(t0[j], abs=0.01)
    assert t0[-1] == pytest.approx(0.5 * 0.6 + 0.2 * 0.36)
    assert truth["chirp_ps"] == [0.5, 0.2]


def test_noise_and_artifact_are_seeded():
    kw = {
        "rate_matrix": [[-1.0]],
        "initial_population": [1.0],
        "species_spectra": [gaussian_band(WL, 508, 15, -0.01)],
        "noise_od": 1e-4,
        "coherent_artifact_od": 2e-3,
    }
    a = simulate_ta(T, WL, seed=4, **kw)[0]
    b = simulate_ta(T, WL, seed=4, **kw)[0]
    clean = simulate_ta(T, WL, **{**kw, "noise_od": 0.0})[0]
    assert np.array_equal(a.values, b.values)
    resid = (a - clean).values
    assert resid.std() == pytest.approx(1e-4, rel=0.05)
    with pytest.raises(ParameterError, match="seed is required"):
        simulate_ta(T, WL, **kw)


def test_invalid_schemes_are_refused():
    with pytest.raises(ParameterError, match="population cannot be created"):
        populations(T, [[-1.0, 0.0], [2.0, -1.0]], [1, 0], irf_fwhm_ps=0.1)
    with pytest.raises(ParameterError, match=r"expected \(2, 2\)"):
        populations(T, [[-1.0]], [1, 0], irf_fwhm_ps=0.1)
    with pytest.raises(ParameterError, match="species_spectra has shape"):
        simulate_ta(T, WL, rate_matrix=[[-1.0]], initial_population=[1], species_spectra=[[1, 2]])


def test_pbs_absorption_peak_follows_moreels_sizing():
    wl = np.arange(700.0, 1400.0, 0.5)
    pbs = Emitter("PbS", "PbS", 3.4, size_spread=0.0, absorbance=0.1, continuum_ratio=0.0)
    a, truth = simulate_absorption(wl, [pbs])
    assert wl[np.argmax(a.values)] == pytest.approx(pbs_peak_from_diameter(3.4), abs=0.5)
    assert truth["emitters"]["PbS"]["absorption_peak_nm"] == pytest.approx(1026.6, abs=0.1)
    assert a.max().item() == pytest.approx(0.1, rel=1e-3)


def test_size_spread_broadens_the_ensemble():
    wl = np.arange(420.0, 560.0, 0.25)
    narrow = simulate_absorption(wl, [Emitter("c", "CsPbBr3", 7.0, 0.01, continuum_ratio=0)])
    wide = simulate_absorption(wl, [Emitter("c", "CsPbBr3", 7.0, 0.10, continuum_ratio=0)])

    def fwhm(y):
        above = wl[y >= y.max() / 2]
        return above[-1] - above[0]

    assert fwhm(wide[0].values) > 1.5 * fwhm(narrow[0].values)
    assert wide[1]["emitters"]["c"]["inhomogeneous_fwhm_mev_from_sizes"] > 50.0


def test_transfer_quenches_donor_and_sensitises_acceptor():
    wl = np.arange(420.0, 1400.0, 1.0)
    em = [
        Emitter("D", "CsPbBr3", 8.0, 0.05, absorbance=0.2, plqy=0.8),
        Emitter("A", "PbS", 3.4, 0.05, absorbance=0.05, plqy=0.2, stokes_shift_mev=135),
    ]
    kw = {"excitation_nm": 465.0, "total_counts": 1e6, "noise": False}
    alone, t_alone = simulate_pl(wl, em, **kw)
    et = EnergyTransfer("D", "A", k_et_per_s=1.8e12, tau0_s=8.08e-12)
    coupled, t_et = simulate_pl(wl, em, transfer=et, **kw)
    eta = transfer_efficiency(1.8e12, 8.08e-12)
    assert eta == pytest.approx(0.936, abs=1e-3)  # spec V13: 93.6 %
    assert t_et["eta_transfer"] == pytest.approx(eta)
    yd = t_alone["absorbed_fraction"]["D"] * 0.8
    ya = t_alone["absorbed_fraction"]["A"] * 0.2
    ratio_alone = yd / ya
    ratio_et = yd * (1 - eta) / (ya + eta * t_alone["absorbed_fraction"]["D"] * 0.2)
    fd = t_et["photon_fraction"]["D"]
    assert fd / (1 - fd) == pytest.approx(ratio_et)
    vis = wl < 700
    assert alone.values[vis].sum() / alone.values[~vis].sum() == pytest.approx(ratio_alone, 1e-3)
    assert coupled.values[vis].sum() / coupled.values[~vis].sum() == pytest.approx(ratio_et, 1e-3)


def test_pl_counts_are_poisson_and_seeded():
    em = [Emitter("D", "CsPbBr3", 8.0)]
    wl = np.arange(440.0, 560.0, 0.5)
    a, _ = simulate_pl(wl, em, excitation_nm=400.0, total_counts=1e5, seed=9)
    b, _ = simulate_pl(wl, em, excitation_nm=400.0, total_counts=1e5, seed=9)
    assert np.array_equal(a.values, b.values)
    assert abs(a.sum().item() - 1e5) < 5 * np.sqrt(1e5)
    assert a.attrs["units"] == "counts" and a["wavelength"].attrs["units"] == "nm"


def test_emitter_validation_lists_all_problems():
    bad = Emitter("x", "InP", -1.0, plqy=2.0)
    with pytest.raises(ParameterError) as exc:
        simulate_absorption([500.0, 510.0], [bad])
    msg = str(exc.value)
    assert "diameter_nm must be > 0" in msg and "plqy must be in [0, 1]" in msg
    assert "material 'InP' has no sizing curve" in msg
