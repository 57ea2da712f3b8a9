"""Thesis presets, the files they write (read back by heterolab's readers) and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from heterolab.cli import app
from heterolab.errors import ParameterError
from heterolab.io import read
from heterolab.simulate.presets import available_presets, make_preset, write_preset


@pytest.fixture(scope="module")
def ch3_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("ch3")
    manifest = write_preset("thesis-cspbbr3-pbs-1to30", out, seed=7)
    return out, manifest


def test_presets_are_listed_and_unknown_names_refused():
    assert available_presets() == ["thesis-cspbbr3-pbs-1to30", "thesis-pma2pbbr4-cspbbr3"]
    with pytest.raises(ParameterError, match=r"unknown preset 'x'; available: \["):
        make_preset("x")


def test_ch3_preset_reproduces_the_thesis_numbers():
    p = make_preset("thesis-cspbbr3-pbs-1to30", seed=1)
    ta = p.get("ta_vis_470pump_het_1to30").truth
    assert ta["lifetimes_ps"] == pytest.approx([0.52])  # Table 3-3 heterostructure tau_1
    k = np.array(ta["rate_matrix_per_ps"])
    assert k[2, 0] * 1e12 == pytest.approx(1.80e12, rel=2e-3)  # spec V13: k_ET
    ref = p.get("ta_vis_470pump_cspbbr3").truth
    assert ref["lifetimes_ps"] == pytest.approx([8.08])
    pl = p.get("pl_vis").truth
    assert pl["eta_transfer"] == pytest.approx(0.936, abs=1e-3)  # spec V13: 93.6 %
    assert pl["emitters"]["CsPbBr3"]["emission_peak_nm"] == pytest.approx(471.0, abs=0.01)
    assert pl["emitters"]["PbS"]["emission_peak_nm"] == pytest.approx(1156.0, abs=1.0)
    xrd = p.get("xrd").truth["phases"]
    r200 = {r["hkl"]: r for r in xrd["CsPbBr3"]["reflections"]}["200"]
    assert r200["two_theta"] == pytest.approx(30.25, abs=1e-6)  # Fig. 3-7 heterostructure
    assert {r["hkl"]: r for r in xrd["PbS"]["reflections"]}["200"]["two_theta"] == pytest.approx(
        29.71, abs=1e-6
    )
    xps = p.get("xps_pb4f").truth["doublets"]
    assert xps["Pb-S"]["upper_position_ev"] == pytest.approx(142.29)  # thesis Fig. 3-9
    assert xps["Pb-Br"]["upper_position_ev"] == pytest.approx(142.70)  # not the printed 143.61
    decay = p.get("decay_ns_ta_1to30").truth
    assert decay["taus_ns"] == [550.0, 4840.0]
    assert decay["tau_avg_intensity"] / 1e3 == pytest.approx(3.47, abs=0.04)  # Table 3-2
    assert any("143.61" in w for w in p.warnings)
    assert all(d.data.attrs["simulated"] is True for d in p.datasets)


def test_ch4_preset_lifetimes_and_transport_truth():
    p = make_preset("thesis-pma2pbbr4-cspbbr3", seed=2)
    assert p.get("trpl_het_none").truth["taus_ns"] == [9.2]
    pcbm = p.get("trpl_het_pcbm").truth
    assert pcbm["quenching_efficiency"] == pytest.approx(0.891, abs=1e-3)  # spec V4
    assert pcbm["diffusion_length_nm_for_L100"] == pytest.approx(182.3, abs=0.1)  # spec V4
    assert p.get("trpl_fig4-8c_het").truth["taus_ns"] == [82.5]
    assert any("82.5" in w for w in p.warnings)


def test_same_seed_same_files_different_seed_differs():
    a = make_preset("thesis-pma2pbbr4-cspbbr3", seed=5).get("trpl_le_spiro").data
    b = make_preset("thesis-pma2pbbr4-cspbbr3", seed=5).get("trpl_le_spiro").data
    c = make_preset("thesis-pma2pbbr4-cspbbr3", seed=6).get("trpl_le_spiro").data
    assert np.array_equal(a.values, b.values) and not np.array_equal(a.values, c.values)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("decay_ns_ta_1to30", "decay"),
        ("ta_vis_470pump_het_1to30", "ta"),
        ("ta_nir_470pump_het_1to30", "ta"),
        ("pl_vis", "spectrum"),
        ("absorption_nir", "spectrum"),
    ],
)
def test_written_files_read_back_identically(ch3_dir, name, kind):
    out, _ = ch3_dir
    original = make_preset("thesis-cspbbr3-pbs-1to30", seed=7).get(name).data
    back = read(out / f"{name}.csv", kind=kind)
    assert back.dims == original.dims
    for dim in original.dims:
        np.testing.assert_allclose(back[dim].values, original[dim].values, rtol=1e-9)
        assert back[dim].attrs["units"] == original[dim].attrs["units"]
    np.testing.assert_allclose(back.values, original.values, rtol=1e-9)


def test_truth_json_lists_every_file_with_source(ch3_dir):
    out, manifest = ch3_dir
    truth = json.loads((out / "truth.json").read_text())
    assert truth["warnings"] == manifest["warnings"]
    files = {p.name for p in out.iterdir()} - {"truth.json"}
    assert set(truth["files"]) == files
    assert truth["simulated"] is True and truth["seed"] == 7
    assert all(f["source"].startswith("Yang Yongge") for f in truth["files"].values())
    assert truth == json.loads(json.dumps(truth))  # plain JSON (inf written as a string)


def test_refuses_non_empty_outdir_unless_forced(tmp_path):
    (tmp_path / "keep.txt").write_text("x")
    with pytest.raises(ParameterError, match="is not empty; use --force"):
        write_preset("thesis-pma2pbbr4-cspbbr3", tmp_path)
    write_preset("thesis-pma2pbbr4-cspbbr3", tmp_path, force=True)
    assert (tmp_path / "truth.json").exists() and (tmp_path / "keep.txt").exists()


def test_cli_writes_files_and_reports_errors(tmp_path):
    runner = CliRunner()
    out = tmp_path / "sim"
    res = runner.invoke(
        app, ["simulate", "thesis-pma2pbbr4-cspbbr3", str(out), "--seed", "4", "--json"]
    )
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    assert summary["seed"] == 4 and "trpl_het_spiro.csv" in summary["files"]
    assert (out / "trpl_het_spiro.csv").exists()
    again = runner.invoke(app, ["simulate", "thesis-pma2pbbr4-cspbbr3", str(out)])
    assert again.exit_code == 2 and "is not empty; use --force" in again.output
    bad = runner.invoke(app, ["simulate", "nope", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "unknown preset 'nope'" in bad.output
