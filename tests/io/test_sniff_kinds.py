"""``heterolab.io.read(path)`` without ``kind``: a plain numeric table is read as the kind its
header names, or refused with the ``kind=`` values to pass (a steady-state spectrum used to be
sent to the decay reader); TIFF micrographs and detector frames each reach their reader."""

from __future__ import annotations

import numpy as np
import pytest

from heterolab.errors import FormatError
from heterolab.io import read
from shared_paths import shared_file

WL = np.arange(500.0, 700.0, 1.0)
PEAK = 1000 * np.exp(-0.5 * ((WL - 600) / 15) ** 2) + 10  # rises once, falls: decay-shaped


def _table(path, header, x=WL, y=PEAK, sep=","):
    rows = [f"{a:g}{sep}{b:.3f}" for a, b in zip(x, y, strict=True)]
    path.write_text("\n".join(([header] if header else []) + rows) + "\n")
    return path


@pytest.mark.parametrize(
    ("header", "kind", "dim"),
    [
        ("Wavelength (nm),Intensity", "spectrum", "wavelength"),
        ("lambda [nm],PL", "spectrum", "wavelength"),
        ("Energy (eV),Absorbance", "spectrum", "energy"),
        ("Wavenumber (cm-1),A", "spectrum", "wavenumber"),
        ("BE/eV,counts", "photoemission", "binding_energy"),
        ("2theta,I", "xrd_pattern", "two_theta"),
        ("# 2th_deg I", "xrd_pattern", "two_theta"),
        ("time (ns),counts", "decay", "time"),
    ],
)
def test_the_header_word_picks_the_kind(tmp_path, header, kind, dim):
    sep = " " if header.startswith("#") else ","
    x = WL / 10 if kind == "xrd_pattern" else WL - 400 if kind == "photoemission" else WL
    p = _table(tmp_path / "data.csv", header.replace(",", sep), x=x, sep=sep)
    da = read(p)
    assert da.dims[0] == dim


def test_a_spectrum_is_not_sent_to_the_decay_reader(tmp_path):
    """The regression: a PL peak (one rise, one fall) in a 'Wavelength (nm)' table was read by
    the decay reader (or refused with 'not a time unit') when read() had no kind."""
    da = read(_table(tmp_path / "pl.csv", "Wavelength (nm),Intensity"))
    assert da.attrs["reader"] == "spectrum_text"
    np.testing.assert_allclose(da["wavelength"].values, WL)
    np.testing.assert_allclose(da.values, np.round(PEAK, 3))


def test_a_table_without_a_header_is_refused_naming_the_kinds(tmp_path):
    p = _table(tmp_path / "bare.csv", None)
    with pytest.raises(FormatError) as info:
        read(p)
    msg = str(info.value)
    assert "bare.csv: cannot tell what this 2-column table holds" in msg
    for kind in ("kind='decay'", "'spectrum'", "'photoemission'", "'xrd_pattern'"):
        assert kind in msg
    assert read(p, kind="spectrum", axis="wavelength").dims == ("wavelength",)
    assert read(p, kind="decay").dims == ("time",)  # the user may insist
    q = _table(tmp_path / "temp.csv", "T (K),PL")  # a header naming no known axis
    with pytest.raises(FormatError, match=r"first column is labelled 'T \(K\)', which names no"):
        read(q)


def test_real_files_still_reach_their_readers_without_kind():
    ups = read(shared_file("xps", "lg4x_kratos_NiW_vamas", "170109_1712_Ef.csv"))
    assert ups.attrs["reader"] == "ups_text"
    au = read(shared_file("xps", "lmfitxps_Au4f_DELTA", "clean_Au_4f.csv"))
    assert au.attrs["reader"] == "ups_text" and au.attrs["photon_energy"] == 180.0
    assert read(shared_file("giwaxs", "dioptas_CeO2_Pilatus1M", "CeO2_Pilatus1M.xy")).dims == (
        "two_theta",
    )
    horiba = read(shared_file("trpl", "lifefit_atto550_dna_horiba", "irf.txt"))
    assert horiba.attrs["reader"] == "horiba_tcspc"
    with pytest.raises(FormatError, match=r"FermiEdge\.csv: cannot tell"):  # no header at all
        read(shared_file("xps", "lmfitxps_Au4f_DELTA", "FermiEdge.csv"))


