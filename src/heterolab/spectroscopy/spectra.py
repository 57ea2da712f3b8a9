"""Spectrum operations: axis conversion with the Jacobian, peaks, FWHM, areas, derivatives.

Spectra are 1-D :class:`xarray.DataArray` objects with dim ``"wavelength"`` (nm),
``"energy"`` (eV) or ``"wavenumber"`` (cm⁻¹) as made by :mod:`heterolab.io.spectra`.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import xarray as xr

from heterolab.errors import ParameterError
from heterolab.io.spectra import AXIS_UNITS, make_spectrum
from heterolab.result import Quantity, Result, make_provenance
from heterolab.uncertainty import propagate
from heterolab.units import HC_EV_NM

__all__ = [
    "analyze_peak",
    "axis_to_ev",
    "correct_response",
    "excitonic_peak",
    "fwhm",
    "integrate",
    "noise_sigma",
    "peak_maximum",
    "second_derivative",
    "second_derivative_minima",
    "spectral_axis",
    "stokes_shift_mev",
    "to_energy",
    "to_wavelength",
    "wavelength_quantity",
]

#: Value units that are not densities per unit axis (no Jacobian on axis conversion).
NON_DENSITY_UNITS = frozenset({"OD", "mOD", "%"})
HC_EV_CM = HC_EV_NM * 1e-7  #: h c in eV cm: E [eV] = HC_EV_CM * wavenumber [cm⁻¹]


def spectral_axis(spectrum: xr.DataArray) -> str:
    """Name of the spectral dimension of a 1-D spectrum.

    Raises
    ------
    ParameterError
        If ``spectrum`` is not 1-D over ``wavelength``, ``energy`` or ``wavenumber``.
    """
    if not isinstance(spectrum, xr.DataArray) or spectrum.ndim != 1:
        raise ParameterError(
            "expected a 1-D spectrum DataArray, got "
            + (
                f"dims {spectrum.dims}"
                if isinstance(spectrum, xr.DataArray)
                else type(spectrum).__name__
            )
        )
    dim = str(spectrum.dims[0])
    if dim not in AXIS_UNITS:
        raise ParameterError(f"spectrum dim must be one of {list(AXIS_UNITS)}, got {dim!r}")
    return dim


def axis_to_ev(value: float, dim: str) -> float:
    """Photon energy [eV] of a position on the spectral axis ``dim``.

    ``wavelength`` [nm]: E = hc/λ; ``wavenumber`` [cm⁻¹]: E = hc ν̃; ``energy`` [eV]: itself.
    """
    if dim == "wavelength":
        return HC_EV_NM / value
    if dim == "wavenumber":
        return HC_EV_CM * value
    if dim == "energy":
        return value
    raise ParameterError(f"spectral axis must be one of {list(AXIS_UNITS)}, got {dim!r}")


def wavelength_quantity(energy: Quantity) -> Quantity:
    """Vacuum wavelength λ = hc/E [nm] of a photon energy [eV], with its propagated error.

    σ_λ = hc σ_E / E² (first order); an exact energy (``stderr`` None) gives an exact λ.
    """
    lam = HC_EV_NM / energy.value
    if energy.stderr is None:
        return Quantity(lam, None, "nm")
    _, err = propagate(
        lambda x: HC_EV_NM / x[0],
        [energy.value],
        [[energy.stderr**2]],
        gradient=[-HC_EV_NM / energy.value**2],
    )
    return Quantity(lam, err, "nm")


def _use_jacobian(spectrum: xr.DataArray, jacobian: bool | None) -> bool:
    if jacobian is not None:
        return jacobian
    return spectrum.attrs.get("units", "counts") not in NON_DENSITY_UNITS


def to_energy(spectrum: xr.DataArray, *, jacobian: bool | None = None) -> xr.DataArray:
    """Spectrum on a photon-energy axis [eV], intensities per unit energy.

    E = hc/λ; a spectral density S_λ becomes S_E = S_λ |dλ/dE| = S_λ hc/E² (Mooney &
    Kambhampati, J. Phys. Chem. Lett. 4, 3316 (2013)). From wavenumbers, E = hc ν̃ and
    |dν̃/dE| = 1/(hc) (a constant). Absorbance-like values (units ``OD``, ``mOD``, ``%``) are
    not densities and are not multiplied unless ``jacobian=True``; any other units are
    treated as a spectral density unless ``jacobian=False``.

    Parameters
    ----------
    spectrum
        1-D spectrum over wavelength, wavenumber or energy.
    jacobian
        Force (True) or suppress (False) the Jacobian; default by value units.

    Returns
    -------
    xarray.DataArray
        Sorted by increasing energy; ``attrs["jacobian_applied"]`` records the choice.
    """
    dim = spectral_axis(spectrum)
    if dim == "energy":
        return spectrum
    x = spectrum[dim].values
    if np.any(x <= 0):
        raise ParameterError(f"{dim} axis must be positive to convert to energy")
    use = _use_jacobian(spectrum, jacobian)
    if dim == "wavelength":
        e = HC_EV_NM / x
        factor = HC_EV_NM / e**2 if use else 1.0
    else:
        e = HC_EV_CM * x
        factor = 1.0 / HC_EV_CM if use else 1.0
    attrs = dict(spectrum.attrs)
    attrs["jacobian_applied"] = bool(use)
    return make_spectrum(
        e,
        spectrum.values * factor,
        "energy",
        units=attrs.pop("units", "counts"),
        name=spectrum.name or "intensity",
        attrs=attrs,
    )


def to_wavelength(spectrum: xr.DataArray, *, jacobian: bool | None = None) -> xr.DataArray:
    """Spectrum on a wavelength axis [nm], intensities per unit wavelength.

    Inverse of :func:`to_energy`: S_λ = S_E hc/λ² (Mooney & Kambhampati 2013).
    """
    dim = spectral_axis(spectrum)
    if dim == "wavelength":
        return spectrum
    e = to_energy(spectrum, jacobian=jacobian) if dim == "wavenumber" else spectrum
    use = _use_jacobian(spectrum, jacobian)
    x = e["energy"].values
    if np.any(x <= 0):
        raise ParameterError("energy axis must be positive to convert to wavelength")
    lam = HC_EV_NM / x
    factor = HC_EV_NM / lam**2 if use else 1.0
    attrs = dict(e.attrs)
    attrs["jacobian_applied"] = bool(use)
    return make_spectrum(
        lam,
        e.values * factor,
        "wavelength",
        units=attrs.pop("units", "counts"),
        name=e.name or "intensity",
        attrs=attrs,
    )


def correct_response(spectrum: xr.DataArray, response: xr.DataArray) -> xr.DataArray:
    """Divide a measured spectrum by the relative spectral response of its detector chain.

    ``response`` (same kind of axis, any sampling) is interpolated onto the spectrum's axis.
    Needed before comparing band areas recorded on different detectors, e.g. visible CsPbBr3
    and NIR PbS emission (spec P-26).

    Raises
    ------
    ParameterError
        If the axes differ, the response does not cover the spectrum, or is ≤ 0 inside it.
    """
    dim = spectral_axis(spectrum)
    if spectral_axis(response) != dim:
        raise ParameterError(f"response is on {response.dims[0]!r}, spectrum on {dim!r}")
    x, rx = spectrum[dim].values, response[dim].values
    if x[0] < rx[0] or x[-1] > rx[-1]:
        raise ParameterError(
            f"response covers {rx[0]:g}–{rx[-1]:g} but the spectrum spans {x[0]:g}–{x[-1]:g} "
            f"{AXIS_UNITS[dim]}"
        )
    r = np.interp(x, rx, response.values.astype(float))
    if np.any(r <= 0):
        raise ParameterError("spectral response is <= 0 inside the spectrum's range")
    out = spectrum / r
    out.attrs = dict(spectrum.attrs, response_corrected=True)
    return out


def _window(spectrum: xr.DataArray, window: tuple[float, float] | None) -> xr.DataArray:
    dim = spectral_axis(spectrum)
    if window is None:
        return spectrum
    lo, hi = sorted(window)
    sel = spectrum.sel({dim: slice(lo, hi)})
    if sel.size < 3:
        raise ParameterError(
            f"window {window} on the {dim} axis holds {sel.size} points; spectrum covers "
            f"{float(spectrum[dim].min()):g}–{float(spectrum[dim].max()):g} {AXIS_UNITS[dim]}"
        )
    return sel


def peak_maximum(
    spectrum: xr.DataArray, window: tuple[float, float] | None = None
) -> tuple[float, float]:
    """Position and height of the maximum, refined by a parabola through the top 3 points.

    Returns
    -------
    position, height
        In the spectrum's axis units and value units.
    """
    s = _window(spectrum, window)
    dim = spectral_axis(s)
    x, y = s[dim].values, s.values
    if not np.all(np.isfinite(y)):
        raise ParameterError("spectrum contains non-finite values in the window")
    i = int(np.argmax(y))
    if 0 < i < y.size - 1:
        xs, ys = x[i - 1 : i + 2], y[i - 1 : i + 2]
        c2, c1, c0 = np.polyfit(xs - xs[1], ys, 2)
        if c2 < 0:
            dx = -c1 / (2 * c2)
            if abs(dx) <= abs(xs[2] - xs[0]):
                return float(xs[1] + dx), float(c0 - c1**2 / (4 * c2))
    return float(x[i]), float(y[i])


def _crossing(x: np.ndarray, y: np.ndarray, level: float, start: int, step: int) -> float:
    j = start
    while 0 <= j + step < y.size:
        if y[j + step] < level <= y[j]:
            x0, x1, y0, y1 = x[j], x[j + step], y[j], y[j + step]
            return float(x0 + (level - y0) * (x1 - x0) / (y1 - y0))
        j += step
    return math.nan


def fwhm(
    spectrum: xr.DataArray, window: tuple[float, float] | None = None, baseline: float = 0.0
) -> tuple[float, float, float]:
    """Full width at half maximum by linear interpolation of the half-height crossings.

    Parameters
    ----------
    spectrum
        1-D spectrum with one dominant peak in ``window``.
    baseline
        Constant level subtracted before taking half the height.

    Returns
    -------
    width, low_edge, high_edge
        In axis units. ``nan`` when a side does not fall below half maximum in the window.
    """
    s = _window(spectrum, window)
    dim = spectral_axis(s)
    x, y = s[dim].values, s.values - baseline
    i = int(np.argmax(y))
    half = y[i] / 2.0
    lo = _crossing(x, y, half, i, -1)
    hi = _crossing(x, y, half, i, +1)
    return hi - lo, lo, hi


def integrate(spectrum: xr.DataArray, window: tuple[float, float] | None = None) -> float:
    """Trapezoidal area over ``window`` (axis units), with interpolated end points.

    Units: value units × axis units. Integrate emission in energy after :func:`to_energy`
    (or in wavelength with intensities per nm) — never mix.
    """
    dim = spectral_axis(spectrum)
    x, y = spectrum[dim].values, spectrum.values
    if window is not None:
        lo, hi = sorted(window)
        if hi <= x[0] or lo >= x[-1]:
            raise ParameterError(
                f"window {window} lies outside the spectrum ({x[0]:g}–{x[-1]:g} {AXIS_UNITS[dim]})"
            )
        lo, hi = max(lo, x[0]), min(hi, x[-1])
        inside = (x > lo) & (x < hi)
        xs = np.concatenate([[lo], x[inside], [hi]])
        ys = np.interp(xs, x, y)
    else:
        xs, ys = x, y
    return float(np.trapezoid(ys, xs))


def stokes_shift_mev(absorption_peak_ev: float, emission_peak_ev: float) -> float:
    """Stokes shift Δ_S = E_abs − E_PL [meV] (spec P-26)."""
    return 1000.0 * (absorption_peak_ev - emission_peak_ev)


# ----------------------------------------------------------------------------- derivatives
def _uniform_energy(
    spectrum: xr.DataArray, step_ev: float | None, jacobian: bool | None = None
) -> tuple[np.ndarray, np.ndarray]:
    e = to_energy(spectrum, jacobian=jacobian)
    x, y = e["energy"].values, e.values
    step = step_ev or float(np.median(np.diff(x)))
    grid = np.arange(x[0], x[-1] + step / 2, step)
    return grid, np.interp(grid, x, y)


def second_derivative(
    spectrum: xr.DataArray,
    *,
    window_ev: float = 0.05,
    polyorder: int = 3,
    step_ev: float | None = None,
    jacobian: bool | None = None,
) -> xr.DataArray:
    """d²S/dE² by Savitzky–Golay on a uniform energy grid (spec P-25).

    ``jacobian`` as in :func:`to_energy` (absorbance: no Jacobian).

    Savitzky & Golay, Anal. Chem. 36, 1627 (1964); derivative spectroscopy of excitonic
    absorption: Talsky et al., Angew. Chem. Int. Ed. 17, 785 (1978); Moreels & Hens,
    Small 4, 1866 (2008).

    Parameters
    ----------
    window_ev
        Smoothing window width [eV] (converted to an odd number of points ≥ polyorder + 2).
    polyorder
        Local polynomial order.
    """
    from scipy.signal import savgol_filter

    grid, y = _uniform_energy(spectrum, step_ev, jacobian)
    step = grid[1] - grid[0]
    n = round(window_ev / step) | 1
    n = max(n, polyorder + 2 + (polyorder + 1) % 2)
    if n >= grid.size:
        raise ParameterError(
            f"window_ev={window_ev} eV spans {n} points but the spectrum has {grid.size}"
        )
    d2 = savgol_filter(y, n, polyorder, deriv=2, delta=step)
    out = make_spectrum(grid, d2, "energy", units="1", name="d2")
    out.attrs.update(
        window_points=n,
        window_ev=n * step,
        polyorder=polyorder,
        noise=_d2_noise(spectrum, n, polyorder, step, jacobian),
    )
    return out


def _d2_noise(
    spectrum: xr.DataArray, n: int, polyorder: int, step: float, jacobian: bool | None
) -> float:
    """Standard deviation of the Savitzky–Golay d²S/dE² that white noise alone would give.

    The noise σ of the measured points (:func:`noise_sigma`) propagates through the filter's
    linear coefficients c: σ_d2 = σ √Σc² (units of S per eV²); 0 for fewer than 5 points.
    """
    from scipy.signal import savgol_coeffs

    y = to_energy(spectrum, jacobian=jacobian).values.astype(float)
    if y.size < 5:
        return 0.0
    coeffs = savgol_coeffs(n, polyorder, deriv=2, delta=step)
    return noise_sigma(y) * float(np.sqrt(np.sum(coeffs**2)))


def noise_sigma(values: np.ndarray) -> float:
    """Point-to-point white-noise σ of a sampled signal, in the units of ``values``.

    From the median absolute deviation of the second differences
    Δ²_i = y_{i−1} − 2y_i + y_{i+1}: for white noise var(Δ²) = 6σ², so
    σ = 1.4826 · MAD(Δ²) / √6; a smooth signal barely changes Δ², so the estimate is robust to
    it (and to a few spikes). Needs at least 3 points.
    """
    d2 = np.diff(np.asarray(values, dtype=float), 2)
    return float(1.4826 * np.median(np.abs(d2 - np.median(d2))) / math.sqrt(6.0))


def second_derivative_minima(
    d2: xr.DataArray, *, min_depth: float = 0.05, noise_sigmas: float = 4.0
) -> list[tuple[float, float]]:
    """Local minima of a second-derivative spectrum deeper than ``min_depth`` × the deepest
    and than ``noise_sigmas`` × the d² noise level (``d2.attrs["noise"]`` from
    :func:`second_derivative`), so that noise wiggles are not taken for excitons.

    Returns ``[(energy_eV, stderr_eV), ...]`` sorted by energy. The error is the half-width of
    the parabola through the three points around the minimum at which it rises by 1 % of
    its depth (curvature-based; reflects the grid and the sharpness of the feature).
    """
    x, y = d2["energy"].values, d2.values
    deepest = -float(np.min(y))
    out: list[tuple[float, float]] = []
    if not deepest > 0:
        return out
    floor = max(min_depth * deepest, noise_sigmas * float(d2.attrs.get("noise", 0.0)))
    for i in range(1, y.size - 1):
        if y[i] < y[i - 1] and y[i] <= y[i + 1] and -y[i] >= floor:
            c2, c1, c0 = np.polyfit(x[i - 1 : i + 2] - x[i], y[i - 1 : i + 2], 2)
            dx = -c1 / (2 * c2) if c2 > 0 else 0.0
            depth = -(c0 - c1**2 / (4 * c2)) if c2 > 0 else -y[i]
            err = math.sqrt(0.01 * depth / c2) if c2 > 0 and depth > 0 else math.nan
            out.append((float(x[i] + dx), float(err)))
    return out


def excitonic_peak(
    absorbance: xr.DataArray,
    window: tuple[float, float] | None = None,
    *,
    method: Literal["second_derivative", "maximum"] = "second_derivative",
    window_ev: float = 0.05,
    windows_for_sensitivity: tuple[float, ...] = (0.6, 1.0, 1.5),
) -> Result:
    """First (lowest-energy) excitonic absorption peak, in eV and nm (spec P-25, P-47).

    ``method="second_derivative"`` takes the lowest-energy minimum of d²A/dE²
    (:func:`second_derivative`), repeated with windows ``window_ev × windows_for_sensitivity``;
    the spread of those positions is reported as ``window_sensitivity`` and combined with the
    curvature error. ``method="maximum"`` takes the local absorbance maximum in ``window``.

    Parameters
    ----------
    absorbance
        Absorption spectrum (units OD) over wavelength or energy.
    window
        Search window in the spectrum's own axis units.
    """
    s = _window(absorbance, window)
    dim = spectral_axis(s)
    if s.size < 5 or not np.all(np.isfinite(s.values)):
        raise ParameterError(
            f"an excitonic peak needs at least 5 finite points in the window, got {s.size} "
            f"points ({int(np.sum(~np.isfinite(s.values)))} not finite)"
        )
    res = Result(
        kind="spectrum.exciton",
        provenance=make_provenance(
            [], {"method": method, "window": window, "window_ev": window_ev}
        ),
    )
    res.curves["data"] = to_energy(s, jacobian=False) if dim != "energy" else s
    if method == "maximum":
        pos, _ = peak_maximum(s)
        e = axis_to_ev(pos, dim)
        res.parameters["peak_energy"] = Quantity(e, None, "eV")
    elif method == "second_derivative":
        found = []
        for f in windows_for_sensitivity:
            d2 = second_derivative(s, window_ev=window_ev * f, jacobian=False)
            if f == 1.0 or "second_derivative" not in res.curves:
                d2.attrs["units"] = f"{s.attrs.get('units', 'OD')}/eV^2"
                res.curves["second_derivative"] = d2
            minima = second_derivative_minima(d2)
            if minima:
                found.append(minima[0])
        if not found:
            res.mark_failed("no minimum in the second derivative: no excitonic feature in window")
            return res
        mid = found[len(found) // 2] if len(found) == len(windows_for_sensitivity) else found[0]
        spread = float(np.ptp([f[0] for f in found])) / 2 if len(found) > 1 else math.nan
        err = math.hypot(mid[1], spread) if math.isfinite(spread) else mid[1]
        res.parameters["peak_energy"] = Quantity(mid[0], err, "eV")
        res.statistics["window_sensitivity_ev"] = spread
    else:
        raise ParameterError(f"method must be 'second_derivative' or 'maximum', got {method!r}")
    res.derived["peak_wavelength"] = wavelength_quantity(res.parameters["peak_energy"])
    return res


# ----------------------------------------------------------------------------- one-peak summary
def analyze_peak(
    spectrum: xr.DataArray,
    window: tuple[float, float] | None = None,
    *,
    absorption_peak_ev: float | None = None,
) -> Result:
    """Peak position (maximum), FWHM in nm and meV, and integrated area of one emission band.

    Position and width are taken on the energy axis after the Jacobian (spec P-26; Mooney &
    Kambhampati 2013) and on the wavelength axis (as plotted in the thesis); both are
    reported. Area is the photon-number-proportional integral ∫S_E dE. With
    ``absorption_peak_ev`` the Stokes shift is added.

    Parameters
    ----------
    spectrum
        Emission spectrum over wavelength, energy or wavenumber.
    window
        Range in the spectrum's own axis units holding the band.
    """
    s = _window(spectrum, window)
    e = to_energy(s)
    lam = to_wavelength(s)
    pos_e, height_e = peak_maximum(e)
    w_e, _, _ = fwhm(e)
    pos_l, _ = peak_maximum(lam)
    w_l, _, _ = fwhm(lam)
    res = Result(
        kind="spectrum.peak",
        provenance=make_provenance(
            [s.attrs["source_file"]] if "source_file" in s.attrs else [], {"window": window}
        ),
    )
    res.parameters["peak_energy"] = Quantity(pos_e, None, "eV")
    res.parameters["peak_wavelength"] = Quantity(pos_l, None, "nm")
    res.parameters["fwhm_energy"] = Quantity(1000 * w_e, None, "meV")
    res.parameters["fwhm_wavelength"] = Quantity(w_l, None, "nm")
    res.parameters["area"] = Quantity(integrate(e), None, e.attrs.get("units", "counts") + "*eV")
    res.derived["height"] = Quantity(height_e, None, e.attrs.get("units", "counts") + "/eV")
    if absorption_peak_ev is not None:
        res.derived["stokes_shift"] = Quantity(
            stokes_shift_mev(absorption_peak_ev, pos_e), None, "meV"
        )
    if not math.isfinite(w_e):
        res.warnings.append("the band does not fall to half maximum on both sides: FWHM undefined")
    res.curves["data"] = e
    return res
