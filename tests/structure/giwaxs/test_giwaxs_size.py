"""Scherrer sizes from GI line profiles: Gaussian lines generated here with the thesis's sizes
(7.6 nm and 25.8 nm, PMA2PbBr4/CsPbBr3 films, thesis §4.3) broadened by a stated instrument
resolution; the footprint resolution against a hand calculation (Smilgies 2009)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

from heterolab.errors import ParameterError
from heterolab.structure.giwaxs import gi_instrument_resolution, gi_scherrer

K = 0.9


def _profile(q0: float, size_nm: float, inst_fwhm: float, seed: int) -> xr.DataArray:
    q = np.arange(q0 - 0.4, q0 + 0.4, 0.002)
    sample = 2 * math.pi * K / (size_nm * 10)
    fwhm = math.hypot(sample, inst_fwhm)
    y = 50 + 3 * (q - q0) + 5000 * np.exp(-4 * math.log(2) * ((q - q0) / fwhm) ** 2)
    y = np.random.default_rng(seed).poisson(y).astype(float)
    return xr.DataArray(y, dims=("q",), coords={"q": q}, attrs={"units": "counts"})


@pytest.mark.parametrize(("q0", "size"), [(0.95, 7.6), (1.05, 25.8)])
def test_thesis_sizes_come_back_with_the_resolution_stated(q0: float, size: float) -> None:
    inst = 0.01
    res = gi_scherrer(
        _profile(q0, size, inst, seed=3), (q0 - 0.35, q0 + 0.35), instrument_fwhm_q=inst
    )
    assert res.ok, res.message
    assert res.value("size") == pytest.approx(size, rel=0.03)
    assert abs(res.value("size") - size) < 4 * res["size"].stderr + 0.01 * size
    assert res.derived["instrument_fwhm_q"].value == inst
    assert res.statistics["resolution"]["source"] == "given"


def test_without_resolution_the_size_is_a_stated_lower_bound() -> None:
    res = gi_scherrer(_profile(1.0, 25.8, 0.02, seed=1), (0.7, 1.3))
    assert res.value("size") < 25.8
    assert any("lower bound" in w for w in res.warnings)


def test_resolution_limited_line_is_suspect() -> None:
    res = gi_scherrer(_profile(1.0, 500.0, 0.02, seed=2), (0.8, 1.2), instrument_fwhm_q=0.0195)
    assert res.status == "suspect"
    assert "resolution-limited" in res.message or "not broader" in res.message


def test_footprint_resolution_by_hand() -> None:
    # λ = 1 Å, q = 1 Å⁻¹ -> θ = asin(1/(4π)) ; 5 mm footprint at D = 300 mm
    lam, q, d, fp = 1.0, 1.0, 300.0, 5.0
    th = math.asin(q * lam / (4 * math.pi))
    expected = 2 * math.pi / lam * math.cos(th) * fp * math.sin(2 * th) / d
    parts = gi_instrument_resolution(
        q, wavelength_angstrom=lam, distance_mm=d, footprint_mm=fp, pixel_mm=0.0
    )
    assert parts["footprint"] == pytest.approx(expected, rel=1e-12)
    assert parts["total"] == pytest.approx(expected, rel=1e-12)
    res = gi_scherrer(
        _profile(1.0, 7.6, expected, seed=4),
        (0.7, 1.3),
        wavelength_angstrom=lam,
        distance_mm=d,
        footprint_mm=fp,
        pixel_mm=0.0,
    )
    assert res.value("size") == pytest.approx(7.6, rel=0.03)
    assert res.statistics["resolution"]["source"].startswith("geometry")


def test_bad_inputs_are_named() -> None:
    prof = _profile(1.0, 10.0, 0.01, seed=0)
    with pytest.raises(ParameterError, match="q_range"):
        gi_scherrer(prof, (1.2, 0.8))
    with pytest.raises(ParameterError, match="not reachable"):
        gi_instrument_resolution(20.0, wavelength_angstrom=1.0, distance_mm=100.0)
