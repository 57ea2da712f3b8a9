"""Global and target analysis: ground truth from known schemes (chirp, IRF, noise)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers_ta import gaussian_band, synthetic_matrix

from heterolab.errors import ModelError
from heterolab.kinetics.ta.donor_acceptor import fit_donor_acceptor
from heterolab.kinetics.ta.global_fit import fit_global
from heterolab.kinetics.ta.target import fit_target, load_model

T = np.concatenate([np.linspace(-1, 3, 81), np.geomspace(3.1, 800, 50)])
WL = np.linspace(450, 750, 41)
SIGMA = 0.07


def _within(q, truth: float, n: float = 4.0) -> bool:
    return abs(q.value - truth) < n * q.stderr


def test_sequential_with_chirp_recovers_lifetimes_and_irf() -> None:
    taus = np.array([0.5, 8.0, 120.0])
    k = np.diag(-1 / taus) + np.diag(1 / taus[:-1], -1)
    s = np.stack(
        [
            gaussian_band(WL, 520, 60, -0.01),
            gaussian_band(WL, 600, 60, 0.008),
            gaussian_band(WL, 680, 50, -0.006),
        ]
    )
    x = (WL - 600) / 100
    t0 = 0.3 + 0.25 * x - 0.05 * x**2
    da = synthetic_matrix(k, np.array([1.0, 0, 0]), s, T, WL, t0, SIGMA, 1e-4, seed=11)
    res = fit_global(
        da, "sequential", 3, irf_width=0.1, chirp="auto", chirp_order=2, dispersion_center=600
    )
    assert res.ok
    for i, tau in enumerate(taus, 1):
        assert _within(res[f"tau_{i}"], tau), (i, res[f"tau_{i}"])
    assert _within(res["irf_width"], SIGMA)
    assert _within(res["irf_center"], 0.3)
    assert _within(res["disp1"], 0.25)
    eas = res.curves["data/spectra"]
    np.testing.assert_allclose(eas.sel(species="c2").values, s[1], atol=5e-4)
    assert res.statistics["chi2_reduced"] == pytest.approx(1e-8, rel=0.1)


def test_parallel_long_lived_reported_as_inf_with_das() -> None:
    k = np.diag([-1 / 2.0, -1 / 40.0, 0.0])
    s = np.stack(
        [
            gaussian_band(WL, 520, 60, -0.01),
            gaussian_band(WL, 650, 60, 0.005),
            gaussian_band(WL, 600, 100, -0.002),
        ]
    )
    da = synthetic_matrix(k, np.ones(3), s, T, WL, 0.2, SIGMA, 1e-4, seed=12)
    res = fit_global(da, "parallel", 3, long_lived=True, irf_width=0.1)
    assert _within(res["tau_1"], 2.0) and _within(res["tau_2"], 40.0)
    assert res.value("tau_3") == np.inf
    das = res.curves["data/spectra"]
    np.testing.assert_allclose(das.sel(species="c3").values, s[2], atol=5e-4)


def test_donor_acceptor_two_probe_windows_recovers_k_et() -> None:
    # D (CsPbBr3, visible bleach) -> A (PbS, NIR bleach) with k_ET = 1/0.5 ps^-1, k_D = 1/8.08 ps^-1
    k_et, k_d, k_a = 2.0, 1 / 8.08, 1 / 2000
    k = np.array([[-(k_et + k_d), 0.0], [k_et, -k_a]])
    vis, nir = np.linspace(470, 540, 15), np.linspace(900, 1100, 21)
    s_vis = np.stack([gaussian_band(vis, 505, 15, -0.01), np.zeros_like(vis)])
    s_nir = np.stack([np.zeros_like(nir), gaussian_band(nir, 1000, 60, -0.004)])
    t = np.concatenate([np.linspace(-1, 4, 101), np.geomspace(4.1, 1000, 40)])
    data = {
        "vis": synthetic_matrix(k, np.array([1.0, 0]), s_vis, t, vis, 0.0, SIGMA, 5e-5, seed=21),
        "nir": synthetic_matrix(k, np.array([1.0, 0]), s_nir, t, nir, 0.05, SIGMA, 5e-5, seed=22),
    }
    # with free spectra only k_ET + k_D is identifiable: the split must be reported as undetermined
    free = fit_donor_acceptor(data, k_et=1.0, k_d=0.05, irf_width=0.1)
    assert np.isnan(free["k_ET"].stderr) and any(
        "k_ET" in w and "not determined" in w for w in free.warnings
    )
    assert free.value("k_ET") + free.value("k_D") == pytest.approx(k_et + k_d, rel=2e-3)
    # the donor's own decay from the reference sample (CsPbBr3 alone, tau = 8.08 ps) fixes the split
    res = fit_donor_acceptor(data, k_et=1.0, k_d=k_d, irf_width=0.1, fix_k_d=True)
    assert _within(res["k_ET"], k_et)
    assert _within(res["tau_ET"], 0.5)
    eta = k_et / (k_et + k_d)
    assert _within(res["eta_ET"], 100 * eta)
    assert res["tau_ET"].stderr < 0.02


def test_undetermined_rate_is_reported(tmp_path: Path) -> None:
    # s2 is never populated: k2 cannot be determined and must not come back with a finite error
    model = tmp_path / "m.toml"
    model.write_text(
        'compartments = ["s1", "s2"]\n'
        'transitions = [{from = "s1", to = "ground", rate = "k1"}, {from = "s2", to = "ground", rate = "k2"}]\n'
        "[parameters]\nk1 = 0.3\nk2 = 0.05\nirf_center = 0.1\nirf_width = 0.1\n"
        '[[datasets]]\nname = "d"\ninitial = {s1 = 1.0}\nirf = {center = "irf_center", width = "irf_width"}\n'
    )
    s = np.stack([gaussian_band(WL, 520, 60, -0.01), np.zeros_like(WL)])
    da = synthetic_matrix(
        np.diag([-0.25, -0.05]), np.array([1.0, 0.0]), s, T, WL, 0.2, SIGMA, 1e-4, seed=5
    )
    res = fit_target(load_model(model), da)
    assert np.isnan(res["k2"].stderr)
    assert any("k2" in w and "not determined" in w for w in res.warnings)
    assert _within(res["k1"], 0.25)


def test_model_file_lists_every_problem(tmp_path: Path) -> None:
    model = tmp_path / "bad.toml"
    model.write_text(
        'compartments = ["s1"]\ntransitions = [{from = "s9", to = "s1", rate = "kx"}]\n'
        '[parameters]\nk1 = 1.0\n[[datasets]]\nname = "d"\ninitial = {s1 = 1.0}\nirf = {center = "c", width = "w"}\n'
    )
    with pytest.raises(ModelError) as err:
        load_model(model)
    msg = str(err.value)
    assert "4 problems" in msg
    assert "unknown source compartment 's9'" in msg and "rate parameter 'kx' is not defined" in msg
    assert "IRF parameter 'c' is not defined" in msg


def test_residual_svd_reveals_a_missing_component() -> None:
    """Fitting a 3-component matrix with 2 components leaves structure in the residuals: their
    first singular value stands far above the noise floor; the right model's stays at it."""
    k = np.diag([-1 / 2.0, -1 / 40.0, -1 / 400.0])
    s = np.stack(
        [
            gaussian_band(WL, 520, 60, -0.01),
            gaussian_band(WL, 650, 60, 0.005),
            gaussian_band(WL, 600, 100, -0.004),
        ]
    )
    da = synthetic_matrix(k, np.ones(3), s, T, WL, 0.2, SIGMA, 1e-4, seed=13)
    right = fit_global(da, "parallel", 3, irf_width=0.1)
    short = fit_global(da, "parallel", 2, irf_width=0.1)
    assert right.statistics["residual_sv_over_noise"]["data"] < 1.5
    assert short.statistics["residual_sv_over_noise"]["data"] > 5.0
    assert short.curves["data/residual_spectral_vectors"].sizes["index"] == 3
