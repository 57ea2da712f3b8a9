"""UPS/XPS readers on real files (shared/data/xps, MIT) and on small written cases.

Expected values come from the data READMEs and the files themselves: the VAMAS W 4f block
starts at KE 1436.69 eV with 897 counts and states y-min 78 / y-max 5360; W 4f maxima at
33.6/35.7 eV, C 1s 282.5 eV, O 1s 528.4 eV (uncorrected BE = hν − KE, hν = 1486.69 eV).
"""

from __future__ import annotations

import numpy as np
import pytest

from heterolab.errors import FormatError, ParameterError
from heterolab.io import read
from heterolab.io.spectra import read_ups_text, read_vamas, read_vamas_blocks
from shared_paths import shared_file

VMS = ("xps", "lg4x_kratos_NiW_vamas", "0-150W.vms")


def _peak(s, lo: float, hi: float) -> float:
    w = s.sel(binding_energy=slice(lo, hi))
    return float(w["binding_energy"][int(np.argmax(w.values))])


def test_au_fermi_edge_csv_has_binding_energy_axis_from_header():
    p = shared_file("xps", "lg4x_kratos_NiW_vamas", "170109_1712_Ef.csv")
    s = read(p, kind="photoemission")
    assert s.dims == ("binding_energy",) and s["binding_energy"].attrs["units"] == "eV"
    assert s.size == 351 and np.all(np.diff(s["binding_energy"].values) > 0)
    # first file row "5.30000019073486,9.639629" (the file runs from high to low BE)
    assert s.sel(binding_energy=5.30000019073486).item() == pytest.approx(9.639629)
    # occupied states (BE > 0) emit; above E_F (BE < 0) the signal drops: a Fermi edge at 0
    above = float(s.sel(binding_energy=slice(None, -0.3)).mean())
    below = float(s.sel(binding_energy=slice(0.3, 1.0)).mean())
    assert below > 2 * above


def test_kinetic_energy_csv_uses_photon_energy_from_header():
    s = read_ups_text(shared_file("xps", "lmfitxps_Au4f_DELTA", "clean_Au_4f.csv"))
    assert s.attrs["photon_energy"] == 180.0
    assert s.size == 294  # 295 lines minus the header (the README says 293 rows)
    # first row "84.0,9616.0": KE 84.0 eV -> BE 96.0 eV
    assert s.sel(binding_energy=96.0).item() == 9616.0
    assert s.sel(binding_energy=96.0)["kinetic_energy"].item() == 84.0
    # README: raw Au 4f maxima at KE 92.313 and 88.627 eV
    assert _peak(s, 85.0, 90.0) == pytest.approx(180 - 92.313, abs=5e-4)
    assert _peak(s, 90.0, 94.0) == pytest.approx(180 - 88.627, abs=5e-4)


def test_headerless_file_needs_axis_and_photon_energy():
    p = shared_file("xps", "lmfitxps_Au4f_DELTA", "FermiEdge.csv")
    with pytest.raises(FormatError, match="does not name the energy axis"):
        read_ups_text(p)
    with pytest.raises(FormatError, match="no photon energy in the header"):
        read_ups_text(p, axis="kinetic_energy")
    s = read_ups_text(p, axis="kinetic_energy", photon_energy=240.0)
    assert s.sel(binding_energy=240.0 - 234.246, method="nearest").item() == 409.0
    with pytest.raises(ParameterError, match="axis must be one of binding_energy"):
        read_ups_text(p, axis="energy")


def test_vamas_blocks_axis_counts_and_peaks():
    p = shared_file(*VMS)
    blocks = read_vamas_blocks(p)
    assert list(blocks) == ["wide", "Ni 2p", "O 1s", "C 1s", "W 4f"]
    w = blocks["W 4f"]
    assert w.attrs["photon_energy"] == 1486.69 and w.attrs["scans"] == 10
    assert w.size == 251
    np.testing.assert_allclose(w["binding_energy"].values[[0, -1]], [25.0, 50.0], atol=1e-9)
    assert w.sel(binding_energy=50.0, method="nearest")["kinetic_energy"].item() == (
        pytest.approx(1436.69)
    )
    assert w.sel(binding_energy=50.0, method="nearest").item() == 897.0
    assert (w.min().item(), w.max().item()) == (78.0, 5360.0)
    assert _peak(w, 30.0, 34.5) == pytest.approx(33.6, abs=1e-6)
    assert _peak(w, 34.5, 37.0) == pytest.approx(35.7, abs=1e-6)
    assert _peak(blocks["C 1s"], 270, 300) == pytest.approx(282.5, abs=1e-6)
    assert _peak(blocks["O 1s"], 520, 545) == pytest.approx(528.4, abs=1e-6)


def test_vamas_through_registry_block_choice_and_errors(tmp_path):
    p = shared_file(*VMS)
    s = read(p, kind="photoemission", block="C 1s")
    assert s.attrs["block"] == "C 1s" and s.attrs["reader"] == "vamas"
    assert read_vamas(p, block=4).attrs["block"] == "W 4f"
    with pytest.raises(ParameterError, match=r"holds 5 blocks \(wide, Ni 2p, O 1s, C 1s, W 4f\)"):
        read_vamas(p)
    with pytest.raises(ParameterError, match="no block 'Au 4f'"):
        read_vamas(p, block="Au 4f")
    # a truncated copy (first 3000 lines) in tmp: the reader names the problem
    cut = tmp_path / "cut.vms"
    cut.write_bytes(b"\r\n".join(p.read_bytes().split(b"\r\n")[:3000]))
    with pytest.raises(FormatError, match=r"cut.vms: VAMAS file ends before its last block"):
        read_vamas_blocks(cut)
    fake = tmp_path / "fake.vms"
    fake.write_text("hello\n")
    with pytest.raises(FormatError, match="not a VAMAS file"):
        read_vamas_blocks(fake)


def test_written_ups_file_errors_name_file_and_line(tmp_path):
    p = tmp_path / "ups.csv"
    p.write_text("Binding Energy (eV),Counts\n0.0,5\n0.1,x\n0.2,7\n")
    with pytest.raises(FormatError, match=r"ups.csv, line 3: non-numeric cell 'x'"):
        read_ups_text(p)
    q = tmp_path / "ke.csv"
    q.write_text("KE (eV),Counts\n16.0,5\n16.1,6\n16.2,7\n")
    with pytest.raises(FormatError, match="axis='binding_energy' given but the header says"):
        read_ups_text(q, axis="binding_energy")
    s = read_ups_text(q, photon_energy=21.22)
    np.testing.assert_allclose(s["binding_energy"].values, [5.02, 5.12, 5.22], atol=1e-12)
    np.testing.assert_array_equal(s.values, [7, 6, 5])
    three = tmp_path / "three.csv"
    three.write_text("BE,a,b\n0,1,2\n1,2,3\n2,3,4\n")
    with pytest.raises(FormatError, match="expected 2 columns"):
        read_ups_text(three)
