"""``heterolab xps …`` through the CLI: one JSON document each, figures written, errors exit 2."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from heterolab.cli import app
from shared_paths import shared_file

pytest.importorskip("lmfitxps")  # the structure extra

runner = CliRunner()
VMS = ("xps", "lg4x_kratos_NiW_vamas", "0-150W.vms")


def _json(args):
    res = runner.invoke(app, [*args, "--json"])
    assert res.exit_code in (0, 1), res.output
    return json.loads(res.stdout), res.exit_code


def test_read_fit_charge_with_json_and_plot(tmp_path):
    v = str(shared_file(*VMS))
    doc, _ = _json(["xps", "read", v])
    assert [r["name"] for r in doc["statistics"]["regions"]] == [
        "wide",
        "Ni 2p",
        "O 1s",
        "C 1s",
        "W 4f",
    ]
    doc, code = _json(["xps", "charge", v, "--block", "C 1s", "--window", "278", "292"])
    shift = doc["derived"]["shift"]["value"]
    assert code == 0 and 2.3 <= shift <= 2.5
    png = tmp_path / "w4f.png"
    args = [
        "xps",
        "fit",
        v,
        "--block",
        "W 4f",
        "--doublet",
        "W 4f@36.0",
        "--singlet",
        "W5p@41.8",
        "--window",
        "30.5",
        "46.5",
        "--free-splitting",
        "--charge-shift",
        str(shift),
        "--plot",
        str(png),
    ]
    res = runner.invoke(app, args)
    # a suspect fit (χ²_red 2.4 on 151 degrees of freedom) still prints and plots, exit 1
    assert res.exit_code == 1 and "misfit z" in res.output, res.output
    assert png.stat().st_size > 10_000
    doc, _ = _json(args[:-2])
    assert doc["parameters"]["W 4f_splitting"]["value"] == pytest.approx(2.18, abs=0.1)


def test_quantify_check_doublet_and_errors():
    doc, code = _json(["xps", "quantify", "--area", "C 1s=1000+-30", "--area", "O 1s=2930+-50"])
    assert code == 0 and doc["derived"]["C 1s_fraction"]["value"] == pytest.approx(0.5)
    doc, code = _json(["xps", "check-doublet", "137.83", "143.61", "--level", "Pb 4f"])
    assert code == 1 and doc["statistics"]["status"] == "suspect"
    assert "5.78 eV apart" in doc["statistics"]["warnings"][0]
    res = runner.invoke(app, ["xps", "quantify", "--area", "C 1s=abc"])
    assert res.exit_code == 2 and "not a number" in res.output
    res = runner.invoke(
        app, ["xps", "fit", str(shared_file(*VMS)), "--block", "W 4f", "--doublet", "W4f"]
    )
    assert res.exit_code == 2 and "must look like 'NAME@ENERGY'" in res.output


def test_series_on_one_vamas_region_twice():
    v = str(shared_file(*VMS))
    doc, _ = _json(
        [
            "xps",
            "series",
            v,
            v,
            "--block",
            "W 4f",
            "--doublet",
            "W 4f@33.6",
            "--labels",
            "a,b",
            "--window",
            "28",
            "38",
        ]
    )
    assert doc["derived"]["a:W 4f_position"]["value"] == pytest.approx(
        doc["derived"]["b:W 4f_position"]["value"]
    )


def test_ups_reuses_the_spectroscopy_implementation():
    from heterolab.io.spectra import read_ups_text
    from heterolab.spectroscopy.ups import valence_band_onset

    ef = shared_file("xps", "lg4x_kratos_NiW_vamas", "170109_1712_Ef.csv")
    doc, code = _json(["xps", "ups", str(ef), "--edge", "vbm", "--window", "0", "4"])
    direct = valence_band_onset(read_ups_text(ef), window=(0, 4))
    assert code == 0 and doc["statistics"]["kind"] == "ups.vbm"
    assert doc["parameters"]["vbm_below_fermi"]["value"] == pytest.approx(
        direct.value("vbm_below_fermi")
    )
    res = runner.invoke(app, ["xps", "ups", str(ef), "--edge", "gap"])
    assert res.exit_code == 2 and "'gap' is not one of 'vbm', 'cutoff'" in res.output
