"""Issue #15: ``spectrum plqy`` and ``xps ups`` draw their figures (``--plot``): the
integrating-sphere spectra with the laser and emission windows, and the UPS edge with the
extrapolated onset marked; every axis states its unit."""

from __future__ import annotations

import re

import numpy as np
import pytest
from typer.testing import CliRunner

from heterolab.cli import app

pytest.importorskip("matplotlib")

runner = CliRunner()
UNIT = re.compile(r"\(([^()]+)\)\s*$")


def _sphere_spectra(tmp_path):
    """Sample and blank integrating-sphere spectra written without heterolab's writers:
    a laser line at 465 nm that the sample absorbs by 40 %, and its PL at 515 nm."""
    wl = np.arange(440.0, 600.0, 0.5)
    laser = 1e5 * np.exp(-0.5 * ((wl - 465.0) / 2.0) ** 2)
    pl = 8e3 * np.exp(-0.5 * ((wl - 515.0) / 9.0) ** 2)
    paths = []
    for name, y in (("blank", laser + 10.0), ("sample", 0.6 * laser + pl + 10.0)):
        p = tmp_path / f"{name}.csv"
        rows = "\n".join(f"{a:.1f},{b:.3f}" for a, b in zip(wl, y, strict=True))
        p.write_text("wavelength (nm),counts\n" + rows + "\n")
        paths.append(p)
    return paths[1], paths[0]


def _figure_labels(path):
    from heterolab.io import read
    from heterolab.report.plots import plot_result
    from heterolab.spectroscopy.plqy import plqy_absolute

    sample, blank = path
    res = plqy_absolute(
        read(sample, kind="spectrum"),
        read(blank, kind="spectrum"),
        laser_window=(455.0, 475.0),
        emission_window=(480.0, 560.0),
    )
    return res, plot_result(res)


def test_plqy_plot_shows_both_spectra_windows_and_the_answer(tmp_path):
    sample, blank = _sphere_spectra(tmp_path)
    png = tmp_path / "plqy.png"
    args = ["spectrum", "plqy", str(sample), str(blank), "--laser", "455", "475"]
    res = runner.invoke(app, [*args, "--emission", "480", "560", "--plot", str(png)])
    assert res.exit_code == 0, res.output
    assert png.stat().st_size > 10_000
    result, fig = _figure_labels((sample, blank))
    # PL area / absorbed laser area, computed here from the generator's own Gaussians
    expected = (8e3 * 9.0) / (0.4 * 1e5 * 2.0)
    assert result["plqy"].value == pytest.approx(expected, rel=0.01)
    ax = fig.axes[0]
    assert UNIT.search(ax.get_xlabel()) and UNIT.search(ax.get_ylabel())
    assert "wavelength" in ax.get_xlabel().lower() and "PLQY" in ax.get_title()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"sample", "blank", "laser window", "emission window"} <= set(labels)


@pytest.mark.parametrize(("edge", "onset"), [("vbm", 1.4), ("cutoff", 16.5)])
def test_ups_plot_marks_the_onset_on_a_binding_energy_axis(tmp_path, edge, onset):
    from heterolab.io.spectra import make_photoemission_spectrum
    from heterolab.report.plots import plot_result
    from heterolab.structure.xps import secondary_electron_cutoff, valence_band_onset

    be = np.arange(-1.0, 18.0, 0.02)
    if edge == "vbm":
        y = 50.0 + 5000.0 / (1.0 + np.exp(-(be - onset) / 0.1))
    else:  # secondary electrons: a tall signal that falls to zero at the cutoff
        y = 50.0 + 5000.0 / (1.0 + np.exp((be - onset) / 0.1))
    p = tmp_path / "ups.csv"
    rows = "\n".join(f"{a:.3f},{b:.2f}" for a, b in zip(be, y, strict=True))
    p.write_text("Binding Energy (eV),Counts\n" + rows + "\n")
    png = tmp_path / "ups.png"
    res = runner.invoke(app, ["xps", "ups", str(p), "--edge", edge, "--plot", str(png)])
    assert res.exit_code == 0, res.output
    assert png.stat().st_size > 10_000
    spec = make_photoemission_spectrum(be, y, "binding_energy", photon_energy=21.22)
    result = valence_band_onset(spec) if edge == "vbm" else secondary_electron_cutoff(spec)
    fig = plot_result(result)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Binding energy (eV)" and UNIT.search(ax.get_ylabel())
    assert ax.xaxis_inverted()
    marked = [ln.get_xdata()[0] for ln in ax.get_lines()[1:]]
    name = "vbm_below_fermi" if edge == "vbm" else "cutoff"
    assert marked == [pytest.approx(result.parameters[name].value)]
    # the linear extrapolation of a logistic edge lands within its width of the midpoint
    assert abs(result.parameters[name].value - onset) < 0.3
