"""Seeded fuzzing of every registered reader beyond the decay readers: damaged files give a
heterolab error naming the file, never a hang, a raw third-party exception, a warning or an
absurd allocation; a read that succeeds returns finite values on an increasing axis (NaN only
where the format allows missing cells: TA matrices, detector pixels masked as < 0).

Each format gets ``N_MUTATIONS`` damaged copies of one source file (see
``tests/fuzz_mutations.py``: empty, binary garbage, byte flips, extreme header numbers,
truncation, and for text NaN/inf/1e308/blank/word cells, missing or extra cells, swapped and
repeated lines, decimal commas, semicolons, BOM, UTF-16, header only). Real files from
../shared/data where we have them (skipped when absent); the others are written here from
their documented layouts, independently of the readers.
"""

from __future__ import annotations

import bz2
import gzip
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr

from fuzz_mutations import check_read, finite_on_axis, mutants
from shared_paths import shared_file

N_MUTATIONS = 100


def _crop(raw: bytes, n_lines: int) -> bytes:
    return b"".join(raw.splitlines(keepends=True)[:n_lines])


def _ta_check(da: Any) -> None:
    finite_on_axis("time", allow_nan_values=True)(da)
    finite_on_axis("wavelength", allow_nan_values=True)(da)
    assert np.isfinite(da.values).any()


def _image_check(da: Any) -> None:
    assert da.ndim == 2 and min(da.shape) >= 2
    v = np.asarray(da.values, float)
    assert not np.isinf(v).any()


# ------------------------------------------------------------------ sources (real or written)
def _sia(tmp: Path) -> bytes:
    raw = shared_file("ta", "kimopack_ru_dppz_acn", "TA_Ru-dppz_400nm_ACN.SIA").read_bytes()
    return _crop(raw, 16)  # the header row and 15 delays of 446 wavelengths


def _glotaran(tmp: Path) -> bytes:
    raw = shared_file("ta", "glotaran_2016_co_c2o_tol", "2016c2o_tol.ascii").read_bytes()
    return _crop(raw, 36)  # header, 224 delays, 31 wavelength records


def _ta_hdf5(tmp: Path) -> bytes:
    from heterolab.io import write_hdf5

    t, wl = np.linspace(-1.0, 100.0, 20), np.linspace(400.0, 700.0, 30)
    da = xr.DataArray(
        np.outer(np.exp(-np.clip(t, 0, None) / 20), np.sin(wl / 50)),
        dims=("time", "wavelength"),
        coords={"time": t, "wavelength": wl},
        attrs={"units": "OD"},
    )
    return write_hdf5(da, tmp / "ta_source.h5", overwrite=True).read_bytes()


def _spectrum_csv(tmp: Path) -> bytes:
    wl = np.arange(400.0, 800.0, 0.5)
    y = 1000 * np.exp(-0.5 * ((wl - 600) / 20) ** 2) + 5
    rows = "".join(f"{a:.1f},{b:.3f}\n" for a, b in zip(wl, y, strict=True))
    return ("Wavelength (nm),Intensity\n" + rows).encode()


def _jcamp(tmp: Path) -> bytes:
    """JCAMP-DX 4.24 (McDonald & Wilks, Appl. Spectrosc. 42, 151 (1988)), XYDATA (X++(Y..Y))."""
    head = [
        "##TITLE=fuzz",
        "##JCAMP-DX=4.24",
        "##DATA TYPE=INFRARED SPECTRUM",
        "##XUNITS=1/CM",
        "##YUNITS=ABSORBANCE",
        "##XFACTOR=1.0",
        "##YFACTOR=0.001",
        "##FIRSTX=1000",
        "##LASTX=1099",
        "##NPOINTS=100",
        "##XYDATA=(X++(Y..Y))",
    ]
    body = [
        f"{1000 + 10 * i} " + " ".join(str(100 + j + 10 * i) for j in range(10)) for i in range(10)
    ]
    return ("\n".join([*head, *body, "##END="]) + "\n").encode()


def _ups_csv(tmp: Path) -> bytes:
    return shared_file("xps", "lg4x_kratos_NiW_vamas", "170109_1712_Ef.csv").read_bytes()


