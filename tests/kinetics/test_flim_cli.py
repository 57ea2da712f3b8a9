"""CLI: heterolab trpl flim | phasor | batch, through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from heterolab.cli import app
from heterolab.kinetics.decay_models import exp_conv_gaussian_binned
from shared_paths import shared_file

runner = CliRunner()
T = np.arange(128) * 0.1


def _synthetic_image(path: Path, tau: float = 2.5) -> Path:
    from heterolab.io import write_hdf5

    m = exp_conv_gaussian_binned(np.append(T, T[-1] + 0.1), tau, 1.0, 0.25 / 2.3548)
    counts = np.random.default_rng(9).poisson(m / m.sum() * 2000 + 0.01, size=(6, 5, T.size))
    da = xr.DataArray(
        counts.astype(float),
        dims=("y", "x", "time"),
        coords={"time": ("time", T, {"units": "ns"})},
        attrs={"units": "counts"},
    )
    return write_hdf5(da, path)


def test_flim_command_writes_maps_and_prints_json(tmp_path: Path) -> None:
    image = _synthetic_image(tmp_path / "img.h5")
    out = tmp_path / "out"
    res = runner.invoke(
        app, ["trpl", "flim", str(image), "--irf-fwhm", "0.25", "--out", str(out), "--json"]
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["statistics"]["kind"] == "trpl.flim"
    assert d["statistics"]["n_converged"] == 30
    assert d["parameters"]["tau_1"]["value"] == pytest.approx(2.5, rel=0.02)
    assert (out / "img_flim.png").stat().st_size > 0 and (out / "img_flim.h5").exists()


def test_flim_command_errors_name_the_problem(tmp_path: Path) -> None:
    image = _synthetic_image(tmp_path / "img.h5")
    res = runner.invoke(app, ["trpl", "flim", str(image), "--binning", "-1"])
    assert res.exit_code == 2
    assert (
        res.stderr.strip()
        == "error: binning must be an integer >= 0 (kernel half-width in pixels), got -1"
    )


def test_phasor_command_calibrates_with_the_image_as_reference(tmp_path: Path) -> None:
    image = _synthetic_image(tmp_path / "img.h5")
    res = runner.invoke(
        app, ["trpl", "phasor", str(image), "--reference-lifetime", "2.5", "--json"]
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    # the image is its own reference: its mean phasor becomes that of 2.5 ns exactly
    assert d["derived"]["tau_phase"]["value"] == pytest.approx(2.5, rel=1e-6)
    assert d["statistics"]["calibrated"] is True


def test_batch_command_on_the_real_sdt_file() -> None:
    path = shared_file("trpl/chisurf_bh_spc830_sdt/140507p.sdt")
    res = runner.invoke(
        app, ["trpl", "batch", str(path), "--irf-curve", "0", "--components", "2", "--json"]
    )
    # two real decays that two exponentials do not describe (chi2_red 1.4 at ~1e6 photons):
    # each decay's status says so, and the command exits 1 with the counts per reason
    assert res.exit_code == 1, res.output
    d = json.loads(res.stdout)
    assert d["statistics"]["n_decays"] == 2
    assert d["statistics"]["status"] == "suspect"
    assert "status=suspect (chi2" in d["statistics"]["decay curve 1"]
    assert d["statistics"]["pixel_flag_counts"]["chi2 (misfit z > 5)"] == 2
    bad = runner.invoke(app, ["trpl", "batch", str(path), "--irf-curve", "7"])
    assert bad.exit_code == 2
    assert "--irf-curve 7 is not a curve of" in bad.stderr


@pytest.mark.parametrize("command", ["flim", "phasor", "batch"])
def test_every_trpl_image_command_saves_its_figure_with_labelled_axes(tmp_path, command):
    """--plot on flim/phasor/batch (issue #8): the figure is saved through emit, and every axis
    of the Result's figure has a label; time and lifetime axes state (ns)."""
    from heterolab.io import read_flim
    from heterolab.kinetics.trpl.batch import fit_decays
    from heterolab.kinetics.trpl.flim import fit_flim
    from heterolab.kinetics.trpl.phasor import phasor_analysis

    image = _synthetic_image(tmp_path / "img.h5")
    da = read_flim(image)
    decays = da.values.reshape(-1, T.size)[:4]
    table = tmp_path / "decays.txt"
    np.savetxt(table, np.column_stack([T, decays.T]), fmt="%.6g", header="time (ns)", comments="# ")
    png = tmp_path / f"{command}.png"
    args = {
        "flim": ["--irf-fwhm", "0.25"],
        "phasor": ["--reference-lifetime", "2.5"],
        "batch": ["--irf-fwhm", "0.25"],
    }[command]
    source = table if command == "batch" else image
    res = runner.invoke(app, ["trpl", command, str(source), *args, "--plot", str(png)])
    assert res.exit_code == 0, res.output
    assert png.stat().st_size > 10_000
    result = {
        "flim": lambda: fit_flim(da, irf=0.25),
        "phasor": lambda: phasor_analysis(da, reference_lifetime_ns=2.5),
        "batch": lambda: fit_decays(decays, time=T, irf=0.25),
    }[command]()
    fig = result.plot()
    labelled = [ax for ax in fig.axes if ax.get_xlabel() or ax.get_ylabel()]
    assert labelled
    for ax in labelled:
        for label in (ax.get_xlabel(), ax.get_ylabel()):
            if any(word in label for word in ("time", "τ", "tau", "lifetime")):
                assert "(ns)" in label, label
