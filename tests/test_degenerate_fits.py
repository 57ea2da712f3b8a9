"""Issue #9 "Done when": degenerate inputs to every public fitting function outside
spectroscopy (which has its own, tests/spectroscopy/test_degenerate_inputs.py): TRPL, FLIM,
phasors, TA, XRD, XPS/UPS, microscopy and image quality.

Every call must end in a clear heterolab error, or a Result that is failed, or one whose
every number is finite; data with no signal (all zeros, a constant) is never "ok". Never a
numpy traceback, never a warning (warnings are errors in this suite).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import xarray as xr

from heterolab.arrays import image_dataarray, pattern_dataarray
from heterolab.errors import HeterolabError
from heterolab.result import Result

KINDS = ("zeros", "constant", "nan", "inf", "negative", "spike", "tiny")
NO_SIGNAL = {"zeros", "constant"}


def _values(kind: str, shape: tuple[int, ...], signal: np.ndarray) -> np.ndarray:
    """Degenerate values of ``shape``; ``signal`` is a healthy curve of the same shape."""
    y = np.array(signal, dtype=float)
    if kind == "zeros":
        return np.zeros(shape)
    if kind == "constant":
        return np.full(shape, 7.0)
    if kind == "nan":
        y.flat[y.size // 3] = np.nan
    elif kind == "inf":
        y.flat[y.size // 3] = np.inf
    elif kind == "negative":
        y = -np.abs(y) - 1.0
    elif kind == "spike":
        y = np.zeros(shape)
        y.flat[y.size // 2] = 1e4
    return y


def _check(kind: str, call: Callable[[], Any]) -> None:
    try:
        res = call()
    except HeterolabError:
        return
    if isinstance(res, tuple):  # (Result, extras)
        res = res[0]
    assert isinstance(res, Result), f"unexpected return {type(res)}"
    if kind in NO_SIGNAL:
        assert res.status != "ok", f"{res.kind}: data without signal reported ok"
    if res.status == "failed":
        return
    for group in (res.parameters, res.derived):
        for name, q in group.items():
            assert isinstance(q.value, float) and math.isfinite(q.value), (name, q, res.status)


# ----------------------------------------------------------------------------- TRPL
def _decay(kind: str) -> xr.DataArray:
    n = 4 if kind == "tiny" else 256
    t = np.arange(n) * 0.05
    healthy = 5.0 + 2000.0 * np.exp(-np.clip(t - 1.0, 0, None) / 2.0) * (t >= 1.0)
    y = _values(kind, (n,), healthy)
    return xr.DataArray(
        y, dims=["time"], coords={"time": ("time", t, {"units": "ns"})}, attrs={"units": "counts"}
    )


@pytest.mark.parametrize("kind", KINDS)
def test_fit_decay(kind: str) -> None:
    from heterolab.kinetics import fit_decay

    _check(kind, lambda: fit_decay(_decay(kind), irf_fwhm=0.1, n_components=1))


@pytest.mark.parametrize("kind", KINDS)
def test_fit_decays_and_phasor(kind: str) -> None:
    from heterolab.kinetics import fit_decays, phasor_analysis

    one = _decay(kind)
    stack = xr.concat([one, one], dim="pixel")
    _check(kind, lambda: fit_decays(stack, irf=0.1, n_components=1))
    _check(kind, lambda: phasor_analysis(one, frequency_mhz=80.0))


# ----------------------------------------------------------------------------- TA
def _ta(kind: str) -> xr.DataArray:
    nt, nw = (3, 3) if kind == "tiny" else (60, 40)
    t = np.linspace(-1.0, 50.0, nt)
    wl = np.linspace(450.0, 650.0, nw)
    rise = (t >= 0)[:, None]
    healthy = (
        1e-2
        * rise
        * np.exp(-np.clip(t, 0, None) / 5.0)[:, None]
        * np.exp(-(((wl - 520.0) / 30.0) ** 2))
    )
    y = _values(kind, (nt, nw), healthy)
    return xr.DataArray(
        y,
        dims=["time", "wavelength"],
        coords={
            "time": ("time", t, {"units": "ps"}),
            "wavelength": ("wavelength", wl, {"units": "nm"}),
        },
        attrs={"units": "OD"},
    )


@pytest.mark.parametrize("kind", KINDS)
def test_ta_fits(kind: str) -> None:
    from heterolab.kinetics import fit_global, fit_kinetics, svd_analysis

    da = _ta(kind)
    _check(kind, lambda: fit_global(da, n_components=1, coherent_artifact=0))
    _check(kind, lambda: fit_kinetics(da, 520.0, n_exp=1, coherent_artifact=0))
    _check(kind, lambda: svd_analysis(da))


# ----------------------------------------------------------------------------- XRD
def _pattern(kind: str) -> xr.DataArray:
    n = 3 if kind == "tiny" else 800
    tt = np.linspace(20.0, 60.0, n)
    healthy = 50.0 + 5000.0 * np.exp(-0.5 * ((tt - 30.4) / 0.05) ** 2)
    y = _values(kind, (n,), healthy)
    bad = ~np.isfinite(y) | (y < 0)
    if kind in {"nan", "inf", "negative"}:  # the constructor refuses these: test the fits
        return xr.DataArray(
            y,
            dims=["two_theta"],
            coords={"two_theta": ("two_theta", tt, {"units": "deg"})},
            attrs={"units": "counts", "wavelength_angstrom": 1.5406},
        )
    assert not bad.any()
    return pattern_dataarray(tt, y, wavelength_angstrom=1.5406)


@pytest.mark.parametrize("kind", KINDS)
def test_xrd_fits(kind: str) -> None:
    from heterolab.structure.xrd import fit_peaks, refine_lattice, scherrer

    pat = _pattern(kind)
    _check(kind, lambda: fit_peaks(pat))
    try:
        peaks = fit_peaks(pat)
    except HeterolabError:
        return
    if peaks.status != "failed":
        _check(kind, lambda: scherrer(peaks))
        _check(kind, lambda: refine_lattice(peaks, a=5.874, system="cubic"))


# ----------------------------------------------------------------------------- XPS / UPS
def _photoemission(kind: str) -> xr.DataArray:
    n = 3 if kind == "tiny" else 400
    be = np.linspace(130.0, 150.0, n)
    healthy = (
        100.0
        + 4000.0 * np.exp(-0.5 * ((be - 138.5) / 0.5) ** 2)
        + 3000.0 * np.exp(-0.5 * ((be - 143.4) / 0.5) ** 2)
    )
    y = _values(kind, (n,), healthy)
    return xr.DataArray(
        y,
        dims=["binding_energy"],
        coords={"binding_energy": ("binding_energy", be, {"units": "eV"})},
        attrs={"units": "counts"},
    )


@pytest.mark.parametrize("kind", KINDS)
def test_xps_fits(kind: str) -> None:
    from heterolab.structure.xps import (
        fit_fermi_edge,
        fit_xps,
        pb4f_components,
        secondary_electron_cutoff,
        valence_band_onset,
    )

    spec = _photoemission(kind)
    _check(kind, lambda: fit_xps(spec, pb4f_components()))
    _check(kind, lambda: fit_fermi_edge(spec))
    _check(kind, lambda: valence_band_onset(spec))
    _check(kind, lambda: secondary_electron_cutoff(spec))


# ----------------------------------------------------------------------------- images
def _image(kind: str) -> xr.DataArray:
    n = 4 if kind == "tiny" else 128
    yy, xx = np.mgrid[0:n, 0:n]
    healthy = 100.0 + 50.0 * np.cos(2 * np.pi * xx / 6.0) * np.cos(2 * np.pi * yy / 6.0)
    y = _values(kind, (n, n), healthy)
    if kind in {"nan", "inf"}:
        return xr.DataArray(
            y,
            dims=["y", "x"],
            coords={
                "y": ("y", yy[:, 0] * 0.05, {"units": "nm"}),
                "x": ("x", xx[0] * 0.05, {"units": "nm"}),
            },
            attrs={"units": "counts", "space": "real"},
        )
    return image_dataarray(y, 0.05, "nm")


@pytest.mark.parametrize("kind", KINDS)
def test_microscopy_and_imaging(kind: str) -> None:
    from heterolab.structure.imaging import slanted_edge_mtf
    from heterolab.structure.microscopy import gpa, measure_particles, measure_spacings

    img = _image(kind)
    _check(kind, lambda: measure_spacings(img))
    _check(kind, lambda: measure_particles(img))
    _check(kind, lambda: gpa(img))
    _check(kind, lambda: slanted_edge_mtf(img))