def _au4f_csv(tmp: Path) -> bytes:
    return shared_file("xps", "lmfitxps_Au4f_DELTA", "clean_Au_4f.csv").read_bytes()


def _vamas(tmp: Path) -> bytes:
    return shared_file("xps", "lg4x_kratos_NiW_vamas", "0-150W.vms").read_bytes()


def _specs_xy(tmp: Path) -> bytes:
    """SpecsLab Prodigy XY-Serializer export layout (as documented in its own header lines)."""
    lines = [
        "# Created by:        SpecsLab Prodigy, Version 4.0",
        "#   Energy Axis:              Kinetic Energy",
        "#   Count Rate:               Counts per Second",
        "#   Separate Scan Data:       yes",
    ]
    be = np.arange(80.0, 90.0, 0.1)
    for k in range(2):
        lines += [
            "# Region:                       Au 4f",
            "# Excitation Energy:            1486.61",
            f"# Cycle: 0, Curve: 0, Scan: {k}",
            "# ColumnLabels:                 energy counts/s",
        ]
        y = 200 + 5e3 * np.exp(-0.5 * ((be - 84.0) / 0.5) ** 2)
        lines += [f"{1486.61 - b:.4f}  {c:.2f}" for b, c in zip(be, y, strict=True)]
        lines.append("")
    return ("\n".join(lines) + "\n").encode()


def _casa(tmp: Path) -> bytes:
    """CasaXPS "Save Tab ASCII" layout: block name, hv line, component rows, column header."""
    be = np.arange(95.0, 79.95, -0.1)
    counts = 200 + 5e3 * np.exp(-0.5 * ((be - 84.0) / 0.5) ** 2)
    lines = [
        "Cycle 0:Au:Au 4f",
        "\tCharacteristic Energy eV\t1.486610e+003\tAcquisition Time s\t1.000000e-001",
        "Name\tAu 4f7/2",
        "Position\t84.00",
        "K.E.\tCounts\t\tB.E.\tCPS\tBackground\tEnvelope",
    ]
    lines += [
        f"{1486.61 - b:e}\t{c:e}\t\t{b:e}\t{10 * c:e}\t{200:e}\t{c:e}"
        for b, c in zip(be, counts, strict=True)
    ]
    return ("\n".join(lines) + "\n").encode()


def _xye(tmp: Path) -> bytes:
    raw = bz2.decompress(
        shared_file("xrd", "xrayutilities_LaB6_D5000", "LaB6_d500_si_psd.xye.bz2").read_bytes()
    )
    return _crop(raw, 600)


def _xye_bz2(tmp: Path) -> bytes:
    return bz2.compress(_xye(tmp))


def _ras(tmp: Path) -> bytes:
    return bz2.decompress(
        shared_file(
            "xrd", "xrayutilities_RAS_InMnAs", "inas_layer_radial_002_004.ras.bz2"
        ).read_bytes()
    )


def _pyfai_xy(tmp: Path) -> bytes:
    return shared_file("giwaxs", "dioptas_CeO2_Pilatus1M", "CeO2_Pilatus1M.xy").read_bytes()


def _xrdml(tmp: Path) -> bytes:
    """PANalytical XRDML 1.5 layout (schema http://www.xrdml.com/XRDMeasurement/1.5)."""
    counts = " ".join(str(i * i + 3) for i in range(50))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<xrdMeasurements xmlns="http://www.xrdml.com/XRDMeasurement/1.5">
 <xrdMeasurement measurementType="Scan">
  <usedWavelength intended="K-Alpha 1">
   <kAlpha1 unit="Angstrom">1.5405980</kAlpha1>
   <kAlpha2 unit="Angstrom">1.5444260</kAlpha2>
   <ratioKAlpha2KAlpha1>0.5000</ratioKAlpha2KAlpha1>
  </usedWavelength>
  <scan appendNumber="0" mode="Continuous" scanAxis="Gonio">
   <dataPoints>
    <positions axis="2Theta" unit="deg"><startPosition>10.00</startPosition>
     <endPosition>10.98</endPosition></positions>
    <commonCountingTime unit="seconds">0.5</commonCountingTime>
    <intensities unit="counts">{counts}</intensities>
   </dataPoints>
  </scan>
 </xrdMeasurement>
