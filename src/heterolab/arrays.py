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
                f"{path} has {len(labels)} curves ({', '.join(labels)}); pass {word}= (CLI "
                f"--{word}) one of them or 'sum', or use read_decays"
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


# ---------------------------------------------------------------------- decay inputs
# (issue #8) The one normaliser of decay input for every TRPL analysis (fit_decay, fit_decays,
# fit_flim, fit_trpl_map, phasor_analysis) and the one IRF argument: units converted to ns,
# bins checked, an IRF on other bins refused with the reason.

__all__ += ["DecayInput", "IrfSpec", "as_decays", "as_irf"]

_F32_EPS = float(np.finfo(np.float32).eps)


class DecayInput:
    """Validated decay counts with a uniform time axis in ns.

    Attributes
    ----------
    counts
        Counts, shape ``(*lead_shape, n_bins)``, float64, finite and >= 0.
    time
        Bin start times in ns, uniform, increasing (rebuilt from its ends when the input was
        rounded, e.g. a float32 column).
    bin_width
        Bin width in ns.
    lead_dims, coords
        Names of the leading dims and their coordinates (DataArray input).
    attrs
        Metadata of the input DataArray (empty for arrays).
    """

    def __init__(
        self,
        counts: np.ndarray,
        time: np.ndarray,
        lead_dims: tuple[str, ...],
        coords: dict[str, np.ndarray],
        attrs: dict[str, Any],
    ) -> None:
        self.counts = counts
        self.time = time
        self.bin_width = float(time[1] - time[0])
        self.lead_dims = lead_dims
        self.coords = coords
        self.attrs = attrs

    @property
    def lead_shape(self) -> tuple[int, ...]:
        return tuple(self.counts.shape[:-1])


def _uniform_axis(t: np.ndarray, what: str) -> np.ndarray:
    """``t`` as exact ``t0 + k * delta`` if it is uniform within double precision or within the
    rounding of a float32 column (PicoQuant EasyTau exports); ParameterError otherwise."""
    if t.ndim != 1 or t.size < 2 or not np.all(np.isfinite(t)):
        raise ParameterError(f"{what} must be a finite 1-D axis with >= 2 values")
    d = np.diff(t)
    if np.any(d <= 0):
        i = int(np.argmax(d <= 0))
        raise ParameterError(f"{what} must increase: value {i + 1} ({t[i + 1]:g}) follows {t[i]:g}")
    delta = float((t[-1] - t[0]) / (t.size - 1))
    ideal = t[0] + delta * np.arange(t.size)
    tol = max(1e-6 * delta, 8.0 * _F32_EPS * float(np.max(np.abs(t))))
    off = np.abs(t - ideal)
    if float(off.max()) > tol:
        i = int(np.argmax(off))
        raise ParameterError(
            f"{what} must be equally spaced: value {i} is {t[i]:.9g}, "
            f"{off[i] / delta:.3g} bins off the uniform grid of {delta:.6g}"
        )
    return ideal


