"""FLIM image fits: synthetic images with known lifetime maps, masking, binning, real PTU/SDT."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from heterolab.errors import ParameterError
from heterolab.kinetics.decay_models import exp_conv_irf
from heterolab.kinetics.trpl.batch import fit_decays, gaussian_irf_histogram
from heterolab.kinetics.trpl.flim import bin_image, fit_flim
from shared_paths import shared_file

N_BINS, DT = 128, 0.1  # ns
T = np.arange(N_BINS) * DT
IRF = gaussian_irf_histogram(T, 1.0, 0.25)


def two_region_image(
    photons: float, shape=(24, 24), seed: int = 4
) -> tuple[xr.DataArray, np.ndarray]:
    """Left half tau = 1 ns, right half 3 ns; a few dark pixels in one corner."""
    ny, nx = shape
    taumap = np.where(np.arange(nx)[None, :] < nx // 2, 1.0, 3.0) * np.ones((ny, 1))
    rows = {tau: exp_conv_irf(T, tau, IRF) for tau in (1.0, 3.0)}
    lam = np.stack([rows[tau] / rows[tau].sum() * photons for tau in taumap.ravel()]).reshape(
        ny, nx, N_BINS
    )
    lam[:3, :3] *= 0.01  # dark pixels: must be masked, not fitted
    counts = np.random.default_rng(seed).poisson(lam + 0.02).astype(float)
    da = xr.DataArray(
        counts, dims=("y", "x", "time"), coords={"time": ("time", T, {"units": "ns"})}
    )
    return da, taumap


def test_lifetime_map_recovered_and_dark_pixels_masked():
    img, taumap = two_region_image(3000)
    r = fit_flim(img, irf=IRF, n_components=1, min_photons=500)
    assert r.ok
    mask = r.curves["mask"].values
    assert not mask[:3, :3].any() and mask.sum() == mask.size - 9
    assert r.statistics["n_masked"] == 9
    tau = r.curves["tau_1"].values
    assert np.isnan(tau[:3, :3]).all()
    pulls = ((tau - taumap) / r.curves["tau_1_stderr"].values)[mask]
    assert abs(np.mean(pulls)) < 3 / np.sqrt(mask.sum())
    assert np.std(pulls) == pytest.approx(1.0, abs=0.12)
    # one component: intensity- and amplitude-weighted means are the lifetime itself
    np.testing.assert_allclose(r.curves["tau_avg_intensity"].values[mask], tau[mask])
    assert r.curves["intensity"].values.sum() == pytest.approx(img.values.sum())
    assert r.curves["tau_histogram"].sum() == mask.sum()


def test_binning_sums_neighbours_and_preserves_the_lifetime():
    counts = np.arange(5 * 4 * 2, dtype=float).reshape(5, 4, 2)
    b = bin_image(counts, 1)
    assert b[2, 1, 0] == counts[1:4, 0:3, 0].sum()
    assert b[0, 0, 1] == counts[0:2, 0:2, 1].sum()  # edges sum fewer neighbours
    img, _ = two_region_image(150, shape=(20, 20))
    r = fit_flim(img, irf=IRF, binning=2)
    inner = r.curves["binned_photons"].values[5:15, 3:7]
    assert inner.mean() == pytest.approx(25 * 150, rel=0.05)
    tau = r.curves["tau_1"].values
    assert np.nanmedian(tau[:, :6]) == pytest.approx(1.0, rel=0.03)  # away from the 1|3 border
    assert np.nanmedian(tau[:, 14:]) == pytest.approx(3.0, rel=0.03)
    with pytest.raises(ParameterError, match="binning must be an integer >= 0"):
        bin_image(counts, -1)


def test_bad_images_raise():
    with pytest.raises(ParameterError, match=r"dims \('y', 'x', 'time'\)"):
        fit_flim(xr.DataArray(np.ones((3, 4)), dims=("y", "time")))
    img, _ = two_region_image(10, shape=(4, 4))
    with pytest.raises(ParameterError, match="no pixel has >= 100 photons after binning 0"):
        fit_flim(img, irf=IRF)


def test_real_ptu_beads_image_binned_pixels_agree_with_the_global_decay():
    from heterolab.io import read_flim

    path = shared_file("trpl/tttrlib_microtime200_beads_ptu/beads.ptu")
    img = read_flim(path)
    assert img.sizes["y"] == 50 and img.sizes["x"] == 50
    # ~15 photons per pixel: bin 7 x 7, no IRF in the file -> Gaussian IRF fitted on the sum
    r = fit_flim(img, n_components=1, binning=3, min_photons=300)
    assert r.ok, r.message
    ok = r.curves["converged"].values
    assert r.statistics["n_converged"] >= 0.95 * r.statistics["n_fitted"]
    tau = r.curves["tau_1"].values[ok]
    global_tau = r.derived["global_tau_1"].value
    assert 1.0 < global_tau < 10.0  # bead dyes: a few ns
    # photon-weighted mean of the pixel lifetimes vs the lifetime of the summed decay
    w = r.curves["binned_photons"].values[ok]
    assert np.sum(w * tau) / w.sum() == pytest.approx(global_tau, rel=0.05)
    assert r.statistics["median_chi2_reduced"] < 1.5


def test_real_sdt_curves_fit_with_their_measured_irf():
    from heterolab.io import read_decays

    d = read_decays(shared_file("trpl/chisurf_bh_spc830_sdt/140507p.sdt"))
    curves = d.isel(decay=[1])
    r = fit_decays(curves, irf=d.isel(decay=0).values, n_components=2)
    assert r.ok and bool(r.curves["converged"].values[0])
    taus = [float(r.curves[f"tau_{i}"].values[0]) for i in (1, 2)]
    assert 0.05 < taus[0] < taus[1] < 20.0
    # a 1.5-million-photon decay: the per-decay lifetimes are those of the global fit
    assert taus[1] == pytest.approx(r.derived["global_tau_2"].value, rel=1e-3)
