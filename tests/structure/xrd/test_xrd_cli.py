"""``heterolab xrd …`` and ``heterolab giwaxs …`` call the public functions and print one JSON
document with --json; figures are written with --plot."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from heterolab.cli import app
from shared_paths import shared_file

runner = CliRunner()


def test_strain_json_reports_the_inconsistency() -> None:
    out = runner.invoke(
        app,
        [
            "xrd",
            "strain",
            "--reference",
            "30.43",
            "--reference",
            "43.61",
            "--measured",
            "30.25",
            "--measured",
            "43.47",
            "--labels",
            "200",
            "--labels",
            "220",
            "--json",
        ],
    )
    assert out.exit_code == 1  # suspect: printed, then exit 1
    doc = json.loads(out.stdout)
    assert doc["statistics"]["status"] == "suspect"
    assert doc["derived"]["strain_200"]["value"] == pytest.approx(0.00581, abs=5e-5)


def test_fractions_print_the_assumptions() -> None:
    out = runner.invoke(app, ["xrd", "fractions", "--phase", "A:100:2", "--phase", "B:50:4"])
    assert out.exit_code == 0, out.output
    assert "Chung 1974" in out.stdout and "w_A" in out.stdout
    bad = runner.invoke(app, ["xrd", "fractions", "--phase", "A:x:2", "--phase", "B:1:1"])
    assert bad.exit_code == 2 and "must be numbers" in bad.output


@pytest.mark.shared_data
def test_read_ras_prints_both_scans_and_plots(tmp_path) -> None:
    ras = shared_file("xrd", "xrayutilities_RAS_InMnAs", "inas_layer_radial_002_004.ras.bz2")
    out = runner.invoke(app, ["xrd", "read", str(ras), "--json"])
    assert out.exit_code == 0, out.output
    assert len(json.loads(out.stdout)["results"]) == 2
    png = tmp_path / "scan.png"
    out = runner.invoke(app, ["xrd", "read", str(ras), "--scan", "1", "--plot", str(png)])
    assert out.exit_code == 0 and png.stat().st_size > 0


@pytest.mark.shared_data
def test_giwaxs_integrate_and_orientation(tmp_path) -> None:
    d = ("giwaxs", "dioptas_CeO2_Pilatus1M")
    tif, poni = shared_file(*d, "CeO2_Pilatus1M.tif"), shared_file(*d, "CeO2_Pilatus1M.poni")
    png = tmp_path / "i.png"
    out = runner.invoke(
        app,
        [
            "giwaxs",
            "integrate",
            str(tif),
            "--poni",
            str(poni),
            "--flip",
            "ud",
            "--json",
            "--plot",
            str(png),
        ],
    )
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["statistics"]["flip"] == "ud" and png.exists()
    out = runner.invoke(
        app,
        [
            "giwaxs",
            "orientation",
            str(tif),
            "--poni",
            str(poni),
            "--flip",
            "ud",
            "--q-range",
            "1.98",
            "2.04",
            "--json",
        ],
    )
    doc = json.loads(out.stdout)
    # the calibrant's (111) ring is grainy (99th percentile / median = 7): a ring all the same
    assert doc["statistics"]["feature"] == "ring"
    assert doc["statistics"]["texture"] == "grainy"
    assert -0.5 <= doc["derived"]["hermans_f"]["value"] <= 1.0


@pytest.mark.shared_data
def test_refine_lab6_is_ok_with_the_asymmetric_default_profile(tmp_path) -> None:
    lab6 = shared_file("xrd", "xrayutilities_LaB6_D5000", "LaB6_d500_si_psd.xye.bz2")
    png = tmp_path / "lattice.png"
    args = ["xrd", "refine", str(lab6), "--anode", "Cu", "--a", "4.1777", "--space-group"]
    out = runner.invoke(app, [*args, "Pm-3m", "--radius", "337", "--json", "--plot", str(png)])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert abs(doc["parameters"]["a"]["value"] - 4.15692) < 2e-4
    assert "displacement_um" in doc["derived"]
    assert png.stat().st_size > 0


def test_size_of_a_pattern_without_peaks_says_so_plainly(tmp_path) -> None:
    """Flat Poisson counts: one plain sentence naming the file, the 2θ range searched and the
    threshold; a failed result, exit 1 (docs/cli.md), the same sentence in --json."""
    import numpy as np

    x = np.arange(10.0, 60.0, 0.02)
    y = np.random.default_rng(4).poisson(100.0, x.size)
    path = tmp_path / "flat.xy"
    np.savetxt(path, np.c_[x, y])
    expected = (
        f"{path}: no reflection found above the noise in 2θ 10.00–59.98 deg "
        "(threshold: peak prominence > 8 σ of the counts)"
    )
    out = runner.invoke(app, ["xrd", "size", str(path), "--anode", "Cu"])
    assert out.exit_code == 1
    assert f"[failed]  {expected}" in out.stdout
    assert "Traceback" not in out.output
    out = runner.invoke(app, ["xrd", "size", str(path), "--anode", "Cu", "--json"])
    assert out.exit_code == 1
    doc = json.loads(out.stdout)
    assert doc["statistics"]["status"] == "failed"
    assert doc["statistics"]["message"] == expected
