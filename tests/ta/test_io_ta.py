"""TA readers: real files, layout detection, units and clear errors on bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from heterolab.errors import FormatError
from heterolab.io import read
from heterolab.io.ta import read_ta_matrix
from shared_paths import shared_file


def _write(tmp_path: Path, text: str, name: str = "m.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_hippius_glotaran_ascii() -> None:
    da = read(
        shared_file(
            "ta",
            "hippius2007_calixarene_pbi",
            "demo_data_Hippius_etal_JPCC2007_111_13988_Figs5_9.ascii",
        ),
        kind="ta",
    )
    assert da.dims == ("time", "wavelength") and da.shape == (335, 346)
    assert da["time"].attrs["units"] == "ps" and da["wavelength"].attrs["units"] == "nm"
    assert da["time"].values[0] == pytest.approx(-0.00095)
    assert float(da.min()) == pytest.approx(-0.04627, abs=1e-5)


def test_kimopack_sia_time_down_first_column() -> None:
    da = read(shared_file("ta", "kimopack_ru_dppz_acn", "TA_Ru-dppz_400nm_ACN.SIA"), kind="ta")
    assert da.shape == (183, 446)
    assert da["wavelength"].values[[0, -1]].tolist() == [335.0, 780.0]
    assert da["time"].values[0] == pytest.approx(-10.0, abs=1e-3)


def test_transposed_layout_detected_and_mod_converted(tmp_path: Path) -> None:
    t = [-1.0, 0.0, 1.0, 10.0]
    wl = [500.0, 510.0, 520.0]
    rows = [",".join(["nm", *map(str, t)])]
    rows += [
        ",".join([str(w), *(str(1000 * (i + 10 * j)) for i in range(4))]) for j, w in enumerate(wl)
    ]
    da = read_ta_matrix(_write(tmp_path, "\n".join(rows)), signal_unit="mOD")
    assert da.dims == ("time", "wavelength") and da.shape == (4, 3)
    assert da.sel(time=1.0, wavelength=520.0).item() == pytest.approx(22.0)  # 22000 mOD -> 22 OD
    assert da.attrs["units"] == "OD"


def test_descending_wavelengths_are_reversed(tmp_path: Path) -> None:
    p = _write(tmp_path, ",600,500\n-1,1,2\n0,3,4\n5,5,6\n")
    da = read_ta_matrix(p)
    assert da["wavelength"].values.tolist() == [500.0, 600.0]
    assert da.sel(time=0.0).values.tolist() == [4.0, 3.0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            ",500,510\n0,1,2\n1,3\n2,5,6\n",
            "line 3: row has 2 cells, expected 3 (truncated or ragged row)",
        ),
        (",500,510\n0,1,abc\n1,3,4\n", "line 2: non-numeric cell 'abc' in column 3"),
        (",500,510\n0,1,2\n2,3,4\n1,5,6\n", "unsorted row axis: 1 at line 4 breaks the order of 2"),
        (",500,510\n0,1,2\n1,nan,nan\n2,5,6\n", "line 3: row has no values (all NaN)"),
    ],
)
def test_bad_matrices_raise_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(FormatError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_ta_matrix(_write(tmp_path, text))


def test_glotaran_ascii_record_count_checked(tmp_path: Path) -> None:
    p = _write(
        tmp_path, "h\nh\nTime explicit\nIntervalnr 3\n0 1 2\n500 1 2 3\n510 1 2\n", "x.ascii"
    )
    with pytest.raises(FormatError, match="not a whole number of records of 4"):
        read(p, kind="ta")


def test_glotaran_ascii_roundtrip_values(tmp_path: Path) -> None:
    p = _write(
        tmp_path,
        "h\nh\nWavelength explicit\nIntervalnr 2\n500 600\n-1 0.1 0.2\n0 0.3\n0.4\n5 0.5 0.6\n",
        "x.ascii",
    )
    da = read(p, kind="ta")
    np.testing.assert_allclose(da.values, [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])


def _surface_xplorer_text(
    delays_in_first_row: bool,
) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
    """A small Surface Xplorer style CSV: '0' corner, matrix, blank line, metadata footer."""
    t = np.array([-1.0, 0.0, 0.5, 2.0, 10.0])
    wl = np.array([450.0, 460.0, 470.0, 480.0])
    y = np.outer(np.exp(-np.clip(t, 0, None) / 3.0), np.linspace(1.0, 2.0, wl.size)) * 1e-3
    if delays_in_first_row:
        rows = [",".join(["0", *map(str, t)])]
        rows += [",".join([str(w), *map(str, map(float, y[:, j]))]) for j, w in enumerate(wl)]
    else:
        rows = [",".join(["0", *map(str, wl)])]
        rows += [",".join([str(d), *map(str, map(float, y[i]))]) for i, d in enumerate(t)]
    footer = ["", "Pump Wavelength (nm),400", "Pump Energy (uJ),0.5", "Sample,CsPbBr3 QDs"]
    return "\n".join(rows + footer) + "\n", t, wl, y


@pytest.mark.parametrize("delays_in_first_row", [False, True])
def test_surface_xplorer_csv_with_footer(tmp_path: Path, delays_in_first_row: bool) -> None:
    text, t, wl, y = _surface_xplorer_text(delays_in_first_row)
    da = read(_write(tmp_path, text, "sx.csv"), kind="ta")
    np.testing.assert_array_equal(da["time"].values, t)
    np.testing.assert_array_equal(da["wavelength"].values, wl)
    np.testing.assert_allclose(da.values, y, rtol=1e-15)
    assert da.attrs["metadata"] == {
        "Pump Wavelength (nm)": "400",
        "Pump Energy (uJ)": "0.5",
        "Sample": "CsPbBr3 QDs",
    }


def test_ta_hdf5_roundtrip_and_wrong_content(tmp_path: Path) -> None:
    from heterolab.io.hdf5 import write_hdf5

    text, _t, wl, _y = _surface_xplorer_text(False)
    da = read_ta_matrix(_write(tmp_path, text, "sx.csv"))
    path = write_hdf5(da, tmp_path / "ta.h5")
    back = read(path, kind="ta")
    assert back.dims == ("time", "wavelength") and back.attrs["units"] == "OD"
    np.testing.assert_array_equal(back.values, da.values)
    np.testing.assert_array_equal(read_ta_matrix(path)["wavelength"].values, wl)
    other = write_hdf5(da.rename(time="delay"), tmp_path / "other.h5")
    with pytest.raises(
        FormatError, match=r"holds a DataArray with dims \('delay', 'wavelength'\), not a TA matrix"
    ):
        read_ta_matrix(other)


def test_repeated_delays_merged_with_a_warning_or_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, ",500,510\n0,1,2\n1,3,4\n1,5,nan\n2,7,8\n")
    da = read_ta_matrix(path)
    assert da["time"].values.tolist() == [0.0, 1.0, 2.0]
    assert da.sel(time=1.0).values.tolist() == [4.0, 4.0]  # mean of 3, 5 and of 4 (NaN skipped)
    assert da.attrs["warnings"] == [
        "1 repeated delay value(s) merged into their mean (1 ps); pass duplicates='error' to refuse them"
    ]
    with pytest.raises(FormatError, match="duplicated row axis value 1 at line 3 and line 4"):
        read_ta_matrix(path, duplicates="error")


def test_infinite_cells_become_nan_with_a_warning(tmp_path: Path) -> None:
    da = read_ta_matrix(_write(tmp_path, ",500,510\n0,1,2\n1,inf,4\n2,-inf,8\n"))
    assert np.isnan(da.values[1, 0]) and np.isnan(da.values[2, 0])
    assert da.attrs["warnings"] == [
        "2 infinite cell(s) set to NaN (weight 0), first at delay 1 ps, wavelength 500 nm"
    ]
