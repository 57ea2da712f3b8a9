"""Spectrum readers: CSV/JASCO/JCAMP-DX, axis from the header, errors naming file and line."""

from __future__ import annotations

import numpy as np
import pytest

from heterolab.errors import FormatError, ParameterError
from heterolab.io import read
from heterolab.io.spectra import make_spectrum, read_jcamp, read_spectrum_text, write_spectrum_csv


def test_csv_round_trip_keeps_axis_values_and_units(tmp_path):
    s = make_spectrum(
        np.linspace(400, 700, 31), np.arange(31.0) ** 1.5, "wavelength", units="counts"
    )
    p = write_spectrum_csv(s, tmp_path / "pl.csv")
    back = read_spectrum_text(p)
    assert back.dims == ("wavelength",)
    assert back["wavelength"].attrs["units"] == "nm"
    np.testing.assert_array_equal(back.values, s.values)
    np.testing.assert_array_equal(back["wavelength"].values, s["wavelength"].values)


def test_descending_axis_is_sorted_and_absorbance_units_detected(tmp_path):
    p = tmp_path / "abs.txt"
    p.write_text("Wavelength (nm)\tAbsorbance\n700\t0.1\n650\t0.2\n600\t0.4\n")
    s = read_spectrum_text(p)
    assert s.attrs["units"] == "OD"
    np.testing.assert_array_equal(s["wavelength"].values, [600, 650, 700])
    np.testing.assert_array_equal(s.values, [0.4, 0.2, 0.1])


def test_jasco_text_export_is_sniffed_through_the_registry(tmp_path):
    p = tmp_path / "jasco.data"
    p.write_text(
        "TITLE\tsample\nORIGIN\tJASCO\nXUNITS\tNANOMETERS\nYUNITS\tABSORBANCE\nNPOINTS\t4\n"
        "XYDATA\n400.0\t1.0\n401.0\t0.9\n402.0\t0.8\n403.0\t0.7\n"
    )
    s = read(p, kind="spectrum")
    assert s.dims == ("wavelength",) and s.attrs["units"] == "OD"
    assert s.attrs["header"]["XUNITS"] == "NANOMETERS"
    np.testing.assert_allclose(s.values, [1.0, 0.9, 0.8, 0.7])


def test_multi_column_file_gives_channels(tmp_path):
    p = tmp_path / "multi.csv"
    p.write_text("energy (eV),a,b\n2.0,1,10\n2.1,2,20\n2.2,3,30\n")
    s = read_spectrum_text(p)
    assert s.dims == ("energy", "channel")
    assert list(s["channel"].values) == ["a", "b"]
    np.testing.assert_array_equal(s.sel(channel="b").values, [10, 20, 30])


def test_missing_axis_in_header_is_an_error_unless_given(tmp_path):
    p = tmp_path / "bare.csv"
    p.write_text("1,2\n2,3\n3,4\n")
    with pytest.raises(FormatError, match="does not name the spectral axis"):
        read_spectrum_text(p)
    assert read_spectrum_text(p, axis="wavenumber").dims == ("wavenumber",)


