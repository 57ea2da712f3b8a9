"""Phasor analysis of time-resolved decays and FLIM images (fit-free lifetimes).

The phasor of a decay histogram ``y_k`` at angular frequency ``omega`` (laser repetition
frequency times the harmonic) is

``g = sum_k y_k cos(omega t_k) / sum_k y_k``,  ``s = sum_k y_k sin(omega t_k) / sum_k y_k``

with ``t_k`` the bin centres. A single exponential of lifetime tau lies on the universal
semicircle, ``g = 1/(1 + (omega tau)^2)``, ``s = omega tau/(1 + (omega tau)^2)``; the apparent
lifetimes are ``tau_phi = s/(omega g)`` (phase) and ``tau_m = sqrt(1/(g^2 + s^2) - 1)/omega``
(modulation) (Digman, Caiolfa, Zamai & Gratton, Biophys. J. 94, L14 (2008); Redford & Clegg,
J. Fluoresc. 15, 805 (2005)). The instrument response and electronic delays rotate and shrink
the phasor; calibration with a reference of known lifetime (or with the IRF, lifetime 0)
removes both. The arithmetic is done with phasorpy (``phasor_from_signal``,
``polar_from_reference_phasor``, ``phasor_transform``, ``phasor_to_apparent_lifetime``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr

from heterolab.arrays import as_decays
from heterolab.errors import ParameterError
from heterolab.result import Quantity, Result, make_provenance

__all__ = [
    "apparent_lifetimes",
    "calibrate_phasor",
    "phasor_analysis",
    "phasor_coordinates",
    "single_exponential_phasor",
]


def _counts_and_time(decays: Any, time: Any) -> tuple[np.ndarray, np.ndarray]:
    """Counts and time axis in ns (:func:`heterolab.arrays.as_decays`: a DataArray's time
    coordinate in ps or us is converted, never read as ns)."""
    d = as_decays(decays, time)
    return d.counts, d.time


def _reference_counts(reference: Any, t: np.ndarray) -> np.ndarray:
    """Counts of the reference decay(s), which must lie on the same bins as the decays."""
    own_axis = isinstance(reference, xr.DataArray) and "time" in reference.coords
    y, tr = _counts_and_time(reference, None if own_axis else t)
    if tr.size != t.size or not np.allclose(tr, t, rtol=0, atol=1e-3 * (t[1] - t[0])):
        raise ParameterError(
            "the reference decay is not on the decays' time bins "
            f"({tr.size} bins from {tr[0]:g} ns by {tr[1] - tr[0]:g} ns vs {t.size} bins from "
            f"{t[0]:g} ns by {t[1] - t[0]:g} ns)"
        )
    return y


def _frequency_mhz(t: np.ndarray, frequency_mhz: float | None) -> float:
    """Laser frequency in MHz; default: one period = the histogram window (n_bins x bin width)."""
    delta = float(t[1] - t[0])
    if frequency_mhz is None:
        return 1e3 / (delta * t.size)
    if not (isinstance(frequency_mhz, (int, float)) and frequency_mhz > 0):
        raise ParameterError(f"frequency_mhz must be > 0, got {frequency_mhz!r}")
    return float(frequency_mhz)


def phasor_coordinates(
    decays: xr.DataArray | np.ndarray,
    *,
    time: np.ndarray | None = None,
    frequency_mhz: float | None = None,
    harmonic: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Photon counts and phasor coordinates (g, s) of each decay.

    Parameters
    ----------
    decays
        Counts with ``time`` as last dimension (DataArray) or array ``(..., n_bins)`` with
        ``time=`` (bin start times, ns).
    frequency_mhz
        Laser repetition frequency in MHz; default ``1e3 / (n_bins * bin_width_ns)``, i.e. the
        histogram spans exactly one period.
    harmonic
        Harmonic of the laser frequency (1 = fundamental).

    Returns
    -------
    tuple of numpy.ndarray
        ``(photons, g, s)`` over the leading dims; g and s are NaN where there are no photons.
    """
    from phasorpy.phasor import phasor_from_signal

    y, t = _counts_and_time(decays, time)
    if not isinstance(harmonic, (int, np.integer)) or harmonic < 1:
        raise ParameterError(f"harmonic must be an integer >= 1, got {harmonic!r}")
    if np.any(y < 0) or not np.all(np.isfinite(y)):
        raise ParameterError("decays must be finite, non-negative counts")
    f = _frequency_mhz(t, frequency_mhz)
    delta = float(t[1] - t[0])
    centres = t + 0.5 * delta
    phase = 2.0 * math.pi * f * 1e-3 * harmonic * centres
    photons = y.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        _, g, s = phasor_from_signal(y, axis=-1, sample_phase=phase)
    g = np.where(photons > 0, g, np.nan)
    s = np.where(photons > 0, s, np.nan)
    return photons, np.asarray(g, dtype=float), np.asarray(s, dtype=float)


