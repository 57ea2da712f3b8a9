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
    da = read(shared_file("ta", "hippius2007_calixarene_pbi", "demo_data_Hippius_etal_JPCC2007_111_13988_Figs5_9.ascii"), kind="ta")
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
    rows += [",".join([str(w), *(str(1000 * (i + 10 * j)) for i in range(4))]) for j, w in enumerate(wl)]
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
        (",500,510\n0,1,2\n1,3\n2,5,6\n", "line 3: ragged row: 2 cells where the first row has 3"),
        (",500,510\n0,1,abc\n1,3,4\n", "line 2: non-numeric cell 'abc' in column 3"),
        (",500,500\n0,1,2\n1,3,4\n", "duplicated wavelength value 500"),
        (",500,510\n0,1,2\n2,3,4\n1,5,6\n", "delay axis is not sorted: 2 is followed by 1"),
        (",500,510\n0,1,2\n1,nan,nan\n2,5,6\n", "1 delay row(s) are all NaN, first at 1 ps"),
    ],
)
def test_bad_matrices_raise_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(FormatError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_ta_matrix(_write(tmp_path, text))


def test_glotaran_ascii_record_count_checked(tmp_path: Path) -> None:
    p = _write(tmp_path, "h\nh\nTime explicit\nIntervalnr 3\n0 1 2\n500 1 2 3\n510 1 2\n", "x.ascii")
    with pytest.raises(FormatError, match="not a whole number of records of 4"):
        read(p, kind="ta")


def test_glotaran_ascii_roundtrip_values(tmp_path: Path) -> None:
    p = _write(tmp_path, "h\nh\nWavelength explicit\nIntervalnr 2\n500 600\n-1 0.1 0.2\n0 0.3\n0.4\n5 0.5 0.6\n", "x.ascii")
    da = read(p, kind="ta")
    np.testing.assert_allclose(da.values, [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
