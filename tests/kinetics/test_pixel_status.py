"""Per-pixel status of batch/FLIM/map fits (issue #10): decays broken on purpose get the
status and the reason they deserve, the counts reach the Result and the command line, and the
Result is suspect when a relevant fraction of its decays is."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from heterolab.kinetics.trpl.batch import fit_decays
from heterolab.kinetics.trpl.flim import fit_flim
from heterolab.kinetics.trpl.pixel_status import (
    SUSPECT_FRACTION,
    PixelFlag,
    PixelStatus,
    describe,
)
from trpl_truth import FWHM, N_BINS, T, shape

GOOD = shape((1.5,), (1.0,))


def decays(n_good: int, seed: int) -> tuple[np.ndarray, dict[str, int]]:
    """``n_good`` mono-exponential decays (1.5 ns, 1e4 photons) and three broken ones."""
    rng = np.random.default_rng(seed)
    lam = np.tile(GOOD * 1e4 + 0.5, (n_good + 3, 1))
    lam[0] = shape((0.2, 4.0), (0.5, 0.5)) * 2e5 + 0.5  # two lifetimes: a misfit for one
    lam[1] = GOOD * 8.0  # 8 photons: cannot be fitted
    lam[2] = np.full(N_BINS, 50.0)  # flat: no decay to measure
    return rng.poisson(lam).astype(float), {"misfit": 0, "dark": 1, "flat": 2}


def test_broken_decays_get_their_status_and_reasons():
    y, broken = decays(97, seed=11)
    mask = np.ones(y.shape[0], dtype=bool)
    mask[-1] = False
    r = fit_decays(y, time=T, irf=FWHM, n_components=1, mask=mask)
    status = r.curves["pixel_status"].values
    flags = r.curves["pixel_flags"].values
    assert status[broken["misfit"]] == PixelStatus.SUSPECT
    assert flags[broken["misfit"]] & PixelFlag.CHI2
    assert status[broken["dark"]] == PixelStatus.FAILED
    assert flags[broken["dark"]] == PixelFlag.FEW_PHOTONS
    assert status[broken["flat"]] == PixelStatus.SUSPECT
    assert flags[broken["flat"]] == PixelFlag.VANISHED  # no decay: its amplitude went to 0
    assert status[-1] == PixelStatus.MASKED
    good = np.arange(3, y.shape[0] - 1)
    assert np.all(status[good] == PixelStatus.OK) and np.all(flags[good] == 0)
    counts = r.statistics["pixel_status_counts"]
    assert counts == {"ok": good.size, "suspect": 2, "failed": 1, "masked": 1}
    assert r.statistics["pixel_flag_counts"]["too few photons"] == 1
    # 3 of 99 fitted decays (3 %) are not ok: below SUSPECT_FRACTION, the batch stays ok
    assert SUSPECT_FRACTION > 3 / 99 and r.status == "ok"
    assert describe(status[0], flags[0]).startswith("suspect (chi2")


def test_a_batch_with_many_broken_decays_is_suspect_and_says_why():
    y, _ = decays(20, seed=12)
    y = np.concatenate([y, np.tile(y[:1], (3, 1))])  # 4 misfits, 1 dark, 1 flat of 26
    r = fit_decays(y, time=T, irf=FWHM, n_components=1)
    assert r.status == "suspect"
    assert "6 of 26 fitted decays (23.1 %) are suspect or failed" in r.message
    assert "chi2 (misfit z > 5): 4" in r.message


def test_flim_status_map_and_cli_counts(tmp_path):
    from heterolab.cli import app
    from heterolab.io import write_hdf5

    y, _ = decays(61, seed=13)
    img = xr.DataArray(
        y.reshape(8, 8, N_BINS),
        dims=("y", "x", "time"),
        coords={"time": ("time", T, {"units": "ns"})},
    )
    r = fit_flim(img, irf=FWHM, n_components=1, min_photons=50)
    status = r.curves["pixel_status"]
    assert status.dims == ("y", "x")
    assert status.values[0, 0] == PixelStatus.SUSPECT  # the misfit pixel
    assert status.values[0, 1] == PixelStatus.MASKED  # the dark pixel: below min_photons
    assert r.statistics["pixel_status_counts"]["masked"] == 1
    path = tmp_path / "img.h5"
    write_hdf5(img, path)
    res = CliRunner().invoke(
        app, ["trpl", "flim", str(path), "--irf-fwhm", str(FWHM), "--min-photons", "50", "--json"]
    )
    d = json.loads(res.stdout)
    assert d["statistics"]["pixel_status_counts"] == r.statistics["pixel_status_counts"]
    text = CliRunner().invoke(
        app, ["trpl", "flim", str(path), "--irf-fwhm", str(FWHM), "--min-photons", "50"]
    )
    assert "pixels_status" in text.stdout and "1 masked" in text.stdout
    assert "pixels_reasons" in text.stdout and "chi2 (misfit z > 5): 1" in text.stdout


@pytest.mark.parametrize("broken", [True, False])
def test_trpl_map_rows_get_a_status(broken):
    from heterolab.kinetics.trpl.trpl_map import fit_trpl_map

    wl = np.linspace(500.0, 540.0, 6)
    rows = np.tile(GOOD * 2e4 + 1.0, (wl.size, 1))
    if broken:
        rows[2] = shape((0.2, 4.0), (0.5, 0.5)) * 4e5 + 1.0
    y = np.random.default_rng(14).poisson(rows).astype(float)
    da = xr.DataArray(
        y, dims=("wavelength", "time"), coords={"wavelength": wl, "time": ("time", T)}
    )
    r = fit_trpl_map(da, irf_fwhm=FWHM, n_components=1, shared=False)
    status = r.curves["pixel_status"].values
    assert status[2] == (PixelStatus.SUSPECT if broken else PixelStatus.OK)
    assert (r.curves["pixel_flags"].values[2] & PixelFlag.CHI2) == (PixelFlag.CHI2 if broken else 0)
    assert r.status == ("suspect" if broken else "ok")


def test_a_fitted_decay_whose_error_could_not_be_computed_is_not_ok() -> None:
    """A converged decay with a NaN lifetime error (e.g. a shared IRF shift the batch holds no
    information about) is suspect for its relative error, not "ok" with a NaN."""
    from heterolab.kinetics.trpl.pixel_status import classify_batch

    log_tau = np.log(np.array([[1.5], [1.5]]))
    tau_se = np.array([[0.05], [np.nan]])
    amp, amp_se = np.array([[100.0], [100.0]]), np.array([[2.0], [2.0]])
    status, flags = classify_batch(
        np.array([0, 0]), log_tau, tau_se, amp, amp_se, np.zeros(2), (-5.0, 5.0), 50.0, 0.05
    )
    assert status.tolist() == [int(PixelStatus.OK), int(PixelStatus.SUSPECT)]
    assert flags[1] == int(PixelFlag.REL_ERROR)
    assert describe(int(status[1]), int(flags[1])) == "suspect (relative error > 100 % or unknown)"
