"""read_matrix_text: axis row/column, corner label, layouts, separators and bad matrices."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from heterolab.errors import FormatError, ParameterError
from heterolab.io import detect_matrix_layout, read_matrix_text

TIME = np.array([-1.0, 0.0, 0.5, 2.0])  # ps
WL = np.array([450.0, 500.0, 550.0])  # nm
VALUES = np.arange(12, dtype=float).reshape(4, 3) / 7.0 - 0.5

KW = {
    "row_dim": "time",
    "col_dim": "wavelength",
    "row_unit": "ps",
    "col_unit": "nm",
    "value_unit": "mOD",
    "name": "delta_od",
}


def matrix_text(
    sep: str = ",",
    corner: str = "t (ps) / wl (nm)",
    transposed: bool = False,
    decimal_comma: bool = False,
) -> str:
    rows_ax, cols_ax, vals = (WL, TIME, VALUES.T) if transposed else (TIME, WL, VALUES)

    def fmt(x: float) -> str:
        s = repr(float(x))
        return s.replace(".", ",") if decimal_comma else s

    lines = [sep.join([corner, *map(fmt, cols_ax)])]
    lines += [sep.join([fmt(r), *map(fmt, row)]) for r, row in zip(rows_ax, vals, strict=True)]
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, text: str, name: str = "m.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def check(da: xr.DataArray) -> None:
    assert da.dims == ("time", "wavelength")
    assert da.name == "delta_od"
    np.testing.assert_array_equal(da["time"].values, TIME)
    np.testing.assert_array_equal(da["wavelength"].values, WL)
    np.testing.assert_array_equal(da.values, VALUES)
    assert da.attrs["units"] == "mOD"
    assert da["time"].attrs["units"] == "ps"
    assert da["wavelength"].attrs["units"] == "nm"


@pytest.mark.parametrize(
    ("sep", "decimal_comma"),
    [(",", False), ("\t", False), (";", False), (" ", False), ("\t", True), (";", True)],
)
def test_separators_and_decimal_comma_parse_identically(tmp_path, sep, decimal_comma):
    corner = "t(ps)\\wl(nm)" if sep == " " else "t (ps) / wl (nm)"
    da = read_matrix_text(
        write(tmp_path, matrix_text(sep, corner, decimal_comma=decimal_comma)), **KW
    )
    check(da)
    assert da.attrs["corner_label"] == corner


def test_numeric_or_empty_corner_and_header_lines(tmp_path):
    check(read_matrix_text(write(tmp_path, matrix_text(corner="0")), **KW))
    da = read_matrix_text(
        write(tmp_path, "# pump 400 nm\nsample: film\n" + matrix_text(corner=""), "h.csv"), **KW
    )
    check(da)
    assert "corner_label" not in da.attrs
    assert da.attrs["header"] == "# pump 400 nm\nsample: film"


def test_transposed_file_detected_by_value_ranges(tmp_path):
    p = write(tmp_path, matrix_text(transposed=True))
    da = read_matrix_text(p, layout="auto", row_range=(-100, 10000), col_range=(300, 2000), **KW)
    check(da)
    assert da.attrs["layout"] == "transposed"
    check(read_matrix_text(p, layout="transposed", **KW))
    straight = read_matrix_text(
        write(tmp_path, matrix_text(), "s.csv"),
        layout="auto",
        row_range=(-100, 10000),
        col_range=(300, 2000),
        **KW,
    )
    assert straight.attrs["layout"] == "as_is"


def test_layout_detection_refuses_ambiguous_ranges():
    with pytest.raises(
        ParameterError, match=r"cannot tell which matrix axis is which \(both layouts fit\)"
    ):
        detect_matrix_layout(TIME + 10, WL, (0, 1000), (0, 1000))
    with pytest.raises(ParameterError, match=r"\(neither layout fits\)"):
        detect_matrix_layout(TIME, WL, (1e5, 1e6), (1e5, 1e6))
    with pytest.raises(ParameterError, match="layout='auto' needs row_range and col_range"):
        read_matrix_text("x.csv", layout="auto", **KW)


def test_descending_axes_are_reversed_with_the_data(tmp_path):
    text = "x,550,500,450\n2,11,10,9\n0.5,8,7,6\n0,5,4,3\n-1,2,1,0\n"
    da = read_matrix_text(write(tmp_path, text), **KW)
    np.testing.assert_array_equal(da["time"].values, TIME)
    np.testing.assert_array_equal(da["wavelength"].values, WL)
    np.testing.assert_array_equal(da.values, np.arange(12).reshape(4, 3))


def test_nan_cells_are_kept(tmp_path):
    da = read_matrix_text(write(tmp_path, "x,1,2\n0,nan,3\n1,4,NaN\n"), **KW)
    assert np.isnan(da.values[0, 0]) and np.isnan(da.values[1, 1])
    assert da.values[0, 1] == 3


def test_trailing_text_kept_as_footer_when_asked(tmp_path):
    text = matrix_text() + "\nInfo\nPump energy,200 nJ\n"
    p = write(tmp_path, text)
    with pytest.raises(
        FormatError, match=r"line 7: row has 1 cells, expected 4 \(truncated or ragged row\)"
    ):
        read_matrix_text(p, **KW)
    da = read_matrix_text(p, trailing="keep", **KW)
    check(da)
    assert da.attrs["footer"] == "Info\nPump energy,200 nJ"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x,1,2\n0,1,2\n1,3\n", "line 3: row has 2 cells, expected 3 (truncated or ragged row)"),
        (
            "x,1,2\n0,1,2\n1,3,4,5\n",
            "line 3: row has 4 cells, expected 3 (truncated or ragged row)",
        ),
        ("x,1,2\n0,1,2\n1,3,oops\n", "line 3: non-numeric cell 'oops' in column 3"),
        ("x,1,b\n0,1,2\n1,3,4\n", "line 1: non-numeric cell 'b' in column 3"),
        ("x,1,2\n0,1,2\n1,nan,nan\n", "line 3: row has no values (all NaN)"),
        ("x,1,2\n0,nan,2\n1,nan,4\n", "column at axis value 1 has no values (all NaN)"),
        ("x,1,2\n0,1,2\n0,3,4\n", "duplicated row axis value 0 at line 2 and line 3"),
        (
            "x,1,1\n0,1,2\n1,3,4\n",
            "duplicated column axis value 1 at line 1, column 2 and line 1, column 3",
        ),
        ("x,1,2\n0,1,2\n2,3,4\n1,5,6\n", "unsorted row axis: 1 at line 4 breaks the order of 2"),
        (
            "x,1,3,2\n0,1,2,3\n1,3,4,5\n",
            "unsorted column axis: 2 at line 1, column 4 breaks the order of 3",
        ),
        ("x,1,2\nnan,1,2\n1,3,4\n", "non-finite row axis value at line 2"),
        ("x,1,2\n", "no numeric data rows found (only header or text lines)"),
        ("0\n1\n", "line 1: a matrix needs an axis row, an axis column and at least one value"),
        ("", "file is empty"),
    ],
)
def test_bad_matrices_raise_format_error_naming_file_and_problem(tmp_path, text, message):
    p = write(tmp_path, text, "bad.csv")
    with pytest.raises(FormatError) as info:
        read_matrix_text(p, **KW)
    assert str(info.value).startswith(str(p))
    assert message in str(info.value)


def test_read_columns_takes_any_delimiter_and_names_a_short_table(tmp_path):
    from heterolab.errors import FormatError
    from heterolab.io.text import read_columns

    f = tmp_path / "series.csv"
    f.write_text("time_h;signal\n0;1,0\n90;0,9\n180;0,84\n", encoding="utf-8")
    cols = read_columns(f, ("time_h", "signal"))
    assert cols["time_h"].tolist() == [0.0, 90.0, 180.0]
    assert cols["signal"].tolist() == [1.0, 0.9, 0.84]
    with pytest.raises(FormatError, match=r"series.csv, line 2: needs 3 numeric columns"):
        read_columns(f, ("a", "b", "c"))