def test_ocean_optics_export_reads_on_its_wavelength_axis(tmp_path):
    """SpectraSuite text export layout: header lines, the Begin marker, tab-separated
    wavelength (nm) and counts, the End marker."""
    head = [
        "SpectraSuite Data File",
        "++++++++++++++++++++++++++++++++++++",
        "Date: Mon Jun 11 14:59:44 JST 2018",
        "Integration Time (usec): 60000 (USB4F06998)",
        "Number of Pixels in Processed Spectrum: 200",
        ">>>>>Begin Processed Spectral Data<<<<<",
    ]
    rows = [f"{a:.2f}\t{b:.3f}" for a, b in zip(WL, PEAK, strict=True)]
    p = tmp_path / "oo.txt"
    p.write_text("\n".join([*head, *rows, ">>>>>End Processed Spectral Data<<<<<"]) + "\n")
    da = read(p)
    assert da.dims == ("wavelength",) and da.attrs["reader"] == "spectrum_text"
    np.testing.assert_allclose(da["wavelength"].values, WL)
    assert read(p, kind="spectrum").sizes["wavelength"] == WL.size


def test_tiff_micrograph_reads_as_image_and_detector_tiff_as_detector_image(tmp_path):
    import tifffile

    f = tmp_path / "m.tif"
    data = np.arange(64, dtype="uint16").reshape(8, 8)
    tifffile.imwrite(f, data, imagej=True, resolution=(20, 20), metadata={"unit": "nm"})
    img = read(f, kind="image")
    assert img.dims == ("y", "x") and img.attrs["reader"] == "microscopy_image"
    np.testing.assert_allclose(np.diff(img["x"].values), 0.05)
    assert read(f).attrs["reader"] == "microscopy_image"  # the ImageJ description says so
    plain = tmp_path / "frame.tif"
    tifffile.imwrite(plain, data)
    assert read(plain).attrs["reader"] == "detector_image"
    with pytest.raises(FormatError, match=r"frame\.tif: no length calibration stored"):
        read(plain, kind="image")
    assert read(plain, kind="image", pixel_size=0.1, unit="nm").sizes == {"y": 8, "x": 8}


def test_phi_multipak_vamas_with_its_npl_extension_reads_by_content():
    """A real PHI MultiPak export (MIT, LG4X example data; tests/io/data/README.md): VAMAS
    saved as .npl. Found by content; the C 1s maximum sits at the adventitious-carbon
    reference 284.8 eV (within the 0.05 eV step), hv from the file is Al Kα 1486.6 eV."""
    from pathlib import Path

    from typer.testing import CliRunner

    from heterolab.cli import app
    from heterolab.io.vamas import read_vamas_blocks

    f = Path(__file__).parent / "data" / "lg4x_phi_multipak_vamas.npl"
    blocks = read_vamas_blocks(f)
    assert len(blocks) == 5
    c1s = read(f, block=0)
    assert c1s.attrs["reader"] == "vamas" and c1s.attrs["photon_energy"] == pytest.approx(1486.6)
    assert c1s.sizes["binding_energy"] == 601
    assert float(c1s["binding_energy"][int(np.argmax(c1s.values))]) == pytest.approx(284.8, abs=0.1)
    res = CliRunner().invoke(app, ["xps", "read", str(f), "--json"])
    assert res.exit_code == 0, res.output
    import json

    derived = json.loads(res.stdout)["derived"]
    assert sorted(k for k in derived if k.endswith(":be_at_max")) == [
        f"Block No.{i}:be_at_max" for i in range(1, 6)
    ]


def test_a_hyperspy_file_without_kind_is_refused_with_the_kind_to_pass():
    f = shared_file("tem", "atomap_SrTiO3_ADF_ABF", "test_ADF_cropped.hdf5")
    with pytest.raises(FormatError, match=r"a HyperSpy image: read it with kind='image'"):
        read(f)
    img = read(f, kind="image", pixel_size=0.0093263, unit="nm")
    assert dict(img.sizes) == {"y": 400, "x": 380}