def single_exponential_phasor(
    lifetime_ns: float | np.ndarray, frequency_mhz: float, harmonic: int = 1
):
    """Analytic phasor of a mono-exponential decay, g = 1/(1+(w tau)^2), s = w tau/(1+(w tau)^2).

    ``w = 2 pi f h`` with f in MHz and tau in ns (Digman et al., Biophys. J. 94, L14 (2008)).
    """
    wt = 2.0 * math.pi * frequency_mhz * 1e-3 * harmonic * np.asarray(lifetime_ns, dtype=float)
    return 1.0 / (1.0 + wt**2), wt / (1.0 + wt**2)


def calibrate_phasor(
    g: np.ndarray,
    s: np.ndarray,
    reference_g: float,
    reference_s: float,
    *,
    frequency_mhz: float,
    reference_lifetime_ns: float = 0.0,
    harmonic: int = 1,
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Rotate and scale phasors so that the reference lands on its known lifetime's phasor.

    The reference (mean phasor of a dye of known lifetime, or of the IRF with lifetime 0) gives
    the instrument's phase offset ``phi0 = phi_known - phi_measured`` and modulation factor
    ``m0 = M_known / M_measured``, applied to every phasor (Digman et al. 2008).

    Returns
    -------
    tuple
        ``(g_calibrated, s_calibrated, phase_offset_rad, modulation_factor)``.
    """
    from phasorpy.lifetime import polar_from_reference_phasor
    from phasorpy.phasor import phasor_transform

    if (
        not (np.isfinite(reference_g) and np.isfinite(reference_s))
        or reference_g**2 + reference_s**2 == 0
    ):
        raise ParameterError(
            f"reference phasor ({reference_g}, {reference_s}) is not usable (no photons?)"
        )
    if reference_lifetime_ns < 0:
        raise ParameterError(f"reference lifetime must be >= 0 ns, got {reference_lifetime_ns}")
    known_g, known_s = single_exponential_phasor(reference_lifetime_ns, frequency_mhz, harmonic)
    phi0, m0 = polar_from_reference_phasor(reference_g, reference_s, float(known_g), float(known_s))
    gc, sc = phasor_transform(g, s, phi0, m0)
    return np.asarray(gc, dtype=float), np.asarray(sc, dtype=float), float(phi0), float(m0)


def apparent_lifetimes(g: np.ndarray, s: np.ndarray, frequency_mhz: float, harmonic: int = 1):
    """Phase and modulation lifetimes (ns): tau_phi = s/(w g), tau_m = sqrt(1/(g^2+s^2) - 1)/w.

    ``w = 2 pi f h`` with f in MHz (Redford & Clegg, J. Fluoresc. 15, 805 (2005)).
    Both equal tau for a single exponential; tau_phi < tau_m for a mixture.
    """
    from phasorpy.lifetime import phasor_to_apparent_lifetime

    with np.errstate(invalid="ignore", divide="ignore"):
        tau_phi, tau_m = phasor_to_apparent_lifetime(g, s, frequency_mhz * harmonic)
    return np.asarray(tau_phi, dtype=float), np.asarray(tau_m, dtype=float)


def phasor_analysis(
    decays: xr.DataArray | np.ndarray,
    *,
    time: np.ndarray | None = None,
    frequency_mhz: float | None = None,
    harmonic: int = 1,
    reference: xr.DataArray | np.ndarray | None = None,
    reference_lifetime_ns: float | None = None,
    min_photons: float = 1.0,
) -> Result:
    """Phasor coordinates, calibration and apparent lifetimes of decays or a FLIM image.

    Parameters
    ----------
    decays
        Counts with a ``time`` dimension (e.g. a FLIM image ``("y", "x", "time")``) or an
        array with ``time=``.
    frequency_mhz, harmonic
        As :func:`phasor_coordinates`.
    reference
        Decay (or image, summed) of a reference measured with the same settings: the IRF
        (``reference_lifetime_ns`` 0 or None) or a dye of known lifetime.
    reference_lifetime_ns
        Lifetime of the reference. Without ``reference``, the summed ``decays`` themselves are
        the reference (reports the calibration of the instrument from a known sample).
    min_photons
        Decays with fewer photons get NaN phasors (counted in ``statistics``).

    Returns
    -------
    Result
        ``kind="trpl.phasor"``. ``parameters`` ``g``, ``s`` of the photon-weighted mean phasor
        (stderr from the spread over decays); ``derived`` ``tau_phase`` and
        ``tau_modulation`` of the mean phasor (ns, propagated errors); ``statistics`` the
        calibration phase (rad) and modulation factor; ``curves`` maps ``g``, ``s``,
        ``tau_phase``, ``tau_modulation``, ``photons``.
    """
    y, t = _counts_and_time(decays, time)
    f = _frequency_mhz(t, frequency_mhz)
    photons, g, s = phasor_coordinates(y, time=t, frequency_mhz=f, harmonic=harmonic)
    low = photons < min_photons
    g = np.where(low, np.nan, g)
    s = np.where(low, np.nan, s)
    result = Result(
        kind="trpl.phasor",
        provenance=make_provenance(
            (),
            {
                "frequency_mhz": f,
                "harmonic": harmonic,
                "reference_lifetime_ns": reference_lifetime_ns,
                "reference": reference is not None,
                "min_photons": min_photons,
            },
        ),
    )
    calibrated = reference is not None or reference_lifetime_ns is not None
    if calibrated:
        ref_y = y if reference is None else _reference_counts(reference, t)
        ref_sum = ref_y.reshape(-1, t.size).sum(axis=0)
        _, rg, rs = phasor_coordinates(ref_sum, time=t, frequency_mhz=f, harmonic=harmonic)
        g, s, phi0, m0 = calibrate_phasor(
            g,
            s,
            float(rg),
            float(rs),
            frequency_mhz=f,
            reference_lifetime_ns=reference_lifetime_ns or 0.0,
            harmonic=harmonic,
        )
        result.statistics.update({"calibration_phase_rad": phi0, "calibration_modulation": m0})
    else:
        result.warnings.append(
            "phasor not calibrated (no reference or IRF): IRF and delays shift it"
        )
    tau_phi, tau_m = apparent_lifetimes(g, s, f, harmonic)
    _mean_phasor(result, photons, g, s, f, harmonic)
    if isinstance(decays, xr.DataArray):
        dims = tuple(str(d) for d in decays.transpose(..., "time").dims[:-1])
    else:
        dims = tuple(f"dim_{i}" for i in range(g.ndim))
    for name, arr, unit in (
        ("g", g, "1"),
        ("s", s, "1"),
        ("tau_phase", tau_phi, "ns"),
        ("tau_modulation", tau_m, "ns"),
        ("photons", photons, "counts"),
    ):
        result.curves[name] = xr.DataArray(
            np.asarray(arr), dims=dims, name=name, attrs={"units": unit}
        )
    result.statistics.update(
        {
            "calibrated": calibrated,
            "frequency_mhz": f,
            "n_decays": int(photons.size),
            "n_below_min_photons": int(np.sum(low)),
        }
    )
    return result


def _mean_phasor(
    result: Result, photons: np.ndarray, g: np.ndarray, s: np.ndarray, f: float, h: int
) -> None:
    """Photon-weighted mean phasor, its standard error and its apparent lifetimes."""
    from heterolab.uncertainty import propagate

    ok = np.isfinite(g) & np.isfinite(s)
    w = np.where(ok, photons, 0.0)
    if not w.sum() > 0:
        result.mark_failed("no decay has photons: phasor undefined")
        return
    gm = float(np.sum(w * np.nan_to_num(g)) / w.sum())
    sm = float(np.sum(w * np.nan_to_num(s)) / w.sum())
    n_eff = w.sum() ** 2 / np.sum(w**2)
    if ok.sum() > 1:
        cov = np.cov(np.stack([g[ok], s[ok]]), aweights=w[ok]) / n_eff
    else:
        cov = np.full((2, 2), np.nan)
    result.parameters["g"] = Quantity(gm, math.sqrt(cov[0, 0]), "1")
    result.parameters["s"] = Quantity(sm, math.sqrt(cov[1, 1]), "1")
    omega = 2e-3 * math.pi * f * h

    def tau_phase(x: np.ndarray) -> float:
        return float(x[1] / (omega * x[0]))

    def tau_modulation(x: np.ndarray) -> float:
        return math.sqrt(max(1.0 / (x[0] ** 2 + x[1] ** 2) - 1.0, 0.0)) / omega

    x = np.array([gm, sm])
    for name, func in (("tau_phase", tau_phase), ("tau_modulation", tau_modulation)):
        if np.all(np.isfinite(cov)):
            value, err = propagate(func, x, cov)
        else:
            value, err = func(x), math.nan
        result.derived[name] = Quantity(float(value), float(err), "ns")