def as_decays(
    decays: Any,
    time: Any = None,
    *,
    time_unit: str | None = None,
    bin_width: float | None = None,
    lead_dims: tuple[str, ...] | None = None,
    min_bins: int = 4,
) -> DecayInput:
    """Counts and their time axis in ns from a DataArray or arrays, checked.

    Parameters
    ----------
    decays
        DataArray with a ``time`` dim (any other dims lead; the time coordinate's
        ``attrs["units"]`` gives its unit, ns when absent) or an array ``(..., n_bins)``.
    time
        Bin start times (overrides a DataArray's coordinate); needed for an array unless
        ``bin_width`` is given.
    time_unit
        Unit of ``time`` / of an input DataArray's time coordinate when it states none
        (default ns). A stated coordinate unit that contradicts it is an error.
    bin_width
        Bin width in ``time_unit``: builds the axis ``k * bin_width`` when there is none,
        and must agree with an existing axis (never silently ignored).
    lead_dims
        Required leading dims of a DataArray, in order (e.g. ``("y", "x")``).
    min_bins
        Fewest time bins accepted.

    Raises
    ------
    ParameterError
        No time axis, unequal or decreasing times, bins and axis of different length, a
        bin width that contradicts the axis, negative or non-finite counts.
    """
    from heterolab.units import convert

    attrs: dict[str, Any] = {}
    lead: tuple[str, ...] = ()
    coords: dict[str, np.ndarray] = {}
    unit = normalize_unit(time_unit) if time_unit is not None else None
    if isinstance(decays, xr.DataArray):
        if "time" not in decays.dims:
            raise ParameterError(f"decays need a 'time' dimension, got dims {decays.dims}")
        order = (*lead_dims, "time") if lead_dims is not None else (..., "time")
        if lead_dims is not None and set(decays.dims) != {*lead_dims, "time"}:
            raise ParameterError(f"expected dims {(*lead_dims, 'time')}, got {tuple(decays.dims)}")
        da = decays.transpose(*order)
        lead = tuple(str(d) for d in da.dims[:-1])
        coords = {d: np.asarray(da[d].values) for d in lead if d in da.coords}
        attrs = dict(da.attrs)
        y = np.asarray(da.values, dtype=float)
        if time is None and "time" in da.coords:
            time = np.asarray(da["time"].values, dtype=float)
            stated = da["time"].attrs.get("units")
            if stated is not None and unit is not None and normalize_unit(stated) != unit:
                raise ParameterError(
                    f"the time coordinate is in {stated!r} but time_unit={time_unit!r}"
                )
            unit = normalize_unit(stated) if stated is not None else unit
    else:
        y = np.asarray(decays, dtype=float)
        if y.ndim == 0:
            raise ParameterError("decays must be an array of counts, got a scalar")
    unit = unit or "ns"
    n = y.shape[-1]
    if time is None:
        if bin_width is None:
            raise ParameterError(
                "no time axis: pass time= (bin start times) or bin_width= (and time_unit=)"
            )
        time = np.arange(n) * float(bin_width)
    t = np.asarray(time, dtype=float)
    if t.shape != (n,):
        raise ParameterError(f"time axis has {t.size} values but the decays have {n} bins")
    if n < min_bins:
        raise ParameterError(f"a decay needs >= {min_bins} time bins, got {n}")
    t = _uniform_axis(t, "time axis")
    if bin_width is not None:
        if not (np.isfinite(bin_width) and bin_width > 0):
            raise ParameterError(f"bin_width must be > 0, got {bin_width!r}")
        width = float(t[1] - t[0])
        if abs(width - bin_width) > 1e-4 * bin_width:
            raise ParameterError(
                f"bin_width={bin_width:g} {unit} contradicts the time axis, whose bins are "
                f"{width:.6g} {unit} wide; drop one of them"
            )
    if unit != "ns":
        t = np.asarray(convert(t, unit, "ns"), dtype=float)
    if not np.all(np.isfinite(y)):
        raise ParameterError("decay contains NaN or infinite counts")
    if np.any(y < 0):
        i = np.unravel_index(int(np.argmin(y)), y.shape)
        raise ParameterError(
            f"decay has negative counts (e.g. {y[i]:g} in bin {i[-1]}); photon counts must be "
            ">= 0 (was a background subtracted? fit the raw counts with a free background)"
        )
    return DecayInput(y, t, lead, coords, attrs)


class IrfSpec:
    """The one IRF argument, resolved: ``kind`` is ``"measured"`` (``histogram`` on the decay's
    bins) or ``"gaussian"`` (``fwhm`` in ns, or None when it is to be fitted)."""

    def __init__(self, kind: str, histogram: np.ndarray | None, fwhm: float | None) -> None:
        self.kind = kind
        self.histogram = histogram
        self.fwhm = fwhm


