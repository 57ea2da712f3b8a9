"""fit_trpl_map: shared lifetimes, decay-associated spectra and lifetime vs photon energy."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr
from scipy.special import ndtr

from heterolab.errors import ParameterError
from heterolab.kinetics import fit_trpl_map
from heterolab.kinetics.decay_models import exp_conv_irf
from heterolab.units import wavelength_nm_to_energy_ev

N, DT = 256, 0.05
T = np.arange(N) * DT
IRF = np.diff(ndtr((np.append(T, T[-1] + DT) - 1.5) / (0.2 / 2.3548)))
WL = np.linspace(480.0, 540.0, 13)
TAUS = np.array([0.4, 2.5])
DAS = np.stack(
    [800 * np.exp(-0.5 * ((WL - 500) / 10) ** 2), 400 * np.exp(-0.5 * ((WL - 515) / 12) ** 2)], 1
)


@pytest.fixture(scope="module")
def fitted():
    m = DAS @ exp_conv_irf(T, TAUS, IRF, 0.03) + 1.0
    y = np.random.default_rng(0).poisson(m).astype(float)
    da = xr.DataArray(
        y.T,  # (time, wavelength) on purpose: the fit transposes
        dims=("time", "wavelength"),
        coords={"wavelength": WL, "time": ("time", T * 1e3, {"units": "ps"})},
    )
    return fit_trpl_map(da, irf=IRF, n_components=2)


def test_shared_lifetimes_and_shift_are_recovered(fitted):
    r = fitted
    assert r.ok and r.kind == "trpl.map_fit"
    for i, tau in enumerate(TAUS, start=1):
        assert r[f"tau_{i}"].value == pytest.approx(tau, abs=4 * r[f"tau_{i}"].stderr)
    assert r["shift"].value == pytest.approx(0.03, abs=4 * r["shift"].stderr)
    assert 0.9 < r.statistics["chi2_reduced"] < 1.1


def test_decay_associated_spectra_match_the_truth_within_their_errors(fitted):
    pulls = (fitted.curves["das"].values - DAS.T) / fitted.curves["das_stderr"].values
    assert np.all(np.abs(pulls) < 4.5)
    assert 0.6 < pulls.std() < 1.6  # conditional errors; lifetimes uncertainty adds a little
    peak = fitted.curves["das"].idxmax("wavelength").values
    assert peak.tolist() == pytest.approx([500.0, 515.0], abs=2.6)


def test_lifetime_per_wavelength_and_against_photon_energy(fitted):
    tau = fitted.curves["lifetime"]
    a = DAS  # intensity-weighted mean of the true components at each wavelength
    truth = (a * TAUS**2).sum(1) / (a * TAUS).sum(1)
    err = fitted.curves["lifetime_stderr"].values
    done = np.isfinite(tau.values)
    counts = (DAS @ exp_conv_irf(T, TAUS, IRF, 0.03)).sum(1) + N
    assert not done[counts < 900].any()  # below min_counts = 1000: not fitted
    # rows above it are fitted, or named in a warning (a 2-exp fit of the nearly single-
    # component 540 nm edge can degenerate to tau_1 = tau_2 and is then reported as failed)
    failed = [w for w in fitted.warnings if w.startswith("per-wavelength fits failed")]
    assert done[counts > 1100].sum() + sum(w.count(".0") for w in failed) == (counts > 1100).sum()
    assert np.all(np.abs(tau.values - truth)[done] < 5 * err[done])
    lve = fitted.curves["lifetime_vs_energy"]
    assert lve["energy"].attrs["units"] == "eV"
    assert np.all(np.diff(lve["energy"].values) > 0)
    np.testing.assert_allclose(lve["energy"].values, np.sort(wavelength_nm_to_energy_ev(WL[done])))
    np.testing.assert_allclose(lve.values, tau.values[done][::-1])  # energy rises as λ falls
    assert fitted.statistics["wavelengths_fitted"] == done.sum()


def test_per_wavelength_only_and_bad_input():
    m = DAS @ exp_conv_irf(T, TAUS, IRF, 0.0) + 1.0
    y = np.random.default_rng(1).poisson(m).astype(float)
    da = xr.DataArray(y, dims=("wavelength", "time"), coords={"wavelength": WL, "time": T})
    r = fit_trpl_map(da, irf=IRF, n_components=1, shared=False, min_counts=1e4)
    assert "tau_1" not in r.parameters and "das" not in r.curves
    fitted_rows = r.statistics["wavelengths_fitted"]
    assert 0 < fitted_rows < WL.size  # dim rows below min_counts are skipped
    with pytest.raises(ParameterError, match=r"dims \('wavelength', 'time'\)"):
        fit_trpl_map(xr.DataArray(y, dims=("x", "time")), irf=IRF)


def test_trpl_map_cli_with_a_fixed_gaussian_irf(tmp_path):
    from typer.testing import CliRunner

    from heterolab.cli import app

    m = DAS @ exp_conv_irf(T, TAUS, IRF, 0.0) + 1.0
    y = np.random.default_rng(3).poisson(m)
    path = tmp_path / "map.txt"
    lines = ["wl\t" + "\t".join(f"{v:.4f}" for v in T)]
    lines += [f"{w}\t" + "\t".join(str(int(v)) for v in row) for w, row in zip(WL, y, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    res = CliRunner().invoke(
        app,
        [
            "trpl",
            "map",
            str(path),
            "--irf-fwhm",
            "0.2",
            "--plot",
            str(tmp_path / "m.png"),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["statistics"]["kind"] == "trpl.map_fit"
    for i, tau in enumerate(TAUS, start=1):
        q = d["parameters"][f"tau_{i}"]
        assert q["value"] == pytest.approx(tau, abs=4 * q["stderr"])
    assert d["parameters"]["irf_fwhm"]["stderr"] is None
    assert (tmp_path / "m.png").stat().st_size > 10_000
