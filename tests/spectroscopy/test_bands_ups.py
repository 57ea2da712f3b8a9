"""UPS edges and band alignment: thesis Fig. 4-9 numbers give type II, CBO 1.35 / VBO 0.66 eV."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from heterolab.cli import app
from heterolab.errors import ParameterError
from heterolab.physics.bands import BandEdges, edges_from_ups, heterojunction_type
from heterolab.spectroscopy.ups import band_alignment, secondary_electron_cutoff, valence_band_onset

THESIS = (("CsPbBr3", 4.56, 1.40, 2.37), ("PMA2PbBr4", 4.85, 0.45, 3.06))


def test_thesis_band_alignment_is_type_ii_with_verified_offsets():
    r = band_alignment(*THESIS)
    assert r.statistics["type"] == "type II"
    assert r.derived["conduction_band_offset"].value == pytest.approx(1.35, abs=1e-9)
    assert r.derived["valence_band_offset"].value == pytest.approx(0.66, abs=1e-9)
    assert r.derived["A_ionization_energy"].value == pytest.approx(5.96)
    assert r.derived["B_ionization_energy"].value == pytest.approx(5.30)
    assert r.parameters["A_cbm"].value == pytest.approx(-3.59)
    assert r.parameters["B_cbm"].value == pytest.approx(-2.24)
    assert r.statistics["electrons_to"] == "CsPbBr3"
    assert r.statistics["holes_to"] == "PMA2PbBr4"
    # E_F at 59 % / 15 % of the gap -> n-type CsPbBr3, p-type PMA2PbBr4 (verification C5)
    assert r.derived["A_fermi_position"].value == pytest.approx(0.59, abs=0.005)
    assert r.derived["B_fermi_position"].value == pytest.approx(0.15, abs=0.005)
    assert (r.statistics["A_doping"], r.statistics["B_doping"]) == ("n-type", "p-type")


def test_type_i_iii_and_quasi_ii_classification():
    a = BandEdges("A", -6.0, -3.0)
    assert heterojunction_type(a, BandEdges("B", -5.5, -3.5)) == "type I"
    assert heterojunction_type(a, BandEdges("B", -2.5, -1.0)) == "type III"
    assert heterojunction_type(a, BandEdges("B", -5.95, -2.0)) == "quasi-type II"
    assert heterojunction_type(a, BandEdges("B", -5.5, -2.0)) == "type II"
    with pytest.raises(ParameterError, match="need finite CBM > VBM"):
        BandEdges("X", -3.0, -4.0)
    with pytest.raises(ParameterError, match="work function and gap must be > 0"):
        edges_from_ups("X", 4.5, 1.0, 0.0)


def _ups(be, values):
    da = xr.DataArray(values, dims=("binding_energy",), coords={"binding_energy": be})
    da["binding_energy"].attrs["units"] = "eV"
    return da


def test_secondary_electron_cutoff_and_vbm_onset_from_synthetic_ups():
    rng = np.random.default_rng(21)
    be = np.arange(14.0, 18.5, 0.01)
    cutoff = 16.66  # phi = 21.22 - 16.66 = 4.56 eV
    # secondary electrons: linear edge reaching zero at the cutoff, background 5 counts
    secondary = np.where(be < cutoff, 4000 * np.clip(cutoff - be, 0, 0.6), 0.0) + 5.0
    r = secondary_electron_cutoff(_ups(be, rng.poisson(secondary).astype(float)))
    wf = r.derived["work_function"]
    assert wf.value == pytest.approx(4.56, abs=0.02)
    assert wf.stderr is not None and wf.stderr < 0.02
    be2 = np.arange(-1.0, 4.0, 0.01)
    onset = 1.40
    vb = np.where(be2 > onset, 800 * np.clip(be2 - onset, 0, 1.0), 0.0) + 3.0
    r2 = valence_band_onset(_ups(be2, rng.poisson(vb).astype(float)), window=(-1.0, 3.0))
    assert r2.parameters["vbm_below_fermi"].value == pytest.approx(1.40, abs=0.02)
    with pytest.raises(ParameterError, match="binding_energy"):
        valence_band_onset(xr.DataArray(vb, dims=("energy",)))


def test_bands_cli_json_and_plot(tmp_path):
    out = CliRunner().invoke(
        app,
        [
            "bands",
            "CsPbBr3:4.56:1.40:2.37",
            "PMA2PbBr4:4.85:0.45:3.06",
            "--plot",
            str(tmp_path / "bands.png"),
            "--json",
        ],
    )
    assert out.exit_code == 0, out.output
    d = json.loads(out.output)
    assert d["statistics"]["type"] == "type II"
    assert d["derived"]["conduction_band_offset"]["value"] == pytest.approx(1.35)
    assert (tmp_path / "bands.png").stat().st_size > 1000
    bad = CliRunner().invoke(app, ["bands", "CsPbBr3:4.56", "B:1:1:1"])
    assert bad.exit_code == 2
    assert "expected NAME:WORK_FUNCTION:VBM_BELOW_EF:GAP" in bad.output
