"""The shared CeO2 Pilatus image (Dioptas test data) integrates to the peaks of its own .xy;
the explicit up-down flip is required (never guessed)."""

from __future__ import annotations

import numpy as np
import pytest

from shared_paths import shared_file

pytest.importorskip("pyFAI")
pytest.importorskip("fabio")

from heterolab.errors import FormatError, ParameterError
from heterolab.io.xrd import read_detector_image, read_pattern, read_poni
from heterolab.structure.giwaxs import cake, fibre_map, integrate_1d
from heterolab.structure.xrd import fit_peaks

DIR = "giwaxs/dioptas_CeO2_Pilatus1M"
CEO2_PEAKS = [7.4616, 8.6179, 12.1992, 14.3150]  # (111) (200) (220) (311), a = 5.4116 Å


def _centres(pattern) -> np.ndarray:
    res = fit_peaks(pattern, positions=CEO2_PEAKS, two_theta_range=(6.5, 15.0), kalpha2=False)
    return np.array([r["two_theta"] for r in res.statistics["table"]])


def _image(flip: str):
    return read_detector_image(
        shared_file(DIR, "CeO2_Pilatus1M.tif"),
        poni=shared_file(DIR, "CeO2_Pilatus1M.poni"),
        flip=flip,
    )


@pytest.mark.shared_data
def test_integration_matches_the_shipped_xy_within_0_005_deg() -> None:
    img = _image("ud")
    assert img.attrs["masked_pixels"] == 73560  # Pilatus gaps (-1/-2) masked, README count
    ours = _centres(integrate_1d(img, npt=1512))
    ref = _centres(read_pattern(shared_file(DIR, "CeO2_Pilatus1M.xy"), wavelength_angstrom=0.4066))
    np.testing.assert_allclose(ours, ref, atol=0.005)
    np.testing.assert_allclose(ours, CEO2_PEAKS, atol=0.01)


@pytest.mark.shared_data
def test_without_the_flip_the_rings_are_smeared() -> None:
    pat = integrate_1d(_image("none"), npt=1512)
    res = fit_peaks(pat, positions=CEO2_PEAKS, two_theta_range=(6.5, 15.0), kalpha2=False)
    widths = np.array([r["fwhm"] for r in res.statistics["table"]])
    good = fit_peaks(
        integrate_1d(_image("ud"), npt=1512),
        positions=CEO2_PEAKS,
        two_theta_range=(6.5, 15.0),
        kalpha2=False,
    )
    good_w = np.array([r["fwhm"] for r in good.statistics["table"]])
    assert np.all(widths > 2 * good_w) or not res.ok


@pytest.mark.shared_data
def test_maps_have_their_axes() -> None:
    img = _image("ud")
    cm = cake(img, npt_rad=300, npt_azim=90)
    assert cm.dims == ("chi", "q") and cm["q"].attrs["units"] == "1/angstrom"
    fm = fibre_map(img, incidence_angle_deg=0.2, npt=(200, 200))
    assert fm.dims == ("q_z", "q_xy") and np.nanmax(fm.values) > 0


@pytest.mark.shared_data
def test_poni_geometry_is_read() -> None:
    geo = read_poni(shared_file(DIR, "CeO2_Pilatus1M.poni"))
    assert geo["dist"] == pytest.approx(0.208651380603)
    assert geo["detector_config"]["pixel1"] == pytest.approx(172e-6)
    assert geo["wavelength"] == pytest.approx(4.066e-11)


def test_flip_choice_and_missing_files_are_named(tmp_path) -> None:
    with pytest.raises(ParameterError, match="unknown flip 'up'"):
        read_detector_image(tmp_path / "x.tif", flip="up")
    with pytest.raises(FormatError, match="does not exist"):
        read_detector_image(tmp_path / "x.tif")
    bad = tmp_path / "bad.cbf"
    bad.write_bytes(b"not an image at all")
    with pytest.raises(FormatError, match="not a readable detector image"):
        read_detector_image(bad)
    with pytest.raises(ParameterError, match="no geometry"):
        integrate_1d(_no_geometry())


def _no_geometry():
    import xarray as xr

    return xr.DataArray(np.ones((10, 10)), dims=("y", "x"), attrs={})