</xrdMeasurements>
""".encode()


def _test_image() -> np.ndarray:
    return (np.arange(64 * 48).reshape(48, 64) % 97).astype(np.int32)


def _cbf(tmp: Path) -> bytes:
    from fabio.cbfimage import CbfImage

    CbfImage(data=_test_image()).write(str(tmp / "source.cbf"))
    return (tmp / "source.cbf").read_bytes()


def _edf(tmp: Path) -> bytes:
    from fabio.edfimage import EdfImage

    EdfImage(data=_test_image().astype(np.float32)).write(str(tmp / "source.edf"))
    return (tmp / "source.edf").read_bytes()


def _pilatus_tif(tmp: Path) -> bytes:
    return shared_file("giwaxs", "dioptas_CeO2_Pilatus1M", "CeO2_Pilatus1M.tif").read_bytes()


def _imagej_tif(tmp: Path) -> bytes:
    import tifffile

    f = tmp / "source.tif"
    tifffile.imwrite(
        f,
        _test_image().astype(np.uint16),
        imagej=True,
        resolution=(1 / 0.05, 1 / 0.05),
        metadata={"unit": "nm"},
    )
    return f.read_bytes()


def _hspy(tmp: Path) -> bytes:
    return shared_file("tem", "atomap_SrTiO3_ADF_ABF", "test_ADF_cropped.hdf5").read_bytes()


def _vasprun(tmp: Path) -> bytes:
    return gzip.decompress(shared_file("vasp", "sumo_Cs2SnI6_dos", "vasprun.xml.gz").read_bytes())


def _locpot(tmp: Path) -> bytes:
    """A LOCPOT in VASP's CHGCAR layout (POSCAR block, blank line, grid, values 5 per line)."""
    grid = np.sin(np.arange(4 * 4 * 6) / 7.0)
    head = [
        "GaN fuzz",
        "1.0",
        "  3.19 0.00 0.00",
        " -1.595 2.763 0.00",
        "  0.00 0.00 5.19",
        "Ga N",
        "1 1",
        "Direct",
        "  0.0 0.0 0.0",
        "  0.333 0.667 0.5",
        "",
        "  4 4 6",
    ]
    body = [" ".join(f"{v:.11E}" for v in grid[i : i + 5]) for i in range(0, grid.size, 5)]
    return ("\n".join(head + body) + "\n").encode()


# ------------------------------------------------------------------ readers
def _reader(name: str) -> Callable[[Path], Any]:
    from heterolab.io import read
    from heterolab.io.dft import read_vasp_dos, read_vasp_volumetric
    from heterolab.io.images import read_microscopy_image
    from heterolab.io.spectra import read_jcamp, read_spectrum_text, read_ups_text
    from heterolab.io.ta import read_glotaran_ascii, read_ta_matrix
    from heterolab.io.vamas import (
        read_casa_text,
        read_specs_xy_blocks,
        read_vamas_blocks,
        read_xps_file,
    )
    from heterolab.io.xrd import read_detector_image, read_patterns

    return {
        "ta_read": lambda p: read(p, kind="ta"),
        "ta_matrix": read_ta_matrix,
        "glotaran": read_glotaran_ascii,
        "spectrum": read_spectrum_text,
        "spectrum_read": lambda p: read(p, kind="spectrum"),
        "jcamp": read_jcamp,
        "ups": read_ups_text,
        "xps_file": read_xps_file,
        "vamas": read_vamas_blocks,
        "specs": read_specs_xy_blocks,
        "casa": read_casa_text,
        "patterns": read_patterns,
        "detector": read_detector_image,
        "microscopy": read_microscopy_image,
        "microscopy_user": lambda p: read_microscopy_image(p, pixel_size=0.01, unit="nm"),
        "dos": read_vasp_dos,
        "volumetric": lambda p: read_vasp_volumetric(p, quantity="potential"),
    }[name]


def _volumetric_check(da: Any) -> None:
    assert da.dims == ("a", "b", "c") and np.isfinite(da.values).all()


def _dos_check(ds: Any) -> None:
    e = ds["energy"].values
    assert np.all(np.diff(e) > 0)
    assert all(np.isfinite(ds[v].values).all() for v in ds.data_vars)


