"""Microscopy image reading: calibration from the file or the user, never assumed."""

from __future__ import annotations

import numpy as np
import pytest

from heterolab.arrays import image_dataarray
from heterolab.errors import FormatError, ParameterError
from heterolab.io.images import read_microscopy_image
from shared_paths import shared_file

tifffile = pytest.importorskip("tifffile")  # the structure extra
pytest.importorskip("rsciio")

STO = ("tem", "atomap_SrTiO3_ADF_ABF", "test_ADF_cropped.hdf5")


def test_hspy_without_units_refuses_then_reads_with_user_calibration():
    p = shared_file(*STO)
    with pytest.raises(FormatError, match="no length calibration stored"):
        read_microscopy_image(p)
    im = read_microscopy_image(p, pixel_size=0.093262702, unit="Å")
    assert im.shape == (400, 380) and im.dims == ("y", "x")
    assert im.attrs["pixel_size"] == pytest.approx(0.0093262702) and im.attrs["pixel_unit"] == "nm"
    assert float(im["x"][-1]) == pytest.approx(379 * 0.0093262702)


@pytest.mark.parametrize(("unit", "factor", "norm"), [("nm", 1.0, "nm"), ("micron", 1e3, "nm")])
def test_imagej_tiff_calibration(tmp_path, unit, factor, norm):
    f = tmp_path / "a.tif"
    data = np.arange(64 * 48, dtype="float32").reshape(64, 48)
    tifffile.imwrite(f, data, imagej=True, resolution=(1 / 0.05, 1 / 0.05), metadata={"unit": unit})
    im = read_microscopy_image(f)
    assert im.attrs["pixel_size"] == pytest.approx(0.05 * factor) and im.attrs["pixel_unit"] == norm
    np.testing.assert_array_equal(im.values, data)


def test_uncalibrated_tiff_and_bad_arguments(tmp_path):
    f = tmp_path / "plain.tif"
    tifffile.imwrite(f, np.zeros((8, 8), "uint16"))
    with pytest.raises(FormatError, match="never assumed"):
        read_microscopy_image(f)
    with pytest.raises(ParameterError, match="pass both pixel_size= and unit="):
        read_microscopy_image(f, pixel_size=0.1)
    with pytest.raises(ParameterError, match="'px' is not a length"):
        read_microscopy_image(f, pixel_size=0.1, unit="px")
    bad = tmp_path / "bad.dm3"
    bad.write_bytes(b"\x00\x00\x00\x03garbage")
    with pytest.raises(FormatError, match=r"bad\.dm3: unreadable"):
        read_microscopy_image(bad)


def test_image_constructor_reciprocal_space_and_errors():
    d = image_dataarray(np.ones((4, 5)), 0.5, "1/nm", space="reciprocal")
    assert d.attrs["space"] == "reciprocal" and d["x"].attrs["units"] == "1/nm"
    with pytest.raises(ParameterError, match="never assumed"):
        image_dataarray(np.ones((4, 4)), 0.5, "")
    with pytest.raises(ParameterError, match="pixel size must be finite and > 0"):
        image_dataarray(np.ones((4, 4)), 0.0, "nm")
