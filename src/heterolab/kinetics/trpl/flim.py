"""Fluorescence-lifetime imaging (FLIM): pixel-wise lifetime fits of (y, x, time) images.

Each pixel's decay (optionally summed over a square neighbourhood, "binning" as in Becker &
Hickl SPCImage) is fitted with the vectorised batch engine :func:`heterolab.kinetics.trpl.batch.fit_decays`,
sharing one IRF and one time shift estimated from the summed decay of all fitted pixels. Pixels
with fewer photons than ``min_photons`` after binning are masked and counted, not fitted.

Mean lifetime maps (ns):

- intensity-weighted ``tau_int = sum a_i tau_i^2 / sum a_i tau_i``,
- amplitude-weighted ``tau_amp = sum a_i tau_i / sum a_i``

(e.g. Sillen & Engelborghs, Photochem. Photobiol. 67, 475 (1998); Becker, *The bh TCSPC
Handbook*, 9th ed. 2021, ch. "FLIM data analysis").
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import xarray as xr

from heterolab.arrays import as_decays
from heterolab.errors import ParameterError
from heterolab.kinetics.trpl.batch import fit_decays
from heterolab.kinetics.trpl.choices import BatchEstimator
from heterolab.result import Quantity, Result

__all__ = ["bin_image", "fit_flim", "photon_image"]


def _check_image(image: Any) -> xr.DataArray:
    if not isinstance(image, xr.DataArray):
        raise ParameterError(
            f"FLIM image must be an xarray DataArray with dims ('y', 'x', 'time'), got {type(image).__name__}"
        )
    if set(image.dims) != {"y", "x", "time"}:
        raise ParameterError(f"FLIM image must have dims ('y', 'x', 'time'), got {image.dims}")
    if "time" not in image.coords:
        raise ParameterError("FLIM image has no 'time' coordinate (bin start times, ns)")
    as_decays(image, lead_dims=("y", "x"))  # the checks of every decay input
    return image.transpose("y", "x", "time")


def bin_image(counts: np.ndarray, binning: int) -> np.ndarray:
    """Sum each pixel's decay over the ``(2 binning + 1)^2`` square around it.

    Pixels outside the image count as empty (edge pixels sum fewer neighbours), as in the
    "square" binning of Becker & Hickl SPCImage. ``binning=0`` returns the input.

    Parameters
    ----------
    counts
        Array ``(ny, nx, ...)``.
    binning
        Half-width of the square kernel in pixels, >= 0.
    """
    if not isinstance(binning, (int, np.integer)) or binning < 0:
        raise ParameterError(
            f"binning must be an integer >= 0 (kernel half-width in pixels), got {binning!r}"
        )
    if binning == 0:
        return counts
    out = counts.astype(float, copy=True)
    for axis in (0, 1):
        out = _box_sum(out, int(binning), axis)
    return out


def _box_sum(a: np.ndarray, half: int, axis: int) -> np.ndarray:
    """Moving sum of width 2 half + 1 along ``axis`` with zero padding (cumulative sums)."""
    a = np.moveaxis(a, axis, 0)
    n = a.shape[0]
    cs = np.concatenate([np.zeros((1, *a.shape[1:])), np.cumsum(a, axis=0)], axis=0)
    idx = np.arange(n)
    hi = np.minimum(idx + half + 1, n)
    lo = np.maximum(idx - half, 0)
    return np.moveaxis(cs[hi] - cs[lo], 0, axis)


def photon_image(image: xr.DataArray) -> xr.DataArray:
    """Photons per pixel (sum over time), dims ``("y", "x")``, units counts."""
    img = _check_image(image)
    out = img.sum("time")
    out.attrs["units"] = "counts"
    out.name = "intensity"
    return out


def fit_flim(
    image: xr.DataArray,
    *,
    irf: xr.DataArray | np.ndarray | float | None = None,
    n_components: int = 1,
    binning: int = 0,
    min_photons: float | None = None,
    estimator: BatchEstimator | str = BatchEstimator.MLE,
    background: Literal["free"] | float = "free",
    shift: float | None = None,
    fit_range: tuple[float, float] | None = None,
    histogram_bins: int = 50,
    parameters: Any = None,
    chunk_size: int | None = None,
    map_chunks: Any = None,
) -> Result:
    """Pixel-wise lifetime fit of a FLIM image.

    Parameters
    ----------
    image
        Photon counts with dims ``("y", "x", "time")``; ``time`` holds bin start times (ns).
    irf
        Measured IRF on the same time bins, a Gaussian FWHM (ns), or ``None`` (Gaussian
        whose FWHM is fitted on the summed decay).
    n_components
        Exponential components per pixel (1-3).
    binning
        Spatial binning half-width K: each pixel's decay is the sum over the
        ``(2K+1) x (2K+1)`` square around it.
    min_photons
        Pixels with fewer photons (after binning, inside the fit range) are masked; default
        ``100 * n_components``.
    estimator, background, shift, fit_range
        As :func:`heterolab.kinetics.trpl.batch.fit_decays`.
    histogram_bins
        Number of bins of the lifetime histogram in ``curves["tau_histogram"]``.
    parameters
        A :class:`heterolab.parameters.ParameterSet` (or its ``to_dict()``): start values and
        ``vary=False`` settings, as :func:`heterolab.kinetics.trpl.batch.fit_decays`; the
        Result's ``statistics["parameters_fitted"]`` repeats the fit.
    chunk_size, map_chunks
        Pixels per chunk and the map that fits the chunks (e.g. on Dask workers), as
        :func:`heterolab.kinetics.trpl.batch.fit_decays`; the result equals the unchunked one.

    Returns
    -------
    Result
        ``kind="trpl.flim"``. ``curves``: every map of the batch fit over ``("y", "x")``
        (``tau_i``, ``amplitude_i``, their stderr, ``tau_avg_intensity``,
        ``tau_avg_amplitude``, ``fit_status``, ...), ``intensity`` (unbinned photons),
        ``binned_photons``, ``mask`` (pixels fitted) and ``tau_histogram`` (pixel counts of
        ``tau_avg_intensity``). ``parameters``: medians over converged pixels;
        ``derived``: mean and standard deviation of the mean-lifetime maps;
        ``statistics``: pixel counts (masked, fitted, converged, failed).

    Raises
    ------
    ParameterError
        Wrong dims, negative counts, invalid binning, or no pixel above ``min_photons``.
    """
    img = _check_image(image)
    counts = np.asarray(img.values, dtype=float)
    if not np.all(np.isfinite(counts)) or np.any(counts < 0):
        raise ParameterError("FLIM image must hold finite, non-negative counts")
    binned = bin_image(counts, binning)
    threshold = 100.0 * n_components if min_photons is None else float(min_photons)
    t = np.asarray(img["time"].values, dtype=float)
    in_range = np.ones(t.size, dtype=bool)
    if fit_range is not None:
        delta = float(t[1] - t[0])
        in_range = (t >= fit_range[0] - 1e-9 * delta) & (t + delta <= fit_range[1] + 1e-9 * delta)
    photons = binned[..., in_range].sum(axis=-1)
    mask = photons >= threshold
    if not mask.any():
        raise ParameterError(
            f"no pixel has >= {threshold:g} photons after binning {binning} "
            f"(maximum {photons.max():g}); increase binning or lower min_photons"
        )
    da = xr.DataArray(
        binned,
        dims=("y", "x", "time"),
        coords={
            "y": img["y"].values if "y" in img.coords else np.arange(counts.shape[0]),
            "x": img["x"].values if "x" in img.coords else np.arange(counts.shape[1]),
            "time": ("time", t, dict(img["time"].attrs) or {"units": "ns"}),
        },
    )
    batch = fit_decays(
        da,
        irf=irf,
        n_components=n_components,
        estimator=estimator,
        background=background,
        shift=shift,
        fit_range=fit_range,
        mask=mask,
        min_photons=0.0,
        parameters=parameters,
        chunk_size=chunk_size,
        map_chunks=map_chunks,
    )
    result = Result(kind="trpl.flim", provenance=batch.provenance, warnings=list(batch.warnings))
    result.provenance["settings"].update({"binning": int(binning), "min_photons": threshold})
    result.statistics.update(batch.statistics)
    for key in ("status", "reasons"):  # a FLIM image's decays are its pixels
        if f"decays_{key}" in result.statistics:
            result.statistics[f"pixels_{key}"] = result.statistics.pop(f"decays_{key}")
    result.parameters.update(batch.parameters)
    result.derived.update(batch.derived)
    result.curves.update(batch.curves)
    result.curves["intensity"] = xr.DataArray(
        counts.sum(axis=-1),
        dims=("y", "x"),
        coords={"y": da["y"].values, "x": da["x"].values},
        attrs={"units": "counts"},
        name="intensity",
    )
    result.curves["binned_photons"] = xr.DataArray(
        photons,
        dims=("y", "x"),
        coords={"y": da["y"].values, "x": da["x"].values},
        attrs={"units": "counts"},
        name="binned_photons",
    )
    result.curves["mask"] = xr.DataArray(mask, dims=("y", "x"), name="mask", attrs={"units": "1"})
    _map_statistics(result, histogram_bins)
    result.statistics.update(
        {
            "n_pixels": int(mask.size),
            "n_masked": int((~mask).sum()),
            "photons_total": float(counts.sum()),
            "photons_per_pixel_mean": float(counts.sum(axis=-1).mean()),
        }
    )
    if batch.status == "failed":
        result.mark_failed(batch.message)
    elif batch.status == "suspect":
        result.mark_suspect(batch.message)
    return result


def _map_statistics(result: Result, bins: int) -> None:
    """Mean/std of the mean-lifetime maps over converged pixels and a lifetime histogram."""
    ok = result.curves["converged"].values
    for name in ("tau_avg_intensity", "tau_avg_amplitude"):
        v = result.curves[name].values[ok]
        v = v[np.isfinite(v)]
        if v.size == 0:
            continue
        sem = float(v.std(ddof=1) / math.sqrt(v.size)) if v.size > 1 else math.nan
        result.derived[f"{name}_mean"] = Quantity(float(v.mean()), sem, "ns")
        result.derived[f"{name}_std"] = Quantity(
            float(v.std(ddof=1)) if v.size > 1 else math.nan, None, "ns"
        )
    v = result.curves["tau_avg_intensity"].values[ok]
    v = v[np.isfinite(v)]
    if v.size:
        lo, hi = float(v.min()), float(v.max())  # every converged pixel is counted
        if not hi > lo:
            lo, hi = lo * 0.9, hi * 1.1 + 1e-12
        hist, edges = np.histogram(v, bins=bins, range=(lo, hi))
        centres = 0.5 * (edges[:-1] + edges[1:])
        result.curves["tau_histogram"] = xr.DataArray(
            hist,
            dims=("tau",),
            coords={"tau": ("tau", centres, {"units": "ns"})},
            attrs={"units": "pixels"},
            name="tau_histogram",
        )
