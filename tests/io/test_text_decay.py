"""Text/CSV decay readers: layouts, delimiters, units, Horiba export and every bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from heterolab.errors import FormatError, ParameterError
from heterolab.io import read, read_decay, read_decays
from heterolab.io.text import read_horiba_tcspc, read_text_decay
from shared_paths import shared_file

T_NS = np.array([0.0, 0.05, 0.1, 0.15, 0.2])
COUNTS = np.array([3.0, 120.0, 75.0, 40.0, 22.0])


def write(tmp_path: Path, text: str, name: str = "decay.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def table(sep: str, decimal: str = ".", header: str | None = "time (ns){sep}counts") -> str:
    rows = [
        f"{t:g}{sep}{c:g}".replace(".", decimal) if decimal == "," else f"{t:g}{sep}{c:g}"
        for t, c in zip(T_NS, COUNTS, strict=True)
    ]
    head = [header.format(sep=sep)] if header else []
    return "\n".join([*head, *rows]) + "\n"


# ----------------------------------------------------------------- good files


@pytest.mark.parametrize(
    ("sep", "decimal"),
    [(",", "."), ("\t", "."), (";", "."), (" ", "."), ("\t", ","), (";", ","), ("   ", ",")],
)
@pytest.mark.parametrize("with_header", [True, False])
def test_delimiter_and_decimal_variants_give_identical_arrays(tmp_path, sep, decimal, with_header):
    header = "time (ns){sep}counts" if with_header else None
    da = read_decay(write(tmp_path, table(sep, decimal, header)))
    np.testing.assert_array_equal(da.values, COUNTS)
    np.testing.assert_allclose(da["time"].values, T_NS, rtol=0, atol=1e-15)
    assert da.dims == ("time",)
    assert da.name == "counts"
    assert da.dtype == np.float64
    assert da.attrs["units"] == "counts"
    assert da["time"].attrs["units"] == "ns"
    assert da.attrs["bin_width"] == pytest.approx(0.05, rel=1e-12)
    assert da.attrs["reader"] == "text_decay"
    assert da.attrs["source"].endswith("decay.csv")


@pytest.mark.parametrize(
    ("label", "factor"),
    [("Time (ps)", 1e-3), ("t [ps]", 1e-3), ("t / us", 1e3), ("Time (ns)", 1.0), ("time", 1.0)],
)
def test_time_unit_is_read_from_the_header_and_converted_to_ns(tmp_path, label, factor):
    text = f"{label},counts\n0,1\n10,5\n20,3\n"
    da = read_decay(write(tmp_path, text))
    np.testing.assert_allclose(da["time"].values, np.array([0, 10, 20]) * factor)
    assert da["time"].attrs["units"] == "ns"
    assert da.attrs["bin_width"] == pytest.approx(10 * factor)


def test_time_unit_option_for_a_file_without_units(tmp_path):
    p = write(tmp_path, "0,1\n10,5\n20,3\n")
    da = read_decay(p, file_time_unit="ps", time_unit="ps")
    np.testing.assert_allclose(da["time"].values, [0, 10, 20])
    assert da["time"].attrs["units"] == "ps"
    np.testing.assert_allclose(read_decay(p, file_time_unit="ps")["time"].values, [0, 0.01, 0.02])


def test_header_unit_that_contradicts_the_option_is_refused(tmp_path):
    p = write(tmp_path, "Time (ps),counts\n0,1\n10,5\n")
    with pytest.raises(
        ParameterError, match=r"header says time is in 'ps' but file_time_unit='ns'"
    ):
        read_decay(p, file_time_unit="ns")


def test_single_counts_column_needs_bin_width(tmp_path):
    p = write(tmp_path, "5\n9\n4\n")
    with pytest.raises(ParameterError, match="single-column file has no time axis; pass bin_width"):
        read_decay(p)
    da = read_decay(p, bin_width=0.025)
    np.testing.assert_allclose(da["time"].values, [0, 0.025, 0.05])
    np.testing.assert_array_equal(da.values, [5, 9, 4])


def test_columns_by_name_and_comments(tmp_path):
    text = "# exported by hand\ntime (ns);irf;sample\n0;1;2\n0,1;3;4\n0,2;5;6\n"
    da = read_decay(write(tmp_path, text), counts_column="sample")
    np.testing.assert_array_equal(da.values, [2, 4, 6])
    np.testing.assert_allclose(da["time"].values, [0, 0.1, 0.2])
    assert da.attrs["label"] == "sample"
    with pytest.raises(
        ParameterError, match=r"file has 3 columns; pass counts_column or use read_decays"
    ):
        read_decay(write(tmp_path, text, "b.csv"))
    with pytest.raises(
        ParameterError,
        match=r"counts_column 'nope' not found; columns: 'time \(ns\)', 'irf', 'sample'",
    ):
        read_decay(write(tmp_path, text, "c.csv"), counts_column="nope")


def test_multi_column_file_gives_decay_by_time_array(tmp_path):
    text = "Time (ps)\tA\tB\tC\n0\t1\t2\t3\n20\t4\t5\t6\n40\t7\t8\t9\n"
    p = write(tmp_path, text, "multi.txt")
    da = read_decays(p)
    assert da.dims == ("decay", "time")
    assert list(da["decay"].values) == ["A", "B", "C"]
    np.testing.assert_array_equal(da.sel(decay="B").values, [2, 5, 8])
    np.testing.assert_allclose(da["time"].values, [0, 0.02, 0.04])
    assert da.attrs["reader"] == "text_decays"
    # the registry sniffs the named multi-column header as "decays", a 2-column file as "decay"
    xr.testing.assert_identical(read(p), da)
    assert read(write(tmp_path, table(","), "two.csv")).dims == ("time",)


def test_multi_column_without_header_is_labelled_by_column(tmp_path):
    da = read_decays(write(tmp_path, "0 1 2\n1 3 4\n"))
    assert list(da["decay"].values) == ["column 2", "column 3"]


# ----------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("time,counts\n0,1\n1,2\n2\n", 4, "row has 1 cells, expected 2 (truncated or ragged row)"),
        (
            "time,counts\n0,1\n1,2,7\n2,3\n",
            3,
            "row has 3 cells, expected 2 (truncated or ragged row)",
        ),
        ("time,counts\n0,1\n1,abc\n2,3\n", 3, "non-numeric cell 'abc' in column 2"),
        ("time,counts\n0,1\n1,1_0\n2,3\n", 3, "non-numeric cell '1_0' in column 2"),
        ("time,counts\n0,1\n1,\n2,3\n", 3, "empty cell in column 2"),
        ("time,counts\n0,1\n1,-4\n2,3\n", 3, "negative counts -4 in column 2"),
        ("time,counts\n0,1\n1,nan\n2,3\n", 3, "non-finite counts nan in column 2"),
        ("time,counts\n0,1\n1,inf\n2,3\n", 3, "non-finite counts inf in column 2"),
        ("time,counts\n0,1\n2,2\n1,3\n", 4, "non-monotonic time: 1 ns follows 2 ns"),
        ("time,counts\n0,1\n1,2\n1,3\n", 4, "duplicated time value 1 ns"),
        ("time,counts\n0,1\nnan,2\n1,3\n", 3, "non-finite time value"),
    ],
)
def test_bad_rows_raise_format_error_with_file_line_and_problem(tmp_path, text, line, problem):
    p = write(tmp_path, text, "bad.csv")
    with pytest.raises(FormatError) as info:
        read_decay(p)
    msg = str(info.value)
    assert msg.startswith(f"{p}, line {line}: ")
    assert problem in msg
    assert info.value.line == line


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_empty_file(tmp_path, text):
    p = write(tmp_path, text, "empty.csv")
    with pytest.raises(FormatError, match=r"empty\.csv: file is empty"):
        read_text_decay(p)


def test_header_only_file(tmp_path):
    p = write(tmp_path, "time,counts\n", "head.csv")
    with pytest.raises(FormatError, match=r"head\.csv: no numeric data rows found"):
        read_text_decay(p)


def test_binary_file_is_not_read_as_text(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes(b"\x00\x01\x02abc")
    with pytest.raises(FormatError, match=r"binary content \(NUL bytes\)"):
        read_text_decay(p)


def test_truncated_last_line_mid_number_is_reported(tmp_path):
    p = write(tmp_path, "0,1\n1,2\n2,3\n3,", "cut.csv")
    with pytest.raises(FormatError, match=r"cut\.csv, line 4: empty cell in column 2"):
        read_decay(p)


def test_unknown_options_are_named(tmp_path):
    p = write(tmp_path, table(","))
    with pytest.raises(ParameterError, match="unknown delimiter 'pipe'"):
        read_decay(p, delimiter="pipe")
    with pytest.raises(ParameterError, match=r"time_unit: unknown unit 'fortnight'"):
        read_decay(p, time_unit="fortnight")


def test_forced_delimiter_and_decimal(tmp_path):
    p = write(tmp_path, "0,0 5\n0,5 7\n")
    da = read_decay(p, delimiter="whitespace", decimal=",")
    np.testing.assert_allclose(da["time"].values, [0, 0.5])


# ----------------------------------------------------------------- Horiba (real data)


def test_horiba_lifefit_decay_and_irf():
    folder = shared_file("trpl", "lifefit_atto550_dna_horiba")
    decay = read_decay(folder / "Atto550_DNA.txt")
    irf = read_horiba_tcspc(folder / "irf.txt", time_unit="ps")
    assert decay.attrs["reader"] == "horiba_tcspc"
    assert decay.sizes["time"] == 4096 and irf.sizes["time"] == 4096
    assert decay.sum().item() == 1_476_495  # README totals
    assert irf.sum().item() == 124_877
    assert int(np.argmax(decay.values)) == 1035 and decay.max().item() == 10000
    assert int(np.argmax(irf.values)) == 1015
    assert decay.attrs["bin_width"] == pytest.approx(0.02743484, rel=1e-9)
    assert irf.attrs["bin_width"] == pytest.approx(27.43484, rel=1e-9)
    assert decay["time"].values[0] == 0.0  # channel 1 starts at t = 0
    assert decay["time"].values[-1] == pytest.approx(4095 * 0.02743484)
    assert decay.attrs["acquisition_time_s"] == pytest.approx(32.533)
    assert irf.attrs["acquisition_time_s"] == pytest.approx(6.742)


def test_horiba_reader_refuses_a_file_without_calibration(tmp_path):
    p = write(tmp_path, "Chan\tData\n1\t0\n2\t5\n", "h.txt")
    with pytest.raises(FormatError, match="no 'Time calibration: <value> ns/ch' line"):
        read_horiba_tcspc(p)
    with pytest.raises(
        ParameterError, match="holds channel numbers and the header has no time calibration"
    ):
        read_decay(p)
    np.testing.assert_allclose(read_decay(p, bin_width=0.5)["time"].values, [0.5, 1.0])


def test_rows_all_closed_by_a_trailing_delimiter_are_not_ragged(tmp_path):
    da = read_decay(write(tmp_path, "time (ps);counts;\n0;4;\n5;6;\n"))
    np.testing.assert_array_equal(da.values, [4, 6])
    np.testing.assert_allclose(da["time"].values, [0, 0.005])


def test_an_option_of_another_format_is_named(tmp_path):
    p = write(tmp_path, table(","))
    with pytest.raises(
        ParameterError, match=r"option 'channel' does not apply to the reader for this file"
    ):
        read_decay(p, channel=1)


def test_a_non_time_unit_in_the_time_label_is_an_error(tmp_path):
    p = write(tmp_path, "Wavelength (nm),counts\n400,1\n401,2\n", "w.csv")
    with pytest.raises(
        FormatError,
        match=r"w\.csv: time column label 'Wavelength \(nm\)' has unit 'nm', not a time unit",
    ):
        read_decay(p)


def test_all_columns_are_decays_when_bin_width_is_given(tmp_path):
    da = read_decays(write(tmp_path, "irf;sample\n1;2\n3;4\n5;6\n"), bin_width=0.1)
    assert list(da["decay"].values) == ["irf", "sample"]
    np.testing.assert_array_equal(da.values, [[1, 3, 5], [2, 4, 6]])
    np.testing.assert_allclose(da["time"].values, [0, 0.1, 0.2])


def test_importing_heterolab_io_stays_light():
    import subprocess
    import sys

    code = (
        "import sys, heterolab, heterolab.io; "
        "print(','.join(m for m in ('xarray', 'h5py', 'ptufile', 'sdtfile', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