BE = finite_on_axis("binding_energy")
TT = finite_on_axis("two_theta")
# name: (source, file name, reader, text?, mutations, validator)
FORMATS: dict[str, tuple[Callable[[Path], bytes], str, str, bool, int, Callable[[Any], None]]] = {
    "sia": (_sia, "m.SIA", "ta_matrix", True, N_MUTATIONS, _ta_check),
    "sia_read": (_sia, "m.SIA", "ta_read", True, N_MUTATIONS, _ta_check),
    "glotaran": (_glotaran, "m.ascii", "glotaran", True, N_MUTATIONS, _ta_check),
    "ta_hdf5": (_ta_hdf5, "m.h5", "ta_read", False, 30, _ta_check),
    "spectrum_csv": (
        _spectrum_csv,
        "m.csv",
        "spectrum",
        True,
        N_MUTATIONS,
        finite_on_axis("wavelength"),
    ),
    "spectrum_read": (
        _spectrum_csv,
        "m.csv",
        "spectrum_read",
        True,
        N_MUTATIONS,
        finite_on_axis("wavelength"),
    ),
    "jcamp": (_jcamp, "m.jdx", "jcamp", True, N_MUTATIONS, finite_on_axis("wavenumber")),
    "ups_csv": (_ups_csv, "m.csv", "ups", True, N_MUTATIONS, BE),
    "au4f_csv": (_au4f_csv, "m.csv", "xps_file", True, N_MUTATIONS, BE),
    "vamas": (_vamas, "m.vms", "vamas", True, N_MUTATIONS, BE),
    "specs_xy": (_specs_xy, "m.xy", "specs", True, N_MUTATIONS, BE),
    "casa": (_casa, "m.txt", "casa", True, N_MUTATIONS, BE),
    "xye": (_xye, "m.xye", "patterns", True, N_MUTATIONS, TT),
    "xye_bz2": (_xye_bz2, "m.xye.bz2", "patterns", False, N_MUTATIONS, TT),
    "ras": (_ras, "m.ras", "patterns", True, N_MUTATIONS, TT),
    "pyfai_xy": (_pyfai_xy, "m.xy", "patterns", True, N_MUTATIONS, TT),
    "xrdml": (_xrdml, "m.xrdml", "patterns", True, N_MUTATIONS, TT),
    "cbf": (_cbf, "m.cbf", "detector", True, N_MUTATIONS, _image_check),
    "edf": (_edf, "m.edf", "detector", True, N_MUTATIONS, _image_check),
    "pilatus_tif": (_pilatus_tif, "m.tif", "detector", False, 30, _image_check),
    "imagej_tif": (_imagej_tif, "m.tif", "microscopy", False, N_MUTATIONS, _image_check),
    "hspy": (_hspy, "m.hdf5", "microscopy_user", False, 30, _image_check),
    "vasprun": (_vasprun, "m_vasprun.xml", "dos", True, 20, _dos_check),
    "locpot": (_locpot, "m_LOCPOT", "volumetric", True, 60, _volumetric_check),
}
SLOW = {"ta_hdf5", "pilatus_tif", "vasprun", "hspy", "sia", "sia_read", "ras", "locpot"}


@pytest.mark.parametrize(
    "fmt", [pytest.param(f, marks=pytest.mark.slow) if f in SLOW else f for f in FORMATS]
)
def test_damaged_files_give_heterolab_errors_only(fmt, tmp_path, monkeypatch):
    # HDF5 files are read in a killable child: a mutant that keeps libhdf5 busy is refused
    monkeypatch.setattr("heterolab.io.hdf5.HDF5_READ_TIMEOUT_S", 3.0)
    source, name, reader_name, text, n, validate = FORMATS[fmt]
    raw = source(tmp_path)
    reader = _reader(reader_name)
    assert check_read(reader, _write(tmp_path / name, raw), validate) == "ok"  # the source reads
    rng = np.random.default_rng(sorted(FORMATS).index(fmt) + 100)
    outcomes = {"ok": 0, "error": 0}
    target = tmp_path / name
    for mutant in mutants(raw, rng, n, text=text):
        target.write_bytes(mutant)
        outcomes[check_read(reader, target, validate)] += 1
    assert outcomes["error"] >= 2  # at least the empty file and the garbage were refused


def _write(path: Path, raw: bytes) -> Path:
    path.write_bytes(raw)
    return path
