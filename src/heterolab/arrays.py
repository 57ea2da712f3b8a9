"""Building the standard TRPL DataArrays (one decay, several decays, FLIM image).

Conventions (see :mod:`heterolab.io`): values named ``counts`` in float64 with
``attrs["units"] = "counts"``; the ``time`` coord holds bin start times with its own
``units`` attr; ``attrs`` carry ``source``, ``reader``, ``bin_width`` (in the time unit) and
instrument metadata.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from heterolab.errors import ParameterError
from heterolab.units import normalize_unit, scale_factor

__all__ = [
    "bin_width_of",
    "capture_log",
    "decay_dataarray",
    "histogram_time_axis",
    "select_decay",
]


def bin_width_of(t: np.ndarray) -> tuple[float, bool]:
    """Bin width of a time axis and whether the bins are uniform (1e-6 relative).

    For uniform bins the width is (t[-1] - t[0]) / (n - 1), free of per-bin rounding;
    otherwise the median spacing.
    """
    if t.size < 2:
        return float("nan"), True
    d = np.diff(t)
    w = float(np.median(d))
    tol = max(1e-6 * abs(w), 1e-9 * float(t[-1] - t[0]))
    uniform = bool(np.all(np.abs(d - w) <= tol))
    if uniform:
        w = float((t[-1] - t[0]) / (t.size - 1))
    return w, uniform


def histogram_time_axis(
    n_bins: int, bin_width: float, width_unit: str, time_unit: str
) -> np.ndarray:
    """Bin start times k * bin_width (k = 0 .. n_bins-1) converted to ``time_unit``."""
    return np.arange(n_bins, dtype=float) * (bin_width * scale_factor(width_unit, time_unit))


def decay_dataarray(
    counts: np.ndarray,
    time: np.ndarray,
    time_unit: str,
    attrs: dict[str, Any],
    *,
    leading: tuple[tuple[str, np.ndarray], ...] = (),
) -> xr.DataArray:
    """A ``counts`` DataArray with dims ``(*leading dims, "time")``.

    Parameters
    ----------
    counts
        Counts, last axis = time.
    time
        Bin start times in ``time_unit``.
    time_unit
        Unit of ``time``.
    attrs
        ``source``, ``reader`` and metadata; ``units``, ``bin_width`` and ``uniform_bins``
        are filled in here.
    leading
        ``(dim, coord values)`` pairs for the axes before time, e.g. ``(("decay", labels),)``
        or ``(("y", ys), ("x", xs))``.
    """
    unit = normalize_unit(time_unit)
    width, uniform = bin_width_of(np.asarray(time, dtype=float))
    base: dict[str, Any] = {"units": "counts", "bin_width": width, "uniform_bins": uniform}
    base.update(attrs)
    coords: dict[str, Any] = {
        "time": xr.Variable(("time",), np.asarray(time, dtype=float), attrs={"units": unit})
    }
    for dim, values in leading:
        coords[dim] = (dim, np.asarray(values))
    dims = (*[d for d, _v in leading], "time")
    return xr.DataArray(
        np.asarray(counts, dtype=float), dims=dims, coords=coords, name="counts", attrs=base
    )


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def capture_log(name: str) -> Iterator[list[str]]:
    """Collect WARNING+ messages of logger ``name`` instead of letting them reach stderr.

    The messages are yielded as a list filled during the ``with`` block, so a reader can put
    them into ``attrs["reader_warnings"]`` where the user sees them.
    """
    logger = logging.getLogger(name)
    handler = _ListHandler()
    old_propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = old_propagate


def select_decay(
    decays: xr.DataArray, which: int | str | None, word: str, path: Path
) -> xr.DataArray:
    """One curve of a ``("decay", "time")`` array by label ``f"{word} {which}"``, ``"sum"``,
    or the only curve when ``which`` is None (ParameterError listing the curves otherwise)."""
    labels = [str(v) for v in decays["decay"].values]
    if which is None:
        if len(labels) != 1:
            raise ParameterError(
                f"{path} has {len(labels)} curves ({', '.join(labels)}); pass {word}= one of "
                f"them or 'sum', or use read_decays"
            )
        out = decays.isel(decay=0, drop=True)
    elif which == "sum":
        out = decays.sum("decay", keep_attrs=True)
        out.attrs[word] = "sum of " + ", ".join(labels)
    else:
        label = f"{word} {which}"
        if label not in labels:
            raise ParameterError(f"{path}: no {label!r}; the file has {', '.join(labels)}")
        out = decays.sel(decay=label, drop=True)
        out.attrs[word] = which
    out.name = "counts"
    out.attrs["reader"] = decays.attrs["reader"].removesuffix("s")
    return out


# ---------------------------------------------------------------------- diffraction patterns
# (issue #12) One powder pattern: ``intensity`` over ``two_theta`` (deg), with the wavelength(s)
# in attrs and a ``sigma`` coordinate holding the one-sigma error of every point.

__all__ += ["pattern_dataarray", "poisson_sigma"]


def poisson_sigma(counts: np.ndarray, count_time_s: float | None = None) -> np.ndarray:
    """One-sigma Poisson error of counts: √max(N, 1) (a zero-count bin still carries ±1).

    With ``count_time_s`` the values are rates (counts/s) and the error is √max(N·t, 1)/t.
    """
    y = np.asarray(counts, dtype=float)
    if count_time_s is None:
        return np.sqrt(np.maximum(y, 1.0))
    t = float(count_time_s)
    return np.sqrt(np.maximum(y * t, 1.0)) / t


def pattern_dataarray(
    two_theta: np.ndarray,
    intensity: np.ndarray,
    *,
    sigma: np.ndarray | None = None,
    units: str = "counts",
    wavelength_angstrom: float | None = None,
    wavelength2_angstrom: float | None = None,
    kalpha2_ratio: float | None = None,
    attrs: dict[str, Any] | None = None,
) -> xr.DataArray:
    """A powder pattern: ``intensity`` with dim ``two_theta`` (coord units ``deg``).

    Parameters
    ----------
    two_theta
        Diffraction angles 2θ (deg), strictly increasing (sorted here if they are not).
    intensity
        Counts (or counts/s with ``units="cps"``) at each angle.
    sigma
        One-sigma errors; None: Poisson, :func:`poisson_sigma` (counts only).
    wavelength_angstrom, wavelength2_angstrom, kalpha2_ratio
        Kα1 (or single) wavelength, Kα2 wavelength and I(Kα2)/I(Kα1), in attrs
        ``wavelength_angstrom``, ``wavelength2_angstrom``, ``kalpha2_ratio`` (omitted if None).
    attrs
        ``source``, ``reader`` and metadata.

    Raises
    ------
    ParameterError
        Shapes differ, an angle is outside (0, 180) deg, or an angle repeats.
    """
    tt = np.asarray(two_theta, dtype=float)
    y = np.asarray(intensity, dtype=float)
    if tt.ndim != 1 or tt.shape != y.shape:
        raise ParameterError(
            f"two_theta and intensity must be 1-D of equal length, got {tt.shape} and {y.shape}"
        )
    if tt.size and (not np.all(np.isfinite(tt)) or tt.min() <= 0 or tt.max() >= 180):
        raise ParameterError("two_theta must be finite and lie in (0, 180) degrees")
    if sigma is None:
        if units not in ("counts", "cps"):
            raise ParameterError(f"no Poisson error for intensity in {units!r}; pass sigma=")
        s = poisson_sigma(y)
    else:
        s = np.asarray(sigma, dtype=float)
        if s.shape != y.shape:
            raise ParameterError(f"sigma has shape {s.shape}, intensity {y.shape}")
    order = np.argsort(tt, kind="stable")
    tt, y, s = tt[order], y[order], s[order]
    if tt.size > 1 and np.any(np.diff(tt) == 0):
        raise ParameterError("two_theta repeats a value (several scans in one array?)")
    base: dict[str, Any] = {"units": units}
    for key, val in (
        ("wavelength_angstrom", wavelength_angstrom),
        ("wavelength2_angstrom", wavelength2_angstrom),
        ("kalpha2_ratio", kalpha2_ratio),
    ):
        if val is not None:
            base[key] = float(val)
    base.update(attrs or {})
    return xr.DataArray(
        y,
        dims=("two_theta",),
        coords={
            "two_theta": xr.Variable(("two_theta",), tt, attrs={"units": "deg"}),
            "sigma": xr.Variable(("two_theta",), s, attrs={"units": units}),
        },
        name="intensity",
        attrs=base,
    )


__all__ += ["XRAY_LINES", "anode_lines"]

#: Kα1, Kα2 wavelengths (Å) and I(Kα2)/I(Kα1) of common anodes. Cu, Mo: Hölzer et al.,
#: Phys. Rev. A 56, 4554 (1997); Co, Fe, Cr, Ag: International Tables for Crystallography
#: Vol. C (2004), Table 4.2.2.1. The ratio 0.5 is the usual value of the 2p3/2 : 2p1/2 lines.
XRAY_LINES: dict[str, tuple[float, float, float]] = {
    "Cu": (1.5405929, 1.5444274, 0.5),
    "Mo": (0.7093171, 0.7136075, 0.5),
    "Co": (1.7889961, 1.7928350, 0.5),
    "Fe": (1.9360410, 1.9399730, 0.5),
    "Cr": (2.2897260, 2.2936510, 0.5),
    "Ag": (0.5594218, 0.5638128, 0.5),
}


def anode_lines(anode: str) -> tuple[float, float, float]:
    """(Kα1 Å, Kα2 Å, I(Kα2)/I(Kα1)) of an anode element (ParameterError naming the known)."""
    key = anode.strip().capitalize()
    if key not in XRAY_LINES:
        raise ParameterError(f"unknown anode {anode!r}; known: {', '.join(XRAY_LINES)}")
    return XRAY_LINES[key]


# ---------------------------------------------------------------------- microscopy images
# (issue #13) One calibrated image: dims ("y", "x") with coordinates in a length unit (real
# space, e.g. nm) or an inverse length (reciprocal space, e.g. 1/nm, for a diffraction
# pattern); the pixel size is always stated, never assumed.

__all__ += ["image_dataarray"]

_IMAGE_SPACES = ("real", "reciprocal")


def image_dataarray(
    data: np.ndarray,
    pixel_size: float | tuple[float, float],
    unit: str,
    *,
    space: str = "real",
    units: str = "counts",
    attrs: dict[str, Any] | None = None,
) -> xr.DataArray:
    """A 2-D image ``intensity`` with dims ``("y", "x")`` and coordinates ``i · pixel_size``.

    Parameters
    ----------
    data
        2-D array (rows = y).
    pixel_size
        Pixel size (in ``unit``), one number or ``(y, x)``; must be finite and > 0.
    unit
        Length unit of the coordinates (``"nm"``, ``"Å"`` → stored as given, ``"1/nm"`` for
        reciprocal space).
    space
        ``"real"`` or ``"reciprocal"``; stored in ``attrs["space"]``.

    Raises
    ------
    ParameterError
        Not 2-D, bad pixel size, empty unit or unknown space.
    """
    arr = np.asarray(data)
    if arr.ndim != 2 or min(arr.shape) < 2:
        raise ParameterError(
            f"an image must be 2-D with at least 2×2 pixels, got shape {arr.shape}"
        )
    if space not in _IMAGE_SPACES:
        raise ParameterError(f"space must be one of {', '.join(_IMAGE_SPACES)}, got {space!r}")
    py, px = (pixel_size, pixel_size) if np.isscalar(pixel_size) else pixel_size  # type: ignore[misc]
    py, px = float(py), float(px)  # type: ignore[arg-type]
    if not (np.isfinite(py) and np.isfinite(px) and py > 0 and px > 0):
        raise ParameterError(f"pixel size must be finite and > 0, got {pixel_size!r}")
    if not unit or not str(unit).strip():
        raise ParameterError("the pixel-size unit must be stated (e.g. 'nm'); it is never assumed")
    da = xr.DataArray(
        arr,
        dims=("y", "x"),
        coords={"y": np.arange(arr.shape[0]) * py, "x": np.arange(arr.shape[1]) * px},
        name="intensity",
    )
    da["y"].attrs["units"] = unit
    da["x"].attrs["units"] = unit
    da.attrs.update(attrs or {})
    da.attrs.update(
        {"units": units, "pixel_size": px, "pixel_size_y": py, "pixel_unit": unit, "space": space}
    )
    return da
