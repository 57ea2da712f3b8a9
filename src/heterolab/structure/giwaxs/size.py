"""Scherrer crystallite sizes from grazing-incidence line profiles, with the instrument
resolution stated.

In q, Scherrer's relation reads L = 2π K / Δq_s (Δq_s the sample's FWHM in Å⁻¹; Scherrer 1918,
K = 0.9 as in thesis §2.6; Patterson, Phys. Rev. 56, 978 (1939)). In grazing incidence the
measured width also holds the instrument's: the footprint of the beam on the sample, of length
ℓ along the beam, is seen from the detector at distance D under a spread of scattering angles
Δ(2θ) ≈ ℓ sin 2θ / D, and a pixel of size p under Δ(2θ) ≈ p cos² 2θ / D (Smilgies,
J. Appl. Cryst. 42, 1030 (2009), Eqs. 9–11; the footprint term dominates at grazing incidence,
so a GIWAXS Scherrer size is often only a lower bound). Either give the resolution Δq_inst
(measured on a standard) or the geometry; it is removed in quadrature (Gaussian widths) and
always reported with the size.

Δq = (4π/λ) cos θ Δθ converts an angular width to q.
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from heterolab.errors import ParameterError
from heterolab.result import Quantity, Result

__all__ = ["gi_instrument_resolution", "gi_scherrer"]


def gi_instrument_resolution(
    q: float,
    *,
    wavelength_angstrom: float,
    distance_mm: float,
    footprint_mm: float = 0.0,
    pixel_mm: float = 0.172,
    beam_divergence_deg: float = 0.0,
) -> dict[str, float]:
    """Instrument FWHM in q (Å⁻¹) at ``q`` from the grazing-incidence geometry (Smilgies 2009).

    Parameters
    ----------
    q
        Scattering vector of the line (Å⁻¹).
    wavelength_angstrom
        X-ray wavelength (Å).
    distance_mm
        Sample–detector distance (mm).
    footprint_mm
        Illuminated length of the sample along the beam (mm): beam height / sin(incidence).
    pixel_mm
        Detector pixel size (mm; Pilatus 0.172).
    beam_divergence_deg
        Beam divergence (deg FWHM).

    Returns
    -------
    dict
        ``footprint``, ``pixel``, ``divergence`` and ``total`` FWHMs in Å⁻¹ (quadrature sum).
    """
    s = q * wavelength_angstrom / (4 * math.pi)
    if not 0 < s < 1:
        raise ParameterError(f"q = {q} Å⁻¹ is not reachable at λ = {wavelength_angstrom} Å")
    if not distance_mm > 0:
        raise ParameterError(f"distance_mm must be > 0, got {distance_mm}")
    theta = math.asin(s)
    two_theta = 2 * theta
    to_q = 2 * math.pi / wavelength_angstrom * math.cos(theta)  # dq/d(2θ), Å⁻¹ per rad
    parts = {
        "footprint": to_q * footprint_mm * math.sin(two_theta) / distance_mm,
        "pixel": to_q * pixel_mm * math.cos(two_theta) ** 2 / distance_mm,
        "divergence": to_q * math.radians(beam_divergence_deg),
    }
    parts["total"] = math.sqrt(sum(v * v for v in parts.values()))
    return parts


def _fit_line(
    q: np.ndarray, y: np.ndarray, sigma: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, float]:
    """Gaussian on a linear background: (a, centre, FWHM, b0, b1), errors, χ²_red.

    Weighted by ``sigma`` (relative weights: the covariance is scaled by the residuals); None
    and non-negative intensities: Poisson-like σ ∝ √I (a profile averaged over bins keeps
    var ∝ I). Unweighted, the background points set the noise level and a line's errors came
    out too small (random lines 10× above background: |z| up to 5).
    """
    if sigma is None and np.all(y >= 0) and np.max(y) > 0:
        sigma = np.sqrt(np.clip(y, 1e-3 * float(np.max(y)), None))
    from scipy.optimize import curve_fit

    def model(x: np.ndarray, a: float, c: float, w: float, b0: float, b1: float) -> np.ndarray:
        return a * np.exp(-4 * math.log(2) * ((x - c) / w) ** 2) + b0 + b1 * (x - c)

    i = int(np.argmax(y))
    base = float(min(y[0], y[-1]))
    half = base + 0.5 * (y[i] - base)
    above = np.flatnonzero(y >= half)
    w0 = max(float(q[above[-1]] - q[above[0]]), 2 * float(np.median(np.diff(q))))
    p0 = [float(y[i] - base), float(q[i]), w0, base, 0.0]
    try:
        popt, pcov = curve_fit(model, q, y, p0=p0, sigma=sigma, maxfev=10000)
    except RuntimeError as exc:
        raise ParameterError(f"the line profile could not be fitted ({exc})") from None
    resid = y - model(q, *popt)
    dof = max(q.size - 5, 1)
    scale = float(np.sum(resid**2) / dof)
    return popt, np.sqrt(np.clip(np.diag(pcov), 0, None)), scale


def gi_scherrer(
    profile: xr.DataArray,
    q_range: tuple[float, float],
    *,
    instrument_fwhm_q: float | None = None,
    wavelength_angstrom: float | None = None,
    distance_mm: float | None = None,
    footprint_mm: float = 0.0,
    pixel_mm: float = 0.172,
    beam_divergence_deg: float = 0.0,
    shape_factor: float = 0.9,
) -> Result:
    """Scherrer size (nm) of one line of a GI line profile I(q) (e.g. a sector profile along
    q_z or q_xy, :func:`heterolab.structure.giwaxs.sector_profile`).

    Parameters
    ----------
    profile
        Intensity vs ``q`` (Å⁻¹).
    q_range
        Window holding the line (Å⁻¹).
    instrument_fwhm_q
        Instrument resolution Δq_inst (Å⁻¹ FWHM), e.g. from a standard. None: computed by
        :func:`gi_instrument_resolution` from ``wavelength_angstrom``, ``distance_mm``,
        ``footprint_mm``, ``pixel_mm`` and ``beam_divergence_deg`` (all needed), or, without a
        distance, 0 (then the size is a lower bound and says so).
    shape_factor
        Scherrer K.

    Returns
    -------
    Result
        kind ``"giwaxs.size"``: parameter ``size`` (nm); derived ``q`` (Å⁻¹), ``fwhm_q``
        (measured), ``instrument_fwhm_q``, ``sample_fwhm_q`` (Å⁻¹); statistics ``resolution``
        (how Δq_inst was obtained and its parts), ``chi2_red``. Suspect when the measured
        width is less than 1.2 Δq_inst (resolution-limited: the size is a lower bound) or the
        line is narrower than three q bins.
    """
    lo, hi = q_range
    if not lo < hi:
        raise ParameterError(f"q_range must be (low, high), got {q_range}")
    if "q" not in profile.dims:
        raise ParameterError("the profile must have a dimension 'q' (Å⁻¹)")
    sel = profile.sel(q=slice(lo, hi))
    q = np.asarray(sel["q"].values, dtype=float)
    y = np.asarray(sel.values, dtype=float)
    ok = np.isfinite(y)
    sig = np.asarray(sel["sigma"].values, dtype=float)[ok] if "sigma" in sel.coords else None
    q, y = q[ok], y[ok]
    if q.size < 8:
        raise ParameterError(f"q_range {q_range} holds {q.size} finite points; need at least 8")
    if sig is not None and not np.all(np.isfinite(sig) & (sig > 0)):
        sig = None
    popt, perr, chi2 = _fit_line(q, y, sig)
    centre, fwhm = float(popt[1]), abs(float(popt[2]))
    fwhm_err = float(perr[2])
    if instrument_fwhm_q is not None:
        inst = float(instrument_fwhm_q)
        resolution: dict[str, object] = {"source": "given", "total": inst}
    elif distance_mm is not None:
        lam = wavelength_angstrom or profile.attrs.get("wavelength_angstrom")
        if not lam:
            raise ParameterError("the resolution from geometry needs wavelength_angstrom=")
        parts = gi_instrument_resolution(
            centre,
            wavelength_angstrom=float(lam),
            distance_mm=distance_mm,
            footprint_mm=footprint_mm,
            pixel_mm=pixel_mm,
            beam_divergence_deg=beam_divergence_deg,
        )
        inst = parts["total"]
        resolution = {"source": "geometry (Smilgies 2009)", **parts}
    else:
        inst = 0.0
        resolution = {"source": "none given", "total": 0.0}
    sample2 = fwhm**2 - inst**2
    result = Result(kind="giwaxs.size")
    sample = math.sqrt(sample2) if sample2 > 0 else math.nan
    size_nm = 2 * math.pi * shape_factor / sample / 10.0 if sample > 0 else math.nan
    size_err = size_nm * (fwhm * fwhm_err / sample2) if sample2 > 0 else math.nan
    result.parameters["size"] = Quantity(size_nm, size_err, "nm")
    result.derived.update(
        {
            "q": Quantity(centre, float(perr[1]), "1/angstrom"),
            "fwhm_q": Quantity(fwhm, fwhm_err, "1/angstrom"),
            "instrument_fwhm_q": Quantity(inst, None, "1/angstrom"),
            "sample_fwhm_q": Quantity(
                sample, fwhm * fwhm_err / sample if sample > 0 else None, "1/angstrom"
            ),
        }
    )
    result.statistics.update(
        {
            "resolution": resolution,
            "shape_factor": shape_factor,
            "chi2_red_unweighted": chi2,
            "correction": "quadratic (Gaussian widths)",
        }
    )
    fine = np.linspace(q[0], q[-1], 400)
    coord = {"q": xr.Variable(("q",), q, attrs={"units": "1/angstrom"})}
    unit = profile.attrs.get("units", "counts")
    result.curves["data"] = xr.DataArray(y, dims=("q",), coords=coord, attrs={"units": unit})
    a, c, w, b0, b1 = popt
    fit = a * np.exp(-4 * math.log(2) * ((fine - c) / w) ** 2) + b0 + b1 * (fine - c)
    result.curves["model"] = xr.DataArray(
        fit,
        dims=("q",),
        coords={"q": xr.Variable(("q",), fine, attrs={"units": "1/angstrom"})},
        attrs={"units": unit},
    )
    if instrument_fwhm_q is None and distance_mm is None:
        result.warnings.append(
            "no instrument resolution given: the size is a lower bound (give "
            "instrument_fwhm_q or the geometry)"
        )
    if not sample2 > 0:
        result.mark_suspect(
            f"not resolved: the line ({fwhm:.4g} Å⁻¹) is not broader than the instrument "
            f"({inst:.4g} Å⁻¹)"
        )
    elif fwhm < 1.2 * inst:
        result.mark_suspect(
            f"not resolved (resolution-limited): measured {fwhm:.4g} Å⁻¹ < 1.2 × instrument {inst:.4g} Å⁻¹; "
            "the size is a lower bound"
        )
    if fwhm < 3 * float(np.median(np.diff(q))):
        result.mark_suspect("the line is narrower than three q bins: re-integrate with more bins")
    return result