def as_irf(irf: Any, like: DecayInput) -> IrfSpec:
    """Resolve an ``irf=`` argument against the decays it belongs to.

    Rules (the same for every TRPL fit):

    - ``None`` or ``"gaussian"``: Gaussian IRF whose FWHM is fitted;
    - a :class:`~heterolab.result.Quantity` with a time unit, or a string such as ``"90 ps"``:
      Gaussian IRF of that FWHM;
    - a bare number: Gaussian FWHM **in ns**; a number wider than the time window is refused
      as ambiguous (``90`` meant as ps?);
    - a DataArray with a ``time`` coordinate: a measured IRF, which must lie on the decays'
      bins (same number, width and start, after unit conversion; a shifted, ps-scaled or
      re-binned IRF is an error naming the difference);
    - an array of the decays' length: a measured IRF on the same bins.

    Raises
    ------
    ParameterError
        Anything else, with the rule it broke.
    """
    from heterolab.result import Quantity

    window = like.bin_width * like.time.size
    if irf is None or (isinstance(irf, str) and irf.strip().lower() == "gaussian"):
        return IrfSpec("gaussian", None, None)
    if isinstance(irf, str):
        text, parts = irf, irf.split()
        try:
            irf = Quantity(float(parts[0]), None, parts[1]) if len(parts) == 2 else None
        except ValueError:
            irf = None
        if irf is None:
            raise ParameterError(
                "irf must be a measured IRF (array/DataArray), 'gaussian', a FWHM such as "
                f"'90 ps' or Quantity(0.09, unit='ns'), got {text!r}"
            )
    if isinstance(irf, Quantity):
        fwhm = float(convert_time(irf.value, irf.unit))
        return IrfSpec("gaussian", None, _checked_fwhm(fwhm, window, f"{irf.value} {irf.unit}"))
    if isinstance(irf, (int, float, np.floating, np.integer)) and not isinstance(irf, bool):
        fwhm = _checked_fwhm(float(irf), window, f"{irf}")
        if fwhm > window:
            raise ParameterError(
                f"irf={irf} (a bare number is a Gaussian FWHM in ns) is wider than the "
                f"{window:.4g} ns window: for another unit pass e.g. '{irf} ps' or "
                f"Quantity({irf}, unit='ps')"
            )
        return IrfSpec("gaussian", None, fwhm)
    if isinstance(irf, xr.DataArray) and "time" in irf.coords:
        got = as_decays(irf, min_bins=2)
        if got.counts.ndim != 1:
            raise ParameterError(f"the IRF must be one curve, got dims {tuple(irf.dims)}")
        _same_bins(got, like)
        hist = got.counts
    else:
        hist = np.asarray(irf.values if isinstance(irf, xr.DataArray) else irf, dtype=float)
        if hist.ndim != 1 or hist.size != like.time.size:
            raise ParameterError(
                f"IRF has {hist.size} bins but the decay has {like.time.size}; the IRF must be "
                "on the same time bins"
            )
    if not np.all(np.isfinite(hist)) or np.any(hist < 0) or not np.any(hist > 0):
        raise ParameterError("IRF must be finite, non-negative and not all zero")
    return IrfSpec("measured", hist, None)


def convert_time(value: float, unit: str) -> float:
    """A time in ``unit`` converted to ns (ParameterError for a unit that is not a time)."""
    from heterolab.units import convert, dimension_of

    try:
        if dimension_of(unit) != "time":
            raise ParameterError(f"{value} {unit} is not a time")
        return float(convert(value, unit, "ns"))
    except ParameterError:
        raise
    except Exception as exc:  # UnitError: unknown unit
        raise ParameterError(str(exc)) from None


def _checked_fwhm(fwhm: float, window: float, given: str) -> float:
    if not (np.isfinite(fwhm) and fwhm > 0):
        raise ParameterError(f"the Gaussian IRF FWHM must be > 0, got {given}")
    return fwhm


def _same_bins(irf: DecayInput, like: DecayInput) -> None:
    """ParameterError unless the IRF lies on the decay's time bins."""
    n_i, n_d = irf.time.size, like.time.size
    w_i, w_d = irf.bin_width, like.bin_width
    if abs(w_i - w_d) > 1e-4 * w_d:
        raise ParameterError(
            f"the IRF's bins are {w_i:.6g} ns wide, the decay's {w_d:.6g} ns (a time axis in "
            "another unit, or another resolution): record or rebin the IRF on the decay's bins"
        )
    if n_i != n_d:
        raise ParameterError(f"IRF has {n_i} bins but the decay has {n_d}")
    off = float(irf.time[0] - like.time[0])
    if abs(off) > 1e-3 * w_d:
        raise ParameterError(
            f"the IRF's time axis starts {off:+.6g} ns ({off / w_d:+.3g} bins) from the decay's: "
            "put the IRF on the decay's bins (a real delay between them is fitted as shift)"
        )
