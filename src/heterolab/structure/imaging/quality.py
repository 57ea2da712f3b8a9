"""Image quality of (SWIR) images: resolution from a slanted edge or a line-pair profile,
contrast and contrast-to-noise ratio, and ranking of several images.

Slanted edge (ISO 12233:2017 e-SFR, after Burns, *Proc. IS&T PICS* 2000, 135): per row the
edge position is the centroid of the windowed derivative; a straight line fitted to those
positions gives the edge angle; every pixel's signed distance perpendicular to the line is
binned at 1/``oversample`` pixel into the edge-spread function (ESF); its central difference
is the line-spread function (LSF), Tukey-windowed about its peak (flat over the central half);
|FFT(LSF)| normalised at zero frequency, divided by the transfer functions of the central
difference (sin(2πfΔ)/(2πfΔ)) and of the bins (sin(πfΔ)/(πfΔ), Δ the bin width), is the MTF.
Frequencies in cycles/pixel (and per length unit when the image is calibrated); MTF50 by linear
interpolation, its standard error from a seeded parametric bootstrap of the pixel noise
through the whole chain plus a 0.2 % method floor (noise-free edges: 0.18 % rms).

Contrast: Weber C = (μ_s − μ_b)/μ_b, Michelson M = (μ_s − μ_b)/(μ_s + μ_b); CNR =
|μ_s − μ_b|/σ_b (background noise; Rose, *Vision: Human and Electronic*, Plenum 1973). A
line-pair profile gives the modulation (I_max − I_min)/(I_max + I_min) of its bars.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from heterolab.errors import ParameterError
from heterolab.result import Quantity, Result
from heterolab.structure.imaging.choices import RankBy

__all__ = [
    "RankBy",
    "compare_images",
    "contrast",
    "line_pair_modulation",
    "line_pairs",
    "slanted_edge_mtf",
]


Roi = tuple[int, int, int, int]


def _array(image: Any) -> tuple[np.ndarray, float | None, str | None]:
    """Pixel values and, for a calibrated DataArray, the pixel size and unit."""
    a = np.asarray(getattr(image, "values", image), dtype=float)
    if a.ndim != 2 or min(a.shape) < 4:
        raise ParameterError(f"an image must be 2-D with at least 4×4 pixels, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ParameterError("the image holds non-finite pixels")
    attrs = getattr(image, "attrs", {}) or {}
    px, unit = attrs.get("pixel_size"), attrs.get("pixel_unit")
    if px is None or not unit:
        return a, None, None
    return a, float(px), str(unit)


def _roi(a: np.ndarray, roi: Roi | None, what: str) -> np.ndarray:
    if roi is None:
        return a
    x0, x1, y0, y1 = (int(v) for v in roi)
    if not (0 <= x0 < x1 <= a.shape[1] and 0 <= y0 < y1 <= a.shape[0]):
        raise ParameterError(
            f"{what} ROI (x0, x1, y0, y1) = {roi} is not inside the image "
            f"({a.shape[1]} × {a.shape[0]} px)"
        )
    return a[y0:y1, x0:x1]


#: The ESF span across the edge must exceed this multiple of its 10–90 % rise: the tapered
#: ends of the LSF window then leave MTF50 within ~0.5 % (a Hamming window over the span, as
#: before: 2 %; 5 % at 5.5×).
RISE_SPAN_MAX = 8.0


def _edge_line(a: np.ndarray) -> tuple[np.ndarray, bool, float, float]:
    """Orient the image (vertical edge, dark to bright left to right) and fit the edge line.

    Returns the oriented image, whether it was transposed, and the line ``x = icpt + slope·row``
    (px) from the centroids of each row's windowed derivative, refined once with a Gaussian
    window centred on the first line (ISO 12233's second pass).
    """
    gy, gx = np.gradient(a)
    transposed = bool(np.abs(gy).sum() > np.abs(gx).sum())  # horizontal edge: transpose
    if transposed:
        a = a.T
    ny, nx = a.shape
    d = np.zeros_like(a)
    d[:, 1:-1] = 0.5 * (a[:, 2:] - a[:, :-2])
    if np.mean(d) < 0:  # dark-to-bright from left to right, whatever the polarity
        d = -d
        a = a.max() + a.min() - a
    xs = np.arange(nx, dtype=float)
    dw = d * np.hamming(nx)  # signed: zero-mean noise does not pull the centroid (|d| would)
    w = dw.sum(axis=1)
    good = w > 0.1 * w.max()
    if good.sum() < 3:
        raise ParameterError("no edge found in the region (need a straight edge crossing it)")
    rows = np.arange(ny, dtype=float)
    cent = (dw * xs).sum(axis=1) / np.where(w > 0, w, 1)
    slope, icpt = np.polyfit(rows[good], cent[good], 1)
    centre = icpt + slope * rows
    win2 = (
        np.hamming(nx)[None, :]
        if nx < 8
        else np.exp(-0.5 * ((xs[None, :] - centre[:, None]) / (nx / 4)) ** 2)
    )
    dw = d * win2
    w = dw.sum(axis=1)
    cent = (dw * xs).sum(axis=1) / np.where(w > 0, w, 1)
    slope, icpt = np.polyfit(rows[good], cent[good], 1)
    return a, transposed, float(slope), float(icpt)


def _edge_distance(shape: tuple[int, int], slope: float, icpt: float) -> np.ndarray:
    """Signed distance (px) of every pixel from the line ``x = icpt + slope·row``,
    perpendicular to it."""
    ny, nx = shape
    rows = np.arange(ny, dtype=float)
    cos_t = 1.0 / math.sqrt(1 + slope * slope)
    return (np.arange(nx, dtype=float)[None, :] - (icpt + slope * rows)[:, None]) * cos_t


def _esf(a: np.ndarray, dist: np.ndarray, oversample: int) -> tuple[np.ndarray, np.ndarray]:
    """Bin centres (px) and edge-spread function: pixel values averaged in bins of
    1/``oversample`` px of ``dist``, over the distance range every row covers."""
    half = min(float(-dist.min(axis=1).max()), float(dist.max(axis=1).min()))
    step = 1.0 / oversample
    nb = int(2 * half / step)
    if nb < 16:
        raise ParameterError("the edge region is too narrow: need ≥ 4 px on each side of the edge")
    edges = -half + step * np.arange(nb + 1)
    idx = np.digitize(dist.ravel(), edges) - 1
    ok = (idx >= 0) & (idx < nb)
    counts = np.bincount(idx[ok], minlength=nb)
    sums = np.bincount(idx[ok], weights=a.ravel()[ok], minlength=nb)
    filled = counts > 0
    centers = 0.5 * (edges[1:] + edges[:-1])
    return centers, np.interp(centers, centers[filled], sums[filled] / counts[filled])


def _mtf_curve(esf: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """LSF (central difference of the ESF), frequencies (cycles/px, ≤ 1) and MTF: |FFT| of
    the Tukey-windowed LSF, normalised at zero frequency, divided by the transfer functions
    of the central difference, sin(2πfΔ)/(2πfΔ), and of the Δ-wide ESF bins,
    sin(πfΔ)/(πfΔ) (Δ the bin width, px)."""
    lsf = np.zeros_like(esf)
    lsf[1:-1] = 0.5 * (esf[2:] - esf[:-2]) / step
    peak = int(np.argmax(lsf))
    n = lsf.size
    hw = max(peak, n - 1 - peak)
    spec = np.abs(np.fft.rfft(lsf * _tukey(np.arange(n) - peak, hw)))
    if spec[0] <= 0:
        raise ParameterError("the edge has no contrast")
    freq = np.fft.rfftfreq(n, d=step)  # cycles per pixel
    # the central difference (sin 2πfΔ/2πfΔ) and the Δ-wide ESF bins, each averaging pixels
    # spread evenly across it (a box: sin πfΔ/πfΔ), both attenuate the measured MTF
    corr = np.sinc(2 * freq * step) * np.sinc(freq * step)
    mtf = spec / spec[0] / np.where(np.abs(corr) > 0.1, corr, 1.0)
    keep = freq <= 1.0
    return lsf, freq[keep], mtf[keep]


#: Fraction of the LSF window's half-width that is flat (Tukey window; ISO 12233:2017's
#: sfrmat4 uses one too). A Hamming window over the whole span tapered even the LSF core and
#: raised MTF50 by 1–4 % for blurs of σ ≥ 1 px on 50–70 px wide regions.
LSF_FLAT = 0.5


def _tukey(offset: np.ndarray, half_width: int, flat: float = LSF_FLAT) -> np.ndarray:
    """Window 1 for |offset| ≤ ``flat``·``half_width``, a raised-cosine taper to 0 at
    ``half_width`` (samples)."""
    hw = max(half_width, 1)
    r = np.clip((np.abs(offset) / hw - flat) / (1 - flat), 0.0, 1.0)
    return 0.5 * (1 + np.cos(np.pi * r))


def _crossing(freq: np.ndarray, mtf: np.ndarray, level: float) -> float:
    """First frequency (cycles/px) where the MTF falls below ``level`` (linear
    interpolation); NaN if it never does or starts below."""
    below = np.nonzero(mtf < level)[0]
    if below.size == 0 or below[0] == 0:
        return math.nan
    i = below[0]
    f0, f1, m0, m1 = freq[i - 1], freq[i], mtf[i - 1], mtf[i]
    return float(f0 + (level - m0) * (f1 - f0) / (m1 - m0))


def _mtf_levels(a: np.ndarray, oversample: int) -> tuple[float, float]:
    """MTF50 and MTF10 (cycles/px) of an oriented edge image, the whole chain re-run."""
    a, _, slope, icpt = _edge_line(a)
    _, esf = _esf(a, _edge_distance(a.shape, slope, icpt), oversample)
    _, freq, mtf = _mtf_curve(esf, 1.0 / oversample)
    return _crossing(freq, mtf, 0.5), _crossing(freq, mtf, 0.1)


#: Relative error floor of MTF50/MTF10 added in quadrature: on noise-free edges (Gaussian blur
#: σ 0.4–2 px, tilt 2.5–9°, 50–80 px wide) this implementation's MTF50 scatters about the
#: truth (pixel aperture × blur) by 0.18 % rms (0.45 % at most), with the edge's sub-pixel
#: phase — more than the noise at SNR > 300.
MTF_REL_FLOOR = 0.002

#: Replicates of the parametric bootstrap behind the MTF50/MTF10 standard errors (the error
#: of a standard deviation from B replicates is ~1/√(2B): 7 %).
MTF_BOOTSTRAP = 100


def _noise_sd(resid: np.ndarray, dist: np.ndarray, model: np.ndarray, half: float) -> np.ndarray:
    """Pixel noise sd (image units) at every pixel: the robust sd (1.4826 × MAD) of the
    residuals on each plateau (|distance| > half/2, away from the edge), its variance
    interpolated linearly in the model value between the dark and bright levels (shot noise
    grows linearly with the signal)."""
    out = []
    for side in (dist < -0.5 * half, dist > 0.5 * half):
        r = resid[side]
        mad = float(np.median(np.abs(r - np.median(r)))) if r.size else 0.0
        out.append((1.4826 * mad) ** 2 if r.size > 5 else float(np.var(resid)))
        out.append(float(np.median(model[side])) if r.size else float(model.mean()))
    v_dark, m_dark, v_bright, m_bright = out
    frac = np.clip((model - m_dark) / (m_bright - m_dark), 0, 1) if m_bright != m_dark else 0.5
    return np.sqrt(np.maximum(v_dark + (v_bright - v_dark) * frac, 0.0))


def _mtf_stderr(
    a: np.ndarray,
    dist: np.ndarray,
    centers: np.ndarray,
    esf: np.ndarray,
    oversample: int,
    n_boot: int = MTF_BOOTSTRAP,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Standard errors of MTF50 and MTF10 (cycles/px) and the pixel noise (image units).

    Parametric bootstrap (Efron & Tibshirani, *An Introduction to the Bootstrap*, Chapman &
    Hall 1993, §6.5): the measured ESF at every pixel's distance plus Gaussian noise of the
    pixel sd (:func:`_noise_sd`, fixed ``seed``) is analysed again from the edge line on; the
    standard deviations of the replicates' MTF50 and MTF10 are their errors. This carries the
    noise through the edge-line fit, the binning, the derivative and the window. (Resampling
    the residuals instead gave the same errors but also scattered the ESF interpolation
    misfit of the edge pixels over the image.) On repeated noise realisations of one edge
    the replicate sd is 0.85–1.14× the actual scatter of MTF50 (60 realisations each).
    """
    model = np.interp(dist, centers, esf)
    sd = _noise_sd(a - model, dist, model, float(centers[-1]))
    rng = np.random.default_rng(seed)
    reps = []
    for _ in range(n_boot):
        sim = model + sd * rng.standard_normal(a.shape)
        try:
            reps.append(_mtf_levels(sim, oversample))
        except ParameterError:
            reps.append((math.nan, math.nan))
    r = np.asarray(reps)
    err = [
        float(np.std(c[np.isfinite(c)], ddof=1)) if np.isfinite(c).sum() > 2 else math.nan
        for c in r.T
    ]
    return err[0], err[1], float(np.median(sd))


def slanted_edge_mtf(image: Any, roi: Roi | None = None, *, oversample: int = 4) -> Result:
    """MTF of an imaging system from a slanted edge (``imaging.mtf``).

    Parameters
    ----------
    image
        2-D array or calibrated DataArray containing one straight edge, tilted by ~2–10° from
        the pixel rows or columns (vertical or horizontal; detected).
    roi
        ``(x0, x1, y0, y1)`` pixel region around the edge; default the whole image.
    oversample
        Bins per pixel of the super-sampled ESF (ISO: 4).

    Returns
    -------
    Result
        ``mtf50`` (cycles/pixel; ``mtf50_per_unit`` when calibrated), ``mtf10``, the edge
        angle; curves ``esf``, ``lsf``, ``mtf``. MTF50 and MTF10 carry standard errors from a
        seeded parametric bootstrap of the image noise (:func:`_mtf_stderr`).
    """
    a, px, unit = _array(image)
    a = _roi(a, roi, "edge")
    if oversample < 1:
        raise ParameterError(f"oversample must be ≥ 1, got {oversample}")
    a, transposed, slope, icpt = _edge_line(a)
    angle = math.degrees(math.atan(slope))
    if abs(angle) < 0.5:
        raise ParameterError(
            f"edge angle {angle:.2f}°: tilt the edge by 2–10° for a slanted-edge MTF"
        )
    dist = _edge_distance(a.shape, slope, icpt)
    centers, esf = _esf(a, dist, oversample)
    step = 1.0 / oversample
    lsf, freq, mtf = _mtf_curve(esf, step)
    m50, m10 = _crossing(freq, mtf, 0.5), _crossing(freq, mtf, 0.1)
    e50, e10, noise = _mtf_stderr(a, dist, centers, esf, oversample)
    e50, e10 = math.hypot(e50, MTF_REL_FLOOR * m50), math.hypot(e10, MTF_REL_FLOOR * m10)
    res = Result(kind="imaging.mtf")
    _mtf_quantities(res, m50, e50, m10, e10, angle, px, unit)
    res.statistics.update(
        {
            "edge": "horizontal" if transposed else "vertical",
            "oversample": oversample,
            "method": "ISO 12233 slanted edge (e-SFR)",
            "n_rows": int(a.shape[0]),
            "pixel_noise": noise,
            "error_method": (
                f"parametric bootstrap of the pixel noise, {MTF_BOOTSTRAP} replicates, "
                f"seed 0; method floor {MTF_REL_FLOOR:.1%}"
            ),
        }
    )
    _mtf_curves(res, centers, esf, lsf, freq, mtf)
    _mtf_diagnose(res, m50, centers, esf, a.shape[0], slope, oversample)
    return res


def _mtf_quantities(
    res: Result,
    m50: float,
    e50: float,
    m10: float,
    e10: float,
    angle: float,
    px: float | None,
    unit: str | None,
) -> None:
    """MTF50 (cycles/px) as the parameter; MTF10, the angle and, when calibrated, MTF50 per
    length unit and the resolution 1/(2 MTF50) (length unit) as derived quantities."""
    res.parameters["mtf50"] = Quantity(m50, _finite(e50), "cycles/px")
    res.derived["mtf10"] = Quantity(m10, _finite(e10), "cycles/px")
    res.derived["edge_angle"] = Quantity(angle, None, "deg")
    if px is not None:
        res.derived["mtf50_per_unit"] = Quantity(m50 / px, _finite(e50 / px), f"1/{unit}")
        ok = m50 > 0
        res.derived["resolution_mtf50"] = Quantity(
            px / (2 * m50) if ok else math.nan,
            _finite(px * e50 / (2 * m50 * m50)) if ok else None,
            str(unit),
        )


def _finite(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None


def _mtf_curves(
    res: Result,
    centers: np.ndarray,
    esf: np.ndarray,
    lsf: np.ndarray,
    freq: np.ndarray,
    mtf: np.ndarray,
) -> None:
    import xarray as xr

    res.curves["esf"] = xr.DataArray(
        esf, dims=("distance",), coords={"distance": centers}, name="esf"
    )
    res.curves["lsf"] = xr.DataArray(
        lsf, dims=("distance",), coords={"distance": centers}, name="lsf"
    )
    res.curves["mtf"] = xr.DataArray(
        mtf, dims=("frequency",), coords={"frequency": freq}, name="mtf"
    )
    res.curves["mtf"]["frequency"].attrs["units"] = "cycles/px"


def _mtf_diagnose(
    res: Result,
    m50: float,
    centers: np.ndarray,
    esf: np.ndarray,
    ny: int,
    slope: float,
    oversample: int,
) -> None:
    """Suspect when MTF50 is not reached, the ESF span is short for its rise, the edge moves
    less than a pixel over the rows, or the angle is large."""
    nb = esf.size
    half = 0.5 * nb / oversample
    angle = math.degrees(math.atan(slope))
    if not math.isfinite(m50):
        res.mark_suspect(
            "the MTF does not fall below 0.5 before 1 cycle/px (edge too sharp or aliased)"
        )
    lo_esf, hi_esf = float(esf[: max(nb // 10, 1)].mean()), float(esf[-max(nb // 10, 1) :].mean())
    rise = float(
        np.interp(0.9, (esf - lo_esf) / (hi_esf - lo_esf), centers)
        - np.interp(0.1, (esf - lo_esf) / (hi_esf - lo_esf), centers)
    )
    res.statistics["rise_10_90_px"] = rise
    res.statistics["esf_span_px"] = 2 * half
    if rise > 2 * half / RISE_SPAN_MAX:
        res.mark_suspect(
            f"the edge's 10–90 % rise ({rise:.1f} px) is wide for the {2 * half:.0f} px across "
            f"the edge: the windowed LSF is truncated and the MTF too high; widen the region "
            f"to ≥ {RISE_SPAN_MAX:g}× the rise"
        )
    if ny * abs(slope) < 1:
        res.mark_suspect(
            f"the edge moves {ny * abs(slope):.2f} px over the {ny} rows (< 1 px): the "
            f"{oversample}× super-sampled ESF has gaps; use more rows or a larger tilt"
        )
    if abs(angle) > 20:
        res.mark_suspect(f"edge angle {angle:.1f}° is large for the slanted-edge method (ISO: ≈5°)")


def line_pair_modulation(profile: Sequence[float] | np.ndarray, *, min_distance: int = 2) -> Result:
    """Modulation (I_max − I_min)/(I_max + I_min) of a bar-target profile (``imaging.line_pairs``).

    Maxima and minima are the local extrema of the profile (``scipy.signal.find_peaks``,
    separated by ≥ ``min_distance`` samples); their means and standard errors give the
    modulation and its error.
    """
    from scipy.signal import find_peaks

    y = np.asarray(profile, dtype=float)
    if y.ndim != 1 or y.size < 5 or not np.all(np.isfinite(y)):
        raise ParameterError("the profile must be a 1-D array of ≥ 5 finite values")
    prom = 0.1 * float(np.ptp(y))
    hi, _ = find_peaks(y, distance=min_distance, prominence=prom)
    lo, _ = find_peaks(-y, distance=min_distance, prominence=prom)
    res = Result(kind="imaging.line_pairs")
    if hi.size < 2 or lo.size < 1:
        res.parameters["modulation"] = Quantity(0.0, None, "1")
        res.mark_suspect("bars not resolved: fewer than two maxima")
        return res
    imax, imin = float(y[hi].mean()), float(y[lo].mean())
    emax = float(y[hi].std(ddof=1) / math.sqrt(hi.size)) if hi.size > 1 else 0.0
    emin = float(y[lo].std(ddof=1) / math.sqrt(lo.size)) if lo.size > 1 else 0.0
    s = imax + imin
    mod = (imax - imin) / s
    err = math.hypot(2 * imin / s**2 * emax, 2 * imax / s**2 * emin)
    res.parameters["modulation"] = Quantity(mod, err, "1")
    res.derived["period"] = Quantity(float(np.mean(np.diff(hi))), None, "samples")
    res.statistics.update(
        {
            "n_maxima": int(hi.size),
            "n_minima": int(lo.size),
            "maxima": hi.tolist(),
            "minima": lo.tolist(),
        }
    )
    return res


def line_pairs(
    image: Any,
    line: tuple[float, float, float, float],
    *,
    width: int = 1,
    min_distance: int = 2,
) -> Result:
    """Line-pair modulation along a line across a bar target (``imaging.line_pairs``).

    Parameters
    ----------
    image
        2-D array or calibrated DataArray.
    line
        ``(x0, y0, x1, y1)`` end points (pixels).
    width
        Pixels averaged across the line (scikit-image ``profile_line``, linear interpolation).

    Returns
    -------
    Result
        As :func:`line_pair_modulation`, with the curve ``profile`` over ``distance`` (pixels,
        and the period also in the image unit when calibrated).
    """
    import xarray as xr
    from skimage.measure import profile_line

    a, px, unit = _array(image)
    x0, y0, x1, y1 = (float(v) for v in line)
    ny, nx = a.shape
    for x, y in ((x0, y0), (x1, y1)):
        if not (0 <= x <= nx - 1 and 0 <= y <= ny - 1):
            raise ParameterError(
                f"line end ({x:g}, {y:g}) lies outside the image (x 0…{nx - 1}, y 0…{ny - 1})"
            )
    if int(width) < 1:
        raise ParameterError(f"width must be ≥ 1 pixel, got {width}")
    prof = profile_line(
        a.astype(float), (y0, x0), (y1, x1), linewidth=int(width), order=1, mode="reflect"
    )
    res = line_pair_modulation(prof, min_distance=min_distance)
    da = xr.DataArray(prof, dims=("distance",), name="profile", attrs={"units": "a.u."})
    da = da.assign_coords(distance=np.arange(prof.size, dtype=float))
    da["distance"].attrs["units"] = "px"
    res.curves["profile"] = da
    res.statistics.update({"line": [x0, y0, x1, y1], "width_px": int(width)})
    if px is not None and unit and "period" in res.derived:
        res.derived["period_length"] = Quantity(res.derived["period"].value * px, None, unit)
    return res


def contrast(image: Any, signal_roi: Roi, background_roi: Roi) -> Result:
    """Weber and Michelson contrast and CNR of a signal region against background
    (``imaging.contrast``); ROIs ``(x0, x1, y0, y1)`` in pixels. Errors: standard errors of
    the region means propagated (pixels taken as independent)."""
    a, _, _ = _array(image)
    s = _roi(a, signal_roi, "signal").ravel()
    b = _roi(a, background_roi, "background").ravel()
    if s.size < 2 or b.size < 2:
        raise ParameterError("each ROI needs at least 2 pixels")
    ms, mb = float(s.mean()), float(b.mean())
    ss, sb = float(s.std(ddof=1)), float(b.std(ddof=1))
    es, eb = ss / math.sqrt(s.size), sb / math.sqrt(b.size)
    res = Result(kind="imaging.contrast")
    res.curves["image"] = _as_da(image)
    res.parameters["signal_mean"] = Quantity(ms, es, "a.u.")
    res.parameters["background_mean"] = Quantity(mb, eb, "a.u.")
    res.derived["background_sd"] = Quantity(sb, sb / math.sqrt(2 * (b.size - 1)), "a.u.")
    if mb != 0:
        res.derived["weber"] = Quantity((ms - mb) / mb, math.hypot(es / mb, ms * eb / mb**2), "1")
    tot = ms + mb
    if tot != 0:
        res.derived["michelson"] = Quantity(
            (ms - mb) / tot, math.hypot(2 * mb / tot**2 * es, 2 * ms / tot**2 * eb), "1"
        )
    if sb > 0:
        cnr = abs(ms - mb) / sb
        res.derived["cnr"] = Quantity(
            cnr, math.hypot(math.hypot(es, eb) / sb, cnr / math.sqrt(2 * (b.size - 1))), "1"
        )
    else:
        res.mark_suspect("background has no noise: CNR undefined")
    res.statistics.update(
        {
            "signal_roi": [int(v) for v in signal_roi],
            "background_roi": [int(v) for v in background_roi],
            "cnr_definition": "|mean_s - mean_b| / sd_b (Rose)",
            "n_signal": int(s.size),
            "n_background": int(b.size),
        }
    )
    return res


def compare_images(
    images: Mapping[str, Any],
    *,
    signal_roi: Roi,
    background_roi: Roi,
    edge_roi: Roi | None = None,
    rank_by: RankBy | str = "cnr",
) -> Result:
    """Contrast, CNR and (with ``edge_roi``) MTF50 of several images, ranked (``imaging.compare``).

    ``rank_by``: ``cnr``, ``weber``, ``michelson`` or ``mtf50`` (needs ``edge_roi``); higher is
    better. Derived ``<name>:<metric>``; ``statistics["ranking"]`` best first.
    """
    metrics = tuple(m.value for m in RankBy)
    try:
        rank_by = RankBy(str(rank_by).lower()).value
    except ValueError:
        raise ParameterError(
            f"rank_by must be one of {', '.join(metrics)}, got {rank_by!r}"
        ) from None
    if rank_by == "mtf50" and edge_roi is None:
        raise ParameterError("ranking by mtf50 needs edge_roi=")
    if len(images) < 1:
        raise ParameterError("no images to compare")
    res = Result(kind="imaging.compare")
    table = []
    for name, im in images.items():
        c = contrast(im, signal_roi, background_roi)
        row: dict[str, Any] = {"name": name}
        for k in ("cnr", "weber", "michelson"):
            if k in c.derived:
                res.derived[f"{name}:{k}"] = c.derived[k]
                row[k] = c.derived[k].value
        if edge_roi is not None:
            m = slanted_edge_mtf(im, edge_roi)
            res.derived[f"{name}:mtf50"] = m.parameters["mtf50"]
            row["mtf50"] = m.parameters["mtf50"].value
        table.append(row)
        res.curves[f"image:{name}"] = _as_da(im)
    ranked = sorted(
        table,
        key=lambda r: (
            -(r.get(rank_by, -math.inf) if math.isfinite(r.get(rank_by, math.nan)) else -math.inf)
        ),
    )
    res.statistics.update(
        {
            "table": table,
            "ranking": [r["name"] for r in ranked],
            "rank_by": rank_by,
            "signal_roi": list(signal_roi),
            "background_roi": list(background_roi),
        }
    )
    return res


def _as_da(im: Any) -> Any:
    import xarray as xr

    if isinstance(im, xr.DataArray):
        return im
    a = np.asarray(im, dtype=float)
    return xr.DataArray(a, dims=("y", "x"), name="intensity")