def test_ragged_and_non_numeric_rows_name_the_line(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("wavelength,counts\n400,1\n401,2,3\n402,3\n")
    with pytest.raises(FormatError, match=r"bad.csv, line 3: row has 3 cells, expected 2"):
        read_spectrum_text(p)
    q = tmp_path / "bad2.csv"
    q.write_text("wavelength,counts\n400,1\n401,abc\n402,3\n")
    with pytest.raises(FormatError, match=r"line 3: non-numeric cell 'abc'"):
        read_spectrum_text(q)


def test_file_without_numbers_is_rejected(tmp_path):
    p = tmp_path / "empty.csv"
    p.write_text("wavelength,counts\n")
    with pytest.raises(FormatError, match="no numeric data rows"):
        read_spectrum_text(p)


def test_jcamp_dx_wavenumber_spectrum(tmp_path):
    p = tmp_path / "ir.jdx"
    lines = [
        "##TITLE=test",
        "##JCAMP-DX=4.24",
        "##DATA TYPE=INFRARED SPECTRUM",
        "##XUNITS=1/CM",
        "##YUNITS=ABSORBANCE",
        "##XFACTOR=1.0",
        "##YFACTOR=0.001",
        "##FIRSTX=1000",
        "##LASTX=1004",
        "##NPOINTS=5",
        "##XYDATA=(X++(Y..Y))",
        "1000 100 200 300 400 500",
        "##END=",
    ]
    p.write_text("\n".join(lines) + "\n")
    s = read(p)
    assert s.dims == ("wavenumber",)
    assert s["wavenumber"].attrs["units"] == "1/cm"
    np.testing.assert_allclose(s["wavenumber"].values, [1000, 1001, 1002, 1003, 1004])
    np.testing.assert_allclose(s.values, [0.1, 0.2, 0.3, 0.4, 0.5])


def test_unreadable_jcamp_raises_format_error(tmp_path):
    p = tmp_path / "x.jdx"
    p.write_text("##TITLE=x\n##XUNITS=SECONDS\n##END=\n")
    with pytest.raises(FormatError, match=r"x\.jdx"):
        read_jcamp(p)


def test_mev_and_micrometre_axes_are_converted_to_standard_units(tmp_path):
    p = tmp_path / "mev.csv"
    p.write_text("Energy (meV),counts\n2400,1\n2410,2\n2420,3\n")
    s = read_spectrum_text(p)
    assert s.dims == ("energy",)
    np.testing.assert_allclose(s["energy"].values, [2.40, 2.41, 2.42])
    q = tmp_path / "um.csv"
    q.write_text("Wavelength (um),counts\n1.0,1\n1.1,2\n1.2,3\n")
    np.testing.assert_allclose(read_spectrum_text(q)["wavelength"].values, [1000, 1100, 1200])


def test_delimiter_option_takes_the_decay_readers_names(tmp_path):
    p = tmp_path / "pl.txt"
    p.write_text("wavelength (nm)\tintensity\n500\t1.5\n501\t2.5\n502\t3.5\n")
    by_name = read_spectrum_text(p, delimiter="tab")
    by_char = read_spectrum_text(p, delimiter="\t")
    np.testing.assert_array_equal(by_name.values, [1.5, 2.5, 3.5])
    np.testing.assert_array_equal(by_name["wavelength"].values, by_char["wavelength"].values)
    with pytest.raises(ParameterError, match="unknown delimiter 'pipe'; use one of 'tab'"):
        read_spectrum_text(p, delimiter="pipe")


def test_semicolon_decimal_comma_csv_reads_as_the_decay_reader_reads_it(tmp_path):
    """Issue #8: one text-table parser; the spectrum reader refused what the decay reader read."""
    from heterolab.io.text import read_text_decay

    p = tmp_path / "euro.csv"
    rows = [(400 + 0.5 * i, 10.25 + i) for i in range(20)]
    p.write_text(
        "Wavelength (nm);Intensity\n"
        + "".join(f"{x:.1f};{y:.2f}\n".replace(".", ",") for x, y in rows),
        encoding="utf-8",
    )
    s = read_spectrum_text(p)
    assert s.dims == ("wavelength",)
    assert s["wavelength"].values[:3].tolist() == [400.0, 400.5, 401.0]
    assert s.values[:3].tolist() == [10.25, 11.25, 12.25]
    body = p.read_text(encoding="utf-8").split("\n", 1)[1]
    q = tmp_path / "euro_decay.csv"
    q.write_text("Time (ns);Counts\n" + body, encoding="utf-8")
    decay = read_text_decay(q)
    assert decay.values[:3].tolist() == s.values[:3].tolist()


def test_blank_line_inside_data_reads_through_but_text_inside_is_an_error(tmp_path):
    p = tmp_path / "gap.csv"
    p.write_text("wavelength,counts\n400,1\n401,2\n\n402,3\n[Comments]\nok\n")
    assert read_spectrum_text(p).values.tolist() == [1.0, 2.0, 3.0]
    q = tmp_path / "text.csv"
    q.write_text("wavelength,counts\n400,1\nsaturated\n402,3\n")
    with pytest.raises(FormatError, match=r"line 3: non-numeric line 'saturated' inside"):
        read_spectrum_text(q)
